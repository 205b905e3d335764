/*
 * branch.c - what a conditional jump tells about its operands.
 *
 * outcome: from the operands' ranges, the jump may be certain (always or
 * never taken); the verifier then follows one side only, which prunes
 * dead code behind constant conditions.
 * refinement: on each side the condition (or its negation) holds, so the
 * ranges shrink (the kernel's reg_set_min_max / regs_refine_cond_op), and
 * a NULL test of a map-value-or-NULL pointer makes it (and every copy
 * with the same id) a map value on one side and the scalar 0 on the other.
 * A side whose ranges become empty cannot happen and is dropped.
 */
#include <errno.h>

#include "verifier/vfy.h"

static unsigned negate(unsigned op)
{
	switch (op) {
	case ISA_OP_JEQ: return ISA_OP_JNE;
	case ISA_OP_JNE: return ISA_OP_JEQ;
	case ISA_OP_JGT: return ISA_OP_JLE;
	case ISA_OP_JLE: return ISA_OP_JGT;
	case ISA_OP_JGE: return ISA_OP_JLT;
	case ISA_OP_JLT: return ISA_OP_JGE;
	case ISA_OP_JSGT: return ISA_OP_JSLE;
	case ISA_OP_JSLE: return ISA_OP_JSGT;
	case ISA_OP_JSGE: return ISA_OP_JSLT;
	case ISA_OP_JSLT: return ISA_OP_JSGE;
	default: return op; /* JSET: handled by the caller */
	}
}

static struct vr view(const struct vreg *r, unsigned bits)
{
	return bits == 32 ? scal_vr32(&r->s) : scal_vr64(&r->s);
}

/* -1, 0 or 1 for "a op b" on the width's views. */
static int scalar_taken(unsigned op, struct vr a, struct vr b)
{
	switch (op) {
	case ISA_OP_JEQ:
	case ISA_OP_JNE: {
		int eq = -1;
		if (tnum_is_const(a.t) && tnum_is_const(b.t))
			eq = a.t.value == b.t.value;
		else if (a.umin > b.umax || a.umax < b.umin || a.smin > b.smax ||
			 a.smax < b.smin || tnum_conflict(a.t, b.t))
			eq = 0;
		if (eq < 0)
			return -1;
		return op == ISA_OP_JEQ ? eq : !eq;
	}
	case ISA_OP_JSET:
		if (a.t.value & b.t.value)
			return 1;
		if (!((a.t.value | a.t.mask) & (b.t.value | b.t.mask)))
			return 0;
		return -1;
	case ISA_OP_JGT: return a.umin > b.umax ? 1 : a.umax <= b.umin ? 0 : -1;
	case ISA_OP_JGE: return a.umin >= b.umax ? 1 : a.umax < b.umin ? 0 : -1;
	case ISA_OP_JLT: return a.umax < b.umin ? 1 : a.umin >= b.umax ? 0 : -1;
	case ISA_OP_JLE: return a.umax <= b.umin ? 1 : a.umin > b.umax ? 0 : -1;
	case ISA_OP_JSGT: return a.smin > b.smax ? 1 : a.smax <= b.smin ? 0 : -1;
	case ISA_OP_JSGE: return a.smin >= b.smax ? 1 : a.smax < b.smin ? 0 : -1;
	case ISA_OP_JSLT: return a.smax < b.smin ? 1 : a.smin >= b.smax ? 0 : -1;
	case ISA_OP_JSLE: return a.smax <= b.smin ? 1 : a.smin > b.smax ? 0 : -1;
	default: return -1;
	}
}

static bool is_or_null(const struct vreg *r)
{
	return r->type == VT_PTR_TO_MAP_VALUE_OR_NULL || r->type == VT_PTR_TO_MEM_OR_NULL ||
	       r->type == VT_CONST_PTR_TO_MAP_OR_NULL;
}

static bool is_zero(const struct vreg *r)
{
	return r->type == VT_SCALAR && scal_is_const(&r->s) && r->s.t.value == 0;
}

/* The operands: dst, and src (a register, or the immediate). */
static void operands(struct vstate *s, const struct isa_insn *in, const struct isa_desc *d,
		     struct vreg **a, struct vreg *bimm, struct vreg **b)
{
	struct vframe *f = vcur(s);
	*a = &f->regs[in->dst];
	if (d->shape == ISA_SHAPE_JMP_X) {
		*b = &f->regs[in->src];
	} else {
		*bimm = vreg_const((uint64_t)(int64_t)in->imm);
		*b = bimm;
	}
}

