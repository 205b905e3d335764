/*
 * decode.c - check raw instruction slots against the ISA table, once.
 *
 * Later stages (interpreter, JIT, verifier) read the decoded form and never
 * re-parse raw bytes. Every refusal names the instruction index and the
 * field at fault, so a user can find the bad slot in a hex dump.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "isa.h"

#define MAX_REG 10 /* r0..r10; r10 is the read-only frame pointer */

static const char *const disc_field[] = {
	[ISA_DISC_NONE] = "", [ISA_DISC_OFF] = "off",
	[ISA_DISC_IMM] = "imm", [ISA_DISC_SRC] = "src",
};

/* Explain why no row matched: unknown opcode, or a bad DISC value. */
static int no_row(const struct bpfvm_insn *raw, size_t pc, struct bpfvm_error *err)
{
	size_t count;
	const struct isa_desc *rows = isa_rows_for_code(raw->code, &count);
	char name[32];

	if (!rows)
		return err_insn(err, -EINVAL, (long)pc, "unknown opcode 0x%02x", raw->code);

	/* All rows of one opcode share the same DISC field. */
	const char *field = disc_field[rows[0].disc];
	int32_t have = rows[0].disc == ISA_DISC_OFF ? raw->off
		     : rows[0].disc == ISA_DISC_IMM ? raw->imm
						    : raw->src;
	char allowed[96] = "";
	size_t len = 0;
	for (size_t i = 0; i < count && len < sizeof(allowed); i++)
		len += (size_t)snprintf(allowed + len, sizeof(allowed) - len, "%s%d (%s)",
					i == 0 ? "" : i + 1 < count ? ", " : count > 2 ? ", or " : " or ",
					rows[i].dval, isa_mnemonic(&rows[i], name, sizeof(name)));
	return err_insn(err, -EINVAL, (long)pc,
			"opcode 0x%02x: field '%s' is %d; it must be %s", raw->code,
			field, have, allowed);
}

int isa_check_slot(const struct bpfvm_insn *raw, size_t pc, const struct isa_desc **desc,
		   struct bpfvm_error *err)
{
	const struct isa_desc *d = isa_lookup(raw);
	char name[32];

	if (!d)
		return no_row(raw, pc, err);
	isa_mnemonic(d, name, sizeof(name));

	/* Reserved fields: neither an operand nor the distinguishing field. */
	if (!(d->fields & ISA_F_DST) && raw->dst)
		return err_insn(err, -EINVAL, (long)pc,
				"%s: reserved field 'dst' is %u, must be 0", name, raw->dst);
	if (!(d->fields & ISA_F_SRC) && d->disc != ISA_DISC_SRC && raw->src)
		return err_insn(err, -EINVAL, (long)pc,
				"%s: reserved field 'src' is %u, must be 0", name, raw->src);
	if (!(d->fields & ISA_F_OFF) && d->disc != ISA_DISC_OFF && raw->off)
		return err_insn(err, -EINVAL, (long)pc,
				"%s: reserved field 'off' is %d, must be 0", name, raw->off);
	if (!(d->fields & ISA_F_IMM) && d->disc != ISA_DISC_IMM && raw->imm)
		return err_insn(err, -EINVAL, (long)pc,
				"%s: reserved field 'imm' is %d, must be 0", name, raw->imm);

	/* Registers. */
	if ((d->fields & ISA_F_DST) && raw->dst > MAX_REG)
		return err_insn(err, -EINVAL, (long)pc,
				"%s: dst register r%u does not exist (r0..r10)", name, raw->dst);
	if ((d->fields & ISA_F_SRC) && raw->src > MAX_REG)
		return err_insn(err, -EINVAL, (long)pc,
				"%s: src register r%u does not exist (r0..r10)", name, raw->src);
	if ((d->fields & ISA_F_DST_W) && raw->dst == MAX_REG)
		return err_insn(err, -EINVAL, (long)pc,
				"%s: dst is r10, the read-only frame pointer", name);
	if ((d->fields & ISA_F_SRC_W) && raw->src == MAX_REG)
		return err_insn(err, -EINVAL, (long)pc,
				"%s: src is r10, the read-only frame pointer, but this "
				"instruction writes it", name);
	if (desc)
		*desc = d;
	return 0;
}

