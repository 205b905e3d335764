/*
 * precise.c - precision tracking: which scalar values a path's safety
 * depended on (the kernel's mark_chain_precision / backtrack_insn).
 *
 * Pruning compares a new state with stored ones. Comparing every scalar
 * would keep apart states that differ only in values nothing checks (an
 * accumulator, a hash), and branchy loop bodies would then multiply paths
 * without end. So a stored state compares only the scalars marked
 * "precise" in it: those whose value some check below it relied on.
 *
 * A check that relies on a scalar (a branch whose outcome the range
 * decides, pointer arithmetic, a helper's size argument, the return
 * value's range) asks for precision of that register. The demand is
 * followed backwards through the instructions the path executed (its
 * history, recorded per state since its nearest stored ancestor): a move
 * passes it to the source, an operation adds the source, a constant ends
 * it, a load from the stack passes it to the stack slot and the store into
 * that slot back to a register; calls and returns move it between frames.
 * Each stored state met on the way gets the demanded registers marked
 * precise, and the walk goes on into its own history, until nothing is
 * demanded. Stored states thus learn, as their paths are explored, which
 * facts their safety needs; only fully explored states prune, so their
 * marks are complete.
 *
 * When a path is pruned, the precise scalars of the state that covered it
 * are facts the pruned path relied on too, so they are demanded in the
 * pruned path (the kernel's propagate_precision).
 *
 * Anything the walk does not expect (a demand on a register a call
 * clobbered) falls back to marking every scalar of every ancestor precise:
 * less pruning, never a wrong one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "verifier/vfy.h"

#define R(n) (1u << (n))
#define ARGS (R(1) | R(2) | R(3) | R(4) | R(5))

int vfy_hist_push(struct vstate *s, uint32_t pc)
{
	if (s->hlen == s->hcap) {
		uint32_t cap = s->hcap ? s->hcap * 2 : 32;
		struct vhist *h = realloc(s->hist, cap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		s->hist = h;
		s->hcap = cap;
	}
	struct vhist *e = &s->hist[s->hlen++];
	memset(e, 0, sizeof(*e));
	e->idx = pc;
	e->frame = (uint8_t)s->curframe;
	return 0;
}

void vfy_hist_stack(struct vstate *s, uint32_t frameno, uint32_t slot)
{
	if (!s->hlen)
		return;
	struct vhist *e = &s->hist[s->hlen - 1];
	e->flags |= VH_STACK;
	e->sframe = (uint8_t)frameno;
	e->slot = (uint8_t)slot;
}

/* The demand: registers and stack slots per frame. */
struct bt {
	uint16_t reg[VFY_MAX_FRAMES];
	uint64_t slot[VFY_MAX_FRAMES];
};

static bool bt_empty(const struct bt *bt)
{
	for (int f = 0; f < VFY_MAX_FRAMES; f++)
		if (bt->reg[f] || bt->slot[f])
			return false;
	return true;
}

/* One instruction backwards. -1: a demand the walk cannot follow. */
static int backtrack_insn(const struct venv *env, struct bt *bt, const struct vhist *e)
{
	const struct isa_insn *in = &env->insns[e->idx];
	const struct isa_desc *d = &isa_table[in->id];
	unsigned g = e->frame;
	uint16_t *rm = &bt->reg[g];
	uint16_t dst = (uint16_t)R(in->dst), src = (uint16_t)R(in->src);
	bool stack = e->flags & VH_STACK;
	uint64_t sbit = stack ? 1ull << e->slot : 0;
	uint64_t *sm = &bt->slot[stack ? e->sframe : 0];

	switch (d->shape) {
	case ISA_SHAPE_ALU_K:
		if ((*rm & dst) && d->op == ISA_OP_MOV)
			*rm &= (uint16_t)~dst; /* a constant: the demand ends */
		return 0;
	case ISA_SHAPE_ALU_X:
		if (!(*rm & dst))
			return 0;
		if (d->op == ISA_OP_MOV)
			*rm &= (uint16_t)~dst;
		*rm |= src;
		return 0;
	case ISA_SHAPE_MOVSX:
		if (*rm & dst) {
			*rm &= (uint16_t)~dst;
			*rm |= src;
		}
		return 0;
	case ISA_SHAPE_NEG:
	case ISA_SHAPE_END_LE:
	case ISA_SHAPE_END_BE:
	case ISA_SHAPE_BSWAP:
		return 0; /* dst from dst */
	case ISA_SHAPE_LDDW:
		*rm &= (uint16_t)~dst;
		return 0;
	case ISA_SHAPE_LDX:
	case ISA_SHAPE_LDXSX:
	case ISA_SHAPE_LOAD_ACQ:
		if (*rm & dst) {
			*rm &= (uint16_t)~dst;
			if (stack)
				*sm |= sbit; /* a fill: the value came from the slot */
		}
		return 0;
	case ISA_SHAPE_ST:
	case ISA_SHAPE_STX:
	case ISA_SHAPE_STORE_REL:
		if (!stack || !(*sm & sbit))
			return 0;
		/* An 8-byte store replaces the slot; a narrower one keeps the
		 * demand on the slot's other bytes too. */
		if (d->size == 8)
			*sm &= ~sbit;
		if (d->shape != ISA_SHAPE_ST)
			*rm |= src;
		return 0;
	case ISA_SHAPE_ATOMIC:
		return 0; /* the slot becomes an unknown value (mem.c) */
	case ISA_SHAPE_ATOMIC_FETCH:
	case ISA_SHAPE_XCHG:
		*rm &= (uint16_t)~src; /* the fetched value is unknown */
		return 0;
	case ISA_SHAPE_CMPXCHG:
		*rm &= (uint16_t)~R(0);
		return 0;
	case ISA_SHAPE_JMP_X:
		/* the comparison refined each operand from the other */
		if (*rm & (dst | src))
			*rm |= (uint16_t)(dst | src);
		return 0;
	case ISA_SHAPE_JMP_K:
	case ISA_SHAPE_JA:
	case ISA_SHAPE_JA32:
	case ISA_SHAPE_MAY_GOTO:
		return 0;
	case ISA_SHAPE_CALL_HELPER:
	case ISA_SHAPE_CALL_KFUNC:
	case ISA_SHAPE_CALLX:
	case ISA_SHAPE_LD_ABS:
	case ISA_SHAPE_LD_IND:
		if (*rm & ARGS)
			return -1; /* clobbered by the call */
		*rm &= (uint16_t)~R(0); /* the result: unknown */
		return 0;
	case ISA_SHAPE_CALL_LOCAL:
		/* back from the callee's first instruction into the caller:
		 * the callee's r1-r5 were the caller's */
		if (g + 1 >= VFY_MAX_FRAMES || (*rm & ARGS) || (bt->reg[g + 1] & ~ARGS) ||
		    bt->slot[g + 1])
			return -1;
		*rm |= (uint16_t)(bt->reg[g + 1] & ARGS);
		bt->reg[g + 1] = 0;
		return 0;
	case ISA_SHAPE_EXIT:
		/* back from the caller into the callee's exit: the caller's r0
		 * is the callee's */
		if (g == 0 || (bt->reg[g - 1] & ARGS))
			return -1;
		bt->reg[g] = (uint16_t)(bt->reg[g - 1] & R(0));
		bt->slot[g] = 0;
		bt->reg[g - 1] &= (uint16_t)~R(0);
		return 0;
	default:
		return -1;
	}
}

