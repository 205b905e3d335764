/*
 * lower_alu.c - ALU32/ALU64 rows: ALU_K, ALU_X, NEG, MOVSX, END_LE,
 * END_BE, BSWAP, and LDDW (a 64-bit move).
 *
 * Semantics are interp/alu.h's, exactly:
 * - 32-bit operations use the 32-bit x86 forms, which zero the upper half
 *   of the destination, so no separate zero-extension is emitted.
 * - Shift counts are masked by the width; x86 masks cl the same way (by 31
 *   or 63), and constant counts are masked here.
 * - x / 0 = 0 and x % 0 = x (its low 32 bits for 32-bit ops); signed
 *   x / -1 = -x (INT_MIN stays INT_MIN) and x % -1 = 0, tested before
 *   idiv, which would trap on INT_MIN / -1. Constant divisors are decided
 *   here and only the real division is emitted.
 */
#include <errno.h>

#include "lower.h"

static bool is_div_op(unsigned op)
{
	return op == ISA_OP_DIV || op == ISA_OP_SDIV || op == ISA_OP_MOD || op == ISA_OP_SMOD;
}

/* The result of dst OP 0: DIV 0, MOD dst (zero-extended for 32 bits). */
static void div_by_zero(struct jit_ctx *c, bool is64, bool is_div, int dst)
{
	if (is_div)
		emit_mov_imm32(&c->buf, false, dst, 0);   /* xor dst32, dst32 */
	else if (!is64)
		emit_mov_rr(&c->buf, false, dst, dst);    /* mov dst32, dst32 */
}

/* The result of dst s/ -1 = -dst, dst s% -1 = 0. */
static void div_by_minus1(struct jit_ctx *c, bool is64, bool is_div, int dst)
{
	if (is_div)
		emit_neg(&c->buf, is64, dst);             /* neg dst */
	else
		emit_mov_imm32(&c->buf, false, dst, 0);   /* xor dst32, dst32 */
}

/*
 * dst = dst OP r11 for a divisor in r11 that is neither 0 nor (signed) -1.
 * rax and rdx (BPF r0 and r3) are kept in scratch registers, not pushed:
 *   mov r10, rax          ; unless dst is rax
 *   mov r9, rdx           ; unless dst is rdx
 *   mov rax, dst          ; unless dst is rax
 *   xor edx, edx | cqo
 *   div r11 | idiv r11    ; 32-bit forms write eax/edx zero-extended
 *   mov dst, rax | rdx    ; the quotient or the remainder, unless there
 *   mov rdx, r9 / mov rax, r10
 */
static void div_core(struct jit_ctx *c, bool is64, bool is_signed, bool is_div, int dst)
{
	struct jit_buf *b = &c->buf;
	int res = is_div ? RAX : RDX;
	if (dst != RAX)
		emit_mov_rr(b, true, JIT_TMP2, RAX);
	if (dst != RDX)
		emit_mov_rr(b, true, JIT_TMP3, RDX);
	if (dst != RAX)
		emit_mov_rr(b, true, RAX, dst);
	if (is_signed)
		emit_cqo(b, is64);
	else
		emit_mov_imm32(b, false, RDX, 0);
	emit_div(b, is64, is_signed, JIT_TMP);
	if (dst != res)
		emit_mov_rr(b, is64, dst, res);
	if (dst != RDX)
		emit_mov_rr(b, true, RDX, JIT_TMP3);
	if (dst != RAX)
		emit_mov_rr(b, true, RAX, JIT_TMP2);
}

static void lower_div(struct jit_ctx *c, const struct isa_desc *d, const struct isa_insn *in)
{
	struct jit_buf *b = &c->buf;
	bool is64 = d->width == 64;
	bool is_signed = d->op == ISA_OP_SDIV || d->op == ISA_OP_SMOD;
	bool is_div = d->op == ISA_OP_DIV || d->op == ISA_OP_SDIV;
	int dst = jit_reg[in->dst];

	if (d->shape == ISA_SHAPE_ALU_K) {
		int32_t imm = in->imm;
		if (imm == 0) {
			div_by_zero(c, is64, is_div, dst);
			return;
		}
		if (is_signed && imm == -1) {
			div_by_minus1(c, is64, is_div, dst);
			return;
		}
		emit_mov_imm32(b, is64, JIT_TMP, imm); /* mov r11, imm */
		div_core(c, is64, is_signed, is_div, dst);
		return;
	}
	/*   mov r11, src ; test r11, r11 ; jz .zero
	 *   [cmp r11, -1 ; je .m1]  <div_core>  jmp .done
	 * .zero: <div_by_zero> [jmp .done ; .m1: <div_by_minus1>]
	 * .done: */
	emit_mov_rr(b, is64, JIT_TMP, jit_reg[in->src]);
	emit_test_rr(b, is64, JIT_TMP, JIT_TMP);
	emit_jcc8(b, CC_E, 0);
	size_t to_zero = b->len;
	size_t to_m1 = 0;
	if (is_signed) {
		emit_alu_ri(b, is64, ALU_CMP, JIT_TMP, -1);
		emit_jcc8(b, CC_E, 0);
		to_m1 = b->len;
	}
	div_core(c, is64, is_signed, is_div, dst);
	emit_jmp8(b, 0);
	size_t to_done = b->len;
	patch1(b, to_zero - 1, (uint8_t)(b->len - to_zero));
	div_by_zero(c, is64, is_div, dst);
	size_t to_done2 = 0;
	if (is_signed) {
		emit_jmp8(b, 0);
		to_done2 = b->len;
		patch1(b, to_m1 - 1, (uint8_t)(b->len - to_m1));
		div_by_minus1(c, is64, is_div, dst);
		patch1(b, to_done2 - 1, (uint8_t)(b->len - to_done2));
	}
	patch1(b, to_done - 1, (uint8_t)(b->len - to_done));
}

