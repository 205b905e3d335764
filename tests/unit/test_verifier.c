/*
 * test_verifier.c - the verifier's verdicts on small programs.
 *
 * Each row is a program built with insn_build.h, the ctx size it runs
 * with, and its expected verdict: accepted, or refused with an errno at an
 * exact instruction with a key phrase of the message. Maps (by index in
 * every program's map list): 0 hash key 8 value 16; 1 array key 4 value
 * 48 x4; 2 ringbuf 4096; 3 array key 4 value 64 x1 (direct value access);
 * 4 prog array x4.
 *
 * Soundness: every accepted program is also run by the checked
 * interpreter on ctx memory of the declared size and must not fault.
 * Last, a long straight-line program with 2,000 branches measures pruning.
 */
#include <errno.h>
#include <time.h>

#include "check.h"
#include "insn_build.h"
#include "prog/prog.h"
#include "verifier/verifier.h"

#define P(...)                                                   \
	(const struct bpfvm_insn[]){ __VA_ARGS__ },              \
		sizeof((const struct bpfvm_insn[]){ __VA_ARGS__ }) / \
			sizeof(struct bpfvm_insn)

struct vt {
	const char *name;
	const struct bpfvm_insn *insns;
	size_t n;
	uint32_t ctx;
	int code;        /* 0: accepted */
	long insn;       /* refused at */
	const char *msg; /* key phrase */
};

#define OK(NAME, CTX, ...) { NAME, P(__VA_ARGS__), CTX, 0, -1, NULL }
#define NO(NAME, CTX, CODE, INSN, MSG, ...) { NAME, P(__VA_ARGS__), CTX, CODE, INSN, MSG }

/* Shorthands. */
#define MOV(d, i) I_MOV64_IMM(d, i)
#define MOVR(d, s) I_MOV64_REG(d, s)
#define ADD(d, i) I_ALU64_IMM(BI_ADD, d, i)
#define EXIT I_EXIT()
#define LDMAP(r, idx) I_LD_IMM64_RAW(r, BI_PSEUDO_MAP_FD, idx, 0)
#define LDMAPVAL(r, idx, off) I_LD_IMM64_RAW(r, 2, idx, off)
/* key 0 at r10-8 (8 bytes), r2 = r10-8, r1 = map idx, call lookup: 6 slots */
#define LOOKUP8(idx) I_ST(BI_DW, 10, -8, 0), MOVR(2, 10), ADD(2, -8), LDMAP(1, idx), I_CALL(1)
/* key 0 at r10-4 (4 bytes) */
#define LOOKUP4(idx) I_ST(BI_W, 10, -4, 0), MOVR(2, 10), ADD(2, -4), LDMAP(1, idx), I_CALL(1)

