/*
 * test_isa.c - the ISA table is well-formed, and the decoder enforces the
 * encoding rules with messages that name the instruction and the field.
 */
#include <errno.h>

#include "check.h"
#include "isa/isa.h"

static struct bpfvm_insn mk(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpfvm_insn in = { .code = code, .dst = dst, .src = src, .off = off, .imm = imm };
	return in;
}

static const struct bpfvm_insn EXIT = { .code = 0x95 };

/* Decode prog and expect failure at insn with msg containing needle. */
static void expect_refused(const struct bpfvm_insn *prog, size_t n, long insn, const char *needle)
{
	struct isa_insn out[16];
	struct bpfvm_error err;
	CHECK(n <= 16);
	int ret = isa_decode(prog, n, out, &err);
	if (ret == 0)
		fprintf(stderr, "expected refusal with '%s'\n", needle);
	CHECK(ret == -EINVAL || ret == -E2BIG);
	CHECK(err.code == ret);
	if (err.insn != insn)
		fprintf(stderr, "insn %ld, expected %ld (%s)\n", err.insn, insn, err.msg);
	CHECK(err.insn == insn);
	CHECK_STR_CONTAINS(err.msg, needle);
}

static void expect_ok(const struct bpfvm_insn *prog, size_t n)
{
	struct isa_insn out[16];
	struct bpfvm_error err;
	int ret = isa_decode(prog, n, out, &err);
	if (ret)
		fprintf(stderr, "unexpected refusal: insn %ld: %s\n", err.insn, err.msg);
	CHECK(ret == 0);
}

static void test_table_shape(void)
{
	/* Sorted by opcode, so that the binary search finds every row. */
	for (size_t i = 1; i < ISA__COUNT; i++)
		CHECK(isa_table[i - 1].code <= isa_table[i].code);

	for (size_t i = 0; i < ISA__COUNT; i++) {
		const struct isa_desc *d = &isa_table[i];
		CHECK(d->ubpf && d->ubpf[0] && d->llvm && d->llvm[0]);
		CHECK(d->shape < ISA_SHAPE__COUNT && d->op < ISA_OP__COUNT);
		CHECK(d->group < ISA_GROUP__COUNT);
		/* No two rows with the same opcode and DISC value; rows of one
		 * opcode share the DISC field. */
		for (size_t j = i + 1; j < ISA__COUNT && isa_table[j].code == d->code; j++) {
			CHECK(isa_table[j].disc == d->disc);
			CHECK(d->disc != ISA_DISC_NONE);
			CHECK(isa_table[j].dval != d->dval);
		}
		/* Each row is found by lookup with its own opcode and DISC value. */
		struct bpfvm_insn in = mk(d->code, 0, 0, 0, 0);
		if (d->disc == ISA_DISC_OFF)
			in.off = (int16_t)d->dval;
		if (d->disc == ISA_DISC_IMM)
			in.imm = d->dval;
		if (d->disc == ISA_DISC_SRC)
			in.src = (uint8_t)d->dval;
		CHECK(isa_lookup(&in) == d);
		/* Rows that write a register say which. */
		if (d->shape == ISA_SHAPE_ALU_K || d->shape == ISA_SHAPE_ALU_X ||
		    d->shape == ISA_SHAPE_LDX || d->shape == ISA_SHAPE_LDDW)
			CHECK(d->fields & ISA_F_DST_W);
	}
}

