/*
 * isa.c - the instruction table in memory, and lookups into it.
 *
 * The rows come from isa_table.def, sorted by opcode, so finding the rows
 * of an opcode is a binary search: no index to build, no global state.
 */
#include "isa.h"

#include <stdio.h>
#include <string.h>

/* Field names used in the FIELDS column of isa_table.def. */
#define D ISA_F_DST
#define S ISA_F_SRC
#define O ISA_F_OFF
#define I ISA_F_IMM
#define DW ISA_F_DST_W
#define SW ISA_F_SRC_W
#define R0W ISA_F_R0_W
#define BR ISA_F_BR
#define BRI ISA_F_BRI
#define WIDE ISA_F_WIDE
#define CALL ISA_F_CALL
#define HI ISA_F_HI

const struct isa_desc isa_table[ISA__COUNT] = {
#define ISA(ID, CODE, DISC, DVAL, SHAPE, OP, WIDTH, SIZE, FIELDS, GROUP, UBPF, LLVM) \
	[ISA_##ID] = { #ID, CODE, ISA_DISC_##DISC, DVAL, ISA_SHAPE_##SHAPE,           \
		       ISA_OP_##OP, WIDTH, SIZE, (FIELDS), ISA_GROUP_##GROUP, UBPF, LLVM },
#include "isa_table.def"
#undef ISA
};

#undef D
#undef S
#undef O
#undef I
#undef DW
#undef SW
#undef R0W
#undef BR
#undef BRI
#undef WIDE
#undef CALL
#undef HI

static const char *const group_names[ISA_GROUP__COUNT] = {
	[ISA_GROUP_BASE32] = "base32",     [ISA_GROUP_BASE64] = "base64",
	[ISA_GROUP_ATOMIC32] = "atomic32", [ISA_GROUP_ATOMIC64] = "atomic64",
	[ISA_GROUP_DIVMUL32] = "divmul32", [ISA_GROUP_DIVMUL64] = "divmul64",
	[ISA_GROUP_PACKET] = "packet",     [ISA_GROUP_LINUX] = "linux",
};

const char *isa_group_name(unsigned group)
{
	return group < ISA_GROUP__COUNT ? group_names[group] : "?";
}

const char *isa_mnemonic(const struct isa_desc *d, char *buf, size_t size)
{
	/* The uBPF template up to its first operand placeholder or bracket. */
	size_t n = strcspn(d->ubpf, "{[");
	while (n > 0 && (d->ubpf[n - 1] == ' ' || d->ubpf[n - 1] == ','))
		n--;
	snprintf(buf, size, "%.*s", (int)n, d->ubpf);
	return buf;
}

const struct isa_desc *isa_rows_for_code(uint8_t code, size_t *count)
{
	size_t lo = 0, hi = ISA__COUNT;

	/* First row with isa_table[i].code >= code. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (isa_table[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < ISA__COUNT && isa_table[end].code == code)
		end++;
	*count = end - lo;
	return end > lo ? &isa_table[lo] : NULL;
}

static int32_t disc_value(const struct bpfvm_insn *raw, unsigned disc)
{
	switch (disc) {
	case ISA_DISC_OFF:
		return raw->off;
	case ISA_DISC_IMM:
		return raw->imm;
	case ISA_DISC_SRC:
		return raw->src;
	default:
		return 0;
	}
}

const struct isa_desc *isa_lookup(const struct bpfvm_insn *raw)
{
	size_t count;
	const struct isa_desc *rows = isa_rows_for_code(raw->code, &count);

	for (size_t i = 0; i < count; i++) {
		if (rows[i].disc == ISA_DISC_NONE ||
		    disc_value(raw, rows[i].disc) == rows[i].dval)
			return &rows[i];
	}
	return NULL;
}
