/*
 * jgen.h - random programs for the interpreter-vs-JIT differential: the
 * fuzz target fuzz_jit (bytes from libFuzzer) and the unit test test_jit
 * (bytes from a fixed-seed PRNG) share it.
 *
 * Rows are picked from the ISA table, so every ALU, jump, load, store and
 * atomic form the table has is reached; operands are edge values (0, -1,
 * INT_MIN, INT64_MIN, 31/32/63/64 for shifts, ...) or random ones; every
 * register may be dst or src, so the ones the lowering treats specially
 * (r0 = rax, r3 = rdx, r4 = rcx) come up in every role.
 *
 * Layout of a program (memory: JGEN_MEM bytes at r1):
 *   prologue   [r10-96] = r1 (the memory), r0..r9 = constants
 *   body       ALU rows, stack loads/stores/atomics at [r10 - k*size]
 *              (inside the first 64 bytes of the frame), forward jumps
 *              inside the body, LD_ABS/LD_IND, a helper call, calls to
 *              the subprograms, map value stores and atomics (opt-in)
 *   epilogue   r0..r9 into mem[0..80), the frame's top 64 bytes into
 *              mem[128..192), exit with r0
 *   subprograms (up to JGEN_SUBPROGS) after it: r0, r6..r9 = constants,
 *              a small body of the same kinds, exit; subprogram i calls
 *              only j > i, so there is no recursion
 * No register ever holds a pointer when the epilogue stores it (pointers
 * differ between the engines' copies of the memory), and every memory
 * access stays inside the stack frame, the memory or the map value, so
 * that the unverified JIT (prog_load_trusted) may run the program too.
 */
#ifndef BPFVM_TESTS_JGEN_H
#define BPFVM_TESTS_JGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfvm.h"
#include "isa/isa.h"
#include "vgen.h"

#define JGEN_MEM 256      /* bytes at r1 */
#define JGEN_MAX 400      /* slots */
#define JGEN_VALUE 64     /* the map value's size (map index 0, key 0) */
#define JGEN_SUBPROGS 2
#define JGEN_HELPER 1000  /* the helper id jgen_opts.helper calls */

static const uint64_t jgen_edges[] = {
	0, 1, (uint64_t)-1, 0x8000000000000000ull, 0x7fffffffffffffffull, 0xffffffff80000000ull,
	0x80000000ull, 0x7fffffffull, 0xffffffffull, 31, 32, 63, 64, (uint64_t)-7,
	0x123456789abcdef0ull, 0xfedcba9876543210ull,
};
#define JGEN_N_EDGES (sizeof(jgen_edges) / sizeof(jgen_edges[0]))

/* What a program may use besides ALU, jumps and the stack. */
struct jgen_opts {
	bool map;    /* ld_imm64 map_val(map 0) + off: stores and atomics there */
	bool helper; /* calls of helper JGEN_HELPER (scalars in, scalar out) */
	bool pkt;    /* LD_ABS / LD_IND */
	bool calls;  /* BPF-to-BPF calls */
};

struct jgen {
	struct bpfvm_insn s[JGEN_MAX];
	size_t n;
};

/* A slot of table row d with the given operands (the DISC field from the
 * row; fields the row does not use are zero). */
static inline struct bpfvm_insn jgen_row(const struct isa_desc *d, unsigned dst, unsigned src,
					 int16_t off, int32_t imm)
{
	struct bpfvm_insn in = { .code = d->code, .dst = dst & 15, .src = src & 15, .off = off,
				 .imm = imm };
	if (d->disc == ISA_DISC_OFF)
		in.off = (int16_t)d->dval;
	else if (d->disc == ISA_DISC_IMM)
		in.imm = d->dval;
	else if (d->disc == ISA_DISC_SRC)
		in.src = (uint8_t)d->dval;
	if (!(d->fields & ISA_F_SRC) && d->disc != ISA_DISC_SRC)
		in.src = 0;
	if (!(d->fields & ISA_F_IMM) && d->disc != ISA_DISC_IMM)
		in.imm = 0;
	if (!(d->fields & ISA_F_OFF) && d->disc != ISA_DISC_OFF)
		in.off = 0;
	return in;
}

