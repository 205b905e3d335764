/*
 * labels.h - the assembler's label table: name -> instruction index.
 *
 * Names are not copied: they point into the source text, which outlives
 * one bpfvm_asm() call. Open addressing keeps lookups O(1) for programs of
 * a million lines.
 */
#ifndef BPFVM_ASM_LABELS_H
#define BPFVM_ASM_LABELS_H

#include <stddef.h>

struct asm_label {
	const char *name; /* NULL: empty slot */
	size_t len;
	size_t pc;        /* the slot the label stands for */
	int line;         /* where it was defined, for duplicate messages */
};

struct asm_labels {
	struct asm_label *slot;
	size_t cap;   /* a power of two, or 0 */
	size_t count;
};

/*
 * Define name -> pc. Returns 0, -ENOMEM, or -EEXIST with *prev set to the
 * earlier definition.
 */
int labels_add(struct asm_labels *l, const char *name, size_t len, size_t pc, int line,
	       const struct asm_label **prev);

/* The label called name, or NULL. */
const struct asm_label *labels_find(const struct asm_labels *l, const char *name, size_t len);

void labels_free(struct asm_labels *l);

#endif /* BPFVM_ASM_LABELS_H */
