/*
 * text_asm.c - the bpf_asm syntax (the kernel's tools/bpf/bpf_asm), both
 * directions.
 *
 *   ; a comment    # a comment when '#' starts the line
 *   a C block comment (slash-star ... star-slash), which may span lines
 *   label:  (alone or before an instruction)
 *   ldh [12]                 ld [x + 4]   ld [%x + 4]   ldxb 4*([14]&0xf)
 *   ld #len   ld len         ld #proto    ld proto      ldh #vlan_tci
 *   ld M[3]   st M[3]        ldi #5   ldi 5   ldxi 5
 *   jeq #0x800, L1, L2       jeq #0x800, L1    jne #1, L2   jmp L
 *   jeq x, L1   jeq %x, L1   jset #4, L1, L2   jlt #5, L1   jle x, L1
 *   add #4   add x   add %x  neg     tax   txa   ret #-1   ret a   ret %a
 *
 * The syntax is the kernel's tools/bpf/bpf_asm (bpf_exp.l, bpf_exp.y,
 * Documentation/networking/filter.rst), without case. Instruction forms
 * come from cbpf_table.def (mnemonic + operand template); this file adds
 * only bpf_asm's spellings: jmp = ja, ldi/ldxi = ld/ldx with or without
 * the '#', ldx 4*(...) = ldxb, jne/jneq/jlt/jle as jeq/jge/jgt with the
 * targets swapped, a conditional jump with one target (the other falls
 * through), and the ancillary names with or without '#' (proto,
 * vlan_tci, vlan_avail alias vlan_pr, ...). bpf_asm also takes `ret x`,
 * which it assembles to BPF_RET|BPF_X (0x0e), an opcode the kernel's
 * checker refuses: here it is an error at its position that says so.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

int cbpf_asm_insn(const struct cbpf_insn *prog, size_t n, size_t pc, char *buf, size_t size)
{
	const struct cbpf_insn *in = &prog[pc];
	const struct cbpf_desc *d = cbpf_lookup(in->code);
	char ops[96];
	if (!d) {
		snprintf(buf, size, ".unknown 0x%04x, %u, %u, 0x%x", in->code, in->jt, in->jf, in->k);
		return -EINVAL;
	}
	uint32_t anc_lo = (uint32_t)CBPF_SKF_AD_OFF;
	const char *anc = d->kind == CBPF_K_LD_ABS && in->k >= anc_lo
				  ? cbpf_anc_name(in->k - anc_lo, NULL) : NULL;
	if (anc && d->size == 4)
		snprintf(ops, sizeof(ops), "#%s", anc);
	else
		cbpf_text_fmt(d->asm_fmt, in, pc, true, ops, sizeof(ops));
	int w = snprintf(buf, size, "%s%s%s", d->mnem, ops[0] ? " " : "", ops);
	(void)n;
	return w < (int)size ? 0 : -ENOSPC;
}

void cbpf_asm_print(const struct cbpf_insn *prog, size_t n, cbpf_print_fn print, void *ctx)
{
	bool *target = calloc(n + 1, sizeof(*target));
	char line[160], text[128];
	for (size_t pc = 0; target && pc < n; pc++) {
		const struct cbpf_desc *d = cbpf_lookup(prog[pc].code);
		if (!d)
			continue;
		if (d->kind == CBPF_K_JA && pc + 1 + prog[pc].k <= n)
			target[pc + 1 + prog[pc].k] = true;
		if (d->kind == CBPF_K_JMP_K || d->kind == CBPF_K_JMP_X) {
			if (pc + 1 + prog[pc].jt <= n)
				target[pc + 1 + prog[pc].jt] = true;
			if (pc + 1 + prog[pc].jf <= n)
				target[pc + 1 + prog[pc].jf] = true;
		}
	}
	for (size_t pc = 0; pc < n; pc++) {
		if (target && target[pc]) {
			snprintf(line, sizeof(line), "L%zu:", pc);
			print(ctx, line);
		}
		cbpf_asm_insn(prog, n, pc, text, sizeof(text));
		snprintf(line, sizeof(line), "\t%s", text);
		print(ctx, line);
	}
	free(target);
}

/* bpf_asm aliases: spelling -> table mnemonic, swap jt/jf. */
static const struct {
	const char *alias, *mnem;
	bool swap;
} aliases[] = {
	{ "jmp", "ja", false },  { "ldi", "ld", false },   { "ldxi", "ldx", false },
	{ "jne", "jeq", true },  { "jneq", "jeq", true },  { "jlt", "jge", true },
	{ "jle", "jgt", true },
};

