/*
 * text_tcpdump.c - the forms filters travel in between tools, both
 * directions:
 *   tcpdump -d    "(001) jeq      #0x800           jt 2\tjf 5"
 *                 (libpcap's bpf_image; operands from cbpf_table.def)
 *   tcpdump -dd   "{ 0x28, 0, 0, 0x0000000c }," (output only)
 *   tcpdump -ddd  a count line, then "code jt jf k" in decimal
 *   raw           struct sock_filter bytes, 8 each, little-endian, as
 *                 libseccomp's seccomp_export_bpf writes them
 * and cbpf_parse_any(), which tells them apart.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

static bool is_cond_jump(const struct cbpf_desc *d)
{
	return d->kind == CBPF_K_JMP_K || d->kind == CBPF_K_JMP_X;
}

int cbpf_tcpdump_insn(const struct cbpf_insn *prog, size_t n, size_t pc, char *buf,
		      size_t size)
{
	const struct cbpf_insn *in = &prog[pc];
	const struct cbpf_desc *d = cbpf_lookup(in->code);
	char ops[64];
	int w;
	(void)n;
	if (!d) {
		w = snprintf(buf, size, "(%03zu) %-8s 0x%x", pc, "unimp", in->code);
		return -EINVAL;
	}
	cbpf_text_fmt(d->tcpd_fmt, in, pc, false, ops, sizeof(ops));
	if (is_cond_jump(d))
		w = snprintf(buf, size, "(%03zu) %-8s %-16s jt %zu\tjf %zu", pc, d->mnem, ops,
			     pc + 1 + in->jt, pc + 1 + in->jf);
	else
		w = snprintf(buf, size, "(%03zu) %-8s %s", pc, d->mnem, ops);
	return w < (int)size ? 0 : -ENOSPC;
}

void cbpf_tcpdump_print(const struct cbpf_insn *prog, size_t n, cbpf_print_fn print, void *ctx)
{
	char line[160];
	for (size_t pc = 0; pc < n; pc++) {
		cbpf_tcpdump_insn(prog, n, pc, line, sizeof(line));
		print(ctx, line);
	}
}

void cbpf_dd_print(const struct cbpf_insn *prog, size_t n, cbpf_print_fn print, void *ctx)
{
	char line[96];
	for (size_t pc = 0; pc < n; pc++) {
		snprintf(line, sizeof(line), "{ 0x%x, %u, %u, 0x%08x },", prog[pc].code,
			 prog[pc].jt, prog[pc].jf, prog[pc].k);
		print(ctx, line);
	}
}

void cbpf_ddd_print(const struct cbpf_insn *prog, size_t n, cbpf_print_fn print, void *ctx)
{
	char line[96];
	snprintf(line, sizeof(line), "%zu", n);
	print(ctx, line);
	for (size_t pc = 0; pc < n; pc++) {
		snprintf(line, sizeof(line), "%u %u %u %u", prog[pc].code, prog[pc].jt,
			 prog[pc].jf, prog[pc].k);
		print(ctx, line);
	}
}

/* Line iteration with 1-based numbers. */
struct lines {
	const char *p, *end;
	int no;
};

static bool next_line(struct lines *l, const char **s, const char **e)
{
	if (l->p >= l->end)
		return false;
	*s = l->p;
	const char *nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
	*e = nl ? nl : l->end;
	l->p = nl ? nl + 1 : l->end;
	l->no++;
	if (*e > *s && (*e)[-1] == '\r')
		(*e)--;
	return true;
}

static const char *skip_ws(const char *s, const char *e)
{
	while (s < e && isspace((unsigned char)*s))
		s++;
	return s;
}

