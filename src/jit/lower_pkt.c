/*
 * lower_pkt.c - the legacy packet loads LD_ABS and LD_IND.
 *
 * r0 = the SIZE bytes at packet offset off, big-endian (network order),
 * zero-extended; off = imm (LD_ABS) or (s32)(src + imm) (LD_IND: the
 * kernel's load helper takes the sum as an int, so it wraps at 32 bits).
 * The packet is run->pkt / run->pkt_len (bpfvm_run_opts.packet, default
 * the input memory), as in the interpreter.
 *
 * These loads carry their own bounds check, verified or not, because the
 * program cannot test the offset first: an offset outside the packet ends
 * the function the entry called with r0 = 0 (the oob exit, lower.h), as
 * the kernel and the interpreter do. Only r0 and the scratch registers
 * change; unlike the kernel's helper-based lowering, r1..r5 survive, as
 * they do in the interpreter.
 *
 * A negative offset reads a header (SKF_NET_OFF + k, SKF_LL_OFF + k:
 * common/pkt_hdr.h): rare, so it is a call of one of three functions in
 * the image's fixed part (ldneg_off, by size), which turn the offset in
 * r11 into the address of the bytes, or take the oob exit. (The exit
 * restores rsp, so the call's return address does not matter there.)
 */
#include <errno.h>

#include "common/pkt_hdr.h"
#include "lower.h"

/* A jump from here to a fixed part's offset (backwards, known now). */
static void jcc_fixed(struct jit_buf *b, enum x86_cc cc, uint32_t target)
{
	int64_t rel8 = (int64_t)target - (int64_t)(b->len + 2);
	if (rel8 >= -128)
		emit_jcc8(b, cc, (int8_t)rel8);
	else
		emit_jcc32(b, cc, (int32_t)((int64_t)target - (int64_t)(b->len + 6)));
}

/*
 * The header load function for size bytes: r11 = a negative offset in,
 * the address of its bytes out; r10 scratch.
 *   cmp r11, SKF_NET_OFF ; jl .ll
 *   add r11, [r12 + PKT_NET] ; add r11, -SKF_NET_OFF ; jmp .end
 * .ll:
 *   cmp r11, SKF_LL_OFF ; jl oob
 *   add r11, [r12 + PKT_LL] ; add r11, -SKF_LL_OFF
 * .end:                                   ; r11 = offset in the packet
 *   lea r10, [r11 + size] ; cmp r10, [r12 + PKT_LEN] ; jg oob
 *   add r11, [r12 + PKT] ; ret
 * The comparisons are signed: a header may start before the packet.
 */
static void ldneg_fn(struct jit_ctx *c, unsigned size)
{
	struct jit_buf *b = &c->buf;
	emit_alu_ri(b, true, ALU_CMP, JIT_TMP, PKT_SKF_NET_OFF);
	emit_jcc8(b, CC_L, 0);
	size_t to_ll = b->len;
	emit_alu_rm(b, true, ALU_ADD, JIT_TMP, JIT_CTX, JIT_RUN_PKT_NET);
	emit_alu_ri(b, true, ALU_ADD, JIT_TMP, -PKT_SKF_NET_OFF);
	emit_jmp8(b, 0);
	size_t to_end = b->len;
	b->p[to_ll - 1] = (uint8_t)(b->len - to_ll);
	emit_alu_ri(b, true, ALU_CMP, JIT_TMP, PKT_SKF_LL_OFF);
	jcc_fixed(b, CC_L, c->oob_off);
	emit_alu_rm(b, true, ALU_ADD, JIT_TMP, JIT_CTX, JIT_RUN_PKT_LL);
	emit_alu_ri(b, true, ALU_ADD, JIT_TMP, -PKT_SKF_LL_OFF);
	b->p[to_end - 1] = (uint8_t)(b->len - to_end);
	emit_lea(b, JIT_TMP2, JIT_TMP, (int32_t)size);
	emit_alu_rm(b, true, ALU_CMP, JIT_TMP2, JIT_CTX, JIT_RUN_PKT_LEN);
	jcc_fixed(b, CC_G, c->oob_off);
	emit_alu_rm(b, true, ALU_ADD, JIT_TMP, JIT_CTX, JIT_RUN_PKT);
	emit_ret(b);
}

void lower_pkt_fixed(struct jit_ctx *c)
{
	static const unsigned sizes[3] = { 1, 2, 4 };
	bool any = false; /* only programs with packet loads get them */
	for (size_t pc = 0; pc < c->n && !any; pc++) {
		if (c->insns[pc].id == ISA__WIDE_HI)
			continue;
		unsigned shape = isa_table[c->insns[pc].id].shape;
		any = shape == ISA_SHAPE_LD_ABS || shape == ISA_SHAPE_LD_IND;
	}
	for (int i = 0; any && i < 3; i++) {
		c->ldneg_off[i] = (uint32_t)c->buf.len;
		ldneg_fn(c, sizes[i]);
	}
}