static void test_groups_and_extensions(void)
{
	/* Every RFC 9669 group has rows; the Linux extensions are present. */
	int per_group[ISA_GROUP__COUNT] = { 0 };
	for (size_t i = 0; i < ISA__COUNT; i++)
		per_group[isa_table[i].group]++;
	for (int g = 0; g < ISA_GROUP__COUNT; g++)
		CHECK(per_group[g] > 0);

	struct bpfvm_insn probes[] = {
		mk(0x3f, 1, 2, 1, 0),     /* sdiv64 */
		mk(0x9c, 1, 2, 1, 0),     /* smod32 */
		mk(0xbf, 1, 2, 8, 0),     /* movsx64 8 */
		mk(0x91, 1, 2, 0, 0),     /* ldxsb */
		mk(0xd7, 1, 0, 0, 32),    /* bswap32 */
		mk(0x06, 0, 0, 0, 5),     /* gotol */
		mk(0x85, 0, 1, 0, 3),     /* call local */
		mk(0x8d, 2, 0, 0, 0),     /* callx */
		mk(0xe5, 0, 0, 2, 0),     /* may_goto */
		mk(0xdb, 1, 2, 0, 0x100), /* load_acquire 64 */
		mk(0xd3, 1, 2, 0, 0x110), /* store_release 8 */
		mk(0x18, 1, 6, 0, 0),     /* ld_imm64 map_val(map_by_idx) */
		mk(0x20, 0, 0, 0, 12),    /* ldabsw */
		mk(0x50, 0, 1, 0, 0),     /* ldindb */
	};
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		CHECK(isa_lookup(&probes[i]) != NULL);
	/* And things that are not instructions are not in the table. */
	struct bpfvm_insn bad[] = {
		mk(0x8c, 0, 0, 0, 0),  /* neg32 with X */
		mk(0xdf, 0, 0, 0, 16), /* bswap with X */
		mk(0x38, 0, 0, 0, 0),  /* ldabsdw */
		mk(0x85, 0, 7, 0, 0),  /* call with src 7 */
		mk(0x18, 0, 7, 0, 0),  /* ld_imm64 src 7 */
		mk(0xdb, 0, 0, 0, 2),  /* atomic imm 2 */
		mk(0xd3, 0, 0, 0, 0),  /* atomic add on bytes */
		mk(0x00, 0, 0, 0, 0),
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(isa_lookup(&bad[i]) == NULL);
}

static void test_decoder_rules(void)
{
	struct bpfvm_insn p[8] = { { 0 } };

	/* Empty. */
	struct isa_insn out[2];
	struct bpfvm_error err;
	CHECK(isa_decode(p, 0, out, &err) == -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "empty");

	/* Unknown opcode. */
	p[0] = mk(0x8e, 0, 0, 0, 0), p[1] = EXIT;
	expect_refused(p, 2, 0, "unknown opcode 0x8e");

	/* Reserved fields, one per field. */
	p[0] = mk(0x07, 0, 0, 1, 1), p[1] = EXIT; /* add64 imm, off set */
	expect_refused(p, 2, 0, "reserved field 'off' is 1");
	p[0] = mk(0x07, 0, 1, 0, 1);
	expect_refused(p, 2, 0, "reserved field 'src' is 1");
	p[0] = mk(0x0f, 0, 1, 0, 1); /* add64 reg, imm set */
	expect_refused(p, 2, 0, "reserved field 'imm' is 1");
	p[0] = EXIT, p[0].dst = 1;
	expect_refused(p, 1, 0, "reserved field 'dst' is 1");
	p[0] = mk(0x85, 0, 0, 3, 1), p[1] = EXIT; /* call with off */
	expect_refused(p, 2, 0, "'off'");

	/* Distinguishing field out of range: the message lists the choices. */
	p[0] = mk(0x3f, 1, 2, 2, 0), p[1] = EXIT;
	expect_refused(p, 2, 0, "field 'off' is 2; it must be 0 (div) or 1 (sdiv)");
	p[0] = mk(0xd4, 1, 0, 0, 8);
	expect_refused(p, 2, 0, "field 'imm' is 8");

	/* Registers. */
	p[0] = mk(0xbf, 11, 0, 0, 0), p[1] = EXIT;
	expect_refused(p, 2, 0, "dst register r11 does not exist");
	p[0] = mk(0xbf, 0, 15, 0, 0);
	expect_refused(p, 2, 0, "src register r15 does not exist");
	p[0] = mk(0xb7, 10, 0, 0, 0);
	expect_refused(p, 2, 0, "read-only frame pointer");
	p[0] = mk(0x7b, 10, 1, -8, 0); /* stores through r10 are fine */
	expect_ok(p, 2);

	/* Jumps: inside the program, not into an ld_imm64. */
	p[0] = mk(0x05, 0, 0, 5, 0), p[1] = EXIT;
	expect_refused(p, 2, 0, "jump target 6 is outside the program (0..1)");
	p[0] = mk(0x15, 1, 0, -2, 0), p[1] = EXIT;
	expect_refused(p, 2, 0, "jump target -1 is outside");
	p[0] = mk(0x05, 0, 0, 1, 0), p[1] = mk(0x18, 0, 0, 0, 1), p[2] = mk(0, 0, 0, 0, 2),
	p[3] = EXIT;
	expect_refused(p, 4, 0, "second slot of the ld_imm64 at 1");
	p[0] = mk(0x85, 0, 1, 0, 5), p[1] = EXIT;
	expect_refused(p, 2, 0, "call target 6 is outside");
	p[0] = mk(0x06, 0, 0, 0, 0), p[1] = EXIT; /* gotol +0 */
	expect_ok(p, 2);

	/* ld_imm64 second slot. */
	p[0] = mk(0x18, 0, 0, 0, 1), p[1] = mk(0, 1, 0, 0, 2), p[2] = EXIT;
	expect_refused(p, 3, 1, "field 'dst' must be 0");
	p[0] = mk(0x18, 0, 0, 0, 1);
	expect_refused(p, 1, 0, "second slot of this ld_imm64 is missing");
	p[0] = mk(0x18, 0, 0, 0, 1), p[1] = mk(0, 0, 0, 0, 2), p[2] = EXIT;
	{
		struct isa_insn o[3];
		CHECK(isa_decode(p, 3, o, &err) == 0);
		CHECK_EQ_U64(o[0].imm64, 0x0000000200000001ull);
		CHECK(o[1].id == ISA__WIDE_HI);
	}

	/* The last instruction. */
	p[0] = mk(0xb7, 0, 0, 0, 0);
	expect_refused(p, 1, 0, "last instruction is mov");
	p[0] = mk(0xb7, 0, 0, 0, 0), p[1] = mk(0x15, 0, 0, -2, 0);
	expect_refused(p, 2, 1, "last instruction is jeq");
	p[0] = mk(0x05, 0, 0, -1, 0);
	expect_ok(p, 1);
}

static void test_mnemonics(void)
{
	char buf[32];
	CHECK(!strcmp(isa_mnemonic(&isa_table[ISA_ATOMIC64_FETCH_ADD], buf, sizeof(buf)),
		      "lock fetch add"));
	CHECK(!strcmp(isa_mnemonic(&isa_table[ISA_LDXW], buf, sizeof(buf)), "ldxw"));
	CHECK(!strcmp(isa_mnemonic(&isa_table[ISA_EXIT], buf, sizeof(buf)), "exit"));
}

int main(void)
{
	test_table_shape();
	test_groups_and_extensions();
	test_decoder_rules();
	test_mnemonics();
	CHECK_DONE();
}
