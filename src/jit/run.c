/*
 * run.c - running JIT'd code, and the bridge from it to helpers.
 *
 * jit_run() sets up what interp_run() sets up (same registers, a stack of
 * BPFVM_MAX_CALL_DEPTH frames, the same memory regions for helpers'
 * checks, the same may_goto budget and LD_ABS packet) and calls the
 * image's entry. What a run does not always need is left out or made lazy,
 * since this fixed cost is paid by every run:
 * - Stack frames are zeroed only for programs that may read stack they did
 *   not write (prog_zero_frames: those the verifier did not check, from
 *   prog_load_trusted, and those it let read such bytes): frame 0 here,
 *   deeper frames by the machine code when a call enters them, a
 *   callback's by jit_callback(). The verifier proves that the others
 *   never read a stack byte they did not write, so their frames start as
 *   whatever the C stack held, as in the kernel. A tail call into a
 *   program that needs zeroed frames zeroes the frame it continues in
 *   (jit_call_tail), so no program sees host bytes.
 * - The region map helpers check memory against (run->mem) is built by
 *   jit_run_mem() when a helper is first called through the bridge or a
 *   callback first runs; most runs of verified programs never need it
 *   (map lookups are direct calls or inline: lower_map.c).
 *
 * Differences from the interpreter, by design:
 * - no per-access checks (the JIT trusts verified programs);
 * - helpers checking memory see all stack frames, not only those in use;
 * - opts->insn_count receives 0: machine code does not count.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/pkt_hdr.h"
#include "filter.h"
#include "interp/call.h"
#include "interp/state.h"
#include "jit.h"
#include "maps/map.h"
#include "prog/prog.h"
#include "run.h"

/* The error for an id no helper has, worded as the interpreter's. */
static void unknown_helper(struct jit_run *run)
{
	const struct isa_insn *in = &run->prog->insns[run->pc];
	if (isa_table[in->id].shape == ISA_SHAPE_CALLX)
		run->rc = err_insn(run->err, -EINVAL, run->pc,
				   "callx r%d: no helper with id %" PRIu64 " in this vm", in->dst,
				   run->helper);
	else
		run->rc = err_insn(run->err, -EINVAL, run->pc,
				   "call to helper %" PRIu64 ", which this vm does not provide",
				   run->helper);
}

/* The regions as interp_run() sets them up: the whole stack, the run's
 * memory, the caller's extra regions, then the maps of the program the
 * run started in. */
static void build_mem(struct jit_run *run)
{
	struct mem_map *m = &run->mem;
	m->n = 0;
	m->vm = NULL;
	mem_set(m, MEM_STACK, (void *)(uintptr_t)run->stack_limit, INTERP_STACK_BYTES, true);
	if (run->in)
		mem_set(m, MEM_INPUT, run->in, run->in_len, true);
	else
		mem_set(m, MEM_INPUT, NULL, 0, false); /* present, but empty */
	const struct bpfvm_run_opts *opts = run->opts;
	const struct bpfvm_region *extra = OPTS_GET(opts, regions, NULL);
	size_t n_extra = extra ? OPTS_GET(opts, n_regions, 0) : 0;
	for (size_t i = 0; i < n_extra; i++)
		mem_set(m, MEM_INPUT + 1 + (unsigned)i, extra[i].base, extra[i].len,
			extra[i].writable);
	mem_add_map_regions(m, run->root);
	run->mem_ready = true;
}

struct mem_map *jit_run_mem(struct jit_run *run)
{
	if (!run->mem_ready)
		build_mem(run);
	return &run->mem;
}

uint64_t jit_helper_call(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			 struct jit_run *run)
{
	const struct vm_helper *h = vm_helper(run->prog->vm, run->helper);
	if (!h) { /* callx, or an id unregistered since the load */
		unknown_helper(run);
		return 0;
	}
	run->reg[1] = r1;
	run->reg[2] = r2;
	run->reg[3] = r3;
	run->reg[4] = r4;
	run->reg[5] = r5;
	struct bpfvm_call call = {
		.vm = run->prog->vm, .prog = run->prog, .cpu = run->cpu, .st = NULL,
		.jit = run, .mem = jit_run_mem(run), .reg = run->reg, .user = run->user, .err = run->err,
		.pc = run->pc,
	};
	uint64_t r0 = h->fn(r1, r2, r3, r4, r5, &call);
	run->rc = call.fail_code;
	return r0;
}

