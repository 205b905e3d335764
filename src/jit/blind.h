/*
 * blind.h - constant blinding for the JIT (bpfvm_load_opts.harden).
 *
 * See blind.c. layout.c sets up one struct jit_blind per compile when the
 * program asked for it, and hands every instruction to lower_blinded()
 * before the ordinary lowering.
 */
#ifndef BPFVM_JIT_BLIND_H
#define BPFVM_JIT_BLIND_H

#include <stdbool.h>
#include <stdint.h>

#include "isa/isa.h"
#include "lower.h"

struct jit_blind {
	uint64_t seed;               /* per compile, from the OS's random source */
	uint16_t x_row[ISA__COUNT];  /* a K row's register-form row, else ISA__COUNT */
};

/*
 * Fill b: a fresh random seed and, from the ISA table, the register-form
 * row of every row whose immediate is an operand of the same operation
 * (ALU_K -> ALU_X, JMP_K -> JMP_X, ST -> STX: same OP, WIDTH and SIZE).
 * Returns 0, or -EFAULT when the table lacks such a row (a table bug).
 */
int jit_blind_init(struct jit_blind *b);

/*
 * Lower the instruction at c->pc with its user-controlled immediate
 * blinded, if it has one: true with *rc the lowering's result, or false
 * (nothing emitted) when the ordinary lowering should take it.
 */
bool lower_blinded(struct jit_ctx *c, const struct isa_desc *d, const struct isa_insn *in,
		   int *rc);

#endif /* BPFVM_JIT_BLIND_H */
