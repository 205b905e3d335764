/*
 * vgen.h - a generator of small programs near the verifier's safety
 * boundaries, for the soundness check (fuzz_verifier, and the unit test
 * test_verifier_soundness with fixed seeds).
 *
 * The soundness check: whatever the verifier accepts runs in the checked
 * interpreter, which checks every memory access; a check that fires there
 * is a verifier bug (it accepted an unsafe program).
 *
 * Programs are raw-typed (r1 = VGEN_CTX bytes of memory, r2 = its size)
 * and use one array map (key 4, value VGEN_VALUE bytes) by direct value
 * address. A byte stream (fuzz input, or a PRNG) picks each instruction
 * from shapes chosen to sit at the edges: loads and stores at offsets
 * around the ends of the ctx, the stack and the map value; pointers moved
 * by scalars whose ranges comparisons did or did not bound; forward
 * branches (and a few backward ones) on edge constants; spills and fills
 * of every width; moves that copy bounds between registers. The prologue
 * keeps ctx in r9 and a map value pointer in r8 so that later
 * instructions can reach them.
 */
#ifndef BPFVM_TESTS_VGEN_H
#define BPFVM_TESTS_VGEN_H

#include <stddef.h>
#include <stdint.h>

#include "bpfvm.h"

#define VGEN_CTX 64
#define VGEN_VALUE 16
#define VGEN_MAX 96 /* instructions */

struct vgen_src {
	const uint8_t *p;
	size_t n, i;
};

static inline unsigned vgen_byte(struct vgen_src *s)
{
	return s->i < s->n ? s->p[s->i++] : 0;
}

static inline struct bpfvm_insn vgen_raw(uint8_t code, uint8_t dst, uint8_t src, int16_t off,
					 int32_t imm)
{
	struct bpfvm_insn in = { .code = code, .dst = dst, .src = src, .off = off, .imm = imm };
	return in;
}

/* Edge constants: around 0, the sizes and the ends of the regions. */
static inline int32_t vgen_const(struct vgen_src *s)
{
	static const int32_t k[] = { 0, 1, -1, 2, 4, 7, 8, 15, 16, 17, 31, 32, 48, 56, 60, 63,
				     64, 65, 127, 128, 255, 256, 511, 512, -8, -16, -64, -512,
				     0x7fffffff, (int32_t)0x80000000 };
	return k[vgen_byte(s) % (sizeof(k) / sizeof(k[0]))];
}

/* Offsets for memory access: around the ends of ctx, value and stack. */
static inline int16_t vgen_off(struct vgen_src *s)
{
	static const int16_t k[] = { 0, 1, 2, 4, 7, 8, 12, 14, 15, 16, 56, 60, 62, 63, 64,
				     -1, -4, -8, -16, -24, -32, -64, -504, -512, -513 };
	return k[vgen_byte(s) % (sizeof(k) / sizeof(k[0]))];
}

/* Mostly inside the region base points to (r9 ctx, r8 value, r10 the
 * stack), aligned to the size; an edge offset one time in four. */
static inline int16_t vgen_mem_off(struct vgen_src *s, uint8_t base, uint8_t size_code)
{
	unsigned sz = size_code == 0x10 ? 1 : size_code == 0x08 ? 2 : size_code == 0x00 ? 4 : 8;
	unsigned b = vgen_byte(s);
	if (b % 4 == 0)
		return vgen_off(s);
	unsigned span = base == 9 ? VGEN_CTX : base == 8 ? VGEN_VALUE : 64;
	int16_t off = (int16_t)((b / 4 * sz) % span);
	return base == 10 ? (int16_t)(off - (int16_t)span) : off;
}

static inline uint8_t vgen_size(struct vgen_src *s)
{
	static const uint8_t k[] = { 0x10 /* B */, 0x08 /* H */, 0x00 /* W */, 0x18 /* DW */ };
	return k[vgen_byte(s) & 3];
}

