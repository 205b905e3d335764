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
 *   and the slot of the call instruction, to resume after it. Slots are
 *   indexes, not pointers, so that either loop (checked or trusted) can
 *   resume a frame the other one entered.
 * - A frame is zeroed when entered, unless the running program's
 *   zero_frames says its verification makes that unneeded (code.h); then
 *   stack_dirty is set, and a tail call into a program that needs zeroed
 *   frames (prog_zero_frames) zeroes the frames in use first (call_tail),
 *   so such code never reads host bytes.
 * - mem (the regions) is built on first need (state_mem()): by a helper
 *   call, a callback, or the checked loop; the trusted loop itself never
 *   reads it. Until then mem_ready is false, and in, in_len, opts and
 *   root say what it will hold.
 */
#ifndef BPFVM_INTERP_STATE_H
#define BPFVM_INTERP_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bpfvm.h"
#include "code.h"
#include "common/error.h"
#include "isa/isa.h"
#include "mem.h"
#include "prog/prog.h"

/* The kernel's BPF_MAX_LOOPS: may_goto iterations allowed per run. */
#define INTERP_MAY_GOTO_BUDGET (8u * 1024 * 1024)

#define INTERP_STACK_BYTES (BPFVM_MAX_CALL_DEPTH * BPFVM_STACK_SIZE)

struct interp_frame {
	uint64_t saved[4];               /* the caller's r6..r9 */
	size_t call;                     /* the call's slot, to resume after */
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
	const struct interp_code *code;  /* prog->interp, NULL if none */
	const struct interp_op *ops;     /* its ops, NULL if none */
	bool zero_frames;                /* zero a frame when a call enters it */
	bool stack_dirty;                /* some frame in use was not zeroed */
	bool mem_ready;                  /* mem is built */
	bool may_trust;                  /* no budget, count or trace: verified
					  * code may run in the trusted loop */
	const struct bpfvm_insn *raw;    /* prog->raw, for traces */
	const uint8_t *pkt;              /* LD_ABS/LD_IND packet: the input */
	uint64_t pkt_len;
	int64_t pkt_net, pkt_ll;         /* its headers (common/pkt_hdr.h) */
	bpfvm_trace_fn trace;
	void *trace_ctx;
	void *user;                      /* for helpers, bpfvm_call__user() */
	const struct bpfvm_prog *tail_to; /* set by bpf_tail_call, taken after it */
	size_t start;                    /* the slot the loop begins at: 0, a
					  * callback's first instruction, or
					  * where a trusted loop handed over */
	unsigned stop_depth;             /* an exit at this depth ends the loop:
					  * 0, or a callback's frame */
	unsigned tail_calls;             /* tail calls made in this run */
	uint32_t cpu;                    /* opts->cpu: per-CPU map slot */
	struct bpfvm_error *err;
	void *in;                        /* the run's memory and options, */
	uint64_t in_len;                 /* for building mem when needed */
	const struct bpfvm_run_opts *opts;
	const struct bpfvm_prog *root;   /* the program the run started in */

	struct interp_frame frames[BPFVM_MAX_CALL_DEPTH];
	_Alignas(16) uint8_t stack[INTERP_STACK_BYTES];
};

/* The top (r10) of frame k. */
static inline uint64_t state_frame_top(const struct interp_state *st, unsigned k)
{
	return (uint64_t)(uintptr_t)(st->stack + (BPFVM_MAX_CALL_DEPTH - k) * BPFVM_STACK_SIZE);
}

/* Region MEM_STACK: frames 0..depth. */
static inline void state_mem_stack(struct interp_state *st)
{
	mem_set(&st->mem, MEM_STACK,
		st->stack + (BPFVM_MAX_CALL_DEPTH - 1 - st->depth) * BPFVM_STACK_SIZE,
		(uint64_t)(st->depth + 1) * BPFVM_STACK_SIZE, true);
}

/* Point r10 (and region MEM_STACK, once built) at frames 0..depth. */
static inline void state_set_depth(struct interp_state *st, unsigned depth)
{
	st->depth = depth;
	st->reg[10] = state_frame_top(st, depth);
	if (st->mem_ready)
		state_mem_stack(st);
}

/* The regions as they are now (see mem.h), built on the first call: the
 * stack frames in use, the run's memory, the caller's extra regions, then
 * the maps of the program the run started in. */
static inline struct mem_map *state_mem(struct interp_state *st)
{
	if (!st->mem_ready) {
		memset(&st->mem, 0, sizeof(st->mem)); /* unset regions have len 0 */
		state_mem_stack(st);
		if (st->in)
			mem_set(&st->mem, MEM_INPUT, st->in, st->in_len, true);
		const struct bpfvm_region *extra = OPTS_GET(st->opts, regions, NULL);
		size_t n_extra = extra ? OPTS_GET(st->opts, n_regions, 0) : 0;
		for (size_t i = 0; i < n_extra; i++)
			mem_set(&st->mem, MEM_INPUT + 1 + (unsigned)i, extra[i].base,
				extra[i].len, extra[i].writable);
		mem_add_map_regions(&st->mem, st->root);
		st->mem_ready = true;
	}
	return &st->mem;
}

/* Run prog's instructions from now on (start, a tail call, a return to a
 * frame whose program a tail call replaced). */
static inline void state_set_program(struct interp_state *st, const struct bpfvm_prog *prog)
{
	st->prog = prog;
	st->insns = prog->insns;
	st->raw = prog->raw;
	st->code = prog->interp;
	st->ops = prog->interp ? prog->interp->ops : NULL;
	st->zero_frames = prog->interp ? prog->interp->zero_frames : true;
}

/* The frame below r10 reads as zeros from now on, unless the running
 * program does not need it (code.h). */
static inline void state_fresh_frame(struct interp_state *st)
{
	if (st->zero_frames)
		memset((void *)(uintptr_t)(st->reg[10] - BPFVM_STACK_SIZE), 0, BPFVM_STACK_SIZE);
	else
		st->stack_dirty = true;
}

/* Enter a BPF-to-BPF call made by the instruction at slot call: save
 * r6..r9 and where to resume. The caller has checked that a frame is
 * free. */
static inline void state_push_frame(struct interp_state *st, size_t call)
{
	struct interp_frame *f = &st->frames[st->depth];
	for (int i = 0; i < 4; i++)
		f->saved[i] = st->reg[6 + i];
	f->call = call;
	f->prog = st->prog;
	state_set_depth(st, st->depth + 1);
	/* A fresh frame reads as zeros, whatever an earlier call left. */
	state_fresh_frame(st);
}

/* Leave the current (non-main) frame; returns the call's slot. */
static inline size_t state_pop_frame(struct interp_state *st)
{
	struct interp_frame *f = &st->frames[st->depth - 1];
	for (int i = 0; i < 4; i++)
		st->reg[6 + i] = f->saved[i];
	state_set_program(st, f->prog);
	state_set_depth(st, st->depth - 1);
	return f->call;
}

#endif /* BPFVM_INTERP_STATE_H */
