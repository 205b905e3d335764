/*
 * interp.c - the interpreter: prepare a program, set up a run, pick a
 * loop, report.
 *
 * interp_run() builds the run state (registers, stack, budgets) on its own
 * C stack and hands it to one of three copies of the dispatch loop in
 * loop.h: the checked one, the one that traces every instruction, or, for
 * a verified program when the run asks for no budget, count or trace, the
 * trusted one, which runs the form interp_prog_prepare() made of the
 * program at load (code.h). Nothing is shared between runs but the
 * immutable program.
 *
 * Invariants at the first instruction (what bpfvm_prog__run() promises):
 * r1 = mem (0 when NULL), r2 = mem_len, r10 = top of frame 0, every other
 * register 0; every stack frame zeroed when entered (frame 0 now, the
 * others at the call), so runs are deterministic, except where the
 * verifier proved that no byte is read before it is written (code.h); the
 * regions are the stack frames in use and [mem, mem + mem_len), writable.
 *
 * Counting: opts->insn_count receives the instructions started, on success
 * and on failure alike. An instruction that fails (a fault, a helper's
 * bpfvm_call__fail()) was started and is counted; one refused because the
 * budget ran out was not. Traces show only instructions that completed.
 * Runs that count or trace take the checked loop.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/pkt_hdr.h"
#include "helpers/helpers_impl.h"
#include "interp.h"
#include "maps/map.h"
#include "prog/prog.h"

/* The three copies of the dispatch loop. */
#define INTERP_LOOP_NAME interp_loop_plain
#define INTERP_TRACED 0
#define INTERP_TRUSTED 0
#include "loop.h"
#undef INTERP_LOOP_NAME
#undef INTERP_TRACED
#undef INTERP_TRUSTED

#define INTERP_LOOP_NAME interp_loop_traced
#define INTERP_TRACED 1
#define INTERP_TRUSTED 0
#include "loop.h"
#undef INTERP_LOOP_NAME
#undef INTERP_TRACED
#undef INTERP_TRUSTED

#define INTERP_LOOP_NAME interp_loop_trusted
#define INTERP_TRACED 0
#define INTERP_TRUSTED 1
#include "loop.h"
#undef INTERP_LOOP_NAME
#undef INTERP_TRACED
#undef INTERP_TRUSTED

/* Run st from st->start in the loop it may use: the trusted one for a
 * verified program when nothing is counted or traced, else a checked one
 * (also for the rest of a run that a tail call took into an unverified
 * program). */
static int interp_exec(struct interp_state *st)
{
	if (st->may_trust && st->ops) {
		int rc = interp_loop_trusted(st, NULL);
		if (rc != INTERP_SWITCH)
			return rc;
	}
	(void)state_mem(st); /* the checked loops read the regions */
	return st->trace ? interp_loop_traced(st, NULL) : interp_loop_plain(st, NULL);
}

/* What a run takes from prog and opts, the same for every input of a
 * batch. */
static void run_setup(struct interp_state *st, const struct bpfvm_prog *prog,
		      const struct bpfvm_run_opts *opts, struct bpfvm_error *err)
{
	st->opts = opts;
	st->root = prog;
	st->budget = OPTS_GET(opts, insn_budget, 0);
	st->trace = OPTS_GET(opts, trace, NULL);
	st->trace_ctx = OPTS_GET(opts, trace_ctx, NULL);
	st->user = OPTS_GET(opts, user, NULL);
	st->cpu = OPTS_GET(opts, cpu, 0);
	st->err = err;
	st->may_trust = !st->budget && !OPTS_GET(opts, insn_count, NULL) && !st->trace;
	pkt_hdr_offs(opts, &st->pkt_net, &st->pkt_ll);
}

/* One run of st->root over one input (packet NULL: LD_ABS reads mem);
 * stores the instructions it started in *count when count is set. */
static int run_one(struct interp_state *st, void *mem, size_t mem_len, const void *packet,
		   size_t packet_len, uint64_t *count, uint64_t *ret)
{
	/* Plain stores: a memset of the registers compiles to `rep stos`,
	 * whose start-up cost was a third of a short program's setup. */
	for (unsigned i = 0; i < BPFVM_NREGS; i++)
		st->reg[i] = 0;
	st->mem_ready = false; /* built when first needed: state_mem() */
	st->stack_dirty = false;
	st->in = mem;
	st->in_len = mem_len;
	state_set_program(st, st->root);
	state_set_depth(st, 0);
	/* Only frame 0 now; a frame is zeroed when a call enters it. Zeroing
	 * all 4 KiB up front cost most of a short program's run. */
	state_fresh_frame(st);
	st->reg[1] = (uint64_t)(uintptr_t)mem;
	st->reg[2] = mem_len;

	st->loops = INTERP_MAY_GOTO_BUDGET;
	st->left = st->budget ? st->budget : UINT64_MAX;
	st->tail_to = NULL;
	st->tail_calls = 0;
	st->start = 0;
	st->stop_depth = 0;
	st->pkt = packet ? packet : mem;
	st->pkt_len = packet ? packet_len : mem ? mem_len : 0;

	const uint64_t start = st->left;
	int rc = interp_exec(st);

	if (count)
		*count = start - st->left;
	if (rc == 0)
		*ret = st->reg[0];
	return rc;
}

