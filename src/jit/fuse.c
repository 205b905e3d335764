/*
 * fuse.c - lowering several BPF instructions as one x86 instruction.
 *
 * clang's BPF code computes addresses one step at a time, because BPF has
 * no indexed addressing: `r4 = r10; r4 += -128; r4 += r3; r4 = *(u8 *)(r4
 * + 0)`. x86 has [base + index + disp]. Before the first layout pass this
 * file decides, once, which instructions are lowered together
 * (c->fuse[pc]); the decision never depends on the layout.
 *
 * Three forms:
 * - FUSE_MEM: an address chain on rA (`rA = rB` or rA itself as the base,
 *   then `rA += K` and at most one `rA += rY`, all 64-bit), later a load or
 *   store through rA: the access becomes [rB + rY + K + off] and the chain
 *   emits nothing. Only where rA is dead after the access (liveness below)
 *   or the access loads into rA. The instructions between the chain and
 *   the access ("between") must not read or write rA nor write rB or rY,
 *   so each register holds at the access what it held at the chain; they
 *   are lowered as usual (or fused themselves: the rules are checked on
 *   the original program, and a register only ever differs from it where
 *   nothing reads it).
 * - FUSE_LEA: a chain of two or three that no access takes becomes
 *   `lea rA, [rB + rY + K]` (32-bit chains: the 32-bit lea, whose low half
 *   is the same sum, zero-extended). Flags are dead between instructions,
 *   so lea not setting them is fine.
 * - FUSE_JCC_JA: `if cond goto +1; goto X` becomes `if !cond goto X`, the
 *   goto emitting nothing.
 * No instruction but a chain's first may be a jump target (control must
 * come in at the top), and every one must be one some verifier path
 * reached (dead.c). Constant blinding (blind.c) turns MEM and LEA off: they
 * would put the program's immediates into displacements.
 *
 * Liveness is the usual backward fixed point over the instructions' own
 * successors. What it does not model it takes as reading every register
 * (packet loads, kfuncs); an exit reads r0 and, for a BPF-to-BPF return,
 * r6..r9; a call reads r1..r5 (a local call: every register).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lower.h"
#include "prog/prog.h"

#define REG(r) ((uint16_t)(1u << (r)))
#define ALL_REGS ((uint16_t)0x7ff)
#define ARGS (REG(1) | REG(2) | REG(3) | REG(4) | REG(5))
#define BETWEEN_MAX 8 /* instructions looked over between chain and access */

void lower_mark_targets(const struct jit_ctx *c, uint8_t *target)
{
	target[0] = 1;
	for (size_t i = 0; i < c->prog->n_callbacks; i++)
		if (c->prog->callbacks[i] < c->n)
			target[c->prog->callbacks[i]] = 1;
	for (size_t pc = 0; pc < c->n; pc++) {
		const struct isa_insn *in = &c->insns[pc];
		if (in->id == ISA__WIDE_HI)
			continue;
		long to;
		switch (isa_table[in->id].shape) {
		case ISA_SHAPE_JA: case ISA_SHAPE_JMP_K: case ISA_SHAPE_JMP_X:
		case ISA_SHAPE_MAY_GOTO:
			to = (long)pc + 1 + in->off;
			break;
		case ISA_SHAPE_JA32: case ISA_SHAPE_CALL_LOCAL:
			to = (long)pc + 1 + in->imm;
			break;
		default:
			continue;
		}
		if (to >= 0 && (size_t)to < c->n) /* the decoder checked; be safe */
			target[to] = 1;
	}
}

