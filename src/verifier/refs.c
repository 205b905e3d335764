/*
 * refs.c - resources a program must give back (the kernel's reference
 * tracking and bpf_spin_lock rules).
 *
 * References: bpf_ringbuf_reserve acquires one, carried as ref_id by every
 * copy of the record pointer; on the path where that pointer is NULL the
 * reservation failed and the reference goes; bpf_ringbuf_submit/discard
 * release it (call.c). A program that ends, or tail-calls away, with a
 * reference held leaks the record: refused, naming where it was reserved.
 *
 * The spin lock: at most one held at a time, between bpf_spin_lock and
 * bpf_spin_unlock of the same lock, and nothing else may be called in
 * between (no helper, no function, no tail call, no exit), as the kernel
 * requires so that the critical section cannot sleep, fault or leave.
 */
#include <errno.h>

#include "verifier/vfy.h"

int vfy_ref_acquire(struct venv *env, struct vstate *s, uint32_t pc, uint32_t id)
{
	if (s->nrefs == VFY_MAX_REFS)
		return vfy_err(env, -E2BIG, pc,
			       "more than %d references (ringbuf records) held at once",
			       VFY_MAX_REFS);
	s->refs[s->nrefs++] = (struct vref){ id, pc };
	return 0;
}

void vfy_ref_drop(struct vstate *s, uint32_t id)
{
	for (uint32_t i = 0; i < s->nrefs; i++) {
		if (s->refs[i].id != id)
			continue;
		s->refs[i] = s->refs[--s->nrefs];
		return;
	}
}

int vfy_ref_check_exit(struct venv *env, struct vstate *s, uint32_t pc)
{
	if (s->lock_map)
		return vfy_err(env, -EACCES, pc,
			       "the program ends while holding the spin lock taken at insn %u: "
			       "call bpf_spin_unlock first",
			       s->lock_insn);
	if (s->nrefs)
		return vfy_err(env, -EACCES, pc,
			       "the ringbuf record reserved at insn %u is never submitted or "
			       "discarded on this path: call bpf_ringbuf_submit or "
			       "bpf_ringbuf_discard before the program ends",
			       s->refs[0].insn);
	return 0;
}

int vfy_lock_check_call(struct venv *env, struct vstate *s, uint32_t pc, const char *what)
{
	if (!s->lock_map)
		return 0;
	return vfy_err(env, -EACCES, pc,
		       "%s while holding the spin lock taken at insn %u: only bpf_spin_unlock "
		       "may be called inside the critical section",
		       what, s->lock_insn);
}