int interp_run(const struct bpfvm_prog *prog, void *mem, size_t mem_len,
	       const struct bpfvm_run_opts *opts, uint64_t *ret, struct bpfvm_error *err)
{
	struct interp_state st;

	run_setup(&st, prog, opts, err);
	const void *packet = OPTS_GET(opts, packet, NULL);
	return run_one(&st, mem, mem_len, packet, packet ? OPTS_GET(opts, packet_len, 0) : 0,
		       OPTS_GET(opts, insn_count, NULL), ret);
}

int interp_run_batch(const struct bpfvm_prog *prog, struct bpfvm_run_item *items, size_t n,
		     const struct bpfvm_run_opts *opts, size_t *done, struct bpfvm_error *err)
{
	struct interp_state st;

	run_setup(&st, prog, opts, err);
	uint64_t *count = OPTS_GET(opts, insn_count, NULL);
	for (size_t i = 0; i < n; i++) {
		struct bpfvm_run_item *it = &items[i];
		int rc = run_one(&st, it->mem, it->mem_len, it->packet,
				 it->packet ? it->packet_len : 0, count, &it->ret);
		if (rc)
			return rc;
		if (done)
			*done = i + 1;
	}
	return 0;
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
	struct mem_map *m = state_mem(st);
	unsigned saved_n = m->n;
	if (ro) {
		if (saved_n >= MEM_MAX_REGIONS)
			return err_insn(st->err, -E2BIG, pc,
					"callback: no free memory region for its key");
		mem_set(m, saved_n, ro, ro_len, false);
	}
	/* A frame of its own, as a BPF-to-BPF call; the helper's r1..r5 are
	 * clobbered anyway, and r6..r9 come back when the frame is popped
	 * (here: its resume slot is not used). */
	state_push_frame(st, 0);
	memcpy(&st->reg[1], args, 5 * sizeof(uint64_t));
	const size_t saved_start = st->start;
	unsigned saved_stop = st->stop_depth;
	st->start = (size_t)pc;
	st->stop_depth = st->depth;
	int rc = interp_exec(st);
	st->start = saved_start;
	st->stop_depth = saved_stop;
	m->n = saved_n;
	if (rc == 0) {
		*ret = st->reg[0];
		(void)state_pop_frame(st);
	}
	return rc;
}

/* Can the program make a tail call? A call of bpf_tail_call (by the
 * kernel's id, or whatever id it is registered under now) or a callx. */
static bool may_tail_call(const struct bpfvm_prog *prog)
{
	for (size_t pc = 0; pc < prog->n; pc++) {
		const struct isa_insn *in = &prog->insns[pc];
		if (in->id == ISA__WIDE_HI)
			continue;
		unsigned shape = isa_table[in->id].shape;
		if (shape == ISA_SHAPE_CALLX)
			return true;
		if (shape != ISA_SHAPE_CALL_HELPER)
			continue;
		const struct vm_helper *h = vm_helper(prog->vm, (uint32_t)in->imm);
		if (in->imm == INTERP_BPF_FUNC_TAIL_CALL || (h && h->fn == helper_tail_call))
			return true;
	}
	return false;
}

#if INTERP_COMPUTED_GOTO
/* The rows of fuse.h's pairs, triples and taken jumps. */
static const uint16_t fuse_pairs[INTERP_FUSE_N][2] = {
#define FUSE_IDS(A, B) { ISA_##A, ISA_##B },
	INTERP_FUSE_PAIRS(FUSE_IDS)
#undef FUSE_IDS
};
static const uint16_t fuse_triples[INTERP_FUSE3_N][3] = {
#define FUSE_IDS(A, B, C) { ISA_##A, ISA_##B, ISA_##C },
	INTERP_FUSE_TRIPLES(FUSE_IDS)
#undef FUSE_IDS
};
static const uint16_t fuse_taken[INTERP_FUSET_N][2] = {
#define FUSE_IDS(A, B) { ISA_##A, ISA_##B },
	INTERP_FUSE_TAKEN(FUSE_IDS)
#undef FUSE_IDS
};

/* Which form of a fused handler fits (loop.h): does the last slot read
 * register d, the first's dst, as its src or its dst? */
static unsigned fuse_form(unsigned d, const struct isa_insn *last)
{
	return last->src == d ? INTERP_FUSE_DS : last->dst == d ? INTERP_FUSE_DD : INTERP_FUSE_XX;
}

