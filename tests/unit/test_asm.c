/*
 * test_asm.c - the assembler: exact encodings of every instruction shape in
 * both syntaxes, aliases, labels (with uBPF's implicit "exit"), the range
 * rules for numbers, and error messages with their line and column,
 * including the conformance suite's invalid_*.data programs.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "bpfvm.h"
#include "check.h"

#define U BPFVM_SYNTAX_UBPF
#define L BPFVM_SYNTAX_LLVM
#define A BPFVM_SYNTAX_AUTO

/* One slot as the 64-bit number bpf_conformance's "-- raw" uses. */
#define SLOT(code, dst, src, off, imm)                                              \
	((uint64_t)(code) | (uint64_t)(dst) << 8 | (uint64_t)(src) << 12 |          \
	 (uint64_t)(uint16_t)(int16_t)(off) << 16 | (uint64_t)(uint32_t)(int32_t)(imm) << 32)

static uint64_t pack(const struct bpfvm_insn *in)
{
	return SLOT(in->code, in->dst, in->src, in->off, in->imm);
}

static const char *syntax_name(int syntax)
{
	return syntax == U ? "ubpf" : syntax == L ? "llvm" : "auto";
}

/* Assemble text; fail the test (showing the error) unless it works. */
static struct bpfvm_insn *asm_ok(int syntax, const char *text, size_t *n)
{
	BPFVM_OPTS(bpfvm_asm_opts, opts, .syntax = (enum bpfvm_syntax)syntax, .filename = "t.s");
	struct bpfvm_insn *insns = NULL;
	struct bpfvm_error err;
	int ret = bpfvm_asm(text, strlen(text), &opts, &insns, n, &err);
	if (ret) {
		char msg[512];
		bpfvm_error__format(&err, msg, sizeof(msg));
		fprintf(stderr, "[%s] %s\n  does not assemble: %s\n", syntax_name(syntax), text, msg);
	}
	CHECK(ret == 0);
	CHECK(insns != NULL);
	return insns;
}

static void expect_slots(int syntax, const char *text, const uint64_t *want, size_t nwant)
{
	size_t n;
	struct bpfvm_insn *insns = asm_ok(syntax, text, &n);
	if (n != nwant)
		fprintf(stderr, "[%s] %s: %zu slots, expected %zu\n", syntax_name(syntax), text, n,
			nwant);
	CHECK(n == nwant);
	for (size_t i = 0; i < n; i++) {
		if (pack(&insns[i]) != want[i])
			fprintf(stderr, "[%s] %s: slot %zu is 0x%016" PRIx64 ", expected 0x%016" PRIx64 "\n",
				syntax_name(syntax), text, i, pack(&insns[i]), want[i]);
		CHECK_EQ_U64(pack(&insns[i]), want[i]);
	}
	free(insns);
}

#define EXPECT(syntax, text, ...)                                                \
	do {                                                                     \
		const uint64_t want_[] = { __VA_ARGS__ };                        \
		expect_slots(syntax, text, want_, sizeof(want_) / sizeof(want_[0])); \
	} while (0)

/* Assembling must fail at line:col with a message containing needle. */
static void expect_error_len(int syntax, const char *text, size_t len, int line, int col,
			     const char *needle)
{
	BPFVM_OPTS(bpfvm_asm_opts, opts, .syntax = (enum bpfvm_syntax)syntax, .filename = "bad.s");
	struct bpfvm_insn *insns = (struct bpfvm_insn *)&opts; /* must be reset to NULL */
	size_t n = 99;
	struct bpfvm_error err;
	int ret = bpfvm_asm(text, len, &opts, &insns, &n, &err);
	if (ret == 0 || err.line != line || err.column != col || !strstr(err.msg, needle))
		fprintf(stderr, "[%s] %s\n  -> ret %d, %d:%d: %s\n  expected %d:%d: ...%s...\n",
			syntax_name(syntax), text, ret, err.line, err.column, err.msg, line, col,
			needle);
	CHECK(ret == -EINVAL || ret == -E2BIG);
	CHECK(err.code == ret);
	CHECK(insns == NULL && n == 0);
	CHECK(!strcmp(err.file, "bad.s"));
	CHECK(err.line == line);
	CHECK(err.column == col);
	CHECK_STR_CONTAINS(err.msg, needle);
}

static void expect_error(int syntax, const char *text, int line, int col, const char *needle)
{
	expect_error_len(syntax, text, strlen(text), line, col, needle);
}

/* ------------------------------------------------------------------ */