int vfy_branch_outcome(struct venv *env, struct vstate *s, const struct isa_insn *in,
		       const struct isa_desc *d, uint32_t pc, int *outcome)
{
	int err;
	struct vreg *a, *b, bimm;
	if ((err = vfy_check_init(env, s, pc, in->dst)))
		return err;
	if (d->shape == ISA_SHAPE_JMP_X && (err = vfy_check_init(env, s, pc, in->src)))
		return err;
	operands(s, in, d, &a, &bimm, &b);
	*outcome = -1;
	if (a->type == VT_SCALAR && b->type == VT_SCALAR) {
		*outcome = scalar_taken(d->op, view(a, d->width), view(b, d->width));
		return 0;
	}
	/* Two pointers into different regions (the packet and its end or
	 * meta are one region): the result says nothing, and the comparison
	 * leaks how the regions lie (the kernel refuses it for unprivileged
	 * programs). */
	if (vreg_is_ptr(a) && vreg_is_ptr(b) && !vfy_same_region(a, b) &&
	    !(is_or_null(a) && a->type == b->type && a->map == b->map &&
	      a->ref_id == b->ref_id)) {
		char wa[96], wb[96];
		vreg_describe(a, wa, sizeof(wa));
		vreg_describe(b, wb, sizeof(wb));
		return vfy_err(env, -EACCES, pc,
			       "r%u and r%u point into different regions (%s, %s): comparing "
			       "them says nothing about either",
			       in->dst, in->src, wa, wb);
	}
	/* Nothing is unsigned-below 0, whatever it is: a pointer compared so
	 * would otherwise loop the verifier to its budget. */
	if (is_zero(b) && (d->op == ISA_OP_JLT || d->op == ISA_OP_JGE)) {
		*outcome = d->op == ISA_OP_JGE;
		return 0;
	}
	/* a pointer that cannot be NULL against 0 */
	if (d->width == 64 && (d->op == ISA_OP_JEQ || d->op == ISA_OP_JNE)) {
		const struct vreg *p = vreg_is_ptr(a) ? a : b, *o = vreg_is_ptr(a) ? b : a;
		/* not BTF pointers: one read from a struct may be NULL */
		if (vreg_is_ptr(p) && !is_or_null(p) && p->type != VT_PTR_TO_BTF_ID && is_zero(o))
			*outcome = d->op == ISA_OP_JNE;
	}
	return 0;
}

struct nullmark {
	uint32_t id;
	bool is_null;
};

static void mark_null(struct vreg *r, void *ctx)
{
	const struct nullmark *m = ctx;
	if (!is_or_null(r) || r->id != m->id)
		return;
	if (m->is_null) {
		*r = vreg_const(0);
		return;
	}
	/* a map value keeps its id: it names the element for the spin lock
	 * rules (refs.c), as the kernel keeps it for values with a lock */
	if (r->type != VT_PTR_TO_MAP_VALUE_OR_NULL)
		r->id = 0;
	r->type = r->type == VT_PTR_TO_MAP_VALUE_OR_NULL ? VT_PTR_TO_MAP_VALUE
		  : r->type == VT_PTR_TO_MEM_OR_NULL   ? VT_PTR_TO_MEM
						       : VT_CONST_PTR_TO_MAP;
}

