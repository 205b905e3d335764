/*
 * range.c - the scalar domain: bounds deduction and range arithmetic.
 *
 * Conventions: a 32-bit struct vr keeps umin/umax in [0, 2^32) and
 * smin/smax in [-2^31, 2^31). Every function returns a superset of the
 * concrete results; when a bound cannot be computed without overflow the
 * width's full range is used instead (wrap-around makes any tighter guess
 * unsound).
 */
#include "verifier/range.h"

#define U32_MAX 0xffffffffull

static uint64_t umax_of(unsigned bits) { return bits == 32 ? U32_MAX : ~0ull; }
static int64_t smin_of(unsigned bits) { return bits == 32 ? INT32_MIN : INT64_MIN; }
static int64_t smax_of(unsigned bits) { return bits == 32 ? INT32_MAX : INT64_MAX; }

/* Reinterpret the low bits as signed. */
static int64_t as_signed(uint64_t v, unsigned bits)
{
	return bits == 32 ? (int64_t)(int32_t)(uint32_t)v : (int64_t)v;
}

static uint64_t wtrunc(uint64_t v, unsigned bits) { return bits == 32 ? (uint32_t)v : v; }

static uint64_t umin2(uint64_t a, uint64_t b) { return a < b ? a : b; }
static uint64_t umax2(uint64_t a, uint64_t b) { return a > b ? a : b; }
static int64_t smin2(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t smax2(int64_t a, int64_t b) { return a > b ? a : b; }

struct vr vr_unknown(unsigned bits)
{
	struct vr v = { bits == 32 ? TNUM(0, U32_MAX) : tnum_unknown(), 0, umax_of(bits),
			smin_of(bits), smax_of(bits) };
	return v;
}

struct vr vr_const(uint64_t c, unsigned bits)
{
	c = wtrunc(c, bits);
	struct vr v = { tnum_const(c), c, c, as_signed(c, bits), as_signed(c, bits) };
	return v;
}

void vr_signed_from_unsigned(struct vr *v, unsigned bits)
{
	if (as_signed(v->umin, bits) <= as_signed(v->umax, bits)) {
		v->smin = as_signed(v->umin, bits);
		v->smax = as_signed(v->umax, bits);
	} else {
		v->smin = smin_of(bits);
		v->smax = smax_of(bits);
	}
	v->smin = smax2(v->smin, tnum_smin(v->t, bits));
	v->smax = smin2(v->smax, tnum_smax(v->t, bits));
}

/* Unsigned bounds from the tnum only, then signed from those. */
static struct vr vr_from_tnum(struct tnum t, unsigned bits)
{
	struct vr v;
	v.t = bits == 32 ? tnum_cast(t, 4) : t;
	v.umin = tnum_umin(v.t);
	v.umax = tnum_umax(v.t);
	vr_signed_from_unsigned(&v, bits);
	return v;
}

/* r's signed bounds from [lo, hi], computed with overflow flags o1, o2:
 * any overflow of the width gives the full signed range. */
static void set_signed(struct vr *r, bool o1, int64_t lo, bool o2, int64_t hi, unsigned bits)
{
	if (bits == 32) {
		o1 = o1 || lo < INT32_MIN || lo > INT32_MAX;
		o2 = o2 || hi < INT32_MIN || hi > INT32_MAX;
	}
	if (o1 || o2) {
		r->smin = smin_of(bits);
		r->smax = smax_of(bits);
	} else {
		r->smin = lo;
		r->smax = hi;
	}
}

struct vr vr_add(struct vr a, struct vr b, unsigned bits)
{
	struct vr r;
	r.t = tnum_add(a.t, b.t);
	if (bits == 32)
		r.t = tnum_cast(r.t, 4);
	uint64_t lim = umax_of(bits);
	/* unsigned: no wrap when the largest sum fits */
	if (a.umax <= lim - b.umax) {
		r.umin = a.umin + b.umin;
		r.umax = a.umax + b.umax;
	} else if (a.umin > lim - b.umin) {
		/* every sum wraps exactly once */
		r.umin = wtrunc(a.umin + b.umin, bits);
		r.umax = wtrunc(a.umax + b.umax, bits);
	} else {
		r.umin = 0;
		r.umax = lim;
	}
	/* signed: __builtin overflow on the width */
	int64_t lo, hi;
	bool o1 = __builtin_add_overflow(a.smin, b.smin, &lo);
	bool o2 = __builtin_add_overflow(a.smax, b.smax, &hi);
	set_signed(&r, o1, lo, o2, hi, bits);
	return r;
}

struct vr vr_sub(struct vr a, struct vr b, unsigned bits)
{
	struct vr r;
	r.t = tnum_sub(a.t, b.t);
	if (bits == 32)
		r.t = tnum_cast(r.t, 4);
	if (a.umin >= b.umax) {
		r.umin = a.umin - b.umax;
		r.umax = a.umax - b.umin;
	} else if (a.umax < b.umin) {
		/* every difference wraps exactly once */
		r.umin = wtrunc(a.umin - b.umax, bits);
		r.umax = wtrunc(a.umax - b.umin, bits);
	} else {
		r.umin = 0;
		r.umax = umax_of(bits);
	}
	int64_t lo, hi;
	bool o1 = __builtin_sub_overflow(a.smin, b.smax, &lo);
	bool o2 = __builtin_sub_overflow(a.smax, b.smin, &hi);
	set_signed(&r, o1, lo, o2, hi, bits);
	return r;
}

struct vr vr_mul(struct vr a, struct vr b, unsigned bits)
{
	struct vr r;
	r.t = tnum_mul(a.t, b.t);
	if (bits == 32)
		r.t = tnum_cast(r.t, 4);
	uint64_t hi;
	if (!__builtin_mul_overflow(a.umax, b.umax, &hi) && hi <= umax_of(bits)) {
		r.umin = a.umin * b.umin;
		r.umax = hi;
	} else {
		r.umin = 0;
		r.umax = umax_of(bits);
	}
	int64_t p[4];
	bool o = __builtin_mul_overflow(a.smin, b.smin, &p[0]);
	o |= __builtin_mul_overflow(a.smin, b.smax, &p[1]);
	o |= __builtin_mul_overflow(a.smax, b.smin, &p[2]);
	o |= __builtin_mul_overflow(a.smax, b.smax, &p[3]);
	r.smin = smax_of(bits);
	r.smax = smin_of(bits);
	for (int i = 0; i < 4 && !o; i++) {
		if (p[i] < smin_of(bits) || p[i] > smax_of(bits))
			o = true;
		r.smin = smin2(r.smin, p[i]);
		r.smax = smax2(r.smax, p[i]);
	}
	if (o) {
		r.smin = smin_of(bits);
		r.smax = smax_of(bits);
	}
	return r;
}

struct vr vr_and(struct vr a, struct vr b, unsigned bits)
{
	struct vr r = vr_from_tnum(tnum_and(a.t, b.t), bits);
	/* x & y <= min(x, y) */
	r.umax = umin2(r.umax, umin2(a.umax, b.umax));
	/* non-negative & anything is non-negative and <= that operand */
	vr_signed_from_unsigned(&r, bits);
	return r;
}

struct vr vr_or(struct vr a, struct vr b, unsigned bits)
{
	struct vr r = vr_from_tnum(tnum_or(a.t, b.t), bits);
	/* x | y >= max(x, y) */
	r.umin = umax2(r.umin, umax2(a.umin, b.umin));
	vr_signed_from_unsigned(&r, bits);
	return r;
}

struct vr vr_xor(struct vr a, struct vr b, unsigned bits)
{
	return vr_from_tnum(tnum_xor(a.t, b.t), bits);
}

struct vr vr_lsh(struct vr a, struct vr b, unsigned bits)
{
	struct vr r;
	/* the low umin(b) bits are zero whatever the count */
	r.t = tnum_is_const(b.t) ? tnum_lshift(a.t, (unsigned)b.umin)
				 : tnum_lshift(bits == 32 ? TNUM(0, U32_MAX) : tnum_unknown(),
					       (unsigned)b.umin);
	if (bits == 32)
		r.t = tnum_cast(r.t, 4);
	if (a.umax <= (umax_of(bits) >> b.umax)) {
		r.umin = a.umin << b.umin;
		r.umax = a.umax << b.umax;
	} else {
		r.umin = 0;
		r.umax = umax_of(bits);
	}
	r.umin = umax2(r.umin, tnum_umin(r.t));
	r.umax = umin2(r.umax, tnum_umax(r.t));
	vr_signed_from_unsigned(&r, bits);
	return r;
}

struct vr vr_rsh(struct vr a, struct vr b, unsigned bits)
{
	struct vr r;
	r.t = tnum_is_const(b.t) ? tnum_rshift(a.t, (unsigned)b.umin)
				 : tnum_rshift(bits == 32 ? TNUM(0, U32_MAX) : tnum_unknown(),
					       (unsigned)b.umin);
	r.umin = a.umin >> b.umax;
	r.umax = a.umax >> b.umin;
	r.umin = umax2(r.umin, tnum_umin(r.t));
	r.umax = umin2(r.umax, tnum_umax(r.t));
	vr_signed_from_unsigned(&r, bits);
	return r;
}

struct vr vr_arsh(struct vr a, struct vr b, unsigned bits)
{
	if (!tnum_is_const(b.t))
		return vr_unknown(bits);
	unsigned s = (unsigned)b.umin;
	struct vr r;
	r.t = tnum_arshift(a.t, s, bits);
	if (bits == 32)
		r.t = tnum_cast(r.t, 4);
	/* arithmetic shift is monotonic in the signed order */
	r.smin = a.smin >> s;
	r.smax = a.smax >> s;
	if (r.smin >= 0 || r.smax < 0) {
		r.umin = wtrunc((uint64_t)r.smin, bits);
		r.umax = wtrunc((uint64_t)r.smax, bits);
	} else {
		r.umin = tnum_umin(r.t);
		r.umax = tnum_umax(r.t);
	}
	return r;
}

struct vr vr_div(struct vr a, struct vr b, unsigned bits)
{
	struct vr r;
	if (b.umin > 0) {
		r.umin = a.umin / b.umax;
		r.umax = a.umax / b.umin;
	} else {
		/* x / 0 = 0 and x / y <= x */
		r.umin = 0;
		r.umax = b.umax ? a.umax : 0;
	}
	r.t = tnum_range(r.umin, r.umax);
	vr_signed_from_unsigned(&r, bits);
	return r;
}

struct vr vr_mod(struct vr a, struct vr b, unsigned bits)
{
	struct vr r;
	if (b.umax == 0)
		return a; /* x % 0 = x */
	r.umin = 0;
	/* x % y < y when y > 0, and x % 0 = x; both are <= x */
	r.umax = b.umin > 0 ? umin2(a.umax, b.umax - 1) : a.umax;
	if (a.umax < b.umin) {
		r = a; /* x < y: x % y = x */
		return r;
	}
	r.t = tnum_range(r.umin, r.umax);
	vr_signed_from_unsigned(&r, bits);
	return r;
}

/* ------------------------------------------------------------------ */
/* The full scalar                                                     */

struct scal scal_unknown(void)
{
	struct scal s = { tnum_unknown(), 0, ~0ull, INT64_MIN, INT64_MAX, 0, UINT32_MAX,
			  INT32_MIN, INT32_MAX };
	return s;
}

struct scal scal_const(uint64_t v)
{
	struct scal s = { tnum_const(v), v, v, (int64_t)v, (int64_t)v, (uint32_t)v, (uint32_t)v,
			  (int32_t)(uint32_t)v, (int32_t)(uint32_t)v };
	return s;
}

struct scal scal_unknown_bits(unsigned bits)
{
	if (bits >= 64)
		return scal_unknown();
	uint64_t m = (1ull << bits) - 1;
	struct scal s = scal_unknown();
	s.t = TNUM(0, m);
	s.umax = m;
	s.smin = 0;
	s.smax = (int64_t)m;
	scal_sync(&s);
	return s;
}

struct scal scal_unknown_sbits(unsigned bits)
{
	if (bits >= 64)
		return scal_unknown();
	struct scal s = scal_unknown();
	s.smin = -(int64_t)(1ull << (bits - 1));
	s.smax = (int64_t)(1ull << (bits - 1)) - 1;
	scal_sync(&s);
	return s;
}

bool scal_is_const(const struct scal *s)
{
	return tnum_is_const(s->t);
}

/* Bounds from the known bits. */
static void update_from_tnum(struct scal *s)
{
	struct tnum sub = tnum_subreg(s->t);
	s->smin = smax2(s->smin, tnum_smin(s->t, 64));
	s->smax = smin2(s->smax, tnum_smax(s->t, 64));
	s->umin = umax2(s->umin, tnum_umin(s->t));
	s->umax = umin2(s->umax, tnum_umax(s->t));
	s->s32min = (int32_t)smax2(s->s32min, tnum_smin(sub, 32));
	s->s32max = (int32_t)smin2(s->s32max, tnum_smax(sub, 32));
	s->u32min = (uint32_t)umax2(s->u32min, tnum_umin(sub));
	s->u32max = (uint32_t)umin2(s->u32max, tnum_umax(sub));
}

/* Signed and unsigned bounds of one width inform each other when the
 * range does not cross the sign boundary. */
static void deduce_same_width(struct scal *s)
{
	if ((int32_t)s->u32min <= (int32_t)s->u32max) {
		s->s32min = (int32_t)smax2(s->s32min, (int32_t)s->u32min);
		s->s32max = (int32_t)smin2(s->s32max, (int32_t)s->u32max);
	}
	if ((s->s32min >= 0) || (s->s32max < 0)) {
		s->u32min = (uint32_t)umax2(s->u32min, (uint32_t)s->s32min);
		s->u32max = (uint32_t)umin2(s->u32max, (uint32_t)s->s32max);
	}
	if ((int64_t)s->umin <= (int64_t)s->umax) {
		s->smin = smax2(s->smin, (int64_t)s->umin);
		s->smax = smin2(s->smax, (int64_t)s->umax);
	}
	if (s->smin >= 0 || s->smax < 0) {
		s->umin = umax2(s->umin, (uint64_t)s->smin);
		s->umax = umin2(s->umax, (uint64_t)s->smax);
	}
}

/* When the upper 32 bits are the same for the whole 64-bit range, the low
 * 32 bits of the range bound the subregister, and the subregister bounds
 * narrow the 64-bit range. */
static void deduce_cross_width(struct scal *s)
{
	if ((s->umin >> 32) == (s->umax >> 32)) {
		s->u32min = (uint32_t)umax2(s->u32min, (uint32_t)s->umin);
		s->u32max = (uint32_t)umin2(s->u32max, (uint32_t)s->umax);
		if ((int32_t)(uint32_t)s->umin <= (int32_t)(uint32_t)s->umax) {
			s->s32min = (int32_t)smax2(s->s32min, (int32_t)(uint32_t)s->umin);
			s->s32max = (int32_t)smin2(s->s32max, (int32_t)(uint32_t)s->umax);
		}
		uint64_t hi = s->umin & ~U32_MAX;
		s->umin = umax2(s->umin, hi | s->u32min);
		s->umax = umin2(s->umax, hi | s->u32max);
	}
	if (((uint64_t)s->smin >> 32) == ((uint64_t)s->smax >> 32)) {
		if ((int32_t)(uint32_t)s->smin <= (int32_t)(uint32_t)s->smax) {
			s->s32min = (int32_t)smax2(s->s32min, (int32_t)(uint32_t)s->smin);
			s->s32max = (int32_t)smin2(s->s32max, (int32_t)(uint32_t)s->smax);
		}
		if ((uint32_t)s->smin <= (uint32_t)s->smax) {
			s->u32min = (uint32_t)umax2(s->u32min, (uint32_t)s->smin);
			s->u32max = (uint32_t)umin2(s->u32max, (uint32_t)s->smax);
		}
	}
}

static bool scal_empty(const struct scal *s)
{
	return s->umin > s->umax || s->smin > s->smax || s->u32min > s->u32max ||
	       s->s32min > s->s32max;
}

bool scal_sync(struct scal *s)
{
	for (int round = 0; round < 2; round++) {
		update_from_tnum(s);
		deduce_same_width(s);
		deduce_cross_width(s);
		deduce_same_width(s);
		if (scal_empty(s))
			return false;
		/* the known bits from the ranges */
		struct tnum r = tnum_range(s->umin, s->umax);
		if (tnum_conflict(s->t, r))
			return false;
		s->t = tnum_intersect(s->t, r);
		struct tnum r32 = tnum_range(s->u32min, s->u32max);
		struct tnum sub = tnum_subreg(s->t);
		if (tnum_conflict(sub, r32))
			return false;
		s->t = tnum_with_subreg(s->t, tnum_intersect(sub, r32));
	}
	update_from_tnum(s);
	return !scal_empty(s);
}

void scal_zext32(struct scal *s)
{
	s->t = tnum_subreg(s->t);
	s->umin = s->u32min;
	s->umax = s->u32max;
	s->smin = s->u32min;
	s->smax = s->u32max;
	/* the 32-bit signed view is unchanged; refresh the rest */
	scal_sync(s);
}

bool scal_within(const struct scal *old, const struct scal *cur)
{
	return old->umin <= cur->umin && cur->umax <= old->umax && old->smin <= cur->smin &&
	       cur->smax <= old->smax && old->u32min <= cur->u32min &&
	       cur->u32max <= old->u32max && old->s32min <= cur->s32min &&
	       cur->s32max <= old->s32max && tnum_in(old->t, cur->t);
}

bool scal_equal(const struct scal *a, const struct scal *b)
{
	return a->t.value == b->t.value && a->t.mask == b->t.mask && a->umin == b->umin &&
	       a->umax == b->umax && a->smin == b->smin && a->smax == b->smax &&
	       a->u32min == b->u32min && a->u32max == b->u32max && a->s32min == b->s32min &&
	       a->s32max == b->s32max;
}

struct vr scal_vr64(const struct scal *s)
{
	struct vr v = { s->t, s->umin, s->umax, s->smin, s->smax };
	return v;
}

struct vr scal_vr32(const struct scal *s)
{
	struct vr v = { tnum_subreg(s->t), s->u32min, s->u32max, s->s32min, s->s32max };
	return v;
}

struct scal scal_from_vr(const struct vr *v64, const struct vr *v32)
{
	struct scal s = scal_unknown();
	s.t = v64->t;
	s.umin = v64->umin;
	s.umax = v64->umax;
	s.smin = v64->smin;
	s.smax = v64->smax;
	if (v32) {
		s.t = tnum_with_subreg(s.t, tnum_intersect(tnum_subreg(s.t), v32->t));
		s.u32min = (uint32_t)v32->umin;
		s.u32max = (uint32_t)v32->umax;
		s.s32min = (int32_t)v32->smin;
		s.s32max = (int32_t)v32->smax;
	}
	if (!scal_sync(&s))
		s = scal_unknown(); /* cannot happen for sound inputs; stay sound */
	return s;
}

struct scal scal_from_vr32(const struct vr *v32)
{
	struct scal s = scal_unknown();
	s.t = tnum_cast(v32->t, 4);
	s.u32min = (uint32_t)v32->umin;
	s.u32max = (uint32_t)v32->umax;
	s.s32min = (int32_t)v32->smin;
	s.s32max = (int32_t)v32->smax;
	s.umin = s.u32min;
	s.umax = s.u32max;
	s.smin = 0;
	s.smax = (int64_t)U32_MAX;
	if (!scal_sync(&s)) {
		s = scal_unknown_bits(32);
	}
	return s;
}
