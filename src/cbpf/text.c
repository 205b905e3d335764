/*
 * text.c - operand templates, numbers and parse errors shared by the
 * bpf_asm and tcpdump text forms (see text.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

int cbpf_text_fmt(const char *tmpl, const struct cbpf_insn *in, size_t pc, bool labels,
		  char *buf, size_t size)
{
	size_t o = 0;
	int w;
	buf[0] = 0;
	for (const char *p = tmpl; *p; p++) {
		char tmp[32];
		if (*p != '{' || !p[1] || p[2] != '}') {
			tmp[0] = *p;
			tmp[1] = 0;
		} else {
			switch (p[1]) {
			case 'd': snprintf(tmp, sizeof(tmp), "%d", (int32_t)in->k); break;
			case 'u': snprintf(tmp, sizeof(tmp), "%u", in->k); break;
			case 'x': snprintf(tmp, sizeof(tmp), "0x%x", in->k); break;
			case 'J':
				snprintf(tmp, sizeof(tmp), labels ? "L%zu" : "%zu", pc + 1 + in->k);
				break;
			case 'T': snprintf(tmp, sizeof(tmp), "L%zu", pc + 1 + in->jt); break;
			case 'F': snprintf(tmp, sizeof(tmp), "L%zu", pc + 1 + in->jf); break;
			default: tmp[0] = 0; break;
			}
			p += 2;
		}
		w = snprintf(buf + o, o < size ? size - o : 0, "%s", tmp);
		o += (size_t)w;
	}
	return o < size ? (int)o : -ENOSPC;
}

static const char *skip_ws(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	return s;
}

bool cbpf_text_number(const char **sp, const char *end, uint32_t *out)
{
	const char *s = *sp;
	bool neg = false;
	unsigned base = 10;
	uint64_t v = 0;
	if (s < end && (*s == '-' || *s == '+'))
		neg = *s++ == '-';
	if (s >= end || !isdigit((unsigned char)*s))
		return false;
	if (*s == '0' && s + 1 < end && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (*s == '0' && s + 1 < end && (s[1] == 'b' || s[1] == 'B')) {
		base = 2;
		s += 2;
	} else if (*s == '0' && s + 1 < end && isdigit((unsigned char)s[1])) {
		base = 8;
		s++;
	}
	const char *digits = s;
	while (s < end && isxdigit((unsigned char)*s)) {
		unsigned d = isdigit((unsigned char)*s) ? (unsigned)(*s - '0')
							: (unsigned)(tolower((unsigned char)*s) - 'a' + 10);
		if (d >= base)
			break;
		v = v * base + d;
		if (v > 0xffffffffull)
			return false;
		s++;
	}
	if (s == digits && base != 10 && base != 8)
		return false;
	if (s < end && (isalnum((unsigned char)*s) || *s == '_'))
		return false;
	if (neg && v > 0x80000000ull)
		return false;
	*out = neg ? (uint32_t)(-(int64_t)v) : (uint32_t)v;
	*sp = s;
	return true;
}

static bool match_ref(const char **sp, const char *end, struct cbpf_ref *r)
{
	const char *s = *sp;
	if (s < end && isdigit((unsigned char)*s)) {
		if (!cbpf_text_number(sp, end, &r->num))
			return false;
		r->name = NULL;
		r->set = true;
		return true;
	}
	const char *b = s;
	while (s < end && (isalnum((unsigned char)*s) || *s == '_' || *s == '.'))
		s++;
	if (s == b)
		return false;
	*r = (struct cbpf_ref){ .name = b, .len = (size_t)(s - b), .set = true };
	*sp = s;
	return true;
}

const char *cbpf_text_match(const char *tmpl, const char *s, const char *end,
			    struct cbpf_operand *op)
{
	memset(op, 0, sizeof(*op));
	for (const char *p = tmpl; *p; p++) {
		if (*p == ' ') {
			continue;
		}
		s = skip_ws(s, end);
		if (*p == '{' && p[1] && p[2] == '}') {
			bool ok;
			switch (p[1]) {
			case 'd':
			case 'u':
			case 'x':
				ok = cbpf_text_number(&s, end, &op->k);
				op->has_k = ok;
				break;
			case 'J': ok = match_ref(&s, end, &op->j); break;
			case 'T': ok = match_ref(&s, end, &op->t); break;
			default: ok = match_ref(&s, end, &op->f); break;
			}
			if (!ok)
				return s;
			p += 2;
			continue;
		}
		if ((*p == 'x' || *p == 'a') && s < end && *s == '%')
			s++;
		if (s >= end || tolower((unsigned char)*s) != tolower((unsigned char)*p))
			return s;
		s++;
	}
	s = skip_ws(s, end);
	return s == end ? NULL : s;
}

int cbpf_text_error(struct bpfvm_error *err, const char *file, int line, int col,
		    const char *fmt, ...)
{
	if (err) {
		*err = (struct bpfvm_error){ .code = -EINVAL, .insn = -1, .line = line,
					     .column = col };
		snprintf(err->file, sizeof(err->file), "%s", file ? file : "<input>");
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int cbpf_buf_push(struct cbpf_buf *b, struct cbpf_insn in)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		struct cbpf_insn *v = realloc(b->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		b->v = v;
		b->cap = cap;
	}
	b->v[b->n++] = in;
	return 0;
}