static bool is_terminal(const struct isa_desc *d)
{
	return d->shape == ISA_SHAPE_EXIT || d->shape == ISA_SHAPE_JA ||
	       d->shape == ISA_SHAPE_JA32;
}

int isa_decode(const struct bpfvm_insn *raw, size_t n, struct isa_insn *out,
	       struct bpfvm_error *err)
{
	const struct isa_desc *d = NULL;
	char name[32];
	int ret;

	if (n == 0)
		return err_set(err, -EINVAL, "program is empty");
	if (n > BPFVM_MAX_INSNS)
		return err_set(err, -E2BIG, "program has %zu instructions; the limit is %d", n,
			       BPFVM_MAX_INSNS);

	/* Pass 1: every slot against its row; widen ld_imm64. */
	for (size_t pc = 0; pc < n; pc++) {
		ret = isa_check_slot(&raw[pc], pc, &d, err);
		if (ret)
			return ret;
		out[pc] = (struct isa_insn){
			.id = (uint16_t)(d - isa_table),
			.dst = raw[pc].dst,
			.src = raw[pc].src,
			.off = raw[pc].off,
			.imm = raw[pc].imm,
			.imm64 = (uint64_t)(int64_t)raw[pc].imm,
		};
		if (!(d->fields & ISA_F_WIDE))
			continue;
		if (pc + 1 >= n)
			return err_insn(err, -EINVAL, (long)pc,
					"%s: the second slot of this ld_imm64 is missing",
					isa_mnemonic(d, name, sizeof(name)));
		const struct bpfvm_insn *hi = &raw[pc + 1];
		const char *bad = hi->code ? "opcode" : hi->dst ? "dst" : hi->src ? "src"
				: hi->off ? "off" : !(d->fields & ISA_F_HI) && hi->imm ? "imm" : NULL;
		if (bad)
			return err_insn(err, -EINVAL, (long)pc + 1,
					"second slot of the ld_imm64 at %zu: field '%s' must be 0",
					pc, bad);
		out[pc].imm64 = (uint32_t)raw[pc].imm | ((uint64_t)(uint32_t)hi->imm << 32);
		pc++;
		out[pc] = (struct isa_insn){ .id = ISA__WIDE_HI, .imm = hi->imm };
	}

	/* Pass 2: control flow lands on instructions. */
	for (size_t pc = 0; pc < n; pc++) {
		if (out[pc].id == ISA__WIDE_HI)
			continue;
		d = &isa_table[out[pc].id];
		if (!(d->fields & (ISA_F_BR | ISA_F_BRI)))
			continue;
		long target = isa_branch_target(d, &raw[pc], pc);
		const char *what = (d->fields & ISA_F_CALL) ? "call" : "jump";
		if (target < 0 || target >= (long)n)
			return err_insn(err, -EINVAL, (long)pc,
					"%s: %s target %ld is outside the program (0..%zu)",
					isa_mnemonic(d, name, sizeof(name)), what, target, n - 1);
		if (out[target].id == ISA__WIDE_HI)
			return err_insn(err, -EINVAL, (long)pc,
					"%s: %s target %ld is the second slot of the ld_imm64 at %ld",
					isa_mnemonic(d, name, sizeof(name)), what, target, target - 1);
	}

	/* The last instruction must not fall off the end. */
	size_t last = out[n - 1].id == ISA__WIDE_HI ? n - 2 : n - 1;
	d = &isa_table[out[last].id];
	if (out[n - 1].id == ISA__WIDE_HI || !is_terminal(d))
		return err_insn(err, -EINVAL, (long)last,
				"the last instruction is %s; it must be exit or an "
				"unconditional jump", isa_mnemonic(d, name, sizeof(name)));
	return 0;
}
