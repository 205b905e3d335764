/*
 * callback.c - helpers that call back into the program (bpf_loop,
 * bpf_for_each_map_elem), verified as the kernel does since 6.7: as a
 * loop around the helper call.
 *
 * At the call, the callback's first invocation is set up as a new path: a
 * frame of its own (like a BPF-to-BPF call; its stack counts towards the
 * 512 bytes) with the arguments the helper passes, the caller's registers
 * untouched. The call itself goes on as if the helper had called the
 * callback no more: r0 is the helper's result. When a callback returns, its
 * r0 must be 0 or 1 (go on / stop), and the path goes back to the helper
 * call, which calls it again from the caller's new state: iteration k+1
 * starts from what iteration k left, and every "stop after k" continues
 * after the call.
 *
 * The loop ends when a state coming back to the call lies inside one seen
 * there before on the same path (every scalar compared by range, precise
 * or not: vstate_within): the iterations from it are among those already
 * being explored from the earlier one. Such a prune marks every scalar of
 * the pruned path's stored ancestors precise, since the earlier state's
 * own marks are not complete yet. So that counters converge, scalars that
 * changed since the earlier visit and that nothing has relied on yet are
 * widened to unknown (the kernel's widen_imprecise_scalars): it can only
 * make the verifier refuse more, never accept more.
 */
#include <errno.h>
#include <stdlib.h>

#include "maps/map.h"
#include "verifier/vfy.h"

/* The kernel's uapi ids (helper_table.def). */
enum { FN_FOR_EACH_MAP_ELEM = 164, FN_LOOP = 181 };

bool vfy_calls_callback(const struct venv *env, uint32_t helper_id)
{
	const struct bpfvm_helper_proto *p = bpfvm_vm__helper_proto(env->prog->vm, helper_id);
	if (!p)
		return false;
	for (int i = 0; i < 5; i++)
		if (p->args[i] == BPFVM_ARG_PTR_TO_FUNC)
			return true;
	return false;
}

int vfy_callback_call(struct venv *env, struct vstate *s, uint32_t pc, uint32_t helper_id,
		      uint32_t target, const struct bpfvm_map *map, const struct vreg *cb_ctx)
{
	if (helper_id != FN_LOOP && helper_id != FN_FOR_EACH_MAP_ELEM)
		return vfy_err(env, -ENOTSUP, pc,
			       "callbacks of helper %u are not supported by the verifier yet",
			       helper_id);
	if (s->curframe + 1 >= VFY_MAX_FRAMES)
		return vfy_err(env, -E2BIG, pc,
			       "the callback at insn %u would make the call stack deeper than %d "
			       "frames",
			       target, VFY_MAX_FRAMES);
	if (target >= env->n || target == 0)
		return vfy_err(env, -EINVAL, pc, "the callback at insn %u is not a function",
			       target);
	struct vstate *cb = malloc(sizeof(*cb));
	if (!cb || vstate_copy(cb, s)) {
		free(cb);
		return vfy_err(env, -ENOMEM, pc, "out of memory");
	}
	struct vframe *f = vframe_new(cb->curframe + 1, pc, target);
	if (!f) {
		vstate_free(cb);
		free(cb);
		return vfy_err(env, -ENOMEM, pc, "out of memory");
	}
	f->callback = 1;
	f->cb_nrefs = cb->nrefs;
	if (helper_id == FN_LOOP) {
		/* callback(u64 index, void *ctx) */
		f->regs[1] = vreg_unknown();
		f->regs[2] = *cb_ctx;
	} else {
		/* callback(map, const key *, value *, void *ctx) */
		struct vreg r = vreg_not_init();
		r.type = VT_CONST_PTR_TO_MAP;
		r.map = map;
		r.s = scal_const(0);
		f->regs[1] = r;
		r.type = VT_PTR_TO_MEM;
		r.map = NULL;
		r.mem_size = map->key_size;
		r.rdonly = 1;
		f->regs[2] = r;
		r = vreg_not_init();
		r.type = VT_PTR_TO_MAP_VALUE;
		r.map = map;
		r.s = scal_const(0);
		f->regs[3] = r;
		f->regs[4] = *cb_ctx;
	}
	for (int i = 1; i <= 4; i++)
		f->regs[i].precise = 0;
	cb->curframe++;
	cb->fr[cb->curframe] = f;
	cb->iter_depth++;
	cb->pc = target;
	env->is_subprog[target] = 1;
	env->cb_target[pc] = target + 1;
	env->cb_pending = cb;
	return 0;
}

int vfy_callback_exit(struct venv *env, struct vstate *s, uint32_t pc, uint32_t *next_pc)
{
	struct vframe *f = vcur(s);
	struct vreg *r0 = &f->regs[0];
	if (r0->type != VT_SCALAR)
		return vfy_err(env, -EACCES, pc,
			       "the callback returns a %s in r0; it must return 0 (go on) or 1 "
			       "(stop)",
			       vtype_name(r0->type));
	vfy_mark_precise(env, s, 0);
	if (r0->s.umax > 1)
		return vfy_err(env, -EACCES, pc,
			       "the callback may return %llu: it must return 0 (go on) or 1 (stop)",
			       (unsigned long long)r0->s.umax);
	if (s->nrefs != f->cb_nrefs)
		return vfy_err(env, -EACCES, pc,
			       "the callback returns while holding the ringbuf record reserved "
			       "at insn %u: each call must submit or discard what it reserves",
			       s->refs[s->nrefs - 1].insn);
	uint32_t callsite = f->callsite;
	vframe_free(f);
	s->fr[s->curframe] = NULL;
	s->curframe--;
	*next_pc = callsite; /* the helper calls it again, or stops */
	return 0;
}

/* Widen r (in cur) when it differs from o (in old) and old did not rely on
 * it; bits: the width the value must keep fitting (a narrow spill). */
static void widen(const struct vreg *o, struct vreg *r, unsigned bits)
{
	if (r->type == VT_SCALAR && o->type == VT_SCALAR && !o->precise &&
	    !scal_equal(&o->s, &r->s))
		*r = vreg_scalar(bits < 64 ? scal_unknown_bits(bits) : scal_unknown());
}

void vfy_callback_widen(const struct vstate *old, struct vstate *cur)
{
	if (old->curframe != cur->curframe)
		return;
	for (uint32_t f = 0; f <= cur->curframe; f++) {
		const struct vframe *of = old->fr[f];
		struct vframe *cf = cur->fr[f];
		if (of->callsite != cf->callsite || of->subprog != cf->subprog)
			return;
		for (int r = 0; r < BPFVM_NREGS; r++)
			widen(&of->regs[r], &cf->regs[r], 64);
		for (uint32_t k = 0; k < of->nslots && k < cf->nslots; k++)
			if (of->stack[k].spill_size && cf->stack[k].spill_size ==
							   of->stack[k].spill_size)
				widen(&of->stack[k].spill, &cf->stack[k].spill,
				      8u * cf->stack[k].spill_size);
	}
}
