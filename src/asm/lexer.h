/*
 * lexer.h - splitting one line of assembly (or one template) into tokens.
 *
 * Both syntaxes and the ISA table's templates go through the same lexer, so
 * that a template and a source line agree token for token: "r1 += -8" and
 * "{d} += {i}" both start IDENT/PH, PUNCT "+=". Tokens point into the text;
 * nothing is copied and nothing is allocated.
 */
#ifndef BPFVM_ASM_LEXER_H
#define BPFVM_ASM_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum asm_tok_kind {
	TK_IDENT, /* mnemonic, label or register: lddw, LBB0_3, %r1, r1, .insn */
	TK_NUM,   /* starts with a digit: 42, 0x2a (checked when parsed) */
	TK_PUNCT, /* operator or bracket: += <<= == ( [ , (the "s" of s>= is an IDENT) */
	TK_PH,    /* templates only: a {placeholder} */
};

struct asm_tok {
	const char *s; /* first byte, inside the lexed text */
	size_t len;
	size_t col;    /* 1-based column of the first byte in its line */
	uint8_t kind;  /* enum asm_tok_kind */
	uint8_t ph;    /* TK_PH: enum tpl_ph (see operand.h) */
};

/* Most tokens a source line may have; a longer line is refused. */
#define ASM_MAX_LINE_TOKS 64

/*
 * Length of line[0..len) without its comment: "#", ";" or "//" to the end
 * of the line (uBPF uses '#', llvm-objdump ';' and '//').
 */
size_t asm_strip_comment(const char *line, size_t len);

/*
 * Lex line[0..len) into out[0..max). templ allows {name} placeholders.
 * Returns 0 and sets *n; or -EINVAL (unexpected character) or -E2BIG (more
 * than max tokens), with *bad_col set to the column at fault.
 */
int asm_lex(const char *line, size_t len, bool templ, struct asm_tok *out, size_t max,
	    size_t *n, size_t *bad_col);

/* Does tok spell word? Identifiers compare case-insensitively. */
bool asm_tok_is(const struct asm_tok *tok, const char *word);

/* Do two tokens spell the same thing (same kind; identifiers ignore case)? */
bool asm_tok_same(const struct asm_tok *a, const struct asm_tok *b);

/*
 * The value of a TK_NUM token: decimal, or hex with 0x. Returns 0, -EINVAL
 * for a bad digit, -ERANGE above 2^64-1. *hex tells which base was used,
 * because the range rules differ (hex gives a bit pattern).
 */
int asm_parse_num(const struct asm_tok *tok, uint64_t *val, bool *hex);

#endif /* BPFVM_ASM_LEXER_H */
