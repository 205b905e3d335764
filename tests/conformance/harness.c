/*
 * harness.c - the conformance suite's environment; see harness.h.
 */
#include "harness.h"
#include "prog/prog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Helper 5 exists for the conformance tests only: a no-op that leaves r0
 * as it was before the call. */
static uint64_t helper_nop(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			   struct bpfvm_call *call)
{
	(void)r1, (void)r2, (void)r3, (void)r4, (void)r5;
	return bpfvm_call__reg(call, 0);
}

struct bpfvm_vm *harness_vm(void)
{
	struct bpfvm_vm *vm = bpfvm_vm__new(NULL);
	if (vm && bpfvm_vm__add_helper(vm, 5, "conformance_nop", helper_nop)) {
		bpfvm_vm__free(vm);
		return NULL;
	}
	return vm;
}

int harness_run(struct bpfvm_vm *vm, const struct bpfvm_insn *insns, size_t n,
		const struct bpfvm_load_opts *lopts, bool jit_trusted, const uint8_t *mem,
		size_t mem_len, uint64_t *r0, bool *at_load, char *engine, size_t engine_size,
		struct bpfvm_error *err)
{
	struct bpfvm_prog *prog = NULL;
	int ret = (jit_trusted ? prog_load_trusted : bpfvm_prog__load)(vm, insns, n, lopts, &prog,
								      err);
	*at_load = ret != 0;
	if (ret)
		return ret;
	if (engine && bpfvm_prog__engine(prog) == BPFVM_ENGINE_JIT)
		snprintf(engine, engine_size, "engine: jit");
	else if (engine)
		snprintf(engine, engine_size, "engine: interpreter (%s)",
			 bpfvm_prog__fallback_reason(prog) ? bpfvm_prog__fallback_reason(prog)
							   : "not asked for the JIT");
	uint8_t *copy = NULL;
	if (mem) {
		copy = malloc(mem_len ? mem_len : 1);
		if (!copy) {
			bpfvm_prog__free(prog);
			return -ENOMEM;
		}
		memcpy(copy, mem, mem_len);
	}
	ret = bpfvm_prog__run(prog, copy, copy ? mem_len : 0, NULL, r0, err);
	free(copy);
	bpfvm_prog__free(prog);
	return ret;
}