struct pending {
	size_t pc;
	struct cbpf_ref j, t, f;
	int line, col;
};

struct label {
	const char *name;
	size_t len;
	size_t pc;
};

struct parser {
	const char *file;
	struct cbpf_buf prog;
	struct pending *pend;
	size_t n_pend, cap_pend;
	struct label *labels;
	size_t n_labels, cap_labels;
	struct bpfvm_error *err;
};

static int grow(void **v, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 32;
	void *p = realloc(*v, c * elem);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = c;
	return 0;
}

/* Resolve a target to a relative jump from pc; -1 when bad. */
static long resolve(struct parser *ps, const struct cbpf_ref *r, size_t pc)
{
	if (!r->set)
		return 0; /* absent: fall through */
	size_t target;
	if (!r->name) {
		return -1;
	}
	size_t i;
	for (i = 0; i < ps->n_labels; i++)
		if (ps->labels[i].len == r->len && !memcmp(ps->labels[i].name, r->name, r->len))
			break;
	if (i == ps->n_labels)
		return -2;
	target = ps->labels[i].pc;
	if (target <= pc)
		return -3;
	return (long)(target - pc - 1);
}

static int parse_insn(struct parser *ps, const char *s, const char *end, int line, int col0,
		      const char *linestart)
{
	const char *m = s;
	while (s < end && (isalnum((unsigned char)*s) || *s == '_'))
		s++;
	size_t mlen = (size_t)(s - m);
	char mnem[16];
	if (mlen == 0 || mlen >= sizeof(mnem))
		return cbpf_text_error(ps->err, ps->file, line, (int)(m - linestart) + col0,
				       "expected an instruction mnemonic");
	for (size_t i = 0; i < mlen; i++)
		mnem[i] = (char)tolower((unsigned char)m[i]);
	mnem[mlen] = 0;
	bool swap = false;
	bool imm_alias = !strcmp(mnem, "ldi") || !strcmp(mnem, "ldxi");
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		if (!strcmp(mnem, aliases[i].alias)) {
			snprintf(mnem, sizeof(mnem), "%s", aliases[i].mnem);
			swap = aliases[i].swap;
		}
	}
	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;

	struct cbpf_insn in = { 0 };
	struct cbpf_operand op;
	const char *best = s;
	bool found = false, any_mnem = false;

	/* ancillary loads: ld #proto, ld proto, ldh #vlan_tci, ... */
	const char *an = s < end && *s == '#' ? s + 1 : s;
	if ((!strcmp(mnem, "ld") || !strcmp(mnem, "ldh") || !strcmp(mnem, "ldb")) && an < end &&
	    isalpha((unsigned char)*an)) {
		size_t alen = (size_t)(end - an);
		int off = alen == 7 && !strncasecmp(an, "vlan_pr", 7) /* bpf_asm's old name */
				  ? CBPF_AD_VLAN_TAG_PRESENT
				  : cbpf_anc_lookup(an, alen);
		if (off >= 0) {
			in.code = cbpf_table[mnem[2] == 'h' ? CBPF_LD_H_ABS
					     : mnem[2] == 'b' ? CBPF_LD_B_ABS : CBPF_LD_W_ABS].code;
			in.k = (uint32_t)CBPF_SKF_AD_OFF + (uint32_t)off;
			return cbpf_buf_push(&ps->prog, in);
		}
	}
	char opbuf[128];
	size_t olen = (size_t)(end - s);
	if (olen >= sizeof(opbuf))
		olen = sizeof(opbuf) - 1;
	memcpy(opbuf, s, olen);
	opbuf[olen] = 0;
	if (!strcasecmp(opbuf, "#pktlen") || !strcasecmp(opbuf, "len") ||
	    !strcasecmp(opbuf, "#pkt_len"))
		snprintf(opbuf, sizeof(opbuf), "#len");
	/* ldi 5, ldxi 5: bpf_asm's immediate loads take the number bare too */
	if (imm_alias && (isdigit((unsigned char)opbuf[0]) || opbuf[0] == '-' ||
			  opbuf[0] == '+') && olen + 1 < sizeof(opbuf)) {
		memmove(opbuf + 1, opbuf, olen + 1);
		opbuf[0] = '#';
	}
	/* ret x: bpf_asm's BPF_RET|BPF_X, which no kernel accepts */
	if (!strcmp(mnem, "ret") && (!strcasecmp(opbuf, "x") || !strcasecmp(opbuf, "%x")))
		return cbpf_text_error(ps->err, ps->file, line, (int)(s - linestart) + col0,
				       "ret %s: BPF_RET|BPF_X (0x0e) is refused by the kernel's "
				       "checker; use txa, then ret a", opbuf);
	const char *os = opbuf, *oe = opbuf + strlen(opbuf);

	for (unsigned id = 0; id < CBPF__COUNT && !found; id++) {
		const struct cbpf_desc *d = &cbpf_table[id];
		bool is_msh = d->kind == CBPF_K_LDX_MSH && !strcmp(mnem, "ldx");
		if (strcmp(d->mnem, mnem) && !is_msh)
			continue;
		any_mnem = true;
		const char *fail = cbpf_text_match(d->asm_fmt, os, oe, &op);
		if (fail && (d->kind == CBPF_K_JMP_K || d->kind == CBPF_K_JMP_X)) {
			/* one target: the other falls through */
			char t1[32];
			const char *comma = strstr(d->asm_fmt, ", {F}");
			snprintf(t1, sizeof(t1), "%.*s", (int)(comma - d->asm_fmt), d->asm_fmt);
			fail = cbpf_text_match(t1, os, oe, &op);
		}
		if (!fail) {
			found = true;
			in.code = d->code;
			in.k = op.k;
		} else if (fail - os > best - s) {
			best = s + (fail - os);
		}
	}
	if (!any_mnem)
		return cbpf_text_error(ps->err, ps->file, line, (int)(m - linestart) + col0,
				       "unknown instruction '%s'", mnem);
	if (!found)
		return cbpf_text_error(ps->err, ps->file, line, (int)(best - linestart) + col0,
				       "bad operand for %s", mnem);
	/* label names point into opbuf, a verbatim copy of [s, end): re-aim them */
	struct cbpf_ref *refs[3] = { &op.j, &op.t, &op.f };
	for (int i = 0; i < 3; i++)
		if (refs[i]->name)
			refs[i]->name = s + (refs[i]->name - opbuf);
	if (swap) {
		struct cbpf_ref tmp = op.t;
		op.t = op.f;
		op.f = tmp;
	}
	if (op.j.set || op.t.set || op.f.set) {
		int r = grow((void **)&ps->pend, &ps->cap_pend, ps->n_pend, sizeof(*ps->pend));
		if (r)
			return r;
		ps->pend[ps->n_pend++] = (struct pending){ ps->prog.n, op.j, op.t, op.f, line,
							   (int)(s - linestart) + col0 };
	}
	return cbpf_buf_push(&ps->prog, in);
}

