/*
 * range.h - scalar values as ranges plus known bits.
 *
 * A struct scal describes a set of 64-bit values by five facts that must
 * all hold for every member x: x is in the tnum t; umin <= x <= umax as
 * unsigned; smin <= x <= smax as signed; and the low 32 bits lie in
 * [u32min, u32max] unsigned and [s32min, s32max] signed. The facts are kept
 * consistent with each other by scal_sync() (the kernel's reg_bounds_sync:
 * each bound is tightened from the others until nothing changes).
 *
 * struct vr is one width's view (32 or 64 bits) used by the arithmetic:
 * a tnum plus unsigned and signed bounds of that width. Operations on vr
 * are sound over-approximations of the concrete operation with wrap-around
 * at the width.
 */
#ifndef BPFVM_VERIFIER_RANGE_H
#define BPFVM_VERIFIER_RANGE_H

#include <stdbool.h>
#include <stdint.h>

#include "verifier/tnum.h"

struct scal {
	struct tnum t;
	uint64_t umin, umax;
	int64_t smin, smax;
	uint32_t u32min, u32max;
	int32_t s32min, s32max;
};

struct vr {
	struct tnum t;
	uint64_t umin, umax; /* within the width */
	int64_t smin, smax;  /* within the width's signed range */
};

struct scal scal_unknown(void);
struct scal scal_const(uint64_t v);
/* Unknown value of the low bits (8, 16, 32) zero-extended. */
struct scal scal_unknown_bits(unsigned bits);
/* Unknown value of bits sign-extended to 64. */
struct scal scal_unknown_sbits(unsigned bits);
bool scal_is_const(const struct scal *s);
/* Tighten every bound from the others. False when the set is empty. */
bool scal_sync(struct scal *s);
/* Zero-extend the low 32 bits (the result of any 32-bit ALU op). */
void scal_zext32(struct scal *s);
/* Every value of cur is a value of old (pruning). */
bool scal_within(const struct scal *old, const struct scal *cur);
/* Exactly equal descriptions. */
bool scal_equal(const struct scal *a, const struct scal *b);

/* The 64-bit or 32-bit view of s, and s rebuilt from views. */
struct vr scal_vr64(const struct scal *s);
struct vr scal_vr32(const struct scal *s);
/* s := v64, with 32-bit bounds derived from it, intersected with v32 when
 * given (ops whose low 32 result bits depend only on low 32 input bits). */
struct scal scal_from_vr(const struct vr *v64, const struct vr *v32);
/* s := zext(v32) */
struct scal scal_from_vr32(const struct vr *v32);

/* Arithmetic at width bits (32 or 64). */
struct vr vr_unknown(unsigned bits);
struct vr vr_const(uint64_t v, unsigned bits);
struct vr vr_add(struct vr a, struct vr b, unsigned bits);
struct vr vr_sub(struct vr a, struct vr b, unsigned bits);
struct vr vr_mul(struct vr a, struct vr b, unsigned bits);
struct vr vr_and(struct vr a, struct vr b, unsigned bits);
struct vr vr_or(struct vr a, struct vr b, unsigned bits);
struct vr vr_xor(struct vr a, struct vr b, unsigned bits);
/* Shifts: b.umax < bits (callers handle larger counts). */
struct vr vr_lsh(struct vr a, struct vr b, unsigned bits);
struct vr vr_rsh(struct vr a, struct vr b, unsigned bits);
struct vr vr_arsh(struct vr a, struct vr b, unsigned bits);
/* Unsigned division and remainder with the ISA's x/0 = 0, x%0 = x. */
struct vr vr_div(struct vr a, struct vr b, unsigned bits);
struct vr vr_mod(struct vr a, struct vr b, unsigned bits);
/* Fill smin/smax from umin/umax (when the unsigned range does not cross
 * the sign bit) or to the full range; and bounds from the tnum. */
void vr_signed_from_unsigned(struct vr *v, unsigned bits);

#endif
