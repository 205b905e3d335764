/*
 * test_interp.c - the checked interpreter, instruction by instruction.
 *
 * Programs are built with insn_build.h (raw opcodes from the encoding's
 * numbers), loaded with bpfvm_prog__load() and run with bpfvm_prog__run().
 * Expected values are written out by hand from the kernel's semantics, not
 * computed by the interpreter's own alu.h.
 *
 * Every program goes through run_prog(), which runs it twice, once traced
 * and once plain, checks that both copies of the dispatch loop agree, and
 * records which table rows ran. The last test checks that every row of
 * isa_table.def was executed (or refused at run time, for the rows that
 * must be refused) by some test.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "bpfvm.h"
#include "check.h"
#include "insn_build.h"
#include "interp/mem.h"
#include "isa/isa.h"
#include "prog/prog.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct bpfvm_vm *vm;
static struct bpfvm_error err;
static bool covered[ISA__COUNT];

/* ------------------------------------------------------------------ */
/* Running programs                                                     */

struct run_result {
	int rc;
	uint64_t ret;
	uint64_t count;
};

enum {
	RUN_PLAIN_ONLY = 1, /* skip the traced comparison run (long programs) */
};

static void cover_trace(void *ctx, size_t pc, const struct bpfvm_insn *insn,
			const uint64_t before[BPFVM_NREGS], const uint64_t after[BPFVM_NREGS])
{
	uint64_t *steps = ctx;
	const struct isa_desc *d = isa_lookup(insn);
	(void)pc;
	(void)before;
	(void)after;
	if (d)
		covered[d - isa_table] = true;
	(*steps)++;
}

static struct bpfvm_prog *load(const struct bpfvm_insn *insns, size_t n)
{
	struct bpfvm_prog *prog = NULL;
	int rc = bpfvm_prog__load(vm, insns, n, UNVERIFIED, &prog, &err);
	if (rc)
		fprintf(stderr, "load failed: insn %ld: %s\n", err.insn, err.msg);
	CHECK(rc == 0);
	return prog;
}

/*
 * Run insns on mem (len bytes) with an instruction budget (0 = none). The
 * traced run goes first on a copy of the memory; then the memory is reset
 * and the plain run gives the final state that the caller inspects.
 */
static struct run_result run_full(const struct bpfvm_insn *insns, size_t n, void *mem,
				  size_t len, uint64_t budget, int flags)
{
	struct bpfvm_prog *prog = load(insns, n);
	struct run_result plain = { 0 }, traced = { 0 };
	struct bpfvm_error terr;
	uint64_t steps = 0;
	unsigned char *orig = NULL, *after_traced = NULL;

	if (!(flags & RUN_PLAIN_ONLY)) {
		if (len) {
			orig = malloc(len);
			after_traced = malloc(len);
			CHECK(orig && after_traced);
			memcpy(orig, mem, len);
		}
		BPFVM_OPTS(bpfvm_run_opts, topts, .insn_budget = budget, .trace = cover_trace,
			   .trace_ctx = &steps, .insn_count = &traced.count);
		traced.rc = bpfvm_prog__run(prog, mem, len, &topts, &traced.ret, &terr);
		if (len) {
			memcpy(after_traced, mem, len);
			memcpy(mem, orig, len);
		}
	}

	BPFVM_OPTS(bpfvm_run_opts, opts, .insn_budget = budget, .insn_count = &plain.count);
	plain.rc = bpfvm_prog__run(prog, mem, len, &opts, &plain.ret, &err);
	if (plain.rc && err.insn >= 0 && (size_t)err.insn < n &&
	    prog->insns[err.insn].id < ISA__COUNT)
		covered[prog->insns[err.insn].id] = true; /* refused rows count */

	if (!(flags & RUN_PLAIN_ONLY)) {
		CHECK(traced.rc == plain.rc);
		CHECK_EQ_U64(traced.count, plain.count);
		/* The count includes an instruction that failed (it started),
		 * but not one refused for lack of budget; traces show only
		 * instructions that completed. */
		bool started = plain.rc && !strstr(err.msg, "instruction budget");
		CHECK_EQ_U64(steps, plain.count - started);
		if (plain.rc == 0)
			CHECK_EQ_U64(traced.ret, plain.ret);
		else
			CHECK(strcmp(terr.msg, err.msg) == 0 && terr.insn == err.insn);
		if (len)
			CHECK(memcmp(after_traced, mem, len) == 0);
	}
	free(orig);
	free(after_traced);
	bpfvm_prog__free(prog);
	return plain;
}

#define RUN(prog, mem, len) run_full(prog, ARRAY_SIZE(prog), mem, len, 0, 0)

/* Run and require success; returns r0. */
static uint64_t run_ok_n(const struct bpfvm_insn *insns, size_t n, void *mem, size_t len,
			 int line)
{
	struct run_result r = run_full(insns, n, mem, len, 0, 0);
	if (r.rc) {
		fprintf(stderr, "%s:%d: run failed: %d insn %ld: %s\n", __FILE__, line, r.rc,
			err.insn, err.msg);
		exit(1);
	}
	return r.ret;
}
#define RUN_OK(prog, mem, len) run_ok_n(prog, ARRAY_SIZE(prog), mem, len, __LINE__)

/* Run and require failure rc at insn, with msg in the message. */
#define RUN_FAILS(prog, mem, len, want_rc, want_insn, want_text)        \
	do {                                                            \
		struct run_result r_ = RUN(prog, mem, len);             \
		CHECK(r_.rc == (want_rc));                              \
		CHECK(err.code == (want_rc));                           \
		CHECK(err.insn == (want_insn));                         \
		CHECK_STR_CONTAINS(err.msg, want_text);                 \
	} while (0)

/* ------------------------------------------------------------------ */
/* ALU                                                                  */

struct alu_vec {
	uint8_t op;  /* BI_ADD ... */
	int width;   /* 32 or 64 */
	int sgn;     /* off = 1: signed div/mod */
	uint64_t a, b, want;
	int line;
};

#define A64(op, a, b, want) { op, 64, 0, (uint64_t)(a), (uint64_t)(b), (uint64_t)(want), __LINE__ }
#define A32(op, a, b, want) { op, 32, 0, (uint64_t)(a), (uint64_t)(b), (uint64_t)(want), __LINE__ }
#define S64(op, a, b, want) { op, 64, 1, (uint64_t)(a), (uint64_t)(b), (uint64_t)(want), __LINE__ }
#define S32(op, a, b, want) { op, 32, 1, (uint64_t)(a), (uint64_t)(b), (uint64_t)(want), __LINE__ }

#define MIN64 0x8000000000000000ull
#define MAX64 0x7fffffffffffffffull
#define ALL64 0xffffffffffffffffull

