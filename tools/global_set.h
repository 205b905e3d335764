/*
 * global_set.h - `bpfvm run --set NAME=VALUE`: set a global variable of
 * .data/.rodata/.bss by name before the object is loaded, as a libbpf
 * skeleton does (skel->rodata->NAME = VALUE before load), through
 * bpfvm_object__set_global().
 */
#ifndef BPFVM_GLOBAL_SET_H
#define BPFVM_GLOBAL_SET_H

#include "bpfvm.h"

/*
 * arg is "NAME=VALUE". VALUE is read as the variable's BTF type
 * (btf_parse.h): a decimal or 0x hex integer in the type's range, true or
 * false for a bool, an enumerator name for an enum. Unknown names, other
 * types and values out of range are refused with a message naming the
 * variable on stderr ("bpfvm CMD: --set ARG: ..."). Returns 0 or -1.
 */
int global_set_arg(const char *cmd, struct bpfvm_object *obj, const char *arg);

#endif
