/*
 * run.c - running JIT'd code, and the bridge from it to helpers.
 *
 * jit_run() sets up what interp_run() sets up (same registers, a fresh
 * stack of BPFVM_MAX_CALL_DEPTH frames with frame 0 zeroed, the same
 * memory regions for helpers' checks) and calls the image. Frames past 0
 * are zeroed by the machine code when a call enters them.
 *
 * Differences from the interpreter, by design of this increment:
 * - no per-access checks (the JIT trusts verified programs);
 * - helpers checking memory see all stack frames, not only those in use;
 * - opts->insn_count receives 0: machine code does not count.
 */
#include <errno.h>
#include <string.h>

#include "common/error.h"
#include "interp/call.h"
#include "interp/state.h"
#include "jit.h"
#include "maps/map.h"
#include "prog/prog.h"
#include "run.h"




uint64_t jit_helper_call(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			 struct jit_run *run)
{
	const struct vm_helper *h = vm_helper(run->prog->vm, run->helper);
	if (!h) { /* load refused unknown ids; kept for safety */
		run->rc = err_insn(run->err, -EINVAL, run->pc,
				   "call to helper %u, which this vm does not provide", run->helper);
		return 0;
	}
	run->reg[1] = r1;
	run->reg[2] = r2;
	run->reg[3] = r3;
	run->reg[4] = r4;
	run->reg[5] = r5;
	struct bpfvm_call call = {
		.vm = run->prog->vm, .prog = run->prog, .cpu = run->cpu, .st = NULL,
		.mem = &run->mem, .reg = run->reg, .user = run->user, .err = run->err,
		.pc = run->pc,
	};
	uint64_t r0 = h->fn(r1, r2, r3, r4, r5, &call);
	run->rc = call.fail_code;
	return r0;
}

int jit_run(const struct bpfvm_prog *prog, void *mem, size_t mem_len,
	    const struct bpfvm_run_opts *opts, uint64_t *ret, struct bpfvm_error *err)
{
	_Alignas(16) uint8_t stack[INTERP_STACK_BYTES];
	struct jit_run run;

	memset(&run, 0, offsetof(struct jit_run, mem));
	memset(stack + INTERP_STACK_BYTES - BPFVM_STACK_SIZE, 0, BPFVM_STACK_SIZE);
	run.stack_limit = (uint64_t)(uintptr_t)stack;
	run.prog = prog;
	run.user = OPTS_GET(opts, user, NULL);
	run.cpu = OPTS_GET(opts, cpu, 0);
	run.err = err;
	memset(&run.mem, 0, sizeof(run.mem));
	mem_set(&run.mem, MEM_STACK, stack, INTERP_STACK_BYTES, true);
	if (mem)
		mem_set(&run.mem, MEM_INPUT, mem, mem_len, true);
	const struct bpfvm_region *extra = OPTS_GET(opts, regions, NULL);
	size_t n_extra = extra ? OPTS_GET(opts, n_regions, 0) : 0;
	for (size_t i = 0; i < n_extra; i++)
		mem_set(&run.mem, MEM_INPUT + 1 + (unsigned)i, extra[i].base, extra[i].len,
			extra[i].writable);
	mem_add_map_regions(&run.mem, prog);

	jit_entry_fn entry = (jit_entry_fn)prog->jit->code;
	uint64_t r0 = entry((uint64_t)(uintptr_t)mem, mem_len,
			    (uint64_t)(uintptr_t)(stack + INTERP_STACK_BYTES), &run);
	uint64_t *count = OPTS_GET(opts, insn_count, NULL);
	if (count)
		*count = 0;
	if (run.rc == JIT_FAIL_DEPTH)
		return err_insn(err, -E2BIG, run.pc, "call depth exceeds %d frames",
				BPFVM_MAX_CALL_DEPTH);
	if (run.rc)
		return run.rc;
	*ret = r0;
	return 0;
}
