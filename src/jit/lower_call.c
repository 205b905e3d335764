/*
 * lower_call.c - calls: CALL_HELPER, CALLX, CALL_LOCAL, and the tail calls
 * and callbacks that helpers start.
 *
 * - A helper call stores r0 and r6..r10 in the run context (helpers may
 *   read them with bpfvm_call__reg), the pc and the helper id, then calls
 *   jit_helper_call(r1..r5, run) in run.c: r1..r5 already sit in the SysV
 *   argument registers, r9 gets the run context. A helper that called
 *   bpfvm_call__fail() leaves a non-zero code in run->rc; the code tests it
 *   and leaves through the failure exit.
 * - CALLX is the same call with the id taken from dst (all 64 bits, as
 *   the interpreter looks it up); an id no helper has fails in run.c.
 * - A tail call is a request: bpf_tail_call (run.c, jit_call_tail) leaves
 *   the target's code address in run->tail_to. Only the call sites that
 *   can reach it (a plain call of the tail-call helper, and every callx)
 *   test it; they then reload r1..r5 as they were at the call (the
 *   interpreter's registers survive a helper call) and jump: the target
 *   runs in the caller's frame, and its exit returns where the caller's
 *   exit would have. run->prog follows the running program: the helper
 *   sets it to the target, and a program that can make tail calls stores
 *   itself back after each BPF-to-BPF call, whose callee may have
 *   tail-called away.
 * - A BPF-to-BPF call saves r6..r9 and r10 on the x86 stack (5 pushes: 40
 *   bytes, which with the return address keeps rsp aligned), moves r10
 *   down one 512-byte frame, refuses to go past the last frame (-E2BIG, as
 *   the interpreter), zeroes the new frame (only for programs that may
 *   read stack they did not write: prog_zero_frames, run.c), and calls.
 * - bpf_map_lookup_elem of a map known at the call, in a verified program,
 *   is a direct call of the map's lookup or inline code (lower_map.c).
 * - Callbacks (bpf_loop, bpf_for_each_map_elem) enter the image again from
 *   C at the entry (run.c, jit_callback), so nothing is emitted for them.
 */
#include <errno.h>

#include "helpers/helpers_impl.h"
#include "lower.h"
#include "prog/prog.h"
#include "run.h"

/* Can the call at in continue in another program? */
static bool may_tail_call(const struct jit_ctx *c, const struct isa_desc *d,
			  const struct isa_insn *in)
{
	if (d->shape == ISA_SHAPE_CALLX)
		return true;
	if (d->shape != ISA_SHAPE_CALL_HELPER)
		return false;
	const struct vm_helper *h = vm_helper(c->prog->vm, (uint32_t)in->imm);
	return h && h->fn == helper_tail_call;
}

void lower_call_scan(struct jit_ctx *c)
{
	c->tail_calls = false;
	for (size_t pc = 0; pc < c->n && !c->tail_calls; pc++) {
		const struct isa_insn *in = &c->insns[pc];
		if (in->id != ISA__WIDE_HI)
			c->tail_calls = may_tail_call(c, &isa_table[in->id], in);
	}
}

/*
 *   mov r11, [r12 + TAIL_TO]
 *   test r11, r11
 *   jz .done
 *   mov qword [r12 + TAIL_TO], 0
 *   mov rdi, [r12 + REG(1)] ; ... ; mov r8, [r12 + REG(5)]
 *   jmp r11
 * .done:
 */
static void tail_call_check(struct jit_ctx *c)
{
	struct jit_buf *b = &c->buf;
	emit_load(b, 8, JIT_TMP, JIT_CTX, JIT_RUN_TAIL_TO);
	emit_test_rr(b, true, JIT_TMP, JIT_TMP);
	emit_jcc8(b, CC_E, 0);
	size_t done = b->len;
	emit_store_imm(b, 8, JIT_CTX, JIT_RUN_TAIL_TO, 0);
	for (unsigned r = 1; r <= 5; r++)
		emit_load(b, 8, jit_reg[r], JIT_CTX, JIT_RUN_REG(r));
	emit_jmp_reg(b, JIT_TMP);
	patch1(b, done - 1, (uint8_t)(b->len - done));
}

/*
 *   mov [r12 + REG(i)], ri      ; i = 0, 6..10
 *   mov dword [r12 + PC], pc
 *   mov qword [r12 + HELPER], id | dst
 *   lea r9, [r12 - BIAS]         ; the run context
 *   mov rax, jit_helper_call ; call rax
 *   cmp dword [r12 + RC], 0 ; jne fail
 *   [tail_call_check]
 */
