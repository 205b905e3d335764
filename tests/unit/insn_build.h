/*
 * insn_build.h - building raw eBPF instructions in C, kernel-style.
 *
 * Opcodes are composed from the encoding's numbers (class | size/op | mode
 * or source), as in the kernel's include/linux/filter.h, and not taken from
 * the ISA table or the assembler, so tests built with these macros check
 * the table and the decoder too. Each macro is a brace initializer for one
 * struct bpfvm_insn (I_LD_IMM64 gives two), for use in array initializers:
 *
 *   struct bpfvm_insn prog[] = { I_MOV64_IMM(0, 42), I_EXIT() };
 */
#ifndef BPFVM_TEST_INSN_BUILD_H
#define BPFVM_TEST_INSN_BUILD_H

#include <stdint.h>

#include "bpfvm.h"

/* Classes. */
#define BI_LD 0x00
#define BI_LDX 0x01
#define BI_ST 0x02
#define BI_STX 0x03
#define BI_ALU 0x04
#define BI_JMP 0x05
#define BI_JMP32 0x06
#define BI_ALU64 0x07

/* Memory sizes. */
#define BI_W 0x00
#define BI_H 0x08
#define BI_B 0x10
#define BI_DW 0x18

/* Memory modes. */
#define BI_IMM 0x00
#define BI_ABS 0x20
#define BI_IND 0x40
#define BI_MEM 0x60
#define BI_MEMSX 0x80
#define BI_ATOMIC 0xc0

/* Operand source. */
#define BI_K 0x00
#define BI_X 0x08

/* ALU operations. */
#define BI_ADD 0x00
#define BI_SUB 0x10
#define BI_MUL 0x20
#define BI_DIV 0x30
#define BI_OR 0x40
#define BI_AND 0x50
#define BI_LSH 0x60
#define BI_RSH 0x70
#define BI_NEG 0x80
#define BI_MOD 0x90
#define BI_XOR 0xa0
#define BI_MOV 0xb0
#define BI_ARSH 0xc0
#define BI_END 0xd0
#define BI_TO_LE 0x00 /* END with source K */
#define BI_TO_BE 0x08 /* END with source X */

/* Jump operations. */
#define BI_JA 0x00
#define BI_JEQ 0x10
#define BI_JGT 0x20
#define BI_JGE 0x30
#define BI_JSET 0x40
#define BI_JNE 0x50
#define BI_JSGT 0x60
#define BI_JSGE 0x70
#define BI_CALL 0x80
#define BI_EXIT 0x90
#define BI_JLT 0xa0
#define BI_JLE 0xb0
#define BI_JSLT 0xc0
#define BI_JSLE 0xd0
#define BI_JCOND 0xe0 /* may_goto */

/* Atomic operations (in imm). */
#define BI_FETCH 0x01
#define BI_XCHG (0xe0 | BI_FETCH)
#define BI_CMPXCHG (0xf0 | BI_FETCH)
#define BI_LOAD_ACQ 0x100
#define BI_STORE_REL 0x110

/* src values of ld_imm64 and call. */
#define BI_PSEUDO_MAP_FD 1
#define BI_PSEUDO_CALL 1
#define BI_PSEUDO_KFUNC_CALL 2

/* Any slot. */
#define I_RAW(CODE, DST, SRC, OFF, IMM) \
	{ .code = (uint8_t)(CODE), .dst = (DST), .src = (SRC), .off = (int16_t)(OFF), .imm = (int32_t)(IMM) }

/* ALU: dst OP= imm / src, 64- or 32-bit. */
#define I_ALU64_IMM(OP, DST, IMM) I_RAW(BI_ALU64 | (OP) | BI_K, DST, 0, 0, IMM)
#define I_ALU64_REG(OP, DST, SRC) I_RAW(BI_ALU64 | (OP) | BI_X, DST, SRC, 0, 0)
#define I_ALU32_IMM(OP, DST, IMM) I_RAW(BI_ALU | (OP) | BI_K, DST, 0, 0, IMM)
#define I_ALU32_REG(OP, DST, SRC) I_RAW(BI_ALU | (OP) | BI_X, DST, SRC, 0, 0)
/* Signed div/mod: off = 1. */
#define I_ALU64_IMM_S(OP, DST, IMM) I_RAW(BI_ALU64 | (OP) | BI_K, DST, 0, 1, IMM)
#define I_ALU64_REG_S(OP, DST, SRC) I_RAW(BI_ALU64 | (OP) | BI_X, DST, SRC, 1, 0)
#define I_ALU32_IMM_S(OP, DST, IMM) I_RAW(BI_ALU | (OP) | BI_K, DST, 0, 1, IMM)
#define I_ALU32_REG_S(OP, DST, SRC) I_RAW(BI_ALU | (OP) | BI_X, DST, SRC, 1, 0)

