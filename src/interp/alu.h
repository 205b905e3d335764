/*
 * alu.h - the arithmetic of eBPF as pure functions.
 *
 * Every ALU operation, byte swap, sign extension and jump condition of the
 * instruction set, as static inline functions of plain uint64_t values. The
 * interpreter pastes the OP column of isa_table.def onto a width prefix to
 * pick one (alu64_ADD, alu32_SDIV, jmp32_JSLT, ...); a JIT's constant folder
 * or the verifier's tests can call the same functions, so the semantics are
 * written down once.
 *
 * Invariants (the kernel's semantics, RFC 9669 where they agree):
 * - Operands and results are uint64_t. alu32_* read only the low 32 bits of
 *   both operands and return the 32-bit result zero-extended to 64 bits.
 * - Shift counts are masked to the width (& 63, & 31).
 * - Division never traps: x / 0 = 0, x % 0 = x (the low 32 bits of x for
 *   32-bit ops); signed INT_MIN / -1 = INT_MIN and INT_MIN % -1 = 0; a
 *   signed remainder has the sign of the dividend (C truncation).
 * - No C undefined or implementation-defined behaviour: everything is
 *   computed on unsigned values (two's complement by construction); signed
 *   division divides magnitudes and fixes the sign afterwards.
 */
#ifndef BPFVM_INTERP_ALU_H
#define BPFVM_INTERP_ALU_H

#include <stdbool.h>
#include <stdint.h>

#define ALU_SIGN64 0x8000000000000000ull
#define ALU_SIGN32 0x80000000u

/* ------------------------------------------------------------------ */
/* Widths and sign extension                                           */

/* The low 32 bits, zero-extended. */
static inline uint64_t alu_zext32(uint64_t v)
{
	return (uint32_t)v;
}

/* Identity: lets a WIDTH column of 64 paste into alu_zext##WIDTH. */
static inline uint64_t alu_zext64(uint64_t v)
{
	return v;
}

/* Sign-extend the low bits (1..64) of v to 64 bits: flip the sign bit,
 * then subtract it back, so a set sign bit borrows through the top. */
static inline uint64_t alu_sext(uint64_t v, unsigned bits)
{
	if (bits >= 64)
		return v;
	uint64_t sign = 1ull << (bits - 1);
	uint64_t mask = (sign << 1) - 1;
	return ((v & mask) ^ sign) - sign;
}

/* The low 32 bits of v as a signed number, without relying on the
 * implementation-defined unsigned-to-signed conversion. */
static inline int32_t alu_s32(uint64_t v)
{
	uint32_t w = (uint32_t)v;
	return (w & ALU_SIGN32) ? -(int32_t)(~w) - 1 : (int32_t)w;
}

/* ------------------------------------------------------------------ */
/* Signed division on magnitudes                                       */

/*
 * Signed a / b and a % b for 64 bits, computed on magnitudes so that
 * INT64_MIN / -1 needs no special trap: |INT64_MIN| = 2^63 fits in a
 * uint64_t, the quotient 2^63 negated is INT64_MIN again (as the kernel and
 * x86 JIT give), and the remainder is 0. b == 0 is handled by the callers.
 */
static inline uint64_t alu_mag64(uint64_t v)
{
	return (v & ALU_SIGN64) ? 0 - v : v;
}

static inline uint64_t alu_sdiv_nz64(uint64_t a, uint64_t b)
{
	uint64_t q = alu_mag64(a) / alu_mag64(b);
	return ((a ^ b) & ALU_SIGN64) ? 0 - q : q;
}

static inline uint64_t alu_smod_nz64(uint64_t a, uint64_t b)
{
	uint64_t r = alu_mag64(a) % alu_mag64(b);
	return (a & ALU_SIGN64) ? 0 - r : r; /* sign of the dividend */
}

/* ------------------------------------------------------------------ */
/* 64-bit ALU: alu64_<OP>(dst, operand)                                */

static inline uint64_t alu64_ADD(uint64_t a, uint64_t b) { return a + b; }
static inline uint64_t alu64_SUB(uint64_t a, uint64_t b) { return a - b; }
static inline uint64_t alu64_MUL(uint64_t a, uint64_t b) { return a * b; }
static inline uint64_t alu64_OR(uint64_t a, uint64_t b) { return a | b; }
static inline uint64_t alu64_AND(uint64_t a, uint64_t b) { return a & b; }
static inline uint64_t alu64_XOR(uint64_t a, uint64_t b) { return a ^ b; }
static inline uint64_t alu64_MOV(uint64_t a, uint64_t b) { (void)a; return b; }
static inline uint64_t alu64_LSH(uint64_t a, uint64_t b) { return a << (b & 63); }
static inline uint64_t alu64_RSH(uint64_t a, uint64_t b) { return a >> (b & 63); }

