/*
 * pkt.c - packet pointers (the kernel's PTR_TO_PACKET, _META, _END).
 *
 * A packet pointer is the packet start (or the metadata start) plus a
 * fixed offset off and a variable part s. Its range says that the bytes
 * [start + s, start + s + range) are inside the packet: every pointer with
 * the same id shares s and the range. Loads from ctx->data give id 0;
 * adding a variable gives a fresh id and range 0.
 *   - access of n bytes at p + k: needs s >= 0 and 0 <= off + k,
 *     off + k + n <= range;
 *   - "p > data_end" not taken (p <= end): range >= off for all pointers
 *     of p's id; "p >= end" not taken (p < end): range >= off + 1; the
 *     mirrored forms (end < p, ...) likewise, 64-bit comparisons only, as
 *     the kernel. A data_meta pointer compared with data is the same.
 *   - data_end is only compared, never moved or dereferenced.
 */
#include <errno.h>
#include <stdio.h>

#include "hooks/hooks.h"
#include "verifier/vfy.h"

#define MAX_PACKET_OFF 0xffff

bool vfy_is_pkt(const struct vreg *r)
{
	return r->type == VT_PTR_TO_PACKET || r->type == VT_PTR_TO_PACKET_META;
}

int vfy_pkt_access(struct venv *env, uint32_t pc, unsigned regno, const struct vreg *p,
		   int64_t off, uint64_t size, bool write, const char *verb)
{
	const char *what = p->type == VT_PTR_TO_PACKET ? "packet" : "packet metadata";
	const char *end = p->type == VT_PTR_TO_PACKET ? "data_end" : "data";
	if (write && !(env->ht && env->ht->pkt_write))
		return vfy_err(env, -EACCES, pc, "%s programs cannot write into the packet",
			       env->ht ? env->ht->name : "these");
	if (p->s.smin < 0)
		return vfy_err(env, -EACCES, pc,
			       "the %s pointer r%u has a variable offset that may be negative: "
			       "bound it below by 0",
			       what, regno);
	int64_t a = (int64_t)p->off + off;
	if (a < 0)
		return vfy_err(env, -EACCES, pc,
			       "%s of %llu bytes at offset %lld is before the start of the %s "
			       "(r%u)",
			       verb, (unsigned long long)size, (long long)a, what, regno);
	if (a + (int64_t)size > (int64_t)p->range)
		return vfy_err(env, -EACCES, pc,
			       "the %s pointer r%u may be past %s here: add a bounds check "
			       "before %s %llu byte%s at offset %lld (proved: %u bytes)",
			       what, regno, end, write ? "writing" : "reading",
			       (unsigned long long)size, size == 1 ? "" : "s", (long long)a, p->range);
	return 0;
}

int vfy_pkt_add(struct venv *env, uint32_t pc, unsigned op, struct vreg *dst,
		const struct vreg *off, unsigned dregno)
{
	if (scal_is_const(&off->s)) {
		int64_t v = (int64_t)off->s.t.value;
		if (op == ISA_OP_SUB)
			v = -v;
		int64_t noff = (int64_t)dst->off + v;
		if (noff > MAX_PACKET_OFF || noff < -MAX_PACKET_OFF)
			return vfy_err(env, -EACCES, pc,
				       "r%u: packet pointer offset %lld is out of bounds (the "
				       "packet is at most %d bytes)",
				       dregno, (long long)noff, MAX_PACKET_OFF);
		dst->off = (int32_t)noff;
		return 0;
	}
	if (op == ISA_OP_SUB)
		return vfy_err(env, -EACCES, pc,
			       "r%u: subtracting a variable from a packet pointer is not allowed",
			       dregno);
	if (off->s.smin < 0 || off->s.umax > MAX_PACKET_OFF)
		return vfy_err(env, -EACCES, pc,
			       "r%u: the value added to the packet pointer is not bounded to "
			       "0..%d: check it with a comparison first",
			       dregno, MAX_PACKET_OFF);
	dst->s = scal_alu(ISA_OP_ADD, &dst->s, &off->s, 64);
	if (dst->s.umax > MAX_PACKET_OFF)
		return vfy_err(env, -EACCES, pc,
			       "r%u: the packet pointer's variable offset may exceed %d",
			       dregno, MAX_PACKET_OFF);
	dst->id = vfy_new_id(env);
	dst->range = 0;
	return 0;
}

struct rangemark {
	uint8_t type;
	uint32_t id;
	uint32_t range;
};