/* call the header load function for size (lower_pkt_fixed) */
static void call_ldneg(struct jit_ctx *c, unsigned size)
{
	struct jit_buf *b = &c->buf;
	uint32_t fn = c->ldneg_off[size == 1 ? 0 : size == 2 ? 1 : 2];
	emit_call32(b, (int32_t)((int64_t)fn - (int64_t)(b->len + 5)));
}

/* r0 = big-endian size bytes at [base + disp]:
 *   movzx eax, byte [base+disp]
 *   movzx eax, word [base+disp] ; rol ax, 8
 *   mov eax, [base+disp] ; bswap eax */
static void load_be(struct jit_buf *b, unsigned size, int base, int32_t disp)
{
	emit_load(b, size, RAX, base, disp);
	if (size == 2)
		emit_shift_ri(b, X_66, SH_ROL, RAX, 8);
	else if (size == 4)
		emit_bswap(b, false, RAX);
}

/*
 * LD_ABS, off = imm known here:
 *   cmp qword [r12 + PKT_LEN], off + size    (or via r11 past imm32)
 *   jb oob
 *   mov r11, [r12 + PKT]
 *   <load_be [r11 + off]>
 * or for off < 0 (a header):
 *   mov r11, off ; call ldneg(size) ; <load_be [r11]>
 */
static void lower_ld_abs(struct jit_ctx *c, unsigned size, int32_t imm)
{
	struct jit_buf *b = &c->buf;
	if (imm < 0) {
		emit_mov_imm32(b, true, JIT_TMP, imm);
		call_ldneg(c, size);
		load_be(b, size, JIT_TMP, 0);
		return;
	}
	int64_t end = (int64_t)imm + size;
	if (is_simm32(end)) {
		emit_alu_mi(b, true, ALU_CMP, JIT_CTX, JIT_RUN_PKT_LEN, (int32_t)end);
	} else {
		emit_mov_imm64(b, JIT_TMP, (uint64_t)end);
		x86_rm(b, X_W, 0x39, JIT_TMP, JIT_CTX, JIT_RUN_PKT_LEN); /* cmp [r12+LEN], r11 */
	}
	lower_jump_fixed(c, CC_B, c->oob_off);
	emit_load(b, 8, JIT_TMP, JIT_CTX, JIT_RUN_PKT);
	load_be(b, size, JIT_TMP, imm);
}

/*
 * LD_IND: off is a signed 32-bit value, so off + size cannot wrap.
 *   mov r11d, src32
 *   add r11d, imm                             ; (imm != 0)
 *   movsxd r11, r11d
 *   test r11, r11
 *   js oob                                    ; off < 0
 *   lea r10, [r11 + size]
 *   cmp r10, [r12 + PKT_LEN] ; ja oob         ; off + size > len
 *   add r11, [r12 + PKT]
 *   <load_be [r11]>
 */
static void lower_ld_ind(struct jit_ctx *c, unsigned size, int src, int32_t imm)
{
	struct jit_buf *b = &c->buf;
	emit_mov_rr(b, false, JIT_TMP, src);
	if (imm)
		emit_alu_ri(b, false, ALU_ADD, JIT_TMP, imm);
	emit_movsx_rr(b, true, 32, JIT_TMP, JIT_TMP);
	emit_test_rr(b, true, JIT_TMP, JIT_TMP);
	lower_pkt_load_off(c, size);
}

/* From the sign test on: r11 holds the offset and SF its sign (blind.c
 * uses this too, with the offset computed from a blinded immediate).
 *   jns .pos ; call ldneg(size) ; jmp .load
 * .pos:
 *   lea r10, [r11 + size] ; cmp r10, [r12 + PKT_LEN] ; ja oob
 *   add r11, [r12 + PKT]
 * .load:
 *   <load_be [r11]> */
void lower_pkt_load_off(struct jit_ctx *c, unsigned size)
{
	struct jit_buf *b = &c->buf;
	emit_jcc8(b, CC_NS, 0);
	size_t to_pos = b->len;
	call_ldneg(c, size);
	emit_jmp8(b, 0);
	size_t to_load = b->len;
	b->p[to_pos - 1] = (uint8_t)(b->len - to_pos);
	emit_lea(b, JIT_TMP2, JIT_TMP, (int32_t)size);
	emit_alu_rm(b, true, ALU_CMP, JIT_TMP2, JIT_CTX, JIT_RUN_PKT_LEN);
	lower_jump_fixed(c, CC_A, c->oob_off);
	emit_alu_rm(b, true, ALU_ADD, JIT_TMP, JIT_CTX, JIT_RUN_PKT);
	b->p[to_load - 1] = (uint8_t)(b->len - to_load);
	load_be(b, size, JIT_TMP, 0);
}

int lower_pkt(struct jit_ctx *c, const struct isa_desc *d, const struct isa_insn *in)
{
	switch (d->shape) {
	case ISA_SHAPE_LD_ABS:
		lower_ld_abs(c, d->size, in->imm);
		return 0;
	case ISA_SHAPE_LD_IND:
		lower_ld_ind(c, d->size, jit_reg[in->src], in->imm);
		return 0;
	default:
		return -ENOTSUP;
	}
}