/* Variable shift: the count must be in cl, and rcx is BPF r4.
 *   src is r4:   shl dst, cl
 *   otherwise:   mov r11, rcx ; mov ecx, src
 *                shl dst, cl            (dst r4: shl r11, cl ; mov rcx, r11)
 *                mov rcx, r11 */
static void lower_shift_x(struct jit_ctx *c, bool is64, enum x86_shift op, int dst, int src)
{
	struct jit_buf *b = &c->buf;
	if (src == RCX) {
		emit_shift_rcl(b, is64, op, dst);
		return;
	}
	emit_mov_rr(b, true, JIT_TMP, RCX);
	emit_mov_rr(b, false, RCX, src);
	if (dst == RCX) {
		emit_shift_rcl(b, is64, op, JIT_TMP);
	} else {
		emit_shift_rcl(b, is64, op, dst);
	}
	emit_mov_rr(b, true, RCX, JIT_TMP);
}

static const struct {
	int8_t alu;   /* enum x86_alu, or -1 */
	int8_t shift; /* enum x86_shift, or -1 */
} op_map[ISA_OP__COUNT] = {
	[ISA_OP_ADD] = { ALU_ADD, -1 }, [ISA_OP_SUB] = { ALU_SUB, -1 },
	[ISA_OP_OR] = { ALU_OR, -1 },   [ISA_OP_AND] = { ALU_AND, -1 },
	[ISA_OP_XOR] = { ALU_XOR, -1 },
	[ISA_OP_LSH] = { -1, SH_SHL },  [ISA_OP_RSH] = { -1, SH_SHR },
	[ISA_OP_ARSH] = { -1, SH_SAR },
	[ISA_OP_MUL] = { -1, -1 },      [ISA_OP_MOV] = { -1, -1 },
};

static int lower_alu_op(struct jit_ctx *c, const struct isa_desc *d, const struct isa_insn *in)
{
	struct jit_buf *b = &c->buf;
	bool is64 = d->width == 64, k = d->shape == ISA_SHAPE_ALU_K;
	int dst = jit_reg[in->dst], src = jit_reg[in->src];

	if (is_div_op(d->op)) {
		lower_div(c, d, in);
		return 0;
	}
	if (d->op == ISA_OP_MOV) {
		if (k)
			emit_mov_imm32(b, is64, dst, in->imm);  /* mov dst, imm */
		else if (dst != src || !is64)
			emit_mov_rr(b, is64, dst, src);         /* mov dst, src */
		return 0;
	}
	if (d->op == ISA_OP_MUL) {
		if (k)
			emit_imul_ri(b, is64, dst, in->imm);
		else
			emit_imul_rr(b, is64, dst, src);
		return 0;
	}
	if (op_map[d->op].alu >= 0) {
		enum x86_alu op = (enum x86_alu)op_map[d->op].alu;
		if (k)
			emit_alu_ri(b, is64, op, dst, in->imm);
		else
			emit_alu_rr(b, is64, op, dst, src);
		return 0;
	}
	if (op_map[d->op].shift >= 0) {
		enum x86_shift op = (enum x86_shift)op_map[d->op].shift;
		if (!k) {
			lower_shift_x(c, is64, op, dst, src);
			return 0;
		}
		uint8_t count = (uint8_t)((uint32_t)in->imm & (is64 ? 63u : 31u));
		if (count)
			emit_shift_ri(b, is64 ? X_W : 0, op, dst, count);
		else if (!is64)
			emit_mov_rr(b, false, dst, dst); /* shift by 0: zero-extend only */
		return 0;
	}
	return -ENOTSUP;
}

/* 16-bit swap: rol dst16, 8 ; movzx dst32, dst16 */
static void swap16(struct jit_buf *b, int dst)
{
	emit_shift_ri(b, X_66, SH_ROL, dst, 8);
	emit_movzx_rr(b, 16, dst, dst);
}

int lower_alu(struct jit_ctx *c, const struct isa_desc *d, const struct isa_insn *in)
{
	struct jit_buf *b = &c->buf;
	int dst = jit_reg[in->dst], src = jit_reg[in->src];
	bool is64 = d->width == 64;

	switch (d->shape) {
	case ISA_SHAPE_ALU_K:
	case ISA_SHAPE_ALU_X:
		return lower_alu_op(c, d, in);
	case ISA_SHAPE_NEG:
		emit_neg(b, is64, dst);
		return 0;
	case ISA_SHAPE_MOVSX:
		/* size is in bits: movsx dst, src8/16 or movsxd dst, src32 */
		emit_movsx_rr(b, is64, d->size, dst, src);
		return 0;
	case ISA_SHAPE_END_LE: /* little-endian host: truncate only */
		if (d->size == 16)
			emit_movzx_rr(b, 16, dst, dst);
		else if (d->size == 32)
			emit_mov_rr(b, false, dst, dst);
		return 0;
	case ISA_SHAPE_END_BE:
	case ISA_SHAPE_BSWAP:
		if (d->size == 16)
			swap16(b, dst);
		else
			emit_bswap(b, d->size == 64, dst);
		return 0;
	case ISA_SHAPE_LDDW:
		emit_mov_imm64(b, dst, in->imm64);
		return 0;
	default:
		return -ENOTSUP;
	}
}
