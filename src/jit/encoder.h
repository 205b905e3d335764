/*
 * encoder.h - x86-64 machine code, one emit function per instruction form.
 *
 * The encoder knows x86 and nothing of BPF: registers here are x86 register
 * numbers (enum x86_reg), never BPF ones; regs.h maps between them and the
 * lowering files (lower_*.c) decide what to emit. Each emitter's comment
 * gives the assembly (Intel syntax) it produces.
 *
 * Invariants:
 * - A jit_buf never overflows: lowering calls jit_buf_reserve() for the
 *   worst case of one BPF instruction (JIT_MAX_INSN_BYTES) before emitting,
 *   and the emitters write without checks. A failed reservation sets oom;
 *   later emits then write into a small spill area and the pass is
 *   discarded.
 * - Prefix order: lock / 0x66, then REX, then the opcode, ModRM, SIB,
 *   displacement, immediate.
 * - A REX prefix is emitted when it carries a bit, or when a byte operand
 *   is spl, bpl, sil or dil (without REX those encodings mean ah..bh).
 * - Memory operands are [base + disp32] with the shortest encoding: no
 *   displacement when it is 0 and base is not rbp/r13, disp8 when it fits;
 *   a base of rsp/r12 takes a SIB byte.
 */
#ifndef BPFVM_JIT_ENCODER_H
#define BPFVM_JIT_ENCODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum x86_reg {
	RAX = 0, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
	R8, R9, R10, R11, R12, R13, R14, R15,
};

/* Condition codes (the low nibble of Jcc / SETcc). */
enum x86_cc {
	CC_B = 0x2, CC_AE = 0x3, CC_E = 0x4, CC_NE = 0x5, CC_BE = 0x6, CC_A = 0x7,
	CC_S = 0x8, CC_NS = 0x9, CC_L = 0xc, CC_GE = 0xd, CC_LE = 0xe, CC_G = 0xf,
};

/* Group-1 ALU operations: the /ext of 0x81/0x83 and (ext << 3 | 1) for
 * the r/m, reg form. */
enum x86_alu {
	ALU_ADD = 0, ALU_OR = 1, ALU_ADC = 2, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6, ALU_CMP = 7,
};

/* Group-2 shifts: the /ext of 0xC1/0xD3. */
enum x86_shift {
	SH_ROL = 0, SH_SHL = 4, SH_SHR = 5, SH_SAR = 7,
};

/* The longest sequence one BPF instruction lowers to, with margin. */
#define JIT_MAX_INSN_BYTES 192

struct jit_buf {
	uint8_t *p;
	size_t len, cap;
	bool oom;
	uint8_t spill[JIT_MAX_INSN_BYTES];
};

/* Make room for at least n more bytes; false (and oom set) on failure. */
bool jit_buf_reserve(struct jit_buf *b, size_t n);

/* Raw bytes. */
static inline void emit1(struct jit_buf *b, uint8_t v)
{
	if (b->oom) {
		b->spill[b->len++ % JIT_MAX_INSN_BYTES] = v;
		return;
	}
	b->p[b->len++] = v;
}
void emit2(struct jit_buf *b, uint16_t v);     /* little-endian */
void emit4(struct jit_buf *b, uint32_t v);     /* little-endian */
void emit8(struct jit_buf *b, uint64_t v);     /* little-endian */
void patch4(struct jit_buf *b, size_t at, uint32_t v);
void patch1(struct jit_buf *b, size_t at, uint8_t v);

static inline bool is_imm8(int64_t v)
{
	return v >= -128 && v <= 127;
}

static inline bool is_simm32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

/* ---- generic forms (flags: operand size and prefixes) ---- */
#define X_W 0x1u    /* REX.W: 64-bit operand */
#define X_66 0x2u   /* 0x66: 16-bit operand */
#define X_LOCK 0x4u /* 0xF0 lock prefix */
#define X_BYTE 0x8u /* byte operands: force REX for spl/bpl/sil/dil */

/* opc is one byte, or two (0x0Fxx) written high byte first. */
/* op reg, r/m=rm (register direct, ModRM mod=11) */
void x86_rr(struct jit_buf *b, unsigned flags, uint16_t opc, int reg, int rm);
/* op reg, [base + disp] */
void x86_rm(struct jit_buf *b, unsigned flags, uint16_t opc, int reg, int base, int32_t disp);
/* op reg, [base + index + disp] (SIB, scale 1; index < 0: none, as
 * x86_rm). index is never rsp (it means no index). */
void x86_rmi(struct jit_buf *b, unsigned flags, uint16_t opc, int reg, int base, int index,
	     int32_t disp);

/* ---- moves ---- */
/* mov dst, src            (64: REX.W 89 /r; 32: 89 /r, zero-extends) */
void emit_mov_rr(struct jit_buf *b, bool is64, int dst, int src);
/* dst = imm, zero- or sign-extended to 64 as is64 says, shortest form:
 * xor r32, r32 | mov r32, imm32 | mov r64, simm32 (REX.W C7 /0) */
void emit_mov_imm32(struct jit_buf *b, bool is64, int dst, int32_t imm);
/* dst = imm64, shortest form (movabs only when it needs all 64 bits) */
void emit_mov_imm64(struct jit_buf *b, int dst, uint64_t imm);
/* movzx dst32, src8 (0F B6) / movzx dst32, src16 (0F B7) */
void emit_movzx_rr(struct jit_buf *b, int bits, int dst, int src);
/* movsx dst, src8/16 (0F BE/BF), movsxd dst, src32 (REX.W 63) */
void emit_movsx_rr(struct jit_buf *b, bool is64, int bits, int dst, int src);

