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
 * The bodies run inside the loops of loop.h and use their names:
 *   st   struct interp_state *       reg  st->reg (uint64_t[11])
 *   in   the instruction running     rc   the error code on failure
 * and their exits: goto fail (rc and st->err set), goto done (the program
 * returns r0), goto pkt_oob (LD_ABS/LD_IND out of bounds: return 0).
 * Each loop defines how its instructions are read, since the checked loop
 * runs struct isa_insn and the trusted one struct interp_op (code.h):
 *   VM_BASE        slot 0 of the running program (PC_NOW = in - VM_BASE)
 *   VM_DSTI, VM_SRCI  the dst and src register numbers (DST = reg[VM_DSTI])
 *   VM_IMM64       the immediate sign-extended to 64 bits
 *   VM_WIDE_IMM64  ld_imm64's 64-bit immediate
 *   VM_MEM_PTR     MEM_PTR_CHECKED (check every memory access against
 *                  st->mem) or MEM_PTR_TRUSTED (verified code)
 *   VM_LEFT_SAVE() / VM_LEFT_LOAD()  hand the instruction budget to a
 *                  helper (and a callback it runs) and take it back
 *
 * Invariants of every body:
 * - On entry `in` is the running instruction; a body leaves `in` pointing
 *   at the slot BEFORE the next one to run, and the loop adds 1. So jumps
 *   add their offset, ld_imm64 steps over its second slot, and a return
 *   from a call sets `in` to the call instruction.
 * - A body that fails does so before it changes any register or memory,
 *   with `in` still at the running instruction (the error names it).
 * - Memory is touched only through a pointer VM_MEM_PTR gave for exactly
 *   that address and size: in the checked loop one mem_ptr() returned.
 * - The simple shapes (fuse.h) neither fail nor leave the loop in the
 *   trusted one: they also compile as the inline functions its fused
 *   handlers call, where `in` is a parameter and the register numbers
 *   come as d_ and s_.
 */
#ifndef BPFVM_INTERP_SHAPES_H
#define BPFVM_INTERP_SHAPES_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "alu.h"
#include "call.h"
#include "common/error.h"
#include "common/pkt_hdr.h"
#include "maps/map.h"
#include "mem.h"
#include "state.h"

#if defined(__GNUC__)
#define INTERP_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define INTERP_LIKELY(x) __builtin_expect(!!(x), 1)
#else
#define INTERP_UNLIKELY(x) (x)
#define INTERP_LIKELY(x) (x)
#endif

#define DST reg[VM_DSTI]
#define SRC reg[VM_SRCI]
#define PC_NOW ((long)(in - VM_BASE))
#define VM_AT(pc) (VM_BASE + (pc))
#define FAIL(code_expr)              \
	do {                         \
		rc = (code_expr);    \
		goto fail;           \
	} while (0)

/* ------------------------------------------------------------------ */
/* ALU                                                                 */

/* VM_IMM64 is the immediate sign-extended to 64 bits; alu32_* use its
 * low 32 bits, alu64_* all of them. */