/*
 * The trusted loop's fused handler for slot pc of prog (fuse.h), or NULL:
 * a triple or a pair starting there, or a jump fused with its target. A
 * jump that has both takes the target's when it jumps backwards (a loop
 * edge, mostly taken) or is a `goto`.
 */
static const void *fuse_choose(const void *const *labels, const struct bpfvm_prog *prog,
			       size_t pc)
{
	const struct isa_insn *a = &prog->insns[pc];
	const struct isa_insn *b = pc + 1 < prog->n ? a + 1 : NULL;
	const struct isa_insn *c = pc + 2 < prog->n ? a + 2 : NULL;
	if (a->id >= ISA__COUNT)
		return NULL; /* ld_imm64's second slot */
	const void *taken = NULL;
	unsigned shape = isa_table[a->id].shape;
	long to = (long)pc + 1 + a->off;
	if ((shape == ISA_SHAPE_JA || shape == ISA_SHAPE_JMP_K || shape == ISA_SHAPE_JMP_X) &&
	    to >= 0 && (size_t)to < prog->n) {
		for (unsigned k = 0; k < INTERP_FUSET_N && !taken; k++)
			if (fuse_taken[k][0] == a->id && fuse_taken[k][1] == prog->insns[to].id)
				taken = labels[INTERP_X_FUSET + k];
		if (taken && (shape == ISA_SHAPE_JA || a->off < 0))
			return taken;
	}
	for (unsigned k = 0; c && k < INTERP_FUSE3_N; k++) {
		if (fuse_triples[k][0] != a->id || fuse_triples[k][1] != b->id ||
		    fuse_triples[k][2] != c->id)
			continue;
		unsigned form = b->dst == a->dst ? fuse_form(a->dst, c) : INTERP_FUSE_XX;
		return labels[INTERP_X_FUSE3 + INTERP_FUSE_FORMS * k + form];
	}
	for (unsigned k = 0; b && k < INTERP_FUSE_N; k++)
		if (fuse_pairs[k][0] == a->id && fuse_pairs[k][1] == b->id)
			return labels[INTERP_X_FUSE + INTERP_FUSE_FORMS * k + fuse_form(a->dst, b)];
	return taken;
}
#endif

int interp_prog_prepare(struct bpfvm_prog *prog, struct bpfvm_error *err)
{
	if (!prog->verified || prog->interp)
		return 0;
	struct interp_code *c = malloc(sizeof(*c) + prog->n * sizeof(c->ops[0]) +
				       prog->n_maps * sizeof(c->maps[0]));
	if (!c)
		return err_set(err, -ENOMEM, "out of memory");
	c->n_maps = prog->n_maps;
	c->maps = (struct interp_map *)(void *)&c->ops[prog->n];
	for (size_t i = 0; i < prog->n_maps; i++) {
		struct bpfvm_map *map = prog->maps[i];
		struct interp_map *m = &c->maps[i];
		void *values = NULL;
		*m = (struct interp_map){ .map = map };
		if (map->ops->lookup && !(map->map_flags & BPFVM_F_WRONLY_PROG) &&
		    array_map_layout(map, &values, &m->elem_size)) {
			m->values = values;
			m->max_entries = map->max_entries;
		}
	}
	const void *const *labels = NULL;
	(void)interp_loop_trusted(NULL, &labels);
	c->n = prog->n;
	c->zero_frames = may_tail_call(prog) || prog_zero_frames(prog);
	uint64_t wide = 0; /* the last ld_imm64's value */
	for (size_t pc = 0; pc < prog->n; pc++) {
		const struct isa_insn *in = &prog->insns[pc];
		struct interp_op *op = &c->ops[pc];
		unsigned id = in->id <= ISA__WIDE_HI ? in->id : ISA__WIDE_HI;
		memset(op, 0, sizeof(*op));
#if INTERP_COMPUTED_GOTO
		op->run.label = labels[id];
		if (id < ISA__COUNT && isa_table[id].shape == ISA_SHAPE_CALL_HELPER &&
		    prog->n_maps && call_is_checked_map_lookup(prog->vm, in->imm))
			op->run.label = labels[INTERP_X_MAP_LOOKUP];
		const void *fused = fuse_choose(labels, prog, pc);
		if (fused)
			op->run.label = fused;
#else
		op->run.id = id;
#endif
		op->dst = in->dst;
		op->src = in->src;
		op->off = in->off;
		op->imm = in->imm;
		if (id == ISA__WIDE_HI) {
			op->imm = alu_s32(wide >> 32);
		} else if (isa_table[id].shape == ISA_SHAPE_LDDW) {
			wide = in->imm64;
			op->imm = alu_s32(wide);
		}
	}
	prog->interp = c;
	return 0;
}

void interp_prog_free(struct bpfvm_prog *prog)
{
	free(prog->interp);
	prog->interp = NULL;
}