/*
 * Replace the comments of t[0..len) with spaces, newlines kept: `;` to the
 * end of the line, a line that starts with '#', and block comments, which
 * may span lines. Returns 0, or -EINVAL for a block comment left open.
 */
static int blank_comments(char *t, size_t len, const char *file, struct bpfvm_error *err)
{
	int line = 1, open_line = 0, open_col = 0;
	const char *ls = t;
	for (size_t i = 0; i < len; i++) {
		char *c = &t[i];
		if (*c == '\n') {
			line++;
			ls = c + 1;
			continue;
		}
		if (open_line) {
			if (c[0] == '*' && i + 1 < len && c[1] == '/') {
				c[0] = c[1] = ' ';
				i++;
				open_line = 0;
			} else {
				*c = ' ';
			}
		} else if (*c == ';' || (*c == '#' && c == ls)) {
			while (i < len && t[i] != '\n')
				t[i++] = ' ';
			i--;
		} else if (c[0] == '/' && i + 1 < len && c[1] == '*') {
			open_line = line;
			open_col = (int)(c - ls) + 1;
			c[0] = c[1] = ' ';
			i++;
		}
	}
	if (open_line)
		return cbpf_text_error(err, file, open_line, open_col, "unterminated /* comment");
	return 0;
}

int cbpf_asm_parse(const char *text, size_t len, const char *filename,
		   struct cbpf_insn **out, size_t *n, struct bpfvm_error *err)
{
	struct parser ps = { .file = filename ? filename : "<input>", .err = err };
	int ret = 0, line = 0;
	const char *p, *tend;
	*out = NULL;
	*n = 0;

