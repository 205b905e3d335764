/*
 * shapes.h - what each execution template (SHAPE column) of isa_table.def
 * does, as one macro per shape.
 *
 * loop.h expands every table row into BODY_<SHAPE>(ID, OP, WIDTH, SIZE,
 * DVAL) at its dispatch label. OP, WIDTH and SIZE are pasted onto names
 * (alu64_ADD, jmp32_JSLT, mem_load_4, alu_be16, ...), so a row's body is
 * fixed at compile time and holds no run-time switch; the pure semantics are
 * in alu.h, the memory checks in mem.h.
 *
 * The bodies run inside the loop of loop.h and use its names:
 *   st   struct interp_state *       reg  st->reg (uint64_t[11])
 *   in   the instruction running     rc   the error code on failure
 * and its exits: goto fail (rc and st->err set), goto done (the program
 * returns r0), goto pkt_oob (LD_ABS/LD_IND out of bounds: return 0).
 *
 * Invariants of every body:
 * - On entry `in` is the running instruction; a body leaves `in` pointing
 *   at the slot BEFORE the next one to run, and the loop adds 1. So jumps
 *   add their offset, ld_imm64 steps over its second slot, and a return
 *   from a call sets `in` to the call instruction.
 * - A body that fails does so before it changes any register or memory,
 *   with `in` still at the running instruction (the error names it).
 * - Memory is touched only through a pointer mem_ptr() returned for
 *   exactly that address and size.
 */
#ifndef BPFVM_INTERP_SHAPES_H
#define BPFVM_INTERP_SHAPES_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "alu.h"
#include "call.h"
#include "common/error.h"
#include "mem.h"
#include "state.h"

#if defined(__GNUC__)
#define INTERP_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define INTERP_UNLIKELY(x) (x)
#endif

#define DST reg[in->dst]
#define SRC reg[in->src]
#define PC_NOW ((long)(in - st->insns))
#define FAIL(code_expr)              \
	do {                         \
		rc = (code_expr);    \
		goto fail;           \
	} while (0)

/* ------------------------------------------------------------------ */
/* ALU                                                                 */

/* imm64 is the immediate sign-extended to 64 bits (the decoder does it);
 * alu32_* use its low 32 bits, alu64_* all of them. */
#define BODY_ALU_K(ID, OP, W, SIZE, DVAL) DST = alu##W##_##OP(DST, in->imm64)
#define BODY_ALU_X(ID, OP, W, SIZE, DVAL) DST = alu##W##_##OP(DST, SRC)
#define BODY_NEG(ID, OP, W, SIZE, DVAL) DST = alu##W##_##OP(DST)
/* SIZE is in bits here: sign-extend src's low SIZE bits, then to WIDTH. */
#define BODY_MOVSX(ID, OP, W, SIZE, DVAL) DST = alu_zext##W(alu_sext(SRC, SIZE))
#define BODY_END_LE(ID, OP, W, SIZE, DVAL) DST = alu_le##SIZE(DST)
#define BODY_END_BE(ID, OP, W, SIZE, DVAL) DST = alu_be##SIZE(DST)
#define BODY_BSWAP(ID, OP, W, SIZE, DVAL) DST = alu_bswap##SIZE(DST)

/* ------------------------------------------------------------------ */
/* Jumps (the loop adds the 1)                                         */