static const struct alu_vec alu_vecs[] = {
	A64(BI_ADD, 1, 2, 3),
	A64(BI_ADD, ALL64, 1, 0),
	A64(BI_ADD, MAX64, 1, MIN64),
	A64(BI_ADD, 5, -1, 4),
	A64(BI_ADD, 0x100000000ull, 0xffffffffull, 0x1ffffffffull),
	A32(BI_ADD, 0xffffffff00000001ull, 1, 2),
	A32(BI_ADD, 0xffffffff, 1, 0),
	A32(BI_ADD, 0x7fffffff, 1, 0x80000000),
	A32(BI_ADD, 5, -1, 4),
	A64(BI_SUB, 0, 1, ALL64),
	A64(BI_SUB, MIN64, 1, MAX64),
	A64(BI_SUB, 10, -5, 15),
	A32(BI_SUB, 0, 1, 0xffffffff),
	A32(BI_SUB, 0x100000000ull, 1, 0xffffffff),
	A32(BI_SUB, 0xdead00000005ull, 3, 2),
	A64(BI_MUL, 3, 4, 12),
	A64(BI_MUL, ALL64, ALL64, 1),
	A64(BI_MUL, MIN64, -1, MIN64),
	A64(BI_MUL, 0x100000000ull, 0x100000000ull, 0),
	A64(BI_MUL, 7, -3, -21),
	A32(BI_MUL, 0xffffffff, 0xffffffff, 1),
	A32(BI_MUL, 0x10000, 0x10000, 0),
	A32(BI_MUL, 0x100000003ull, 5, 15),
	A32(BI_MUL, -1, 2, 0xfffffffe),
	A64(BI_DIV, 10, 3, 3),
	A64(BI_DIV, ALL64, 2, MAX64),
	A64(BI_DIV, 10, 0, 0),
	A64(BI_DIV, MIN64, -1, 0),
	A64(BI_DIV, ALL64, -1, 1),
	A32(BI_DIV, 10, 3, 3),
	A32(BI_DIV, 0xffffffff, 2, 0x7fffffff),
	A32(BI_DIV, 10, 0, 0),
	A32(BI_DIV, 0x10000000aull, 0x100000000ull, 0), /* divisor's low 32 bits are 0 */
	A32(BI_DIV, 0xffffffff0000000aull, 3, 3),
	A32(BI_DIV, 0x80000000, -1, 0),
	A64(BI_MOD, 10, 3, 1),
	A64(BI_MOD, 10, 0, 10),
	A64(BI_MOD, ALL64, 0, ALL64),
	A64(BI_MOD, MIN64, -1, MIN64),
	A64(BI_MOD, ALL64, 0x10, 0xf),
	A32(BI_MOD, 10, 3, 1),
	A32(BI_MOD, 0xffffffff0000000aull, 0, 0xa), /* by 0: low 32 bits of dst */
	A32(BI_MOD, 0x123456789abcdef0ull, 0x100000000ull, 0x9abcdef0),
	A32(BI_MOD, 0xffffffff, 0x10, 0xf),
	S64(BI_DIV, -10, 3, -3),
	S64(BI_DIV, 10, -3, -3),
	S64(BI_DIV, -10, -3, 3),
	S64(BI_DIV, MIN64, -1, MIN64),
	S64(BI_DIV, MIN64, 1, MIN64),
	S64(BI_DIV, MIN64, 2, 0xc000000000000000ull),
	S64(BI_DIV, -10, 0, 0),
	S64(BI_DIV, MAX64, -1, MIN64 + 1),
	S32(BI_DIV, 0xfffffff6, 3, 0xfffffffd),
	S32(BI_DIV, 0x80000000, -1, 0x80000000),
	S32(BI_DIV, 0xfffffff6, 0, 0),
	S32(BI_DIV, 0xdeadbeeffffffff6ull, 3, 0xfffffffd),
	S32(BI_DIV, 7, -2, 0xfffffffd),
	S32(BI_DIV, 0x7fffffff, 0x1ffffffffull, 0x80000001), /* divisor low 32 = -1 */
	S64(BI_MOD, -10, 3, -1),
	S64(BI_MOD, 10, -3, 1),
	S64(BI_MOD, -10, -3, -1),
	S64(BI_MOD, MIN64, -1, 0),
	S64(BI_MOD, -10, 0, -10),
	S64(BI_MOD, 7, 2, 1),
	S64(BI_MOD, MIN64, 3, -2),
	S32(BI_MOD, 0xfffffff6, 3, 0xffffffff),
	S32(BI_MOD, 10, -3, 1),
	S32(BI_MOD, 0x80000000, -1, 0),
	S32(BI_MOD, 0xdeadbeeffffffff6ull, 0, 0xfffffff6),
	S32(BI_MOD, 0x80000000, 3, 0xfffffffe),
	A64(BI_OR, 0xf0, 0x0f, 0xff),
	A64(BI_OR, 0x100000000ull, -2, ALL64 - 1),
	A32(BI_OR, 0xffffffff00000000ull, 1, 1),
	A32(BI_OR, 0x80000000, 0x1, 0x80000001),
	A64(BI_AND, 0xff00ff00ff00ff00ull, -1, 0xff00ff00ff00ff00ull),
	A64(BI_AND, ALL64, 0x0f0f, 0x0f0f),
	A32(BI_AND, ALL64, -1, 0xffffffff),
	A32(BI_AND, 0x1234567812345678ull, 0xff00ff00, 0x12005600),
	A64(BI_XOR, ALL64, 1, ALL64 - 1),
	A64(BI_XOR, 0x5555, 0x5555, 0),
	A32(BI_XOR, ALL64, 1, 0xfffffffe),
	A32(BI_XOR, 0x100000000ull, 0x100000000ull, 0),
	A64(BI_LSH, 1, 0, 1),
	A64(BI_LSH, 1, 31, 0x80000000),
	A64(BI_LSH, 1, 32, 0x100000000ull),
	A64(BI_LSH, 1, 63, MIN64),
	A64(BI_LSH, 1, 64, 1), /* count & 63 */
	A64(BI_LSH, 1, 65, 2),
	A64(BI_LSH, 3, -1, MIN64), /* -1 & 63 = 63 */
	A32(BI_LSH, 1, 0, 1),
	A32(BI_LSH, 1, 31, 0x80000000),
	A32(BI_LSH, 1, 32, 1), /* count & 31 */
	A32(BI_LSH, 1, 33, 2),
	A32(BI_LSH, 0xffffffff00000001ull, 1, 2),
	A32(BI_LSH, 0xffffffff, 63, 0x80000000),
	A64(BI_RSH, MIN64, 63, 1),
	A64(BI_RSH, ALL64, 64, ALL64),
	A64(BI_RSH, ALL64, 32, 0xffffffff),
	A64(BI_RSH, ALL64, 0, ALL64),
	A32(BI_RSH, ALL64, 31, 1),
	A32(BI_RSH, 0x80000000, 32, 0x80000000),
	A32(BI_RSH, 0x100000000ull, 0, 0),
	A32(BI_RSH, ALL64, 0, 0xffffffff),
	A64(BI_ARSH, MIN64, 63, ALL64),
	A64(BI_ARSH, -16, 2, -4),
	A64(BI_ARSH, 16, 2, 4),
	A64(BI_ARSH, MIN64, 64, MIN64),
	A64(BI_ARSH, MIN64, 32, 0xffffffff80000000ull),
	A64(BI_ARSH, MAX64, 62, 1),
	A32(BI_ARSH, 0x80000000, 31, 0xffffffff),
	A32(BI_ARSH, 0xfffffff0, 2, 0xfffffffc),
	A32(BI_ARSH, 0x7fffffff80000000ull, 4, 0xf8000000),
	A32(BI_ARSH, 0x80000000, 32, 0x80000000),
	A32(BI_ARSH, 0x40000000, 30, 1),
	A32(BI_ARSH, 0x80000000, 0, 0x80000000),
	A64(BI_MOV, 0xdead, 5, 5),
	A64(BI_MOV, 0xdead, -1, ALL64),
	A64(BI_MOV, 0, 0x123456789ull, 0x123456789ull),
	A32(BI_MOV, 0xdead, -1, 0xffffffff),
	A32(BI_MOV, 0xdead, 0x123456789ull, 0x23456789),
	A32(BI_MOV, ALL64, 0, 0),
};

static void alu_check(const struct alu_vec *v, const char *form, uint64_t got)
{
	check_count++;
	if (got != v->want) {
		fprintf(stderr,
			"%s:%d: alu op 0x%02x width %d signed %d %s: a 0x%" PRIx64 " b 0x%" PRIx64
			" gave 0x%" PRIx64 ", expected 0x%" PRIx64 "\n",
			__FILE__, v->line, v->op, v->width, v->sgn, form, v->a, v->b, got, v->want);
		exit(1);
	}
}

static void test_alu(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(alu_vecs); i++) {
		const struct alu_vec *v = &alu_vecs[i];
		uint8_t cls = v->width == 64 ? BI_ALU64 : BI_ALU;

		/* Register operand. */
		struct bpfvm_insn px[] = {
			I_LD_IMM64(1, v->a),
			I_LD_IMM64(2, v->b),
			I_RAW(cls | v->op | BI_X, 1, 2, v->sgn, 0),
			I_MOV64_REG(0, 1),
			I_EXIT(),
		};
		alu_check(v, "reg", RUN_OK(px, NULL, 0));

		/* Immediate: sign-extended for 64-bit, low 32 bits for 32-bit;
		 * a 64-bit b that is not a sign-extended int32 has no K form. */
		if (v->width == 64 && v->b != (uint64_t)(int64_t)(int32_t)(uint32_t)v->b)
			continue;
		struct bpfvm_insn pk[] = {
			I_LD_IMM64(1, v->a),
			I_RAW(cls | v->op | BI_K, 1, 0, v->sgn, (int32_t)(uint32_t)v->b),
			I_MOV64_REG(0, 1),
			I_EXIT(),
		};
		alu_check(v, "imm", RUN_OK(pk, NULL, 0));
	}

	/* dst and src the same register. */
	struct bpfvm_insn same[] = {
		I_MOV64_IMM(0, 7),
		I_ALU64_REG(BI_MUL, 0, 0),
		I_ALU32_REG(BI_SUB, 0, 0),
		I_ALU64_IMM(BI_ADD, 0, 3),
		I_ALU64_REG(BI_XOR, 0, 0),
		I_ALU64_IMM(BI_ADD, 0, 9),
		I_ALU64_REG(BI_ADD, 0, 0),
		I_EXIT(),
	};
	CHECK_EQ_U64(RUN_OK(same, NULL, 0), 18);
	printf("alu: %zu vectors, reg and imm forms\n", ARRAY_SIZE(alu_vecs));
}

struct unary_vec {
	struct bpfvm_insn insn; /* operates on r1 */
	uint64_t a, want;
	int line;
};
#define U(insn, a, want) { insn, (uint64_t)(a), (uint64_t)(want), __LINE__ }

static const struct unary_vec unary_vecs[] = {
	U(I_NEG64(1), 5, -5),
	U(I_NEG64(1), MIN64, MIN64),
	U(I_NEG64(1), 0, 0),
	U(I_NEG32(1), 0xffffffff00000005ull, 0xfffffffb),
	U(I_NEG32(1), 0, 0),
	U(I_NEG32(1), 0x80000000, 0x80000000),
	U(I_NEG32(1), 1, 0xffffffff),
	U(I_MOVSX64(1, 1, 8), 0x80, 0xffffffffffffff80ull),
	U(I_MOVSX64(1, 1, 8), 0x17f, 0x7f),
	U(I_MOVSX64(1, 1, 16), 0x8000, 0xffffffffffff8000ull),
	U(I_MOVSX64(1, 1, 16), 0xabcd7fff, 0x7fff),
	U(I_MOVSX64(1, 1, 32), 0x80000000, 0xffffffff80000000ull),
	U(I_MOVSX64(1, 1, 32), 0xffffffff7fffffffull, 0x7fffffff),
	U(I_MOVSX32(1, 1, 8), 0x80, 0xffffff80),
	U(I_MOVSX32(1, 1, 8), 0xffffffffffffff7full, 0x7f),
	U(I_MOVSX32(1, 1, 16), 0xffffffff00008001ull, 0xffff8001),
	U(I_MOVSX32(1, 1, 16), 0x12347fff, 0x7fff),
	U(I_LE(1, 16), 0x1122334455667788ull, 0x7788),
	U(I_LE(1, 32), 0x1122334455667788ull, 0x55667788),
	U(I_LE(1, 64), 0x1122334455667788ull, 0x1122334455667788ull),
	U(I_BE(1, 16), 0x1122334455667788ull, 0x8877),
	U(I_BE(1, 32), 0x1122334455667788ull, 0x88776655),
	U(I_BE(1, 64), 0x1122334455667788ull, 0x8877665544332211ull),
	U(I_BSWAP(1, 16), 0x1122334455667788ull, 0x8877),
	U(I_BSWAP(1, 32), 0x1122334455667788ull, 0x88776655),
	U(I_BSWAP(1, 64), 0x1122334455667788ull, 0x8877665544332211ull),
	U(I_BSWAP(1, 16), 0xff00, 0x00ff),
};