static void test_ubpf_alu(void)
{
	EXPECT(U, "add32 %r1, 5", SLOT(0x04, 1, 0, 0, 5));
	EXPECT(U, "add %r1, %r2", SLOT(0x0f, 1, 2, 0, 0));
	EXPECT(U, "sub32 %r3, -1", SLOT(0x14, 3, 0, 0, -1));
	EXPECT(U, "mul %r9, 0x10", SLOT(0x27, 9, 0, 0, 16));
	EXPECT(U, "or32 %r0, %r10", SLOT(0x4c, 0, 10, 0, 0));
	EXPECT(U, "lsh %r1, 63", SLOT(0x67, 1, 0, 0, 63));
	EXPECT(U, "arsh32 %r1, %r2", SLOT(0xcc, 1, 2, 0, 0));
	EXPECT(U, "xor %r4, 0x7fffffff", SLOT(0xa7, 4, 0, 0, INT32_MAX));
	EXPECT(U, "mov32 %r0, 0xffffffff", SLOT(0xb4, 0, 0, 0, -1));
	EXPECT(U, "mov %r0, -0x10", SLOT(0xb7, 0, 0, 0, -16));
	EXPECT(U, "mov32 %r0, -2147483648", SLOT(0xb4, 0, 0, 0, INT32_MIN));
	EXPECT(U, "mov32 %r0, 2147483647", SLOT(0xb4, 0, 0, 0, INT32_MAX));
	EXPECT(U, "mov %r0, -0x80000000", SLOT(0xb7, 0, 0, 0, INT32_MIN));
	EXPECT(U, "mov %r1, %r2", SLOT(0xbf, 1, 2, 0, 0));
	EXPECT(U, "div %r1, 3", SLOT(0x37, 1, 0, 0, 3));
	EXPECT(U, "sdiv %r1, %r2", SLOT(0x3f, 1, 2, 1, 0));
	EXPECT(U, "sdiv32 %r1, 3", SLOT(0x34, 1, 0, 1, 3));
	EXPECT(U, "mod %r1, 7", SLOT(0x97, 1, 0, 0, 7));
	EXPECT(U, "smod %r1, 7", SLOT(0x97, 1, 0, 1, 7));
	EXPECT(U, "smod32 %r1, %r2", SLOT(0x9c, 1, 2, 1, 0));
	EXPECT(U, "neg32 %r0", SLOT(0x84, 0, 0, 0, 0));
	EXPECT(U, "neg %r5", SLOT(0x87, 5, 0, 0, 0));
	EXPECT(U, "movsx832 %r0, %r1", SLOT(0xbc, 0, 1, 8, 0));
	EXPECT(U, "movsx1632 %r0, %r1", SLOT(0xbc, 0, 1, 16, 0));
	EXPECT(U, "movsx864 %r0, %r1", SLOT(0xbf, 0, 1, 8, 0));
	EXPECT(U, "movsx1664 %r0, %r1", SLOT(0xbf, 0, 1, 16, 0));
	EXPECT(U, "movsx3264 %r0, %r1", SLOT(0xbf, 0, 1, 32, 0));
	EXPECT(U, "le16 %r1", SLOT(0xd4, 1, 0, 0, 16));
	EXPECT(U, "le64 %r1", SLOT(0xd4, 1, 0, 0, 64));
	EXPECT(U, "be32 %r1", SLOT(0xdc, 1, 0, 0, 32));
	EXPECT(U, "bswap16 %r1", SLOT(0xd7, 1, 0, 0, 16));
	EXPECT(U, "bswap64 %r3", SLOT(0xd7, 3, 0, 0, 64));
	/* Case and blanks do not matter for mnemonics and registers. */
	EXPECT(U, "\t  ADD32\t%R1 ,5  ", SLOT(0x04, 1, 0, 0, 5));
}

static void test_ubpf_jumps_calls(void)
{
	EXPECT(U, "ja +3", SLOT(0x05, 0, 0, 3, 0));
	EXPECT(U, "ja -2", SLOT(0x05, 0, 0, -2, 0));
	EXPECT(U, "ja 0x7fff", SLOT(0x05, 0, 0, 32767, 0));
	EXPECT(U, "ja -32768", SLOT(0x05, 0, 0, -32768, 0));
	EXPECT(U, "ja32 +100000", SLOT(0x06, 0, 0, 0, 100000));
	EXPECT(U, "jeq %r1, 5, +1", SLOT(0x15, 1, 0, 1, 5));
	EXPECT(U, "jne32 %r1, %r2, -1", SLOT(0x5e, 1, 2, -1, 0));
	EXPECT(U, "jsgt %r1, -1, +2", SLOT(0x65, 1, 0, 2, -1));
	EXPECT(U, "jset32 %r3, 0x80000000, +0", SLOT(0x46, 3, 0, 0, INT32_MIN));
	EXPECT(U, "jle %r1, %r2, +7", SLOT(0xbd, 1, 2, 7, 0));
	EXPECT(U, "jslt32 %r1, 3, -3", SLOT(0xc6, 1, 0, -3, 3));
	EXPECT(U, "call 5", SLOT(0x85, 0, 0, 0, 5));
	EXPECT(U, "call helper 6", SLOT(0x85, 0, 0, 0, 6));
	EXPECT(U, "call local +2", SLOT(0x85, 0, 1, 0, 2));
	EXPECT(U, "call kfunc 7", SLOT(0x85, 0, 2, 0, 7));
	EXPECT(U, "call runtime 7", SLOT(0x85, 0, 2, 0, 7));
	EXPECT(U, "call %r2", SLOT(0x8d, 2, 0, 0, 0));
	EXPECT(U, "exit", SLOT(0x95, 0, 0, 0, 0));
	EXPECT(U, "may_goto +4", SLOT(0xe5, 0, 0, 4, 0));
}

