/*
 * call.h - calling a host helper from a running program.
 *
 * A helper gets r1..r5 and a struct bpfvm_call: the opaque handle through
 * which it reaches the run (the user pointer, the memory check, a way to
 * stop the program). The handle lives on the C stack of call_helper() and
 * is valid only during the call.
 */
#ifndef BPFVM_INTERP_CALL_H
#define BPFVM_INTERP_CALL_H

#include <stdint.h>

#include "state.h"

struct bpfvm_call {
	const struct mem_map *mem;  /* the run's regions, as they are now */
	const uint64_t *reg;        /* the registers at the call, r0..r10 */
	void *user;
	struct bpfvm_error *err;
	long pc;                    /* the calling instruction */
	int fail_code;              /* set by bpfvm_call__fail(), else 0 */
};

/*
 * r0 = helper id (r1..r5) for the call instruction at pc. via_reg names the
 * register holding id for callx (-1 for a plain call), for the message when
 * no such helper exists. Returns 0, or the negative errno that stops the
 * run (err filled): -EINVAL for an unknown id, or what the helper gave
 * bpfvm_call__fail().
 */
int call_helper(struct interp_state *st, uint64_t id, long pc, int via_reg);

#endif /* BPFVM_INTERP_CALL_H */
