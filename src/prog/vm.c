/*
 * vm.c - the host environment: lifetime and the helper table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "prog.h"

struct bpfvm_vm *bpfvm_vm__new(const struct bpfvm_vm_opts *opts)
{
	if (!OPTS_CHECK(bpfvm_vm_opts, opts)) {
		errno = EINVAL;
		return NULL;
	}
	struct bpfvm_vm *vm = calloc(1, sizeof(*vm));
	if (!vm) {
		errno = ENOMEM;
		return NULL;
	}
	return vm;
}

void bpfvm_vm__free(struct bpfvm_vm *vm)
{
	if (!vm)
		return;
	for (uint32_t i = 0; i < vm->n_helpers; i++)
		free(vm->helpers[i].name);
	free(vm->helpers);
	free(vm);
}

int bpfvm_vm__add_helper(struct bpfvm_vm *vm, uint32_t id, const char *name,
			 bpfvm_helper_fn fn)
{
	if (!vm || !fn || !name || !*name || id >= VM_MAX_HELPER_ID)
		return -EINVAL;
	if (id >= vm->n_helpers) {
		uint32_t n = id + 1;
		struct vm_helper *h = realloc(vm->helpers, n * sizeof(*h));
		if (!h)
			return -ENOMEM;
		memset(h + vm->n_helpers, 0, (n - vm->n_helpers) * sizeof(*h));
		vm->helpers = h;
		vm->n_helpers = n;
	}
	char *copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	free(vm->helpers[id].name);
	vm->helpers[id].name = copy;
	vm->helpers[id].fn = fn;
	return 0;
}

const char *bpfvm_vm__helper_name(const struct bpfvm_vm *vm, uint32_t id)
{
	const struct vm_helper *h = vm ? vm_helper(vm, id) : NULL;
	return h ? h->name : NULL;
}
