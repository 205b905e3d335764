/*
 * regs.h - where each BPF register lives in x86-64 code.
 *
 * The map follows the kernel's x86 JIT: r1..r5 are the SysV argument
 * registers in order, except that r5 takes r8 because rcx (r4) comes first
 * and r9 is left for a sixth argument; r6..r9 and r10 live in callee-saved
 * registers, so a helper call preserves them for free and a call into C
 * needs no moves for r1..r5.
 *
 *   BPF  r0  r1  r2  r3  r4  r5  r6  r7  r8  r9  r10
 *   x86  rax rdi rsi rdx rcx r8  rbx r13 r14 r15 rbp
 *
 * Registers the lowering owns:
 *   r12  the run context (struct jit_run *, run.h, biased: lower.h) for the
 *        whole run
 *   r9   the sixth C argument at helper calls (the run context); else
 *        scratch (JIT_TMP3: division keeps rdx there)
 *   r10  scratch (JIT_TMP2)       r11  scratch (JIT_TMP)
 * Scratch registers hold nothing across BPF instructions.
 *
 * Constant blinding (blind.c) names one more register, JIT_REG_AX (the
 * kernel's BPF_REG_AX), which BPF code cannot name (the decoder takes
 * r0..r10 only): it lives in r10, and holds a blinded immediate from the
 * blinding sequence to the register-form lowering that reads it. Every
 * register-form lowering reads its src before it writes r10.
 *
 * Division uses rax and rdx, variable shifts use cl; the lowering saves the
 * BPF registers living there in scratch registers (never on the stack)
 * when the instruction does not write them.
 */
#ifndef BPFVM_JIT_REGS_H
#define BPFVM_JIT_REGS_H

#include "encoder.h"

#define JIT_REG_AX 11

static const uint8_t jit_reg[12] = {
	RAX, RDI, RSI, RDX, RCX, R8, RBX, R13, R14, R15, RBP, R10,
};

#define JIT_CTX R12
#define JIT_TMP R11
#define JIT_TMP2 R10
#define JIT_TMP3 R9

#endif /* BPFVM_JIT_REGS_H */