static void test_unary(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(unary_vecs); i++) {
		const struct unary_vec *v = &unary_vecs[i];
		struct bpfvm_insn p[] = {
			I_LD_IMM64(1, v->a),
			v->insn,
			I_MOV64_REG(0, 1),
			I_EXIT(),
		};
		uint64_t got = RUN_OK(p, NULL, 0);
		check_count++;
		if (got != v->want) {
			fprintf(stderr, "%s:%d: 0x%" PRIx64 " gave 0x%" PRIx64 ", expected 0x%" PRIx64 "\n",
				__FILE__, v->line, v->a, got, v->want);
			exit(1);
		}
	}
	/* movsx from another register leaves the source alone. */
	struct bpfvm_insn p[] = {
		I_MOV64_IMM(2, 0xff),
		I_MOVSX64(3, 2, 8),
		I_ALU64_REG(BI_ADD, 3, 2), /* -1 + 0xff */
		I_MOV64_REG(0, 3),
		I_EXIT(),
	};
	CHECK_EQ_U64(RUN_OK(p, NULL, 0), 0xfe);
	printf("neg, movsx, le/be/bswap: %zu vectors\n", ARRAY_SIZE(unary_vecs));
}

/* ------------------------------------------------------------------ */
/* Jumps                                                                */

static const uint8_t jmp_ops[] = {
	BI_JEQ, BI_JGT, BI_JGE, BI_JSET, BI_JNE, BI_JSGT,
	BI_JSGE, BI_JLT, BI_JLE, BI_JSLT, BI_JSLE,
};

/* The reference: plain C on (u)int32/64, written independently of alu.h. */
static bool ref_cond(uint8_t op, int width, uint64_t a, uint64_t b)
{
	int64_t sa, sb;
	if (width == 32) {
		a = (uint32_t)a;
		b = (uint32_t)b;
		sa = (int32_t)(uint32_t)a;
		sb = (int32_t)(uint32_t)b;
	} else {
		sa = (int64_t)a;
		sb = (int64_t)b;
	}
	switch (op) {
	case BI_JEQ: return a == b;
	case BI_JNE: return a != b;
	case BI_JSET: return (a & b) != 0;
	case BI_JGT: return a > b;
	case BI_JGE: return a >= b;
	case BI_JLT: return a < b;
	case BI_JLE: return a <= b;
	case BI_JSGT: return sa > sb;
	case BI_JSGE: return sa >= sb;
	case BI_JSLT: return sa < sb;
	case BI_JSLE: return sa <= sb;
	}
	return false;
}

static const uint64_t jmp_vals[][2] = {
	{ 0, 0 }, { 1, 2 }, { 2, 1 }, { ALL64, 1 }, { 1, ALL64 }, { ALL64, ALL64 },
	{ MIN64, MAX64 }, { MAX64, MIN64 }, { 0x100000000ull, 0 }, { 0, 0x100000000ull },
	{ 0xffffffff, 0x7fffffff }, { 0x7fffffff, 0xffffffff }, { 0x80000000, 1 },
	{ 5, 4 }, { 5, 2 }, { 0xffffffff00000001ull, 0x00000000ffffffffull },
	{ 0x80000000ffffffffull, 0xffffffff80000000ull }, { -5, -7 }, { -7, -5 },
};

static void test_jumps(void)
{
	int runs = 0;
	for (size_t o = 0; o < ARRAY_SIZE(jmp_ops); o++) {
		for (size_t i = 0; i < ARRAY_SIZE(jmp_vals); i++) {
			uint64_t a = jmp_vals[i][0], b = jmp_vals[i][1];
			for (int width = 32; width <= 64; width += 32) {
				uint8_t cls = width == 64 ? BI_JMP : BI_JMP32;
				uint64_t want = ref_cond(jmp_ops[o], width, a, b);
				struct bpfvm_insn px[] = {
					I_LD_IMM64(1, a),
					I_LD_IMM64(2, b),
					I_MOV64_IMM(0, 0),
					I_RAW(cls | jmp_ops[o] | BI_X, 1, 2, 1, 0),
					I_EXIT(),
					I_MOV64_IMM(0, 1),
					I_EXIT(),
				};
				uint64_t got = RUN_OK(px, NULL, 0);
				if (got != want)
					fprintf(stderr, "jmp%d 0x%02x reg: 0x%" PRIx64 " 0x%" PRIx64 "\n",
						width, jmp_ops[o], a, b);
				CHECK_EQ_U64(got, want);
				runs++;
				/* K: imm is sign-extended for 64-bit compares. */
				if (width == 64 && b != (uint64_t)(int64_t)(int32_t)(uint32_t)b)
					continue;
				struct bpfvm_insn pk[] = {
					I_LD_IMM64(1, a),
					I_MOV64_IMM(0, 0),
					I_RAW(cls | jmp_ops[o] | BI_K, 1, 0, 1, (int32_t)(uint32_t)b),
					I_EXIT(),
					I_MOV64_IMM(0, 1),
					I_EXIT(),
				};
				got = RUN_OK(pk, NULL, 0);
				if (got != want)
					fprintf(stderr, "jmp%d 0x%02x imm: 0x%" PRIx64 " 0x%" PRIx64 "\n",
						width, jmp_ops[o], a, b);
				CHECK_EQ_U64(got, want);
				runs++;
			}
		}
	}

	/* ja forward and backward, gotol (ja32): count a loop down. */
	struct bpfvm_insn loop[] = {
		I_MOV64_IMM(0, 0),
		I_MOV64_IMM(1, 10),
		I_JA(2),                          /* 2 -> 5 */
		I_ALU64_IMM(BI_ADD, 0, 100),      /* skipped */
		I_EXIT(),
		I_ALU64_IMM(BI_ADD, 0, 3),        /* 5 */
		I_ALU64_IMM(BI_SUB, 1, 1),
		I_JMP_IMM(BI_JEQ, 1, 0, 1),       /* 7: done -> 9 */
		I_JA32(-4),                       /* 8 -> 5 */
		I_JA32(0),                        /* 9 -> 10 */
		I_EXIT(),
	};
	CHECK_EQ_U64(RUN_OK(loop, NULL, 0), 30);
	printf("jumps: %d compare runs, ja, ja32\n", runs);
}

/* ------------------------------------------------------------------ */
/* Loads and stores                                                     */

