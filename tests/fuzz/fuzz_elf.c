/*
 * fuzz_elf.c - libFuzzer target: the ELF object loader on arbitrary bytes.
 * A refusal must carry a negative errno and a message and leave *out
 * NULL; an object that opens must have well-formed programs (line info
 * inside the code) and be freed without leaks.
 */
#include <stdlib.h>

#include "../../src/loader/elf_obj.h" /* internal: the target links bpfvm_static */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_obj *obj = (struct elf_obj *)1;
	struct bpfvm_error err;

	if (elf_obj_open(data, size, "fuzz", &obj, &err)) {
		if (obj || !err.msg[0] || err.code >= 0)
			abort();
		return 0;
	}
	for (size_t i = 0; i < obj->n_progs; i++) {
		const struct elf_prog *p = &obj->progs[i];
		for (size_t k = 0; k < p->n_lines; k++)
			if (p->lines[k].insn >= p->n_insns)
				abort();
		for (size_t k = 0; k < p->n_funcs; k++)
			if (p->funcs[k].insn >= p->n_insns)
				abort();
	}
	for (size_t i = 0; i < obj->n_maps; i++)
		if (obj->maps[i].inner_idx >= (int)obj->n_maps)
			abort();
	elf_obj_free(obj);
	return 0;
}
