/*
 * interp.c - the checked interpreter: set up a run, pick a loop, report.
 *
 * interp_run() builds the whole run state (registers, stack, memory
 * regions, budgets) on its own C stack and hands it to one of two copies of
 * the dispatch loop in loop.h: the plain one, or the one that traces every
 * instruction. Nothing is shared between runs but the immutable program.
 *
 * Invariants at the first instruction (what bpfvm_prog__run() promises):
 * r1 = mem (0 when NULL), r2 = mem_len, r10 = top of frame 0, every other
 * register 0; every stack frame zeroed when entered (frame 0 now, the
 * others at the call), so runs are deterministic; the
 * regions are the stack frames in use and [mem, mem + mem_len), writable.
 *
 * Counting: opts->insn_count receives the instructions started, on success
 * and on failure alike. An instruction that fails (a fault, a helper's
 * bpfvm_call__fail()) was started and is counted; one refused because the
 * budget ran out was not. Traces show only instructions that completed.
 */
#include <inttypes.h>
#include <string.h>

#include "common/error.h"
#include "interp.h"
#include "maps/map.h"
#include "prog/prog.h"

/* The two copies of the dispatch loop. */
#define INTERP_LOOP_NAME interp_loop_plain
#define INTERP_TRACED 0
#include "loop.h"
#undef INTERP_LOOP_NAME
#undef INTERP_TRACED

#define INTERP_LOOP_NAME interp_loop_traced
#define INTERP_TRACED 1
#include "loop.h"
#undef INTERP_LOOP_NAME
#undef INTERP_TRACED

int interp_run(const struct bpfvm_prog *prog, void *mem, size_t mem_len,
	       const struct bpfvm_run_opts *opts, uint64_t *ret, struct bpfvm_error *err)
{
	struct interp_state st;

	memset(st.reg, 0, sizeof(st.reg));
	/* Only frame 0 now; a frame is zeroed when a call enters it. Zeroing
	 * all 4 KiB up front cost most of a short program's run. */
	memset(st.stack + INTERP_STACK_BYTES - BPFVM_STACK_SIZE, 0, BPFVM_STACK_SIZE);
	memset(&st.mem, 0, sizeof(st.mem)); /* unset regions have len 0 */
	state_set_depth(&st, 0);
	if (mem)
		mem_set(&st.mem, MEM_INPUT, mem, mem_len, true);
	/* The caller's extra regions (checked by bpfvm_prog__run), then maps. */
	const struct bpfvm_region *extra = OPTS_GET(opts, regions, NULL);
	size_t n_extra = extra ? OPTS_GET(opts, n_regions, 0) : 0;
	for (size_t i = 0; i < n_extra; i++)
		mem_set(&st.mem, MEM_INPUT + 1 + (unsigned)i, extra[i].base, extra[i].len,
			extra[i].writable);
	mem_add_map_regions(&st.mem, prog);
	st.reg[1] = (uint64_t)(uintptr_t)mem;
	st.reg[2] = mem_len;

	st.loops = INTERP_MAY_GOTO_BUDGET;
	st.budget = OPTS_GET(opts, insn_budget, 0);
	st.left = st.budget ? st.budget : UINT64_MAX;
	state_set_program(&st, prog);
	st.tail_to = NULL;
	st.tail_calls = 0;
	st.start = prog->insns;
	st.stop_depth = 0;
	const void *packet = OPTS_GET(opts, packet, NULL);
	st.pkt = packet ? packet : mem;
	st.pkt_len = packet ? OPTS_GET(opts, packet_len, 0) : mem ? mem_len : 0;
	st.trace = OPTS_GET(opts, trace, NULL);
	st.trace_ctx = OPTS_GET(opts, trace_ctx, NULL);
	st.user = OPTS_GET(opts, user, NULL);
	st.cpu = OPTS_GET(opts, cpu, 0);
	st.err = err;

	const uint64_t start = st.left;
	int rc = st.trace ? interp_loop_traced(&st) : interp_loop_plain(&st);

	uint64_t *count = OPTS_GET(opts, insn_count, NULL);
	if (count)
		*count = start - st.left;
	if (rc == 0)
		*ret = st.reg[0];
	return rc;
}

int interp_callback(struct interp_state *st, const struct isa_insn *entry, const uint64_t args[5],
		    const void *ro, size_t ro_len, uint64_t *ret)
{
	long pc = (long)(entry - st->insns);
	if (st->depth + 1 >= BPFVM_MAX_CALL_DEPTH)
		return err_insn(st->err, -E2BIG, pc, "callback: call depth exceeds %d frames",
				BPFVM_MAX_CALL_DEPTH);
	/* The read-only region (a key the helper shows the callback) takes
	 * the next free slot for the callback's duration. */
	unsigned saved_n = st->mem.n;
	if (ro) {
		if (saved_n >= MEM_MAX_REGIONS)
			return err_insn(st->err, -E2BIG, pc,
					"callback: no free memory region for its key");
		mem_set(&st->mem, saved_n, ro, ro_len, false);
	}
	/* A frame of its own, as a BPF-to-BPF call; the helper's r1..r5 are
	 * clobbered anyway, and r6..r9 come back when the frame is popped. */
	state_push_frame(st, NULL);
	memcpy(&st->reg[1], args, 5 * sizeof(uint64_t));
	const struct isa_insn *saved_start = st->start;
	unsigned saved_stop = st->stop_depth;
	st->start = entry;
	st->stop_depth = st->depth;
	int rc = st->trace ? interp_loop_traced(st) : interp_loop_plain(st);
	st->start = saved_start;
	st->stop_depth = saved_stop;
	st->mem.n = saved_n;
	if (rc == 0) {
		*ret = st->reg[0];
		(void)state_pop_frame(st);
	}
	return rc;
}
