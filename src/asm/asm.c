/*
 * asm.c - bpfvm_asm(): text to instruction slots, driven by the ISA table.
 *
 * One pass over the lines: strip the comment, lex, take "name:" labels off
 * the front, then match the rest against every template of the syntax
 * (AUTO: both). The first template that matches gives the row, and the row
 * gives the opcode and the DISC value; the template's placeholders give
 * the operands. Jumps to labels are recorded as fixups and patched after
 * the last line, when every label is known. Like the reference assembler,
 * the first exit also defines a label "exit" unless the program has one.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "diagnose.h"
#include "isa/isa.h"
#include "labels.h"
#include "raw.h"
#include "template.h"
#include "tplset.h"

/* A jump or call whose target is a label, patched at the end. */
struct fixup {
	size_t pc;
	bool in_imm; /* the target goes to imm (ja32, call local), else off */
	const char *name;
	size_t len;
	int line;
	size_t col;
};

struct asm_run {
	const char *file;
	struct bpfvm_error *err;
	int syntax;
	int line;
	struct tpl_set set;
	struct bpfvm_insn *insns;
	size_t n, cap;
	struct fixup *fix;
	size_t nfix, capfix;
	struct asm_labels labels;
	long exit_pc; /* the first exit, for the implicit "exit" label; -1 */
};

/* Grow *p (of *cap elements of size sz) to hold need elements. */
static int reserve(void **p, size_t *cap, size_t need, size_t sz)
{
	if (need <= *cap)
		return 0;
	size_t cap2 = *cap ? *cap : 64;
	while (cap2 < need)
		cap2 *= 2;
	if (cap2 > SIZE_MAX / sz)
		return -ENOMEM;
	void *q = realloc(*p, cap2 * sz);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = cap2;
	return 0;
}

static int fail(struct asm_run *r, int code, size_t col, const char *msg)
{
	return err_at(r->err, code, r->file, r->line, col > INT_MAX ? INT_MAX : (int)col, "%s",
		      msg);
}

static int emit(struct asm_run *r, const struct bpfvm_insn *slots, size_t count, size_t col)
{
	if (r->n + count > BPFVM_MAX_INSNS)
		return err_at(r->err, -E2BIG, r->file, r->line, (int)(col > INT_MAX ? INT_MAX : col),
			      "program is too long: more than %d instruction slots",
			      BPFVM_MAX_INSNS);
	if (reserve((void **)&r->insns, &r->cap, r->n + count, sizeof(*r->insns)))
		return fail(r, -ENOMEM, col, "out of memory");
	memcpy(r->insns + r->n, slots, count * sizeof(*slots));
	r->n += count;
	return 0;
}

/* Encode a matched template: the row's opcode and DISC, the operands. */
static int encode(struct asm_run *r, const struct tpl *t, const struct tpl_vals *v,
		  const struct asm_tok *label)
{
	const struct isa_desc *d = &isa_table[t->row];
	struct bpfvm_insn slot[2] = { { 0 } };

	slot[0].code = d->code;
	slot[0].dst = v->dst & 0xf;
	slot[0].src = v->src & 0xf;
	slot[0].off = v->off;
	slot[0].imm = v->imm;
	if (d->disc == ISA_DISC_OFF)
		slot[0].off = (int16_t)d->dval;
	else if (d->disc == ISA_DISC_IMM)
		slot[0].imm = d->dval;
	else if (d->disc == ISA_DISC_SRC)
		slot[0].src = (uint8_t)(d->dval & 0xf);
	slot[1].imm = v->imm2;

	if (label) {
		if (reserve((void **)&r->fix, &r->capfix, r->nfix + 1, sizeof(*r->fix)))
			return fail(r, -ENOMEM, label->col, "out of memory");
		r->fix[r->nfix++] = (struct fixup){
			.pc = r->n, .in_imm = (d->fields & ISA_F_BRI) != 0, .name = label->s,
			.len = label->len, .line = r->line, .col = label->col,
		};
	}
	if (d->shape == ISA_SHAPE_EXIT && r->exit_pc < 0)
		r->exit_pc = (long)r->n;
	return emit(r, slot, (d->fields & ISA_F_WIDE) ? 2 : 1, 1);
}