static void test_ubpf_memory(void)
{
	EXPECT(U, "lddw %r0, 0x1122334455667788", SLOT(0x18, 0, 0, 0, 0x55667788),
	       SLOT(0, 0, 0, 0, 0x11223344));
	EXPECT(U, "lddw %r1, -1", SLOT(0x18, 1, 0, 0, -1), SLOT(0, 0, 0, 0, -1));
	EXPECT(U, "lddw %r1, 18446744073709551615", SLOT(0x18, 1, 0, 0, -1),
	       SLOT(0, 0, 0, 0, -1));
	EXPECT(U, "lddw %r1, 2147483648", SLOT(0x18, 1, 0, 0, INT32_MIN), SLOT(0, 0, 0, 0, 0));
	EXPECT(U, "lddw %r2, map_by_fd(3)", SLOT(0x18, 2, 1, 0, 3), SLOT(0, 0, 0, 0, 0));
	EXPECT(U, "lddw %r2, map_val(map_by_fd(3)) + 8", SLOT(0x18, 2, 2, 0, 3),
	       SLOT(0, 0, 0, 0, 8));
	EXPECT(U, "lddw %r3, var_addr(4)", SLOT(0x18, 3, 3, 0, 4), SLOT(0, 0, 0, 0, 0));
	EXPECT(U, "lddw %r3, code_addr(5)", SLOT(0x18, 3, 4, 0, 5), SLOT(0, 0, 0, 0, 0));
	EXPECT(U, "lddw %r3, map_by_idx(6)", SLOT(0x18, 3, 5, 0, 6), SLOT(0, 0, 0, 0, 0));
	EXPECT(U, "lddw %r3, map_val(map_by_idx(6)) + 16", SLOT(0x18, 3, 6, 0, 6),
	       SLOT(0, 0, 0, 0, 16));
	EXPECT(U, "ldabsw 12", SLOT(0x20, 0, 0, 0, 12));
	EXPECT(U, "ldabsb 1", SLOT(0x30, 0, 0, 0, 1));
	EXPECT(U, "ldindb %r2, 4", SLOT(0x50, 0, 2, 0, 4));
	EXPECT(U, "ldxb %r0, [%r1]", SLOT(0x71, 0, 1, 0, 0));
	EXPECT(U, "ldxh %r0, [%r1+0x10]", SLOT(0x69, 0, 1, 16, 0));
	EXPECT(U, "ldxw %r0, [%r10-8]", SLOT(0x61, 0, 10, -8, 0));
	EXPECT(U, "ldxw %r0, [ %r10 - 8 ]", SLOT(0x61, 0, 10, -8, 0));
	EXPECT(U, "ldxdw %r0, [%r1+0xffff]", SLOT(0x79, 0, 1, -1, 0));
	EXPECT(U, "ldxdw %r0, [%r1-32768]", SLOT(0x79, 0, 1, -32768, 0));
	EXPECT(U, "ldxsw %r0, [%r1+2]", SLOT(0x81, 0, 1, 2, 0));
	EXPECT(U, "ldxsh %r0, [%r1+2]", SLOT(0x89, 0, 1, 2, 0));
	EXPECT(U, "ldxsb %r0, [%r1+2]", SLOT(0x91, 0, 1, 2, 0));
	EXPECT(U, "stb [%r1+2], 0x11", SLOT(0x72, 1, 0, 2, 0x11));
	EXPECT(U, "sth [%r10-2], 0x8001", SLOT(0x6a, 10, 0, -2, 0x8001));
	EXPECT(U, "stw [%r10-4], 0x80000001", SLOT(0x62, 10, 0, -4, (int32_t)0x80000001u));
	EXPECT(U, "stdw [%r10-8], -1", SLOT(0x7a, 10, 0, -8, -1));
	EXPECT(U, "stxb [%r1-1], %r2", SLOT(0x73, 1, 2, -1, 0));
	EXPECT(U, "stxdw [%r10-8], %r0", SLOT(0x7b, 10, 0, -8, 0));
	EXPECT(U, "lock add [%r10-8], %r1", SLOT(0xdb, 10, 1, -8, 0));
	EXPECT(U, "lock add32 [%r10-4], %r1", SLOT(0xc3, 10, 1, -4, 0));
	EXPECT(U, "lock fetch add32 [%r10-8], %r1", SLOT(0xc3, 10, 1, -8, 1));
	EXPECT(U, "lock or [%r1], %r2", SLOT(0xdb, 1, 2, 0, 0x40));
	EXPECT(U, "lock fetch and [%r1], %r2", SLOT(0xdb, 1, 2, 0, 0x51));
	EXPECT(U, "lock fetch xor [%r1+8], %r3", SLOT(0xdb, 1, 3, 8, 0xa1));
	EXPECT(U, "lock xchg [%r1], %r2", SLOT(0xdb, 1, 2, 0, 0xe1));
	EXPECT(U, "lock cmpxchg32 [%r10-8], %r1", SLOT(0xc3, 10, 1, -8, 0xf1));
	EXPECT(U, "ldacqw %r1, [%r2+4]", SLOT(0xc3, 1, 2, 4, 0x100));
	EXPECT(U, "ldacqdw %r1, [%r2]", SLOT(0xdb, 1, 2, 0, 0x100));
	EXPECT(U, "strelb [%r1], %r2", SLOT(0xd3, 1, 2, 0, 0x110));
	EXPECT(U, "strelh [%r1-2], %r2", SLOT(0xcb, 1, 2, -2, 0x110));
}

