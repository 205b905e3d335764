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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "helpers/helpers_impl.h"
#include "prog/prog.h"
#include "state.h"

struct jit_run;

struct bpfvm_call {
	struct bpfvm_vm *vm;
	const struct bpfvm_prog *prog; /* the running program */
	uint32_t cpu;               /* the worker: per-CPU map slot */
	const struct mem_map *mem;  /* the run's regions, as they are now */
	const uint64_t *reg;        /* the registers at the call, r0..r10 */
	void *user;
	struct bpfvm_error *err;
	long pc;                    /* the calling instruction */
	int fail_code;              /* set by bpfvm_call__fail(), else 0 */
	struct interp_state *st;    /* the run, for requests like tail calls */
	struct jit_run *jit;        /* or the JIT's run, when machine code called
				     * (st is then NULL; jit/run.c) */
};

/* The kernel's MAX_TAIL_CALL_CNT: tail calls one run may make. */
#define INTERP_MAX_TAIL_CALLS 33

/* The kernel's helper id of bpf_tail_call (BPF_FUNC_tail_call). */
#define INTERP_BPF_FUNC_TAIL_CALL 12

/* The map at address addr if the program holds a reference to it (it
 * names it with ld_imm64), else NULL. */
static inline const struct interp_map *call_own_map(const struct interp_code *code,
						    uint64_t addr)
{
	for (size_t i = 0; i < code->n_maps; i++)
		if ((uint64_t)(uintptr_t)code->maps[i].map == addr)
			return &code->maps[i];
	return NULL;
}

/* Is helper id of vm the built-in bpf_map_lookup_elem? */
static inline bool call_is_map_lookup(const struct bpfvm_vm *vm, int32_t id)
{
	const struct vm_helper *h = id >= 0 ? vm_helper(vm, (uint32_t)id) : NULL;
	return h && h->fn == helper_map_lookup_elem;
}

/* The same, and registered with the prototype the verifier checks a call
 * of it against (a map in r1, a key in r2), so that in verified code its
 * arguments need no checks. */
bool call_is_checked_map_lookup(const struct bpfvm_vm *vm, int32_t id);

/*
 * Ask to continue in prog once the current helper returns (bpf_tail_call).
 * Returns 0, or -E2BIG when the run already made INTERP_MAX_TAIL_CALLS
 * tail calls (the call then falls through, as in the kernel).
 */
int call_tail(struct bpfvm_call *call, const struct bpfvm_prog *prog);

/*
 * Run the callback fn (a value the program passed: the address ld_imm64
 * code_addr gave) with r1..r5 = args, and return its r0 in *ret. fn must
 * be a function the program named with code_addr; anything else stops the
 * run. Returns 0, or the negative errno that stops the run (the helper
 * then returns at once; the run ends with that error).
 */
int call_callback(struct bpfvm_call *call, uint64_t fn, const uint64_t args[5], uint64_t *ret);
/* The same, with ro_len bytes at ro readable by the callback (a key). */
int call_callback_ro(struct bpfvm_call *call, uint64_t fn, const uint64_t args[5], const void *ro,
		     size_t ro_len, uint64_t *ret);

/*
 * r0 = helper id (r1..r5) for the call instruction at pc. via_reg names the
 * register holding id for callx (-1 for a plain call), for the message when
 * no such helper exists. Returns 0, or the negative errno that stops the
 * run (err filled): -EINVAL for an unknown id, or what the helper gave
 * bpfvm_call__fail().
 */
int call_helper(struct interp_state *st, uint64_t id, long pc, int via_reg);

#endif /* BPFVM_INTERP_CALL_H */
