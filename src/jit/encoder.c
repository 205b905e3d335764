/*
 * encoder.c - x86-64 instruction encodings; see encoder.h.
 *
 * Everything funnels through x86_rr() / x86_rm(), which write prefixes,
 * REX, opcode and ModRM (+ SIB + displacement); the named emitters add
 * immediates. Encodings follow the Intel SDM, volume 2, chapter 2.
 */
#include <stdlib.h>
#include <string.h>

#include "encoder.h"

bool jit_buf_reserve(struct jit_buf *b, size_t n)
{
	if (b->oom)
		return false;
	if (b->len + n <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n)
		cap *= 2;
	uint8_t *p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void emit2(struct jit_buf *b, uint16_t v)
{
	emit1(b, (uint8_t)v);
	emit1(b, (uint8_t)(v >> 8));
}

void emit4(struct jit_buf *b, uint32_t v)
{
	emit2(b, (uint16_t)v);
	emit2(b, (uint16_t)(v >> 16));
}

void emit8(struct jit_buf *b, uint64_t v)
{
	emit4(b, (uint32_t)v);
	emit4(b, (uint32_t)(v >> 32));
}

void patch4(struct jit_buf *b, size_t at, uint32_t v)
{
	if (b->oom)
		return;
	for (int i = 0; i < 4; i++)
		b->p[at + (size_t)i] = (uint8_t)(v >> (8 * i));
}

void patch1(struct jit_buf *b, size_t at, uint8_t v)
{
	if (!b->oom)
		b->p[at] = v;
}

/* Prefixes, then REX.{W,R,X,B} if it carries a bit or byte registers
 * 4..7 need it, then the opcode byte(s). index < 0: no SIB index. */
static void prefix_rex_opc(struct jit_buf *b, unsigned flags, uint16_t opc, int reg, int rm,
			   int index)
{
	if (flags & X_LOCK)
		emit1(b, 0xf0);
	if (flags & X_66)
		emit1(b, 0x66);
	uint8_t rex = 0x40 | ((flags & X_W) ? 8 : 0) | ((reg & 8) ? 4 : 0) |
		      ((index >= 0 && (index & 8)) ? 2 : 0) | ((rm & 8) ? 1 : 0);
	bool byte_hi = (flags & X_BYTE) && ((reg >= 4 && reg <= 7) || (rm >= 4 && rm <= 7));
	if (rex != 0x40 || byte_hi)
		emit1(b, rex);
	if (opc > 0xff)
		emit1(b, (uint8_t)(opc >> 8));
	emit1(b, (uint8_t)opc);
}

void x86_rr(struct jit_buf *b, unsigned flags, uint16_t opc, int reg, int rm)
{
	prefix_rex_opc(b, flags, opc, reg, rm, -1);
	emit1(b, (uint8_t)(0xc0 | ((reg & 7) << 3) | (rm & 7)));
}

void x86_rm(struct jit_buf *b, unsigned flags, uint16_t opc, int reg, int base, int32_t disp)
{
	x86_rmi(b, flags, opc, reg, base, -1, disp);
}

void x86_rmi(struct jit_buf *b, unsigned flags, uint16_t opc, int reg, int base, int index,
	     int32_t disp)
{
	prefix_rex_opc(b, flags, opc, reg, base, index);
	/* mod 00 with rm 101 means rip-relative (and with a SIB byte, no
	 * base): rbp/r13 always take a disp. */
	unsigned mod = (disp == 0 && (base & 7) != 5) ? 0 : is_imm8(disp) ? 1 : 2;
	if (index >= 0) {
		emit1(b, (uint8_t)((mod << 6) | ((reg & 7) << 3) | 4));
		emit1(b, (uint8_t)(((index & 7) << 3) | (base & 7))); /* SIB: scale 1 */
	} else {
		emit1(b, (uint8_t)((mod << 6) | ((reg & 7) << 3) | (base & 7)));
		if ((base & 7) == 4)
			emit1(b, 0x24); /* SIB: no index, base rsp/r12 */
	}
	if (mod == 1)
		emit1(b, (uint8_t)disp);
	else if (mod == 2)
		emit4(b, (uint32_t)disp);
}

static unsigned wflag(bool is64)
{
	return is64 ? X_W : 0;
}

/* ---- moves ---- */

void emit_mov_rr(struct jit_buf *b, bool is64, int dst, int src)
{
	x86_rr(b, wflag(is64), 0x89, src, dst); /* mov dst, src */
}

void emit_mov_imm32(struct jit_buf *b, bool is64, int dst, int32_t imm)
{
	if (imm == 0) {
		x86_rr(b, 0, 0x31, dst, dst); /* xor dst32, dst32 */
	} else if (!is64 || imm > 0) {
		if (dst & 8)
			emit1(b, 0x41);
		emit1(b, (uint8_t)(0xb8 | (dst & 7))); /* mov dst32, imm32 */
		emit4(b, (uint32_t)imm);
	} else {
		x86_rr(b, X_W, 0xc7, 0, dst); /* mov dst, simm32 */
		emit4(b, (uint32_t)imm);
	}
}

void emit_mov_imm64(struct jit_buf *b, int dst, uint64_t imm)
{
	if (imm <= UINT32_MAX) {
		emit_mov_imm32(b, false, dst, (int32_t)(uint32_t)imm);
	} else if (is_simm32((int64_t)imm)) {
		emit_mov_imm32(b, true, dst, (int32_t)(int64_t)imm);
	} else {
		emit1(b, (uint8_t)(0x48 | ((dst & 8) ? 1 : 0)));
		emit1(b, (uint8_t)(0xb8 | (dst & 7))); /* movabs dst, imm64 */
		emit8(b, imm);
	}
}

void emit_movzx_rr(struct jit_buf *b, int bits, int dst, int src)
{
	if (bits == 8)
		x86_rr(b, X_BYTE, 0x0fb6, dst, src); /* movzx dst32, src8 */
	else
		x86_rr(b, 0, 0x0fb7, dst, src); /* movzx dst32, src16 */
}

void emit_movsx_rr(struct jit_buf *b, bool is64, int bits, int dst, int src)
{
	if (bits == 8)
		x86_rr(b, wflag(is64) | X_BYTE, 0x0fbe, dst, src); /* movsx dst, src8 */
	else if (bits == 16)
		x86_rr(b, wflag(is64), 0x0fbf, dst, src); /* movsx dst, src16 */
	else
		x86_rr(b, X_W, 0x63, dst, src); /* movsxd dst, src32 */
}

/* ---- arithmetic ---- */

void emit_alu_rr(struct jit_buf *b, bool is64, enum x86_alu op, int dst, int src)
{
	x86_rr(b, wflag(is64), (uint16_t)((op << 3) | 1), src, dst); /* op dst, src */
}

void emit_alu_ri(struct jit_buf *b, bool is64, enum x86_alu op, int dst, int32_t imm)
{
	if (is_imm8(imm)) {
		x86_rr(b, wflag(is64), 0x83, op, dst); /* op dst, imm8 */
		emit1(b, (uint8_t)imm);
	} else {
		x86_rr(b, wflag(is64), 0x81, op, dst); /* op dst, imm32 */
		emit4(b, (uint32_t)imm);
	}
}

void emit_alu_rm(struct jit_buf *b, bool is64, enum x86_alu op, int dst, int base, int32_t off)
{
	x86_rm(b, wflag(is64), (uint16_t)((op << 3) | 3), dst, base, off); /* op dst, [base+off] */
}

void emit_alu_mi(struct jit_buf *b, bool is64, enum x86_alu op, int base, int32_t off,
		 int32_t imm)
{
	if (is_imm8(imm)) {
		x86_rm(b, wflag(is64), 0x83, op, base, off); /* op [base+off], imm8 */
		emit1(b, (uint8_t)imm);
	} else {
		x86_rm(b, wflag(is64), 0x81, op, base, off); /* op [base+off], imm32 */
		emit4(b, (uint32_t)imm);
	}
}

void emit_test_rr(struct jit_buf *b, bool is64, int dst, int src)
{
	x86_rr(b, wflag(is64), 0x85, src, dst); /* test dst, src */
}

void emit_test_ri(struct jit_buf *b, bool is64, int dst, int32_t imm)
{
	x86_rr(b, wflag(is64), 0xf7, 0, dst); /* test dst, imm32 */
	emit4(b, (uint32_t)imm);
}

void emit_imul_rr(struct jit_buf *b, bool is64, int dst, int src)
{
	x86_rr(b, wflag(is64), 0x0faf, dst, src); /* imul dst, src */
}

void emit_imul_ri(struct jit_buf *b, bool is64, int dst, int32_t imm)
{
	if (is_imm8(imm)) {
		x86_rr(b, wflag(is64), 0x6b, dst, dst); /* imul dst, dst, imm8 */
		emit1(b, (uint8_t)imm);
	} else {
		x86_rr(b, wflag(is64), 0x69, dst, dst); /* imul dst, dst, imm32 */
		emit4(b, (uint32_t)imm);
	}
}

void emit_shift_ri(struct jit_buf *b, unsigned flags, enum x86_shift op, int dst, uint8_t imm)
{
	if (imm == 1) {
		x86_rr(b, flags, 0xd1, op, dst); /* shl/shr/sar dst, 1 */
		return;
	}
	x86_rr(b, flags, 0xc1, op, dst); /* shl/shr/sar/rol dst, imm8 */
	emit1(b, imm);
}

void emit_shift_rcl(struct jit_buf *b, bool is64, enum x86_shift op, int dst)
{
	x86_rr(b, wflag(is64), 0xd3, op, dst); /* shl/shr/sar dst, cl */
}

void emit_neg(struct jit_buf *b, bool is64, int dst)
{
	x86_rr(b, wflag(is64), 0xf7, 3, dst); /* neg dst */
}

void emit_div(struct jit_buf *b, bool is64, bool is_signed, int src)
{
	x86_rr(b, wflag(is64), 0xf7, is_signed ? 7 : 6, src); /* (i)div src */
}

void emit_cqo(struct jit_buf *b, bool is64)
{
	if (is64)
		emit1(b, 0x48);
	emit1(b, 0x99); /* cqo / cdq */
}

void emit_bswap(struct jit_buf *b, bool is64, int dst)
{
	uint8_t rex = (uint8_t)(0x40 | (is64 ? 8 : 0) | ((dst & 8) ? 1 : 0));
	if (rex != 0x40)
		emit1(b, rex);
	emit1(b, 0x0f);
	emit1(b, (uint8_t)(0xc8 | (dst & 7))); /* bswap dst */
}

void emit_dec32(struct jit_buf *b, int dst)
{
	x86_rr(b, 0, 0xff, 1, dst); /* dec dst32 */
}

/* ---- memory ---- */

void emit_load(struct jit_buf *b, unsigned size, int dst, int base, int32_t off)
{
	emit_load_i(b, size, dst, base, -1, off);
}

void emit_load_i(struct jit_buf *b, unsigned size, int dst, int base, int index, int32_t off)
{
	switch (size) {
	case 1: x86_rmi(b, 0, 0x0fb6, dst, base, index, off); break;  /* movzx dst32, byte [m] */
	case 2: x86_rmi(b, 0, 0x0fb7, dst, base, index, off); break;  /* movzx dst32, word [m] */
	case 4: x86_rmi(b, 0, 0x8b, dst, base, index, off); break;    /* mov dst32, [m] */
	default: x86_rmi(b, X_W, 0x8b, dst, base, index, off); break; /* mov dst, [m] */
	}
}

void emit_load_sx(struct jit_buf *b, unsigned size, int dst, int base, int32_t off)
{
	emit_load_sx_i(b, size, dst, base, -1, off);
}

void emit_load_sx_i(struct jit_buf *b, unsigned size, int dst, int base, int index, int32_t off)
{
	switch (size) {
	case 1: x86_rmi(b, X_W, 0x0fbe, dst, base, index, off); break; /* movsx dst, byte [m] */
	case 2: x86_rmi(b, X_W, 0x0fbf, dst, base, index, off); break; /* movsx dst, word [m] */
	case 4: x86_rmi(b, X_W, 0x63, dst, base, index, off); break;   /* movsxd dst, [m] */
	default: x86_rmi(b, X_W, 0x8b, dst, base, index, off); break;  /* mov dst, [m] */
	}
}

void emit_store(struct jit_buf *b, unsigned size, int base, int32_t off, int src)
{
	emit_store_i(b, size, base, -1, off, src);
}

void emit_store_i(struct jit_buf *b, unsigned size, int base, int index, int32_t off, int src)
{
	switch (size) {
	case 1: x86_rmi(b, X_BYTE, 0x88, src, base, index, off); break; /* mov byte [m], src8 */
	case 2: x86_rmi(b, X_66, 0x89, src, base, index, off); break;   /* mov word [m], src16 */
	case 4: x86_rmi(b, 0, 0x89, src, base, index, off); break;      /* mov [m], src32 */
	default: x86_rmi(b, X_W, 0x89, src, base, index, off); break;   /* mov [m], src */
	}
}

void emit_store_imm(struct jit_buf *b, unsigned size, int base, int32_t off, int32_t imm)
{
	emit_store_imm_i(b, size, base, -1, off, imm);
}

void emit_store_imm_i(struct jit_buf *b, unsigned size, int base, int index, int32_t off,
		      int32_t imm)
{
	switch (size) {
	case 1:
		x86_rmi(b, 0, 0xc6, 0, base, index, off); /* mov byte [m], imm8 */
		emit1(b, (uint8_t)imm);
		break;
	case 2:
		x86_rmi(b, X_66, 0xc7, 0, base, index, off); /* mov word [m], imm16 */
		emit2(b, (uint16_t)imm);
		break;
	case 4:
		x86_rmi(b, 0, 0xc7, 0, base, index, off); /* mov dword [m], imm32 */
		emit4(b, (uint32_t)imm);
		break;
	default:
		x86_rmi(b, X_W, 0xc7, 0, base, index, off); /* mov qword [m], simm32 */
		emit4(b, (uint32_t)imm);
		break;
	}
}

void emit_lea(struct jit_buf *b, int dst, int base, int32_t off)
{
	x86_rm(b, X_W, 0x8d, dst, base, off); /* lea dst, [base+off] */
}

void emit_lea_i(struct jit_buf *b, bool is64, int dst, int base, int index, int32_t off)
{
	x86_rmi(b, wflag(is64), 0x8d, dst, base, index, off); /* lea dst, [base+index+off] */
}

/* ---- control ---- */


void emit_push(struct jit_buf *b, int reg)
{
	if (reg & 8)
		emit1(b, 0x41);
	emit1(b, (uint8_t)(0x50 | (reg & 7))); /* push reg */
}

void emit_pop(struct jit_buf *b, int reg)
{
	if (reg & 8)
		emit1(b, 0x41);
	emit1(b, (uint8_t)(0x58 | (reg & 7))); /* pop reg */
}

void emit_jcc8(struct jit_buf *b, enum x86_cc cc, int8_t rel)
{
	emit1(b, (uint8_t)(0x70 | cc)); /* jcc rel8 */
	emit1(b, (uint8_t)rel);
}

void emit_jcc32(struct jit_buf *b, enum x86_cc cc, int32_t rel)
{
	emit1(b, 0x0f);
	emit1(b, (uint8_t)(0x80 | cc)); /* jcc rel32 */
	emit4(b, (uint32_t)rel);
}

void emit_jmp8(struct jit_buf *b, int8_t rel)
{
	emit1(b, 0xeb); /* jmp rel8 */
	emit1(b, (uint8_t)rel);
}

void emit_jmp32(struct jit_buf *b, int32_t rel)
{
	emit1(b, 0xe9); /* jmp rel32 */
	emit4(b, (uint32_t)rel);
}

void emit_call32(struct jit_buf *b, int32_t rel)
{
	emit1(b, 0xe8); /* call rel32 */
	emit4(b, (uint32_t)rel);
}

void emit_call_reg(struct jit_buf *b, int reg)
{
	x86_rr(b, 0, 0xff, 2, reg); /* call reg */
}

void emit_jmp_reg(struct jit_buf *b, int reg)
{
	x86_rr(b, 0, 0xff, 4, reg); /* jmp reg */
}

void emit_ret(struct jit_buf *b)
{
	emit1(b, 0xc3); /* ret */
}