/* What in reads and writes (bit i: ri). */
static void uses_defs(const struct isa_insn *in, uint16_t *use, uint16_t *def)
{
	const struct isa_desc *d = &isa_table[in->id];
	uint16_t dst = REG(in->dst), src = REG(in->src);
	*use = 0;
	*def = 0;
	switch (d->shape) {
	case ISA_SHAPE_ALU_K:
		*use = d->op == ISA_OP_MOV ? 0 : dst;
		*def = dst;
		break;
	case ISA_SHAPE_ALU_X:
		*use = d->op == ISA_OP_MOV ? src : (uint16_t)(dst | src);
		*def = dst;
		break;
	case ISA_SHAPE_NEG: case ISA_SHAPE_END_LE: case ISA_SHAPE_END_BE: case ISA_SHAPE_BSWAP:
		*use = dst;
		*def = dst;
		break;
	case ISA_SHAPE_MOVSX: case ISA_SHAPE_LDX: case ISA_SHAPE_LDXSX: case ISA_SHAPE_LOAD_ACQ:
		*use = src;
		*def = dst;
		break;
	case ISA_SHAPE_LDDW:
		*def = dst;
		break;
	case ISA_SHAPE_ST:
		*use = dst;
		break;
	case ISA_SHAPE_STX: case ISA_SHAPE_STORE_REL: case ISA_SHAPE_ATOMIC:
		*use = dst | src;
		break;
	case ISA_SHAPE_ATOMIC_FETCH: case ISA_SHAPE_XCHG:
		*use = dst | src;
		*def = src;
		break;
	case ISA_SHAPE_CMPXCHG:
		*use = dst | src | REG(0);
		*def = REG(0);
		break;
	case ISA_SHAPE_JA: case ISA_SHAPE_JA32: case ISA_SHAPE_MAY_GOTO:
		break;
	case ISA_SHAPE_JMP_K:
		*use = dst;
		break;
	case ISA_SHAPE_JMP_X:
		*use = dst | src;
		break;
	case ISA_SHAPE_CALL_HELPER:
		*use = ARGS;
		*def = ARGS | REG(0);
		break;
	case ISA_SHAPE_CALLX:
		*use = ARGS | dst;
		*def = ARGS | REG(0);
		break;
	case ISA_SHAPE_EXIT:
		*use = REG(0) | REG(6) | REG(7) | REG(8) | REG(9);
		break;
	default: /* local calls, packet loads, kfuncs: read everything */
		*use = ALL_REGS;
		break;
	}
}

/* live_out[pc]: the registers some path from after pc reads before writing. */
static int liveness(const struct jit_ctx *c, uint16_t *live_out)
{
	size_t n = c->n;
	uint16_t *live_in = calloc(n + 1, sizeof(*live_in));
	if (!live_in)
		return -ENOMEM;
	memset(live_out, 0, n * sizeof(*live_out));
	bool changed = true;
	while (changed) {
		changed = false;
		for (size_t pc = n; pc-- > 0;) {
			const struct isa_insn *in = &c->insns[pc];
			if (in->id == ISA__WIDE_HI)
				continue;
			const struct isa_desc *d = &isa_table[in->id];
			size_t next = pc + ((d->fields & ISA_F_WIDE) ? 2 : 1);
			uint16_t out = 0;
			long to = -1;
			bool falls = true;
			switch (d->shape) {
			case ISA_SHAPE_JA:
				to = (long)pc + 1 + in->off;
				falls = false;
				break;
			case ISA_SHAPE_JA32:
				to = (long)pc + 1 + in->imm;
				falls = false;
				break;
			case ISA_SHAPE_JMP_K: case ISA_SHAPE_JMP_X: case ISA_SHAPE_MAY_GOTO:
				to = (long)pc + 1 + in->off;
				break;
			case ISA_SHAPE_EXIT:
				falls = false;
				break;
			default:
				break;
			}
			if (falls)
				out |= next < n ? live_in[next] : 0;
			if (to >= 0 && (size_t)to < n)
				out |= live_in[to];
			uint16_t use, def;
			uses_defs(in, &use, &def);
			uint16_t inl = (uint16_t)(use | (out & ~def));
			if (out != live_out[pc] || inl != live_in[pc]) {
				live_out[pc] = out;
				live_in[pc] = inl;
				changed = true;
			}
		}
	}
	free(live_in);
	return 0;
}

/* An address chain ending at slot e (inclusive) on register r: start,
 * base and index (BPF registers; index -1: none), disp, width. */
struct chain {
	size_t start;
	int base, index;
	int64_t disp;
	bool is64;
	unsigned len;
};

static bool is_alu(const struct isa_insn *in, unsigned shape, unsigned op)
{
	const struct isa_desc *d = &isa_table[in->id];
	return in->id != ISA__WIDE_HI && d->shape == shape && d->op == op;
}

/* Walk back from e over `r += K` / `r += rY` (one at most) and an optional
 * leading `r = rB`, all of one width, no slot after the first a target or
 * taken. False when there is no chain (or only one slot and min_len 2). */
