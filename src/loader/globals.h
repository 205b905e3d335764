/*
 * globals.h - global variables of an opened object by name: where the
 * BTF DATASEC of a .data/.rodata/.bss section places each variable, and
 * setting a variable's bytes in the section's initial contents.
 */
#ifndef BPFVM_LOADER_GLOBALS_H
#define BPFVM_LOADER_GLOBALS_H

#include "bpfvm.h"
#include "loader/elf_obj.h"

struct elf_ctx;

/*
 * Give each DATASEC of the object's BTF the layout of its ELF section, as
 * libbpf does at open (btf_fixup_datasec): clang leaves a DATASEC's size
 * and its variables' offsets 0, and the section size and the symbols'
 * values are the truth. A variable without a symbol in the section keeps
 * what BTF says. Runs after the BTF is read (elf_obj.c); returns 0.
 */
int elf_btf_fixup_datasec(struct elf_ctx *c);

/*
 * Find variable name among the data maps of elf (only maps that hold a
 * section with a DATASEC). Fills info (section points into elf). Returns
 * 0, -ENOENT (no BTF, or no such variable; the message lists the names
 * there are), -EINVAL (in two sections; out of its section's bounds).
 */
int elf_global_find(const struct elf_obj *elf, const char *name, struct bpfvm_global_info *info,
		    struct bpfvm_error *err);

/* Copy info->size bytes from data into the initial contents of the
 * variable's section (a .bss section gets zeroed contents first).
 * Returns 0 or -ENOMEM. */
int elf_global_set(struct elf_obj *elf, const struct bpfvm_global_info *info, const void *data,
		   struct bpfvm_error *err);

#endif
