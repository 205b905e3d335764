/*
 * run.h - one run of JIT'd code: the context the machine code reaches
 * through r12, the helper-call bridge, and the entry from C.
 *
 * The context lives on the C stack of jit_run() like the interpreter's
 * state: runs share nothing but the immutable image, so a program may run
 * on many threads at once. The first fields sit at fixed offsets the
 * machine code uses (lower.h, checked below).
 */
#ifndef BPFVM_JIT_RUN_H
#define BPFVM_JIT_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "bpfvm.h"
#include "interp/mem.h"
#include "lower.h"

struct jit_run {
	uint64_t reg[BPFVM_NREGS]; /* r0, r6..r10 stored at helper calls */
	int32_t rc;                /* 0, or the error that stopped the run */
	int32_t pc;                /* the helper call / failing instruction */
	uint32_t helper;           /* the helper id being called */
	uint32_t pad;
	uint64_t saved_rsp;        /* rsp after the entry's pushes */
	uint64_t stack_limit;      /* the lowest frame's bottom: r10 must stay above */
	/* Not touched by machine code: */
	const struct bpfvm_prog *prog;
	struct mem_map mem;        /* what helpers may check memory against */
	void *user;
	uint32_t cpu;
	struct bpfvm_error *err;
};

_Static_assert(offsetof(struct jit_run, reg) == JIT_RUN_REG(0), "reg");
_Static_assert(offsetof(struct jit_run, rc) == JIT_RUN_RC, "rc");
_Static_assert(offsetof(struct jit_run, pc) == JIT_RUN_PC, "pc");
_Static_assert(offsetof(struct jit_run, helper) == JIT_RUN_HELPER, "helper");
_Static_assert(offsetof(struct jit_run, saved_rsp) == JIT_RUN_SAVED_RSP, "saved_rsp");
_Static_assert(offsetof(struct jit_run, stack_limit) == JIT_RUN_STACK_LIMIT, "stack_limit");

/* The image's entry point. */
typedef uint64_t (*jit_entry_fn)(uint64_t r1, uint64_t r2, uint64_t r10, struct jit_run *run);

/* Called by JIT'd code for a helper call: run->helper with r1..r5;
 * returns r0 and sets run->rc when the helper failed the run. */
uint64_t jit_helper_call(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			 struct jit_run *run);

#endif /* BPFVM_JIT_RUN_H */