static void test_ubpf_aliases(void)
{
	EXPECT(U, "swap16 %r1", SLOT(0xd7, 1, 0, 0, 16));
	EXPECT(U, "swap32 %r2", SLOT(0xd7, 2, 0, 0, 32));
	EXPECT(U, "swap64 %r3", SLOT(0xd7, 3, 0, 0, 64));
}

static void test_llvm(void)
{
	EXPECT(L, "w1 += 5", SLOT(0x04, 1, 0, 0, 5));
	EXPECT(L, "r1 += r2", SLOT(0x0f, 1, 2, 0, 0));
	EXPECT(L, "r1 += -8", SLOT(0x07, 1, 0, 0, -8));
	EXPECT(L, "w0 = 5", SLOT(0xb4, 0, 0, 0, 5));
	EXPECT(L, "r0 = -1", SLOT(0xb7, 0, 0, 0, -1));
	EXPECT(L, "w1 = w2", SLOT(0xbc, 1, 2, 0, 0));
	EXPECT(L, "r9 <<= 32", SLOT(0x67, 9, 0, 0, 32));
	EXPECT(L, "r9 s>>= r1", SLOT(0xcf, 9, 1, 0, 0));
	EXPECT(L, "w1 >>= 3", SLOT(0x74, 1, 0, 0, 3));
	EXPECT(L, "r9 |= r8", SLOT(0x4f, 9, 8, 0, 0));
	EXPECT(L, "w1 &= 255", SLOT(0x54, 1, 0, 0, 255));
	EXPECT(L, "r1 ^= r2", SLOT(0xaf, 1, 2, 0, 0));
	EXPECT(L, "r1 *= r2", SLOT(0x2f, 1, 2, 0, 0));
	EXPECT(L, "w1 /= w2", SLOT(0x3c, 1, 2, 0, 0));
	EXPECT(L, "r1 %= 10", SLOT(0x97, 1, 0, 0, 10));
	EXPECT(L, "r1 -= r2", SLOT(0x1f, 1, 2, 0, 0));
	EXPECT(L, "w0 = -w0", SLOT(0x84, 0, 0, 0, 0));
	EXPECT(L, "r0 = -r0", SLOT(0x87, 0, 0, 0, 0));
	EXPECT(L, "r1 s/= r2", SLOT(0x3f, 1, 2, 1, 0));
	EXPECT(L, "w1 s%= 3", SLOT(0x94, 1, 0, 1, 3));
	EXPECT(L, "w0 = (s8)w1", SLOT(0xbc, 0, 1, 8, 0));
	EXPECT(L, "r0 = (s16)r1", SLOT(0xbf, 0, 1, 16, 0));
	EXPECT(L, "r0 = (s32)r1", SLOT(0xbf, 0, 1, 32, 0));
	EXPECT(L, "r0 = be16 r0", SLOT(0xdc, 0, 0, 0, 16));
	EXPECT(L, "r6 = le64 r6", SLOT(0xd4, 6, 0, 0, 64));
	EXPECT(L, "r0 = bswap32 r0", SLOT(0xd7, 0, 0, 0, 32));
	EXPECT(L, "goto +3", SLOT(0x05, 0, 0, 3, 0));
	EXPECT(L, "goto -25 <LBB0_7>", SLOT(0x05, 0, 0, -25, 0));
	EXPECT(L, "goto +0 <prog+0x10>", SLOT(0x05, 0, 0, 0, 0));
	EXPECT(L, "gotol +70000", SLOT(0x06, 0, 0, 0, 70000));
	EXPECT(L, "if r1 > 5 goto +3", SLOT(0x25, 1, 0, 3, 5));
	EXPECT(L, "if w1 s> w2 goto -4", SLOT(0x6e, 1, 2, -4, 0));
	EXPECT(L, "if r1 & r2 goto +1", SLOT(0x4d, 1, 2, 1, 0));
	EXPECT(L, "if w1 == 0 goto +3 <LBB0_3>", SLOT(0x16, 1, 0, 3, 0));
	EXPECT(L, "if r1 < r2 goto +3 <LBB0_3>", SLOT(0xad, 1, 2, 3, 0));
	EXPECT(L, "if w3 s<= -1 goto +1", SLOT(0xd6, 3, 0, 1, -1));
	EXPECT(L, "if r1 != r2 goto -1", SLOT(0x5d, 1, 2, -1, 0));
	EXPECT(L, "call 5", SLOT(0x85, 0, 0, 0, 5));
	EXPECT(L, "call pc+2", SLOT(0x85, 0, 1, 0, 2));
	EXPECT(L, "call pc-3", SLOT(0x85, 0, 1, 0, -3));
	EXPECT(L, "call kfunc 9", SLOT(0x85, 0, 2, 0, 9));
	EXPECT(L, "callx r2", SLOT(0x8d, 2, 0, 0, 0));
	EXPECT(L, "exit", SLOT(0x95, 0, 0, 0, 0));
	EXPECT(L, "may_goto +2", SLOT(0xe5, 0, 0, 2, 0));
	EXPECT(L, "r0 = 1234 ll", SLOT(0x18, 0, 0, 0, 1234), SLOT(0, 0, 0, 0, 0));
	EXPECT(L, "r0 = -1 ll", SLOT(0x18, 0, 0, 0, -1), SLOT(0, 0, 0, 0, -1));
	EXPECT(L, "r1 = map_by_fd(3) ll", SLOT(0x18, 1, 1, 0, 3), SLOT(0, 0, 0, 0, 0));
	EXPECT(L, "r1 = map_val(map_by_idx(2)) + 4 ll", SLOT(0x18, 1, 6, 0, 2),
	       SLOT(0, 0, 0, 0, 4));
	EXPECT(L, "r0 = *(u32 *)skb[12]", SLOT(0x20, 0, 0, 0, 12));
	EXPECT(L, "r0 = *(u8 *)skb[r2 + 4]", SLOT(0x50, 0, 2, 0, 4));
	EXPECT(L, "r0 = *(u32 *)(r1 + 4)", SLOT(0x61, 0, 1, 4, 0));
	EXPECT(L, "r2 = *(u64 *)(r10 - 40)", SLOT(0x79, 2, 10, -40, 0));
	EXPECT(L, "r0 = *(s16 *)(r1 + 0)", SLOT(0x89, 0, 1, 0, 0));
	EXPECT(L, "*(u64 *)(r10 - 8) = r1", SLOT(0x7b, 10, 1, -8, 0));
	EXPECT(L, "*(u8 *)(r1 + 2) = 17", SLOT(0x72, 1, 0, 2, 17));
	EXPECT(L, "lock *(u64 *)(r10 - 8) += r1", SLOT(0xdb, 10, 1, -8, 0));
	EXPECT(L, "lock *(u32 *)(r10 - 8) += w1", SLOT(0xc3, 10, 1, -8, 0));
	EXPECT(L, "lock *(u64 *)(r1 + 0) |= r2", SLOT(0xdb, 1, 2, 0, 0x40));
	EXPECT(L, "r1 = atomic_fetch_add((u64 *)(r10 - 8), r1)", SLOT(0xdb, 10, 1, -8, 1));
	EXPECT(L, "w1 = atomic_fetch_and((u32 *)(r10 - 8), w1)", SLOT(0xc3, 10, 1, -8, 0x51));
	EXPECT(L, "r0 = cmpxchg_64(r10 - 8, r0, r1)", SLOT(0xdb, 10, 1, -8, 0xf1));
	EXPECT(L, "w0 = cmpxchg32_32(r10 - 8, w0, w1)", SLOT(0xc3, 10, 1, -8, 0xf1));
	EXPECT(L, "r1 = xchg_64(r10 - 8, r1)", SLOT(0xdb, 10, 1, -8, 0xe1));
	EXPECT(L, "w1 = xchg32_32(r10 - 8, w1)", SLOT(0xc3, 10, 1, -8, 0xe1));
	EXPECT(L, "w1 = load_acquire((u32 *)(r2 + 4))", SLOT(0xc3, 1, 2, 4, 0x100));
	EXPECT(L, "store_release((u64 *)(r1 + 0), r2)", SLOT(0xdb, 1, 2, 0, 0x110));
	/* Comments in every style llvm-objdump and humans use. */
	EXPECT(L, "r0 = 1 ; comment", SLOT(0xb7, 0, 0, 0, 1));
	EXPECT(L, "r0 = 1 // comment", SLOT(0xb7, 0, 0, 0, 1));
	EXPECT(L, "r0 = 1 # comment", SLOT(0xb7, 0, 0, 0, 1));
}

