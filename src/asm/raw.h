/*
 * raw.h - the ".insn" directive: one instruction slot given field by field.
 *
 *   .insn CODE, DST, SRC, OFF, IMM      e.g.  .insn 0x8e, 1, 0, 0, 3
 *
 * The disassembler prints a slot that does not decode in this form, and
 * the assembler reads it back in either syntax, so any bytes survive a
 * round trip through text.
 */
#ifndef BPFVM_ASM_RAW_H
#define BPFVM_ASM_RAW_H

#include <stdbool.h>

#include "bpfvm.h"
#include "lexer.h"
#include "operand.h"
#include "sbuf.h"

/* Does the line start with the directive? */
bool raw_is_directive(const struct asm_tok *line, size_t n);

/* Read ".insn ..." from line[0..n) into *out; false with *f on failure. */
bool raw_parse(const struct asm_tok *line, size_t n, struct bpfvm_insn *out,
	       struct asm_fail *f);

/* Print insn as ".insn CODE, DST, SRC, OFF, IMM". */
void raw_format(const struct bpfvm_insn *insn, struct sbuf *out);

#endif /* BPFVM_ASM_RAW_H */