static void test_memory(void)
{
	uint8_t buf[32];

	/* Stores of every size into the input, little-endian, unaligned. */
	memset(buf, 0xee, sizeof(buf));
	struct bpfvm_insn st[] = {
		I_LD_IMM64(2, 0x1122334455667788ull),
		I_STX(BI_B, 1, 2, 1),
		I_STX(BI_H, 1, 2, 3),
		I_STX(BI_W, 1, 2, 5),
		I_STX(BI_DW, 1, 2, 9),
		I_ST(BI_B, 1, 17, 0x1ab),         /* truncated to 0xab */
		I_ST(BI_H, 1, 18, -2),
		I_ST(BI_W, 1, 20, 0x01020304),
		I_ST(BI_DW, 1, 24, -3),           /* sign-extended */
		I_MOV64_IMM(0, 0),
		I_EXIT(),
	};
	CHECK_EQ_U64(RUN_OK(st, buf, sizeof(buf)), 0);
	static const uint8_t want[32] = {
		0xee, 0x88, 0xee, 0x88, 0x77, 0x88, 0x77, 0x66, 0x55, 0x88, 0x77,
		0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0xab, 0xfe, 0xff, 0x04, 0x03,
		0x02, 0x01, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	CHECK(memcmp(buf, want, sizeof(want)) == 0);

	/* Loads of every size, zero- and sign-extending, from odd offsets. */
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)(0x80 + i);
	struct { struct bpfvm_insn insn; uint64_t want; } loads[] = {
		{ I_LDX(BI_B, 0, 1, 1), 0x81 },
		{ I_LDX(BI_H, 0, 1, 3), 0x8483 },
		{ I_LDX(BI_W, 0, 1, 5), 0x88878685 },
		{ I_LDX(BI_DW, 0, 1, 9), 0x908f8e8d8c8b8a89ull },
		{ I_LDXSX(BI_B, 0, 1, 1), 0xffffffffffffff81ull },
		{ I_LDXSX(BI_H, 0, 1, 3), 0xffffffffffff8483ull },
		{ I_LDXSX(BI_W, 0, 1, 5), 0xffffffff88878685ull },
		{ I_LDX(BI_DW, 0, 1, 24), 0x9f9e9d9c9b9a9998ull },
	};
	for (size_t i = 0; i < ARRAY_SIZE(loads); i++) {
		struct bpfvm_insn p[] = { I_MOV64_IMM(0, -1), loads[i].insn, I_EXIT() };
		CHECK_EQ_U64(RUN_OK(p, buf, sizeof(buf)), loads[i].want);
	}
	buf[0] = 0x7f;
	buf[1] = 0x7f;
	struct bpfvm_insn sx_pos[] = {
		I_LDXSX(BI_H, 0, 1, 0), I_EXIT(),
	};
	CHECK_EQ_U64(RUN_OK(sx_pos, buf, sizeof(buf)), 0x7f7f);

	/* The stack: zeroed at start, r10 is the top, all 512 bytes usable. */
	struct bpfvm_insn stack[] = {
		I_LDX(BI_DW, 0, 10, -512),        /* zero */
		I_ST(BI_DW, 10, -512, 7),
		I_ST(BI_B, 10, -1, 9),
		I_LDX(BI_DW, 3, 10, -512),
		I_ALU64_REG(BI_ADD, 0, 3),
		I_LDX(BI_B, 3, 10, -1),
		I_ALU64_REG(BI_ADD, 0, 3),
		I_MOV64_REG(4, 10),               /* pointer arithmetic on r10 */
		I_ALU64_IMM(BI_SUB, 4, 100),
		I_STX(BI_W, 4, 0, 0),
		I_LDX(BI_W, 5, 10, -100),
		I_ALU64_REG(BI_ADD, 0, 5),
		I_EXIT(),
	};
	CHECK_EQ_U64(RUN_OK(stack, NULL, 0), 32);
	/* ... and zeroed again for the next run. */
	struct bpfvm_insn dirty[] = {
		I_LDX(BI_DW, 0, 10, -512),
		I_ST(BI_DW, 10, -512, 1234),
		I_EXIT(),
	};
	CHECK_EQ_U64(RUN_OK(dirty, NULL, 0), 0);
	CHECK_EQ_U64(RUN_OK(dirty, NULL, 0), 0);

	/* Registers at entry: r1 = mem, r2 = len, others 0. */
	struct bpfvm_insn entry[] = {
		I_MOV64_REG(0, 3),
		I_ALU64_REG(BI_OR, 0, 4), I_ALU64_REG(BI_OR, 0, 5), I_ALU64_REG(BI_OR, 0, 6),
		I_ALU64_REG(BI_OR, 0, 7), I_ALU64_REG(BI_OR, 0, 8), I_ALU64_REG(BI_OR, 0, 9),
		I_JMP_IMM(BI_JNE, 0, 0, 1),
		I_MOV64_REG(0, 2),
		I_EXIT(),
	};
	CHECK_EQ_U64(RUN_OK(entry, buf, 17), 17);
	struct bpfvm_insn r1[] = { I_MOV64_REG(0, 1), I_EXIT() };
	CHECK_EQ_U64(RUN_OK(r1, NULL, 0), 0);
	CHECK_EQ_U64(RUN_OK(r1, buf, 1), (uint64_t)(uintptr_t)buf);

	/* lddw: full 64-bit values, including a negative low half. */
	struct bpfvm_insn lddw[] = {
		I_LD_IMM64(0, 0x123456789abcdef0ull),
		I_LD_IMM64(1, 0xffffffff),
		I_ALU64_REG(BI_XOR, 0, 1),
		I_EXIT(),
	};
	CHECK_EQ_U64(RUN_OK(lddw, NULL, 0), 0x123456786543210full);
	printf("loads, stores, stack, entry registers, lddw\n");
}

static void test_ld_abs_ind(void)
{
	uint8_t pkt[16];
	for (int i = 0; i < 16; i++)
		pkt[i] = (uint8_t)(0x10 + i);

	struct { struct bpfvm_insn insn; uint64_t want; } ok[] = {
		{ I_LD_ABS(BI_B, 3), 0x13 },
		{ I_LD_ABS(BI_H, 2), 0x1213 },
		{ I_LD_ABS(BI_W, 12), 0x1c1d1e1f },
		{ I_LD_IND(BI_B, 6, 1), 0x15 },         /* r6 = 4 */
		{ I_LD_IND(BI_H, 6, -4), 0x1011 },
		{ I_LD_IND(BI_W, 7, 2), 0x12131415 },   /* r7 = 0xffffffff_00000000 */
		{ I_LD_IND(BI_W, 8, 1), 0x10111213 },   /* r8 = -1 */
	};
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		struct bpfvm_insn p[] = {
			I_MOV64_IMM(6, 4),
			I_LD_IMM64(7, 0xffffffff00000000ull),
			I_MOV64_IMM(8, -1),
			ok[i].insn,
			I_EXIT(),
		};
		CHECK_EQ_U64(RUN_OK(p, pkt, sizeof(pkt)), ok[i].want);
	}

	/* Out of bounds: the program ends at once with r0 = 0. */
	struct bpfvm_insn oob[][6] = {
		{ I_LD_ABS(BI_W, 13), I_MOV64_IMM(0, 7), I_EXIT() },
		{ I_LD_ABS(BI_B, 16), I_MOV64_IMM(0, 7), I_EXIT() },
		{ I_LD_ABS(BI_H, -1), I_MOV64_IMM(0, 7), I_EXIT() },
		{ I_LD_ABS(BI_W, 0x7fffffff), I_MOV64_IMM(0, 7), I_EXIT() },
		{ I_MOV64_IMM(6, 15), I_LD_IND(BI_H, 6, 0), I_MOV64_IMM(0, 7), I_EXIT() },
		{ I_MOV64_IMM(6, -2), I_LD_IND(BI_B, 6, 1), I_MOV64_IMM(0, 7), I_EXIT() },
		{ I_MOV64_IMM(6, 0x7fffffff), I_LD_IND(BI_B, 6, 0x7fffffff), I_MOV64_IMM(0, 7), I_EXIT() },
	};
	for (size_t i = 0; i < ARRAY_SIZE(oob); i++) {
		size_t n = 0;
		while (n < 6 && oob[i][n].code)
			n++;
		struct bpfvm_insn p[7];
		p[0] = (struct bpfvm_insn)I_MOV64_IMM(0, 99);
		memcpy(p + 1, oob[i], n * sizeof(p[0]));
		struct run_result r = run_full(p, n + 1, pkt, sizeof(pkt), 0, 0);
		CHECK(r.rc == 0);
		CHECK_EQ_U64(r.ret, 0);
		CHECK_EQ_U64(r.count, n - 1); /* mov 99, [mov r6], the load; no more */
	}
	/* No packet at all. */
	struct bpfvm_insn nopkt[] = { I_MOV64_IMM(0, 5), I_LD_ABS(BI_B, 0), I_EXIT() };
	CHECK_EQ_U64(RUN_OK(nopkt, NULL, 0), 0);
	printf("ld_abs/ld_ind: %zu in bounds, %zu out\n", ARRAY_SIZE(ok), ARRAY_SIZE(oob));
}

/* ------------------------------------------------------------------ */
/* Atomics                                                              */

