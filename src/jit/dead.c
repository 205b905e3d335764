/*
 * dead.c - no code for what the verifier proved no run reaches.
 *
 * The verifier marks every instruction some path of its walk reached
 * (prog->vfy_seen); the walk covers every run of a verified program, a
 * pruned path included (the state that covers it went on from the same
 * instruction). As the kernel does after verifying
 * (opt_hard_wire_dead_code_branches, opt_remove_dead_code):
 * - an instruction no path reached gets no code at all;
 * - a conditional jump whose fall-through was never reached becomes a
 *   plain jmp, and one whose target was never reached emits nothing (its
 *   compare included: flags are dead between instructions).
 * The facts are the verifier's, so only verified programs (and not the
 * project's unverified test loads) use them.
 *
 * A jump then falls through when everything between it and its target
 * was left out: c->next_live[i] is the first slot at or after i that has
 * code, so that test does not depend on the layout pass (a jump's size
 * never feeds back into whether it is emitted).
 */
#include <stdlib.h>

#include "lower.h"
#include "prog/prog.h"

int lower_dead_scan(struct jit_ctx *c)
{
	c->seen = NULL;
	c->next_live = NULL;
	if (!c->prog->verified || !c->prog->vfy_seen)
		return 0;
	c->next_live = malloc((c->n + 1) * sizeof(*c->next_live));
	if (!c->next_live)
		return -1;
	c->seen = c->prog->vfy_seen;
	c->next_live[c->n] = (uint32_t)c->n;
	for (size_t i = c->n; i-- > 0;)
		c->next_live[i] = c->seen[i] ? (uint32_t)i : c->next_live[i + 1];
	return 0;
}

bool lower_falls_to(const struct jit_ctx *c, size_t target)
{
	if (target == c->pc + 1)
		return true;
	return c->next_live && target > c->pc && c->next_live[c->pc + 1] == c->next_live[target];
}

bool lower_dead_branch(struct jit_ctx *c, const struct isa_desc *d, const struct isa_insn *in)
{
	if (!c->seen || (d->shape != ISA_SHAPE_JMP_K && d->shape != ISA_SHAPE_JMP_X))
		return false;
	size_t target = (size_t)((long)c->pc + 1 + in->off);
	/* a side past the end is one no path took (the verifier would have
	 * refused the program) */
	bool next_seen = c->pc + 1 < c->n && c->seen[c->pc + 1];
	bool target_seen = target < c->n && c->seen[target];
	if (!next_seen && target_seen) { /* never falls through: always jumps */
		lower_branch(c, -1, target);
		return true;
	}
	return !target_seen; /* never jumps: nothing to do */
}