static void mark_range(struct vreg *r, void *ctx)
{
	const struct rangemark *m = ctx;
	if (r->type == m->type && r->id == m->id && r->range < m->range)
		r->range = m->range;
}

/* p (a packet pointer) is known to satisfy p + 0 <= end (open == false)
 * or p < end (open == true). */
static void good(struct vstate *s, const struct vreg *p, bool open)
{
	if (p->off < 0 || (p->off == 0 && !open))
		return;
	if (p->s.umax > MAX_PACKET_OFF || p->s.umax + (uint64_t)p->off > MAX_PACKET_OFF)
		return;
	struct rangemark m = { p->type, p->id, (uint32_t)p->off + (open ? 1u : 0u) };
	vstate_for_each_reg(s, mark_range, &m);
}

static unsigned swap_op(unsigned op)
{
	switch (op) {
	case ISA_OP_JGT: return ISA_OP_JLT;
	case ISA_OP_JLT: return ISA_OP_JGT;
	case ISA_OP_JGE: return ISA_OP_JLE;
	case ISA_OP_JLE: return ISA_OP_JGE;
	default: return op;
	}
}

bool vfy_pkt_refine(struct venv *env, struct vstate *s, const struct isa_insn *in,
		    const struct isa_desc *d, bool taken)
{
	(void)env;
	if (d->shape != ISA_SHAPE_JMP_X)
		return false;
	struct vframe *f = vcur(s);
	struct vreg *a = &f->regs[in->dst], *b = &f->regs[in->src];
	unsigned op = d->op;
	/* normalise to "p op end" */
	const struct vreg *p;
	if ((a->type == VT_PTR_TO_PACKET && b->type == VT_PTR_TO_PACKET_END) ||
	    (a->type == VT_PTR_TO_PACKET_META && b->type == VT_PTR_TO_PACKET)) {
		p = a;
	} else if ((b->type == VT_PTR_TO_PACKET && a->type == VT_PTR_TO_PACKET_END) ||
		   (b->type == VT_PTR_TO_PACKET_META && a->type == VT_PTR_TO_PACKET)) {
		p = b;
		op = swap_op(op);
	} else {
		return vfy_is_pkt(a) || vfy_is_pkt(b) || a->type == VT_PTR_TO_PACKET_END ||
		       b->type == VT_PTR_TO_PACKET_END;
	}
	if (d->width != 64)
		return true; /* the kernel learns nothing from 32-bit compares */
	struct vreg pc = *p;
	switch (op) {
	case ISA_OP_JGT: /* p > end: not taken gives p <= end */
		if (!taken)
			good(s, &pc, false);
		break;
	case ISA_OP_JLE: /* p <= end */
		if (taken)
			good(s, &pc, false);
		break;
	case ISA_OP_JLT: /* p < end */
		if (taken)
			good(s, &pc, true);
		break;
	case ISA_OP_JGE: /* p >= end: not taken gives p < end */
		if (!taken)
			good(s, &pc, true);
		break;
	default:
		break;
	}
	return true;
}

static void kill_pkt(struct vreg *r, void *ctx)
{
	(void)ctx;
	if (vfy_is_pkt(r) || r->type == VT_PTR_TO_PACKET_END)
		*r = vreg_unknown();
}

void vfy_pkt_invalidate(struct vstate *s)
{
	vstate_for_each_reg(s, kill_pkt, NULL);
}

int vfy_check_ret(struct venv *env, struct vstate *s, uint32_t pc)
{
	const struct hook_type *t = env->ht;
	const struct vreg *r0 = &vcur(s)->regs[0];
	if (!t || t->ret == HR_ANY || !t->ret_check)
		return 0;
	vfy_mark_precise(env, s, 0);
	int64_t lo, hi;
	if (t->ret == HR_U32) {
		lo = r0->s.u32min;
		hi = r0->s.u32max;
	} else {
		lo = r0->s.s32min;
		hi = r0->s.s32max;
	}
	if (lo >= t->ret_min && hi <= t->ret_max)
		return 0;
	int64_t bad = hi > t->ret_max ? hi : lo;
	if (lo == hi)
		return vfy_err(env, -EACCES, pc, "%s programs return %s, but r0 is %lld here",
			       t->name, t->ret_what, (long long)bad);
	return vfy_err(env, -EACCES, pc,
		       "%s programs return %s, r0 may be %lld here (its range is %lld..%lld)",
		       t->name, t->ret_what, (long long)bad, (long long)lo, (long long)hi);
}
