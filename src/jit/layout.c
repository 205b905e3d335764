/*
 * layout.c - lowering passes until the code size is stable.
 *
 * Jumps take the short form when their displacement fits in a byte, so an
 * instruction's size depends on where its target lands, which depends on
 * the sizes before it. As in the kernel's x86 JIT, each pass lowers every
 * instruction with the offsets of the pass before (the first pass assumes
 * a pessimistic JIT_GUESS bytes each, so jumps start long and only
 * shrink). When a pass reproduces the offsets it was given, every
 * displacement it wrote is exact. One more pass is then run as a check: it
 * must produce the same offsets again, else the layout is an error (and the
 * program is refused or falls back), never a crash.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blind.h"
#include "jit.h"
#include "lower.h"
#include "prog/prog.h"

#define JIT_GUESS 64
#define JIT_MAX_PASSES 20

static int lower_insn(struct jit_ctx *c, const struct isa_insn *in)
{
	const struct isa_desc *d = &isa_table[in->id];
	int rc;
	if (lower_fused(c, d, in, &rc)) /* several slots as one: fuse.c */
		return rc;
	if (lower_dead_branch(c, d, in)) /* a side no path takes: dead.c */
		return 0;
	if (c->blind && lower_blinded(c, d, in, &rc)) /* harden: blind.c */
		return rc;
	switch (d->shape) {
	case ISA_SHAPE_ALU_K: case ISA_SHAPE_ALU_X: case ISA_SHAPE_NEG:
	case ISA_SHAPE_MOVSX: case ISA_SHAPE_END_LE: case ISA_SHAPE_END_BE:
	case ISA_SHAPE_BSWAP: case ISA_SHAPE_LDDW:
		return lower_alu(c, d, in);
	case ISA_SHAPE_LDX: case ISA_SHAPE_LDXSX: case ISA_SHAPE_ST: case ISA_SHAPE_STX:
	case ISA_SHAPE_ATOMIC: case ISA_SHAPE_ATOMIC_FETCH: case ISA_SHAPE_XCHG:
	case ISA_SHAPE_CMPXCHG: case ISA_SHAPE_LOAD_ACQ: case ISA_SHAPE_STORE_REL:
		return lower_mem(c, d, in);
	case ISA_SHAPE_LD_ABS: case ISA_SHAPE_LD_IND:
		return lower_pkt(c, d, in);
	case ISA_SHAPE_CALL_HELPER: case ISA_SHAPE_CALLX: case ISA_SHAPE_CALL_LOCAL:
		return lower_call(c, d, in);
	default:
		return lower_jmp(c, d, in);
	}
}

/* One pass: lower everything with c->off, writing the new offsets. */
static int pass(struct jit_ctx *c, uint32_t *next)
{
	c->buf.len = 0;
	c->buf.oom = false;
	if (!jit_buf_reserve(&c->buf, JIT_FRAME_MAX))
		return -ENOMEM;
	lower_frame(c);
	if (c->buf.len > JIT_FRAME_MAX)
		return -EFAULT;
	for (size_t pc = 0; pc < c->n; pc++) {
		next[pc] = (uint32_t)c->buf.len;
		const struct isa_insn *in = &c->insns[pc];
		if (in->id == ISA__WIDE_HI || (c->seen && !c->seen[pc]))
			continue; /* no path reaches pc: no code (dead.c) */
		if (!jit_buf_reserve(&c->buf, JIT_MAX_INSN_BYTES))
			return -ENOMEM;
		c->pc = pc;
		size_t before = c->buf.len;
		int rc = lower_insn(c, in);
		if (rc)
			return rc;
		if (c->buf.len - before > JIT_MAX_INSN_BYTES)
			return -EFAULT;
		if (c->buf.len > UINT32_MAX / 2)
			return -E2BIG;
	}
	next[c->n] = (uint32_t)c->buf.len;
	return 0;
}

int jit_layout(const struct bpfvm_prog *prog, struct jit_buf *out, uint32_t **offsets,
	       unsigned *passes, uint32_t *batch_off, char *why, size_t why_size)
{
	struct jit_ctx c = { .prog = prog, .insns = prog->insns, .n = prog->n };
	struct jit_blind blind;
	unsigned n_passes = 0;
	uint32_t *a = malloc((prog->n + 1) * sizeof(*a));
	uint32_t *b = malloc((prog->n + 1) * sizeof(*b));
	int rc = -ENOMEM;
	if (!a || !b) {
		snprintf(why, why_size, "out of memory");
		goto out;
	}
	/* The frame has a fixed size: lower it once for the body's offset. */
	c.buf = *out;
	if (!jit_buf_reserve(&c.buf, JIT_FRAME_MAX)) {
		snprintf(why, why_size, "out of memory");
		goto out;
	}
	if (prog->jit_harden) {
		if (jit_blind_init(&blind)) {
			rc = -EFAULT;
			snprintf(why, why_size, "internal error: constant blinding's table");
			goto out;
		}
		c.blind = &blind;
	}
	lower_frame(&c);
	lower_call_scan(&c);
	if (lower_dead_scan(&c) || lower_fuse_scan(&c) || lower_map_scan(&c)) {
		snprintf(why, why_size, "out of memory");
		goto out;
	}
	for (size_t pc = 0; pc <= prog->n; pc++)
		a[pc] = c.body_off + (uint32_t)(pc * JIT_GUESS);
	c.off = a;
	bool stable = false;
	for (int i = 0; i < JIT_MAX_PASSES && !stable; i++) {
		rc = pass(&c, b);
		n_passes++;
		if (rc)
			break;
		stable = !memcmp(a, b, (prog->n + 1) * sizeof(*a));
		uint32_t *t = a;
		a = b;
		b = t;
		c.off = a;
	}
	if (rc) {
		snprintf(why, why_size, rc == -ENOMEM ? "out of memory"
				     : rc == -E2BIG ? "the code is too large"
				     : "internal error: an instruction the JIT cannot lower");
		goto out;
	}
	if (!stable) {
		rc = -EFAULT;
		snprintf(why, why_size, "the code layout did not settle in %d passes",
			 JIT_MAX_PASSES);
		goto out;
	}
	/* The final pass must reproduce the settled layout exactly. */
	rc = pass(&c, b);
	n_passes++;
	if (!rc && memcmp(a, b, (prog->n + 1) * sizeof(*a))) {
		rc = -EFAULT;
		snprintf(why, why_size, "the final layout pass disagreed with the settled one");
	} else if (rc) {
		snprintf(why, why_size, "out of memory");
	}
	if (!rc) { /* the settled offsets go to the caller */
		*offsets = a;
		*passes = n_passes;
		*batch_off = c.batch_off;
		a = NULL;
	}
out:
	*out = c.buf;
	free(c.lookup_map);
	free(c.next_live);
	free(c.fuse);
	free(a);
	free(b);
	return rc;
}