static const struct vt tests[] = {
	/* ---- basics, exit */
	OK("mov and exit", 0, MOV(0, 0), EXIT),
	NO("r0 not set at exit", 0, -EACCES, 0, "r0 is not initialised at exit", EXIT),
	NO("uninitialised source register", 0, -EACCES, 0, "r3 is not initialised", MOVR(0, 3), EXIT),
	NO("uninitialised alu destination", 0, -EACCES, 0, "r0 is not initialised",
	   ADD(0, 1), EXIT),
	NO("uninitialised jump operand", 0, -EACCES, 1, "r4 is not initialised", MOV(0, 0),
	   I_JMP_IMM(BI_JEQ, 4, 0, 0), EXIT),
	OK("r2 holds the ctx size", 8, MOVR(0, 2), EXIT),
	NO("main returns a pointer", 0, -EACCES, 1, "must return a scalar", MOVR(0, 10), EXIT),
	NO("ld_abs is for packet programs", 0, -EACCES, 0, "legacy packet loads",
	   I_LD_ABS(BI_B, 0), EXIT),

	/* ---- stack */
	OK("stack write and read", 0, I_ST(BI_DW, 10, -8, 1), I_LDX(BI_DW, 0, 10, -8), EXIT),
	OK("stack byte write and read", 0, I_ST(BI_B, 10, -1, 5), I_LDX(BI_B, 0, 10, -1), EXIT),
	OK("stack at the bottom of the frame", 0, I_ST(BI_DW, 10, -512, 1),
	   I_LDX(BI_DW, 0, 10, -512), EXIT),
	OK("stack via a derived pointer", 0, MOVR(2, 10), ADD(2, -16), I_ST(BI_DW, 2, 8, 1),
	   I_LDX(BI_DW, 0, 10, -8), EXIT),
	OK("stack zero bytes read back as 0", 0, I_ST(BI_W, 10, -4, 0), I_LDX(BI_W, 0, 10, -4),
	   I_JMP_IMM(BI_JEQ, 0, 0, 1), I_LDX(BI_DW, 0, 3, 0), EXIT),
	/* stack never written reads as unknown, as the kernel lets root
	 * (test_uninit_stack.c: the verdicts' details and the runs) */
	OK("uninitialised stack read", 0, I_LDX(BI_DW, 0, 10, -8), EXIT),
	OK("partly initialised stack read", 0, I_ST(BI_W, 10, -8, 0), I_LDX(BI_DW, 0, 10, -8),
	   EXIT),
	NO("stack read below the frame", 0, -EACCES, 0,
	   "read of 4 bytes at r10-516 is below the 512-byte stack frame",
	   I_LDX(BI_W, 0, 10, -516), EXIT),
	NO("stack write below the frame via pointer", 0, -EACCES, 2, "below the 512-byte stack",
	   MOVR(2, 10), ADD(2, -520), I_ST(BI_DW, 2, 0, 0), MOV(0, 0), EXIT),
	NO("stack write at r10", 0, -EACCES, 0, "above the stack frame", I_ST(BI_DW, 10, 0, 0),
	   MOV(0, 0), EXIT),
	NO("stack write straddling r10", 0, -EACCES, 0, "above the stack frame",
	   I_ST(BI_DW, 10, -4, 0), MOV(0, 0), EXIT),
	/* nothing is unsigned-below 0: not even a pointer (fuzz_jit found the
	 * verifier walking this loop to its budget) */
	OK("pointer u< 0 is never taken", 0, MOVR(1, 10), ADD(1, -8), ADD(1, 1),
	   I_JMP_IMM(BI_JLT, 1, 0, -2), MOV(0, 0), EXIT),
	/* pop and peek write their value: it need not be set, and a pointer
	 * spilled there is a pointer no more */
	OK("pop into unwritten stack", 0, MOVR(2, 10), ADD(2, -8), LDMAP(1, 5), I_CALL(88),
	   I_LDX(BI_DW, 0, 10, -8), EXIT),
	NO("pop over a spilled pointer", 0, -EACCES, 10, "scalar",
	   I_ST(BI_DW, 10, -16, 0), MOVR(3, 10), ADD(3, -16), I_STX(BI_DW, 10, 3, -8),
	   MOVR(2, 10), ADD(2, -8), LDMAP(1, 5), I_CALL(89), I_LDX(BI_DW, 1, 10, -8),
	   I_LDX(BI_DW, 0, 1, 0), EXIT),
	/* even 0 bytes at r10 + 0, as the kernel (found by difftest) */
	NO("zero-size helper memory at r10", 0, -EACCES, 3,
	   "of 0 bytes at r10+0 is above the stack frame",
	   MOVR(1, 10), MOV(2, 0), MOV(3, 0), I_CALL(4), EXIT),
	NO("misaligned stack access", 0, -EACCES, 0, "misaligned stack access",
	   I_ST(BI_W, 10, -6, 0), MOV(0, 0), EXIT),
	NO("variable stack offset past the top", 4, -EACCES, 3, "may fall above the stack frame",
	   I_LDX(BI_B, 3, 1, 0), MOVR(2, 10), I_ALU64_REG(BI_ADD, 2, 3), I_ST(BI_B, 2, -8, 0),
	   MOV(0, 0), EXIT),
	/* a[i] on the stack, as the kernel allows root */
	OK("stack write and read at a bounded variable offset", 4, I_LDX(BI_B, 3, 1, 0),
	   I_ALU64_IMM(BI_AND, 3, 15), MOVR(2, 10), ADD(2, -16), I_ALU64_REG(BI_ADD, 2, 3),
	   I_ST(BI_B, 2, 0, 7), I_LDX(BI_B, 0, 2, 0), EXIT),
	OK("8-byte stack accesses at an aligned variable offset", 4, I_LDX(BI_B, 3, 1, 0),
	   I_ALU64_IMM(BI_AND, 3, 24), MOVR(2, 10), ADD(2, -32), I_ALU64_REG(BI_ADD, 2, 3),
	   I_STX(BI_DW, 2, 1, 0), I_LDX(BI_DW, 0, 2, 0), EXIT),
	NO("variable stack offset below the frame", 4, -EACCES, 5, "may fall below the 512-byte",
	   I_LDX(BI_B, 3, 1, 0), I_ALU64_IMM(BI_AND, 3, 15), MOVR(2, 10), ADD(2, -520),
	   I_ALU64_REG(BI_ADD, 2, 3), I_ST(BI_B, 2, 0, 7), MOV(0, 0), EXIT),
	NO("variable stack offset misaligned", 4, -EACCES, 5, "may not be aligned",
	   I_LDX(BI_B, 3, 1, 0), I_ALU64_IMM(BI_AND, 3, 7), MOVR(2, 10), ADD(2, -16),
	   I_ALU64_REG(BI_ADD, 2, 3), I_ST(BI_H, 2, 0, 7), MOV(0, 0), EXIT),
	NO("variable stack offset unbounded", 4, -EACCES, 4, "unbounded variable offset",
	   I_LDX(BI_W, 3, 1, 0), MOVR(2, 10), ADD(2, -16),
	   I_ALU64_REG(BI_ADD, 2, 3), I_ST(BI_B, 2, 0, 7), MOV(0, 0), EXIT),

	/* ---- spills */
	OK("spill and fill keeps the ctx pointer", 4, I_STX(BI_DW, 10, 1, -8),
	   I_LDX(BI_DW, 2, 10, -8), I_LDX(BI_B, 0, 2, 0), EXIT),
	OK("spill keeps a constant", 0, MOV(3, 40), I_STX(BI_DW, 10, 3, -16),
	   LOOKUP4(1), I_JMP_IMM(BI_JEQ, 0, 0, 4), I_LDX(BI_DW, 3, 10, -16),
	   I_ALU64_REG(BI_ADD, 0, 3), I_LDX(BI_DW, 0, 0, 0), EXIT, MOV(0, 0), EXIT),
	NO("narrow fill of a spilled pointer", 4, -EACCES, 1, "invalid size of register fill",
	   I_STX(BI_DW, 10, 1, -8), I_LDX(BI_W, 0, 10, -8), EXIT),
	NO("narrow spill of a pointer", 4, -EACCES, 0, "invalid size of register spill",
	   I_STX(BI_W, 10, 1, -8), MOV(0, 0), EXIT),
	NO("overwritten spill is no pointer", 4, -EACCES, 3, "r2 is a scalar, not a pointer",
	   I_STX(BI_DW, 10, 1, -8), I_ST(BI_B, 10, -8, 0), I_LDX(BI_DW, 2, 10, -8),
	   I_LDX(BI_B, 0, 2, 0), EXIT),

	/* ---- ctx (raw type) */
	OK("ctx read in bounds", 16, I_LDX(BI_W, 0, 1, 12), EXIT),
	OK("ctx write in bounds", 16, I_ST(BI_W, 1, 8, 7), I_STX(BI_DW, 1, 1, 0), MOV(0, 0), EXIT),
	NO("ctx read past the end", 8, -EACCES, 0, "outside the 8-byte context",
	   I_LDX(BI_W, 0, 1, 8), EXIT),
	NO("ctx read before the start", 8, -EACCES, 0, "at offset -1 is outside",
	   I_LDX(BI_B, 0, 1, -1), EXIT),
	NO("ctx write past the end", 8, -EACCES, 0, "write of 4 bytes at offset 6",
	   I_ST(BI_W, 1, 6, 0), MOV(0, 0), EXIT),
	NO("ctx without memory", 0, -EACCES, 0, "outside the 0-byte context",
	   I_LDX(BI_B, 0, 1, 0), EXIT),
	OK("moved ctx pointer (raw ctx is sized memory)", 8, ADD(1, 4), I_LDX(BI_W, 0, 1, 0), EXIT),
	NO("moved ctx pointer past the end", 8, -EACCES, 1, "at offset 6 is outside the 8-byte",
	   ADD(1, 4), I_LDX(BI_W, 0, 1, 2), EXIT),
	NO("atomic on ctx", 8, -EACCES, 1, "atomic operations on ctx", MOV(2, 1),
	   I_ATOMIC(BI_DW, BI_ADD, 1, 2, 0), MOV(0, 0), EXIT),

	/* ---- map values */
	OK("lookup with a null check", 0, LOOKUP8(0), I_JMP_IMM(BI_JEQ, 0, 0, 2),
	   I_LDX(BI_DW, 1, 0, 8), MOV(0, 1), EXIT),
	OK("null check with jne", 0, LOOKUP8(0), I_JMP_IMM(BI_JNE, 0, 0, 1), EXIT,
	   I_ST(BI_DW, 0, 0, 1), MOV(0, 0), EXIT),
	OK("null check on a copy", 0, LOOKUP8(0), MOVR(6, 0), I_JMP_IMM(BI_JEQ, 6, 0, 2),
	   I_LDX(BI_DW, 1, 0, 0), MOV(0, 1), EXIT),
	OK("bounded variable offset (and)", 4, MOVR(6, 1), LOOKUP4(1),
	   I_JMP_IMM(BI_JEQ, 0, 0, 5), I_LDX(BI_W, 1, 6, 0), I_ALU64_IMM(BI_AND, 1, 31),
	   I_ALU64_REG(BI_ADD, 0, 1), I_LDX(BI_B, 2, 0, 16), MOV(0, 0), EXIT),
	OK("bounded variable offset (compare)", 4, MOVR(6, 1), LOOKUP4(1),
	   I_JMP_IMM(BI_JEQ, 0, 0, 5), I_LDX(BI_W, 1, 6, 0), I_JMP_IMM(BI_JGT, 1, 40, 2),
	   I_ALU64_REG(BI_ADD, 0, 1), I_LDX(BI_DW, 2, 0, 0), MOV(0, 0), EXIT),
	OK("bounded variable offset (jmp32)", 4, MOVR(6, 1), LOOKUP4(1),
	   I_JMP_IMM(BI_JEQ, 0, 0, 5), I_LDX(BI_W, 1, 6, 0), I_JMP32_IMM(BI_JGT, 1, 40, 2),
	   I_ALU64_REG(BI_ADD, 0, 1), I_LDX(BI_DW, 2, 0, 0), MOV(0, 0), EXIT),
	OK("bounded signed offset", 4, MOVR(6, 1), LOOKUP4(1), I_JMP_IMM(BI_JEQ, 0, 0, 6),
	   I_LDXSX(BI_W, 1, 6, 0), I_JMP_IMM(BI_JSLT, 1, 0, 3), I_JMP_IMM(BI_JSGT, 1, 40, 2),
	   I_ALU64_REG(BI_ADD, 0, 1), I_LDX(BI_DW, 2, 0, 0), MOV(0, 0), EXIT),
	OK("register bound (jlt reg)", 4, MOVR(6, 1), LOOKUP4(1), I_JMP_IMM(BI_JEQ, 0, 0, 6),
	   I_LDX(BI_W, 1, 6, 0), MOV(3, 40), I_JMP_REG(BI_JLT, 3, 1, 2),
	   I_ALU64_REG(BI_ADD, 0, 1), I_LDX(BI_DW, 2, 0, 0), MOV(0, 0), EXIT),
	OK("direct map value access", 0, LDMAPVAL(1, 3, 8), I_LDX(BI_DW, 0, 1, 48), EXIT),
	OK("atomic add on a map value", 0, LOOKUP4(1), I_JMP_IMM(BI_JEQ, 0, 0, 3), MOV(1, 1),
	   I_ATOMIC(BI_DW, BI_ADD | BI_FETCH, 0, 1, 40), MOVR(0, 1), EXIT),
	NO("missing null check", 0, -EACCES, 6, "r0 may be NULL here", LOOKUP8(0),
	   I_LDX(BI_DW, 1, 0, 0), MOV(0, 0), EXIT),
	NO("null check on another lookup", 0, -EACCES, 15, "r7 may be NULL", LOOKUP8(0),
	   MOVR(6, 0), LOOKUP8(0), MOVR(7, 0), I_JMP_IMM(BI_JEQ, 6, 0, 2),
	   I_LDX(BI_DW, 1, 7, 0), MOV(0, 0), EXIT),
	NO("write on the null side", 0, -EACCES, 7, "r0 is a scalar, not a pointer", LOOKUP8(0),
	   I_JMP_IMM(BI_JNE, 0, 0, 2), I_ST(BI_DW, 0, 0, 1), MOV(0, 0), EXIT),
	NO("arithmetic before the null check", 0, -EACCES, 6, "check it against 0 before pointer arithmetic",
	   LOOKUP8(0), ADD(0, 8), MOV(0, 0), EXIT),
	NO("map value read past the end", 0, -EACCES, 7, "outside the 48-byte map value",
	   LOOKUP4(1), I_JMP_IMM(BI_JEQ, 0, 0, 2), I_LDX(BI_DW, 1, 0, 48), MOV(0, 0), EXIT),
	NO("map value write before the start", 0, -EACCES, 7, "at offset -8 is outside",
	   LOOKUP4(1), I_JMP_IMM(BI_JEQ, 0, 0, 2), I_ST(BI_DW, 0, -8, 0), MOV(0, 0), EXIT),
	NO("variable offset too large", 4, -EACCES, 11, "may fall outside the 48-byte map value",
	   MOVR(6, 1), LOOKUP4(1), I_JMP_IMM(BI_JEQ, 0, 0, 5), I_LDX(BI_W, 1, 6, 0),
	   I_ALU64_IMM(BI_AND, 1, 63), I_ALU64_REG(BI_ADD, 0, 1), I_LDX(BI_B, 2, 0, 0), MOV(0, 0),
	   EXIT),
	NO("compare bound one too large", 4, -EACCES, 11, "may fall outside", MOVR(6, 1),
	   LOOKUP4(1), I_JMP_IMM(BI_JEQ, 0, 0, 5), I_LDX(BI_W, 1, 6, 0),
	   I_JMP_IMM(BI_JGT, 1, 41, 3), I_ALU64_REG(BI_ADD, 0, 1), I_LDX(BI_DW, 2, 0, 0),
	   MOV(0, 0), EXIT),
	NO("signed offset without lower bound", 4, -EACCES, 10, "far out of bounds",
	   MOVR(6, 1), LOOKUP4(1), I_JMP_IMM(BI_JEQ, 0, 0, 5), I_LDXSX(BI_W, 1, 6, 0),
	   I_JMP_IMM(BI_JSGT, 1, 40, 3), I_ALU64_REG(BI_ADD, 0, 1), I_LDX(BI_DW, 2, 0, 0),
	   MOV(0, 0), EXIT),
	NO("unbounded offset", 8, -EACCES, 9, "has no lower bound", MOVR(6, 1), LOOKUP4(1),
	   I_JMP_IMM(BI_JEQ, 0, 0, 4), I_LDX(BI_DW, 1, 6, 0), I_ALU64_REG(BI_ADD, 0, 1),
	   I_LDX(BI_DW, 2, 0, 0), MOV(0, 0), EXIT),
	NO("direct map value past the end", 0, -EACCES, 2, "outside the 64-byte map value",
	   LDMAPVAL(1, 3, 8), I_LDX(BI_DW, 0, 1, 56), EXIT),
	NO("dereference a map pointer", 0, -EACCES, 2, "points to a map object", LDMAP(1, 0),
	   I_LDX(BI_W, 0, 1, 0), EXIT),
	NO("dereference a scalar", 0, -EACCES, 1, "r0 is a scalar, not a pointer", MOV(0, 0),
	   I_LDX(BI_DW, 0, 0, 0), EXIT),

	/* ---- pointer arithmetic */
	OK("pointer minus pointer of one region", 0, MOVR(2, 10), ADD(2, -8), MOVR(3, 10),
	   I_ALU64_REG(BI_SUB, 3, 2), MOVR(0, 3), EXIT),
	OK("scalar plus pointer", 0, MOV(2, -8), I_ALU64_REG(BI_ADD, 2, 10), I_ST(BI_DW, 2, 0, 3),
	   I_LDX(BI_DW, 0, 10, -8), EXIT),
	NO("pointer times scalar", 4, -EACCES, 0, "operator * on pointer r1",
	   I_ALU64_IMM(BI_MUL, 1, 2), MOV(0, 0), EXIT),
	NO("pointer or scalar", 4, -EACCES, 0, "operator | on pointer r1",
	   I_ALU64_IMM(BI_OR, 1, 1), MOV(0, 0), EXIT),
	NO("pointer shifted", 4, -EACCES, 1, "operator << on pointer r2", MOVR(2, 10),
	   I_ALU64_IMM(BI_LSH, 2, 1), MOV(0, 0), EXIT),
	NO("pointer plus pointer", 4, -EACCES, 0, "combines two pointers",
	   I_ALU64_REG(BI_ADD, 1, 10), MOV(0, 0), EXIT),
	NO("pointers of different regions subtracted", 4, -EACCES, 0, "different regions",
	   I_ALU64_REG(BI_SUB, 1, 10), MOV(0, 0), EXIT),
	NO("scalar minus pointer", 4, -EACCES, 1, "subtracts a pointer", MOV(0, 0),
	   I_ALU64_REG(BI_SUB, 0, 1), EXIT),
	NO("map pointer arithmetic", 0, -EACCES, 2, "pointer arithmetic on r1 (map pointer",
	   LDMAP(1, 0), ADD(1, 8), MOV(0, 0), EXIT),
	NO("32-bit add on a pointer", 4, -EACCES, 0, "32-bit arithmetic on pointer r1",
	   I_ALU32_IMM(BI_ADD, 1, 1), MOV(0, 0), EXIT),
	NO("32-bit move of a pointer", 4, -EACCES, 0, "32-bit move of pointer r1",
	   I_MOV32_REG(0, 1), EXIT),
	NO("negated pointer", 4, -EACCES, 0, "on pointer r1", I_NEG64(1), MOV(0, 0), EXIT),
	NO("byte-swapped pointer", 4, -EACCES, 0, "on pointer r1", I_BSWAP(1, 64), MOV(0, 0), EXIT),
	NO("huge constant offset", 4, -EACCES, 0, "far out of bounds",
	   ADD(1, 0x40000000), MOV(0, 0), EXIT),

	/* ---- scalar arithmetic */
	OK("32-bit arithmetic zero-extends", 0, I_MOV32_IMM(0, -1), I_ALU32_IMM(BI_ADD, 0, 1),
	   I_JMP_IMM(BI_JEQ, 0, 0, 1), I_LDX(BI_DW, 0, 3, 0), EXIT),
	OK("mov32 of -1 is 0xffffffff", 0, I_MOV32_IMM(0, -1),
	   I_JMP_IMM(BI_JGT, 0, 0x7fffffff, 1), I_LDX(BI_DW, 0, 3, 0), EXIT),
	OK("shift by 63", 0, MOV(0, 1), I_ALU64_IMM(BI_LSH, 0, 63), EXIT),
	OK("shift by an unknown register", 4, I_LDX(BI_B, 2, 1, 0), MOV(0, 1),
	   I_ALU64_REG(BI_LSH, 0, 2), EXIT),
	OK("division by a zero register", 0, MOV(1, 0), MOV(0, 10), I_ALU64_REG(BI_DIV, 0, 1),
	   I_ALU32_REG(BI_DIV, 0, 1), EXIT),
	OK("modulo by a zero register", 0, MOV(1, 0), MOV(0, 10), I_ALU64_REG(BI_MOD, 0, 1),
	   I_ALU64_REG_S(BI_MOD, 0, 1), I_ALU32_REG_S(BI_DIV, 0, 1), EXIT),
	OK("division by an unknown register", 8, I_LDX(BI_DW, 2, 1, 0), MOV(0, 10),
	   I_ALU64_REG(BI_DIV, 0, 2), I_ALU64_REG(BI_MOD, 0, 2), EXIT),
	OK("sign extension and byte swaps", 4, I_LDX(BI_B, 2, 1, 0), I_MOVSX64(3, 2, 8),
	   I_MOVSX32(4, 2, 16), I_BE(2, 16), I_LE(3, 32), I_BSWAP(4, 64), MOVR(0, 2),
	   I_ALU64_REG(BI_ADD, 0, 3), I_ALU64_REG(BI_XOR, 0, 4), I_NEG32(0), EXIT),
	OK("movsx folds constants", 0, MOV(2, 0xff), I_MOVSX64(0, 2, 8),
	   I_JMP_IMM(BI_JEQ, 0, -1, 1), I_LDX(BI_DW, 0, 3, 0), EXIT),
	NO("invalid shift 64", 0, -EINVAL, 1, "invalid shift 64", MOV(0, 1),
	   I_ALU64_IMM(BI_LSH, 0, 64), EXIT),
	NO("invalid shift 32 in alu32", 0, -EINVAL, 1, "invalid shift 32", MOV(0, 1),
	   I_ALU32_IMM(BI_RSH, 0, 32), EXIT),
	NO("invalid negative shift", 0, -EINVAL, 1, "invalid shift -1", MOV(0, 1),
	   I_ALU64_IMM(BI_ARSH, 0, -1), EXIT),

	/* ---- branches and loops */
	OK("constant condition prunes the dead branch", 0, MOV(1, 5), I_JMP_IMM(BI_JEQ, 1, 5, 1),
	   I_LDX(BI_DW, 0, 3, 0), MOV(0, 0), EXIT),
	OK("range decides a branch", 4, I_LDX(BI_B, 1, 1, 0), I_JMP_IMM(BI_JLE, 1, 255, 1),
	   I_LDX(BI_DW, 0, 3, 0), MOV(0, 0), EXIT),
	OK("jset decides a branch", 0, MOV(1, 6), I_JMP_IMM(BI_JSET, 1, 1, 1), MOV(0, 0), EXIT),
	OK("bounded loop of 100", 0, MOV(0, 0), MOV(1, 0), ADD(0, 2), ADD(1, 1),
	   I_JMP_IMM(BI_JLT, 1, 100, -3), EXIT),
	OK("bounded loop with stack work", 0, MOV(1, 0), I_ST(BI_DW, 10, -8, 0),
	   I_LDX(BI_DW, 2, 10, -8), ADD(2, 1), I_STX(BI_DW, 10, 2, -8), ADD(1, 1),
	   I_JMP32_IMM(BI_JNE, 1, 1000, -5), MOVR(0, 1), EXIT),
	NO("unbounded loop", 0, -E2BIG, 2, "the loop at insn 1..2 does not end", MOV(0, 0),
	   ADD(0, 1), I_JA(-2), EXIT),
	NO("loop with the same state", 0, -EINVAL, 1, "never ends", MOV(0, 0), I_JA(-1), EXIT),
	NO("loop on an unknown value", 4, -E2BIG, 2, "the loop at insn 1..2", I_LDX(BI_W, 2, 1, 0),
	   ADD(2, 1), I_JMP_IMM(BI_JNE, 2, 0, -2), MOV(0, 0), EXIT),
	NO("unknown condition keeps both branches", 4, -EACCES, 3, "r3 is not initialised",
	   I_LDX(BI_B, 2, 1, 0), MOV(0, 0), I_JMP_IMM(BI_JEQ, 2, 5, 1), MOVR(0, 3), EXIT),

	/* ---- helpers */
	OK("helper without arguments", 0, I_CALL(5), EXIT),
	OK("trace_printk of a stack buffer", 0, I_ST(BI_DW, 10, -8, 0x0a6968), MOVR(1, 10),
	   ADD(1, -8), MOV(2, 8), I_CALL(6), EXIT),
	OK("probe_read into uninitialised stack", 16, MOVR(3, 1), MOVR(1, 10), ADD(1, -16),
	   MOV(2, 16), I_CALL(4), I_LDX(BI_DW, 0, 10, -16), EXIT),
	OK("update with key and value on the stack", 0, I_ST(BI_DW, 10, -8, 1),
	   I_ST(BI_DW, 10, -16, 2), I_ST(BI_DW, 10, -24, 3), MOVR(2, 10), ADD(2, -8),
	   MOVR(3, 10), ADD(3, -24), MOV(4, 0), LDMAP(1, 0), I_CALL(2), EXIT),
	OK("bounded variable size", 4, I_LDX(BI_B, 2, 1, 0), I_ALU64_IMM(BI_AND, 2, 15),
	   ADD(2, 1), I_ST(BI_DW, 10, -16, 0), I_ST(BI_DW, 10, -8, 0), MOVR(1, 10), ADD(1, -16),
	   I_CALL(6), EXIT),
	OK("ringbuf reserve and submit", 0, LDMAP(1, 2), MOV(2, 8), MOV(3, 0), I_CALL(131),
	   I_JMP_IMM(BI_JEQ, 0, 0, 5), I_ST(BI_DW, 0, 0, 1), MOVR(1, 0), MOV(2, 0), I_CALL(132),
	   MOV(0, 0), EXIT),
	NO("map argument is a scalar", 0, -EACCES, 4, "must be a map", I_ST(BI_DW, 10, -8, 0),
	   MOVR(2, 10), ADD(2, -8), MOV(1, 0), I_CALL(1), EXIT),
	OK("key on uninitialised stack", 0, MOVR(2, 10), ADD(2, -8), LDMAP(1, 0), I_CALL(1),
	   MOV(0, 0), EXIT),
	OK("key partly initialised", 0, I_ST(BI_W, 10, -8, 0), MOVR(2, 10), ADD(2, -8),
	   LDMAP(1, 0), I_CALL(1), MOV(0, 0), EXIT),
	NO("key is a scalar", 0, -EACCES, 3, "must point to the 8-byte key", MOV(2, 0),
	   LDMAP(1, 0), I_CALL(1), EXIT),
	NO("value argument missing", 0, -EACCES, 5,
	   "r3 (argument 3 of bpf_map_update_elem) is not initialised", I_ST(BI_DW, 10, -8, 0),
	   MOVR(2, 10), ADD(2, -8), LDMAP(1, 0), I_CALL(2), EXIT),
	NO("key past the top of the stack", 0, -EACCES, 5, "above the stack frame",
	   I_ST(BI_W, 10, -4, 0), MOVR(2, 10), ADD(2, -4), LDMAP(1, 0), I_CALL(1), EXIT),
	NO("size not bounded", 8, -EACCES, 5, "is not bounded", I_LDX(BI_DW, 2, 1, 0),
	   I_ALU64_IMM(BI_RSH, 2, 1),
	   MOVR(1, 10), ADD(1, -8), I_ST(BI_DW, 10, -8, 0), I_CALL(6), EXIT),
	NO("size may be zero", 4, -EACCES, 5, "may be 0", I_LDX(BI_B, 2, 1, 0),
	   I_ALU64_IMM(BI_AND, 2, 7), MOVR(1, 10), ADD(1, -8), I_ST(BI_DW, 10, -8, 0), I_CALL(6),
	   EXIT),
	NO("size may be negative", 4, -EACCES, 4, "may be negative", I_LDXSX(BI_B, 2, 1, 0),
	   MOVR(1, 10), ADD(1, -8), I_ST(BI_DW, 10, -8, 0), I_CALL(6), EXIT),
	NO("size larger than the buffer", 0, -EACCES, 4, "above the stack frame",
	   I_ST(BI_DW, 10, -8, 0), MOVR(1, 10), ADD(1, -8), MOV(2, 16), I_CALL(6), EXIT),
	NO("memory argument is a scalar", 0, -EACCES, 2, "must be a pointer to memory",
	   MOV(1, 8), MOV(2, 8), I_CALL(6), EXIT),
	NO("ringbuf size not constant", 4, -EACCES, 4, "must be a known constant size",
	   I_LDX(BI_W, 2, 1, 0), LDMAP(1, 2), MOV(3, 0), I_CALL(131), EXIT),
	NO("ringbuf record used after submit", 0, -EACCES, 10, "r6 is a scalar, not a pointer",
	   LDMAP(1, 2), MOV(2, 8), MOV(3, 0), I_CALL(131), I_JMP_IMM(BI_JEQ, 0, 0, 6),
	   MOVR(6, 0), MOVR(1, 0), MOV(2, 0), I_CALL(132), I_ST(BI_DW, 6, 0, 1), MOV(0, 0),
	   EXIT),
	NO("ringbuf write past the record", 0, -EACCES, 6, "outside the 8-byte memory",
	   LDMAP(1, 2), MOV(2, 8), MOV(3, 0), I_CALL(131), I_JMP_IMM(BI_JEQ, 0, 0, 5),
	   I_ST(BI_W, 0, 8, 1), MOVR(1, 0), MOV(2, 0), I_CALL(133), MOV(0, 0), EXIT),
	/* ---- more rules, one each */
	NO("compare ctx with stack", 8, -EACCES, 1, "point into different regions",
	   MOVR(2, 10), I_JMP_REG(BI_JGT, 1, 2, 0), MOV(0, 0), EXIT),
	NO("compare map value with stack", 0, -EACCES, 2, "point into different regions",
	   LDMAPVAL(1, 3, 0), I_JMP_REG(BI_JEQ, 1, 10, 0), MOV(0, 0), EXIT),
	NO("compare stacks of two frames", 0, -EACCES, 5, "point into different regions",
	   MOVR(1, 10), ADD(1, -8), I_CALL_LOCAL(2), MOV(0, 0), EXIT, I_JMP_REG(BI_JGT, 1, 10, 0),
	   MOV(0, 0), EXIT),
	OK("compare two pointers into one map value", 0, LDMAPVAL(1, 3, 0), MOVR(2, 1), ADD(2, 8),
	   I_JMP_REG(BI_JGT, 1, 2, 0), MOV(0, 0), EXIT),
	NO("stack read below the frame, r10-520", 0, -EACCES, 0, "below the 512-byte stack frame",
	   I_LDX(BI_DW, 0, 10, -520), EXIT),
	NO("subtraction from a stack pointer", 8, -EACCES, 3, "subtraction from the stack pointer",
	   I_LDX(BI_B, 2, 1, 0), I_ALU64_IMM(BI_AND, 2, 7), MOVR(3, 10), I_ALU64_REG(BI_SUB, 3, 2),
	   I_LDX(BI_B, 0, 3, -8), EXIT),
	NO("constant subtraction from a stack pointer", 0, -EACCES, 1,
	   "subtraction from the stack pointer", MOVR(3, 10), I_ALU64_IMM(BI_SUB, 3, 8),
	   I_ST(BI_DW, 3, 0, 0), MOV(0, 0), EXIT),
	NO("map value index masked too loosely", 8, -EACCES, 10, "48-byte map value",
	   I_LDX(BI_B, 6, 1, 0), I_ALU64_IMM(BI_AND, 6, 63), LOOKUP4(1), I_JMP_IMM(BI_JEQ, 0, 0, 3),
	   I_ALU64_REG(BI_ADD, 0, 6), I_ST(BI_B, 0, 0, 1), MOV(0, 0), EXIT),
	NO("map value read before its start", 0, -EACCES, 7, "offset -8",
	   LOOKUP4(1), I_JMP_IMM(BI_JEQ, 0, 0, 2), I_LDX(BI_DW, 0, 0, -8), EXIT, MOV(0, 0), EXIT),
	/* key 1, not 0: an array lookup with a key of known-zero bytes is
	 * never NULL (Linux 6.14 on, and bpfvm) */
	NO("null check of another lookup", 0, -EACCES, 14, "may be NULL",
	   I_ST(BI_W, 10, -4, 1), MOVR(2, 10), ADD(2, -4), LDMAP(1, 1), I_CALL(1), MOVR(6, 0),
	   I_ST(BI_W, 10, -4, 1), MOVR(2, 10), ADD(2, -4), LDMAP(1, 1), I_CALL(1),
	   I_JMP_IMM(BI_JEQ, 6, 0, 2), I_LDX(BI_W, 0, 0, 0), EXIT, MOV(0, 0), EXIT),
	NO("AND on a pointer", 8, -EACCES, 1, "operator & on pointer", MOVR(0, 1),
	   I_ALU64_IMM(BI_AND, 0, -8), MOV(0, 0), EXIT),
	NO("shift of a pointer", 0, -EACCES, 1, "operator << on pointer", MOVR(0, 10),
	   I_ALU64_IMM(BI_LSH, 0, 1), MOV(0, 0), EXIT),
	NO("32-bit add to a pointer", 8, -EACCES, 0, "32-bit arithmetic on pointer",
	   I_ALU32_IMM(BI_ADD, 1, 4), MOV(0, 0), EXIT),
	NO("update value smaller than the map's", 0, -EACCES, 8, "16 bytes at r10-8 is above the stack",
	   I_ST(BI_DW, 10, -8, 0), MOVR(2, 10), ADD(2, -8), MOVR(3, 10), ADD(3, -8), MOV(4, 0),
	   LDMAP(1, 0), I_CALL(2), EXIT),
	NO("map argument is a map value", 0, -EACCES, 5, "must be a map", I_ST(BI_DW, 10, -8, 0),
	   MOVR(2, 10), ADD(2, -8), LDMAPVAL(1, 3, 0), I_CALL(1), EXIT),
	OK("tail call through a prog array", 8, LDMAP(2, 4), MOV(3, 1), I_CALL(12), MOV(0, 0), EXIT),
	NO("tail call through a hash map", 8, -EACCES, 3, "needs a prog array", LDMAP(2, 0),
	   MOV(3, 1), I_CALL(12), MOV(0, 0), EXIT),
	NO("lookup in a prog array", 0, -EACCES, 5, "cannot take prog array 'jmp'", LOOKUP4(4),
	   MOV(0, 0), EXIT),
	OK("division and modulo by a zero register are defined", 8, I_LDX(BI_B, 2, 1, 0),
	   I_ALU64_IMM(BI_AND, 2, 0), MOV(0, 7), I_ALU64_REG(BI_DIV, 0, 2), I_ALU64_REG(BI_MOD, 0, 2),
	   I_ALU32_REG(BI_DIV, 0, 2), I_ALU64_REG_S(BI_MOD, 0, 2), I_ALU64_REG_S(BI_DIV, 0, 2), EXIT),
	OK("INT_MIN s/ -1 is defined", 0, I_LD_IMM64(0, 0x8000000000000000ull), MOV(2, -1),
	   I_ALU64_REG_S(BI_DIV, 0, 2), I_ALU64_REG_S(BI_MOD, 0, 2), EXIT),

	/* ---- references and the spin lock */
#define RESERVE8 LDMAP(1, 2), MOV(2, 8), MOV(3, 0), I_CALL(131)
	NO("ringbuf record never submitted", 0, -EACCES, 8, "reserved at insn 4 is never submitted",
	   RESERVE8, I_JMP_IMM(BI_JEQ, 0, 0, 2), I_ST(BI_DW, 0, 0, 1), MOV(0, 0), EXIT),
	NO("ringbuf record submitted on one path only", 4, -EACCES, 14, "reserved at insn 5",
	   MOVR(6, 1), RESERVE8, I_JMP_IMM(BI_JEQ, 0, 0, 7), I_LDX(BI_B, 2, 6, 0),
	   I_JMP_IMM(BI_JEQ, 2, 0, 4),
	   MOVR(1, 0), MOV(2, 0), I_CALL(132), I_JA(0), MOV(0, 0), EXIT),
	NO("ringbuf record not checked for NULL and not released", 0, -EACCES, 6,
	   "is never submitted or discarded", RESERVE8, MOV(0, 0), EXIT),
	OK("ringbuf record discarded in a function", 0, RESERVE8, I_JMP_IMM(BI_JEQ, 0, 0, 2),
	   MOVR(1, 0), I_CALL_LOCAL(2), MOV(0, 0), EXIT, MOV(2, 0), I_CALL(133), MOV(0, 0), EXIT),
	NO("ringbuf record submitted twice", 0, -EACCES, 12, "must be a record from bpf_ringbuf_reserve",
	   RESERVE8, I_JMP_IMM(BI_JEQ, 0, 0, 7), MOVR(6, 0), MOVR(1, 0), MOV(2, 0), I_CALL(132),
	   MOVR(1, 6), MOV(2, 0), I_CALL(132), MOV(0, 0), EXIT),
	NO("tail call with a record held", 0, -EACCES, 10, "bpf_tail_call would leave",
	   RESERVE8, I_JMP_IMM(BI_JEQ, 0, 0, 5), MOVR(6, 0), LDMAP(2, 2), MOV(3, 0), I_CALL(12),
	   MOV(0, 0), EXIT),
	OK("spin lock and unlock", 0, LOOKUP4(1), I_JMP_IMM(BI_JEQ, 0, 0, 8), MOVR(6, 0),
	   MOVR(1, 6), I_CALL(93), I_ST(BI_DW, 6, 8, 1), MOVR(1, 6), I_CALL(94), MOV(0, 0), EXIT,
	   MOV(0, 0), EXIT),
	NO("spin lock held at exit", 0, -EACCES, 10, "ends while holding the spin lock taken at insn 8",
	   LOOKUP4(1), I_JMP_IMM(BI_JEQ, 0, 0, 4), MOVR(1, 0), I_CALL(93), MOV(0, 0), EXIT, MOV(0, 0),
	   EXIT),
	NO("spin lock taken twice", 0, -EACCES, 11, "while holding the spin lock taken at insn 9",
	   LOOKUP4(1), I_JMP_IMM(BI_JEQ, 0, 0, 6), MOVR(6, 0), MOVR(1, 6), I_CALL(93), MOVR(1, 6),
	   I_CALL(93), MOV(0, 0), EXIT),
	NO("spin unlock without the lock", 0, -EACCES, 8, "without a spin lock held",
	   LOOKUP4(1), I_JMP_IMM(BI_JEQ, 0, 0, 3), MOVR(1, 0), I_CALL(94), MOV(0, 0), EXIT),
	NO("helper call inside the critical section", 0, -EACCES, 10,
	   "a call to bpf_ktime_get_ns while holding", LOOKUP4(1),
	   I_JMP_IMM(BI_JEQ, 0, 0, 6), MOVR(6, 0), MOVR(1, 6), I_CALL(93), I_CALL(5), MOVR(1, 6),
	   I_CALL(94), MOV(0, 0), EXIT),
	NO("spin unlock of another lock", 0, -EACCES, 12, "a lock other than the one taken",
	   LOOKUP4(1), I_JMP_IMM(BI_JEQ, 0, 0, 8), MOVR(6, 0), MOVR(1, 6), I_CALL(93), MOVR(1, 6),
	   ADD(1, 4), I_CALL(94), MOV(0, 0), EXIT, MOV(0, 0), EXIT),
	NO("spin lock outside the value", 0, -EACCES, 9, "does not fit the 48-byte value",
	   LOOKUP4(1), I_JMP_IMM(BI_JEQ, 0, 0, 4), MOVR(1, 0), ADD(1, 46), I_CALL(93), MOV(0, 0),
	   EXIT),
#undef RESERVE8
	/* ---- callbacks (bpf_loop): verified as a loop around the call */
#define LOOP_CALL(CB_OFF) I_ST(BI_DW, 10, -8, 0), MOV(1, 10), I_LD_IMM64_RAW(2, 4, CB_OFF, 0), \
	MOVR(3, 10), ADD(3, -8), MOV(4, 0), I_CALL(181)
	OK("bpf_loop counting in the caller's stack", 0, LOOP_CALL(7), MOV(0, 0), EXIT,
	   I_LDX(BI_DW, 3, 2, 0), ADD(3, 1), I_STX(BI_DW, 2, 3, 0), MOV(0, 0), EXIT),
	NO("bpf_loop: what the callback stored is used after the loop", 0, -EACCES, 12,
	   "outside the 64-byte map value", LOOP_CALL(11), I_LDX(BI_DW, 6, 10, -8),
	   LDMAPVAL(7, 3, 0), I_ALU64_REG(BI_ADD, 7, 6), I_LDX(BI_B, 0, 7, 0), EXIT, MOV(3, 100),
	   I_STX(BI_DW, 2, 3, 0), MOV(0, 0), EXIT),
	/* a counter the callback increments: any number of iterations (the
	 * verifier follows them until the offset leaves the value) */
	NO("bpf_loop: a counter the callback increments, used after it", 0, -EACCES, 12,
	   "outside the 64-byte map value", LOOP_CALL(11), I_LDX(BI_DW, 6, 10, -8), LDMAPVAL(7, 3, 0),
	   I_ALU64_REG(BI_ADD, 7, 6), I_LDX(BI_B, 0, 7, 0), EXIT, I_LDX(BI_DW, 3, 2, 0), ADD(3, 1),
	   I_STX(BI_DW, 2, 3, 0), MOV(0, 0), EXIT),
	NO("bpf_loop callback returns 2", 0, -EACCES, 11, "must return 0 (go on) or 1 (stop)",
	   LOOP_CALL(7), MOV(0, 0), EXIT, MOV(0, 2), EXIT),
	NO("bpf_loop callback reads above the caller's frame", 0, -EACCES, 10,
	   "above the stack frame", LOOP_CALL(7), MOV(0, 0), EXIT, I_LDX(BI_DW, 0, 2, 8), EXIT),
	NO("bpf_loop callback is a scalar", 0, -EACCES, 6, "must be a function", I_ST(BI_DW, 10, -8, 0),
	   MOV(1, 10), MOV(2, 0), MOVR(3, 10), ADD(3, -8), MOV(4, 0), I_CALL(181), MOV(0, 0), EXIT),
#undef LOOP_CALL
	/* ---- may_goto: a loop the run time bounds */
	OK("may_goto loop with a counter", 0, MOV(6, 0), I_MAY_GOTO(2), ADD(6, 1),
	   I_JMP_IMM(BI_JLT, 6, 100, -3), MOV(0, 0), EXIT),
	OK("may_goto loop summing ctx bytes", 8, MOV(6, 0), MOV(8, 0), I_MAY_GOTO(5),
	   I_LDX(BI_B, 7, 1, 0), I_ALU64_REG(BI_ADD, 8, 7), ADD(6, 1), I_JMP_IMM(BI_JGE, 6, 1000, 1),
	   I_JA(-6), MOVR(0, 8), EXIT),
	NO("may_goto loop counter used as an offset after it", 0, -EACCES, 6,
	   "r6 has no lower bound", MOV(6, 0), I_MAY_GOTO(2), ADD(6, 1), I_JA(-3),
	   LDMAPVAL(7, 3, 0), I_ALU64_REG(BI_ADD, 7, 6), I_LDX(BI_B, 0, 7, 0), EXIT),
	NO("helper clobbers r1-r5", 4, -EACCES, 1, "r1 is not initialised", I_CALL(5),
	   I_LDX(BI_B, 0, 1, 0), EXIT),

	/* ---- BPF-to-BPF calls */
	OK("call preserves r6-r9", 0, MOV(6, 7), I_CALL_LOCAL(2), MOVR(0, 6), EXIT, MOV(0, 1),
	   MOV(6, 9), EXIT),
	OK("callee reads the caller's stack", 0, I_ST(BI_DW, 10, -8, 3), MOVR(1, 10), ADD(1, -8),
	   I_CALL_LOCAL(1), EXIT, I_LDX(BI_DW, 0, 1, 0), EXIT),
	OK("callee returns a map value", 0, I_CALL_LOCAL(3), I_JMP_IMM(BI_JEQ, 0, 0, 1),
	   I_LDX(BI_DW, 0, 0, 0), EXIT, LOOKUP8(0), EXIT),
	OK("chain of 3 frames of 128 bytes", 0, I_ST(BI_DW, 10, -128, 0), I_CALL_LOCAL(1), EXIT,
	   I_ST(BI_DW, 10, -128, 0), I_CALL_LOCAL(1), EXIT, I_ST(BI_DW, 10, -128, 0), MOV(0, 0),
	   EXIT),
	NO("caller's r1-r5 are gone after a call", 0, -EACCES, 2, "r1 is not initialised",
	   MOV(1, 1), I_CALL_LOCAL(2), MOVR(0, 1), EXIT, MOV(0, 0), EXIT),
	NO("callee's r6 is not the caller's", 0, -EACCES, 3, "r6 is not initialised", MOV(6, 1),
	   I_CALL_LOCAL(1), EXIT, MOVR(0, 6), EXIT),
	NO("callee returns its stack", 0, -EACCES, 5, "pointer to its own stack",
	   I_CALL_LOCAL(2), MOV(0, 0), EXIT, MOVR(0, 10), ADD(0, -8), EXIT),
	NO("callee stores its stack in the caller's", 0, -EACCES, 7, "dangle",
	   I_ST(BI_DW, 10, -8, 0), MOVR(1, 10), ADD(1, -8), I_CALL_LOCAL(2), MOV(0, 0), EXIT,
	   MOVR(2, 10), I_STX(BI_DW, 1, 2, 0), MOV(0, 0), EXIT),
	NO("combined stack over 512", 0, -EACCES, 1, "combined limit is 512",
	   I_ST(BI_DW, 10, -512, 0), I_CALL_LOCAL(1), EXIT, I_ST(BI_DW, 10, -8, 0), MOV(0, 0),
	   EXIT),
	NO("recursion deeper than 8 frames", 0, -E2BIG, 2, "deeper than 8 frames",
	   I_CALL_LOCAL(1), EXIT, I_CALL_LOCAL(-1), EXIT),
	NO("subprog exit without r0", 0, -EACCES, 3, "function's return", I_CALL_LOCAL(1), EXIT,
	   MOV(1, 0), EXIT),
	NO("kfunc calls", 0, -ENOTSUP, 0, "not supported", I_CALL_KFUNC(1), EXIT),

	/* ---- precision: a value two paths bring to a join differs (100 or
	 * 0); the path with 0 is explored first and is safe, so the join's
	 * stored state must learn that a later check relied on the value, or
	 * the path with 100 would be pruned there and an out-of-bounds
	 * access accepted. */
#define JOIN_R6(BAD)                                                           	I_LDX(BI_B, 2, 1, 0), MOV(6, BAD), I_JMP_IMM(BI_JNE, 2, 0, 1), MOV(6, 0)
	NO("precision: offset into a map value", 8, -EACCES, 7, "outside the 64-byte map value",
	   JOIN_R6(100), LDMAPVAL(7, 3, 0), I_ALU64_REG(BI_ADD, 7, 6), I_LDX(BI_B, 0, 7, 0), EXIT),
	NO("precision: through arithmetic", 8, -EACCES, 10, "outside the 64-byte map value",
	   JOIN_R6(50), MOVR(8, 6), I_ALU64_IMM(BI_LSH, 8, 1), ADD(8, 4), LDMAPVAL(7, 3, 0),
	   I_ALU64_REG(BI_ADD, 7, 8), I_LDX(BI_B, 0, 7, 0), EXIT),
	NO("precision: a decided branch", 8, -EACCES, 5, "outside the 8-byte context",
	   JOIN_R6(1), I_JMP_IMM(BI_JEQ, 6, 0, 2), I_LDX(BI_B, 0, 1, 1000), EXIT, MOV(0, 0), EXIT),
	NO("precision: a branch on two registers", 8, -EACCES, 6, "outside the 8-byte context",
	   JOIN_R6(1), MOV(7, 0), I_JMP_REG(BI_JEQ, 6, 7, 2), I_LDX(BI_B, 0, 1, 1000), EXIT,
	   MOV(0, 0), EXIT),
	NO("precision: through an 8-byte spill", 8, -EACCES, 11, "outside the 64-byte map value",
	   I_LDX(BI_B, 2, 1, 0), MOV(6, 100), I_STX(BI_DW, 10, 6, -8), I_JMP_IMM(BI_JNE, 2, 0, 2),
	   MOV(6, 0), I_STX(BI_DW, 10, 6, -8), MOV(6, 0), I_LDX(BI_DW, 6, 10, -8),
	   LDMAPVAL(7, 3, 0), I_ALU64_REG(BI_ADD, 7, 6), I_LDX(BI_B, 0, 7, 0), EXIT),
	NO("precision: through a 4-byte spill", 8, -EACCES, 11, "outside the 64-byte map value",
	   I_LDX(BI_B, 2, 1, 0), MOV(6, 100), I_STX(BI_W, 10, 6, -8), I_JMP_IMM(BI_JNE, 2, 0, 2),
	   MOV(6, 0), I_STX(BI_W, 10, 6, -8), MOV(6, 0), I_LDX(BI_W, 6, 10, -8),
	   LDMAPVAL(7, 3, 0), I_ALU64_REG(BI_ADD, 7, 6), I_LDX(BI_B, 0, 7, 0), EXIT),
	NO("precision: into a callee's argument", 8, -EACCES, 10, "outside the 64-byte map value",
	   JOIN_R6(100), MOVR(1, 6), I_CALL_LOCAL(1), EXIT, LDMAPVAL(7, 3, 0),
	   I_ALU64_REG(BI_ADD, 7, 1), I_LDX(BI_B, 0, 7, 0), EXIT),
	NO("precision: out of a callee's return", 8, -EACCES, 5, "outside the 64-byte map value",
	   I_LDX(BI_B, 1, 1, 0), I_CALL_LOCAL(5), LDMAPVAL(7, 3, 0), I_ALU64_REG(BI_ADD, 7, 0),
	   I_LDX(BI_B, 0, 7, 0), EXIT, MOV(0, 100), I_JMP_IMM(BI_JNE, 1, 0, 1), MOV(0, 0), EXIT),
	NO("precision: a helper's size argument", 8, -EACCES, 8, "map value",
	   JOIN_R6(100), LDMAPVAL(1, 3, 0), MOVR(2, 6), ADD(2, 1), I_CALL(6), EXIT),
	/* pruned at 9 by the safe path's state, the path through 8 passes on
	 * what that state relied on to its own state at 8, where the path
	 * with 100 arrives last */
	NO("precision: what a pruned path relied on", 8, -EACCES, 12,
	   "outside the 64-byte map value", I_LDX(BI_B, 2, 1, 0), I_LDX(BI_B, 3, 1, 1),
	   MOV(6, 100), I_JMP_IMM(BI_JNE, 2, 0, 4), MOV(6, 0), I_JMP_IMM(BI_JNE, 3, 0, 2),
	   MOV(0, 0), I_JA(1), MOV(0, 1), LDMAPVAL(7, 3, 0), I_ALU64_REG(BI_ADD, 7, 6),
	   I_LDX(BI_B, 0, 7, 0), EXIT),
	/* r6 <= r7 bounds the offset r6: r7 (40 or 100) is what matters */
	NO("precision: a bound from another register", 8, -EACCES, 9, "64-byte map value",
	   I_LDX(BI_B, 2, 1, 0), I_LDX(BI_B, 6, 1, 1), MOV(7, 100), I_JMP_IMM(BI_JNE, 2, 0, 1),
	   MOV(7, 40), I_JMP_REG(BI_JGT, 6, 7, 5), LDMAPVAL(8, 3, 0), I_ALU64_REG(BI_ADD, 8, 6),
	   I_LDX(BI_B, 0, 8, 0), EXIT, MOV(0, 0), EXIT),
	/* and values nothing checks do not keep paths apart: 2^20 paths
	 * through 20 branches that each set an unused value are pruned */
	OK("precision: unchecked values prune", 8, I_LDX(BI_DW, 2, 1, 0), MOV(0, 0),
#define SETBIT(k) I_JMP_IMM(BI_JSET, 2, 1 << (k), 1), I_ALU64_IMM(BI_ADD, 0, 1 << (k))
	   SETBIT(0), SETBIT(1), SETBIT(2), SETBIT(3), SETBIT(4), SETBIT(5), SETBIT(6),
	   SETBIT(7), SETBIT(8), SETBIT(9), SETBIT(10), SETBIT(11), SETBIT(12), SETBIT(13),
	   SETBIT(14), SETBIT(15), SETBIT(16), SETBIT(17), SETBIT(18), SETBIT(19), EXIT),
#undef SETBIT
#undef JOIN_R6
};

