/*
 * operand.h - the placeholders of the ISA templates, in both directions.
 *
 * A template such as "ldxw {d}, [{s}{o}]" names its operands with the
 * placeholders below. This module knows, for each placeholder, which
 * instruction field it carries, how to print a field value as text in each
 * syntax, and how to read that text back (with its range rules). The
 * assembler and the disassembler both come here, so the two directions
 * cannot drift apart.
 */
#ifndef BPFVM_ASM_OPERAND_H
#define BPFVM_ASM_OPERAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfvm.h"
#include "lexer.h"
#include "sbuf.h"

enum tpl_ph {
	PH_D,  /* {d}  dst register, r1 / %r1 */
	PH_S,  /* {s}  src register */
	PH_WD, /* {wd} dst register as 32 bits, w1 */
	PH_WS, /* {ws} src register as 32 bits */
	PH_I,  /* {i}  the 32-bit immediate */
	PH_L,  /* {L}  the 64-bit immediate of ld_imm64 (both slots) */
	PH_I2, /* {i2} the immediate of ld_imm64's second slot */
	PH_O,  /* {o}  a memory offset: "+ 4" / "+4" */
	PH_T,  /* {t}  a jump target in off */
	PH_TI, /* {T}  a jump target in imm */
	PH__COUNT,
};

/* Instruction fields a placeholder carries (bit set). */
enum {
	FLD_DST = 1u << 0,
	FLD_SRC = 1u << 1,
	FLD_OFF = 1u << 2,
	FLD_IMM = 1u << 3,
	FLD_IMM2 = 1u << 4, /* the second slot's imm */
};

/* Field values of one instruction, as templates see them. */
struct tpl_vals {
	uint8_t dst, src;
	int16_t off;
	int32_t imm;
	int32_t imm2; /* ld_imm64: the second slot's imm (upper half of {L}) */
};

/*
 * Why a line did not match at some token. Weak: the token is not of the
 * kind wanted (another template may fit). Strong: the kind was right but
 * the value is not (a register r11, an immediate out of range).
 */
struct asm_fail {
	size_t tok;       /* index of the line token at fault (n = end of line) */
	bool strong;
	/* Weak: what was expected, either a description or a literal token of
	 * the template (not formatted here: most lines fail most templates). */
	const char *want;
	const char *lit;
	size_t lit_len;
	char msg[192];    /* strong: the message */
};

/* The placeholder spelled name[0..len) ("d", "wd", "L"...), or -1. */
int tpl_ph_lookup(const char *name, size_t len);

/* FLD_* bits carried by placeholder ph. */
unsigned ph_fields(int ph);

/* Is ph a jump target ({t} or {T})? */
bool ph_is_target(int ph);

/*
 * Print placeholder ph with values v in syntax (BPFVM_SYNTAX_UBPF or
 * _LLVM). With v NULL, print a usage name instead ("%rD", "imm", "+off").
 */
void ph_format(int ph, int syntax, const struct tpl_vals *v, struct sbuf *out);

/*
 * Read placeholder ph from line[*j..n) into v, advancing *j. *bound holds
 * the FLD_* bits already read (a register used twice must be the same
 * register). A jump target given as a label leaves the field 0 and sets
 * *label. Returns false with *f filled on failure.
 */
bool ph_parse(int ph, int syntax, const struct asm_tok *line, size_t n, size_t *j,
	      struct tpl_vals *v, unsigned *bound, const struct asm_tok **label,
	      struct asm_fail *f);

/* Value kinds with their range rules. */
enum num_kind {
	NUM_IMM32, /* decimal int32, or hex up to 0xffffffff as a bit pattern */
	NUM_IMM64, /* decimal int64 or uint64, hex up to 64 bits */
	NUM_OFF16, /* decimal int16, or hex up to 0xffff */
	NUM_JMP16, /* same range as NUM_OFF16, for jump offsets */
	NUM_JMP32, /* same range as NUM_IMM32, for jump offsets */
	NUM_OPCODE, /* 0..255 */
	NUM_REGNO,  /* 0..15 (a raw register field) */
};

/*
 * Read an optionally signed number of kind k at line[*j..n), advancing *j.
 * want describes the operand for "expected ..." messages. On success *out
 * holds the value (a bit pattern truncated to the kind's width, sign
 * extended back to 64 bits).
 */
bool num_parse(enum num_kind k, const char *want, const struct asm_tok *line, size_t n,
	       size_t *j, int64_t *out, struct asm_fail *f);

/* Fill f as a weak failure at token tok: want (a static string) expected. */
void fail_weak(struct asm_fail *f, size_t tok, const char *want);

/* Fill f as a weak failure at token tok: the literal lit[0..len) expected. */
void fail_lit(struct asm_fail *f, size_t tok, const char *lit, size_t len);

/* Fill f as a strong failure at token tok with a message. */
void fail_strong(struct asm_fail *f, size_t tok, const char *fmt, ...) BPFVM_PRINTF(3, 4);

/* Write "'text'" for a token, or "end of line" when tok is NULL, into buf. */
const char *tok_quote(const struct asm_tok *tok, char *buf, size_t size);

#endif /* BPFVM_ASM_OPERAND_H */
