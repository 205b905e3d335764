/*
 * fuse.h - superinstructions for the trusted loop: two slots, one
 * dispatch.
 *
 * clang's BPF code repeats a few pairs of instructions: a copy and then an
 * operation on the copy (`r1 = r2; r1 += 8`), an increment and then the
 * loop's compare (`r1 += 1; if r1 != r3 goto`), an address and then a load
 * through it (`r1 += r3; r1 = *(u8 *)(r1 + 0)`), a compare falling through
 * to a `goto`. For verified code, interp_prog_prepare() gives the first
 * slot of such a pair a handler that runs both instructions and then
 * dispatches to the slot after them: one indirect jump fewer, and the
 * second instruction's operands are read while the first executes.
 *
 * Fusion is a choice of handler, never a rewrite, and changes no result:
 * - Both slots keep their operands; the handler reads the second's from
 *   the next slot, where they are. The second slot keeps its own handler
 *   for jumps that land on it.
 * - The handler runs the first row's body; if that did not jump away (a
 *   conditional jump not taken, or taken to the next slot), it steps to
 *   the second slot and runs its body, which may jump in turn.
 * - Only "simple" rows fuse (FUSE_SIMPLE_<shape> below): register
 *   arithmetic, jumps, loads and stores. In the trusted loop none of them
 *   can fail or leave the loop, so a pair is just the two bodies.
 *
 * Every body comes from isa_table.def: loop.h turns each simple row into
 * an inline function (fuse_row_<ID>) from the row's SHAPE (shapes.h), and
 * each pair of INTERP_FUSE_PAIRS into a handler that calls two of them
 * (INTERP_FUSE_TRIPLES: three; INTERP_FUSE_TAKEN: a jump and, when it is
 * taken, the row at its target). The lists only name rows.
 *
 * What pays is less the dispatch saved than the register kept: where the
 * later slot reads the register the first one wrote, the handler's _dd or
 * _ds form lets the compiler keep that value in a machine register instead
 * of storing it and loading it back. (Measured on bsort and csum: triples
 * chosen only to save dispatches, sharing no register, ran slower than the
 * pairs they replaced; they were dropped.)
 */
#ifndef BPFVM_INTERP_FUSE_H
#define BPFVM_INTERP_FUSE_H

/* FUSE_SIMPLE_<SHAPE>(x): x for the shapes whose rows may fuse. */
#define FUSE_SIMPLE_ALU_K(x) x
#define FUSE_SIMPLE_ALU_X(x) x
#define FUSE_SIMPLE_NEG(x) x
#define FUSE_SIMPLE_MOVSX(x) x
#define FUSE_SIMPLE_END_LE(x) x
#define FUSE_SIMPLE_END_BE(x) x
#define FUSE_SIMPLE_BSWAP(x) x
#define FUSE_SIMPLE_JA(x) x
#define FUSE_SIMPLE_JA32(x) x
#define FUSE_SIMPLE_JMP_K(x) x
#define FUSE_SIMPLE_JMP_X(x) x
#define FUSE_SIMPLE_LDX(x) x
#define FUSE_SIMPLE_LDXSX(x) x
#define FUSE_SIMPLE_ST(x) x
#define FUSE_SIMPLE_STX(x) x
#define FUSE_SIMPLE_CALL_HELPER(x)
#define FUSE_SIMPLE_CALL_LOCAL(x)
#define FUSE_SIMPLE_CALL_KFUNC(x)
#define FUSE_SIMPLE_CALLX(x)
#define FUSE_SIMPLE_EXIT(x)
#define FUSE_SIMPLE_MAY_GOTO(x)
#define FUSE_SIMPLE_LDDW(x)
#define FUSE_SIMPLE_LD_ABS(x)
#define FUSE_SIMPLE_LD_IND(x)
#define FUSE_SIMPLE_ATOMIC(x)
#define FUSE_SIMPLE_ATOMIC_FETCH(x)
#define FUSE_SIMPLE_XCHG(x)
#define FUSE_SIMPLE_CMPXCHG(x)
#define FUSE_SIMPLE_LOAD_ACQ(x)
#define FUSE_SIMPLE_STORE_REL(x)

