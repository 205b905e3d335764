/*
 * state.h - the state of one run of the interpreter.
 *
 * All of it lives in one struct on the C stack of interp_run(): the program
 * is shared and immutable, so any number of runs may go on at once, on any
 * threads, with no locks, globals or allocation.
 *
 * Stack layout: BPFVM_MAX_CALL_DEPTH frames of BPFVM_STACK_SIZE bytes in one
 * array, growing down like a machine stack. Frame k (0 = the main program)
 * is the block
 *
 *   stack[(MAX - 1 - k) * SIZE .. (MAX - k) * SIZE)      r10 = its end
 *
 * so the frames in use, 0..depth, are always one contiguous block ending at
 * the top of the array. That block is region MEM_STACK (mem.h): a callee may
 * use pointers into its callers' frames, and nothing below its own frame.
 *
 * Invariants:
 * - reg[10] is the top of frame depth; programs cannot write r10 (the
 *   decoder refuses it), only calls and exits move it.
 * - frames[k] (k < depth) holds what the call out of frame k saved: r6..r9
 *   and the call instruction, to resume after it.
 */
#ifndef BPFVM_INTERP_STATE_H
#define BPFVM_INTERP_STATE_H

#include <stdint.h>
#include <string.h>

#include "bpfvm.h"
#include "isa/isa.h"
#include "mem.h"
#include "prog/prog.h"

/* The kernel's BPF_MAX_LOOPS: may_goto iterations allowed per run. */
#define INTERP_MAY_GOTO_BUDGET (8u * 1024 * 1024)

#define INTERP_STACK_BYTES (BPFVM_MAX_CALL_DEPTH * BPFVM_STACK_SIZE)

struct interp_frame {
	uint64_t saved[4];               /* the caller's r6..r9 */
	const struct isa_insn *call;     /* the call instruction to resume after */
	const struct bpfvm_prog *prog;   /* the caller's program (tail calls
					  * may have changed the callee's) */
};

struct interp_state {
	uint64_t reg[BPFVM_NREGS];
	struct mem_map mem;              /* what loads and stores may touch */
	unsigned depth;                  /* current frame, 0..MAX_CALL_DEPTH-1 */
	uint32_t loops;                  /* may_goto budget left */
	uint64_t left;                   /* instructions that may still run */
	uint64_t budget;                 /* opts->insn_budget, 0 = none */

	const struct bpfvm_prog *prog;
	const struct isa_insn *insns;    /* prog->insns */
	const struct bpfvm_insn *raw;    /* prog->raw, for traces */
	const uint8_t *pkt;              /* LD_ABS/LD_IND packet: the input */
	uint64_t pkt_len;
	bpfvm_trace_fn trace;
	void *trace_ctx;
	void *user;                      /* for helpers, bpfvm_call__user() */
	const struct bpfvm_prog *tail_to; /* set by bpf_tail_call, taken after it */
	const struct isa_insn *start;    /* where the loop begins: the entry, or
					  * a callback's first instruction */
	unsigned stop_depth;             /* an exit at this depth ends the loop:
					  * 0, or a callback's frame */
	unsigned tail_calls;             /* tail calls made in this run */
	uint32_t cpu;                    /* opts->cpu: per-CPU map slot */
	struct bpfvm_error *err;

	struct interp_frame frames[BPFVM_MAX_CALL_DEPTH];
	_Alignas(16) uint8_t stack[INTERP_STACK_BYTES];
};

/* The top (r10) of frame k. */
static inline uint64_t state_frame_top(const struct interp_state *st, unsigned k)
{
	return (uint64_t)(uintptr_t)(st->stack + (BPFVM_MAX_CALL_DEPTH - k) * BPFVM_STACK_SIZE);
}

/* Point r10 and region MEM_STACK at frames 0..depth. */
static inline void state_set_depth(struct interp_state *st, unsigned depth)
{
	st->depth = depth;
	st->reg[10] = state_frame_top(st, depth);
	mem_set(&st->mem, MEM_STACK,
		st->stack + (BPFVM_MAX_CALL_DEPTH - 1 - depth) * BPFVM_STACK_SIZE,
		(uint64_t)(depth + 1) * BPFVM_STACK_SIZE, true);
}

/* Run prog's instructions from now on (start, a tail call, a return to a
 * frame whose program a tail call replaced). */
static inline void state_set_program(struct interp_state *st, const struct bpfvm_prog *prog)
{
	st->prog = prog;
	st->insns = prog->insns;
	st->raw = prog->raw;
}

/* Enter a BPF-to-BPF call made by instruction call: save r6..r9 and where
 * to resume. The caller has checked that a frame is free. */
static inline void state_push_frame(struct interp_state *st, const struct isa_insn *call)
{
	struct interp_frame *f = &st->frames[st->depth];
	for (int i = 0; i < 4; i++)
		f->saved[i] = st->reg[6 + i];
	f->call = call;
	f->prog = st->prog;
	state_set_depth(st, st->depth + 1);
	/* A fresh frame reads as zeros, whatever an earlier call left. */
	memset((void *)(uintptr_t)(st->reg[10] - BPFVM_STACK_SIZE), 0, BPFVM_STACK_SIZE);
}

/* Leave the current (non-main) frame; returns the call instruction. */
static inline const struct isa_insn *state_pop_frame(struct interp_state *st)
{
	struct interp_frame *f = &st->frames[st->depth - 1];
	for (int i = 0; i < 4; i++)
		st->reg[6 + i] = f->saved[i];
	state_set_program(st, f->prog);
	state_set_depth(st, st->depth - 1);
	return f->call;
}

#endif /* BPFVM_INTERP_STATE_H */
