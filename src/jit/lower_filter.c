/*
 * lower_filter.c - the filter entry (filter.h): a loop over struct
 * jit_filter_pkt items for packet filters, inside the image's frame.
 *
 * The packet-load exit (lower.h: oob_off) ends a run by restoring rsp
 * from run->saved_rsp and jumping to the frame's epilogue, which pops
 * r15, r14, r13, r12, rbx, rbp and returns. The general entries return
 * to C that way; this one points saved_rsp at a frame of its own whose
 * return address is `next`, where the program's own ret lands too (so
 * the return predictor is right either way), and whose r12 and rbp are
 * the loop's: a load outside the packet costs a few instructions, not a
 * return to C and a new entry. `next` tells the two apart by rsp, 56
 * bytes higher after the exit's pops. The frame stays valid across
 * inputs: after such a ret, the 56 bytes just below rsp still hold it
 * (the kernel delivers signals below the 128-byte red zone), and
 * `resume` moves rsp back over it. The exit's pops leave rbx stale, but
 * not rdi: the item is still BPF r1 there (filter.h).
 *
 * The loop does nothing else per packet. A software prefetch of the
 * packet 4, 8 or 16 items ahead was measured and removed: it made every
 * filter slower on cbpf_bench (the floor 1.9 -> 2.3 ns per packet, `tcp
 * port 80` on mixed traffic 8.2 -> 9.7 ns); the hardware prefetcher
 * already follows the packets of a capture, which lie in order.
 *
 * filter(run = rdi, r10 = rsi, fn = rdx, unused):
 *   push rbp ; push rbx ; push r12 ; push r13 ; push r14 ; push r15
 *   lea r12, [rdi + BIAS] ; mov rbp, rsi
 *   mov rbx, [r12 + BATCH_ITEM]        ; the item, in BPF r6 (filter.h)
 *   sub rsp, 8                          ; the body's entry 16-byte aligned
 *   lea r11, [rip + next] ; push r11    ; the exits' frame: return address,
 *   push rbp ; push rbx ; push r12 ; push r13 ; push r14 ; push r15
 *   mov [r12 + SAVED_RSP], rsp
 * loop:
 *   mov eax, [rbx + CAPLEN] ; mov [r12 + PKT_LEN], rax
 *   mov rax, [rbx + DATA] ; mov [r12 + PKT], rax
 *   mov rdi, rbx                        ; r1 = the item (its len at 24)
 *   call body                           ; instruction 0
 * next:
 *   cmp rsp, [r12 + SAVED_RSP] ; jne resume ; an exit's ret: rsp is higher
 * store:
 *   mov [rbx + RET], eax
 *   add rbx, SIZE
 *   cmp rbx, [r12 + BATCH_END] ; jb loop
 * leave:
 *   add rsp, 64 ; jmp epilogue
 * resume:
 *   sub rsp, 56 ; mov rbx, rdi
 *   cmp dword [r12 + RC], 0 ; je store  ; a packet-load exit: rax = 0
 *   jmp leave                           ; a failure: back to C
 */
#include <errno.h>

#include "filter.h"
#include "lower.h"

_Static_assert(sizeof(struct jit_filter_pkt) == JIT_FPKT_SIZE &&
		       offsetof(struct jit_filter_pkt, data) == JIT_FPKT_DATA &&
		       offsetof(struct jit_filter_pkt, caplen) == JIT_FPKT_CAPLEN &&
		       offsetof(struct jit_filter_pkt, ret) == JIT_FPKT_RET &&
		       offsetof(struct jit_filter_pkt, len) == JIT_FPKT_LEN,
	       "the filter entry's view of struct jit_filter_pkt");

/* Push order of the frame's entry; its epilogue pops in reverse. */
static const uint8_t frame_regs[] = { RBP, RBX, R12, R13, R14, R15 };
#define N_FRAME (sizeof(frame_regs) / sizeof(frame_regs[0]))

static void push_frame(struct jit_buf *b)
{
	for (size_t i = 0; i < N_FRAME; i++)
		emit_push(b, frame_regs[i]);
}