static void test_llvm_aliases(void)
{
	/* alu32 spellings of the same loads and stores, and LLVM 14 forms. */
	EXPECT(L, "w0 = *(u32 *)(r1 + 4)", SLOT(0x61, 0, 1, 4, 0));
	EXPECT(L, "w0 = *(u16 *)(r1 + 4)", SLOT(0x69, 0, 1, 4, 0));
	EXPECT(L, "w0 = *(u8 *)(r1 + 4)", SLOT(0x71, 0, 1, 4, 0));
	EXPECT(L, "*(u32 *)(r10 - 4) = w1", SLOT(0x63, 10, 1, -4, 0));
	EXPECT(L, "*(u16 *)(r10 - 4) = w1", SLOT(0x6b, 10, 1, -4, 0));
	EXPECT(L, "*(u8 *)(r10 - 4) = w1", SLOT(0x73, 10, 1, -4, 0));
	EXPECT(L, "lock *(u32 *)(r10 - 8) += r1", SLOT(0xc3, 10, 1, -8, 0));
	EXPECT(L, "r0 = *(u16 *)skb[r3]", SLOT(0x48, 0, 3, 0, 0));
}

static void test_auto_and_raw(void)
{
	/* AUTO decides per line, so the syntaxes may even be mixed. */
	EXPECT(A, "mov %r0, 1\nr0 += 2\nexit\n", SLOT(0xb7, 0, 0, 0, 1),
	       SLOT(0x07, 0, 0, 0, 2), SLOT(0x95, 0, 0, 0, 0));
	EXPECT(A, "lock *(u64 *)(r10 - 8) += r1\nlock add [%r10-8], %r1",
	       SLOT(0xdb, 10, 1, -8, 0), SLOT(0xdb, 10, 1, -8, 0));
	/* The raw directive reads in every syntax, any bytes at all. */
	EXPECT(U, ".insn 0x8e, 1, 2, -3, 0xffffffff", SLOT(0x8e, 1, 2, -3, -1));
	EXPECT(L, ".insn 0x95, 15, 15, 0xffff, -2147483648", SLOT(0x95, 15, 15, -1, INT32_MIN));
	EXPECT(A, ".insn 0, 0, 0, 0, 0 ; a comment", SLOT(0, 0, 0, 0, 0));
	/* CRLF line ends, and a text that is not NUL-terminated. */
	EXPECT(A, "mov %r0, 1\r\nexit\r\n", SLOT(0xb7, 0, 0, 0, 1), SLOT(0x95, 0, 0, 0, 0));
	size_t n;
	struct bpfvm_insn *insns = NULL;
	struct bpfvm_error err;
	CHECK(bpfvm_asm("exit\ngarbage!", 5, NULL, &insns, &n, &err) == 0);
	CHECK(n == 1 && insns[0].code == 0x95);
	free(insns);
}

