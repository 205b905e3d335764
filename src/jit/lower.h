/*
 * lower.h - lowering BPF instructions to x86-64, one file per family.
 *
 * layout.c picks the family of each instruction by the
 * row's SHAPE in the ISA table and the family's function emits the code;
 * OP, WIDTH and SIZE come from the same row. No code here looks at opcode
 * bytes.
 *
 * The code image (fixed parts first, so their offsets never move):
 *
 *   0          prologue: save callee-saved registers, r12 = run context,
 *              rbp = r10, zero r0 and r3..r9, call the body, then the
 *              epilogue: restore and ret (rax = r0)
 *   fail_off   the failure exit: rsp = the saved rsp, then the epilogue;
 *              the run context already holds the error code and pc
 *   body_off   instruction 0; instruction pc starts at off[pc]
 *
 * The body runs as a function: every BPF function, the main one included,
 * is entered with a call and every exit is a ret. At each function entry
 * rsp is 16-byte aligned minus 8, as the SysV ABI wants, so helper calls
 * need no adjustment.
 *
 * Invariants of a lowering function:
 * - It emits at most JIT_MAX_INSN_BYTES bytes.
 * - A jump to another BPF instruction is the last thing it emits, and its
 *   displacement is off[target] - off[pc + 1] from the previous pass; once
 *   two passes agree on every offset, every displacement is exact.
 * - Scratch registers (regs.h) and flags are dead between instructions.
 */
#ifndef BPFVM_JIT_LOWER_H
#define BPFVM_JIT_LOWER_H

#include <stddef.h>
#include <stdint.h>

#include "encoder.h"
#include "isa/isa.h"
#include "regs.h"

struct bpfvm_prog;

struct jit_ctx {
	struct jit_buf buf;
	const struct bpfvm_prog *prog;
	const struct isa_insn *insns;
	size_t n;
	size_t pc;             /* the instruction being lowered */
	uint32_t *off;         /* n + 1 offsets from the previous pass */
	uint32_t fail_off;     /* the failure exit */
	uint32_t body_off;     /* instruction 0 */
};

/* Offsets of the run context fields the code touches (run.h checks them). */
#define JIT_RUN_REG(i) ((int32_t)(8 * (i)))
#define JIT_RUN_RC 88
#define JIT_RUN_PC 92
#define JIT_RUN_HELPER 96
#define JIT_RUN_SAVED_RSP 104
#define JIT_RUN_STACK_LIMIT 112

/* run->rc for a call past the last stack frame (helpers' codes are
 * negative errnos, so a positive code cannot clash). */
#define JIT_FAIL_DEPTH 1

/* Each returns 0, or -ENOTSUP when the family cannot lower this row (the
 * caller refuses the program before lowering, so that is a bug). */
int lower_alu(struct jit_ctx *c, const struct isa_desc *d, const struct isa_insn *in);
int lower_mem(struct jit_ctx *c, const struct isa_desc *d, const struct isa_insn *in);
int lower_jmp(struct jit_ctx *c, const struct isa_desc *d, const struct isa_insn *in);

/* The prologue, epilogue and failure exit (at offset 0, fixed size). */
void lower_frame(struct jit_ctx *c);

/* Jump (cc, or unconditional when cc < 0) to BPF instruction target. */
void lower_branch(struct jit_ctx *c, int cc, size_t target);

/* Record the error code and pc in the run context, then jump to the
 * failure exit. */
void lower_fail(struct jit_ctx *c, int32_t code);

#endif /* BPFVM_JIT_LOWER_H */