/* Try every template of syntax; 1 if one matched (and was encoded). */
static int try_syntax(struct asm_run *r, int syntax, const struct asm_tok *t, size_t n)
{
	struct tpl_vals v;
	const struct asm_tok *label;
	struct asm_fail f;

	for (size_t i = 0; i < r->set.n; i++) {
		const struct tpl *tp = &r->set.t[i];
		if (tp->syntax != syntax || !tpl_match(tp, t, n, &v, &label, &f))
			continue;
		int ret = encode(r, tp, &v, label);
		return ret ? ret : 1;
	}
	return 0;
}

static int define_label(struct asm_run *r, const struct asm_tok *name)
{
	const struct asm_label *prev;
	char msg[BPFVM_ERR_MSG_MAX];

	int ret = labels_add(&r->labels, name->s, name->len, r->n, r->line, &prev);
	if (ret == -EEXIST) {
		snprintf(msg, sizeof(msg), "duplicate label '%.*s' (first defined on line %d)",
			 (int)(name->len > 64 ? 64 : name->len), name->s, prev->line);
		return fail(r, -EINVAL, name->col, msg);
	}
	if (ret)
		return fail(r, ret, name->col, "out of memory");
	return 0;
}

static int do_line(struct asm_run *r, const char *s, size_t len)
{
	struct asm_tok toks[ASM_MAX_LINE_TOKS];
	struct asm_diag d;
	size_t n, bad;
	char msg[BPFVM_ERR_MSG_MAX];

	len = asm_strip_comment(s, len);
	int ret = asm_lex(s, len, false, toks, ASM_MAX_LINE_TOKS, &n, &bad);
	if (ret == -E2BIG) {
		snprintf(msg, sizeof(msg), "too many tokens on one line (the limit is %d)",
			 ASM_MAX_LINE_TOKS);
		return fail(r, -EINVAL, bad, msg);
	}
	if (ret) {
		unsigned char c = (unsigned char)s[bad - 1];
		if (c > ' ' && c < 0x7f)
			snprintf(msg, sizeof(msg), "unexpected character '%c'", c);
		else
			snprintf(msg, sizeof(msg), "unexpected byte 0x%02x", c);
		return fail(r, -EINVAL, bad, msg);
	}

	/* Labels: "name:" (several may share a line, an instruction may follow). */
	const struct asm_tok *t = toks;
	while (n >= 2 && t[0].kind == TK_IDENT && t[0].s[0] != '%' && asm_tok_is(&t[1], ":")) {
		if ((ret = define_label(r, &t[0])))
			return ret;
		t += 2;
		n -= 2;
	}
	if (n == 0)
		return 0;
	size_t end_col = t[n - 1].col + t[n - 1].len;

	if (raw_is_directive(t, n)) {
		struct bpfvm_insn slot;
		struct asm_fail f;
		if (raw_parse(t, n, &slot, &f))
			return emit(r, &slot, 1, t[0].col);
		diag_fail(&f, r->syntax, t, n, end_col, &d);
		return fail(r, -EINVAL, d.col, d.msg);
	}

	int first = r->syntax;
	if (first == BPFVM_SYNTAX_AUTO)
		first = diag_looks_llvm(t, n) ? BPFVM_SYNTAX_LLVM : BPFVM_SYNTAX_UBPF;
	ret = try_syntax(r, first, t, n);
	if (!ret && r->syntax == BPFVM_SYNTAX_AUTO)
		ret = try_syntax(r, first == BPFVM_SYNTAX_LLVM ? BPFVM_SYNTAX_UBPF : BPFVM_SYNTAX_LLVM,
				 t, n);
	if (ret)
		return ret < 0 ? ret : 0;
	diag_line(&r->set, r->syntax, t, n, end_col, &d);
	return fail(r, -EINVAL, d.col, d.msg);
}

