/*
 * fuzz_verifier.c - libFuzzer target: the verifier's soundness. Input: 64
 * bytes of ctx memory, then the bytes that drive the program generator
 * (vgen.h). Whatever the verifier accepts runs in the checked interpreter
 * on that ctx; a memory check that fires there means the verifier accepted
 * an unsafe program: abort, so the input is kept as a crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vgen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bpfvm_vm *vm;
	static struct bpfvm_map *map;
	struct bpfvm_error err;
	if (!vm) {
		vm = bpfvm_vm__new(NULL);
		map = vm ? bpfvm_map__create(vm, BPFVM_MAP_TYPE_ARRAY, "value", 4, VGEN_VALUE, 1,
					     NULL, &err)
			 : NULL;
		if (!map)
			abort();
	}
	if (size < VGEN_CTX)
		return 0;
	uint8_t ctx[VGEN_CTX];
	memcpy(ctx, data, VGEN_CTX);
	struct vgen_src src = { data + VGEN_CTX, size - VGEN_CTX, 0 };
	struct bpfvm_insn insns[VGEN_MAX];
	size_t n = vgen_program(&src, insns);
	int accepted;
	if (vgen_check(vm, map, insns, n, ctx, &accepted, &err)) {
		fprintf(stderr, "the verifier accepted a program that faults: insn %ld: %s\n",
			err.insn, err.msg);
		abort();
	}
	return 0;
}
