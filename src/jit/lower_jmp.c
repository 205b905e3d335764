/*
 * lower_jmp.c - control flow: the frame around the body, JA, JA32, JMP_K,
 * JMP_X, CALL_HELPER, CALL_LOCAL, EXIT, and the failure exit.
 *
 * Calls (see lower.h for the image):
 * - Every BPF function is an x86 function; EXIT is ret. A BPF-to-BPF call
 *   saves r6..r9 and r10 on the x86 stack (5 pushes: 40 bytes, which with
 *   the return address keeps rsp aligned), moves r10 down one 512-byte
 *   frame, refuses to go past the last frame (-E2BIG, as the interpreter),
 *   zeroes the new frame, and calls.
 * - A helper call stores r0 and r6..r10 in the run context (helpers may
 *   read them with bpfvm_call__reg), the pc and the helper id, then calls
 *   jit_helper_call(r1..r5, run) in run.c: r1..r5 already sit in the SysV
 *   argument registers, r9 gets the run context. A helper that called
 *   bpfvm_call__fail() leaves a non-zero code in run->rc; the code tests it
 *   and leaves through the failure exit.
 */
#include <errno.h>

#include "lower.h"
#include "run.h"

void lower_branch(struct jit_ctx *c, int cc, size_t target)
{
	struct jit_buf *b = &c->buf;
	int64_t rel = (int64_t)c->off[target] - (int64_t)c->off[c->pc + 1];
	if (target == c->pc + 1)
		return; /* falls through anyway */
	if (is_imm8(rel)) {
		if (cc < 0)
			emit_jmp8(b, (int8_t)rel);
		else
			emit_jcc8(b, (enum x86_cc)cc, (int8_t)rel);
	} else {
		if (cc < 0)
			emit_jmp32(b, (int32_t)rel);
		else
			emit_jcc32(b, (enum x86_cc)cc, (int32_t)rel);
	}
}

/*   mov dword [r12 + PC], pc
 *   mov dword [r12 + RC], code
 *   jmp fail */
void lower_fail(struct jit_ctx *c, int32_t code)
{
	struct jit_buf *b = &c->buf;
	x86_rm(b, 0, 0xc7, 0, JIT_CTX, JIT_RUN_PC);
	emit4(b, (uint32_t)c->pc);
	x86_rm(b, 0, 0xc7, 0, JIT_CTX, JIT_RUN_RC);
	emit4(b, (uint32_t)code);
	emit_jmp32(b, (int32_t)((int64_t)c->fail_off - (int64_t)(b->len + 5)));
}

/* Callee-saved registers the entry saves, in push order. */
static const uint8_t saved_regs[] = { RBP, RBX, R12, R13, R14, R15 };
#define N_SAVED (sizeof(saved_regs) / sizeof(saved_regs[0]))

/*
 * entry(r1 = rdi, r2 = rsi, r10 = rdx, run = rcx):
 *   push rbp ; push rbx ; push r12 ; push r13 ; push r14 ; push r15
 *   mov r12, rcx ; mov rbp, rdx
 *   mov [r12 + SAVED_RSP], rsp
 *   xor eax, eax ; xor edx, edx ; xor ecx, ecx ; xor r8d, r8d
 *   xor ebx, ebx ; xor r13d, r13d ; xor r14d, r14d ; xor r15d, r15d
 *   call body
 * epilogue:
 *   pop r15 ; pop r14 ; pop r13 ; pop r12 ; pop rbx ; pop rbp
 *   ret
 * fail:
 *   mov rsp, [r12 + SAVED_RSP]
 *   jmp epilogue
 */
void lower_frame(struct jit_ctx *c)
{
	struct jit_buf *b = &c->buf;
	for (size_t i = 0; i < N_SAVED; i++)
		emit_push(b, saved_regs[i]);
	emit_mov_rr(b, true, JIT_CTX, RCX);
	emit_mov_rr(b, true, RBP, RDX);
	x86_rm(b, X_W, 0x89, RSP, JIT_CTX, JIT_RUN_SAVED_RSP);
	static const uint8_t zeroed[] = { 0, 3, 4, 5, 6, 7, 8, 9 }; /* BPF regs */
	for (size_t i = 0; i < sizeof(zeroed); i++)
		emit_mov_imm32(b, false, jit_reg[zeroed[i]], 0);
	/* The call lands on the body, right after the failure exit. */
	emit_call32(b, 0);
	size_t epilogue = b->len;
	for (size_t i = N_SAVED; i-- > 0;)
		emit_pop(b, saved_regs[i]);
	emit_ret(b);
	c->fail_off = (uint32_t)b->len;
	x86_rm(b, X_W, 0x8b, RSP, JIT_CTX, JIT_RUN_SAVED_RSP);
	emit_jmp8(b, (int8_t)((int64_t)epilogue - (int64_t)(b->len + 2)));
	c->body_off = (uint32_t)b->len;
	patch4(b, epilogue - 4, (uint32_t)(c->body_off - epilogue));
}

static const int8_t jmp_cc[ISA_OP__COUNT] = {
	[ISA_OP_JEQ] = CC_E,  [ISA_OP_JNE] = CC_NE, [ISA_OP_JSET] = CC_NE,
	[ISA_OP_JGT] = CC_A,  [ISA_OP_JGE] = CC_AE, [ISA_OP_JLT] = CC_B,
	[ISA_OP_JLE] = CC_BE, [ISA_OP_JSGT] = CC_G, [ISA_OP_JSGE] = CC_GE,
	[ISA_OP_JSLT] = CC_L, [ISA_OP_JSLE] = CC_LE,
};

