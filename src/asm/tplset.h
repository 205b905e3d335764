/*
 * tplset.h - every template the assembler accepts, compiled once per run.
 *
 * That is each ISA table row in both syntaxes, then a short list of
 * aliases: other spellings of a table row that other tools use (uBPF's
 * swap16, LLVM's alu32 "w0 = *(u32 *)(r1 + 0)"). Aliases only ever parse;
 * the disassembler prints the table's own template.
 */
#ifndef BPFVM_ASM_TPLSET_H
#define BPFVM_ASM_TPLSET_H

#include <stddef.h>

#include "template.h"

struct tpl_set {
	struct tpl *t; /* table rows (UBPF, LLVM) first, then aliases */
	size_t n;
};

/* Compile all templates. -ENOMEM, or -EINVAL for a malformed template. */
int tpl_set_init(struct tpl_set *set);
void tpl_set_free(struct tpl_set *set);

/* The aliases (for tests): count, and the i-th one's row/syntax/text. */
size_t tpl_alias_count(void);
void tpl_alias_get(size_t i, unsigned *row, int *syntax, const char **text);

#endif /* BPFVM_ASM_TPLSET_H */