static inline void jgen_add(struct jgen *p, struct bpfvm_insn in)
{
	if (p->n < JGEN_MAX)
		p->s[p->n++] = in;
}

static inline void jgen_lddw_raw(struct jgen *p, unsigned dst, unsigned src, uint64_t v)
{
	jgen_add(p, vgen_raw(0x18, (uint8_t)dst, (uint8_t)src, 0, (int32_t)(uint32_t)v));
	jgen_add(p, vgen_raw(0, 0, 0, 0, (int32_t)(uint32_t)(v >> 32)));
}

static inline void jgen_lddw(struct jgen *p, unsigned dst, uint64_t v)
{
	jgen_lddw_raw(p, dst, 0, v);
}

/* Prologue: save r1 (the memory) at [r10-96]. */
static inline void jgen_begin(struct jgen *p)
{
	p->n = 0;
	jgen_add(p, vgen_raw(0x7b, 10, 1, -96, 0));
}

/* Epilogue: r0..r9 into mem[0..80), [r10-64, r10) into mem[128..192),
 * exit with r0. */
static inline void jgen_end(struct jgen *p)
{
	for (int i = 0; i < 10; i++)
		jgen_add(p, vgen_raw(0x7b, 10, (uint8_t)i, (int16_t)(-104 - 8 * i), 0));
	jgen_add(p, vgen_raw(0x79, 1, 10, -96, 0));
	for (int i = 0; i < 10; i++) {
		jgen_add(p, vgen_raw(0x79, 2, 10, (int16_t)(-104 - 8 * i), 0));
		jgen_add(p, vgen_raw(0x7b, 1, 2, (int16_t)(8 * i), 0));
	}
	for (int i = 0; i < 8; i++) {
		jgen_add(p, vgen_raw(0x79, 2, 10, (int16_t)(-64 + 8 * i), 0));
		jgen_add(p, vgen_raw(0x7b, 1, 2, (int16_t)(128 + 8 * i), 0));
	}
	jgen_add(p, vgen_raw(0x79, 0, 10, -104, 0));
	jgen_add(p, vgen_raw(0x95, 0, 0, 0, 0));
}

static inline bool jgen_is_alu(const struct isa_desc *d)
{
	unsigned s = d->shape;
	return s == ISA_SHAPE_ALU_K || s == ISA_SHAPE_ALU_X || s == ISA_SHAPE_NEG ||
	       s == ISA_SHAPE_MOVSX || s == ISA_SHAPE_END_LE || s == ISA_SHAPE_END_BE ||
	       s == ISA_SHAPE_BSWAP;
}

static inline bool jgen_is_jmp(const struct isa_desc *d)
{
	return d->shape == ISA_SHAPE_JMP_K || d->shape == ISA_SHAPE_JMP_X;
}

static inline bool jgen_is_atomic(const struct isa_desc *d)
{
	return d->shape == ISA_SHAPE_ATOMIC || d->shape == ISA_SHAPE_ATOMIC_FETCH ||
	       d->shape == ISA_SHAPE_XCHG || d->shape == ISA_SHAPE_CMPXCHG;
}

static inline bool jgen_is_load(const struct isa_desc *d)
{
	return d->shape == ISA_SHAPE_LDX || d->shape == ISA_SHAPE_LDXSX ||
	       d->shape == ISA_SHAPE_LOAD_ACQ;
}

static inline bool jgen_is_mem(const struct isa_desc *d)
{
	return jgen_is_load(d) || jgen_is_atomic(d) || d->shape == ISA_SHAPE_ST ||
	       d->shape == ISA_SHAPE_STX || d->shape == ISA_SHAPE_STORE_REL;
}

