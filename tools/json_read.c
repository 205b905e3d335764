/*
 * json_read.c - the strict JSON reader; see json_read.h.
 *
 * Recursive descent over a bounded buffer: every read checks p < end, the
 * depth is capped, and a node is only linked into its parent once it is
 * complete, so the error path frees exactly what was built.
 */
#include "json_read.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
	const char *p, *end;
	const char *line_start;
	int line;
	int depth;
	struct jr_error *err;
	bool failed;
};

static int column_of(const struct parser *ps, const char *at)
{
	return (int)(at - ps->line_start) + 1;
}

__attribute__((format(printf, 3, 4))) static int fail_at(struct parser *ps, const char *at,
							  const char *fmt, ...)
{
	if (ps->failed)
		return -1;
	ps->failed = true;
	if (ps->err) {
		va_list ap;
		ps->err->line = ps->line;
		ps->err->column = column_of(ps, at);
		va_start(ap, fmt);
		vsnprintf(ps->err->msg, sizeof(ps->err->msg), fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* What is at p, for "expected X, found Y" messages. */
static const char *found(const struct parser *ps)
{
	if (ps->p >= ps->end)
		return "the end of the input";
	switch (*ps->p) {
	case '{': return "'{'";
	case '}': return "'}'";
	case '[': return "'['";
	case ']': return "']'";
	case ',': return "','";
	case ':': return "':'";
	case '"': return "a string";
	case '\'': return "a single quote (JSON strings take double quotes)";
	case '/': return "'/' (JSON has no comments)";
	default: return "an unexpected character";
	}
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end) {
		char c = *ps->p;
		if (c == '\n') {
			ps->line++;
			ps->line_start = ps->p + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			return;
		}
		ps->p++;
	}
}

static void free_contents(struct jr_value *v)
{
	for (size_t i = 0; i < v->n; i++)
		free_contents(&v->items[i]);
	free(v->items);
	free(v->text);
	free(v->key);
	v->items = NULL;
	v->text = NULL;
	v->key = NULL;
	v->n = 0;
}

void jr_free(struct jr_value *root)
{
	if (!root)
		return;
	free_contents(root);
	free(root);
}

static int parse_value(struct parser *ps, struct jr_value *out);

static bool literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n))
		return false;
	/* "truex" is not true followed by garbage we let through later; the
	 * caller's check for what follows a value reports it. */
	ps->p += n;
	return true;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int parse_number(struct parser *ps, struct jr_value *out)
{
	const char *s = ps->p;
	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (ps->p >= ps->end || !is_digit(*ps->p))
		return fail_at(ps, ps->p, "expected a digit");
	if (*ps->p == '0') {
		ps->p++;
		if (ps->p < ps->end && is_digit(*ps->p))
			return fail_at(ps, ps->p - 1, "a number may not start with 0 (hex and "
					   "octal are not JSON; write the value in decimal or as a string)");
		if (ps->p < ps->end && (*ps->p == 'x' || *ps->p == 'X'))
			return fail_at(ps, s, "hex numbers are not JSON: write \"0x...\" as a string "
					   "or the value in decimal");
	} else {
		while (ps->p < ps->end && is_digit(*ps->p))
			ps->p++;
	}
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (ps->p >= ps->end || !is_digit(*ps->p))
			return fail_at(ps, ps->p, "expected a digit after the decimal point");
		while (ps->p < ps->end && is_digit(*ps->p))
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (ps->p >= ps->end || !is_digit(*ps->p))
			return fail_at(ps, ps->p, "expected a digit in the exponent");
		while (ps->p < ps->end && is_digit(*ps->p))
			ps->p++;
	}
	out->type = JR_NUMBER;
	size_t n = (size_t)(ps->p - s);
	out->text = malloc(n + 1);
	if (out->text) {
		memcpy(out->text, s, n);
		out->text[n] = '\0';
	}
	if (!out->text)
		return fail_at(ps, s, "out of memory");
	return 0;
}