static bool find_chain(const struct jit_ctx *c, const uint8_t *target, const uint8_t *taken,
		       size_t e, unsigned r, unsigned min_len, struct chain *ch)
{
	*ch = (struct chain){ .index = -1, .base = (int)r };
	int width = 0;
	size_t i = e + 1;
	while (i > 0 && ch->len < 3) {
		const struct isa_insn *in = &c->insns[i - 1];
		if (in->id == ISA__WIDE_HI || taken[i - 1] || in->dst != r)
			break;
		if (c->seen && !c->seen[i - 1])
			break;
		const struct isa_desc *d = &isa_table[in->id];
		if (width && d->width != width)
			break;
		if (is_alu(in, ISA_SHAPE_ALU_K, ISA_OP_ADD)) {
			ch->disp += in->imm;
		} else if (is_alu(in, ISA_SHAPE_ALU_X, ISA_OP_ADD) && in->src != r &&
			   ch->index < 0) {
			ch->index = in->src;
		} else if (is_alu(in, ISA_SHAPE_ALU_X, ISA_OP_MOV) && in->src != r && in->off == 0) {
			ch->base = in->src;
			width = d->width;
			ch->len++;
			i--;
			break; /* the chain's first */
		} else {
			break;
		}
		width = d->width;
		ch->len++;
		i--;
		if (target[i])
			break; /* control comes in here: it is the first */
	}
	if (ch->len < min_len || ch->len == 0)
		return false;
	ch->start = i;
	for (size_t j = i + 1; j <= e; j++)
		if (target[j])
			return false;
	ch->is64 = width == 64;
	return ch->disp >= INT32_MIN && ch->disp <= INT32_MAX;
}

/* Take the load or store at pc as FUSE_MEM, if an address chain feeds it. */
static void try_mem(struct jit_ctx *c, const uint8_t *target, uint8_t *taken,
		    const uint16_t *live_out, size_t pc)
{
	const struct isa_insn *acc = &c->insns[pc];
	const struct isa_desc *d = &isa_table[acc->id];
	unsigned ra;
	switch (d->shape) {
	case ISA_SHAPE_LDX: case ISA_SHAPE_LDXSX:
		ra = acc->src;
		break;
	case ISA_SHAPE_ST:
		ra = acc->dst;
		break;
	case ISA_SHAPE_STX:
		ra = acc->dst;
		if (acc->src == ra)
			return; /* stores the address itself */
		break;
	default:
		return;
	}
	if (ra == 10 || target[pc])
		return;
	bool loads_into = (d->shape == ISA_SHAPE_LDX || d->shape == ISA_SHAPE_LDXSX) &&
			  acc->dst == ra;
	if (!loads_into && (live_out[pc] & REG(ra)))
		return;
	/* walk back over the instructions between */
	uint16_t reads = 0, writes = 0;
	size_t e = pc;
	for (unsigned k = 0; k <= BETWEEN_MAX && e > 0; k++) {
		const struct isa_insn *in = &c->insns[e - 1];
		if (in->id == ISA__WIDE_HI) { /* the ld_imm64 before it */
			if (e < 2)
				return;
			in = &c->insns[e - 2];
			if (in->dst == ra || (c->seen && !c->seen[e - 2]) || target[e - 1] ||
			    target[e - 2] || taken[e - 2])
				return;
			writes |= REG(in->dst);
			e -= 2;
			continue;
		}
		if (in->dst == ra && !taken[e - 1])
			break; /* the chain ends here */
		if (c->seen && !c->seen[e - 1])
			return;
		unsigned shape = isa_table[in->id].shape;
		if (shape != ISA_SHAPE_ALU_K && shape != ISA_SHAPE_ALU_X && shape != ISA_SHAPE_LDX &&
		    shape != ISA_SHAPE_LDXSX && shape != ISA_SHAPE_ST && shape != ISA_SHAPE_STX &&
		    shape != ISA_SHAPE_MOVSX && shape != ISA_SHAPE_NEG)
			return;
		uint16_t use, def;
		uses_defs(in, &use, &def);
		reads |= use;
		writes |= def;
		if (target[e - 1])
			return;
		e--;
	}
	if (e == 0 || (reads | writes) & REG(ra))
		return;
	struct chain ch;
	if (!find_chain(c, target, taken, e - 1, ra, 1, &ch) || !ch.is64)
		return;
	if ((ch.base != (int)ra && (writes & REG(ch.base))) ||
	    (ch.index >= 0 && (writes & REG(ch.index))))
		return;
	int64_t disp = ch.disp + acc->off;
	if (disp < INT32_MIN || disp > INT32_MAX)
		return;
	for (size_t j = ch.start; j < e; j++) {
		taken[j] = 1;
		c->fuse[j].kind = FUSE_SKIP;
	}
	taken[pc] = 1;
	c->fuse[pc] = (struct jit_fuse){ .kind = FUSE_MEM, .base = (int8_t)ch.base,
					 .index = (int8_t)ch.index, .disp = (int32_t)disp };
}