static void lower_cond(struct jit_ctx *c, const struct isa_desc *d, const struct isa_insn *in)
{
	struct jit_buf *b = &c->buf;
	bool is64 = d->width == 64;
	int dst = jit_reg[in->dst];
	size_t target = (size_t)((long)c->pc + 1 + in->off);
	if (target == c->pc + 1)
		return; /* no effect either way */
	if (d->shape == ISA_SHAPE_JMP_X) {
		if (d->op == ISA_OP_JSET)
			emit_test_rr(b, is64, dst, jit_reg[in->src]);
		else
			emit_alu_rr(b, is64, ALU_CMP, dst, jit_reg[in->src]);
	} else if (d->op == ISA_OP_JSET) {
		emit_test_ri(b, is64, dst, in->imm);
	} else if (in->imm == 0 && d->op != ISA_OP_JGT && d->op != ISA_OP_JLE &&
		   d->op != ISA_OP_JGE && d->op != ISA_OP_JLT) {
		/* test dst, dst sets ZF and SF as cmp dst, 0 (OF = 0) */
		emit_test_rr(b, is64, dst, dst);
	} else {
		emit_alu_ri(b, is64, ALU_CMP, dst, in->imm);
	}
	lower_branch(c, jmp_cc[d->op], target);
}

static void lower_helper_call(struct jit_ctx *c, const struct isa_insn *in)
{
	struct jit_buf *b = &c->buf;
	static const uint8_t kept[] = { 0, 6, 7, 8, 9, 10 };
	for (size_t i = 0; i < sizeof(kept); i++) /* mov [r12 + 8*i], ri */
		x86_rm(b, X_W, 0x89, jit_reg[kept[i]], JIT_CTX, JIT_RUN_REG(kept[i]));
	x86_rm(b, 0, 0xc7, 0, JIT_CTX, JIT_RUN_PC);     /* mov dword [r12 + PC], pc */
	emit4(b, (uint32_t)c->pc);
	x86_rm(b, 0, 0xc7, 0, JIT_CTX, JIT_RUN_HELPER); /* mov dword [r12 + HELPER], id */
	emit4(b, (uint32_t)in->imm);
	emit_mov_rr(b, true, R9, JIT_CTX);               /* mov r9, r12 */
	emit_mov_imm64(b, RAX, (uint64_t)(uintptr_t)&jit_helper_call);
	emit_call_reg(b, RAX);                           /* call rax */
	x86_rm(b, 0, 0x83, 7, JIT_CTX, JIT_RUN_RC);      /* cmp dword [r12 + RC], 0 */
	emit1(b, 0);
	emit_jcc32(b, CC_NE, (int32_t)((int64_t)c->fail_off - (int64_t)(b->len + 6)));
}

/*   push rbx ; push r13 ; push r14 ; push r15 ; push rbp
 *   sub rbp, 512
 *   cmp rbp, [r12 + STACK_LIMIT] ; ja .ok ; <fail -E2BIG>
 * .ok:
 *   mov r11, rbp ; mov r10d, 64
 * .zero: sub r11, 8 ; mov qword [r11], 0 ; dec r10d ; jnz .zero
 *   call target
 *   pop rbp ; pop r15 ; pop r14 ; pop r13 ; pop rbx */
static void lower_local_call(struct jit_ctx *c, const struct isa_insn *in)
{
	struct jit_buf *b = &c->buf;
	static const uint8_t kept[] = { RBX, R13, R14, R15, RBP };
	for (size_t i = 0; i < sizeof(kept); i++)
		emit_push(b, kept[i]);
	emit_alu_ri(b, true, ALU_SUB, RBP, BPFVM_STACK_SIZE);
	x86_rm(b, X_W, 0x3b, RBP, JIT_CTX, JIT_RUN_STACK_LIMIT); /* cmp rbp, [r12+LIMIT] */
	emit_jcc8(b, CC_A, 0);
	size_t ok = b->len;
	lower_fail(c, JIT_FAIL_DEPTH);
	patch1(b, ok - 1, (uint8_t)(b->len - ok));
	emit_mov_rr(b, true, JIT_TMP, RBP);
	emit_mov_imm32(b, false, JIT_TMP2, BPFVM_STACK_SIZE / 8);
	size_t loop = b->len;
	emit_alu_ri(b, true, ALU_SUB, JIT_TMP, 8);
	emit_store_imm(b, 8, JIT_TMP, 0, 0);
	emit_dec32(b, JIT_TMP2);
	emit_jcc8(b, CC_NE, (int8_t)((int64_t)loop - (int64_t)(b->len + 2)));
	size_t target = (size_t)((long)c->pc + 1 + in->imm);
	emit_call32(b, (int32_t)((int64_t)c->off[target] - (int64_t)(b->len + 5)));
	for (size_t i = sizeof(kept); i-- > 0;)
		emit_pop(b, kept[i]);
}

int lower_jmp(struct jit_ctx *c, const struct isa_desc *d, const struct isa_insn *in)
{
	switch (d->shape) {
	case ISA_SHAPE_JA:
		lower_branch(c, -1, (size_t)((long)c->pc + 1 + in->off));
		return 0;
	case ISA_SHAPE_JA32:
		lower_branch(c, -1, (size_t)((long)c->pc + 1 + in->imm));
		return 0;
	case ISA_SHAPE_JMP_K:
	case ISA_SHAPE_JMP_X:
		lower_cond(c, d, in);
		return 0;
	case ISA_SHAPE_CALL_HELPER:
		lower_helper_call(c, in);
		return 0;
	case ISA_SHAPE_CALL_LOCAL:
		lower_local_call(c, in);
		return 0;
	case ISA_SHAPE_EXIT:
		emit_ret(&c->buf);
		return 0;
	default:
		return -ENOTSUP;
	}
}