static void test_atomics(void)
{
	_Alignas(8) uint64_t m[4];

	/* 64-bit: add/or/and/xor, plain and fetch. */
	struct {
		int32_t op;
		uint64_t mem, src, want_mem;
	} rmw[] = {
		{ BI_ADD, 5, 3, 8 },
		{ BI_ADD, ALL64, 2, 1 },
		{ BI_OR, 0xf0, 0x0f, 0xff },
		{ BI_AND, 0xff00, 0x0ff0, 0x0f00 },
		{ BI_XOR, 0xff, 0x0f, 0xf0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(rmw); i++) {
		for (int fetch = 0; fetch <= 1; fetch++) {
			/* 64-bit */
			m[1] = rmw[i].mem;
			struct bpfvm_insn p64[] = {
				I_LD_IMM64(2, rmw[i].src),
				I_ATOMIC(BI_DW, rmw[i].op | (fetch ? BI_FETCH : 0), 1, 2, 8),
				I_MOV64_REG(0, 2),
				I_EXIT(),
			};
			uint64_t r = RUN_OK(p64, m, 16);
			CHECK_EQ_U64(m[1], rmw[i].want_mem);
			CHECK_EQ_U64(r, fetch ? rmw[i].mem : rmw[i].src);

			/* 32-bit: the upper half of memory is untouched; fetch
			 * zero-extends the old value into src. */
			m[0] = 0xaaaaaaaa00000000ull | (uint32_t)rmw[i].mem;
			struct bpfvm_insn p32[] = {
				I_LD_IMM64(2, 0xbbbbbbbb00000000ull | (uint32_t)rmw[i].src),
				I_ATOMIC(BI_W, rmw[i].op | (fetch ? BI_FETCH : 0), 1, 2, 0),
				I_MOV64_REG(0, 2),
				I_EXIT(),
			};
			r = RUN_OK(p32, m, 16);
			CHECK_EQ_U64(m[0], 0xaaaaaaaa00000000ull | (uint32_t)rmw[i].want_mem);
			CHECK_EQ_U64(r, fetch ? (uint32_t)rmw[i].mem
					      : 0xbbbbbbbb00000000ull | (uint32_t)rmw[i].src);
		}
	}

	/* xchg */
	m[0] = 0x1111111122222222ull;
	struct bpfvm_insn xchg64[] = {
		I_LD_IMM64(2, 0x3333333344444444ull),
		I_ATOMIC(BI_DW, BI_XCHG, 1, 2, 0),
		I_MOV64_REG(0, 2),
		I_EXIT(),
	};
	CHECK_EQ_U64(RUN_OK(xchg64, m, 8), 0x1111111122222222ull);
	CHECK_EQ_U64(m[0], 0x3333333344444444ull);
	m[0] = 0x11111111ffffffffull;
	struct bpfvm_insn xchg32[] = {
		I_LD_IMM64(2, 0x3333333344444444ull),
		I_ATOMIC(BI_W, BI_XCHG, 1, 2, 0),
		I_MOV64_REG(0, 2),
		I_EXIT(),
	};
	CHECK_EQ_U64(RUN_OK(xchg32, m, 8), 0xffffffff);
	CHECK_EQ_U64(m[0], 0x1111111144444444ull);

	/* cmpxchg: r0 always gets the old value; store only on a match. */
	m[0] = 10;
	struct bpfvm_insn cx64_hit[] = {
		I_MOV64_IMM(0, 10), I_MOV64_IMM(2, 20),
		I_ATOMIC(BI_DW, BI_CMPXCHG, 1, 2, 0), I_EXIT(),
	};
	CHECK_EQ_U64(RUN_OK(cx64_hit, m, 8), 10);
	CHECK_EQ_U64(m[0], 20);
	struct bpfvm_insn cx64_miss[] = {
		I_MOV64_IMM(0, 10), I_MOV64_IMM(2, 30),
		I_ATOMIC(BI_DW, BI_CMPXCHG, 1, 2, 0), I_EXIT(),
	};
	CHECK_EQ_U64(RUN_OK(cx64_miss, m, 8), 20);
	CHECK_EQ_U64(m[0], 20);
	/* 32-bit: compares the low 32 bits of r0, result zero-extended. */
	m[0] = 0x55555555fffffff0ull;
	struct bpfvm_insn cx32_hit[] = {
		I_LD_IMM64(0, 0x77777777fffffff0ull), I_MOV64_IMM(2, 5),
		I_ATOMIC(BI_W, BI_CMPXCHG, 1, 2, 0), I_EXIT(),
	};
	CHECK_EQ_U64(RUN_OK(cx32_hit, m, 8), 0xfffffff0);
	CHECK_EQ_U64(m[0], 0x5555555500000005ull);
	struct bpfvm_insn cx32_miss[] = {
		I_LD_IMM64(0, 0x7777777700000006ull), I_MOV64_IMM(2, 9),
		I_ATOMIC(BI_W, BI_CMPXCHG, 1, 2, 0), I_EXIT(),
	};
	CHECK_EQ_U64(RUN_OK(cx32_miss, m, 8), 5);
	CHECK_EQ_U64(m[0], 0x5555555500000005ull);

	/* Atomics on the stack. */
	struct bpfvm_insn on_stack[] = {
		I_ST(BI_DW, 10, -8, 40),
		I_MOV64_IMM(2, 2),
		I_ATOMIC(BI_DW, BI_ADD | BI_FETCH, 10, 2, -8),
		I_LDX(BI_DW, 0, 10, -8),
		I_ALU64_REG(BI_ADD, 0, 2),
		I_EXIT(),
	};
	CHECK_EQ_U64(RUN_OK(on_stack, NULL, 0), 82);

	/* load-acquire / store-release, every size, zero-extended. */
	const uint8_t sizes[] = { BI_B, BI_H, BI_W, BI_DW };
	const uint64_t masks[] = { 0xff, 0xffff, 0xffffffff, ALL64 };
	for (size_t i = 0; i < 4; i++) {
		m[0] = 0xfedcba9876543210ull;
		m[1] = 0;
		struct bpfvm_insn p[] = {
			I_ATOMIC(sizes[i], BI_LOAD_ACQ, 0, 1, 0),
			I_LD_IMM64(3, 0x8899aabbccddeeffull),
			I_ATOMIC(sizes[i], BI_STORE_REL, 1, 3, 8),
			I_EXIT(),
		};
		CHECK_EQ_U64(RUN_OK(p, m, 16), 0xfedcba9876543210ull & masks[i]);
		CHECK_EQ_U64(m[1], 0x8899aabbccddeeffull & masks[i]);
	}

	/* Misaligned atomics stop the program. */
	struct bpfvm_insn mis[] = {
		I_MOV64_IMM(2, 1), I_ATOMIC(BI_DW, BI_ADD, 1, 2, 4), I_EXIT(),
	};
	RUN_FAILS(mis, m, 16, -EFAULT, 1, "misaligned atomic access of 8 bytes at r1+4");
	struct bpfvm_insn mis32[] = {
		I_MOV64_IMM(2, 1), I_ATOMIC(BI_W, BI_XCHG, 1, 2, 2), I_EXIT(),
	};
	RUN_FAILS(mis32, m, 16, -EFAULT, 1, "misaligned atomic access of 4 bytes at r1+2");
	struct bpfvm_insn misacq[] = {
		I_ATOMIC(BI_H, BI_LOAD_ACQ, 0, 1, 1), I_EXIT(),
	};
	RUN_FAILS(misacq, m, 16, -EFAULT, 0, "misaligned atomic access of 2 bytes at r1+1");
	printf("atomics: add/or/and/xor (fetch), xchg, cmpxchg, acquire/release\n");
}

/* ------------------------------------------------------------------ */
/* Concurrency: one program, four threads, shared counters               */

#define THREADS 4
#define ITERS 100000

struct thread_arg {
	const struct bpfvm_prog *prog;
	void *mem;
	int rc;
	uint64_t ret;
};

static void *thread_main(void *p)
{
	struct thread_arg *a = p;
	struct bpfvm_error e;
	a->rc = bpfvm_prog__run(a->prog, a->mem, 16, NULL, &a->ret, &e);
	return NULL;
}

static void test_concurrency(void)
{
	_Alignas(8) uint64_t shared[2] = { 0, 0 };
	struct bpfvm_insn p[] = {
		I_MOV64_IMM(2, ITERS),
		I_MOV64_IMM(3, 1),
		I_ATOMIC(BI_DW, BI_ADD, 1, 3, 0),          /* 2: loop */
		I_MOV64_IMM(4, 1),
		I_ATOMIC(BI_W, BI_ADD | BI_FETCH, 1, 4, 8),
		I_ALU64_IMM(BI_SUB, 2, 1),
		I_JMP_IMM(BI_JNE, 2, 0, -5),
		I_MOV64_IMM(0, 0),
		I_EXIT(),
	};
	struct bpfvm_prog *prog = load(p, ARRAY_SIZE(p));
	pthread_t th[THREADS];
	struct thread_arg args[THREADS];
	for (int i = 0; i < THREADS; i++) {
		args[i] = (struct thread_arg){ .prog = prog, .mem = shared, .rc = 1 };
		CHECK(pthread_create(&th[i], NULL, thread_main, &args[i]) == 0);
	}
	for (int i = 0; i < THREADS; i++) {
		CHECK(pthread_join(th[i], NULL) == 0);
		CHECK(args[i].rc == 0);
	}
	CHECK_EQ_U64(shared[0], (uint64_t)THREADS * ITERS);
	uint32_t c32;
	memcpy(&c32, (uint8_t *)shared + 8, 4);
	CHECK_EQ_U64(c32, (uint64_t)THREADS * ITERS);
	bpfvm_prog__free(prog);
	printf("concurrency: %d threads x %d lock add / fetch add32\n", THREADS, ITERS);
}

/* ------------------------------------------------------------------ */
/* Helpers                                                              */

static uint64_t h_sum(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		      struct bpfvm_call *call)
{
	(void)call;
	return r1 + r2 + r3 + r4 + r5;
}

/* *(u64 *)r1 = r2 if the program could write there; counts calls in user. */
static uint64_t h_poke(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		       struct bpfvm_call *call)
{
	int *calls = bpfvm_call__user(call);
	if (calls)
		(*calls)++;
	int rc = bpfvm_call__check_mem(call, r1, 8, true);
	if (rc)
		return (uint64_t)(int64_t)rc;
	memcpy((void *)(uintptr_t)r1, &r2, 8);
	return 0;
}

static uint64_t h_fail(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
		       struct bpfvm_call *call)
{
	bpfvm_call__fail(call, -EPERM, "helper says no");
	return 0;
}

/* check_mem(r1, r2, write = r3) */
static uint64_t h_check(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			struct bpfvm_call *call)
{
	return (uint64_t)(int64_t)bpfvm_call__check_mem(call, r1, r2, r3 != 0);
}

/* r0 stays as it was: returns the r0 the program had at the call, and
 * r0 + r10 - r10 checks the other registers are visible too. */
static uint64_t h_keep_r0(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			  struct bpfvm_call *call)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
	if (bpfvm_call__reg(call, 6) != 66 || bpfvm_call__reg(call, 11) != 0 ||
	    bpfvm_call__reg(call, 10) == 0)
		return 0;
	return bpfvm_call__reg(call, 0);
}

