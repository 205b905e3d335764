/*
 * lexer.c - tokens of one line, shared by source lines and ISA templates.
 *
 * Rules: blanks separate tokens; identifiers are [A-Za-z_.][A-Za-z0-9_.]*,
 * optionally prefixed by '%' (uBPF registers); numbers start with a digit
 * and run over letters and digits (so "0x1g" is one bad number, not two
 * tokens); operators are taken longest first ("<<=" before "<" and "<=").
 * Every loop is bounded by len: the text need not be NUL-terminated.
 */
#include "lexer.h"

#include <errno.h>
#include <string.h>

#include "operand.h"

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '.';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

size_t asm_strip_comment(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (line[i] == '#' || line[i] == ';')
			return i;
		if (line[i] == '/' && i + 1 < len && line[i + 1] == '/')
			return i;
	}
	return len;
}

/* Operators, longest first so that the first hit is the longest match. */
static const char *const puncts[] = {
	"<<=", ">>=", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "%=", "|=", "&=", "^=",
	"+", "-", "*", "/", "%", "|", "&", "^", "=", "<", ">", "(", ")", "[", "]", ",", ":",
	"!", "~",
};

static size_t punct_len(const char *s, size_t avail)
{
	for (size_t i = 0; i < sizeof(puncts) / sizeof(puncts[0]); i++) {
		size_t n = strlen(puncts[i]);
		if (n <= avail && !memcmp(s, puncts[i], n))
			return n;
	}
	return 0;
}

int asm_lex(const char *line, size_t len, bool templ, struct asm_tok *out, size_t max,
	    size_t *n, size_t *bad_col)
{
	size_t i = 0, count = 0;

	*n = 0;
	while (i < len) {
		char c = line[i];
		if (is_blank(c)) {
			i++;
			continue;
		}
		struct asm_tok t = { .s = line + i, .col = i + 1, .kind = TK_PUNCT };
		size_t j = i;
		if (is_alpha(c) || (c == '%' && i + 1 < len && is_alpha(line[i + 1]))) {
			t.kind = TK_IDENT;
			j++;
			while (j < len && (is_alpha(line[j]) || is_digit(line[j])))
				j++;
		} else if (is_digit(c)) {
			t.kind = TK_NUM;
			while (j < len && (is_alpha(line[j]) || is_digit(line[j])))
				j++;
		} else if (templ && c == '{') {
			const char *close = memchr(line + i, '}', len - i);
			int ph = close ? tpl_ph_lookup(line + i + 1, (size_t)(close - line) - i - 1)
				       : -1;
			if (ph < 0) {
				*bad_col = i + 1;
				return -EINVAL;
			}
			t.kind = TK_PH;
			t.ph = (uint8_t)ph;
			j = (size_t)(close - line) + 1;
		} else {
			size_t plen = punct_len(line + i, len - i);
			if (!plen) {
				*bad_col = i + 1;
				return -EINVAL;
			}
			j += plen;
		}
		if (count == max) {
			*bad_col = i + 1;
			return -E2BIG;
		}
		t.len = j - i;
		out[count++] = t;
		i = j;
	}
	*n = count;
	return 0;
}

bool asm_tok_is(const struct asm_tok *tok, const char *word)
{
	size_t n = strlen(word);
	if (tok->len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(tok->s[i]) != lower(word[i]))
			return false;
	return true;
}

bool asm_tok_same(const struct asm_tok *a, const struct asm_tok *b)
{
	if (a->kind != b->kind || a->len != b->len)
		return false;
	if (a->kind == TK_PH)
		return a->ph == b->ph;
	for (size_t i = 0; i < a->len; i++)
		if (lower(a->s[i]) != lower(b->s[i]))
			return false;
	return true;
}

static int digit_value(char c)
{
	c = lower(c);
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return 99;
}

int asm_parse_num(const struct asm_tok *tok, uint64_t *val, bool *hex)
{
	const char *s = tok->s;
	size_t n = tok->len, i = 0;
	unsigned base = 10;

	*val = 0;
	*hex = false;
	if (n > 2 && s[0] == '0' && lower(s[1]) == 'x') {
		base = 16;
		*hex = true;
		i = 2;
	}
	if (i >= n)
		return -EINVAL;
	uint64_t v = 0;
	for (; i < n; i++) {
		int d = digit_value(s[i]);
		if (d >= (int)base)
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return -ERANGE;
		v = v * base + (uint64_t)d;
	}
	*val = v;
	return 0;
}