int jit_call_tail(struct jit_run *run, struct bpfvm_call *call, const struct bpfvm_prog *prog)
{
	if (run->tail_calls >= INTERP_MAX_TAIL_CALLS)
		return -E2BIG;
	if (!prog->jit) {
		/* The kernel refuses such a prog array (jited must match). */
		char msg[BPFVM_ERR_MSG_MAX];
		snprintf(msg, sizeof(msg),
			 "bpf_tail_call: program '%s' runs in the interpreter; machine code can "
			 "tail-call only programs loaded with the JIT", prog->name);
		bpfvm_call__fail(call, -ENOTSUP, msg);
		return -ENOTSUP;
	}
	run->tail_calls++;
	/* A program that may read stack it did not write continues in a
	 * zeroed frame (the one r10 points above): machine code does not zero
	 * the frames of the verified programs that tail-call, so the frame
	 * may hold host bytes below what the caller wrote. (The interpreter
	 * zeroes those frames when entered, and its target sees what the
	 * caller wrote, as in the kernel: a difference in bytes that no
	 * program can rely on, since the kernel gives whatever they held.) */
	if (prog_zero_frames(prog))
		memset((void *)(uintptr_t)(run->reg[10] - BPFVM_STACK_SIZE), 0, BPFVM_STACK_SIZE);
	run->tail_to = (uint64_t)(uintptr_t)prog->jit->code + prog->jit->off[0];
	run->prog = prog;
	return 0;
}

/* The error a run stopped with, as a negative errno with err filled. */
static int run_error(struct jit_run *run)
{
	if (run->rc == JIT_FAIL_DEPTH)
		return err_insn(run->err, -E2BIG, run->pc, "call depth exceeds %d frames",
				BPFVM_MAX_CALL_DEPTH);
	return run->rc;
}

int jit_callback(struct jit_run *run, size_t pc, const uint64_t args[5], const void *ro,
		 size_t ro_len, uint64_t *ret)
{
	const struct bpfvm_prog *prog = run->prog;
	/* A frame of its own below the caller's, as a BPF-to-BPF call. */
	uint64_t top = run->reg[10] - BPFVM_STACK_SIZE;
	if (top <= run->stack_limit)
		return err_insn(run->err, -E2BIG, (long)pc, "callback: call depth exceeds %d frames",
				BPFVM_MAX_CALL_DEPTH);
	struct mem_map *mem = jit_run_mem(run);
	unsigned saved_n = mem->n;
	if (ro) {
		if (saved_n >= MEM_MAX_REGIONS)
			return err_insn(run->err, -E2BIG, (long)pc,
					"callback: no free memory region for its key");
		mem_set(mem, saved_n, ro, ro_len, false);
	}
	if (prog_zero_frames(prog))
		memset((void *)(uintptr_t)(top - BPFVM_STACK_SIZE), 0, BPFVM_STACK_SIZE);
	/* The entry overwrites what the helper's caller still needs: its
	 * registers as the helper saw them, and where its own entry's stack
	 * is (for its failure exit). */
	uint64_t saved_reg[BPFVM_NREGS];
	memcpy(saved_reg, run->reg, sizeof(saved_reg));
	uint64_t saved_rsp = run->saved_rsp;
	memcpy(&run->reg[1], args, 5 * sizeof(uint64_t));
	jit_entry_fn entry = (jit_entry_fn)prog->jit->code;
	uint64_t r0 = entry(run, top, (uint64_t)(uintptr_t)prog->jit->code + prog->jit->off[pc]);
	run->saved_rsp = saved_rsp;
	memcpy(run->reg, saved_reg, sizeof(saved_reg));
	run->prog = prog;
	mem->n = saved_n;
	if (run->rc)
		return run_error(run);
	*ret = r0;
	return 0;
}

/* What every run of prog sets up, whatever its input. Field by field, no
 * memset: what the code reads, and what the lazy parts need (reg[0] and
 * reg[6..10] are written before anything reads them: at helper calls). */
static void run_setup(struct jit_run *run, const struct bpfvm_prog *prog, uint8_t *stack,
		      const struct bpfvm_run_opts *opts, struct bpfvm_error *err)
{
	run->stack_limit = (uint64_t)(uintptr_t)stack;
	run->cpu = OPTS_GET(opts, cpu, 0);
	run->opts = opts;
	run->root = prog;
	run->user = OPTS_GET(opts, user, NULL);
	run->err = err;
	pkt_hdr_offs(opts, &run->pkt_net, &run->pkt_ll);
}

/* One input: what the code reads of it, and what a run changes (tail
 * calls change prog; helpers build mem from in). Returns r0, or sets
 * run->rc. */
static uint64_t run_input(struct jit_run *run, uint8_t *stack, void *mem, size_t mem_len,
			  const void *packet, size_t packet_len)
{
	const struct bpfvm_prog *prog = run->root;
	run->reg[1] = (uint64_t)(uintptr_t)mem;
	run->reg[2] = mem_len;
	run->reg[3] = run->reg[4] = run->reg[5] = 0;
	run->rc = 0;
	run->pc = 0;
	run->helper = 0;
	run->saved_rsp = 0;
	run->tail_to = 0;
	run->pkt = (uint64_t)(uintptr_t)(packet ? packet : mem);
	run->pkt_len = packet ? packet_len : mem ? mem_len : 0;
	run->prog = prog;
	run->loops = INTERP_MAY_GOTO_BUDGET;
	run->tail_calls = 0;
	run->mem_ready = false;
	run->in = mem;
	run->in_len = mem_len;
	if (prog_zero_frames(prog))
		memset(stack + INTERP_STACK_BYTES - BPFVM_STACK_SIZE, 0, BPFVM_STACK_SIZE);
	jit_entry_fn entry = (jit_entry_fn)prog->jit->code;
	return entry(run, (uint64_t)(uintptr_t)(stack + INTERP_STACK_BYTES),
		     (uint64_t)(uintptr_t)prog->jit->code + prog->jit->off[0]);
}

