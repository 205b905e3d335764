/*
 * call.c - the helper-call context: struct bpfvm_call and its public API.
 *
 * Invariants: a helper sees the same memory regions as the instructions of
 * the program at the point of the call (bpfvm_call__check_mem() runs the
 * interpreter's own check); a failure it reports stops the run right after
 * it returns, located at the calling instruction.
 *
 * Both engines call helpers through this context. What a helper asks of
 * the run itself (a tail call, a callback) goes to the engine that made
 * the call: the interpreter's state (call->st), or the JIT's run
 * (call->jit, jit/run.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "call.h"
#include "interp.h"
#include "common/error.h"
#include "jit/jit.h"
#include "prog/prog.h"

int call_helper(struct interp_state *st, uint64_t id, long pc, int via_reg)
{
	const struct vm_helper *h = vm_helper(st->prog->vm, id);

	if (!h) {
		if (via_reg >= 0)
			return err_insn(st->err, -EINVAL, pc,
					"callx r%d: no helper with id %" PRIu64 " in this vm",
					via_reg, id);
		return err_insn(st->err, -EINVAL, pc,
				"call to helper %" PRIu64 ", which this vm does not provide", id);
	}

	struct bpfvm_call call = {
		.vm = st->prog->vm, .prog = st->prog, .cpu = st->cpu, .st = st,
		.mem = state_mem(st), .reg = st->reg, .user = st->user, .err = st->err, .pc = pc,
	};
	uint64_t *r = st->reg;
	/* r0 is written only after the helper returns, so call.reg shows the
	 * registers as they were at the call. */
	r[0] = h->fn(r[1], r[2], r[3], r[4], r[5], &call);
	return call.fail_code;
}

bool call_is_checked_map_lookup(const struct bpfvm_vm *vm, int32_t id)
{
	const struct vm_helper *h = id >= 0 ? vm_helper(vm, (uint32_t)id) : NULL;
	return h && h->fn == helper_map_lookup_elem &&
	       h->proto.args[0] == BPFVM_ARG_CONST_MAP_PTR &&
	       h->proto.args[1] == BPFVM_ARG_PTR_TO_MAP_KEY;
}

void *bpfvm_call__user(const struct bpfvm_call *call)
{
	return call ? call->user : NULL;
}

uint64_t bpfvm_call__reg(const struct bpfvm_call *call, unsigned regno)
{
	return call && regno < BPFVM_NREGS ? call->reg[regno] : 0;
}

int bpfvm_call__check_mem(const struct bpfvm_call *call, uint64_t addr, uint64_t size,
			  bool write)
{
	if (!call)
		return -EINVAL;
	if (size == 0) /* an empty range touches nothing */
		return 0;
	return mem_ptr(call->mem, addr, size, write) ? 0 : -EFAULT;
}

void bpfvm_call__fail(struct bpfvm_call *call, int code, const char *msg)
{
	if (!call)
		return;
	/* A non-negative code would read as success; keep the run stopped. */
	if (code >= 0)
		code = -EINVAL;
	call->fail_code = code;
	err_insn(call->err, code, call->pc, "%s", msg && *msg ? msg : "helper failed");
}

int call_tail(struct bpfvm_call *call, const struct bpfvm_prog *prog)
{
	if (call->jit)
		return jit_call_tail(call->jit, call, prog);
	struct interp_state *st = call->st;
	if (st->tail_calls >= INTERP_MAX_TAIL_CALLS)
		return -E2BIG;
	st->tail_calls++;
	st->tail_to = prog;
	/* Code that may read stack it did not write (unverified, or allowed
	 * to by the verifier) must not read what the host left in frames that
	 * were not zeroed (state.h). Programs that can tail-call zero their
	 * frames (code.h), so the target sees what the caller wrote and zeros,
	 * as in the kernel it sees the caller's bytes; this is for a helper
	 * re-registered since. (The JIT zeroes the target's frame instead:
	 * jit_call_tail.) */
	if (st->stack_dirty && prog_zero_frames(prog)) {
		memset(st->stack + (BPFVM_MAX_CALL_DEPTH - 1 - st->depth) * BPFVM_STACK_SIZE, 0,
		       (size_t)(st->depth + 1) * BPFVM_STACK_SIZE);
		st->stack_dirty = false;
	}
	return 0;
}

int call_callback(struct bpfvm_call *call, uint64_t fn, const uint64_t args[5], uint64_t *ret)
{
	return call_callback_ro(call, fn, args, NULL, 0, ret);
}

int call_callback_ro(struct bpfvm_call *call, uint64_t fn, const uint64_t args[5], const void *ro,
		     size_t ro_len, uint64_t *ret)
{
	const struct bpfvm_prog *prog = call->prog; /* the running one */
	/* Wraps to a huge offset when fn is below the program: refused too. */
	uint64_t off = fn - (uint64_t)(uintptr_t)prog->insns;
	size_t pc = (size_t)(off / sizeof(struct isa_insn));
	if (off % sizeof(struct isa_insn) || off / sizeof(struct isa_insn) >= prog->n ||
	    !prog_is_callback(prog, pc)) {
		bpfvm_call__fail(call, -EINVAL,
				 "the callback argument is not a function of this program");
		return -EINVAL;
	}
	int rc = call->jit ? jit_callback(call->jit, pc, args, ro, ro_len, ret)
			   : interp_callback(call->st, &prog->insns[pc], args, ro, ro_len, ret);
	if (rc)
		call->fail_code = rc; /* the run's err already says why */
	return rc;
}