int cbpf_ddd_parse(const char *text, size_t len, const char *filename,
		   struct cbpf_insn **out, size_t *n, struct bpfvm_error *err)
{
	struct lines l = { text, text + len, 0 };
	const char *s, *e, *file = filename ? filename : "<input>";
	struct cbpf_buf b = { 0 };
	uint32_t count = 0;
	bool have_count = false;
	int ret = 0;
	*out = NULL;
	*n = 0;
	while (!ret && next_line(&l, &s, &e)) {
		const char *ls = s;
		s = skip_ws(s, e);
		if (s == e || *s == '#')
			continue;
		uint32_t v[4];
		int want = have_count ? 4 : 1;
		for (int i = 0; i < want && !ret; i++) {
			s = skip_ws(s, e);
			if (i > 0 && s < e && *s == ',')
				s = skip_ws(s + 1, e);
			if (!cbpf_text_number(&s, e, &v[i]))
				ret = cbpf_text_error(err, file, l.no, (int)(s - ls) + 1,
						      i == 0 && !have_count
							      ? "expected the instruction count"
							      : "expected %s (a number)",
						      (const char *[]){ "code", "jt", "jf", "k" }[i]);
		}
		if (ret)
			break;
		s = skip_ws(s, e);
		if (s < e && *s == ',')
			s = skip_ws(s + 1, e);
		if (s != e) {
			ret = cbpf_text_error(err, file, l.no, (int)(s - ls) + 1,
					      "unexpected text after the %s", have_count ? "k field"
											: "count");
			break;
		}
		if (!have_count) {
			count = v[0];
			have_count = true;
			if (count == 0 || count > CBPF_MAXINSNS)
				ret = cbpf_text_error(err, file, l.no, 1,
						      "instruction count %u is not in 1..%d", count,
						      CBPF_MAXINSNS);
			continue;
		}
		if (v[0] > 0xffff || v[1] > 255 || v[2] > 255) {
			ret = cbpf_text_error(err, file, l.no, 1,
					      "code must fit 16 bits and jt/jf 8 bits");
			break;
		}
		ret = cbpf_buf_push(&b, (struct cbpf_insn){ (uint16_t)v[0], (uint8_t)v[1],
							    (uint8_t)v[2], v[3] });
	}
	if (!ret && !have_count)
		ret = cbpf_text_error(err, file, l.no ? l.no : 1, 1, "empty -ddd program");
	if (!ret && b.n != count)
		ret = cbpf_text_error(err, file, l.no, 1,
				      "the count line says %u instructions, found %zu", count, b.n);
	if (ret) {
		free(b.v);
		return ret;
	}
	*out = b.v;
	*n = b.n;
	return 0;
}

int cbpf_tcpdump_parse(const char *text, size_t len, const char *filename,
		       struct cbpf_insn **out, size_t *n, struct bpfvm_error *err)
{
	struct lines l = { text, text + len, 0 };
	const char *s, *e, *file = filename ? filename : "<input>";
	struct cbpf_buf b = { 0 };
	int ret = 0;
	*out = NULL;
	*n = 0;
	while (!ret && next_line(&l, &s, &e)) {
		const char *ls = s;
		uint32_t idx;
		s = skip_ws(s, e);
		if (s == e)
			continue;
		if (*s != '(' ) {
			ret = cbpf_text_error(err, file, l.no, (int)(s - ls) + 1, "expected '(NNN)'");
			break;
		}
		s++;
		/* the index is decimal with leading zeros: "(010)" is ten */
		const char *d0 = s;
		idx = 0;
		for (s = d0; s < e && isdigit((unsigned char)*s); s++)
			idx = idx * 10 + (uint32_t)(*s - '0');
		if (s == d0 || s >= e || *s != ')' || idx != b.n) {
			ret = cbpf_text_error(err, file, l.no, (int)(s - ls) + 1,
					      "expected '(%03zu)'", b.n);
			break;
		}
		s = skip_ws(s + 1, e);
		const char *m = s;
		while (s < e && isalpha((unsigned char)*s))
			s++;
		size_t mlen = (size_t)(s - m);
		/* the operand ends where " jt " starts (conditional jumps) */
		const char *oe = e, *jt = NULL;
		for (const char *q = s; q + 3 < e; q++)
			if (isspace((unsigned char)q[0]) && q[1] == 'j' && q[2] == 't' &&
			    isspace((unsigned char)q[3])) {
				jt = q;
				oe = q;
				break;
			}
		const struct cbpf_desc *found = NULL;
		struct cbpf_operand op;
		const char *best = s;
		for (unsigned id = 0; id < CBPF__COUNT && !found; id++) {
			const struct cbpf_desc *d = &cbpf_table[id];
			if (strlen(d->mnem) != mlen || strncmp(d->mnem, m, mlen) ||
			    is_cond_jump(d) != (jt != NULL))
				continue;
			const char *fail = cbpf_text_match(d->tcpd_fmt, s, oe, &op);
			if (!fail)
				found = d;
			else if (fail > best)
				best = fail;
		}
		if (!found) {
			ret = cbpf_text_error(err, file, l.no, (int)(best - ls) + 1,
					      "not a tcpdump -d instruction");
			break;
		}
		struct cbpf_insn in = { .code = found->code, .k = op.k };
		if (found->kind == CBPF_K_JA) {
			if (op.j.name || op.j.num <= idx) {
				ret = cbpf_text_error(err, file, l.no, (int)(s - ls) + 1,
						      "ja wants a later instruction number");
				break;
			}
			in.k = op.j.num - idx - 1;
		}
		if (jt) {
			uint32_t t, f;
			const char *q = skip_ws(jt, e) + 2;
			q = skip_ws(q, e);
			bool ok = cbpf_text_number(&q, e, &t);
			q = skip_ws(q, e);
			ok = ok && e - q > 2 && q[0] == 'j' && q[1] == 'f';
			if (ok) {
				q = skip_ws(q + 2, e);
				ok = cbpf_text_number(&q, e, &f) && skip_ws(q, e) == e;
			}
			if (!ok || t <= idx || f <= idx || t - idx - 1 > 255 || f - idx - 1 > 255) {
				ret = cbpf_text_error(err, file, l.no, (int)(jt - ls) + 2,
						      "expected 'jt N jf M' with later instructions "
						      "at most 256 ahead");
				break;
			}
			in.jt = (uint8_t)(t - idx - 1);
			in.jf = (uint8_t)(f - idx - 1);
		}
		ret = cbpf_buf_push(&b, in);
	}
	if (!ret && b.n == 0)
		ret = cbpf_text_error(err, file, 1, 1, "no instructions");
	if (ret) {
		free(b.v);
		return ret;
	}
	*out = b.v;
	*n = b.n;
	return 0;
}