static void test_helpers(void)
{
	struct bpfvm_insn keep[] = {
		I_MOV64_IMM(0, 1234), I_MOV64_IMM(6, 66), I_CALL(9), I_EXIT(),
	};
	CHECK_EQ_U64(RUN_OK(keep, NULL, 0), 1234);

	struct bpfvm_insn sum[] = {
		I_MOV64_IMM(1, 1), I_MOV64_IMM(2, 20), I_MOV64_IMM(3, 300),
		I_MOV64_IMM(4, 4000), I_MOV64_IMM(5, 50000),
		I_CALL(1),
		I_EXIT(),
	};
	CHECK_EQ_U64(RUN_OK(sum, NULL, 0), 54321);

	/* A helper writing through a pointer to the stack; the user pointer. */
	int calls = 0;
	struct bpfvm_insn poke[] = {
		I_MOV64_REG(1, 10),
		I_ALU64_IMM(BI_ADD, 1, -16),
		I_MOV64_IMM(2, 77),
		I_CALL(2),
		I_LDX(BI_DW, 6, 10, -16),
		I_ALU64_REG(BI_ADD, 0, 6),    /* 0 + 77 */
		I_EXIT(),
	};
	struct bpfvm_prog *prog = load(poke, ARRAY_SIZE(poke));
	BPFVM_OPTS(bpfvm_run_opts, uopts, .user = &calls);
	uint64_t ret = 0;
	CHECK(bpfvm_prog__run(prog, NULL, 0, &uopts, &ret, &err) == 0);
	CHECK_EQ_U64(ret, 77);
	CHECK(calls == 1);
	bpfvm_prog__free(prog);

	/* check_mem: stack, input, out of range, overflow, empty. */
	uint8_t buf[16];
	struct { uint64_t addr_off; uint64_t size; int write; int use_r10; int64_t want; } cm[] = {
		{ (uint64_t)-8, 8, 1, 1, 0 },
		{ (uint64_t)-512, 512, 1, 1, 0 },
		{ (uint64_t)-513, 8, 0, 1, -EFAULT },
		{ (uint64_t)-4, 8, 0, 1, -EFAULT },    /* runs past r10 */
		{ 0, 16, 1, 0, 0 },
		{ 8, 9, 0, 0, -EFAULT },
		{ 15, 1, 1, 0, 0 },
		{ 1, ALL64, 0, 0, -EFAULT },          /* addr + size wraps */
		{ 100, 0, 0, 0, 0 },                  /* empty range */
	};
	for (size_t i = 0; i < ARRAY_SIZE(cm); i++) {
		struct bpfvm_insn p[] = {
			I_MOV64_REG(6, cm[i].use_r10 ? 10 : 1),
			I_LD_IMM64(7, cm[i].addr_off),
			I_ALU64_REG(BI_ADD, 6, 7),
			I_MOV64_REG(1, 6),
			I_LD_IMM64(2, cm[i].size),
			I_MOV64_IMM(3, cm[i].write),
			I_CALL(4),
			I_EXIT(),
		};
		CHECK_EQ_U64(RUN_OK(p, buf, sizeof(buf)), (uint64_t)cm[i].want);
	}

	/* callx: the helper id is in a register. */
	struct bpfvm_insn cx[] = {
		I_MOV64_IMM(1, 2), I_MOV64_IMM(2, 3), I_MOV64_IMM(3, 0),
		I_MOV64_IMM(4, 0), I_MOV64_IMM(5, 0),
		I_MOV64_IMM(7, 1),
		I_CALLX(7),
		I_EXIT(),
	};
	CHECK_EQ_U64(RUN_OK(cx, NULL, 0), 5);
	struct bpfvm_insn cx_bad[] = {
		I_MOV64_IMM(8, 999), I_CALLX(8), I_EXIT(),
	};
	RUN_FAILS(cx_bad, NULL, 0, -EINVAL, 1, "callx r8: no helper with id 999");
	struct bpfvm_insn cx_huge[] = {
		I_MOV64_IMM(8, -1), I_CALLX(8), I_EXIT(),
	};
	RUN_FAILS(cx_huge, NULL, 0, -EINVAL, 1, "no helper with id 18446744073709551615");

	/* bpfvm_call__fail stops the program with the helper's code and text. */
	struct bpfvm_insn fail[] = {
		I_MOV64_IMM(0, 1),
		I_CALL(3),
		I_MOV64_IMM(0, 2),
		I_EXIT(),
	};
	struct run_result r = RUN(fail, NULL, 0);
	CHECK(r.rc == -EPERM);
	CHECK(err.code == -EPERM);
	CHECK(err.insn == 1);
	CHECK(strcmp(err.msg, "helper says no") == 0);
	CHECK_EQ_U64(r.count, 2);

	/* Calls to helpers the vm lacks are refused at load. */
	struct bpfvm_insn missing[] = { I_CALL(12345), I_EXIT() };
	struct bpfvm_prog *bad = NULL;
	CHECK(bpfvm_prog__load(vm, missing, 2, NULL, &bad, &err) == -EINVAL);
	CHECK(bad == NULL);

	/* kfuncs are not supported. */
	struct bpfvm_insn kf[] = { I_MOV64_IMM(0, 0), I_CALL_KFUNC(7), I_EXIT() };
	RUN_FAILS(kf, NULL, 0, -ENOTSUP, 1, "kfunc calls are not supported");
	printf("helpers: call, callx, check_mem, user, fail, kfunc\n");
}

/* ------------------------------------------------------------------ */
/* BPF-to-BPF calls                                                     */

static void test_local_calls(void)
{
	/* r6..r9 and r10 survive a call; each frame has its own stack; a
	 * callee may use a pointer into its caller's frame. */
	struct bpfvm_insn calls[] = {
		/* 0: main */
		I_MOV64_IMM(6, 6), I_MOV64_IMM(7, 7), I_MOV64_IMM(8, 8), I_MOV64_IMM(9, 9),
		I_ST(BI_DW, 10, -8, 111),
		I_MOV64_REG(1, 10),
		I_ALU64_IMM(BI_ADD, 1, -8),       /* r1 = &main's slot */
		I_MOV64_REG(5, 10),               /* 7: r5 = main's r10 */
		I_CALL_LOCAL(12),                 /* 8 -> 21 */
		I_ALU64_REG(BI_SUB, 5, 0),        /* 9: main r10 - callee r10 */
		I_JMP_IMM(BI_JNE, 5, 512, 9),     /* -> 20 */
		I_LDX(BI_DW, 0, 10, -8),          /* 112 */
		I_ALU64_REG(BI_ADD, 0, 6), I_ALU64_REG(BI_ADD, 0, 7),
		I_ALU64_REG(BI_ADD, 0, 8), I_ALU64_REG(BI_ADD, 0, 9), /* 142 */
		I_MOV64_REG(4, 10),
		I_ALU64_REG(BI_SUB, 4, 1),        /* main r10 - r1 = 8: r10 restored */
		I_ALU64_REG(BI_ADD, 0, 4),        /* 150 */
		I_EXIT(),
		I_EXIT(),                         /* 20: r0 is not 150 here */
		/* 21: callee: clobber r6..r9, use its own slot, bump main's */
		I_MOV64_IMM(6, 0), I_MOV64_IMM(7, 0), I_MOV64_IMM(8, 0), I_MOV64_IMM(9, 0),
		I_LDX(BI_DW, 2, 10, -8),          /* its own frame: 0 */
		I_ST(BI_DW, 10, -8, 222),
		I_LDX(BI_DW, 3, 1, 0),
		I_ALU64_REG(BI_ADD, 3, 2),
		I_ALU64_IMM(BI_ADD, 3, 1),
		I_STX(BI_DW, 1, 3, 0),            /* main's slot = 112 */
		I_MOV64_REG(0, 10),
		I_EXIT(),
	};
	CHECK_EQ_U64(RUN_OK(calls, NULL, 0), 150);

	/* Recursion: depth k+2 frames in total for r1 = k. */
	for (int k = 0; k <= 7; k++) {
		struct bpfvm_insn rec[] = {
			I_MOV64_IMM(1, k),
			I_MOV64_IMM(0, 0),
			I_CALL_LOCAL(1),                  /* 2 -> 4 */
			I_EXIT(),
			I_ALU64_IMM(BI_ADD, 0, 1),        /* 4: count frames */
			I_ST(BI_DW, 10, -512, 1),         /* every frame's full stack */
			I_ST(BI_DW, 10, -8, 1),
			I_JMP_IMM(BI_JEQ, 1, 0, 2),
			I_ALU64_IMM(BI_SUB, 1, 1),
			I_CALL_LOCAL(-6),                 /* 9 -> 4 */
			I_EXIT(),
		};
		struct run_result r = RUN(rec, NULL, 0);
		if (k + 2 <= BPFVM_MAX_CALL_DEPTH) {
			CHECK(r.rc == 0);
			CHECK_EQ_U64(r.ret, (uint64_t)k + 1);
		} else {
			CHECK(r.rc == -E2BIG);
			CHECK(err.insn == 9);
			CHECK_STR_CONTAINS(err.msg, "call depth exceeds 8 frames");
		}
	}

	/* A callee cannot reach below its own frame; main not below its. */
	struct bpfvm_insn below[] = {
		I_CALL_LOCAL(1),
		I_EXIT(),
		I_LDX(BI_DW, 0, 10, -520),
		I_EXIT(),
	};
	RUN_FAILS(below, NULL, 0, -EFAULT, 2, "out-of-bounds read of 8 bytes at r10-520");
	/* ... but a callee can read main's frame by address. */
	struct bpfvm_insn up[] = {
		I_ST(BI_DW, 10, -512, 5),
		I_CALL_LOCAL(1),
		I_EXIT(),
		I_LDX(BI_DW, 0, 10, 0),           /* main's bottom slot */
		I_EXIT(),
	};
	CHECK_EQ_U64(RUN_OK(up, NULL, 0), 5);
	/* After the callee returns, its frame is out of bounds again. */
	struct bpfvm_insn gone[] = {
		I_CALL_LOCAL(3),
		I_LDX(BI_DW, 1, 0, 0),            /* r0 = callee's r10 - 8 */
		I_EXIT(),
		I_EXIT(),
		I_MOV64_REG(0, 10),               /* 4 */
		I_ALU64_IMM(BI_ADD, 0, -8),
		I_EXIT(),
	};
	RUN_FAILS(gone, NULL, 0, -EFAULT, 1, "out-of-bounds read of 8 bytes at r0+0");
	printf("bpf-to-bpf calls: registers, frames, depth limit\n");
}

/* ------------------------------------------------------------------ */
/* may_goto, budget, trace                                              */