#define N_MAPS 6
static struct bpfvm_map *maps[N_MAPS];

static void run_one(struct bpfvm_vm *vm, const struct vt *t, int *accepted, int *refused)
{
	BPFVM_OPTS(bpfvm_load_opts, lo, .maps = maps, .n_maps = N_MAPS, .unverified = true);
	struct bpfvm_prog *prog = NULL;
	struct bpfvm_error err;
	int ret = bpfvm_prog__load(vm, t->insns, t->n, &lo, &prog, &err);
	if (ret) {
		fprintf(stderr, "%s: load failed: insn %ld: %s\n", t->name, err.insn, err.msg);
		CHECK(ret == 0);
	}
	BPFVM_OPTS(vfy_opts, vo, .ctx_size = t->ctx);
	struct vfy_stats st;
	ret = vfy_check(prog, &vo, &st, &err);
	if (ret != t->code || (t->code && (err.insn != t->insn || !strstr(err.msg, t->msg)))) {
		fprintf(stderr, "%s: got %d at insn %ld: %s\n  expected %d at insn %ld: \"%s\"\n",
			t->name, ret, ret ? err.insn : -1, ret ? err.msg : "(accepted)", t->code,
			t->insn, t->msg ? t->msg : "");
		CHECK(0);
	}
	if (!ret) {
		/* soundness: the checked interpreter must not fault */
		uint8_t *ctx = t->ctx ? calloc(1, t->ctx) : NULL;
		uint64_t r0;
		BPFVM_OPTS(bpfvm_run_opts, ro, .insn_budget = 10000000);
		int rr = bpfvm_prog__run(prog, ctx, t->ctx, &ro, &r0, &err);
		if (rr)
			fprintf(stderr, "%s: accepted but the run failed: insn %ld: %s\n", t->name,
				err.insn, err.msg);
		CHECK(rr == 0);
		free(ctx);
		(*accepted)++;
	} else {
		(*refused)++;
	}
	bpfvm_prog__free(prog);
}

