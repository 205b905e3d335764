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
 */
#include <errno.h>

#include "lower.h"

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
 * LD_ABS, off = imm known here: off < 0 never fits, so only the jump.
 *   cmp qword [r12 + PKT_LEN], off + size    (or via r11 past imm32)
 *   jb oob
 *   mov r11, [r12 + PKT]
 *   <load_be [r11 + off]>
 */
static void lower_ld_abs(struct jit_ctx *c, unsigned size, int32_t imm)
{
	struct jit_buf *b = &c->buf;
	if (imm < 0) {
		lower_jump_fixed(c, -1, c->oob_off);
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

/* From `js oob` on: r11 holds the offset and SF its sign (blind.c uses
 * this too, with the offset computed from a blinded immediate). */
void lower_pkt_load_off(struct jit_ctx *c, unsigned size)
{
	struct jit_buf *b = &c->buf;
	lower_jump_fixed(c, CC_S, c->oob_off);
	emit_lea(b, JIT_TMP2, JIT_TMP, (int32_t)size);
	emit_alu_rm(b, true, ALU_CMP, JIT_TMP2, JIT_CTX, JIT_RUN_PKT_LEN);
	lower_jump_fixed(c, CC_A, c->oob_off);
	emit_alu_rm(b, true, ALU_ADD, JIT_TMP, JIT_CTX, JIT_RUN_PKT);
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
