/*
 * datafile.h - reading bpf_conformance .data files.
 *
 * A file is a sequence of sections, each opened by a line "-- NAME":
 *   asm     assembly (uBPF syntax)        raw     one slot per line
 *   mem     input memory as hex bytes      result  expected r0
 *   error   expected failure message       c, no register offset: notes
 * Lines starting with '#' outside asm are comments. Inside asm, a "-- X"
 * line that names no section is assembly text for the assembler to judge;
 * elsewhere an unknown section is an error at its file:line:column.
 */
#ifndef BPFVM_DATAFILE_H
#define BPFVM_DATAFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfvm.h"

struct datafile {
	char *path;
	char *asm_text;       /* NULL if no asm section; line-aligned with the
				 file (preceded by blank lines) so assembler
				 line numbers are file line numbers */
	size_t asm_len;
	struct bpfvm_insn *raw; /* NULL if no raw section */
	size_t n_raw;
	uint8_t *mem;           /* NULL if no mem section */
	size_t mem_len;
	bool has_result;
	uint64_t result;
	bool has_error;
	char *error;            /* expected error text, trimmed ("" allowed) */
};

/* Parse path. Returns 0, or a negative errno with err located at the
 * offending line. Free with datafile_free() either way. */
int datafile_read(const char *path, struct datafile *df, struct bpfvm_error *err);
void datafile_free(struct datafile *df);

#endif
