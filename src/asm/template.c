/*
 * template.c - one template, matched against a line or filled with values.
 *
 * Matching walks the template's tokens and the line's tokens in step: a
 * literal token must equal the next line token, a placeholder hands the
 * line to operand.c, which consumes as many tokens as its operand needs
 * ("-", "8" for an offset; nothing for an absent offset). The line must
 * then be exhausted, except for the " <LBB0_3>" llvm-objdump appends to
 * jump targets. Filling copies the template text and prints placeholders,
 * so the disassembler's spacing is exactly the template's.
 */
#include "template.h"

#include <errno.h>
#include <string.h>

#include "bpfvm.h"

int tpl_compile(const char *text, unsigned row, int syntax, struct tpl *t)
{
	struct asm_tok toks[TPL_MAX_TOKS];
	size_t n, bad;
	size_t len = strlen(text);

	memset(t, 0, sizeof(*t));
	if (len > UINT8_MAX || asm_lex(text, len, true, toks, TPL_MAX_TOKS, &n, &bad))
		return -EINVAL;
	t->text = text;
	t->row = (uint16_t)row;
	t->syntax = (uint8_t)syntax;
	t->ntok = (uint8_t)n;
	for (size_t i = 0; i < n; i++) {
		t->tok[i] = (struct tpl_tok){
			.off = (uint8_t)(toks[i].s - text),
			.len = (uint8_t)toks[i].len,
			.kind = toks[i].kind,
			.ph = toks[i].ph,
		};
		if (toks[i].kind == TK_PH && ph_is_target(toks[i].ph))
			t->target = true;
	}
	while (t->nmnem < n && toks[t->nmnem].kind == TK_IDENT)
		t->nmnem++;
	t->nops = (uint8_t)tpl_count_operands(toks + t->nmnem, n - t->nmnem);
	return 0;
}

struct asm_tok tpl_tok_at(const struct tpl *t, size_t i)
{
	const struct tpl_tok *k = &t->tok[i];
	return (struct asm_tok){
		.s = t->text + k->off, .len = k->len, .col = 0, .kind = k->kind, .ph = k->ph,
	};
}

size_t tpl_count_operands(const struct asm_tok *toks, size_t n)
{
	size_t count = n ? 1 : 0;
	int depth = 0;

	for (size_t i = 0; i < n; i++) {
		if (toks[i].kind != TK_PUNCT || toks[i].len != 1)
			continue;
		char c = toks[i].s[0];
		depth += (c == '(' || c == '[') - (c == ')' || c == ']');
		if (c == ',' && depth <= 0)
			count++;
	}
	return count;
}

/* llvm-objdump writes "goto +3 <LBB0_3>": a trailing "<...>" after the
 * instruction names the target and carries no information we lack. */
static bool objdump_suffix(const struct asm_tok *line, size_t j, size_t n)
{
	return n - j >= 2 && asm_tok_is(&line[j], "<") && asm_tok_is(&line[n - 1], ">");
}

bool tpl_match(const struct tpl *t, const struct asm_tok *line, size_t n,
	       struct tpl_vals *v, const struct asm_tok **label, struct asm_fail *f)
{
	struct tpl_vals vals = { 0 };
	const struct asm_tok *lab = NULL;
	unsigned bound = 0;
	size_t j = 0;

	for (size_t i = 0; i < t->ntok; i++) {
		struct asm_tok want = tpl_tok_at(t, i);
		if (want.kind == TK_PH) {
			if (!ph_parse(want.ph, t->syntax, line, n, &j, &vals, &bound, &lab, f))
				return false;
			continue;
		}
		if (j < n && asm_tok_same(&want, &line[j])) {
			j++;
			continue;
		}
		fail_lit(f, j, want.s, want.len);
		return false;
	}
	if (j < n && !(t->target && objdump_suffix(line, j, n))) {
		fail_weak(f, j, "end of line");
		return false;
	}
	*v = vals;
	*label = lab;
	return true;
}

void tpl_fill(const char *text, int syntax, const struct tpl_vals *v, struct sbuf *out)
{
	const char *p = text;

	while (*p) {
		const char *open = strchr(p, '{');
		if (!open) {
			sbuf_puts(out, p);
			return;
		}
		const char *close = strchr(open, '}');
		int ph = close ? tpl_ph_lookup(open + 1, (size_t)(close - open - 1)) : -1;
		if (ph < 0) {
			/* Not a placeholder (templates are checked by the unit
			 * tests; stay safe anyway): copy it as text. */
			sbuf_putn(out, p, (size_t)(open - p) + 1);
			p = open + 1;
			continue;
		}
		sbuf_putn(out, p, (size_t)(open - p));
		ph_format(ph, syntax, v, out);
		p = close + 1;
	}
}

unsigned tpl_fields(const char *text)
{
	unsigned fields = 0;

	for (const char *p = strchr(text, '{'); p; p = strchr(p + 1, '{')) {
		const char *close = strchr(p, '}');
		if (!close)
			break;
		fields |= ph_fields(tpl_ph_lookup(p + 1, (size_t)(close - p - 1)));
	}
	return fields;
}