/* 2,000 blocks of: r2 = ctx[k]; if r2 > 100 goto +2; r3 = r2; goto +1;
 * r3 = 100; ctx[k] = r3. Both arms meet with r3 in [0, 100]: pruning
 * must keep the paths linear. */
static void long_program(struct bpfvm_vm *vm)
{
	enum { BLOCKS = 2000, PER = 6 };
	size_t n = 2 + (size_t)BLOCKS * PER + 2;
	struct bpfvm_insn *p = calloc(n, sizeof(*p)), *q = p;
	*q++ = (struct bpfvm_insn)MOVR(6, 1);
	*q++ = (struct bpfvm_insn)MOV(0, 0);
	for (int b = 0; b < BLOCKS; b++) {
		int k = b % 8;
		*q++ = (struct bpfvm_insn)I_LDX(BI_B, 2, 6, k);
		*q++ = (struct bpfvm_insn)I_JMP_IMM(BI_JGT, 2, 100, 2);
		*q++ = (struct bpfvm_insn)MOVR(3, 2);
		*q++ = (struct bpfvm_insn)I_JA(1);
		*q++ = (struct bpfvm_insn)MOV(3, 100);
		*q++ = (struct bpfvm_insn)I_STX(BI_B, 6, 3, k);
	}
	*q++ = (struct bpfvm_insn)MOVR(0, 3);
	*q++ = (struct bpfvm_insn)EXIT;
	struct bpfvm_prog *prog;
	struct bpfvm_error err;
	CHECK(bpfvm_prog__load(vm, p, n, UNVERIFIED, &prog, &err) == 0);
	BPFVM_OPTS(vfy_opts, vo, .ctx_size = 8);
	struct vfy_stats st;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int ret = vfy_check(prog, &vo, &st, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (ret)
		fprintf(stderr, "long program: %s at %ld\n", err.msg, err.insn);
	CHECK(ret == 0);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	printf("long program: %zu insns, %d branches: %.2f ms, %llu insns processed, %u states "
	       "stored, %u pruned, peak %u pending\n",
	       n, BLOCKS, ms, (unsigned long long)st.insns_processed, st.states, st.pruned,
	       st.peak_states);
	CHECK(st.insns_processed < 4 * n); /* linear, not exponential */
	uint8_t ctx[8] = { 1, 200, 3, 4, 5, 6, 7, 255 };
	uint64_t r0;
	CHECK(bpfvm_prog__run(prog, ctx, sizeof(ctx), NULL, &r0, &err) == 0);
	bpfvm_prog__free(prog);
	free(p);
}

/* The unbounded loop's budget run: time it. */
static void budget_timing(struct bpfvm_vm *vm)
{
	const struct bpfvm_insn p[] = { MOV(0, 0), ADD(0, 1), I_JA(-2), EXIT };
	struct bpfvm_prog *prog;
	struct bpfvm_error err;
	CHECK(bpfvm_prog__load(vm, p, 4, UNVERIFIED, &prog, &err) == 0);
	struct vfy_stats st;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(vfy_check(prog, NULL, &st, &err) == -E2BIG);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	printf("unbounded loop: refused after %llu insns in %.1f ms (%u states)\n",
	       (unsigned long long)st.insns_processed, ms, st.states);
	bpfvm_prog__free(prog);
}

int main(void)
{
	struct bpfvm_vm *vm = bpfvm_vm__new(NULL);
	struct bpfvm_error err;
	CHECK(vm);
	maps[0] = bpfvm_map__create(vm, BPFVM_MAP_TYPE_HASH, "h", 8, 16, 16, NULL, &err);
	maps[1] = bpfvm_map__create(vm, BPFVM_MAP_TYPE_ARRAY, "arr", 4, 48, 4, NULL, &err);
	maps[2] = bpfvm_map__create(vm, BPFVM_MAP_TYPE_RINGBUF, "rb", 0, 0, 4096, NULL, &err);
	maps[3] = bpfvm_map__create(vm, BPFVM_MAP_TYPE_ARRAY, "data", 4, 64, 1, NULL, &err);
	maps[4] = bpfvm_map__create(vm, BPFVM_MAP_TYPE_PROG_ARRAY, "jmp", 4, 4, 4, NULL, &err);
	maps[5] = bpfvm_map__create(vm, BPFVM_MAP_TYPE_QUEUE, "q", 0, 8, 4, NULL, &err);
	for (int i = 0; i < N_MAPS; i++) {
		if (!maps[i])
			fprintf(stderr, "map %d: %s\n", i, err.msg);
		CHECK(maps[i]);
	}
	int accepted = 0, refused = 0;
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		run_one(vm, &tests[i], &accepted, &refused);
	printf("verifier corpus: %zu programs, %d accepted (all ran clean), %d refused as "
	       "expected\n",
	       sizeof(tests) / sizeof(tests[0]), accepted, refused);
	long_program(vm);
	budget_timing(vm);
	for (int i = 0; i < N_MAPS; i++)
		bpfvm_map__put(maps[i]);
	bpfvm_vm__free(vm);
	CHECK_DONE();
}