#define BODY_ALU_K(ID, OP, W, SIZE, DVAL) DST = alu##W##_##OP(DST, VM_IMM64)
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
		if (jmp##W##_##OP(DST, VM_IMM64))      \
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
		VM_LEFT_SAVE();                                                  \
		rc = call_helper(st, (ID_EXPR), PC_NOW, (VIA_REG));              \
		VM_LEFT_LOAD();                                                  \
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
/* A call the loader found to be of the built-in bpf_map_lookup_elem, in
 * verified code (trusted loop only): the verifier proved r1 a map and r2
 * key_size readable bytes, so when r1 is one of the maps the program
 * holds and the helper is still the built-in one, look up directly, as
 * the helper would after its checks (a plain array inline, as its
 * array_lookup() does); else make the call as usual. */
#define BODY_MAP_LOOKUP()                                                            \
	do {                                                                         \
		const struct interp_map *m_ = call_own_map(st->code, reg[1]);        \
		if (INTERP_LIKELY(m_ != NULL && call_is_map_lookup(st->prog->vm,     \
								   in->imm))) {      \
			const void *key_ = (const void *)(uintptr_t)reg[2];          \
			if (m_->values) {                                            \
				uint32_t i_;                                         \
				memcpy(&i_, key_, sizeof(i_));                       \
				reg[0] = i_ < m_->max_entries                        \
						 ? (uint64_t)(uintptr_t)(m_->values +  \
							(uint64_t)i_ * m_->elem_size) \
						 : 0;                                \
			} else {                                                     \
				reg[0] = (uint64_t)(uintptr_t)map_lookup_elem(       \
					m_->map, key_, m_->map->nr_cpus > 1 ? st->cpu : 0); \
			}                                                            \
		} else {                                                             \
			BODY_CALL_HELPER(CALL, NONE, 0, 0, 0);                       \
		}                                                                    \
	} while (0)
#define BODY_CALL_KFUNC(ID, OP, W, SIZE, DVAL) \
	FAIL(err_insn(st->err, -ENOTSUP, PC_NOW, "kfunc calls are not supported"))
#define BODY_CALL_LOCAL(ID, OP, W, SIZE, DVAL)                                    \
	do {                                                                      \
		if (INTERP_UNLIKELY(st->depth + 1 >= BPFVM_MAX_CALL_DEPTH))       \
			FAIL(err_insn(st->err, -E2BIG, PC_NOW,                    \
				      "call depth exceeds %d frames",             \
				      BPFVM_MAX_CALL_DEPTH));                     \
		state_push_frame(st, (size_t)PC_NOW);                             \
		in += in->imm;                                                    \
	} while (0)
/* The frame the loop was started for returns: the program (depth 0), or
 * a callback a helper runs (its frame). */
#define BODY_EXIT(ID, OP, W, SIZE, DVAL)               \
	do {                                           \
		if (st->depth == st->stop_depth)       \
			goto done;                     \
		size_t ret_ = state_pop_frame(st);     \
		in = VM_AT(ret_); /* the caller's code */ \
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
		DST = VM_WIDE_IMM64;                                              \
		in++;                                                             \
	} while (0)

/* r0 = big-endian SIZE bytes at packet offset off, or false when
 * [off, off + size) is not inside the packet. A negative off reads a
 * header (common/pkt_hdr.h), which may start before the packet. */
static inline bool interp_ld_pkt(struct interp_state *st, int64_t off, unsigned size)
{
	if (off < 0) {
		off = pkt_hdr_at(off, st->pkt_net, st->pkt_ll);
		if (off + (int64_t)size > (int64_t)st->pkt_len)
			return false;
		st->reg[0] = mem_load_be(st->pkt + off, size);
		return true;
	}
	if ((uint64_t)off > st->pkt_len || st->pkt_len - (uint64_t)off < size)
		return false;
	st->reg[0] = mem_load_be(st->pkt + off, size);
	return true;
}

#define BODY_LD_ABS(ID, OP, W, SIZE, DVAL)                         \
	do {                                                       \
		if (!interp_ld_pkt(st, in->imm, SIZE))             \
			goto pkt_oob;                              \
	} while (0)
/* The offset is src + imm as a signed 32-bit value: the kernel adds them
 * in 64 bits and passes the sum to its load helper as an int, so it wraps
 * at 32 bits (src INT_MIN, imm INT_MIN + 5 reads byte 5). */
#define BODY_LD_IND(ID, OP, W, SIZE, DVAL)                                           \
	do {                                                                         \
		int64_t off_ = alu_s32((uint64_t)(uint32_t)SRC + (uint32_t)in->imm); \
		if (!interp_ld_pkt(st, off_, SIZE))                                  \
			goto pkt_oob;                                                \
	} while (0)

/* ------------------------------------------------------------------ */
/* Checked memory                                                      */

/* Declare P, the host pointer for reg[REGNO] + off, SIZE bytes, or fail.
 * VM_MEM_PTR is the loop's: checked (mem_ptr, or fail) or, for verified
 * code, the address itself, as the JIT and the kernel's interpreter take
 * it. */
#define CHECKED_PTR(P, REGNO, SIZE, KIND)                                            \
	const uint64_t P##_addr = reg[REGNO] + (uint64_t)(int64_t)in->off;           \
	VM_MEM_PTR(P, REGNO, SIZE, KIND)
#define MEM_PTR_CHECKED(P, REGNO, SIZE, KIND)                                        \
	void *const P = mem_ptr(&st->mem, P##_addr, SIZE, (KIND) != MEM_READ);       \
	if (INTERP_UNLIKELY(!P))                                                     \
	FAIL(mem_fault(&st->mem, st->err, PC_NOW, KIND, SIZE, REGNO, in->off, P##_addr))
#define MEM_PTR_TRUSTED(P, REGNO, SIZE, KIND) void *const P = (void *)(uintptr_t)P##_addr

/* The same, for atomics: the address must also be aligned to SIZE. */
#define ATOMIC_PTR(P, REGNO, SIZE, KIND)                                             \
	CHECKED_PTR(P, REGNO, SIZE, KIND);                                           \
	if (INTERP_UNLIKELY(P##_addr & ((SIZE) - 1)))                                \
	FAIL(mem_misaligned(st->err, PC_NOW, SIZE, REGNO, in->off, P##_addr))

#define BODY_LDX(ID, OP, W, SIZE, DVAL)                                \
	do {                                                           \
		CHECKED_PTR(p_, VM_SRCI, SIZE, MEM_READ);              \
		DST = mem_load_##SIZE(p_);                             \
	} while (0)
#define BODY_LDXSX(ID, OP, W, SIZE, DVAL)                              \
	do {                                                           \
		CHECKED_PTR(p_, VM_SRCI, SIZE, MEM_READ);              \
		DST = alu_sext(mem_load_##SIZE(p_), (SIZE) * 8);       \
	} while (0)
#define BODY_ST(ID, OP, W, SIZE, DVAL)                                 \
	do {                                                           \
		CHECKED_PTR(p_, VM_DSTI, SIZE, MEM_WRITE);             \
		mem_store_##SIZE(p_, VM_IMM64);                        \
	} while (0)
#define BODY_STX(ID, OP, W, SIZE, DVAL)                                \
	do {                                                           \
		CHECKED_PTR(p_, VM_DSTI, SIZE, MEM_WRITE);             \
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
		ATOMIC_PTR(p_, VM_DSTI, SIZE, MEM_ATOMIC);                             \
		(void)ATOMIC_RMW_##OP((UTYPE_##SIZE *)p_, (UTYPE_##SIZE)SRC,           \
				      __ATOMIC_SEQ_CST);                               \
	} while (0)
/* The old value lands in src, zero-extended from SIZE bytes. */
#define BODY_ATOMIC_FETCH(ID, OP, W, SIZE, DVAL)                                       \
	do {                                                                           \
		ATOMIC_PTR(p_, VM_DSTI, SIZE, MEM_ATOMIC);                             \
		SRC = ATOMIC_RMW_##OP((UTYPE_##SIZE *)p_, (UTYPE_##SIZE)SRC,           \
				      __ATOMIC_SEQ_CST);                               \
	} while (0)
#define BODY_XCHG(ID, OP, W, SIZE, DVAL)                                               \
	do {                                                                           \
		ATOMIC_PTR(p_, VM_DSTI, SIZE, MEM_ATOMIC);                             \
		SRC = __atomic_exchange_n((UTYPE_##SIZE *)p_, (UTYPE_##SIZE)SRC,       \
					  __ATOMIC_SEQ_CST);                           \
	} while (0)
/* Compare r0 (its low SIZE bytes) with memory, store src if equal; r0
 * always receives the old value, zero-extended. */
#define BODY_CMPXCHG(ID, OP, W, SIZE, DVAL)                                            \
	do {                                                                           \
		ATOMIC_PTR(p_, VM_DSTI, SIZE, MEM_ATOMIC);                             \
		UTYPE_##SIZE old_ = (UTYPE_##SIZE)reg[0];                              \
		(void)__atomic_compare_exchange_n((UTYPE_##SIZE *)p_, &old_,           \
						  (UTYPE_##SIZE)SRC, false,            \
						  __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
		reg[0] = old_;                                                         \
	} while (0)
#define BODY_LOAD_ACQ(ID, OP, W, SIZE, DVAL)                                           \
	do {                                                                           \
		ATOMIC_PTR(p_, VM_SRCI, SIZE, MEM_READ);                               \
		DST = __atomic_load_n((UTYPE_##SIZE *)p_, __ATOMIC_ACQUIRE);           \
	} while (0)
#define BODY_STORE_REL(ID, OP, W, SIZE, DVAL)                                          \
	do {                                                                           \
		ATOMIC_PTR(p_, VM_DSTI, SIZE, MEM_WRITE);                              \
		__atomic_store_n((UTYPE_##SIZE *)p_, (UTYPE_##SIZE)SRC,                \
				 __ATOMIC_RELEASE);                                    \
	} while (0)

#endif /* BPFVM_INTERP_SHAPES_H */