#define I_MOV64_IMM(DST, IMM) I_ALU64_IMM(BI_MOV, DST, IMM)
#define I_MOV64_REG(DST, SRC) I_ALU64_REG(BI_MOV, DST, SRC)
#define I_MOV32_IMM(DST, IMM) I_ALU32_IMM(BI_MOV, DST, IMM)
#define I_MOV32_REG(DST, SRC) I_ALU32_REG(BI_MOV, DST, SRC)
/* dst = (sBITS)src; BITS 8, 16 (32 for 64-bit only). */
#define I_MOVSX64(DST, SRC, BITS) I_RAW(BI_ALU64 | BI_MOV | BI_X, DST, SRC, BITS, 0)
#define I_MOVSX32(DST, SRC, BITS) I_RAW(BI_ALU | BI_MOV | BI_X, DST, SRC, BITS, 0)
#define I_NEG64(DST) I_RAW(BI_ALU64 | BI_NEG, DST, 0, 0, 0)
#define I_NEG32(DST) I_RAW(BI_ALU | BI_NEG, DST, 0, 0, 0)
/* Byte order: BITS 16, 32, 64. */
#define I_LE(DST, BITS) I_RAW(BI_ALU | BI_END | BI_TO_LE, DST, 0, 0, BITS)
#define I_BE(DST, BITS) I_RAW(BI_ALU | BI_END | BI_TO_BE, DST, 0, 0, BITS)
#define I_BSWAP(DST, BITS) I_RAW(BI_ALU64 | BI_END | BI_TO_LE, DST, 0, 0, BITS)

/* dst = a 64-bit constant: two slots. */
#define I_LD_IMM64_RAW(DST, SRC, LO, HI) \
	I_RAW(BI_LD | BI_DW | BI_IMM, DST, SRC, 0, LO), I_RAW(0, 0, 0, 0, HI)
#define I_LD_IMM64(DST, V) \
	I_LD_IMM64_RAW(DST, 0, (uint32_t)(uint64_t)(V), (uint32_t)((uint64_t)(V) >> 32))
/* Legacy packet loads: r0 = ntoh(pkt[imm]) / ntoh(pkt[src + imm]). */
#define I_LD_ABS(SIZE, IMM) I_RAW(BI_LD | (SIZE) | BI_ABS, 0, 0, 0, IMM)
#define I_LD_IND(SIZE, SRC, IMM) I_RAW(BI_LD | (SIZE) | BI_IND, 0, SRC, 0, IMM)

/* Memory: SIZE is BI_B / BI_H / BI_W / BI_DW. */
#define I_LDX(SIZE, DST, SRC, OFF) I_RAW(BI_LDX | (SIZE) | BI_MEM, DST, SRC, OFF, 0)
#define I_LDXSX(SIZE, DST, SRC, OFF) I_RAW(BI_LDX | (SIZE) | BI_MEMSX, DST, SRC, OFF, 0)
#define I_ST(SIZE, DST, OFF, IMM) I_RAW(BI_ST | (SIZE) | BI_MEM, DST, 0, OFF, IMM)
#define I_STX(SIZE, DST, SRC, OFF) I_RAW(BI_STX | (SIZE) | BI_MEM, DST, SRC, OFF, 0)
/* Atomics: OP is BI_ADD / BI_OR / ..., optionally | BI_FETCH, or BI_XCHG,
 * BI_CMPXCHG, BI_LOAD_ACQ, BI_STORE_REL; SIZE BI_W or BI_DW (any for
 * load-acquire / store-release). */
#define I_ATOMIC(SIZE, OP, DST, SRC, OFF) I_RAW(BI_STX | (SIZE) | BI_ATOMIC, DST, SRC, OFF, OP)

/* Jumps: off is relative to the next instruction. */
#define I_JMP_IMM(OP, DST, IMM, OFF) I_RAW(BI_JMP | (OP) | BI_K, DST, 0, OFF, IMM)
#define I_JMP_REG(OP, DST, SRC, OFF) I_RAW(BI_JMP | (OP) | BI_X, DST, SRC, OFF, 0)
#define I_JMP32_IMM(OP, DST, IMM, OFF) I_RAW(BI_JMP32 | (OP) | BI_K, DST, 0, OFF, IMM)
#define I_JMP32_REG(OP, DST, SRC, OFF) I_RAW(BI_JMP32 | (OP) | BI_X, DST, SRC, OFF, 0)
#define I_JA(OFF) I_RAW(BI_JMP | BI_JA, 0, 0, OFF, 0)
#define I_JA32(IMM) I_RAW(BI_JMP32 | BI_JA, 0, 0, 0, IMM)
#define I_MAY_GOTO(OFF) I_RAW(BI_JMP | BI_JCOND, 0, 0, OFF, 0)

/* Calls and exit. */
#define I_CALL(ID) I_RAW(BI_JMP | BI_CALL, 0, 0, 0, ID)
#define I_CALL_LOCAL(OFF) I_RAW(BI_JMP | BI_CALL, 0, BI_PSEUDO_CALL, 0, OFF)
#define I_CALL_KFUNC(ID) I_RAW(BI_JMP | BI_CALL, 0, BI_PSEUDO_KFUNC_CALL, 0, ID)
#define I_CALLX(DST) I_RAW(BI_JMP | BI_CALL | BI_X, DST, 0, 0, 0)
#define I_EXIT() I_RAW(BI_JMP | BI_EXIT, 0, 0, 0, 0)

/* Load options for a program run as given, without the verifier, in the
 * checked interpreter: for tests of the run-time checks themselves, and
 * of programs that break a verifier rule on purpose. */
#define UNVERIFIED \
	(&(const struct bpfvm_load_opts){ .sz = sizeof(struct bpfvm_load_opts), .unverified = true })

#endif /* BPFVM_TEST_INSN_BUILD_H */