#define BODY_JA(ID, OP, W, SIZE, DVAL) in += in->off
#define BODY_JA32(ID, OP, W, SIZE, DVAL) in += in->imm
#define BODY_JMP_K(ID, OP, W, SIZE, DVAL)              \
	do {                                           \
		if (jmp##W##_##OP(DST, in->imm64))     \
			in += in->off;                 \
	} while (0)
#define BODY_JMP_X(ID, OP, W, SIZE, DVAL)              \
	do {                                           \
		if (jmp##W##_##OP(DST, SRC))           \
			in += in->off;                 \
	} while (0)
/* Falls through while the per-run loop budget lasts, then jumps. */
#define BODY_MAY_GOTO(ID, OP, W, SIZE, DVAL)           \
	do {                                           \
		if (st->loops)                         \
			st->loops--;                   \
		else                                   \
			in += in->off;                 \
	} while (0)

/* ------------------------------------------------------------------ */
/* Calls and exit                                                      */

/* bpf_tail_call sets st->tail_to; the loop then runs that program. */
/* The budget counter lives in the loop's local `left`; a helper may run a
 * callback (bpf_loop) that spends from it too, so it is handed over in
 * st->left for the call and taken back after. */
#define HELPER_CALL(ID_EXPR, VIA_REG)                                            \
	do {                                                                     \
		st->left = left;                                                 \
		rc = call_helper(st, (ID_EXPR), PC_NOW, (VIA_REG));              \
		left = st->left;                                                 \
		if (rc != 0)                                                     \
			goto fail;                                               \
	} while (0)
#define BODY_CALL_HELPER(ID, OP, W, SIZE, DVAL)                                  \
	do {                                                                     \
		HELPER_CALL((uint32_t)in->imm, -1);                              \
		if (INTERP_UNLIKELY(st->tail_to != NULL))                        \
			goto tail_call;                                          \
	} while (0)
/* The id comes from a register, so it may name bpf_tail_call too. */
#define BODY_CALLX(ID, OP, W, SIZE, DVAL)                                        \
	do {                                                                     \
		HELPER_CALL(DST, in->dst);                                       \
		if (INTERP_UNLIKELY(st->tail_to != NULL))                        \
			goto tail_call;                                          \
	} while (0)
#define BODY_CALL_KFUNC(ID, OP, W, SIZE, DVAL) \
	FAIL(err_insn(st->err, -ENOTSUP, PC_NOW, "kfunc calls are not supported"))
#define BODY_CALL_LOCAL(ID, OP, W, SIZE, DVAL)                                    \
	do {                                                                      \
		if (INTERP_UNLIKELY(st->depth + 1 >= BPFVM_MAX_CALL_DEPTH))       \
			FAIL(err_insn(st->err, -E2BIG, PC_NOW,                    \
				      "call depth exceeds %d frames",             \
				      BPFVM_MAX_CALL_DEPTH));                     \
		state_push_frame(st, in);                                         \
		in += in->imm;                                                    \
	} while (0)
/* The frame the loop was started for returns: the program (depth 0), or
 * a callback a helper runs (its frame). */
#define BODY_EXIT(ID, OP, W, SIZE, DVAL)               \
	do {                                           \
		if (st->depth == st->stop_depth)       \
			goto done;                     \
		in = state_pop_frame(st);              \
	} while (0)

/* ------------------------------------------------------------------ */
/* Immediate and packet loads                                          */

/* Only the plain form (DVAL = src = 0) runs; pseudo forms name maps or
 * code and need a loader. DVAL is a constant: one branch survives. */
#define BODY_LDDW(ID, OP, W, SIZE, DVAL)                                          \
	do {                                                                      \
		if ((DVAL) != 0)                                                  \
			FAIL(err_insn(st->err, -ENOTSUP, PC_NOW,                  \
				      "ld_imm64 pseudo form %s (src %d) must be " \
				      "resolved by a loader before running",      \
				      #ID, (DVAL)));                              \
		DST = in->imm64;                                                  \
		in++;                                                             \
	} while (0)

/* r0 = big-endian SIZE bytes at packet offset off, or false when
 * [off, off + size) is not inside the packet. */
static inline bool interp_ld_pkt(struct interp_state *st, int64_t off, unsigned size)
{
	if (off < 0 || (uint64_t)off > st->pkt_len || st->pkt_len - (uint64_t)off < size)
		return false;
	st->reg[0] = mem_load_be(st->pkt + off, size);
	return true;
}

#define BODY_LD_ABS(ID, OP, W, SIZE, DVAL)                         \
	do {                                                       \
		if (!interp_ld_pkt(st, in->imm, SIZE))             \
			goto pkt_oob;                              \
	} while (0)
/* The offset is src as a signed 32-bit value plus imm, in 64 bits. */
#define BODY_LD_IND(ID, OP, W, SIZE, DVAL)                                        \
	do {                                                                      \
		if (!interp_ld_pkt(st, (int64_t)alu_s32(SRC) + in->imm, SIZE))    \
			goto pkt_oob;                                             \
	} while (0)

/* ------------------------------------------------------------------ */
/* Checked memory                                                      */

/* Declare P, the host pointer for reg[REGNO] + off, SIZE bytes, or fail. */
#define CHECKED_PTR(P, REGNO, SIZE, KIND)                                            \
	const uint64_t P##_addr = reg[REGNO] + (uint64_t)(int64_t)in->off;           \
	void *const P = mem_ptr(&st->mem, P##_addr, SIZE, (KIND) != MEM_READ);       \
	if (INTERP_UNLIKELY(!P))                                                     \
	FAIL(mem_fault(&st->mem, st->err, PC_NOW, KIND, SIZE, REGNO, in->off, P##_addr))

/* The same, for atomics: the address must also be aligned to SIZE. */
#define ATOMIC_PTR(P, REGNO, SIZE, KIND)                                             \
	CHECKED_PTR(P, REGNO, SIZE, KIND);                                           \
	if (INTERP_UNLIKELY(P##_addr & ((SIZE) - 1)))                                \
	FAIL(mem_misaligned(st->err, PC_NOW, SIZE, REGNO, in->off, P##_addr))

#define BODY_LDX(ID, OP, W, SIZE, DVAL)                                \
	do {                                                           \
		CHECKED_PTR(p_, in->src, SIZE, MEM_READ);              \
		DST = mem_load_##SIZE(p_);                             \
	} while (0)
#define BODY_LDXSX(ID, OP, W, SIZE, DVAL)                              \
	do {                                                           \
		CHECKED_PTR(p_, in->src, SIZE, MEM_READ);              \
		DST = alu_sext(mem_load_##SIZE(p_), (SIZE) * 8);       \
	} while (0)
#define BODY_ST(ID, OP, W, SIZE, DVAL)                                 \
	do {                                                           \
		CHECKED_PTR(p_, in->dst, SIZE, MEM_WRITE);             \
		mem_store_##SIZE(p_, in->imm64);                       \
	} while (0)
#define BODY_STX(ID, OP, W, SIZE, DVAL)                                \
	do {                                                           \
		CHECKED_PTR(p_, in->dst, SIZE, MEM_WRITE);             \
		mem_store_##SIZE(p_, SRC);                             \
	} while (0)

/* ------------------------------------------------------------------ */
/* Atomics: sequentially consistent read-modify-write, so that several  */
/* runs sharing memory on different threads see each other's updates.   */

#define UTYPE_1 uint8_t
#define UTYPE_2 uint16_t
#define UTYPE_4 uint32_t
#define UTYPE_8 uint64_t

#if !defined(__GNUC__)
#error "the interpreter's atomics need the __atomic builtins (GCC or Clang)"
#endif
#define ATOMIC_RMW_ADD __atomic_fetch_add
#define ATOMIC_RMW_OR __atomic_fetch_or
#define ATOMIC_RMW_AND __atomic_fetch_and
#define ATOMIC_RMW_XOR __atomic_fetch_xor

#define BODY_ATOMIC(ID, OP, W, SIZE, DVAL)                                             \
	do {                                                                           \
		ATOMIC_PTR(p_, in->dst, SIZE, MEM_ATOMIC);                             \
		(void)ATOMIC_RMW_##OP((UTYPE_##SIZE *)p_, (UTYPE_##SIZE)SRC,           \
				      __ATOMIC_SEQ_CST);                               \
	} while (0)
/* The old value lands in src, zero-extended from SIZE bytes. */
#define BODY_ATOMIC_FETCH(ID, OP, W, SIZE, DVAL)                                       \
	do {                                                                           \
		ATOMIC_PTR(p_, in->dst, SIZE, MEM_ATOMIC);                             \
		SRC = ATOMIC_RMW_##OP((UTYPE_##SIZE *)p_, (UTYPE_##SIZE)SRC,           \
				      __ATOMIC_SEQ_CST);                               \
	} while (0)
#define BODY_XCHG(ID, OP, W, SIZE, DVAL)                                               \
	do {                                                                           \
		ATOMIC_PTR(p_, in->dst, SIZE, MEM_ATOMIC);                             \
		SRC = __atomic_exchange_n((UTYPE_##SIZE *)p_, (UTYPE_##SIZE)SRC,       \
					  __ATOMIC_SEQ_CST);                           \
	} while (0)
/* Compare r0 (its low SIZE bytes) with memory, store src if equal; r0
 * always receives the old value, zero-extended. */
#define BODY_CMPXCHG(ID, OP, W, SIZE, DVAL)                                            \
	do {                                                                           \
		ATOMIC_PTR(p_, in->dst, SIZE, MEM_ATOMIC);                             \
		UTYPE_##SIZE old_ = (UTYPE_##SIZE)reg[0];                              \
		(void)__atomic_compare_exchange_n((UTYPE_##SIZE *)p_, &old_,           \
						  (UTYPE_##SIZE)SRC, false,            \
						  __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
		reg[0] = old_;                                                         \
	} while (0)
#define BODY_LOAD_ACQ(ID, OP, W, SIZE, DVAL)                                           \
	do {                                                                           \
		ATOMIC_PTR(p_, in->src, SIZE, MEM_READ);                               \
		DST = __atomic_load_n((UTYPE_##SIZE *)p_, __ATOMIC_ACQUIRE);           \
	} while (0)
#define BODY_STORE_REL(ID, OP, W, SIZE, DVAL)                                          \
	do {                                                                           \
		ATOMIC_PTR(p_, in->dst, SIZE, MEM_WRITE);                              \
		__atomic_store_n((UTYPE_##SIZE *)p_, (UTYPE_##SIZE)SRC,                \
				 __ATOMIC_RELEASE);                                    \
	} while (0)

#endif /* BPFVM_INTERP_SHAPES_H */