static void test_may_goto(void)
{
	struct bpfvm_insn p[] = {
		I_MOV64_IMM(0, 0),
		I_MAY_GOTO(2),                    /* 1 */
		I_ALU64_IMM(BI_ADD, 0, 1),
		I_JA(-3),
		I_EXIT(),
	};
	struct run_result r = run_full(p, ARRAY_SIZE(p), NULL, 0, 0, RUN_PLAIN_ONLY);
	CHECK(r.rc == 0);
	CHECK_EQ_U64(r.ret, 8388608);
	CHECK_EQ_U64(r.count, 1 + 3ull * 8388608 + 2);
	/* The budget is per run: a second run gets it all again. Check the
	 * traced path (and its coverage) on a short taste. */
	struct bpfvm_insn q[] = {
		I_MOV64_IMM(0, 0),
		I_MAY_GOTO(1),
		I_MOV64_IMM(0, 1),
		I_EXIT(),
	};
	CHECK_EQ_U64(RUN_OK(q, NULL, 0), 1);
	printf("may_goto: budget %u\n", 8388608);
}

static void test_budget(void)
{
	struct bpfvm_insn spin[] = { I_MOV64_IMM(0, 0), I_JA(-1), I_EXIT() };
	struct run_result r = run_full(spin, ARRAY_SIZE(spin), NULL, 0, 1000, 0);
	CHECK(r.rc == -E2BIG);
	CHECK(err.insn == 1);
	CHECK_STR_CONTAINS(err.msg, "instruction budget of 1000 exhausted");
	CHECK_EQ_U64(r.count, 1000);

	struct bpfvm_insn three[] = { I_MOV64_IMM(0, 1), I_LD_IMM64(1, 2), I_EXIT() };
	r = run_full(three, ARRAY_SIZE(three), NULL, 0, 3, 0);
	CHECK(r.rc == 0);
	CHECK_EQ_U64(r.count, 3);
	r = run_full(three, ARRAY_SIZE(three), NULL, 0, 2, 0);
	CHECK(r.rc == -E2BIG);
	CHECK(err.insn == 3); /* the exit, after the two-slot lddw */
	CHECK_EQ_U64(r.count, 2);
	r = run_full(three, ARRAY_SIZE(three), NULL, 0, 1, 0);
	CHECK(r.rc == -E2BIG && err.insn == 1);
	r = run_full(three, ARRAY_SIZE(three), NULL, 0, 0, 0);
	CHECK(r.rc == 0 && r.count == 3);

	/* insn_count is also reported when the run fails. */
	struct bpfvm_insn oob[] = { I_MOV64_IMM(0, 0), I_LDX(BI_B, 0, 0, 0), I_EXIT() };
	r = RUN(oob, NULL, 0);
	CHECK(r.rc == -EFAULT);
	CHECK_EQ_U64(r.count, 2);
	printf("instruction budget and count\n");
}

struct trace_entry {
	size_t pc;
	uint8_t code;
	uint64_t before[BPFVM_NREGS], after[BPFVM_NREGS];
};

struct trace_log {
	size_t n;
	struct trace_entry e[64];
};

static void log_trace(void *ctx, size_t pc, const struct bpfvm_insn *insn,
		      const uint64_t before[BPFVM_NREGS], const uint64_t after[BPFVM_NREGS])
{
	struct trace_log *log = ctx;
	if (log->n >= ARRAY_SIZE(log->e))
		return;
	struct trace_entry *t = &log->e[log->n++];
	t->pc = pc;
	t->code = insn->code;
	memcpy(t->before, before, sizeof(t->before));
	memcpy(t->after, after, sizeof(t->after));
}

static void test_trace(void)
{
	struct bpfvm_insn p[] = {
		I_MOV64_IMM(0, 1),                 /* 0 */
		I_LD_IMM64(3, 0x100000000ull),     /* 1, 2 */
		I_JMP_IMM(BI_JEQ, 0, 1, 1),        /* 3 -> 5 */
		I_MOV64_IMM(0, 99),
		I_ALU64_REG(BI_ADD, 0, 3),         /* 5 */
		I_EXIT(),                          /* 6 */
	};
	struct bpfvm_prog *prog = load(p, ARRAY_SIZE(p));
	struct trace_log log = { 0 };
	uint64_t count = 0, ret = 0;
	BPFVM_OPTS(bpfvm_run_opts, opts, .trace = log_trace, .trace_ctx = &log,
		   .insn_count = &count);
	CHECK(bpfvm_prog__run(prog, NULL, 0, &opts, &ret, &err) == 0);
	CHECK_EQ_U64(ret, 0x100000001ull);
	CHECK_EQ_U64(count, 5);
	CHECK_EQ_U64(log.n, 5);
	const size_t pcs[] = { 0, 1, 3, 5, 6 };
	for (size_t i = 0; i < 5; i++) {
		CHECK_EQ_U64(log.e[i].pc, pcs[i]);
		CHECK_EQ_U64(log.e[i].code, p[pcs[i]].code);
		if (i)
			CHECK(memcmp(log.e[i].before, log.e[i - 1].after,
				     sizeof(log.e[i].before)) == 0);
	}
	CHECK_EQ_U64(log.e[0].before[0], 0);
	CHECK_EQ_U64(log.e[0].after[0], 1);
	CHECK_EQ_U64(log.e[1].before[3], 0);
	CHECK_EQ_U64(log.e[1].after[3], 0x100000000ull);
	CHECK(memcmp(log.e[2].before, log.e[2].after, sizeof(log.e[2].after)) == 0);
	CHECK_EQ_U64(log.e[3].after[0], 0x100000001ull);
	CHECK(log.e[0].before[10] != 0 && log.e[0].before[10] == log.e[4].after[10]);
	bpfvm_prog__free(prog);

	/* A failing instruction is not traced; those before it are. */
	struct bpfvm_insn f[] = { I_MOV64_IMM(0, 0), I_LDX(BI_W, 0, 0, 0), I_EXIT() };
	prog = load(f, ARRAY_SIZE(f));
	log.n = 0;
	CHECK(bpfvm_prog__run(prog, NULL, 0, &opts, &ret, &err) == -EFAULT);
	CHECK_EQ_U64(log.n, 1);
	CHECK_EQ_U64(count, 2);
	bpfvm_prog__free(prog);
	printf("trace: pcs, raw insns, registers before/after\n");
}

/* ------------------------------------------------------------------ */
/* Memory faults                                                        */

static void test_faults(void)
{
	uint8_t buf[16] = { 0 };
	char want[128];

	struct bpfvm_insn below[] = {
		I_MOV64_IMM(1, 1), I_STX(BI_DW, 10, 1, -520), I_EXIT(),
	};
	RUN_FAILS(below, NULL, 0, -EFAULT, 1, "out-of-bounds write of 8 bytes at r10-520 (0x");
	struct bpfvm_insn edge[] = {
		I_STX(BI_DW, 10, 1, -513), I_EXIT(),
	};
	RUN_FAILS(edge, NULL, 0, -EFAULT, 0, "out-of-bounds write of 8 bytes at r10-513");
	struct bpfvm_insn above[] = { I_LDX(BI_B, 0, 10, 0), I_EXIT() };
	RUN_FAILS(above, NULL, 0, -EFAULT, 0, "out-of-bounds read of 1 byte at r10+0");
	struct bpfvm_insn straddle[] = { I_LDX(BI_DW, 0, 10, -4), I_EXIT() };
	RUN_FAILS(straddle, NULL, 0, -EFAULT, 0, "out-of-bounds read of 8 bytes at r10-4");

	/* The input: the last byte is fine, one past is not. */
	struct bpfvm_insn last[] = { I_LDX(BI_W, 0, 1, 12), I_EXIT() };
	CHECK_EQ_U64(RUN_OK(last, buf, sizeof(buf)), 0);
	struct bpfvm_insn past[] = { I_MOV64_IMM(0, 0), I_LDX(BI_W, 0, 1, 13), I_EXIT() };
	snprintf(want, sizeof(want), "out-of-bounds read of 4 bytes at r1+13 (0x%" PRIx64 ")",
		 (uint64_t)(uintptr_t)buf + 13);
	RUN_FAILS(past, buf, sizeof(buf), -EFAULT, 1, want);
	struct bpfvm_insn before[] = { I_ST(BI_B, 1, -1, 0), I_EXIT() };
	RUN_FAILS(before, buf, sizeof(buf), -EFAULT, 0, "out-of-bounds write of 1 byte at r1-1");
	/* A zero-length input allows nothing. */
	RUN_FAILS(last, buf, 0, -EFAULT, 0, "out-of-bounds read of 4 bytes at r1+12");
	/* NULL input. */
	struct bpfvm_insn null[] = { I_LDX(BI_B, 0, 1, 0), I_EXIT() };
	RUN_FAILS(null, NULL, 0, -EFAULT, 0, "out-of-bounds read of 1 byte at r1+0 (0x0)");
	/* Wrapping address arithmetic. */
	struct bpfvm_insn wrap[] = {
		I_LD_IMM64(2, ALL64 - 2), I_LDX(BI_DW, 0, 2, 8), I_EXIT(),
	};
	RUN_FAILS(wrap, buf, sizeof(buf), -EFAULT, 2, "out-of-bounds read of 8 bytes at r2+8 (0x5)");
	struct bpfvm_insn wrap2[] = {
		I_MOV64_REG(2, 1), I_ALU64_IMM(BI_ADD, 2, -16), I_LD_IMM64(3, 0), I_ALU64_REG(BI_SUB, 3, 1),
		/* r3 = -mem: far outside everything */
		I_STX(BI_DW, 3, 2, 0), I_EXIT(),
	};
	RUN_FAILS(wrap2, buf, sizeof(buf), -EFAULT, 5, "out-of-bounds write of 8 bytes at r3+0");
	/* Atomics. */
	struct bpfvm_insn at[] = {
		I_MOV64_IMM(2, 1), I_ATOMIC(BI_DW, BI_ADD, 1, 2, 16), I_EXIT(),
	};
	RUN_FAILS(at, buf, sizeof(buf), -EFAULT, 1, "out-of-bounds atomic update of 8 bytes at r1+16");
	struct bpfvm_insn at_stack[] = {
		I_MOV64_IMM(2, 1), I_ATOMIC(BI_W, BI_CMPXCHG, 10, 2, 0), I_EXIT(),
	};
	RUN_FAILS(at_stack, NULL, 0, -EFAULT, 1, "out-of-bounds atomic update of 4 bytes at r10+0");
	struct bpfvm_insn rel[] = {
		I_ATOMIC(BI_B, BI_STORE_REL, 1, 2, 0), I_EXIT(),
	};
	RUN_FAILS(rel, NULL, 0, -EFAULT, 0, "out-of-bounds write of 1 byte at r1+0");
	struct bpfvm_insn acq[] = {
		I_ATOMIC(BI_DW, BI_LOAD_ACQ, 0, 10, 0), I_EXIT(),
	};
	RUN_FAILS(acq, NULL, 0, -EFAULT, 0, "out-of-bounds read of 8 bytes at r10+0");
	/* Nothing was written by any of the above. */
	for (size_t i = 0; i < sizeof(buf); i++)
		CHECK(buf[i] == 0);
	printf("memory faults: stack, input, NULL, wrap, atomics\n");
}