static inline bool jgen_is_pkt(const struct isa_desc *d)
{
	return d->shape == ISA_SHAPE_LD_ABS || d->shape == ISA_SHAPE_LD_IND;
}

/* A row that want() accepts: from two bytes, then the next one that fits. */
static inline const struct isa_desc *jgen_pick(struct vgen_src *s,
					       bool (*want)(const struct isa_desc *))
{
	unsigned i = (vgen_byte(s) | vgen_byte(s) << 8) % ISA__COUNT;
	for (unsigned k = 0; k < ISA__COUNT; k++, i = (i + 1) % ISA__COUNT)
		if (want(&isa_table[i]))
			return &isa_table[i];
	return &isa_table[0];
}

static inline uint64_t jgen_u64(struct vgen_src *s)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | vgen_byte(s);
	return v;
}

/* An edge value half the time, else random bits, often few of them. */
static inline uint64_t jgen_value(struct vgen_src *s)
{
	unsigned b = vgen_byte(s);
	if (b & 1)
		return jgen_edges[(b >> 1) % JGEN_N_EDGES];
	return jgen_u64(s) >> (vgen_byte(s) % 64);
}

/* A stack slot of size bytes inside [r10-64, r10), aligned. */
static inline int16_t jgen_stack_off(struct vgen_src *s, unsigned size)
{
	return (int16_t)(-(int)size * (1 + (int)(vgen_byte(s) % (64 / size))));
}

struct jgen_calls {
	size_t at[64];    /* call slots */
	unsigned to[64];  /* subprogram index */
	size_t n;
};

/* One body of up to len slots (more with ld_imm64); sub is the
 * subprogram it is in (-1: main), for the calls it may make. */
