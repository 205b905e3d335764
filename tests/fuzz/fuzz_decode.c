/*
 * fuzz_decode.c - libFuzzer target: the decoder, through bpfvm_prog__load,
 * on arbitrary instruction bytes. A refusal must carry a message; a
 * program that loads must disassemble slot by slot.
 */
#include <stdlib.h>
#include <string.h>

#include "bpfvm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size / sizeof(struct bpfvm_insn);
	struct bpfvm_insn *insns = malloc(n * sizeof(*insns) + 1);
	struct bpfvm_vm *vm = bpfvm_vm__new(NULL);
	struct bpfvm_prog *prog = NULL;
	struct bpfvm_error err;
	char text[256];

	if (!insns || !vm)
		abort();
	memcpy(insns, data, n * sizeof(*insns));
	/* the decoder alone: fuzz_verifier takes the verifier */
	BPFVM_OPTS(bpfvm_load_opts, lo, .unverified = true);
	if (bpfvm_prog__load(vm, insns, n, &lo, &prog, &err)) {
		if (prog || !err.msg[0] || err.code >= 0)
			abort();
	} else {
		for (size_t pc = 0; pc < n;) {
			int used = bpfvm_disasm_insn(insns, n, pc, NULL, text, sizeof(text));
			if (used <= 0)
				abort(); /* a loaded program decodes everywhere */
			pc += (size_t)used;
		}
	}
	bpfvm_prog__free(prog);
	bpfvm_vm__free(vm);
	free(insns);
	return 0;
}