	/* a copy with every comment blanked out, so that positions stay */
	char *txt = malloc(len + 1);
	if (!txt)
		return cbpf_text_error(err, ps.file, 1, 1, "out of memory") == 0 ? 0 : -ENOMEM;
	memcpy(txt, text, len);
	txt[len] = 0;
	ret = blank_comments(txt, len, ps.file, err);
	p = txt;
	tend = txt + len;
	while (p < tend && !ret) {
		const char *ls = p, *le = memchr(p, '\n', (size_t)(tend - p));
		if (!le)
			le = tend;
		p = le + 1;
		line++;
		const char *e = le;
		const char *s = ls;
		while (s < e && isspace((unsigned char)*s))
			s++;
		/* label? */
		const char *q = s;
		while (q < e && (isalnum((unsigned char)*q) || *q == '_' || *q == '.'))
			q++;
		if (q > s && q < e && *q == ':') {
			ret = grow((void **)&ps.labels, &ps.cap_labels, ps.n_labels,
				   sizeof(*ps.labels));
			if (ret)
				break;
			for (size_t i = 0; i < ps.n_labels; i++)
				if (ps.labels[i].len == (size_t)(q - s) &&
				    !memcmp(ps.labels[i].name, s, (size_t)(q - s)))
					ret = cbpf_text_error(err, ps.file, line, (int)(s - ls) + 1,
							      "label '%.*s' defined twice",
							      (int)(q - s), s);
			ps.labels[ps.n_labels++] = (struct label){ s, (size_t)(q - s), ps.prog.n };
			s = q + 1;
			while (s < e && isspace((unsigned char)*s))
				s++;
		}
		if (s < e && !ret)
			ret = parse_insn(&ps, s, e, line, 1, ls);
	}
	for (size_t i = 0; i < ps.n_pend && !ret; i++) {
		struct pending *pd = &ps.pend[i];
		struct cbpf_insn *in = &ps.prog.v[pd->pc];
		const struct cbpf_ref *refs[3] = { &pd->j, &pd->t, &pd->f };
		long rel[3];
		for (int r = 0; r < 3 && !ret; r++) {
			rel[r] = resolve(&ps, refs[r], pd->pc);
			if (rel[r] == -1)
				ret = cbpf_text_error(err, ps.file, pd->line, pd->col,
						      "jump targets are labels in bpf_asm");
			else if (rel[r] == -2)
				ret = cbpf_text_error(err, ps.file, pd->line, pd->col,
						      "undefined label '%.*s'", (int)refs[r]->len,
						      refs[r]->name);
			else if (rel[r] == -3)
				ret = cbpf_text_error(err, ps.file, pd->line, pd->col,
						      "label '%.*s' is not after the jump: classic "
						      "jumps go forward", (int)refs[r]->len,
						      refs[r]->name);
			else if (r > 0 && rel[r] > 255)
				ret = cbpf_text_error(err, ps.file, pd->line, pd->col,
						      "conditional jump to '%.*s' is %ld instructions "
						      "away; jt/jf reach 255", (int)refs[r]->len,
						      refs[r]->name, rel[r]);
		}
		if (ret)
			break;
		if (pd->j.set)
			in->k = (uint32_t)rel[0];
		in->jt = (uint8_t)rel[1];
		in->jf = (uint8_t)rel[2];
	}
	if (!ret && ps.prog.n == 0)
		ret = cbpf_text_error(err, ps.file, line ? line : 1, 1, "no instructions");
	free(ps.pend);
	free(ps.labels);
	free(txt);
	if (ret) {
		free(ps.prog.v);
		return ret;
	}
	*out = ps.prog.v;
	*n = ps.prog.n;
	return 0;
}