/* Shrink a and b so that "a op b" holds. */
static void refine(unsigned op, struct vr *a, struct vr *b, bool *dead)
{
#define MAX(x, y) ((x) > (y) ? (x) : (y))
#define MIN(x, y) ((x) < (y) ? (x) : (y))
	switch (op) {
	case ISA_OP_JEQ:
		if (tnum_conflict(a->t, b->t)) {
			*dead = true;
			return;
		}
		a->umin = b->umin = MAX(a->umin, b->umin);
		a->umax = b->umax = MIN(a->umax, b->umax);
		a->smin = b->smin = MAX(a->smin, b->smin);
		a->smax = b->smax = MIN(a->smax, b->smax);
		a->t = b->t = tnum_intersect(a->t, b->t);
		break;
	case ISA_OP_JNE:
		/* only a constant excludes a bound */
		for (int i = 0; i < 2; i++) {
			struct vr *x = i ? b : a, *c = i ? a : b;
			if (!tnum_is_const(c->t) || tnum_is_const(x->t))
				continue;
			uint64_t v = c->t.value;
			if (x->umin == v)
				x->umin++;
			else if (x->umax == v)
				x->umax--;
			if (x->smin == c->smin)
				x->smin++;
			else if (x->smax == c->smin)
				x->smax--;
		}
		break;
	case ISA_OP_JLE: /* a <= b */
		a->umax = MIN(a->umax, b->umax);
		b->umin = MAX(b->umin, a->umin);
		break;
	case ISA_OP_JLT:
		if (a->umin >= b->umax) {
			*dead = true;
			return;
		}
		a->umax = MIN(a->umax, b->umax - 1);
		b->umin = MAX(b->umin, a->umin + 1);
		break;
	case ISA_OP_JGE: refine(ISA_OP_JLE, b, a, dead); break;
	case ISA_OP_JGT: refine(ISA_OP_JLT, b, a, dead); break;
	case ISA_OP_JSLE:
		a->smax = MIN(a->smax, b->smax);
		b->smin = MAX(b->smin, a->smin);
		break;
	case ISA_OP_JSLT:
		if (a->smin >= b->smax) {
			*dead = true;
			return;
		}
		a->smax = MIN(a->smax, b->smax - 1);
		b->smin = MAX(b->smin, a->smin + 1);
		break;
	case ISA_OP_JSGE: refine(ISA_OP_JSLE, b, a, dead); break;
	case ISA_OP_JSGT: refine(ISA_OP_JSLT, b, a, dead); break;
	default:
		break;
	}
#undef MAX
#undef MIN
}

static void write_back(struct vreg *r, const struct vr *v, unsigned bits, bool *dead)
{
	if (bits == 32) {
		if (v->umin > v->umax || v->smin > v->smax) {
			*dead = true;
			return;
		}
		r->s.u32min = (uint32_t)v->umin;
		r->s.u32max = (uint32_t)v->umax;
		r->s.s32min = (int32_t)v->smin;
		r->s.s32max = (int32_t)v->smax;
		r->s.t = tnum_with_subreg(r->s.t, v->t);
	} else {
		r->s.umin = v->umin;
		r->s.umax = v->umax;
		r->s.smin = v->smin;
		r->s.smax = v->smax;
		r->s.t = v->t;
	}
	if (r->s.umin > r->s.umax || r->s.smin > r->s.smax || !scal_sync(&r->s))
		*dead = true;
}

void vfy_branch_refine(struct venv *env, struct vstate *s, const struct isa_insn *in,
		       const struct isa_desc *d, bool taken, bool *dead)
{
	struct vreg *a, *b, bimm;
	*dead = false;
	operands(s, in, d, &a, &bimm, &b);
	unsigned op = d->op;
	bool holds = taken; /* the condition "a op b" holds on this side */

	if (d->width == 64 && (op == ISA_OP_JEQ || op == ISA_OP_JNE)) {
		const struct vreg *p = is_or_null(a) ? a : is_or_null(b) ? b : NULL;
		const struct vreg *o = p == a ? b : a;
		if (p && is_zero(o)) {
			/* equal to 0 on the JEQ-taken / JNE-fall side */
			struct nullmark m = { p->id, (op == ISA_OP_JEQ) == holds };
			if (m.is_null && p->ref_id)
				vfy_ref_drop(s, p->ref_id); /* the reservation failed */
			vstate_for_each_reg(s, mark_null, &m);
			return;
		}
	}
	if (vfy_pkt_refine(env, s, in, d, holds))
		return;
	if (a->type != VT_SCALAR || b->type != VT_SCALAR)
		return;
	struct vr va = view(a, d->width), vb = view(b, d->width);
	if (op == ISA_OP_JSET) {
		if (!tnum_is_const(vb.t))
			return;
		uint64_t v = vb.t.value;
		if (holds) {
			if (v && !(v & (v - 1)))
				va.t = tnum_or(va.t, tnum_const(v)); /* one bit: it is set */
		} else {
			va.t = tnum_and(va.t, tnum_const(~v)); /* none of the bits */
		}
		va.umin = tnum_umin(va.t) > va.umin ? tnum_umin(va.t) : va.umin;
		va.umax = tnum_umax(va.t) < va.umax ? tnum_umax(va.t) : va.umax;
		write_back(a, &va, d->width, dead);
		return;
	}
	refine(holds ? op : negate(op), &va, &vb, dead);
	if (*dead)
		return;
	write_back(a, &va, d->width, dead);
	if (d->shape == ISA_SHAPE_JMP_X && !*dead)
		write_back(b, &vb, d->width, dead);
}
