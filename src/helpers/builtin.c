/*
 * builtin.c - the built-in helper table: helper_table.def expanded into an
 * array indexed by helper id, the kernel-name lookup, and the registration
 * of every implemented row in a new vm.
 *
 * Invariant: the table has exactly one row per id from 0 to its last id
 * (checked below at compile time), so an id is an index.
 */
#include <errno.h>
#include <stddef.h>

#include "helpers.h"
#include "helpers_impl.h"
#include "prog/prog.h"

struct builtin_helper {
	const char *name;
	bpfvm_helper_fn fn;
	struct bpfvm_helper_proto proto;
};

#define HELPER(id, name, ret, a1, a2, a3, a4, a5, fn)                                   \
	[id] = { #name, fn,                                                              \
		 { BPFVM_RET_##ret,                                                      \
		   { BPFVM_ARG_##a1, BPFVM_ARG_##a2, BPFVM_ARG_##a3, BPFVM_ARG_##a4,     \
		     BPFVM_ARG_##a5 } } },
static const struct builtin_helper builtin_table[] = {
#include "helper_table.def"
};
#undef HELPER

/* Rows counted one by one: equal to the array length only if no id is
 * skipped (a repeated id is a -Woverride-init warning, an error in
 * -Werror builds). */
#define HELPER(id, ...) +1
enum { BUILTIN_ROWS = 0
#include "helper_table.def"
};
#undef HELPER
_Static_assert(BUILTIN_ROWS == sizeof(builtin_table) / sizeof(builtin_table[0]),
	       "helper_table.def must list every id once, in order");

const char *bpfvm_helper_kernel_name(uint32_t id)
{
	if (id >= sizeof(builtin_table) / sizeof(builtin_table[0]))
		return NULL;
	return builtin_table[id].name;
}

int helpers_register_builtin(struct bpfvm_vm *vm)
{
	if (!vm)
		return -EINVAL;
	for (uint32_t id = 0; id < sizeof(builtin_table) / sizeof(builtin_table[0]); id++) {
		const struct builtin_helper *h = &builtin_table[id];
		if (!h->fn)
			continue;
		int rc = bpfvm_vm__add_helper_proto(vm, id, h->name, h->fn, &h->proto);
		if (rc < 0)
			return rc;
	}
	return 0;
}