static void test_labels(void)
{
	EXPECT(U,
	       "  mov %r0, 0\n"
	       "loop:\n"
	       "  add %r0, 1      # back edge\n"
	       "  jlt %r0, 10, loop\n"
	       "  ja end\n"
	       "  mov %r0, 99\n"
	       "end: exit\n",
	       SLOT(0xb7, 0, 0, 0, 0), SLOT(0x07, 0, 0, 0, 1), SLOT(0xa5, 0, 0, -2, 10),
	       SLOT(0x05, 0, 0, 1, 0), SLOT(0xb7, 0, 0, 0, 99), SLOT(0x95, 0, 0, 0, 0));
	/* The first exit is an implicit label "exit". */
	EXPECT(U,
	       "jne %r1, %r0, exit\n"
	       "mov %r0, 1\n"
	       "exit\n"
	       "mov %r0, 2\n"
	       "exit\n",
	       SLOT(0x5d, 1, 0, 1, 0), SLOT(0xb7, 0, 0, 0, 1), SLOT(0x95, 0, 0, 0, 0),
	       SLOT(0xb7, 0, 0, 0, 2), SLOT(0x95, 0, 0, 0, 0));
	/* ...unless the program defines "exit" itself. */
	EXPECT(U,
	       "ja exit\n"
	       "exit\n"
	       "exit:\n"
	       "exit\n",
	       SLOT(0x05, 0, 0, 1, 0), SLOT(0x95, 0, 0, 0, 0), SLOT(0x95, 0, 0, 0, 0));
	/* Labels count slots: lddw takes two. ja32 and call local use imm. */
	EXPECT(U,
	       "ja32 over\n"
	       "lddw %r0, 1\n"
	       "over: call local f\n"
	       "exit\n"
	       "f: exit\n",
	       SLOT(0x06, 0, 0, 0, 2), SLOT(0x18, 0, 0, 0, 1), SLOT(0, 0, 0, 0, 0),
	       SLOT(0x85, 0, 1, 0, 1), SLOT(0x95, 0, 0, 0, 0), SLOT(0x95, 0, 0, 0, 0));
	/* LLVM labels as llvm-objdump names them; several on one line. */
	EXPECT(L,
	       "if r1 == 0 goto LBB0_3\n"
	       "r0 = 1\n"
	       "LBB0_3: LBB0_4:\n"
	       "gotol LBB0_4\n"
	       "call pc-2\n"
	       "exit\n",
	       SLOT(0x15, 1, 0, 1, 0), SLOT(0xb7, 0, 0, 0, 1), SLOT(0x06, 0, 0, 0, -1),
	       SLOT(0x85, 0, 1, 0, -2), SLOT(0x95, 0, 0, 0, 0));
	/* A label at the very end is the slot after the last one. */
	EXPECT(U, "ja end\nexit\nend:\n", SLOT(0x05, 0, 0, 1, 0), SLOT(0x95, 0, 0, 0, 0));
}