/* A forward jcc8 (jmp8 when cc < 0), landed by land8(). */
static size_t fwd8(struct jit_buf *b, int cc)
{
	if (cc < 0)
		emit_jmp8(b, 0);
	else
		emit_jcc8(b, (enum x86_cc)cc, 0);
	return b->len;
}

static void land8(struct jit_buf *b, size_t after_jump)
{
	b->p[after_jump - 1] = (uint8_t)(int8_t)(b->len - after_jump);
}

/* lea r11, [rip + 0] (REX.W+R 8D /r, mod 00 rm 101): the displacement,
 * patched once the target is known, is the last 4 bytes. (The encoder has
 * no rip-relative form; this is its one use.) */
_Static_assert(JIT_TMP == R11, "lea_r11_rip loads JIT_TMP");
static void lea_r11_rip(struct jit_buf *b)
{
	emit1(b, 0x4c);
	emit1(b, 0x8d);
	emit1(b, 0x1d);
	emit4(b, 0);
}

size_t lower_filter_entry(struct jit_ctx *c, size_t epilogue, bool lean)
{
	struct jit_buf *b = &c->buf;
	if (!lean) {
		/* mov dword [rdi + RC], -ENOTSUP ; ret  (rdi: the unbiased run) */
		emit_store_imm(b, 4, RDI, JIT_RUN_RC + JIT_RUN_BIAS, -ENOTSUP);
		emit_ret(b);
		return 0;
	}
	push_frame(b);
	emit_lea(b, JIT_CTX, RDI, JIT_RUN_BIAS);
	emit_mov_rr(b, true, RBP, RSI);
	emit_load(b, 8, RBX, JIT_CTX, JIT_RUN_BATCH_ITEM);
	emit_alu_ri(b, true, ALU_SUB, RSP, 8);
	lea_r11_rip(b);
	size_t after_lea = b->len;
	emit_push(b, JIT_TMP);
	push_frame(b);
	emit_store(b, 8, JIT_CTX, JIT_RUN_SAVED_RSP, RSP);
	size_t loop = b->len;
	emit_load(b, 4, RAX, RBX, JIT_FPKT_CAPLEN);
	emit_store(b, 8, JIT_CTX, JIT_RUN_PKT_LEN, RAX);
	emit_load(b, 8, RAX, RBX, JIT_FPKT_DATA);
	emit_store(b, 8, JIT_CTX, JIT_RUN_PKT, RAX);
	emit_mov_rr(b, true, RDI, RBX);
	emit_call32(b, 0); /* to instruction 0: patched by lower_batch */
	size_t call_end = b->len;
	patch4(b, after_lea - 4, (uint32_t)(b->len - after_lea)); /* next */
	emit_alu_rm(b, true, ALU_CMP, RSP, JIT_CTX, JIT_RUN_SAVED_RSP);
	size_t to_resume = fwd8(b, CC_NE);
	size_t store = b->len;
	emit_store(b, 4, RBX, JIT_FPKT_RET, RAX);
	emit_alu_ri(b, true, ALU_ADD, RBX, JIT_FPKT_SIZE);
	emit_alu_rm(b, true, ALU_CMP, RBX, JIT_CTX, JIT_RUN_BATCH_END);
	emit_jcc8(b, CC_B, (int8_t)((int64_t)loop - (int64_t)(b->len + 2)));
	size_t leave = b->len;
	emit_alu_ri(b, true, ALU_ADD, RSP, 8 * (N_FRAME + 2));
	emit_jmp32(b, (int32_t)((int64_t)epilogue - (int64_t)(b->len + 5)));
	land8(b, to_resume);
	emit_alu_ri(b, true, ALU_SUB, RSP, 8 * (N_FRAME + 1));
	emit_mov_rr(b, true, RBX, RDI);
	emit_alu_mi(b, false, ALU_CMP, JIT_CTX, JIT_RUN_RC, 0);
	emit_jcc8(b, CC_E, (int8_t)((int64_t)store - (int64_t)(b->len + 2)));
	emit_jmp8(b, (int8_t)((int64_t)leave - (int64_t)(b->len + 2)));
	return call_end;
}
