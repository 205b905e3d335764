/*
 * disasm.c - bpfvm_disasm_insn() and bpfvm_disasm(): a slot's row, filled in.
 *
 * The row comes from isa_lookup(); its UBPF or LLVM template is filled
 * with the slot's fields (template.c). Before that we make sure the text
 * will say everything the slot holds: a non-zero field the template does
 * not show, a register above r10, or a malformed ld_imm64 would be lost
 * on the way back, so such a slot is printed raw (".insn ...", which the
 * assembler reads) with the reason in a comment, and reported as not
 * decoding. Writing r10 is shown as is: that is the loader's business.
 */
#include <errno.h>
#include <stdbool.h>

#include "common/error.h"
#include "isa/isa.h"
#include "raw.h"
#include "template.h"

#define MAX_REG 10

/* Why the row's template cannot show slot pc, or NULL when it can. */
static const char *unshowable(const struct isa_desc *d, const char *tpl,
			      const struct bpfvm_insn *insns, size_t n, size_t pc, char *why,
			      size_t size)
{
	const struct bpfvm_insn *in = &insns[pc];
	unsigned shown = tpl_fields(tpl);
	char name[32];

	shown |= d->disc == ISA_DISC_OFF ? FLD_OFF : d->disc == ISA_DISC_IMM ? FLD_IMM
		 : d->disc == ISA_DISC_SRC ? FLD_SRC : 0;
	isa_mnemonic(d, name, sizeof(name));
	if (in->dst && !(shown & FLD_DST))
		snprintf(why, size, "%s: reserved field 'dst' is %u, must be 0", name, in->dst);
	else if (in->src && !(shown & FLD_SRC))
		snprintf(why, size, "%s: reserved field 'src' is %u, must be 0", name, in->src);
	else if (in->off && !(shown & FLD_OFF))
		snprintf(why, size, "%s: reserved field 'off' is %d, must be 0", name, in->off);
	else if (in->imm && !(shown & FLD_IMM))
		snprintf(why, size, "%s: reserved field 'imm' is %d, must be 0", name, in->imm);
	else if ((shown & FLD_DST) && in->dst > MAX_REG)
		snprintf(why, size, "%s: dst register r%u does not exist (r0..r10)", name, in->dst);
	else if ((shown & FLD_SRC) && d->disc != ISA_DISC_SRC && in->src > MAX_REG)
		snprintf(why, size, "%s: src register r%u does not exist (r0..r10)", name, in->src);
	else if ((d->fields & ISA_F_WIDE) && pc + 1 >= n)
		snprintf(why, size, "%s: the second slot of this ld_imm64 is missing", name);
	else if ((d->fields & ISA_F_WIDE) && (insns[pc + 1].code || insns[pc + 1].dst ||
					      insns[pc + 1].src || insns[pc + 1].off))
		snprintf(why, size, "%s: the second slot must have opcode, dst, src and off 0", name);
	else if ((d->fields & ISA_F_WIDE) && insns[pc + 1].imm && !(shown & FLD_IMM2))
		snprintf(why, size, "%s: the second slot's imm is %d, must be 0", name,
			 insns[pc + 1].imm);
	else
		return NULL;
	return why;
}

/*
 * Disassemble slot pc into out. Returns the slots used, or -EINVAL with
 * the raw form in out and the reason in why.
 */
static int disasm_one(const struct bpfvm_insn *insns, size_t n, size_t pc, int syntax,
		      struct sbuf *out, char *why, size_t why_size)
{
	const struct bpfvm_insn *in = &insns[pc];
	const struct isa_desc *d = isa_lookup(in);
	const char *tpl = d ? (syntax == BPFVM_SYNTAX_UBPF ? d->ubpf : d->llvm) : NULL;

	if (d && !unshowable(d, tpl, insns, n, pc, why, why_size)) {
		bool wide = (d->fields & ISA_F_WIDE) != 0;
		struct tpl_vals v = {
			.dst = in->dst, .src = in->src, .off = in->off, .imm = in->imm,
			.imm2 = wide ? insns[pc + 1].imm : 0,
		};
		tpl_fill(tpl, syntax, &v, out);
		return wide ? 2 : 1;
	}
	if (!d) {
		struct bpfvm_error e;
		isa_check_slot(in, pc, NULL, &e);
		snprintf(why, why_size, "%s", e.msg);
	}
	raw_format(in, out);
	sbuf_puts(out, " ; ");
	sbuf_puts(out, why);
	return -EINVAL;
}

static int get_syntax(const struct bpfvm_disasm_opts *opts, int *syntax)
{
	if (!OPTS_CHECK(bpfvm_disasm_opts, opts))
		return -EINVAL;
	*syntax = (int)OPTS_GET(opts, syntax, BPFVM_SYNTAX_AUTO);
	if (*syntax < BPFVM_SYNTAX_AUTO || *syntax > BPFVM_SYNTAX_LLVM)
		return -EINVAL;
	if (*syntax == BPFVM_SYNTAX_AUTO)
		*syntax = BPFVM_SYNTAX_LLVM;
	return 0;
}

int bpfvm_disasm_insn(const struct bpfvm_insn *insns, size_t n, size_t pc,
		      const struct bpfvm_disasm_opts *opts, char *buf, size_t size)
{
	struct sbuf out;
	char why[BPFVM_ERR_MSG_MAX];
	int syntax;

	if (!buf && size)
		return -EINVAL;
	sbuf_init(&out, buf, size);
	if (get_syntax(opts, &syntax)) {
		sbuf_puts(&out, "bad disassembler options");
		return -EINVAL;
	}
	if (!insns || pc >= n) {
		sbuf_printf(&out, "no instruction at slot %zu (the program has %zu)", pc,
			    insns ? n : 0);
		return -EINVAL;
	}
	int ret = disasm_one(insns, n, pc, syntax, &out, why, sizeof(why));
	if (ret > 0 && size && !sbuf_fits(&out))
		return -ENOSPC;
	return ret;
}

int bpfvm_disasm(const struct bpfvm_insn *insns, size_t n, const struct bpfvm_disasm_opts *opts,
		 bpfvm_print_fn print, void *ctx, struct bpfvm_error *err)
{
	/* Longer than any template filled, or a raw slot plus its reason. */
	char line[BPFVM_ERR_MSG_MAX + 64];
	char why[BPFVM_ERR_MSG_MAX];
	struct sbuf out;
	int syntax;

	err_clear(err);
	if ((!insns && n) || !print)
		return err_set(err, -EINVAL, "bpfvm_disasm: NULL argument");
	if (get_syntax(opts, &syntax))
		return err_set(err, -EINVAL, "bpfvm_disasm: bad opts (size, syntax or unknown fields)");
	for (size_t pc = 0; pc < n;) {
		sbuf_init(&out, line, sizeof(line));
		int ret = disasm_one(insns, n, pc, syntax, &out, why, sizeof(why));
		print(ctx, pc, line);
		if (ret < 0)
			return err_insn(err, ret, (long)pc, "%s", why);
		pc += (size_t)ret;
	}
	return 0;
}