/* Mark the demanded scalars of stored state st precise; drop from the
 * demand what is not a scalar or was already precise (its ancestors were
 * marked when it was). */
static int apply(struct vstate *st, struct bt *bt)
{
	for (uint32_t f = 0; f < VFY_MAX_FRAMES; f++) {
		if (f > st->curframe) {
			if (bt->reg[f] || bt->slot[f])
				return -1;
			continue;
		}
		struct vframe *fr = st->fr[f];
		for (int r = 0; r < BPFVM_NREGS; r++) {
			if (!(bt->reg[f] & R(r)))
				continue;
			struct vreg *reg = &fr->regs[r];
			if (reg->type != VT_SCALAR || reg->precise)
				bt->reg[f] &= (uint16_t)~R(r);
			else
				reg->precise = 1;
		}
		for (uint32_t k = 0; k < VFY_SLOTS; k++) {
			if (!(bt->slot[f] & (1ull << k)))
				continue;
			struct vslot *sl = k < fr->nslots ? &fr->stack[k] : NULL;
			if (!sl || !sl->spill_size || sl->spill.type != VT_SCALAR ||
			    sl->spill.precise)
				bt->slot[f] &= ~(1ull << k);
			else
				sl->spill.precise = 1;
		}
	}
	return 0;
}

static void mark_all(struct vreg *r, void *ctx)
{
	(void)ctx;
	if (r->type == VT_SCALAR)
		r->precise = 1;
}

/* The fallback: every scalar of every stored ancestor is precise. */
static void mark_all_ancestors(struct vstate *s)
{
	for (struct vsl *p = s->parent; p; p = p->st.parent)
		vstate_for_each_reg(&p->st, mark_all, NULL);
}

void vfy_mark_all_precise(struct vstate *s)
{
	mark_all_ancestors(s);
}

/* Follow the demand bt back from the end of s's history (minus its last
 * entry when skip_last: the instruction now being checked). */
static void backtrack(const struct venv *env, struct vstate *s, struct bt *bt, bool skip_last)
{
	struct vstate *st = s;
	uint32_t i = st->hlen;
	if (skip_last && i)
		i--;
	for (;;) {
		while (i > 0 && !bt_empty(bt)) {
			if (backtrack_insn(env, bt, &st->hist[--i]) < 0) {
				mark_all_ancestors(s);
				return;
			}
		}
		if (bt_empty(bt) || !st->parent)
			return;
		st = &st->parent->st;
		if (apply(st, bt) < 0) {
			mark_all_ancestors(s);
			return;
		}
		i = st->hlen;
	}
}

void vfy_mark_precise(const struct venv *env, struct vstate *s, unsigned regno)
{
	if (vcur(s)->regs[regno].type != VT_SCALAR)
		return;
	struct bt bt;
	memset(&bt, 0, sizeof(bt));
	bt.reg[s->curframe] = (uint16_t)R(regno);
	backtrack(env, s, &bt, true);
}

void vfy_propagate_precision(const struct venv *env, const struct vstate *old,
			     struct vstate *cur)
{
	struct bt bt;
	memset(&bt, 0, sizeof(bt));
	for (uint32_t f = 0; f <= old->curframe; f++) {
		const struct vframe *of = old->fr[f], *cf = cur->fr[f];
		uint16_t live = vfy_live_regs(env, old, f);
		for (int r = 0; r < BPFVM_NREGS; r++)
			if ((live & R(r)) && of->regs[r].type == VT_SCALAR && of->regs[r].precise &&
			    cf->regs[r].type == VT_SCALAR)
				bt.reg[f] |= (uint16_t)R(r);
		for (uint32_t k = 0; k < of->nslots && k < cf->nslots; k++)
			if (of->stack[k].spill_size && of->stack[k].spill.type == VT_SCALAR &&
			    of->stack[k].spill.precise)
				bt.slot[f] |= 1ull << k;
	}
	backtrack(env, cur, &bt, false);
}