/* The region table on its own: a read-only region (as map values and
 * contexts will add) and the messages for it. */
static void test_regions(void)
{
	/* Gaps around the regions, so that "just past b" is in neither. */
	static struct {
		uint8_t gap0[32], a[16], gap1[32], b[8], gap2[32];
	} blocks;
	uint8_t *a = blocks.a, *b = blocks.b;
	struct mem_map m = { 0 };
	mem_set(&m, MEM_STACK, a, sizeof(blocks.a), true);
	mem_set(&m, 3, b, sizeof(blocks.b), false); /* leaves 1, 2 empty */
	CHECK(m.n == 4);
	uint64_t pa = (uint64_t)(uintptr_t)a, pb = (uint64_t)(uintptr_t)b;
	CHECK(mem_ptr(&m, pa, 16, true) == a);
	CHECK(mem_ptr(&m, pa + 1, 16, false) == NULL);
	CHECK(mem_ptr(&m, pb, 8, false) == b);
	CHECK(mem_ptr(&m, pb + 7, 1, false) == b + 7);
	CHECK(mem_ptr(&m, pb, 1, true) == NULL);
	CHECK(mem_ptr(&m, pb + 8, 1, false) == NULL);
	CHECK(mem_ptr(&m, pb - 1, 2, false) == NULL);
	CHECK(mem_ptr(&m, 0, 1, false) == NULL);
	CHECK(mem_fault(&m, &err, 7, MEM_WRITE, 4, 2, 4, pb + 4) == -EFAULT);
	CHECK(err.insn == 7);
	CHECK_STR_CONTAINS(err.msg, "write of 4 bytes to read-only memory at r2+4");
	CHECK(mem_fault(&m, &err, 8, MEM_ATOMIC, 8, 3, -8, pb + 4) == -EFAULT);
	CHECK_STR_CONTAINS(err.msg, "out-of-bounds atomic update of 8 bytes at r3-8");
	CHECK(mem_misaligned(&err, 9, 4, 1, 1, pa + 1) == -EFAULT);
	CHECK(err.insn == 9);
	CHECK_STR_CONTAINS(err.msg, "misaligned atomic access of 4 bytes at r1+1");
	printf("regions: read-only, holes, messages\n");
}

static void test_refused_at_run(void)
{
	/* Pseudo ld_imm64 forms name maps the program was not given: the
	 * load refuses them, naming the instruction. */
	for (int src = 1; src <= 6; src++) {
		struct bpfvm_insn p[] = {
			I_MOV64_IMM(0, 0),
			I_LD_IMM64_RAW(1, src, 3, 0),
			I_EXIT(),
		};
		struct bpfvm_prog *bad = NULL;
		CHECK(bpfvm_prog__load(vm, p, ARRAY_SIZE(p), NULL, &bad, &err) < 0);
		CHECK(bad == NULL && err.insn == 1);
		CHECK_STR_CONTAINS(err.msg, src == 3   ? "not supported yet"
					    : src == 4 ? "code_addr: function 5 is not an instruction"
						       : "refers to map 3, but the program was given 0 maps");
		covered[isa_lookup(&p[1]) - isa_table] = true; /* refused, rightly */
	}
	/* And if one reached the interpreter unresolved, it stops there. */
	{
		struct bpfvm_insn p[] = { I_MOV64_IMM(0, 0), I_LD_IMM64(1, 7), I_EXIT() };
		struct bpfvm_prog *prog = load(p, ARRAY_SIZE(p));
		uint64_t ret;
		prog->insns[1].id = ISA_LDDW_MAP_IDX_VALUE;
		CHECK(bpfvm_prog__run(prog, NULL, 0, NULL, &ret, &err) == -ENOTSUP);
		CHECK(err.insn == 1);
		CHECK_STR_CONTAINS(err.msg, "ld_imm64 pseudo form LDDW_MAP_IDX_VALUE (src 6)");
		bpfvm_prog__free(prog);
	}

	/* Internal impossibilities are errors, not crashes. */
	struct bpfvm_insn p[] = { I_MOV64_IMM(0, 0), I_MOV64_IMM(0, 1), I_EXIT() };
	struct bpfvm_prog *prog = load(p, ARRAY_SIZE(p));
	uint64_t ret;
	prog->insns[1].id = ISA__WIDE_HI;
	CHECK(bpfvm_prog__run(prog, NULL, 0, NULL, &ret, &err) == -EINVAL);
	CHECK(err.insn == 1);
	CHECK_STR_CONTAINS(err.msg, "internal: instruction id");
	prog->insns[1].id = 60000;
	CHECK(bpfvm_prog__run(prog, NULL, 0, NULL, &ret, &err) == -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "internal: instruction id 60000 is not a table row");
	bpfvm_prog__free(prog);
	printf("refused at run: pseudo ld_imm64, bad ids\n");
}

/* Extra regions from the run (a packet beside its context) and the packet
 * LD_ABS reads when it is not the input memory. */
static void test_run_regions(void)
{
	uint8_t pkt[8] = { 0x12, 0x34, 0x56, 0x78, 9, 9, 9, 9 };
	uint64_t ctx[1] = { (uint64_t)(uintptr_t)pkt };
	struct bpfvm_insn p[] = {
		I_LDX(BI_DW, 2, 1, 0),      /* r2 = ctx->data */
		I_LDX(BI_W, 0, 2, 0),       /* r0 = *(u32 *)data */
		I_EXIT(),
	};
	struct bpfvm_prog *prog = load(p, ARRAY_SIZE(p));
	uint64_t ret = 0;
	CHECK(bpfvm_prog__run(prog, ctx, sizeof(ctx), NULL, &ret, &err) == -EFAULT);
	CHECK(err.insn == 1);
	struct bpfvm_region r = { pkt, sizeof(pkt), false };
	BPFVM_OPTS(bpfvm_run_opts, ro, .regions = &r, .n_regions = 1);
	CHECK(bpfvm_prog__run(prog, ctx, sizeof(ctx), &ro, &ret, &err) == 0);
	CHECK_EQ_U64(ret, 0x78563412);
	struct bpfvm_region many[BPFVM_MAX_RUN_REGIONS + 1];
	BPFVM_OPTS(bpfvm_run_opts, bad, .regions = many, .n_regions = BPFVM_MAX_RUN_REGIONS + 1);
	CHECK(bpfvm_prog__run(prog, ctx, sizeof(ctx), &bad, &ret, &err) == -EINVAL);
	bpfvm_prog__free(prog);

	struct bpfvm_insn abs[] = { I_LD_ABS(BI_W, 0), I_EXIT() };
	prog = load(abs, ARRAY_SIZE(abs));
	BPFVM_OPTS(bpfvm_run_opts, po, .packet = pkt, .packet_len = sizeof(pkt));
	CHECK(bpfvm_prog__run(prog, ctx, sizeof(ctx), &po, &ret, &err) == 0);
	CHECK_EQ_U64(ret, 0x12345678); /* big-endian, from the packet */
	bpfvm_prog__free(prog);
	printf("run regions: extra regions, packet for LD_ABS\n");
}

/* Every row of the table was run (or refused at run) by some test. */
static void test_coverage(void)
{
	int missing = 0;
	for (size_t i = 0; i < ISA__COUNT; i++) {
		if (!covered[i]) {
			fprintf(stderr, "row %s was never executed\n", isa_table[i].id_name);
			missing++;
		}
	}
	CHECK(missing == 0);
	printf("coverage: all %d table rows executed\n", (int)ISA__COUNT);
}

int main(void)
{
	vm = bpfvm_vm__new(NULL);
	CHECK(vm);
	CHECK(bpfvm_vm__add_helper(vm, 1, "sum", h_sum) == 0);
	CHECK(bpfvm_vm__add_helper(vm, 2, "poke", h_poke) == 0);
	CHECK(bpfvm_vm__add_helper(vm, 3, "fail", h_fail) == 0);
	CHECK(bpfvm_vm__add_helper(vm, 4, "check", h_check) == 0);
	CHECK(bpfvm_vm__add_helper(vm, 9, "keep_r0", h_keep_r0) == 0);

	test_alu();
	test_unary();
	test_jumps();
	test_memory();
	test_ld_abs_ind();
	test_atomics();
	test_helpers();
	test_local_calls();
	test_may_goto();
	test_budget();
	test_trace();
	test_faults();
	test_regions();
	test_refused_at_run();
	test_concurrency();
	test_run_regions();
	test_coverage();

	bpfvm_vm__free(vm);
	CHECK_DONE();
}
