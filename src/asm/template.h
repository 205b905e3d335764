/*
 * template.h - ISA templates: match a line against one, or fill one in.
 *
 * A template is the text of a table row's UBPF or LLVM column, e.g.
 * "if {d} > {i} goto {t}". Compiled, it is a short list of tokens made by
 * the same lexer as source lines: literal tokens must appear as they are,
 * placeholder tokens bind operands (operand.h). Filling it for the
 * disassembler copies the literal text and prints each placeholder.
 */
#ifndef BPFVM_ASM_TEMPLATE_H
#define BPFVM_ASM_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lexer.h"
#include "operand.h"

/* Longest template, in tokens (the longest table row has 16). */
#define TPL_MAX_TOKS 24

/* A template token, as offsets into the template text (which is short). */
struct tpl_tok {
	uint8_t off, len, kind, ph;
};

struct tpl {
	const char *text;
	uint16_t row;   /* enum isa_id this template encodes */
	uint8_t syntax; /* BPFVM_SYNTAX_UBPF or BPFVM_SYNTAX_LLVM */
	uint8_t ntok;
	uint8_t nmnem;  /* leading identifiers: the mnemonic ("lock fetch add") */
	uint8_t nops;   /* operands after the mnemonic, comma separated */
	bool target;    /* has a jump target: a trailing "<LBB0_3>" is ignored */
	struct tpl_tok tok[TPL_MAX_TOKS];
};

/* Compile text for row in syntax into *t. -EINVAL if text is malformed. */
int tpl_compile(const char *text, unsigned row, int syntax, struct tpl *t);

/* Token i of t as a lexer token (column 0). */
struct asm_tok tpl_tok_at(const struct tpl *t, size_t i);

/*
 * Match line[0..n) against t. On success fill *v (fields not in the
 * template stay 0) and *label (a jump target written as a label, else
 * NULL). On failure fill *f with where and why it stopped.
 */
bool tpl_match(const struct tpl *t, const struct asm_tok *line, size_t n,
	       struct tpl_vals *v, const struct asm_tok **label, struct asm_fail *f);

/* Number of comma-separated operands in toks[0..n) (0 when empty). */
size_t tpl_count_operands(const struct asm_tok *toks, size_t n);

/*
 * Fill template text with values v in syntax into out; with v NULL, write
 * a usage line with operand names ("ldxw %rD, [%rS+off]").
 */
void tpl_fill(const char *text, int syntax, const struct tpl_vals *v, struct sbuf *out);

/* FLD_* bits of the fields text's placeholders carry. */
unsigned tpl_fields(const char *text);

#endif /* BPFVM_ASM_TEMPLATE_H */