int cbpf_raw_parse(const uint8_t *data, size_t len, struct cbpf_insn **out, size_t *n,
		   struct bpfvm_error *err)
{
	*out = NULL;
	*n = 0;
	if (len == 0 || len % 8) {
		if (err) {
			*err = (struct bpfvm_error){ .code = -EINVAL, .insn = -1 };
			snprintf(err->msg, sizeof(err->msg),
				 "raw sock_filter bytes: %zu is not a positive multiple of 8", len);
		}
		return -EINVAL;
	}
	struct cbpf_insn *v = malloc(len / 8 * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < len / 8; i++) {
		const uint8_t *p = data + 8 * i;
		v[i].code = (uint16_t)(p[0] | p[1] << 8);
		v[i].jt = p[2];
		v[i].jf = p[3];
		v[i].k = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
			 (uint32_t)p[7] << 24;
	}
	*out = v;
	*n = len / 8;
	return 0;
}

void cbpf_raw_write(const struct cbpf_insn *prog, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t *p = out + 8 * i;
		p[0] = (uint8_t)prog[i].code;
		p[1] = (uint8_t)(prog[i].code >> 8);
		p[2] = prog[i].jt;
		p[3] = prog[i].jf;
		for (int b = 0; b < 4; b++)
			p[4 + b] = (uint8_t)(prog[i].k >> (8 * b));
	}
}

int cbpf_parse_any(const char *data, size_t len, const char *filename,
		   struct cbpf_insn **out, size_t *n, struct bpfvm_error *err)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];
		if (c == 0 || (c < 0x20 && !isspace(c)) || c >= 0x7f)
			return cbpf_raw_parse((const uint8_t *)data, len, out, n, err);
	}
	const char *s = data;
	while (s < data + len && isspace((unsigned char)*s))
		s++;
	/* -ddd starts with its count; no bpf_asm line starts with a digit, so
	 * a fault further on is reported as the -ddd fault it is */
	if (s < data + len && isdigit((unsigned char)*s))
		return cbpf_ddd_parse(data, len, filename, out, n, err);
	if (s < data + len && *s == '(')
		return cbpf_tcpdump_parse(data, len, filename, out, n, err);
	return cbpf_asm_parse(data, len, filename, out, n, err);
}