static inline void jgen_body(struct vgen_src *s, struct jgen *p, const struct jgen_opts *o,
			     size_t len, int sub, struct jgen_calls *calls)
{
	/* Jumps land on the start of a unit (one or more slots emitted as one
	 * step: a map access is three, a helper call six), never inside
	 * one: their offsets are set once every unit's start is known. */
	size_t start = p->n, unit[JGEN_MAX], n_units = 0;
	size_t jmp_at[JGEN_MAX], jmp_to[JGEN_MAX], n_jmps = 0;
	while (p->n - start < len && p->n < JGEN_MAX - 120) {
		unit[n_units++] = p->n;
		unsigned kind = vgen_byte(s) % 16;
		unsigned dst = vgen_byte(s) % 10, src = vgen_byte(s) % 10;
		if (kind < 7) {
			jgen_add(p, jgen_row(jgen_pick(s, jgen_is_alu), dst, src, 0,
					     (int32_t)jgen_value(s)));
		} else if (kind < 10) {
			const struct isa_desc *d = jgen_pick(s, jgen_is_mem);
			int16_t off = jgen_stack_off(s, d->size);
			if (jgen_is_load(d))
				jgen_add(p, jgen_row(d, dst, 10, off, 0));
			else
				jgen_add(p, jgen_row(d, 10, src, off, (int32_t)jgen_value(s)));
		} else if (kind < 12) {
			/* forward, to one of the next units or the slot after the body */
			jmp_at[n_jmps] = p->n;
			jmp_to[n_jmps++] = n_units + vgen_byte(s) % 8;
			jgen_add(p, jgen_row(jgen_pick(s, jgen_is_jmp), dst, src, 0,
					     (int32_t)jgen_value(s)));
		} else if (kind == 12 && o->pkt) {
			const struct isa_desc *d = jgen_pick(s, jgen_is_pkt);
			/* near the packet's start, near a header's (SKF_NET_OFF,
			 * SKF_LL_OFF: fuzz_jit's runs place them), or an edge */
			unsigned how = vgen_byte(s) % 4;
			int32_t near = (int32_t)(vgen_byte(s) % 80) - 8;
			int32_t imm = how == 0 ? near
				      : how == 1 ? (vgen_byte(s) & 1 ? -0x100000 : -0x200000) + near
						 : (int32_t)jgen_value(s);
			jgen_add(p, jgen_row(d, 0, src, 0, imm));
		} else if (kind == 13 && o->helper) {
			jgen_add(p, vgen_raw(0x85, 0, 0, 0, JGEN_HELPER));
			/* a call leaves r1..r5 undefined (the JIT's helper is C
			 * code, which clobbers them): define them again */
			for (uint8_t r = 1; r <= 5; r++)
				jgen_add(p, vgen_raw(0xb7, r, 0, 0, (int32_t)jgen_value(s)));
		} else if (kind == 14 && o->calls && sub + 1 < JGEN_SUBPROGS &&
			   calls->n < sizeof(calls->at) / sizeof(calls->at[0])) {
			calls->at[calls->n] = p->n;
			calls->to[calls->n++] = (unsigned)(sub + 1) +
						vgen_byte(s) % (unsigned)(JGEN_SUBPROGS - sub - 1);
			jgen_add(p, vgen_raw(0x85, 0, 1, 0, 0)); /* call: patched */
		} else if (kind == 15 && o->map) {
			/* r = &value + off; a store or an atomic there; r = constant */
			const struct isa_desc *d = jgen_pick(s, jgen_is_mem);
			if (jgen_is_load(d) || d->shape == ISA_SHAPE_CMPXCHG || dst == src)
				continue;
			int16_t off = (int16_t)(d->size * (vgen_byte(s) % (JGEN_VALUE / d->size)));
			jgen_lddw_raw(p, dst, 2, (uint64_t)off << 32); /* map_val(map 0) + off */
			jgen_add(p, jgen_row(d, dst, src, 0, (int32_t)jgen_value(s)));
			jgen_add(p, vgen_raw(0xb7, (uint8_t)dst, 0, 0, (int32_t)jgen_value(s)));
		}
	}
	/* jumps may land on the slot after the body: make it exist */
	unit[n_units] = p->n;
	jgen_add(p, vgen_raw(0x05, 0, 0, 0, 0)); /* ja +0 */
	for (size_t i = 0; i < n_jmps; i++) {
		size_t to = unit[jmp_to[i] < n_units ? jmp_to[i] : n_units];
		p->s[jmp_at[i]].off = (int16_t)(to - jmp_at[i] - 1);
	}
}

/* Fill p from s: the program jgen.h's header describes. */
static inline void jgen_program(struct vgen_src *s, struct jgen *p, const struct jgen_opts *o)
{
	struct jgen_calls calls = { .n = 0 };
	size_t sub_at[JGEN_SUBPROGS] = { 0 };
	jgen_begin(p);
	for (unsigned r = 0; r < 10; r++)
		jgen_lddw(p, r, jgen_value(s));
	jgen_body(s, p, o, 8 + vgen_byte(s) % 56, -1, &calls);
	jgen_end(p);
	if (o->calls) {
		for (int i = 0; i < JGEN_SUBPROGS; i++) {
			sub_at[i] = p->n;
			static const uint8_t set[] = { 0, 6, 7, 8, 9 };
			for (size_t k = 0; k < sizeof(set); k++)
				jgen_add(p, vgen_raw(0xb7, set[k], 0, 0, (int32_t)jgen_value(s)));
			jgen_body(s, p, o, 2 + vgen_byte(s) % 14, i, &calls);
			jgen_add(p, vgen_raw(0x95, 0, 0, 0, 0));
		}
		for (size_t i = 0; i < calls.n; i++)
			p->s[calls.at[i]].imm = (int32_t)((long)sub_at[calls.to[i]] -
							  (long)calls.at[i] - 1);
	}
}

#endif /* BPFVM_TESTS_JGEN_H */
