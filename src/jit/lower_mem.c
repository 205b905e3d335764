/*
 * lower_mem.c - loads, stores and atomics: LDX, LDXSX, ST, STX, ATOMIC,
 * ATOMIC_FETCH, XCHG, CMPXCHG, LOAD_ACQ, STORE_REL.
 *
 * Addresses are host addresses ([reg + off]); the JIT trusts verified
 * programs and emits no bounds checks.
 *
 * Atomics, as the kernel's x86 JIT lowers them:
 * - add/or/and/xor without fetch: lock add/or/and/xor [dst + off], src
 * - fetch add: lock xadd [dst + off], src
 * - fetch or/and/xor: a lock cmpxchg loop with rax as the comparand; r0
 *   lives in rax, so it is kept in r10 around the loop
 * - xchg: xchg [dst + off], src (implicitly locked)
 * - cmpxchg: lock cmpxchg [dst + off], src; 32-bit forms zero-extend r0
 *   after, since x86 leaves rax's upper half alone when the compare hits
 * x86 is TSO: plain loads are acquire loads and plain stores are release
 * stores, so LOAD_ACQ and STORE_REL are a mov.
 * A 32-bit result written to a register always zero-extends it.
 */
#include <errno.h>

#include "lower.h"

/* lock op [base + off], src : the r/m, reg opcodes of group-1 ALU ops */
static const uint8_t lock_rmw_opc[ISA_OP__COUNT] = {
	[ISA_OP_ADD] = 0x01, [ISA_OP_OR] = 0x09, [ISA_OP_AND] = 0x21, [ISA_OP_XOR] = 0x31,
};

/*
 *   mov r10, rax
 *   mov rax, [base + off]
 * .retry:
 *   mov r11, rax
 *   op r11, src            ; src r0: op r11, r10
 *   lock cmpxchg [base + off], r11
 *   jne .retry
 *   mov src, rax           ; src r0: mov eax, eax (32) and keep it
 *   mov rax, r10
 * base r0 (rax) is read through r10, which holds the same value.
 */
static void fetch_loop(struct jit_ctx *c, const struct isa_desc *d, const struct isa_insn *in)
{
	struct jit_buf *b = &c->buf;
	bool is64 = d->size == 8;
	unsigned w = is64 ? X_W : 0;
	int base = jit_reg[in->dst], src = jit_reg[in->src];
	if (base == RAX)
		base = JIT_TMP2;
	int operand = src == RAX ? JIT_TMP2 : src;

	emit_mov_rr(b, true, JIT_TMP2, RAX);
	x86_rm(b, w, 0x8b, RAX, base, in->off);          /* mov rax, [base+off] */
	size_t retry = b->len;
	emit_mov_rr(b, true, JIT_TMP, RAX);
	x86_rr(b, w, lock_rmw_opc[d->op], operand, JIT_TMP); /* op r11, src */
	x86_rm(b, w | X_LOCK, 0x0fb1, JIT_TMP, base, in->off); /* lock cmpxchg [base+off], r11 */
	emit_jcc8(b, CC_NE, (int8_t)(retry - (b->len + 2)));
	if (src == RAX) {
		if (!is64)
			emit_mov_rr(b, false, RAX, RAX);
		return;
	}
	emit_mov_rr(b, is64, src, RAX);
	emit_mov_rr(b, true, RAX, JIT_TMP2);
}

int lower_mem(struct jit_ctx *c, const struct isa_desc *d, const struct isa_insn *in)
{
	struct jit_buf *b = &c->buf;
	int dst = jit_reg[in->dst], src = jit_reg[in->src];
	unsigned w = d->size == 8 ? X_W : 0;

	switch (d->shape) {
	case ISA_SHAPE_LDX:
	case ISA_SHAPE_LOAD_ACQ:
		emit_load(b, d->size, dst, src, in->off);
		return 0;
	case ISA_SHAPE_LDXSX:
		emit_load_sx(b, d->size, dst, src, in->off);
		return 0;
	case ISA_SHAPE_ST:
		emit_store_imm(b, d->size, dst, in->off, in->imm);
		return 0;
	case ISA_SHAPE_STX:
	case ISA_SHAPE_STORE_REL:
		emit_store(b, d->size, dst, in->off, src);
		return 0;
	case ISA_SHAPE_ATOMIC:
		x86_rm(b, w | X_LOCK, lock_rmw_opc[d->op], src, dst, in->off); /* lock op [dst+off], src */
		return 0;
	case ISA_SHAPE_ATOMIC_FETCH:
		if (d->op == ISA_OP_ADD)
			x86_rm(b, w | X_LOCK, 0x0fc1, src, dst, in->off); /* lock xadd [dst+off], src */
		else
			fetch_loop(c, d, in);
		return 0;
	case ISA_SHAPE_XCHG:
		x86_rm(b, w, 0x87, src, dst, in->off); /* xchg [dst+off], src */
		return 0;
	case ISA_SHAPE_CMPXCHG:
		x86_rm(b, w | X_LOCK, 0x0fb1, src, dst, in->off); /* lock cmpxchg [dst+off], src */
		if (!w)
			emit_mov_rr(b, false, RAX, RAX); /* mov eax, eax */
		return 0;
	default:
		return -ENOTSUP;
	}
}