int jit_run(const struct bpfvm_prog *prog, void *mem, size_t mem_len,
	    const struct bpfvm_run_opts *opts, uint64_t *ret, struct bpfvm_error *err)
{
	_Alignas(16) uint8_t stack[INTERP_STACK_BYTES];
	struct jit_run run;
	run_setup(&run, prog, stack, opts, err);
	const void *packet = OPTS_GET(opts, packet, NULL);
	uint64_t r0 = run_input(&run, stack, mem, mem_len, packet,
				packet ? OPTS_GET(opts, packet_len, 0) : 0);
	uint64_t *count = OPTS_GET(opts, insn_count, NULL);
	if (count)
		*count = 0;
	if (run.rc)
		return run_error(&run);
	*ret = r0;
	return 0;
}

int jit_run_batch(const struct bpfvm_prog *prog, struct bpfvm_run_item *items, size_t n,
		  const struct bpfvm_run_opts *opts, size_t *done, struct bpfvm_error *err)
{
	_Alignas(16) uint8_t stack[INTERP_STACK_BYTES];
	struct jit_run run;
	run_setup(&run, prog, stack, opts, err);
	uint64_t *count = OPTS_GET(opts, insn_count, NULL);
	if (count)
		*count = 0;
	if (prog_zero_frames(prog)) {
		/* frame 0 is zeroed before each input, from C (unverified
		 * programs, in tests only, and those reading stack they did
		 * not write: rare, and not worth a second batch entry) */
		for (size_t i = 0; i < n; i++) {
			struct bpfvm_run_item *it = &items[i];
			uint64_t r0 = run_input(&run, stack, it->mem, it->mem_len, it->packet,
						it->packet_len);
			if (run.rc) {
				if (done)
					*done = i;
				return run_error(&run);
			}
			it->ret = r0;
		}
		if (done)
			*done = n;
		return 0;
	}
	/* The image's batch entry loops over the items (lower.h); it returns
	 * early at a failure, and at a packet-load exit, which ends that
	 * item's run with r0 = 0: the loop resumes after it. */
	run.batch_end = items + n;
	jit_entry_fn batch = (jit_entry_fn)((uint8_t *)prog->jit->code + prog->jit->batch_off);
	uint64_t fn = (uint64_t)(uintptr_t)prog->jit->code + prog->jit->off[0];
	size_t i = 0;
	while (i < n) {
		run.batch_item = &items[i];
		run.rc = 0;
		run.pc = 0;
		run.tail_to = 0;
		batch(&run, (uint64_t)(uintptr_t)(stack + INTERP_STACK_BYTES), fn);
		i = (size_t)(run.batch_item - items);
		if (run.rc) {
			if (done)
				*done = i;
			return run_error(&run);
		}
		if (i < n)
			items[i++].ret = 0;
	}
	if (done)
		*done = n;
	return 0;
}

int jit_run_filter(const struct bpfvm_prog *prog, struct jit_filter_pkt *pkts, size_t n,
		   struct bpfvm_error *err)
{
	if (!prog->jit || !prog->verified)
		return err_insn(err, -EINVAL, -1,
				"the filter entry runs verified programs with machine code only");
	if (prog->reads_uninit) /* classic BPF's checker makes M[] written first */
		return err_insn(err, -ENOTSUP, (long)prog->vstats.uninit_insn,
				"the filter entry runs programs that read only stack they wrote");
	if (!n)
		return 0;
	_Alignas(16) uint8_t stack[INTERP_STACK_BYTES];
	struct jit_run run;
	run_setup(&run, prog, stack, NULL, err);
	run.rc = 0;
	run.pc = 0;
	run.tail_to = 0;
	run.batch_item = (struct bpfvm_run_item *)(void *)pkts;
	run.batch_end = (struct bpfvm_run_item *)(void *)(pkts + n);
	/* the loop runs to the end but at a failure (lower_filter.c) */
	jit_entry_fn filter = (jit_entry_fn)((uint8_t *)prog->jit->code + prog->jit->batch_off +
					     JIT_FILTER_AT);
	filter(&run, (uint64_t)(uintptr_t)(stack + INTERP_STACK_BYTES), 0);
	if (run.rc == -ENOTSUP)
		return err_insn(err, -ENOTSUP, -1,
				"the filter entry runs programs without helper calls, callx or "
				"may_goto only");
	if (run.rc)
		return run_error(&run);
	return 0;
}
