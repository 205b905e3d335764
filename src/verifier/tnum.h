/*
 * tnum.h - tristate numbers: what is known about the bits of a value.
 *
 * A tnum (value, mask) stands for every 64-bit x with x & ~mask == value:
 * a bit set in mask is unknown, any other bit is known and equals the bit
 * of value. Invariant: value & mask == 0. (The kernel's kernel/bpf/tnum.c
 * idea; the functions here are written from the definition.)
 */
#ifndef BPFVM_VERIFIER_TNUM_H
#define BPFVM_VERIFIER_TNUM_H

#include <stdbool.h>
#include <stdint.h>

struct tnum {
	uint64_t value;
	uint64_t mask;
};

#define TNUM(v, m) ((struct tnum){ .value = (v), .mask = (m) })

static inline struct tnum tnum_const(uint64_t v) { return TNUM(v, 0); }
static inline struct tnum tnum_unknown(void) { return TNUM(0, ~0ull); }
static inline bool tnum_is_const(struct tnum a) { return !a.mask; }
static inline bool tnum_is_unknown(struct tnum a) { return !~a.mask; }
static inline bool tnum_equals_const(struct tnum a, uint64_t b) { return !a.mask && a.value == b; }
static inline uint64_t tnum_umin(struct tnum a) { return a.value; }
static inline uint64_t tnum_umax(struct tnum a) { return a.value | a.mask; }

/* The smallest tnum holding every value of [min, max]. */
struct tnum tnum_range(uint64_t min, uint64_t max);
struct tnum tnum_add(struct tnum a, struct tnum b);
struct tnum tnum_sub(struct tnum a, struct tnum b);
struct tnum tnum_mul(struct tnum a, struct tnum b);
struct tnum tnum_and(struct tnum a, struct tnum b);
struct tnum tnum_or(struct tnum a, struct tnum b);
struct tnum tnum_xor(struct tnum a, struct tnum b);
struct tnum tnum_lshift(struct tnum a, unsigned shift);
struct tnum tnum_rshift(struct tnum a, unsigned shift);
/* Arithmetic shift of the low insn_bits (32 or 64) bits. */
struct tnum tnum_arshift(struct tnum a, unsigned shift, unsigned insn_bits);
/* Values in both a and b (callers check tnum_conflict() first). */
struct tnum tnum_intersect(struct tnum a, struct tnum b);
/* True when a and b share no value (a known bit differs). */
bool tnum_conflict(struct tnum a, struct tnum b);
/* The low size bytes (zero-extended). */
struct tnum tnum_cast(struct tnum a, unsigned size);
/* Every value of b is a value of a. */
bool tnum_in(struct tnum a, struct tnum b);
/* The low 32 bits; and a with its low 32 bits replaced by those of sub. */
static inline struct tnum tnum_subreg(struct tnum a) { return tnum_cast(a, 4); }
struct tnum tnum_with_subreg(struct tnum a, struct tnum sub);
/* The smallest and largest signed value of the low bits (32/64). */
int64_t tnum_smin(struct tnum a, unsigned bits);
int64_t tnum_smax(struct tnum a, unsigned bits);

#endif
