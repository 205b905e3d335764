/*
 * run.h - one run of JIT'd code: the context the machine code reaches
 * through r12, the helper-call bridge, and the entry from C.
 *
 * The context lives on the C stack of jit_run() like the interpreter's
 * state: runs share nothing but the immutable image, so a program may run
 * on many threads at once. The first fields sit at fixed offsets the
 * machine code uses (lower.h, checked below).
 */
#ifndef BPFVM_JIT_RUN_H
#define BPFVM_JIT_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfvm.h"
#include "interp/mem.h"
#include "lower.h"

struct jit_run {
	uint64_t reg[BPFVM_NREGS]; /* r1..r5 loaded at entry; r0, r6..r10 stored
				    * at helper calls, r1..r5 by the bridge */
	int32_t rc;                /* 0, or the error that stopped the run */
	int32_t pc;                /* the helper call / failing instruction */
	uint64_t helper;           /* the helper id being called (64 bits: callx
				    * takes it from a register) */
	uint64_t saved_rsp;        /* rsp after the innermost entry's pushes */
	uint64_t stack_limit;      /* the lowest frame's bottom: r10 must stay above */
	uint64_t tail_to;          /* code a tail call continues at, set by
				    * bpf_tail_call, cleared by the code; else 0 */
	uint64_t pkt;              /* LD_ABS/LD_IND packet and its length */
	uint64_t pkt_len;
	const struct bpfvm_prog *prog; /* whose code runs: tail calls change it,
					* programs that make them restore it */
	uint32_t loops;            /* may_goto budget left */
	uint32_t tail_calls;       /* tail calls made in this run */
	uint32_t cpu;              /* the worker: per-CPU map lookups read it */
	/* Written by the batch entry only (once per input): */
	bool mem_ready;            /* mem is built (jit_run_mem) */
	void *in;                  /* the run's memory and options, to build */
	size_t in_len;             /* mem from when a helper first needs it */
	const struct bpfvm_run_opts *opts;
	const struct bpfvm_prog *root; /* the program the run started in */
	void *user;
	struct bpfvm_error *err;
	struct bpfvm_run_item *batch_item; /* the batch entry's input now */
	struct bpfvm_run_item *batch_end;  /* one past its last */
	int64_t pkt_net, pkt_ll;   /* the packet's headers (common/pkt_hdr.h) */
	/* Not touched by machine code: */
	struct mem_map mem;        /* what helpers may check memory against */
};

#define JIT_RUN_CHECK(field, disp) \
	_Static_assert(offsetof(struct jit_run, field) == (disp) + JIT_RUN_BIAS, #field)
JIT_RUN_CHECK(reg, JIT_RUN_REG(0));
JIT_RUN_CHECK(rc, JIT_RUN_RC);
JIT_RUN_CHECK(pc, JIT_RUN_PC);
JIT_RUN_CHECK(helper, JIT_RUN_HELPER);
JIT_RUN_CHECK(saved_rsp, JIT_RUN_SAVED_RSP);
JIT_RUN_CHECK(stack_limit, JIT_RUN_STACK_LIMIT);
JIT_RUN_CHECK(tail_to, JIT_RUN_TAIL_TO);
JIT_RUN_CHECK(pkt, JIT_RUN_PKT);
JIT_RUN_CHECK(pkt_len, JIT_RUN_PKT_LEN);
JIT_RUN_CHECK(prog, JIT_RUN_PROG);
JIT_RUN_CHECK(loops, JIT_RUN_LOOPS);
JIT_RUN_CHECK(tail_calls, JIT_RUN_TAIL_CALLS);
JIT_RUN_CHECK(cpu, JIT_RUN_CPU);
JIT_RUN_CHECK(mem_ready, JIT_RUN_MEM_READY);
JIT_RUN_CHECK(in, JIT_RUN_IN);
JIT_RUN_CHECK(in_len, JIT_RUN_IN_LEN);
JIT_RUN_CHECK(root, JIT_RUN_ROOT);
JIT_RUN_CHECK(batch_item, JIT_RUN_BATCH_ITEM);
JIT_RUN_CHECK(batch_end, JIT_RUN_BATCH_END);
JIT_RUN_CHECK(pkt_net, JIT_RUN_PKT_NET);
JIT_RUN_CHECK(pkt_ll, JIT_RUN_PKT_LL);
#undef JIT_RUN_CHECK
_Static_assert(offsetof(struct jit_run, pkt_ll) + 8 <= 2 * JIT_RUN_BIAS,
	       "the fields the code touches are within a disp8 of r12");
_Static_assert(offsetof(struct bpfvm_run_item, mem) == JIT_ITEM_MEM &&
		       offsetof(struct bpfvm_run_item, mem_len) == JIT_ITEM_MEM_LEN &&
		       offsetof(struct bpfvm_run_item, packet) == JIT_ITEM_PACKET &&
		       offsetof(struct bpfvm_run_item, packet_len) == JIT_ITEM_PACKET_LEN &&
		       offsetof(struct bpfvm_run_item, ret) == JIT_ITEM_RET &&
		       sizeof(struct bpfvm_run_item) == JIT_ITEM_SIZE,
	       "the batch entry's view of struct bpfvm_run_item");

/*
 * The image's entry point (offset 0): the prologue loads r1..r5 from
 * run->reg[1..5], zeroes r0 and r6..r9, sets r10 and calls the BPF
 * function at code address fn. Returns its r0; when the code failed,
 * run->rc says why (the value returned is then meaningless).
 */
typedef uint64_t (*jit_entry_fn)(struct jit_run *run, uint64_t r10, uint64_t fn);
/* The batch entry (image + batch_off) has the same signature: it runs fn
 * on run->batch_item.. up to run->batch_end (see lower.h). */

/* run->mem, built on first use: the regions helpers check memory
 * against are set up only by runs that call a helper through the bridge
 * or run a callback, not by every run. */
struct mem_map *jit_run_mem(struct jit_run *run);

/* Called by JIT'd code for a helper call: run->helper with r1..r5;
 * returns r0 and sets run->rc when the helper failed the run. */
uint64_t jit_helper_call(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			 struct jit_run *run);

#endif /* BPFVM_JIT_RUN_H */
