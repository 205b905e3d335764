/*
 * lower_jmp.c - control flow: the frame around the body, JA, JA32, JMP_K,
 * JMP_X, MAY_GOTO, EXIT, and the exits every instruction may take (the
 * failure exit, the packet-load exit). Calls are in lower_call.c.
 *
 * Every BPF function is an x86 function; EXIT is ret.
 *
 * may_goto spends from one budget per run (run->loops, the interpreter's
 * INTERP_MAY_GOTO_BUDGET): while it lasts, the instruction falls through
 * and takes one from it; once it is 0, the instruction jumps and leaves it
 * at 0.
 */
#include <errno.h>
#include <string.h>

#include "filter.h"
#include "interp/state.h"
#include "lower.h"

void lower_branch(struct jit_ctx *c, int cc, size_t target)
{
	struct jit_buf *b = &c->buf;
	int64_t rel = (int64_t)c->off[target] - (int64_t)c->off[c->pc + 1];
	if (lower_falls_to(c, target))
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

void lower_jump_fixed(struct jit_ctx *c, int cc, uint32_t to)
{
	struct jit_buf *b = &c->buf;
	if (cc < 0)
		emit_jmp32(b, (int32_t)((int64_t)to - (int64_t)(b->len + 5)));
	else
		emit_jcc32(b, (enum x86_cc)cc, (int32_t)((int64_t)to - (int64_t)(b->len + 6)));
}

/*   mov dword [r12 + PC], pc
 *   mov dword [r12 + RC], code
 *   jmp fail */
void lower_fail(struct jit_ctx *c, int32_t code)
{
	struct jit_buf *b = &c->buf;
	emit_store_imm(b, 4, JIT_CTX, JIT_RUN_PC, (int32_t)c->pc);
	emit_store_imm(b, 4, JIT_CTX, JIT_RUN_RC, code);
	lower_jump_fixed(c, -1, c->fail_off);
}

/* Callee-saved registers the entry saves, in push order. */
static const uint8_t saved_regs[] = { RBP, RBX, R12, R13, R14, R15 };
#define N_SAVED (sizeof(saved_regs) / sizeof(saved_regs[0]))

/*
 * entry(run = rdi, r10 = rsi, fn = rdx):
 *   push rbp ; push rbx ; push r12 ; push r13 ; push r14 ; push r15
 *   lea r12, [rdi + BIAS] ; mov rbp, rsi ; mov r11, rdx
 *   mov [r12 + SAVED_RSP], rsp
 *   mov rdi, [r12 + REG(1)] ; ... ; mov r8, [r12 + REG(5)]
 *   xor eax, eax ; xor ebx, ebx ; xor r13d, r13d ; xor r14d, r14d ; xor r15d, r15d
 *   call r11
 * epilogue:
 *   pop r15 ; pop r14 ; pop r13 ; pop r12 ; pop rbx ; pop rbp
 *   ret
 * oob:
 *   xor eax, eax
 * fail:
 *   mov rsp, [r12 + SAVED_RSP]
 *   jmp epilogue
 * batch: see lower_batch()
 */
static size_t lower_batch(struct jit_ctx *c, size_t epilogue);

void lower_frame(struct jit_ctx *c)
{
	struct jit_buf *b = &c->buf;
	for (size_t i = 0; i < N_SAVED; i++)
		emit_push(b, saved_regs[i]);
	emit_lea(b, JIT_CTX, RDI, JIT_RUN_BIAS);
	emit_mov_rr(b, true, RBP, RSI);
	emit_mov_rr(b, true, JIT_TMP, RDX);
	emit_store(b, 8, JIT_CTX, JIT_RUN_SAVED_RSP, RSP);
	for (unsigned r = 1; r <= 5; r++)
		emit_load(b, 8, jit_reg[r], JIT_CTX, JIT_RUN_REG(r));
	static const uint8_t zeroed[] = { 0, 6, 7, 8, 9 }; /* BPF regs */
	for (size_t i = 0; i < sizeof(zeroed); i++)
		emit_mov_imm32(b, false, jit_reg[zeroed[i]], 0);
	emit_call_reg(b, JIT_TMP);
	size_t epilogue = b->len;
	for (size_t i = N_SAVED; i-- > 0;)
		emit_pop(b, saved_regs[i]);
	emit_ret(b);
	c->oob_off = (uint32_t)b->len;
	emit_mov_imm32(b, false, RAX, 0);
	c->fail_off = (uint32_t)b->len;
	emit_load(b, 8, RSP, JIT_CTX, JIT_RUN_SAVED_RSP);
	emit_jmp8(b, (int8_t)((int64_t)epilogue - (int64_t)(b->len + 2)));
	lower_pkt_fixed(c);
	size_t call_end = lower_batch(c, epilogue);
	c->body_off = (uint32_t)b->len;
	int32_t rel = (int32_t)((int64_t)c->body_off - (int64_t)call_end);
	memcpy(b->p + call_end - 4, &rel, 4);
}

/* A forward jcc8 to be patched by land(). */
static size_t jcc8_fwd(struct jit_buf *b, int cc)
{
	if (cc < 0)
		emit_jmp8(b, 0);
	else
		emit_jcc8(b, (enum x86_cc)cc, 0);
	return b->len;
}

static void land(struct jit_buf *b, size_t after_jump)
{
	b->p[after_jump - 1] = (uint8_t)(int8_t)(b->len - after_jump);
}

/*
 * batch(run = rdi, r10 = rsi, fn = rdx), for bpfvm_prog__run_batch (run
 * from C for verified programs only, so r0 and r3..r9 need no zeroing:
 * the verifier proves nothing reads them before writing): the entry's
 * work once, then per input what run.c's run_input sets, with the
 * input's pointers taken from the item:
 *   push rbp ; ... ; push r15 ; lea r12, [rdi + BIAS]
 *   mov [r12 + SAVED_RSP], rsp      ; the exits unwind to here
 *   push rsi ; push rdx              ; r10 (and the entry's rsp parity)
 * loop:
 *   mov r11, [r12 + BATCH_ITEM]
 *   mov rdi, [r11 + MEM] ; mov rsi, [r11 + MEM_LEN]
 *   mov rax, [r11 + PACKET] ; mov rcx, [r11 + PACKET_LEN]
 *   test rax, rax ; jnz 1f ; mov rax, rdi ; mov rcx, rsi   ; no packet: mem
 * 1:mov [r12 + PKT], rax ; mov [r12 + PKT_LEN], rcx
 *   ; unless the program is lean (no helper call, callx or may_goto,
 *   ; so nothing reads the rest):
 *   mov [r12 + IN], rdi ; mov [r12 + IN_LEN], rsi
 *   mov byte [r12 + MEM_READY], 0
 *   mov dword [r12 + LOOPS], INTERP_MAY_GOTO_BUDGET
 *   mov dword [r12 + TAIL_CALLS], 0
 *   mov rax, [r12 + ROOT] ; mov [r12 + PROG], rax
 *   ; then
 *   mov rbp, [rsp + 8] ; call body        ; instruction 0, direct
 *   mov r11, [r12 + BATCH_ITEM] ; mov [r11 + RET], rax
 *   add r11, ITEM_SIZE ; mov [r12 + BATCH_ITEM], r11
 *   mov rcx, [r12 + BATCH_END] ; cmp r11, rcx ; jb loop
 *   add rsp, 16 ; jmp epilogue
 * The packet-load and failure exits restore the saved rsp and return to
 * C from the item they stopped at (batch_item not advanced).
 */
static bool batch_lean(const struct jit_ctx *c)
{
	for (size_t pc = 0; pc < c->n; pc++) {
		const struct isa_insn *in = &c->insns[pc];
		if (in->id == ISA__WIDE_HI)
			continue;
		uint8_t shape = isa_table[in->id].shape;
		if (shape == ISA_SHAPE_CALL_HELPER || shape == ISA_SHAPE_CALLX ||
		    shape == ISA_SHAPE_MAY_GOTO)
			return false;
	}
	return true;
}

static size_t lower_batch(struct jit_ctx *c, size_t epilogue)
{
	struct jit_buf *b = &c->buf;
	c->batch_off = (uint32_t)b->len;
	/* jmp over the filter entry (filter.h: at batch_off + JIT_FILTER_AT) */
	emit_jmp32(b, 0);
	size_t over = b->len;
	size_t filter_call = lower_filter_entry(c, epilogue, batch_lean(c));
	patch4(b, over - 4, (uint32_t)(b->len - over));
	for (size_t i = 0; i < N_SAVED; i++)
		emit_push(b, saved_regs[i]);
	emit_lea(b, JIT_CTX, RDI, JIT_RUN_BIAS);
	emit_store(b, 8, JIT_CTX, JIT_RUN_SAVED_RSP, RSP);
	emit_push(b, RSI);
	emit_push(b, RDX);
	size_t loop = b->len;
	emit_load(b, 8, JIT_TMP, JIT_CTX, JIT_RUN_BATCH_ITEM);
	emit_load(b, 8, RDI, JIT_TMP, JIT_ITEM_MEM);
	emit_load(b, 8, RSI, JIT_TMP, JIT_ITEM_MEM_LEN);
	emit_load(b, 8, RAX, JIT_TMP, JIT_ITEM_PACKET);
	emit_load(b, 8, RCX, JIT_TMP, JIT_ITEM_PACKET_LEN);
	emit_test_rr(b, true, RAX, RAX);
	size_t has_packet = jcc8_fwd(b, CC_NE);
	emit_mov_rr(b, true, RAX, RDI);
	emit_mov_rr(b, true, RCX, RSI);
	land(b, has_packet);
	emit_store(b, 8, JIT_CTX, JIT_RUN_PKT, RAX);
	emit_store(b, 8, JIT_CTX, JIT_RUN_PKT_LEN, RCX);
	if (!batch_lean(c)) {
		emit_store(b, 8, JIT_CTX, JIT_RUN_IN, RDI);
		emit_store(b, 8, JIT_CTX, JIT_RUN_IN_LEN, RSI);
		emit_store_imm(b, 1, JIT_CTX, JIT_RUN_MEM_READY, 0);
		emit_store_imm(b, 4, JIT_CTX, JIT_RUN_LOOPS, (int32_t)INTERP_MAY_GOTO_BUDGET);
		emit_store_imm(b, 4, JIT_CTX, JIT_RUN_TAIL_CALLS, 0);
		emit_load(b, 8, RAX, JIT_CTX, JIT_RUN_ROOT);
		emit_store(b, 8, JIT_CTX, JIT_RUN_PROG, RAX);
	}
	emit_load(b, 8, RBP, RSP, 8);
	emit_call32(b, 0); /* to instruction 0: patched by lower_frame */
	size_t call_end = b->len;
	emit_load(b, 8, JIT_TMP, JIT_CTX, JIT_RUN_BATCH_ITEM);
	emit_store(b, 8, JIT_TMP, JIT_ITEM_RET, RAX);
	emit_alu_ri(b, true, ALU_ADD, JIT_TMP, JIT_ITEM_SIZE);
	emit_store(b, 8, JIT_CTX, JIT_RUN_BATCH_ITEM, JIT_TMP);
	emit_load(b, 8, RCX, JIT_CTX, JIT_RUN_BATCH_END);
	emit_alu_rr(b, true, ALU_CMP, JIT_TMP, RCX);
	int64_t back = (int64_t)loop - (int64_t)(b->len + 2);
	if (is_imm8(back))
		emit_jcc8(b, CC_B, (int8_t)back);
	else
		emit_jcc32(b, CC_B, (int32_t)((int64_t)loop - (int64_t)(b->len + 6)));
	emit_alu_ri(b, true, ALU_ADD, RSP, 16);
	emit_jmp32(b, (int32_t)((int64_t)epilogue - (int64_t)(b->len + 5)));
	if (filter_call) /* the body starts where the frame ends: here */
		patch4(b, filter_call - 4, (uint32_t)(b->len - filter_call));
	return call_end;
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
	int cc = jmp_cc[d->op];
	if (c->fuse && c->fuse[c->pc].kind == FUSE_JCC_JA) {
		/* `if cond goto +1; goto X`: if !cond goto X (fuse.c). x86's
		 * condition codes come in pairs whose low bit negates. */
		target = (size_t)((long)c->pc + 2 + c->insns[c->pc + 1].off);
		cc ^= 1;
	} else if (lower_falls_to(c, target)) {
		return; /* no effect either way */
	}
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
	lower_branch(c, cc, target);
}

/*
 *   mov r11d, [r12 + LOOPS]
 *   sub r11d, 1             ; CF = the budget was 0
 *   adc r11d, 0             ; back to 0 then, CF kept (0xffffffff + 1)
 *   mov [r12 + LOOPS], r11d
 *   jc target
 */
static void lower_may_goto(struct jit_ctx *c, const struct isa_insn *in)
{
	struct jit_buf *b = &c->buf;
	emit_load(b, 4, JIT_TMP, JIT_CTX, JIT_RUN_LOOPS);
	emit_alu_ri(b, false, ALU_SUB, JIT_TMP, 1);
	emit_alu_ri(b, false, ALU_ADC, JIT_TMP, 0);
	emit_store(b, 4, JIT_CTX, JIT_RUN_LOOPS, JIT_TMP);
	lower_branch(c, CC_B, (size_t)((long)c->pc + 1 + in->off));
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
	case ISA_SHAPE_MAY_GOTO:
		lower_may_goto(c, in);
		return 0;
	case ISA_SHAPE_EXIT:
		emit_ret(&c->buf);
		return 0;
	default:
		return -ENOTSUP;
	}
}