static void test_empty(void)
{
	static const char *const empties[] = { "", "\n\n", "# only a comment\n", "a:\nb:" };
	for (size_t i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
		struct bpfvm_insn *insns = NULL;
		size_t n = 7;
		struct bpfvm_error err;
		CHECK(bpfvm_asm(empties[i], strlen(empties[i]), NULL, &insns, &n, &err) == 0);
		CHECK(n == 0 && insns != NULL);
		free(insns);
	}
}

/* ------------------------------------------------------------ errors */

static void test_errors(void)
{
	expect_error(U, "mov32 %r0, 2147483648", 1, 12,
		     "immediate 2147483648 does not fit in 32 bits (decimal range -2147483648..2147483647)");
	expect_error(U, "mov32 %r0, -2147483649", 1, 12, "does not fit in 32 bits");
	expect_error(U, "mov32 %r0, 0x100000000", 1, 12, "immediate 0x100000000 does not fit in 32 bits");
	expect_error(U, "mov32 %r0, -0x80000001", 1, 12, "does not fit in 32 bits");
	expect_error(U, "ldxb %r0, [%r1+0x10000]", 1, 16, "offset 0x10000 does not fit in 16 bits");
	expect_error(U, "ldxb %r0, [%r1+32768]", 1, 16, "offset 32768 does not fit in 16 bits");
	expect_error(U, "ja +40000", 1, 5, "jump offset 40000 does not fit in 16 bits");
	expect_error(U, "lddw %r0, 0x10000000000000000", 1, 11, "does not fit in 64 bits");
	expect_error(U, "mov %r1, 0x1g", 1, 10, "invalid number '0x1g'");
	expect_error(U, "or %r0, %r50", 1, 9, "expected a register %r0..%r10, found '%r50'");
	expect_error(U, "mov %r11, 1", 1, 5, "found '%r11'");
	expect_error(U, "mov %rax, 1", 1, 5, "found '%rax'");
	expect_error(L, "r11 = 1", 1, 1, "expected a register r0..r10, found 'r11'");
	expect_error(L, "r0 = be16 r1", 1, 11, "expected r0 again");
	expect_error(U, "ldxq %r0, %r1", 1, 1, "unknown mnemonic 'ldxq'");
	expect_error(U, "ldxb %r0, %r1", 1, 11, "expected a memory operand [%rN+off], found '%r1'");
	expect_error(U, "ldxw %r1, [%r2+4", 1, 17, "expected ']', found end of line");
	expect_error(U, "lddw %r0", 1, 9, "lddw expects 2 operands, found 1");
	expect_error(U, "add %r1, 5, 6", 1, 13, "add expects 2 operands, found 3");
	expect_error(U, "exit 1", 1, 6, "exit expects 0 operands, found 1");
	expect_error(U, "call local", 1, 11, "call local expects 1 operand, found 0");
	expect_error(U, "lock or [%r10-8]", 1, 17, "lock or expects 2 operands, found 1");
	expect_error(U, "lock", 1, 5, "incomplete mnemonic 'lock'");
	expect_error(U, "lock foo [%r1], %r2", 1, 6, "unknown mnemonic 'lock foo'");
	expect_error(U, "mov32 %r0, 1 2", 1, 14, "expected end of line, found '2'");
	expect_error(L, "r0 = *(u32 *)(r1 + 4", 1, 21, "expected ')', found end of line");
	expect_error(L, "if r1 > 5 goto", 1, 15, "expected a jump target");
	expect_error(L, "r0 = 5 <junk>", 1, 8, "found '<'");
	expect_error(A, "foo", 1, 1, "unknown mnemonic 'foo'");
	expect_error(U, "r0 = 5", 1, 1, "this is LLVM syntax");
	expect_error(L, "mov %r0, 5", 1, 1, "this is uBPF syntax");
	expect_error(A, "mov %r1, @", 1, 10, "unexpected character '@'");
	expect_error_len(A, "mov %r0, 1\0", 11, 1, 11, "unexpected byte 0x00");
	expect_error(A, ".insn 0x100, 0, 0, 0, 0", 1, 7, "opcode 0x100 is out of range");
	expect_error(A, ".insn 0x8e, 16, 0, 0, 0", 1, 13, "register number 16 is out of range");
	expect_error(A, ".insn 0x8e, 1, 0", 1, 17, "expected ','");
	/* Labels. */
	expect_error(U, "ja NOT_A_LABEL\nexit", 1, 4, "undefined label 'NOT_A_LABEL'");
	expect_error(U, "a:\nexit\n  a:\n", 3, 3, "duplicate label 'a' (first defined on line 1)");
	expect_error(L, "goto exit", 1, 6, "undefined label 'exit'");
	/* A label too far for a 16-bit offset. */
	size_t filler = 33000, len = 0;
	char *big = malloc(16 + filler * 11 + 16);
	CHECK(big != NULL);
	len += (size_t)sprintf(big, "ja far\n");
	for (size_t i = 0; i < filler; i++)
		len += (size_t)sprintf(big + len, "mov %%r0, 0\n");
	len += (size_t)sprintf(big + len, "far: exit\n");
	expect_error_len(U, big, len, 1, 4, "does not fit in 16 bits");
	free(big);
	/* A line with too many tokens. */
	char many[400] = "mov %r0";
	for (int i = 0; i < 80; i++)
		strcat(many, ",1");
	expect_error(U, many, 1, 70, "too many tokens");
}