static void lower_helper_call(struct jit_ctx *c, const struct isa_desc *d,
			      const struct isa_insn *in)
{
	struct jit_buf *b = &c->buf;
	static const uint8_t kept[] = { 0, 6, 7, 8, 9, 10 };
	for (size_t i = 0; i < sizeof(kept); i++)
		emit_store(b, 8, JIT_CTX, JIT_RUN_REG(kept[i]), jit_reg[kept[i]]);
	emit_store_imm(b, 4, JIT_CTX, JIT_RUN_PC, (int32_t)c->pc);
	if (d->shape == ISA_SHAPE_CALLX)
		emit_store(b, 8, JIT_CTX, JIT_RUN_HELPER, jit_reg[in->dst]);
	else /* ids are non-negative: checked at load */
		emit_store_imm(b, 8, JIT_CTX, JIT_RUN_HELPER, in->imm);
	emit_lea(b, R9, JIT_CTX, -JIT_RUN_BIAS);
	emit_mov_imm64(b, RAX, (uint64_t)(uintptr_t)&jit_helper_call);
	emit_call_reg(b, RAX);
	emit_alu_mi(b, false, ALU_CMP, JIT_CTX, JIT_RUN_RC, 0);
	lower_jump_fixed(c, CC_NE, c->fail_off);
	if (may_tail_call(c, d, in))
		tail_call_check(c);
}

/*   push rbx ; push r13 ; push r14 ; push r15 ; push rbp
 *   sub rbp, 512
 *   cmp rbp, [r12 + STACK_LIMIT] ; ja .ok ; <fail -E2BIG>
 * .ok:                                       ; unverified programs only:
 *   mov r11, rbp ; mov r10d, 64
 * .zero: sub r11, 8 ; mov qword [r11], 0 ; dec r10d ; jnz .zero
 *   call target
 *   pop rbp ; pop r15 ; pop r14 ; pop r13 ; pop rbx
 *   [mov r11, prog ; mov [r12 + PROG], r11]   ; programs making tail calls */
static void lower_local_call(struct jit_ctx *c, const struct isa_insn *in)
{
	struct jit_buf *b = &c->buf;
	static const uint8_t kept[] = { RBX, R13, R14, R15, RBP };
	for (size_t i = 0; i < sizeof(kept); i++)
		emit_push(b, kept[i]);
	emit_alu_ri(b, true, ALU_SUB, RBP, BPFVM_STACK_SIZE);
	emit_alu_rm(b, true, ALU_CMP, RBP, JIT_CTX, JIT_RUN_STACK_LIMIT);
	emit_jcc8(b, CC_A, 0);
	size_t ok = b->len;
	lower_fail(c, JIT_FAIL_DEPTH);
	patch1(b, ok - 1, (uint8_t)(b->len - ok));
	if (prog_zero_frames(c->prog)) {
		emit_mov_rr(b, true, JIT_TMP, RBP);
		emit_mov_imm32(b, false, JIT_TMP2, BPFVM_STACK_SIZE / 8);
		size_t loop = b->len;
		emit_alu_ri(b, true, ALU_SUB, JIT_TMP, 8);
		emit_store_imm(b, 8, JIT_TMP, 0, 0);
		emit_dec32(b, JIT_TMP2);
		emit_jcc8(b, CC_NE, (int8_t)((int64_t)loop - (int64_t)(b->len + 2)));
	}
	size_t target = (size_t)((long)c->pc + 1 + in->imm);
	emit_call32(b, (int32_t)((int64_t)c->off[target] - (int64_t)(b->len + 5)));
	for (size_t i = sizeof(kept); i-- > 0;)
		emit_pop(b, kept[i]);
	if (c->tail_calls) {
		emit_mov_imm64(b, JIT_TMP, (uint64_t)(uintptr_t)c->prog);
		emit_store(b, 8, JIT_CTX, JIT_RUN_PROG, JIT_TMP);
	}
}

int lower_call(struct jit_ctx *c, const struct isa_desc *d, const struct isa_insn *in)
{
	switch (d->shape) {
	case ISA_SHAPE_CALL_HELPER:
		if (lower_map_lookup(c))
			return 0;
		/* fall through */
	case ISA_SHAPE_CALLX:
		lower_helper_call(c, d, in);
		return 0;
	case ISA_SHAPE_CALL_LOCAL:
		lower_local_call(c, in);
		return 0;
	default:
		return -ENOTSUP;
	}
}