/*
 * The pairs, X(first row, second row), both simple. Taken from the pairs
 * most often executed back to back in the bench programs (../shared/bench)
 * and the test programs: clang's idioms for copies, address arithmetic,
 * loop counters, sign and zero extension, switch cascades, byte loops.
 * A pair whose first row is a `goto` would never run its second.
 */
#define INTERP_FUSE_PAIRS(X)                                                                  \
	/* copy, then operate on the copy */                                                  \
	X(MOV64_X, ADD64_K) X(MOV64_X, ADD64_X) X(MOV64_X, SUB64_X) X(MOV64_X, MUL64_X)       \
	X(MOV64_X, AND64_K) X(MOV64_X, AND64_X) X(MOV64_X, OR64_X) X(MOV64_X, XOR64_X)        \
	X(MOV64_X, LSH64_K) X(MOV64_X, RSH64_K) X(MOV64_X, ARSH64_K)                          \
	X(MOV32_X, ADD32_K) X(MOV32_X, ADD32_X) X(MOV32_X, SUB32_X) X(MOV32_X, AND32_K)       \
	X(MOV32_X, XOR32_X) X(MOV32_X, DIV32_X) X(MOV32_X, LSH32_K) X(MOV32_X, RSH32_K)       \
	X(MOV32_X, JEQ32_K) X(MOV32_X, JLT64_X)                                               \
	/* constants */                                                                       \
	X(MOV64_K, ADD64_K) X(MOV64_K, STXDW) X(MOV32_K, JEQ32_K) X(MOV32_K, JA)              \
	X(MOV32_K, MOV64_X)                                                                   \
	/* counters and address arithmetic, then a compare, a load or a store */             \
	X(ADD64_K, ADD64_X) X(ADD64_K, ADD64_K) X(ADD64_K, MOV64_X) X(ADD64_K, MOV32_X)       \
	X(ADD64_K, JEQ64_K) X(ADD64_K, JNE64_K) X(ADD64_K, JGT64_X) X(ADD64_K, JA)            \
	X(ADD64_K, STXDW)                                                                     \
	X(ADD32_K, MOV32_X) X(ADD32_K, AND32_K) X(ADD32_K, RSH32_K) X(ADD32_K, JEQ32_K)       \
	X(ADD32_K, JLT32_K)                                                                   \
	X(ADD64_X, LDXB) X(ADD64_X, LDXH) X(ADD64_X, LDXW) X(ADD64_X, LDXDW) X(ADD64_X, STXB) \
	X(ADD64_X, MOV64_X) X(ADD64_X, ADD64_K) X(ADD64_X, ADD32_K)                           \
	/* shifts, masks, mixing */                                                           \
	X(LSH64_K, ARSH64_K) X(LSH64_K, RSH64_K) X(LSH64_K, XOR64_X) X(LSH64_K, OR64_X)       \
	X(LSH64_K, ADD64_X) X(RSH64_K, XOR64_X) X(RSH64_K, AND64_X) X(RSH64_K, AND64_K)       \
	X(XOR64_X, MOV64_X) X(XOR64_X, MUL64_X) X(MUL64_X, ADD64_X) X(MUL64_X, RSH64_K)       \
	X(AND64_X, AND64_X) X(AND64_X, LSH64_K) X(SUB64_X, ARSH64_K) X(ARSH64_K, MOV32_X)     \
	X(XOR32_X, AND32_X) X(XOR32_X, XOR32_X) X(XOR32_X, STXW) X(AND32_X, MOV32_X)          \
	X(SUB32_X, ADD32_K) X(DIV32_X, MUL32_X) X(MUL32_X, MOV32_X) X(OR32_X, ADD32_K)        \
	X(OR32_X, MOV32_X) X(OR32_X, MOV64_X) X(RSH32_K, OR32_X) X(OR32_K, JLT64_K)           \
	X(AND32_K, JEQ32_K) X(AND32_K, JNE32_K) X(AND32_K, JGT32_K) X(AND32_K, MOV32_X)       \
	/* compares: a cascade, a fall-through into a goto, a load or an update */           \
	X(JEQ32_K, JEQ32_K) X(JEQ32_K, JNE32_K) X(JEQ32_K, MOV32_K) X(JEQ32_K, MOV64_X)       \
	X(JEQ32_K, LDXW) X(JEQ32_K, JA) X(JSGT32_K, JEQ32_K) X(JSGT32_K, JSGT32_K)            \
	X(JEQ64_K, MOV64_X) X(JEQ64_K, LDXDW) X(JEQ64_K, JA) X(JNE64_K, MOV64_X)              \
	X(JNE64_K, JA) X(JGT64_X, LDXH) X(JGT64_X, LDXB) X(JGT64_X, JA) X(JLT64_X, LDXW)      \
	X(JLT32_K, LDXB) X(JLT64_K, OR32_K) X(JLT64_K, RSH64_K)                               \
	/* loads and stores */                                                                \
	X(LDXH, ADD64_X) X(LDXH, BE16) X(LDXB, STXB) X(LDXB, STXW) X(LDXB, MOV32_X)           \
	X(LDXB, JNE32_K) X(LDXB, JSGT32_K) X(LDXB, JLT32_K) X(LDXB, JEQ32_X)                  \
	X(LDXW, MOV64_X) X(LDXW, ADD64_X) X(LDXDW, ADD64_X) X(LDXDW, ADD64_K)                 \
	X(LDXDW, STXDW) X(STXW, STXW) X(STXW, ADD64_K) X(STXW, MOV64_X) X(STXW, LDXW)         \
	X(STXB, ADD64_K) X(STXDW, MOV64_K) X(STXDW, MOV64_X) X(STXDW, LDXW)                   \
	X(BE16, JSGT32_K) X(BE16, STXH)

