/*
 * prog.h - the in-memory vm and program objects behind the public handles.
 *
 * A vm owns the helper table. A program owns its raw slots and their
 * decoded form; once loaded it is never written again, so any number of
 * threads may run it at once.
 */
#ifndef BPFVM_PROG_H
#define BPFVM_PROG_H

#include <stddef.h>
#include <stdint.h>

#include "bpfvm.h"
#include "isa/isa.h"

/* Helper ids are dense table indexes; ids at or above this are refused. */
#define VM_MAX_HELPER_ID (1u << 20)

struct vm_helper {
	bpfvm_helper_fn fn; /* NULL when the id is free */
	char *name;
};

struct bpfvm_vm {
	struct vm_helper *helpers; /* indexed by id, n_helpers entries */
	uint32_t n_helpers;
};

struct bpfvm_prog {
	struct bpfvm_vm *vm;
	char *name;
	size_t n;                /* slots */
	struct bpfvm_insn *raw;  /* as loaded */
	struct isa_insn *insns;  /* decoded, n entries */
};

/* The helper registered under id, or NULL. */
static inline const struct vm_helper *vm_helper(const struct bpfvm_vm *vm, uint64_t id)
{
	if (id >= vm->n_helpers || !vm->helpers[id].fn)
		return NULL;
	return &vm->helpers[id];
}

#endif /* BPFVM_PROG_H */