/* Arithmetic shift on unsigned bits: shift the value with its sign bits
 * flipped to zero, then flip them back (s is all ones when a < 0). */
static inline uint64_t alu64_ARSH(uint64_t a, uint64_t b)
{
	uint64_t s = 0 - (a >> 63);
	return ((a ^ s) >> (b & 63)) ^ s;
}

static inline uint64_t alu64_DIV(uint64_t a, uint64_t b)
{
	return b ? a / b : 0;
}

static inline uint64_t alu64_MOD(uint64_t a, uint64_t b)
{
	return b ? a % b : a;
}

static inline uint64_t alu64_SDIV(uint64_t a, uint64_t b)
{
	return b ? alu_sdiv_nz64(a, b) : 0;
}

static inline uint64_t alu64_SMOD(uint64_t a, uint64_t b)
{
	return b ? alu_smod_nz64(a, b) : a;
}

static inline uint64_t alu64_NEG(uint64_t a)
{
	return 0 - a;
}

/* ------------------------------------------------------------------ */
/* 32-bit ALU: alu32_<OP>(dst, operand), result zero-extended          */

static inline uint64_t alu32_ADD(uint64_t a, uint64_t b) { return (uint32_t)(a + b); }
static inline uint64_t alu32_SUB(uint64_t a, uint64_t b) { return (uint32_t)(a - b); }
static inline uint64_t alu32_MUL(uint64_t a, uint64_t b) { return (uint32_t)(a * b); }
static inline uint64_t alu32_OR(uint64_t a, uint64_t b) { return (uint32_t)(a | b); }
static inline uint64_t alu32_AND(uint64_t a, uint64_t b) { return (uint32_t)(a & b); }
static inline uint64_t alu32_XOR(uint64_t a, uint64_t b) { return (uint32_t)(a ^ b); }
static inline uint64_t alu32_MOV(uint64_t a, uint64_t b) { (void)a; return (uint32_t)b; }
static inline uint64_t alu32_LSH(uint64_t a, uint64_t b) { return (uint32_t)((uint32_t)a << (b & 31)); }
static inline uint64_t alu32_RSH(uint64_t a, uint64_t b) { return (uint32_t)a >> (b & 31); }

static inline uint64_t alu32_ARSH(uint64_t a, uint64_t b)
{
	uint32_t w = (uint32_t)a;
	uint32_t s = 0u - (w >> 31);
	return ((w ^ s) >> (b & 31)) ^ s;
}

static inline uint64_t alu32_DIV(uint64_t a, uint64_t b)
{
	return (uint32_t)b ? (uint32_t)a / (uint32_t)b : 0;
}

static inline uint64_t alu32_MOD(uint64_t a, uint64_t b)
{
	return (uint32_t)b ? (uint32_t)a % (uint32_t)b : (uint32_t)a;
}

/* 32-bit signed division: sign-extend both to 64 bits, where the 64-bit
 * rules apply and INT32_MIN / -1 = 2^31 truncates back to INT32_MIN. */
static inline uint64_t alu32_SDIV(uint64_t a, uint64_t b)
{
	return alu_zext32(alu64_SDIV(alu_sext(a, 32), alu_sext(b, 32)));
}

static inline uint64_t alu32_SMOD(uint64_t a, uint64_t b)
{
	return alu_zext32(alu64_SMOD(alu_sext(a, 32), alu_sext(b, 32)));
}

static inline uint64_t alu32_NEG(uint64_t a)
{
	return (uint32_t)(0u - (uint32_t)a);
}

/* ------------------------------------------------------------------ */
/* Byte order (SIZE in bits: 16, 32, 64)                               */

static inline uint64_t alu_bswap16(uint64_t v)
{
	return ((v & 0xff) << 8) | ((v >> 8) & 0xff);
}

static inline uint64_t alu_bswap32(uint64_t v)
{
#if defined(__GNUC__)
	return __builtin_bswap32((uint32_t)v);
#else
	return (alu_bswap16(v) << 16) | alu_bswap16(v >> 16);
#endif
}