/* ---- arithmetic ---- */
/* op dst, src (01 add, 09 or, 21 and, 29 sub, 31 xor, 39 cmp) */
void emit_alu_rr(struct jit_buf *b, bool is64, enum x86_alu op, int dst, int src);
/* op dst, imm (83 /ext ib | 81 /ext id) */
void emit_alu_ri(struct jit_buf *b, bool is64, enum x86_alu op, int dst, int32_t imm);
/* op dst, [base + off] (03 add, 2B sub, 3B cmp, ...: the reg, r/m form) */
void emit_alu_rm(struct jit_buf *b, bool is64, enum x86_alu op, int dst, int base, int32_t off);
/* op size [base + off], imm (83 /ext ib | 81 /ext id); size 4 or 8 */
void emit_alu_mi(struct jit_buf *b, bool is64, enum x86_alu op, int base, int32_t off,
		 int32_t imm);
/* test dst, src (85 /r) */
void emit_test_rr(struct jit_buf *b, bool is64, int dst, int src);
/* test dst, imm32 (F7 /0 id) */
void emit_test_ri(struct jit_buf *b, bool is64, int dst, int32_t imm);
/* imul dst, src (0F AF /r) */
void emit_imul_rr(struct jit_buf *b, bool is64, int dst, int src);
/* imul dst, dst, imm32 (69 /r id) or imm8 (6B /r ib) */
void emit_imul_ri(struct jit_buf *b, bool is64, int dst, int32_t imm);
/* shl/shr/sar/rol dst, imm8 (C1 /ext ib) */
void emit_shift_ri(struct jit_buf *b, unsigned flags, enum x86_shift op, int dst, uint8_t imm);
/* shl/shr/sar dst, cl (D3 /ext) */
void emit_shift_rcl(struct jit_buf *b, bool is64, enum x86_shift op, int dst);
/* neg dst (F7 /3) */
void emit_neg(struct jit_buf *b, bool is64, int dst);
/* div r/m (F7 /6) or idiv r/m (F7 /7): rdx:rax / src */
void emit_div(struct jit_buf *b, bool is64, bool is_signed, int src);
/* cqo (48 99) / cdq (99): sign-extend rax into rdx */
void emit_cqo(struct jit_buf *b, bool is64);
/* bswap dst (0F C8+r) */
void emit_bswap(struct jit_buf *b, bool is64, int dst);
/* dec dst32 (FF /1) */
void emit_dec32(struct jit_buf *b, int dst);

/* ---- memory ---- */
/* dst = zero-extended size bytes at [base + off] (movzx / mov) */
void emit_load(struct jit_buf *b, unsigned size, int dst, int base, int32_t off);
/* dst = sign-extended size bytes at [base + off] (movsx / movsxd / mov) */
void emit_load_sx(struct jit_buf *b, unsigned size, int dst, int base, int32_t off);
/* size bytes at [base + off] = src (88 / 66 89 / 89 / REX.W 89) */
void emit_store(struct jit_buf *b, unsigned size, int base, int32_t off, int src);
/* size bytes at [base + off] = imm (C6 / 66 C7 / C7 / REX.W C7, sign-ext) */
void emit_store_imm(struct jit_buf *b, unsigned size, int base, int32_t off, int32_t imm);
/* lea dst, [base + off] (REX.W 8D /r) */
void emit_lea(struct jit_buf *b, int dst, int base, int32_t off);
/* The same with an index ([base + index + off], index < 0: none; _i):
 * lea dst, [m] (64: REX.W 8D; 32: 8D, the sum's low half zero-extended),
 * and the loads and stores above. */
void emit_lea_i(struct jit_buf *b, bool is64, int dst, int base, int index, int32_t off);
void emit_load_i(struct jit_buf *b, unsigned size, int dst, int base, int index, int32_t off);
void emit_load_sx_i(struct jit_buf *b, unsigned size, int dst, int base, int index, int32_t off);
void emit_store_i(struct jit_buf *b, unsigned size, int base, int index, int32_t off, int src);
void emit_store_imm_i(struct jit_buf *b, unsigned size, int base, int index, int32_t off,
		      int32_t imm);

/* ---- control ---- */
/* push r64 (50+r) / pop r64 (58+r) */
void emit_push(struct jit_buf *b, int reg);
void emit_pop(struct jit_buf *b, int reg);
/* jcc rel8 (70+cc cb) / jcc rel32 (0F 80+cc cd); rel from the end */
void emit_jcc8(struct jit_buf *b, enum x86_cc cc, int8_t rel);
void emit_jcc32(struct jit_buf *b, enum x86_cc cc, int32_t rel);
/* jmp rel8 (EB cb) / jmp rel32 (E9 cd) */
void emit_jmp8(struct jit_buf *b, int8_t rel);
void emit_jmp32(struct jit_buf *b, int32_t rel);
/* call rel32 (E8 cd) / call reg (FF /2) / ret (C3) */
void emit_call32(struct jit_buf *b, int32_t rel);
void emit_call_reg(struct jit_buf *b, int reg);
/* jmp reg (FF /4) */
void emit_jmp_reg(struct jit_buf *b, int reg);
void emit_ret(struct jit_buf *b);

#endif /* BPFVM_JIT_ENCODER_H */