static int hex4(const char *p, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t len;
	uint32_t cp, min;
	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0)
		len = 2, cp = p[0] & 0x1f, min = 0x80;
	else if ((p[0] & 0xf0) == 0xe0)
		len = 3, cp = p[0] & 0x0f, min = 0x800;
	else if ((p[0] & 0xf8) == 0xf0)
		len = 4, cp = p[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* A string at p (which is the opening quote), decoded into text and len. */
static int parse_string(struct parser *ps, char **text, size_t *len)
{
	const char *s = ps->p++;
	/* The decoded form is never longer than the source. */
	const char *q = ps->p;
	while (q < ps->end && *q != '"')
		q += (*q == '\\' && q + 1 < ps->end) ? 2 : 1;
	if (q >= ps->end)
		return fail_at(ps, s, "unterminated string");
	char *o = malloc((size_t)(q - ps->p) + 1);
	size_t n = 0;
	if (!o)
		return fail_at(ps, s, "out of memory");
	while (*ps->p != '"') {
		unsigned char c = (unsigned char)*ps->p;
		if (c < 0x20) {
			free(o);
			return fail_at(ps, ps->p, c == '\n' ? "unterminated string (a raw newline; "
						   "write \\n)" : "a raw control character in a string "
						   "(write it as \\u00XX)");
		}
		if (c != '\\') {
			size_t l = utf8_len((const unsigned char *)ps->p, (size_t)(ps->end - ps->p));
			if (!l) {
				free(o);
				return fail_at(ps, ps->p, "invalid UTF-8 in a string");
			}
			memcpy(o + n, ps->p, l);
			n += l;
			ps->p += l;
			continue;
		}
		const char *esc = ps->p++;
		char e = *ps->p++;
		switch (e) {
		case '"': o[n++] = '"'; break;
		case '\\': o[n++] = '\\'; break;
		case '/': o[n++] = '/'; break;
		case 'b': o[n++] = '\b'; break;
		case 'f': o[n++] = '\f'; break;
		case 'n': o[n++] = '\n'; break;
		case 'r': o[n++] = '\r'; break;
		case 't': o[n++] = '\t'; break;
		case 'u': {
			uint32_t cp, lo;
			if (ps->end - ps->p < 4 || hex4(ps->p, &cp)) {
				free(o);
				return fail_at(ps, esc, "\\u wants four hex digits");
			}
			ps->p += 4;
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				free(o);
				return fail_at(ps, esc, "a lone low surrogate \\u%04X", cp);
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' ||
				    hex4(ps->p + 2, &lo) || lo < 0xdc00 || lo > 0xdfff) {
					free(o);
					return fail_at(ps, esc, "a high surrogate \\u%04X without its low "
							   "surrogate", cp);
				}
				ps->p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			n += put_utf8(o + n, cp);
			break;
		}
		default:
			free(o);
			return fail_at(ps, esc, "unknown escape '\\%c'", e >= 0x20 && e < 0x7f ? e : '?');
		}
	}
	ps->p++; /* the closing quote */
	o[n] = '\0';
	*text = o;
	*len = n;
	return 0;
}

/* Append a finished item; on failure the item is freed. */
static int push(struct parser *ps, struct jr_value *parent, size_t *cap, struct jr_value *item,
		const char *at)
{
	if (parent->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;
		struct jr_value *p = realloc(parent->items, ncap * sizeof(*p));
		if (!p) {
			free_contents(item);
			return fail_at(ps, at, "out of memory");
		}
		parent->items = p;
		*cap = ncap;
	}
	parent->items[parent->n++] = *item;
	return 0;
}

static int parse_array(struct parser *ps, struct jr_value *out)
{
	size_t cap = 0;
	out->type = JR_ARRAY;
	ps->p++; /* '[' */
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		return 0;
	}
	for (;;) {
		struct jr_value item = { 0 };
		skip_ws(ps);
		const char *at = ps->p;
		if (ps->p < ps->end && *ps->p == ']')
			return fail_at(ps, ps->p, "expected a value after ',' (no trailing commas in JSON)");
		if (parse_value(ps, &item)) {
			free_contents(&item);
			return -1;
		}
		if (push(ps, out, &cap, &item, at))
			return -1;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == ']') {
			ps->p++;
			return 0;
		}
		return fail_at(ps, ps->p, "expected ',' or ']' in an array, found %s", found(ps));
	}
}