static inline uint64_t alu_bswap64(uint64_t v)
{
#if defined(__GNUC__)
	return __builtin_bswap64(v);
#else
	return (alu_bswap32(v) << 32) | alu_bswap32(v >> 32);
#endif
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define ALU_HOST_BIG_ENDIAN 1
#else
#define ALU_HOST_BIG_ENDIAN 0
#endif

/* END_LE / END_BE: convert the low bits to that byte order, zero-extended.
 * On a little-endian host "le" only truncates and "be" swaps. */
static inline uint64_t alu_le16(uint64_t v) { return ALU_HOST_BIG_ENDIAN ? alu_bswap16(v) : (uint16_t)v; }
static inline uint64_t alu_le32(uint64_t v) { return ALU_HOST_BIG_ENDIAN ? alu_bswap32(v) : (uint32_t)v; }
static inline uint64_t alu_le64(uint64_t v) { return ALU_HOST_BIG_ENDIAN ? alu_bswap64(v) : v; }
static inline uint64_t alu_be16(uint64_t v) { return ALU_HOST_BIG_ENDIAN ? (uint16_t)v : alu_bswap16(v); }
static inline uint64_t alu_be32(uint64_t v) { return ALU_HOST_BIG_ENDIAN ? (uint32_t)v : alu_bswap32(v); }
static inline uint64_t alu_be64(uint64_t v) { return ALU_HOST_BIG_ENDIAN ? v : alu_bswap64(v); }

/* ------------------------------------------------------------------ */
/* Jump conditions: jmp64_<OP>(dst, operand), jmp32_ on the low 32 bits */

/* Signed order through unsigned compares: flipping the sign bit maps
 * INT_MIN..INT_MAX onto 0..UINT_MAX monotonically. */
static inline bool jmp64_JEQ(uint64_t a, uint64_t b) { return a == b; }
static inline bool jmp64_JNE(uint64_t a, uint64_t b) { return a != b; }
static inline bool jmp64_JSET(uint64_t a, uint64_t b) { return (a & b) != 0; }
static inline bool jmp64_JGT(uint64_t a, uint64_t b) { return a > b; }
static inline bool jmp64_JGE(uint64_t a, uint64_t b) { return a >= b; }
static inline bool jmp64_JLT(uint64_t a, uint64_t b) { return a < b; }
static inline bool jmp64_JLE(uint64_t a, uint64_t b) { return a <= b; }
static inline bool jmp64_JSGT(uint64_t a, uint64_t b) { return (a ^ ALU_SIGN64) > (b ^ ALU_SIGN64); }
static inline bool jmp64_JSGE(uint64_t a, uint64_t b) { return (a ^ ALU_SIGN64) >= (b ^ ALU_SIGN64); }
static inline bool jmp64_JSLT(uint64_t a, uint64_t b) { return (a ^ ALU_SIGN64) < (b ^ ALU_SIGN64); }
static inline bool jmp64_JSLE(uint64_t a, uint64_t b) { return (a ^ ALU_SIGN64) <= (b ^ ALU_SIGN64); }

static inline bool jmp32_JEQ(uint64_t a, uint64_t b) { return (uint32_t)a == (uint32_t)b; }
static inline bool jmp32_JNE(uint64_t a, uint64_t b) { return (uint32_t)a != (uint32_t)b; }
static inline bool jmp32_JSET(uint64_t a, uint64_t b) { return ((uint32_t)a & (uint32_t)b) != 0; }
static inline bool jmp32_JGT(uint64_t a, uint64_t b) { return (uint32_t)a > (uint32_t)b; }
static inline bool jmp32_JGE(uint64_t a, uint64_t b) { return (uint32_t)a >= (uint32_t)b; }
static inline bool jmp32_JLT(uint64_t a, uint64_t b) { return (uint32_t)a < (uint32_t)b; }
static inline bool jmp32_JLE(uint64_t a, uint64_t b) { return (uint32_t)a <= (uint32_t)b; }
static inline bool jmp32_JSGT(uint64_t a, uint64_t b) { return ((uint32_t)a ^ ALU_SIGN32) > ((uint32_t)b ^ ALU_SIGN32); }
static inline bool jmp32_JSGE(uint64_t a, uint64_t b) { return ((uint32_t)a ^ ALU_SIGN32) >= ((uint32_t)b ^ ALU_SIGN32); }
static inline bool jmp32_JSLT(uint64_t a, uint64_t b) { return ((uint32_t)a ^ ALU_SIGN32) < ((uint32_t)b ^ ALU_SIGN32); }
static inline bool jmp32_JSLE(uint64_t a, uint64_t b) { return ((uint32_t)a ^ ALU_SIGN32) <= ((uint32_t)b ^ ALU_SIGN32); }

#endif /* BPFVM_INTERP_ALU_H */
