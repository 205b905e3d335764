/*
 * tnum.c - arithmetic on tristate numbers (see tnum.h).
 *
 * Each operation returns a tnum that holds every result of the concrete
 * operation applied to any pair of members of its operands (soundness),
 * and is as small as cheaply possible (precision). The carry-propagation
 * trick for add/sub: compute the sums with all unknown bits 0 and with all
 * unknown bits 1; any bit where those differ, or that an unknown input bit
 * feeds, may be either value.
 */
#include "verifier/tnum.h"

struct tnum tnum_range(uint64_t min, uint64_t max)
{
	uint64_t chi = min ^ max;
	if (!chi)
		return tnum_const(min);
	/* bits at and below the highest differing bit are unknown */
	unsigned bits = 64 - (unsigned)__builtin_clzll(chi);
	if (bits > 63)
		return tnum_unknown();
	uint64_t delta = (1ull << bits) - 1;
	return TNUM(min & ~delta, delta);
}

struct tnum tnum_add(struct tnum a, struct tnum b)
{
	uint64_t sm = a.mask + b.mask;      /* carries from the unknown bits */
	uint64_t sv = a.value + b.value;    /* the sum with unknowns = 0 */
	uint64_t sigma = sm + sv;           /* the sum with unknowns = 1 */
	uint64_t chi = sigma ^ sv;          /* bits a carry may change */
	uint64_t mu = chi | a.mask | b.mask;
	return TNUM(sv & ~mu, mu);
}

struct tnum tnum_sub(struct tnum a, struct tnum b)
{
	uint64_t dv = a.value - b.value;
	uint64_t alpha = dv + a.mask;       /* largest borrow-free difference */
	uint64_t beta = dv - b.mask;        /* smallest */
	uint64_t chi = alpha ^ beta;
	uint64_t mu = chi | a.mask | b.mask;
	return TNUM(dv & ~mu, mu);
}

/* Long multiplication: for each bit of a, add b shifted; an unknown bit of
 * a adds "b or nothing", i.e. b's value and mask both become unknown. */
struct tnum tnum_mul(struct tnum a, struct tnum b)
{
	uint64_t acc_v = a.value * b.value;
	struct tnum acc_m = TNUM(0, 0);
	while (a.value || a.mask) {
		if (a.value & 1)
			acc_m = tnum_add(acc_m, TNUM(0, b.mask));
		else if (a.mask & 1)
			acc_m = tnum_add(acc_m, TNUM(0, b.value | b.mask));
		a = tnum_rshift(a, 1);
		b = tnum_lshift(b, 1);
	}
	return tnum_add(TNUM(acc_v, 0), acc_m);
}

struct tnum tnum_and(struct tnum a, struct tnum b)
{
	uint64_t alpha = a.value | a.mask, beta = b.value | b.mask;
	uint64_t v = a.value & b.value;
	return TNUM(v, alpha & beta & ~v);
}

struct tnum tnum_or(struct tnum a, struct tnum b)
{
	uint64_t v = a.value | b.value;
	uint64_t mu = a.mask | b.mask;
	return TNUM(v, mu & ~v);
}

struct tnum tnum_xor(struct tnum a, struct tnum b)
{
	uint64_t mu = a.mask | b.mask;
	return TNUM((a.value ^ b.value) & ~mu, mu);
}

struct tnum tnum_lshift(struct tnum a, unsigned shift)
{
	if (shift > 63)
		return tnum_const(0);
	return TNUM(a.value << shift, a.mask << shift);
}

struct tnum tnum_rshift(struct tnum a, unsigned shift)
{
	if (shift > 63)
		return tnum_const(0);
	return TNUM(a.value >> shift, a.mask >> shift);
}

static uint64_t sar64(uint64_t v, unsigned s)
{
	uint64_t sign = 0 - (v >> 63);
	return ((v ^ sign) >> s) ^ sign;
}

struct tnum tnum_arshift(struct tnum a, unsigned shift, unsigned insn_bits)
{
	if (insn_bits == 32) {
		/* sign-extend the low 32 bits, shift, keep the low 32 bits */
		uint64_t v = (uint64_t)(int64_t)(int32_t)(uint32_t)a.value;
		uint64_t m = (uint64_t)(int64_t)(int32_t)(uint32_t)a.mask;
		shift &= 31;
		return TNUM((uint32_t)sar64(v, shift), (uint32_t)sar64(m, shift));
	}
	shift &= 63;
	/* an unknown sign bit spreads as unknown, a known one as itself */
	return TNUM(sar64(a.value, shift), sar64(a.mask, shift));
}

bool tnum_conflict(struct tnum a, struct tnum b)
{
	return ((a.value ^ b.value) & ~a.mask & ~b.mask) != 0;
}

struct tnum tnum_intersect(struct tnum a, struct tnum b)
{
	uint64_t v = a.value | b.value;
	uint64_t mu = a.mask & b.mask;
	return TNUM(v & ~mu, mu);
}

struct tnum tnum_cast(struct tnum a, unsigned size)
{
	if (size >= 8)
		return a;
	uint64_t keep = (1ull << (size * 8)) - 1;
	return TNUM(a.value & keep, a.mask & keep);
}

bool tnum_in(struct tnum a, struct tnum b)
{
	if (b.mask & ~a.mask)
		return false; /* b has an unknown bit that a knows */
	b.value &= ~a.mask;
	return a.value == b.value;
}

struct tnum tnum_with_subreg(struct tnum a, struct tnum sub)
{
	struct tnum hi = TNUM(a.value & ~0xffffffffull, a.mask & ~0xffffffffull);
	return tnum_or(hi, tnum_cast(sub, 4));
}

int64_t tnum_smin(struct tnum a, unsigned bits)
{
	uint64_t sign = 1ull << (bits - 1);
	uint64_t v = a.value | (a.mask & sign); /* unknown sign bit set */
	if (bits == 32)
		return (int32_t)(uint32_t)v;
	return (int64_t)v;
}

int64_t tnum_smax(struct tnum a, unsigned bits)
{
	uint64_t sign = 1ull << (bits - 1);
	uint64_t v = a.value | (a.mask & ~sign); /* unknown sign bit clear */
	if (bits == 32)
		return (int32_t)(uint32_t)v;
	return (int64_t)v;
}