/* Fill out[0..VGEN_MAX) and return the count. */
static inline size_t vgen_program(struct vgen_src *s, struct bpfvm_insn *out)
{
	size_t n = 0;
	/* prologue: r9 = ctx, r8 = &value[0] of map 0, r6 = ctx byte 0 */
	out[n++] = vgen_raw(0xbf, 9, 1, 0, 0);
	out[n++] = vgen_raw(0x18, 8, 2, 0, 0); /* ld_imm64 map value */
	out[n++] = vgen_raw(0, 0, 0, 0, 0);
	out[n++] = vgen_raw(0x71, 6, 1, 0, 0); /* r6 = *(u8 *)(r1 + 0) */
	out[n++] = vgen_raw(0x79, 7, 1, 8, 0); /* r7 = *(u64 *)(r1 + 8) */
	out[n++] = vgen_raw(0x71, 0, 1, 1, 0); /* r0..r5: ctx bytes and constants */
	out[n++] = vgen_raw(0x69, 1, 9, 2, 0);
	out[n++] = vgen_raw(0x61, 2, 9, 4, 0);
	out[n++] = vgen_raw(0xb7, 3, 0, 0, 0);
	out[n++] = vgen_raw(0xb7, 4, 0, 0, VGEN_VALUE);
	out[n++] = vgen_raw(0x71, 5, 9, 16, 0);
	size_t body = 4 + vgen_byte(s) % 24;
	static const uint8_t alu_ops[] = { 0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60,
					   0x70, 0x90, 0xa0, 0xc0, 0xb0 };
	static const uint8_t jmp_ops[] = { 0x10, 0x20, 0x30, 0x40, 0x50, 0x60,
					   0x70, 0xa0, 0xb0, 0xc0, 0xd0 };
	while (n < VGEN_MAX - 4 && body--) {
		unsigned kind = vgen_byte(s) % 12;
		uint8_t d = (uint8_t)(vgen_byte(s) % 8), r = (uint8_t)(vgen_byte(s) % 10);
		switch (kind) {
		case 0: /* dst = edge constant */
			out[n++] = vgen_raw(0xb7, d, 0, 0, vgen_const(s));
			break;
		case 1: { /* 64-bit op with a constant or a register */
			uint8_t op = alu_ops[vgen_byte(s) % sizeof(alu_ops)];
			if (vgen_byte(s) & 1)
				out[n++] = vgen_raw((uint8_t)(0x07 | op), d, 0, 0,
						    op == 0x60 || op == 0x70 || op == 0xc0
							    ? (int32_t)(vgen_byte(s) % 64) : vgen_const(s));
			else
				out[n++] = vgen_raw((uint8_t)(0x0f | op), d, r, 0, 0);
			break;
		}
		case 2: { /* 32-bit op */
			uint8_t op = alu_ops[vgen_byte(s) % sizeof(alu_ops)];
			if (vgen_byte(s) & 1)
				out[n++] = vgen_raw((uint8_t)(0x04 | op), d, 0, 0,
						    op == 0x60 || op == 0x70 || op == 0xc0
							    ? (int32_t)(vgen_byte(s) % 32) : vgen_const(s));
			else
				out[n++] = vgen_raw((uint8_t)(0x0c | op), d, r, 0, 0);
			break;
		}
		case 3: { /* load from ctx, the value or the stack */
			static const uint8_t base[] = { 9, 8, 10, 1 };
			uint8_t b = base[vgen_byte(s) & 3];
			uint8_t sz = vgen_size(s);
			out[n++] = vgen_raw((uint8_t)(0x61 | sz), d, b, vgen_mem_off(s, b, sz), 0);
			break;
		}
		case 4: { /* store a register or a constant */
			static const uint8_t base[] = { 9, 8, 10 };
			uint8_t b = base[vgen_byte(s) % 3];
			uint8_t sz = vgen_size(s);
			if (vgen_byte(s) & 1)
				out[n++] = vgen_raw((uint8_t)(0x63 | sz), b, r, vgen_mem_off(s, b, sz), 0);
			else
				out[n++] = vgen_raw((uint8_t)(0x62 | sz), b, 0, vgen_mem_off(s, b, sz),
						    vgen_const(s));
			break;
		}
		case 5: /* pointer += scalar: p = ctx|value|fp; p += r */
			out[n++] = vgen_raw(0xbf, d, (uint8_t)(8 + vgen_byte(s) % 3), 0, 0);
			out[n++] = vgen_raw(0x0f, d, r, 0, 0);
			break;
		case 6: { /* forward conditional jump */
			uint8_t op = jmp_ops[vgen_byte(s) % sizeof(jmp_ops)];
			int16_t off = (int16_t)(vgen_byte(s) % 6);
			uint8_t cls = vgen_byte(s) & 1 ? 0x06 : 0x05; /* jmp32 / jmp */
			if (vgen_byte(s) & 1)
				out[n++] = vgen_raw((uint8_t)(cls | op), d, 0, off, vgen_const(s));
			else
				out[n++] = vgen_raw((uint8_t)(cls | op | 0x08), d, r, off, 0);
			break;
		}
		case 7: /* backward jump on a counter: a small loop */
			if (n > 6 && vgen_byte(s) % 4 == 0) {
				int16_t back = (int16_t)(1 + vgen_byte(s) % 4);
				out[n++] = vgen_raw(0x07, d, 0, 0, 1);
				out[n++] = vgen_raw(0xa5, d, 0, (int16_t)-(back + 2),
						    (int32_t)(vgen_byte(s) % 40));
			}
			break;
		case 8: /* spill and fill through the stack, any width */
			out[n++] = vgen_raw((uint8_t)(0x63 | vgen_size(s)), 10, r,
					    (int16_t)(-8 * (1 + vgen_byte(s) % 4)), 0);
			out[n++] = vgen_raw((uint8_t)(0x61 | vgen_size(s)), d, 10,
					    (int16_t)(-8 * (1 + vgen_byte(s) % 4)), 0);
			break;
		case 9: /* copy a register (bounds travel with it) */
			out[n++] = vgen_raw(vgen_byte(s) & 1 ? 0xbf : 0xbc, d, r, 0, 0);
			break;
		case 10: /* bound a register by a register */
			out[n++] = vgen_raw((uint8_t)(0x05 | jmp_ops[vgen_byte(s) % sizeof(jmp_ops)] |
						      0x08),
					    d, r, (int16_t)(vgen_byte(s) % 4), 0);
			break;
		case 11: /* a join: two values for one register */
			out[n++] = vgen_raw(0x55, 6, 0, 1, vgen_const(s));
			out[n++] = vgen_raw(0xb7, d, 0, 0, vgen_const(s));
			break;
		}
	}
	/* make every forward jump land inside the program */
	out[n++] = vgen_raw(0xb7, 0, 0, 0, 0);
	for (size_t i = 0; i < 6; i++)
		out[n++] = vgen_raw(0x05, 0, 0, 0, 0); /* ja +0 */
	out[n++] = vgen_raw(0x95, 0, 0, 0, 0);
	return n;
}

/*
 * The soundness check on one program: if the verifier accepts it, it must
 * run in the checked interpreter on ctx without a fault. Returns 1 when a
 * verifier bug shows (err filled by the run), 0 otherwise (refused, or
 * ran clean). accepted: set when the verifier accepted it.
 */
static inline int vgen_check(struct bpfvm_vm *vm, struct bpfvm_map *map,
			     const struct bpfvm_insn *insns, size_t n, uint8_t *ctx,
			     int *accepted, struct bpfvm_error *err)
{
	struct bpfvm_map *maps[1] = { map };
	struct bpfvm_prog *prog = NULL;
	BPFVM_OPTS(bpfvm_load_opts, lo, .maps = maps, .n_maps = 1,
		   .ctx_size = VGEN_CTX);
	*accepted = 0;
	if (bpfvm_prog__load(vm, insns, n, &lo, &prog, err))
		return 0;
	*accepted = 1;
	uint64_t r0;
	BPFVM_OPTS(bpfvm_run_opts, ro, .insn_budget = 2000000);
	int rc = bpfvm_prog__run(prog, ctx, VGEN_CTX, &ro, &r0, err);
	bpfvm_prog__free(prog);
	return rc != 0;
}

#endif