static int parse_object(struct parser *ps, struct jr_value *out)
{
	size_t cap = 0;
	out->type = JR_OBJECT;
	ps->p++; /* '{' */
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		return 0;
	}
	for (;;) {
		struct jr_value item = { 0 };
		skip_ws(ps);
		const char *kat = ps->p;
		if (ps->p >= ps->end || *ps->p != '"')
			return fail_at(ps, ps->p, ps->p < ps->end && *ps->p == '}'
						   ? "expected a key after ',' (no trailing commas in JSON)"
						   : "expected a key (a string in double quotes), found %s",
				       found(ps));
		item.key_line = ps->line;
		item.key_column = column_of(ps, kat);
		size_t klen;
		if (parse_string(ps, &item.key, &klen))
			return -1;
		if (strlen(item.key) != klen) {
			free(item.key);
			return fail_at(ps, kat, "a key holds \\u0000");
		}
		for (size_t i = 0; i < out->n; i++)
			if (!strcmp(out->items[i].key, item.key)) {
				int l = out->items[i].key_line;
				free(item.key);
				return fail_at(ps, kat, "duplicate key (first at line %d)", l);
			}
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != ':') {
			free(item.key);
			return fail_at(ps, ps->p, "expected ':' after the key, found %s", found(ps));
		}
		ps->p++;
		skip_ws(ps);
		if (parse_value(ps, &item)) {
			free_contents(&item);
			return -1;
		}
		if (push(ps, out, &cap, &item, kat))
			return -1;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == '}') {
			ps->p++;
			return 0;
		}
		return fail_at(ps, ps->p, "expected ',' or '}' in an object, found %s", found(ps));
	}
}

/* A value at p (whitespace skipped). out->key is kept. */
static int parse_value(struct parser *ps, struct jr_value *out)
{
	out->line = ps->line;
	out->column = column_of(ps, ps->p);
	if (ps->p >= ps->end)
		return fail_at(ps, ps->p, "expected a value, found the end of the input");
	char c = *ps->p;
	if (c == '{' || c == '[') {
		if (ps->depth >= JR_MAX_DEPTH)
			return fail_at(ps, ps->p, "nested deeper than %d levels", JR_MAX_DEPTH);
		ps->depth++;
		int rc = c == '{' ? parse_object(ps, out) : parse_array(ps, out);
		ps->depth--;
		return rc;
	}
	if (c == '"') {
		out->type = JR_STRING;
		return parse_string(ps, &out->text, &out->len);
	}
	if (c == '-' || is_digit(c))
		return parse_number(ps, out);
	if (literal(ps, "true")) {
		out->type = JR_BOOL;
		out->boolean = true;
		return 0;
	}
	if (literal(ps, "false")) {
		out->type = JR_BOOL;
		return 0;
	}
	if (literal(ps, "null")) {
		out->type = JR_NULL;
		return 0;
	}
	if (c == '+')
		return fail_at(ps, ps->p, "a number may not start with '+'");
	return fail_at(ps, ps->p, "expected a value, found %s", found(ps));
}

int jr_parse(const char *text, size_t len, struct jr_value **out, struct jr_error *err)
{
	struct parser ps = { .p = text, .end = text + len, .line_start = text, .line = 1,
			     .err = err };
	*out = NULL;
	if (err)
		*err = (struct jr_error){ 0 };
	if (!text && len)
		return fail_at(&ps, ps.p, "no input");
	struct jr_value *root = calloc(1, sizeof(*root));
	if (!root)
		return fail_at(&ps, ps.p, "out of memory");
	skip_ws(&ps);
	if (ps.p >= ps.end) {
		free(root);
		return fail_at(&ps, ps.p, "empty input: expected a JSON value");
	}
	if (parse_value(&ps, root)) {
		jr_free(root);
		return -1;
	}
	skip_ws(&ps);
	if (ps.p < ps.end) {
		jr_free(root);
		return fail_at(&ps, ps.p, "unexpected text after the JSON value");
	}
	*out = root;
	return 0;
}

const struct jr_value *jr_get(const struct jr_value *v, const char *key)
{
	if (!v || v->type != JR_OBJECT)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->items[i].key, key))
			return &v->items[i];
	return NULL;
}

const char *jr_type_name(enum jr_type t)
{
	switch (t) {
	case JR_NULL: return "null";
	case JR_BOOL: return "a boolean";
	case JR_NUMBER: return "a number";
	case JR_STRING: return "a string";
	case JR_ARRAY: return "an array";
	case JR_OBJECT: return "an object";
	}
	return "?";
}

static bool is_integer(const struct jr_value *v)
{
	return v && v->type == JR_NUMBER && !strpbrk(v->text, ".eE");
}

int jr_u64(const struct jr_value *v, uint64_t *out)
{
	if (!is_integer(v) || v->text[0] == '-')
		return -EINVAL;
	errno = 0;
	unsigned long long x = strtoull(v->text, NULL, 10);
	if (errno == ERANGE)
		return -ERANGE;
	*out = x;
	return 0;
}

int jr_i64(const struct jr_value *v, int64_t *out)
{
	if (!is_integer(v))
		return -EINVAL;
	errno = 0;
	long long x = strtoll(v->text, NULL, 10);
	if (errno == ERANGE)
		return -ERANGE;
	*out = x;
	return 0;
}
