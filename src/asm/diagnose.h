/*
 * diagnose.h - saying why a line did not assemble.
 *
 * Called only once a line has failed every template, so it can afford to
 * re-run them all and compare how far each got.
 */
#ifndef BPFVM_ASM_DIAGNOSE_H
#define BPFVM_ASM_DIAGNOSE_H

#include <stddef.h>

#include "bpfvm.h"
#include "lexer.h"
#include "operand.h"
#include "tplset.h"

struct asm_diag {
	size_t col;                    /* 1-based column of the offending token */
	char msg[BPFVM_ERR_MSG_MAX];
};

/*
 * Explain why no template of syntax (AUTO: of either syntax) matches
 * line[0..n) (n > 0). end_col is the column just past the last token.
 */
void diag_line(const struct tpl_set *set, int syntax, const struct asm_tok *line, size_t n,
	       size_t end_col, struct asm_diag *out);

/* Turn one failure into a message ("expected ',', found end of line"). */
void diag_fail(const struct asm_fail *f, int syntax, const struct asm_tok *line, size_t n,
	       size_t end_col, struct asm_diag *out);

/* Does the line look like LLVM syntax (an assignment, a bare rN/wN)? Used
 * to pick which syntax to try first, and to word errors, in AUTO mode. */
bool diag_looks_llvm(const struct asm_tok *line, size_t n);

#endif /* BPFVM_ASM_DIAGNOSE_H */