/*
 * Triples, X(first, second, third): three slots, one dispatch. Address
 * arithmetic (`r4 = r10; r4 += -128; r4 += r3`), a copy shifted or masked
 * and mixed back in (`r2 = r1; r2 <<= 13; r1 ^= r2`), a bound computed and
 * checked (`r0 = r4; r0 += 16; if r0 > r3 goto`).
 */
#define INTERP_FUSE_TRIPLES(X)                                                                \
	X(MOV64_X, ADD64_K, ADD64_X) X(MOV64_X, ADD64_X, LDXB) X(MOV64_X, ADD64_X, LDXH)      \
	X(MOV64_X, ADD64_X, LDXW) X(MOV64_X, ADD64_K, JGT64_X) X(MOV64_X, LSH64_K, XOR64_X)   \
	X(MOV64_X, RSH64_K, XOR64_X) X(MOV64_X, RSH64_K, AND64_X) X(MOV64_X, RSH64_K, AND64_K) \
	X(MOV64_X, LSH64_K, ARSH64_K) X(MOV32_X, XOR32_X, AND32_X) X(LSH64_K, ARSH64_K, MOV64_X)

/*
 * Taken jumps, X(jump row, row at its target): the jump, and when it is
 * taken, the instruction it lands on. Loops end in one: `goto` back to the
 * top, or a compare back to it.
 */
#define INTERP_FUSE_TAKEN(X)                                                                  \
	X(JA, MOV64_X) X(JA, MOV32_X) X(JA, MOV64_K) X(JA, MOV32_K) X(JA, ADD64_K)            \
	X(JA, ADD32_K) X(JA, LDXB) X(JA, LDXW) X(JA, LDXDW) X(JA, JEQ32_K) X(JA, JEQ64_K)     \
	X(JNE64_K, MOV64_X) X(JNE64_K, ADD64_K) X(JNE32_K, MOV64_X) X(JLT64_X, LDXW)          \
	X(JLT64_X, MOV64_X) X(JLT64_K, MOV64_X) X(JGT64_X, MOV64_X) X(JEQ32_K, MOV64_X)

#endif /* BPFVM_INTERP_FUSE_H */
