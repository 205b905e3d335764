/*
 * helpers.h - the built-in helper table: the kernel's helper ids, names and
 * prototypes, and bpfvm's implementations.
 *
 * helper_table.def lists every helper id the kernel defines, once, with its
 * name, prototype (for the verifier) and implementation (NULL where bpfvm
 * has none yet: such a call is refused at load, naming the helper).
 */
#ifndef BPFVM_HELPERS_H
#define BPFVM_HELPERS_H

#include <stdint.h>

#include "bpfvm.h"

/* Register every implemented built-in helper in vm. 0 or -ENOMEM. */
int helpers_register_builtin(struct bpfvm_vm *vm);

#endif /* BPFVM_HELPERS_H */
