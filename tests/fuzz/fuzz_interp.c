/*
 * fuzz_interp.c - libFuzzer target: the checked interpreter on arbitrary
 * bytes. Input: one byte of memory length L (0..255), L bytes of input
 * memory, then instruction slots. Whatever loads runs under a budget; the
 * interpreter must never touch memory outside the stack and the input
 * (ASan watches), never hang, and fail only with a message.
 */
#include <stdlib.h>
#include <string.h>

#include "bpfvm.h"

static uint64_t helper_nop(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			   struct bpfvm_call *call)
{
	(void)r2, (void)r3, (void)r4, (void)r5, (void)call;
	return r1;
}

/* Reads r2 bytes at r1 if the program may: exercises the helper check. */
static uint64_t helper_sum(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			   struct bpfvm_call *call)
{
	(void)r3, (void)r4, (void)r5;
	if (r2 > 4096 || bpfvm_call__check_mem(call, r1, r2, false))
		return (uint64_t)-14;
	uint64_t sum = 0;
	const uint8_t *p = (const uint8_t *)(uintptr_t)r1;
	for (uint64_t i = 0; i < r2; i++)
		sum += p[i];
	return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t mem_len = data[0];
	if (size < 1 + mem_len)
		return 0;
	uint8_t *mem = malloc(mem_len ? mem_len : 1);
	size_t n = (size - 1 - mem_len) / sizeof(struct bpfvm_insn);
	struct bpfvm_insn *insns = malloc(n * sizeof(*insns) + 1);
	struct bpfvm_vm *vm = bpfvm_vm__new(NULL);
	struct bpfvm_prog *prog = NULL;
	struct bpfvm_error err;

	if (!mem || !insns || !vm)
		abort();
	memcpy(mem, data + 1, mem_len);
	memcpy(insns, data + 1 + mem_len, n * sizeof(*insns));
	bpfvm_vm__add_helper(vm, 5, "nop", helper_nop);
	bpfvm_vm__add_helper(vm, 6, "sum", helper_sum);
	/* the checked interpreter takes anything that decodes */
	BPFVM_OPTS(bpfvm_load_opts, lo, .unverified = true);
	if (!bpfvm_prog__load(vm, insns, n, &lo, &prog, &err)) {
		uint64_t r0;
		BPFVM_OPTS(bpfvm_run_opts, opts, .insn_budget = 100000);
		if (bpfvm_prog__run(prog, mem_len ? mem : NULL, mem_len, &opts, &r0, &err) &&
		    (!err.msg[0] || err.code >= 0))
			abort();
	}
	bpfvm_prog__free(prog);
	bpfvm_vm__free(vm);
	free(insns);
	free(mem);
	return 0;
}