/* Patch every jump to a label, now that all labels are known. */
static int resolve(struct asm_run *r)
{
	for (size_t i = 0; i < r->nfix; i++) {
		const struct fixup *x = &r->fix[i];
		const struct asm_label *l = labels_find(&r->labels, x->name, x->len);
		long long target;

		r->line = x->line;
		if (l)
			target = (long long)l->pc;
		else if (x->len == 4 && !memcmp(x->name, "exit", 4) && r->exit_pc >= 0)
			target = r->exit_pc;
		else
			return err_at(r->err, -EINVAL, r->file, x->line, (int)(x->col > INT_MAX ? INT_MAX : x->col),
				      "undefined label '%.*s'", (int)(x->len > 64 ? 64 : x->len),
				      x->name);
		long long delta = target - (long long)x->pc - 1;
		if (x->in_imm) {
			r->insns[x->pc].imm = (int32_t)delta; /* |delta| < BPFVM_MAX_INSNS */
		} else if (delta < INT16_MIN || delta > INT16_MAX) {
			return err_at(r->err, -EINVAL, r->file, x->line, (int)(x->col > INT_MAX ? INT_MAX : x->col),
				      "label '%.*s' is %lld slots away: the jump offset does not fit "
				      "in 16 bits (use ja32 / gotol)",
				      (int)(x->len > 64 ? 64 : x->len), x->name, delta);
		} else {
			r->insns[x->pc].off = (int16_t)delta;
		}
	}
	return 0;
}

static int run(struct asm_run *r, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	int ret;

	if ((ret = tpl_set_init(&r->set)))
		return err_set(r->err, ret, ret == -ENOMEM ? "out of memory"
							  : "internal error: a bad ISA template");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (r->line == INT_MAX)
			return fail(r, -E2BIG, 1, "too many lines");
		r->line++;
		if ((ret = do_line(r, p, n)))
			return ret;
		p += n + (nl != NULL);
	}
	return resolve(r);
}

int bpfvm_asm(const char *text, size_t len, const struct bpfvm_asm_opts *opts,
	      struct bpfvm_insn **insns, size_t *n_insns, struct bpfvm_error *err)
{
	struct asm_run r = { .err = err, .exit_pc = -1 };
	int ret;

	err_clear(err);
	if (insns)
		*insns = NULL;
	if (n_insns)
		*n_insns = 0;
	if (!insns || !n_insns || (!text && len))
		return err_set(err, -EINVAL, "bpfvm_asm: NULL argument");
	if (!OPTS_CHECK(bpfvm_asm_opts, opts))
		return err_set(err, -EINVAL, "bpfvm_asm: bad opts (size, or unknown non-zero fields)");
	r.syntax = (int)OPTS_GET(opts, syntax, BPFVM_SYNTAX_AUTO);
	if (r.syntax < BPFVM_SYNTAX_AUTO || r.syntax > BPFVM_SYNTAX_LLVM)
		return err_set(err, -EINVAL, "bpfvm_asm: unknown syntax %d", r.syntax);
	r.file = OPTS_GET(opts, filename, NULL);
	if (!r.file)
		r.file = "<input>";

	ret = run(&r, text ? text : "", len);
	if (!ret && r.n == 0) {
		/* An empty program is not an error here (the loader refuses it);
		 * still hand back a pointer the caller can free. */
		r.insns = calloc(1, sizeof(*r.insns));
		if (!r.insns)
			ret = err_set(err, -ENOMEM, "out of memory");
	}
	tpl_set_free(&r.set);
	labels_free(&r.labels);
	free(r.fix);
	if (ret) {
		free(r.insns);
		return ret;
	}
	*insns = r.insns;
	*n_insns = r.n;
	return 0;
}