/* Take a chain of two or three starting at pc as FUSE_LEA. */
static void try_lea(struct jit_ctx *c, const uint8_t *target, uint8_t *taken, size_t pc)
{
	const struct isa_insn *in = &c->insns[pc];
	if (in->id == ISA__WIDE_HI || taken[pc] || (c->seen && !c->seen[pc]))
		return;
	unsigned r = in->dst;
	/* the longest chain on r from pc: up to three slots */
	struct chain best = { 0 };
	for (size_t e = pc + 1; e < c->n && e < pc + 3; e++) {
		struct chain ch;
		if (c->insns[e].dst != r || taken[e])
			break;
		if (find_chain(c, target, taken, e, r, 2, &ch) && ch.start == pc)
			best = ch;
	}
	if (best.len < 2)
		return;
	for (size_t j = pc; j < pc + best.len; j++) {
		taken[j] = 1;
		c->fuse[j].kind = FUSE_SKIP;
	}
	c->fuse[pc] = (struct jit_fuse){ .kind = FUSE_LEA, .base = (int8_t)best.base,
					 .index = (int8_t)best.index, .disp = (int32_t)best.disp,
					 .is64 = best.is64, .dst = (int8_t)r };
}

/* `if cond goto +1; goto X` at pc: FUSE_JCC_JA. */
static void try_jcc_ja(struct jit_ctx *c, const uint8_t *target, uint8_t *taken, size_t pc)
{
	const struct isa_insn *in = &c->insns[pc];
	if (in->id == ISA__WIDE_HI || pc + 2 >= c->n || taken[pc] || taken[pc + 1])
		return;
	unsigned shape = isa_table[in->id].shape;
	if ((shape != ISA_SHAPE_JMP_K && shape != ISA_SHAPE_JMP_X) || in->off != 1)
		return;
	const struct isa_insn *ja = &c->insns[pc + 1];
	if (ja->id == ISA__WIDE_HI || isa_table[ja->id].shape != ISA_SHAPE_JA || target[pc + 1] ||
	    ja->off == -1)
		return; /* (goto -1 loops on itself: its jmp must stay) */
	if (c->seen && (!c->seen[pc] || !c->seen[pc + 1] || !c->seen[pc + 2]))
		return; /* a dead side: dead.c lowers it */
	taken[pc] = taken[pc + 1] = 1;
	c->fuse[pc].kind = FUSE_JCC_JA;
	c->fuse[pc + 1].kind = FUSE_SKIP;
}

int lower_fuse_scan(struct jit_ctx *c)
{
	c->fuse = calloc(c->n + 1, sizeof(*c->fuse));
	uint8_t *target = calloc(c->n + 1, 1);
	uint8_t *taken = calloc(c->n + 1, 1);
	uint16_t *live_out = calloc(c->n + 1, sizeof(*live_out));
	int rc = -ENOMEM;
	if (!c->fuse || !target || !taken || !live_out || liveness(c, live_out))
		goto out;
	lower_mark_targets(c, target);
	if (!c->blind) {
		for (size_t pc = 0; pc < c->n; pc++)
			if (c->insns[pc].id != ISA__WIDE_HI && (!c->seen || c->seen[pc]))
				try_mem(c, target, taken, live_out, pc);
		for (size_t pc = 0; pc < c->n; pc++)
			try_lea(c, target, taken, pc);
	}
	for (size_t pc = 0; pc < c->n; pc++)
		try_jcc_ja(c, target, taken, pc);
	rc = 0;
out:
	if (rc) {
		free(c->fuse);
		c->fuse = NULL;
	}
	free(target);
	free(taken);
	free(live_out);
	return rc;
}

/* The x86 register of a BPF one, or -1. */
static int x86_of(int bpf)
{
	return bpf < 0 ? -1 : jit_reg[bpf];
}

bool lower_fused(struct jit_ctx *c, const struct isa_desc *d, const struct isa_insn *in, int *rc)
{
	const struct jit_fuse *f = c->fuse ? &c->fuse[c->pc] : NULL;
	if (!f || f->kind == FUSE_NONE || f->kind == FUSE_JCC_JA)
		return false; /* JCC_JA: lower_jmp.c asks */
	struct jit_buf *b = &c->buf;
	int base = x86_of(f->base), index = x86_of(f->index);
	*rc = 0;
	switch (f->kind) {
	case FUSE_SKIP:
		return true;
	case FUSE_LEA:
		emit_lea_i(b, f->is64, x86_of(f->dst), base, index, f->disp);
		return true;
	case FUSE_MEM:
		switch (d->shape) {
		case ISA_SHAPE_LDX:
			emit_load_i(b, d->size, jit_reg[in->dst], base, index, f->disp);
			return true;
		case ISA_SHAPE_LDXSX:
			emit_load_sx_i(b, d->size, jit_reg[in->dst], base, index, f->disp);
			return true;
		case ISA_SHAPE_STX:
			emit_store_i(b, d->size, base, index, f->disp, jit_reg[in->src]);
			return true;
		case ISA_SHAPE_ST:
			emit_store_imm_i(b, d->size, base, index, f->disp, in->imm);
			return true;
		default:
			*rc = -EFAULT;
			return true;
		}
	default:
		return false;
	}
}