static void test_api_errors(void)
{
	struct bpfvm_insn *insns = NULL;
	size_t n;
	struct bpfvm_error err;

	CHECK(bpfvm_asm("exit", 4, NULL, NULL, &n, &err) == -EINVAL);
	CHECK(bpfvm_asm("exit", 4, NULL, &insns, NULL, &err) == -EINVAL);
	CHECK(bpfvm_asm(NULL, 4, NULL, &insns, &n, &err) == -EINVAL);
	CHECK(bpfvm_asm(NULL, 0, NULL, &insns, &n, NULL) == 0);
	free(insns);

	struct {
		struct bpfvm_asm_opts o;
		int extra;
	} big = { .o = { .sz = sizeof(big) }, .extra = 1 };
	CHECK(bpfvm_asm("exit", 4, &big.o, &insns, &n, &err) == -EINVAL);
	CHECK(insns == NULL);
	big.extra = 0;
	CHECK(bpfvm_asm("exit", 4, &big.o, &insns, &n, &err) == 0);
	free(insns);
	struct bpfvm_asm_opts bad = { .sz = 2 };
	CHECK(bpfvm_asm("exit", 4, &bad, &insns, &n, &err) == -EINVAL);
	BPFVM_OPTS(bpfvm_asm_opts, weird, .syntax = (enum bpfvm_syntax)7);
	CHECK(bpfvm_asm("exit", 4, &weird, &insns, &n, &err) == -EINVAL);
	/* Without a filename, errors say "<input>". */
	CHECK(bpfvm_asm("bogus", 5, NULL, &insns, &n, &err) == -EINVAL);
	CHECK(!strcmp(err.file, "<input>") && err.line == 1 && err.column == 1);
}

/* ------------------------------------------ conformance invalid_*.data */

/* The "-- asm" section of a .data file, malloc()ed. */
static char *asm_section(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	char *out = NULL;
	bool in = false;

	*len = 0;
	if (!f)
		return NULL;
	out = calloc(1, 1);
	while (out && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "-- ", 3)) {
			in = !strncmp(line + 3, "asm", 3);
			continue;
		}
		if (!in)
			continue;
		size_t k = strlen(line);
		char *p = realloc(out, *len + k + 1);
		if (!p) {
			free(out);
			out = NULL;
			break;
		}
		out = p;
		memcpy(out + *len, line, k + 1);
		*len += k;
	}
	fclose(f);
	return out;
}

static void test_negative_files(void)
{
	static const struct {
		const char *name;
		int line, col;
		const char *needle;
	} cases[] = {
		{ "invalid_imm32_dec_range", 2, 12, "immediate 2147483648 does not fit in 32 bits" },
		{ "invalid_imm32_hex_range", 2, 12, "immediate 0x100000000 does not fit in 32 bits" },
		{ "invalid_label", 1, 4, "undefined label 'NOT_A_LABEL'" },
		{ "invalid_lock", 1, 17, "lock or expects 2 operands, found 1" },
		{ "invalid_lock2", 1, 5, "incomplete mnemonic 'lock'" },
		{ "invalid_mnemonic", 2, 1, "unknown mnemonic 'ldxq'" },
		{ "invalid_offset", 1, 11, "expected a memory operand" },
		{ "invalid_offset_range", 2, 16, "offset 0x10000 does not fit in 16 bits" },
		{ "invalid_operand_count", 1, 9, "lddw expects 2 operands, found 1" },
		{ "invalid_register", 1, 9, "expected a register %r0..%r10, found '%r50'" },
		/* invalid_unknown_directive: its asm section is empty once the
		 * "-- Unknown directive" line is read as a section header. */
	};
	char path[1024];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		snprintf(path, sizeof(path), "%s/conformance/negative/%s.data", BPFVM_SHARED_DIR,
			 cases[i].name);
		char *text = asm_section(path, &len);
		if (!text)
			fprintf(stderr, "cannot read %s\n", path);
		CHECK(text != NULL);
		expect_error_len(A, text, len, cases[i].line, cases[i].col, cases[i].needle);
		expect_error_len(U, text, len, cases[i].line, cases[i].col, cases[i].needle);
		free(text);
	}
}

int main(void)
{
	test_ubpf_alu();
	test_ubpf_jumps_calls();
	test_ubpf_memory();
	test_ubpf_aliases();
	test_llvm();
	test_llvm_aliases();
	test_auto_and_raw();
	test_labels();
	test_empty();
	test_errors();
	test_api_errors();
	test_negative_files();
	CHECK_DONE();
}
