/*
 * verifier.c - path exploration: the driver of the verifier.
 *
 * Depth-first over program paths with an explicit stack of pending
 * branches. Each instruction's transfer function is picked by the SHAPE
 * column of isa_table.def. At a conditional jump whose outcome the ranges
 * do not decide, the taken side is pushed and the fall-through continues;
 * each side is refined by the condition.
 *
 * Pruning: at prune points (jump targets, fall-throughs of conditional
 * jumps, call returns) the state is compared with the states stored there.
 * A stored state whose paths are all finished (branches == 0) and that
 * covers the current one ends the path (state.c). A stored state still
 * being explored is on the current loop: if it equals the current state
 * exactly the loop can never end; otherwise the loop is followed further,
 * and storing a new state there is rate-limited (the kernel's heuristic)
 * so long bounded loops do not hoard states.
 *
 * Termination: at most opts->insn_budget (1,000,000) instructions are
 * processed over all paths; running out names the last loop taken.
 *
 * Liveness: a backward data-flow pass computes, per instruction, the
 * registers that some path may read before writing; pruning ignores the
 * others.
 */
#include <bpf/btf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "hooks/hooks.h"
#include "verifier/vfy.h"

int vfy_err(struct venv *env, int code, uint32_t pc, const char *fmt, ...)
{
	char msg[BPFVM_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vlog(env, "insn %u: %s\n", pc, msg);
	return err_insn(env->err, code, (long)pc, "%s", msg);
}

int vfy_check_init(struct venv *env, struct vstate *s, uint32_t pc, unsigned regno)
{
	if (vcur(s)->regs[regno].type == VT_NOT_INIT)
		return vfy_err(env, -EACCES, pc,
			       "r%u is not initialised: it is read before any value was written "
			       "to it",
			       regno);
	return 0;
}

uint32_t vfy_new_id(struct venv *env)
{
	return ++env->next_id;
}

/* ------------------------------------------------------------------ */
/* Static analysis: prune points and liveness                          */

static uint32_t jump_target(const struct isa_insn *in, const struct isa_desc *d, uint32_t pc)
{
	int64_t delta = (d->fields & ISA_F_BRI) ? in->imm : in->off;
	return (uint32_t)((int64_t)pc + 1 + delta);
}

#define R(n) (1u << (n))
#define ARGS (R(1) | R(2) | R(3) | R(4) | R(5))

static void uses_defs(const struct isa_insn *in, const struct isa_desc *d, uint16_t *use,
		      uint16_t *def)
{
	uint16_t u = 0, w = 0;
	switch (d->shape) {
	case ISA_SHAPE_ALU_K:
		u = d->op == ISA_OP_MOV ? 0 : R(in->dst);
		w = R(in->dst);
		break;
	case ISA_SHAPE_ALU_X:
		u = (uint16_t)(R(in->src) | (d->op == ISA_OP_MOV ? 0 : R(in->dst)));
		w = R(in->dst);
		break;
	case ISA_SHAPE_MOVSX:
	case ISA_SHAPE_LDX:
	case ISA_SHAPE_LDXSX:
	case ISA_SHAPE_LOAD_ACQ:
		u = R(in->src);
		w = R(in->dst);
		break;
	case ISA_SHAPE_NEG:
	case ISA_SHAPE_END_LE:
	case ISA_SHAPE_END_BE:
	case ISA_SHAPE_BSWAP:
		u = w = R(in->dst);
		break;
	case ISA_SHAPE_LDDW:
		w = R(in->dst);
		break;
	case ISA_SHAPE_ST:
	case ISA_SHAPE_JMP_K:
		u = R(in->dst);
		break;
	case ISA_SHAPE_STX:
	case ISA_SHAPE_STORE_REL:
	case ISA_SHAPE_ATOMIC:
	case ISA_SHAPE_JMP_X:
		u = (uint16_t)(R(in->dst) | R(in->src));
		break;
	case ISA_SHAPE_ATOMIC_FETCH:
	case ISA_SHAPE_XCHG:
		u = (uint16_t)(R(in->dst) | R(in->src));
		w = R(in->src);
		break;
	case ISA_SHAPE_CMPXCHG:
		u = (uint16_t)(R(in->dst) | R(in->src) | R(0));
		w = R(0);
		break;
	case ISA_SHAPE_CALL_HELPER:
	case ISA_SHAPE_CALL_LOCAL:
	case ISA_SHAPE_CALL_KFUNC:
	case ISA_SHAPE_CALLX:
		u = (uint16_t)(ARGS | (d->shape == ISA_SHAPE_CALLX ? R(in->dst) : 0));
		w = R(0) | ARGS;
		break;
	case ISA_SHAPE_EXIT:
		u = R(0);
		break;
	case ISA_SHAPE_LD_ABS:
	case ISA_SHAPE_LD_IND:
		u = (uint16_t)(R(6) | (d->shape == ISA_SHAPE_LD_IND ? R(in->src) : 0));
		w = R(0) | ARGS;
		break;
	default:
		break;
	}
	*use = u;
	*def = w;
}

static void analyse(struct venv *env)
{
	size_t n = env->n;
	env->prune_point[0] = 1;
	for (uint32_t pc = 0; pc < n; pc++) {
		const struct isa_insn *in = &env->insns[pc];
		if (in->id == ISA__WIDE_HI)
			continue;
		const struct isa_desc *d = &isa_table[in->id];
		switch (d->shape) {
		case ISA_SHAPE_JA:
		case ISA_SHAPE_JA32:
			env->prune_point[jump_target(in, d, pc)] = 1;
			break;
		case ISA_SHAPE_JMP_K:
		case ISA_SHAPE_JMP_X:
		case ISA_SHAPE_MAY_GOTO:
			env->prune_point[jump_target(in, d, pc)] = 1;
			if (pc + 1 < n)
				env->prune_point[pc + 1] = 1;
			break;
		case ISA_SHAPE_CALL_LOCAL:
			env->prune_point[jump_target(in, d, pc)] = 1;
			if (pc + 1 < n)
				env->prune_point[pc + 1] = 1;
			break;
		default:
			break;
		}
	}
	/* Loops the run time bounds converge at 2s (callback.c): a helper
	 * call a callback comes back to, and may_goto. */
	for (uint32_t pc = 0; pc < n; pc++) {
		const struct isa_insn *in = &env->insns[pc];
		if (in->id == ISA__WIDE_HI)
			continue;
		const struct isa_desc *d = &isa_table[in->id];
		if (d->shape == ISA_SHAPE_MAY_GOTO ||
		    (d->shape == ISA_SHAPE_CALL_HELPER && vfy_calls_callback(env, (uint32_t)in->imm)))
			env->prune_point[pc] = 2;
	}
	/* live_in = use | (live_out & ~def), to a fixpoint */
	bool changed = true;
	while (changed) {
		changed = false;
		for (size_t i = n; i-- > 0;) {
			const struct isa_insn *in = &env->insns[i];
			if (in->id == ISA__WIDE_HI)
				continue;
			const struct isa_desc *d = &isa_table[in->id];
			uint16_t use, def, out = 0;
			uint32_t pc = (uint32_t)i;
			uses_defs(in, d, &use, &def);
			switch (d->shape) {
			case ISA_SHAPE_EXIT:
				break;
			case ISA_SHAPE_JA:
			case ISA_SHAPE_JA32:
				out = env->live_in[jump_target(in, d, pc)];
				break;
			case ISA_SHAPE_JMP_K:
			case ISA_SHAPE_JMP_X:
			case ISA_SHAPE_MAY_GOTO:
				out = env->live_in[jump_target(in, d, pc)];
				if (pc + 1 < n)
					out |= env->live_in[pc + 1];
				break;
			default: {
				uint32_t next = pc + ((d->fields & ISA_F_WIDE) ? 2 : 1);
				if (next < n)
					out = env->live_in[next];
				break;
			}
			}
			uint16_t li = (uint16_t)(use | (out & ~def));
			if (li != env->live_in[pc]) {
				env->live_in[pc] = li;
				changed = true;
			}
		}
	}
}

/* ------------------------------------------------------------------ */
/* Exploration                                                         */

struct pending {
	struct vstate *v;
	size_t n, cap;
};

/* Pending branches at once (the kernel's BPF_COMPLEXITY_LIMIT_JMP_SEQ):
 * bounds the memory a path that forks at every step can take. */
#define VFY_MAX_PENDING 8192

/* Queue s (a path to explore later; pc: the instruction that forked it).
 * s moves into the queue; when it cannot, it is freed and the refusal
 * returned. */
static int push(struct venv *env, struct pending *p, struct vstate *s, uint32_t pc)
{
	if (p->n >= VFY_MAX_PENDING) {
		vstate_free(s);
		return vfy_err(env, -E2BIG, pc,
			       "the program is too complex: more than %d branches are pending at "
			       "once here (the kernel's limit)",
			       VFY_MAX_PENDING);
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct vstate *v = realloc(p->v, cap * sizeof(*v));
		if (!v) {
			vstate_free(s);
			return vfy_err(env, -ENOMEM, pc, "out of memory");
		}
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = *s;
	env->mem_pending += vstate_bytes(s);
	if (env->mem_stored + env->mem_pending > env->st.peak_mem)
		env->st.peak_mem = env->mem_stored + env->mem_pending;
	if (s->parent)
		s->parent->branches++;
	if (p->n > env->st.peak_states)
		env->st.peak_states = (uint32_t)p->n;
	return 0;
}

/* A path ended (exit, pruned, or a dead branch side). */
static void finish_path(struct vstate *s)
{
	for (struct vsl *sl = s->parent; sl; sl = sl->st.parent)
		if (--sl->branches)
			break;
}

static int loop_err(struct venv *env, struct vstate *s, uint32_t pc, bool exact)
{
	uint32_t at = s->backedge_to, from = s->backedge_pc;
	if (exact) /* (a jump to itself at insn 0 has at == from == 0) */
		return vfy_err(env, -EINVAL, from,
			       "the loop at insn %u..%u never ends: it comes back to insn %u in "
			       "exactly the same state",
			       at, from, at);
	if (!from && !at)
		return vfy_err(env, -E2BIG, pc,
			       "the program does not end within the budget of %llu processed "
			       "instructions (too many paths)",
			       (unsigned long long)env->budget);
	return vfy_err(env, -E2BIG, from,
		       "the loop at insn %u..%u does not end within the instruction budget "
		       "(%llu instructions processed): bound it with a counter the verifier "
		       "can follow",
		       at, from, (unsigned long long)env->budget);
}

/* Eviction (the kernel's heuristic): a stored state that failed to cover
 * more than EVICT_N + EVICT_N * hits later states leaves its list; it stays
 * allocated, as the ancestor of others, until the end. */
#define EVICT_N 3
#define VFY_MAX_HIST 128

/* 1: pruned; 0: go on; < 0: error. */
static int visit(struct venv *env, struct vstate *s, uint32_t pc)
{
	/* A state still being explored here means s is in a loop through pc:
	 * different iterations rarely cover each other, so store a new state
	 * only every 100 instructions or 20 jumps. */
	bool add = true;
	for (struct vsl *sl = env->explored[pc]; sl; sl = sl->next)
		if (sl->branches && env->st.insns_processed - env->prev_insns < 100 &&
		    env->jmps - env->prev_jmps < 20)
			add = false;
	/* but a path's history since its last stored state stays short (the
	 * kernel's jmp_history bound): pending copies carry it */
	if (s->hlen > VFY_MAX_HIST)
		add = true;
	/* a loop the run time bounds (a callback call, may_goto) converges
	 * only against states kept there */
	if (env->prune_point[pc] == 2)
		add = true;
	struct vsl *loop_old = NULL;
	for (struct vsl **pp = &env->explored[pc], *sl; (sl = *pp);) {
		if (sl->branches && env->prune_point[pc] == 2) {
			/* a loop the run time bounds: the iterations from s are
			 * among those being explored from sl (callback.c) */
			if (vstate_within(env, &sl->st, s)) {
				vfy_mark_all_precise(s);
				sl->hits++;
				env->st.pruned++;
				return 1;
			}
			if (!loop_old)
				loop_old = sl;
		} else if (sl->branches) {
			if (sl->st.iter_depth == s->iter_depth && vstate_equal(env, &sl->st, s)) {
				if (!s->backedge_pc && !s->backedge_to) {
					s->backedge_to = pc;
					s->backedge_pc = pc;
				}
				return loop_err(env, s, pc, true);
			}
		} else if (vstate_covers(env, &sl->st, s)) {
			vfy_propagate_precision(env, &sl->st, s);
			sl->hits++;
			env->st.pruned++;
			return 1;
		}
		/* a miss; counted only when s is stored instead, so that loop
		 * iterations do not evict the states of earlier ones */
		if (add && ++sl->misses > EVICT_N + EVICT_N * sl->hits) {
			*pp = sl->next;
			continue;
		}
		pp = &sl->next;
	}
	if (loop_old)
		vfy_callback_widen(&loop_old->st, s);
	if (!add)
		return 0;
	struct vsl *sl = calloc(1, sizeof(*sl));
	if (!sl || vstate_copy(&sl->st, s)) {
		free(sl);
		return vfy_err(env, -ENOMEM, pc, "out of memory");
	}
	sl->branches = 1;
	sl->st.parent = s->parent;
	s->parent = sl;
	s->hlen = 0; /* the history of s now starts at sl */
	sl->next = env->explored[pc];
	env->explored[pc] = sl;
	sl->all_next = env->all;
	env->all = sl;
	env->st.states++;
	env->mem_stored += vstate_bytes(&sl->st) + sizeof(*sl) - sizeof(sl->st);
	if (env->mem_stored + env->mem_pending > env->st.peak_mem)
		env->st.peak_mem = env->mem_stored + env->mem_pending;
	env->prev_insns = env->st.insns_processed;
	env->prev_jmps = env->jmps;
	return 0;
}

static void note_jump(struct vstate *s, uint32_t pc, uint32_t target)
{
	if (target <= pc) {
		s->backedge_pc = pc;
		s->backedge_to = target;
	}
}

/* The ranges decided a conditional jump: its scalar operands' values
 * matter (precise.c). */
static void mark_cond_precise(struct venv *env, struct vstate *s, const struct isa_insn *in,
			      const struct isa_desc *d)
{
	if (d->shape == ISA_SHAPE_MAY_GOTO)
		return;
	vfy_mark_precise(env, s, in->dst);
	if (d->shape == ISA_SHAPE_JMP_X)
		vfy_mark_precise(env, s, in->src);
}

/* Run one path from s until it ends. 1: path done; 0 never; < 0 error. */
static int run_path(struct venv *env, struct vstate *s, struct pending *pend)
{
	int err;
	for (;;) {
		uint32_t pc = s->pc;
		if (pc >= env->n)
			return vfy_err(env, -EINVAL, pc ? pc - 1 : 0, "execution falls off the end");
		if (++env->st.insns_processed > env->budget)
			return loop_err(env, s, pc, false);
		env->seen[pc] = 1; /* a pruned path reached pc too */
		if (env->prune_point[pc]) {
			err = visit(env, s, pc);
			if (err < 0)
				return err;
			if (err == 1) {
				if (env->log_level >= 2)
					vlog(env, "%u: safe: a stored state covers this one\n", pc);
				finish_path(s);
				return 1;
			}
		}
		if (vfy_hist_push(s, pc))
			return vfy_err(env, -ENOMEM, pc, "out of memory");
		const struct isa_insn *in = &env->insns[pc];
		const struct isa_desc *d = &isa_table[in->id];
		if (env->log_level >= 2) {
			uint16_t use, def;
			uses_defs(in, d, &use, &def);
			vlog_insn(env, s, pc, use);
		}
		switch (d->shape) {
		case ISA_SHAPE_ALU_K:
		case ISA_SHAPE_ALU_X:
		case ISA_SHAPE_NEG:
		case ISA_SHAPE_MOVSX:
		case ISA_SHAPE_END_LE:
		case ISA_SHAPE_END_BE:
		case ISA_SHAPE_BSWAP:
		case ISA_SHAPE_LDDW:
			if ((err = vfy_alu(env, s, in, d, pc)))
				return err;
			s->pc = pc + ((d->fields & ISA_F_WIDE) ? 2 : 1);
			break;
		case ISA_SHAPE_LDX:
		case ISA_SHAPE_LDXSX:
		case ISA_SHAPE_ST:
		case ISA_SHAPE_STX:
		case ISA_SHAPE_ATOMIC:
		case ISA_SHAPE_ATOMIC_FETCH:
		case ISA_SHAPE_XCHG:
		case ISA_SHAPE_CMPXCHG:
		case ISA_SHAPE_LOAD_ACQ:
		case ISA_SHAPE_STORE_REL:
		case ISA_SHAPE_LD_ABS:
		case ISA_SHAPE_LD_IND:
			if ((err = vfy_mem(env, s, in, d, pc)))
				return err;
			s->pc = pc + 1;
			break;
		case ISA_SHAPE_JA:
		case ISA_SHAPE_JA32: {
			uint32_t t = jump_target(in, d, pc);
			note_jump(s, pc, t);
			s->pc = t;
			break;
		}
		case ISA_SHAPE_JMP_K:
		case ISA_SHAPE_JMP_X:
		case ISA_SHAPE_MAY_GOTO: {
			uint32_t t = jump_target(in, d, pc);
			int outcome = -1;
			env->jmps++;
			if (d->shape != ISA_SHAPE_MAY_GOTO &&
			    (err = vfy_branch_outcome(env, s, in, d, pc, &outcome)))
				return err;
			bool dead;
			if (outcome == 1 || outcome == 0) {
				mark_cond_precise(env, s, in, d);
				if (d->shape != ISA_SHAPE_MAY_GOTO)
					vfy_branch_refine(env, s, in, d, outcome == 1, &dead);
				if (outcome == 1)
					note_jump(s, pc, t);
				s->pc = outcome == 1 ? t : pc + 1;
				break;
			}
			struct vstate other;
			if (vstate_copy(&other, s))
				return vfy_err(env, -ENOMEM, pc, "out of memory");
			bool dead_t = false, dead_f = false;
			if (d->shape != ISA_SHAPE_MAY_GOTO) {
				vfy_branch_refine(env, &other, in, d, true, &dead_t);
				vfy_branch_refine(env, s, in, d, false, &dead_f);
			}
			if (dead_t || dead_f)
				mark_cond_precise(env, s, in, d);
			if (dead_t) {
				vstate_free(&other);
			} else {
				note_jump(&other, pc, t);
				other.pc = t;
				if ((err = push(env, pend, &other, pc)))
					return err;
			}
			if (dead_f) {
				finish_path(s);
				return 1;
			}
			if (d->shape == ISA_SHAPE_MAY_GOTO)
				s->iter_depth++; /* one more iteration */
			s->pc = pc + 1;
			break;
		}
		case ISA_SHAPE_CALL_HELPER:
			if ((err = vfy_helper_call(env, s, in, pc)))
				return err;
			if (env->cb_pending) { /* the callback's call: a path of its own */
				struct vstate *cb = env->cb_pending;
				env->cb_pending = NULL;
				err = push(env, pend, cb, pc); /* moves *cb into pend */
				free(cb);
				if (err)
					return err;
			}
			s->pc = pc + 1;
			break;
		case ISA_SHAPE_CALL_LOCAL: {
			uint32_t next;
			if ((err = vfy_local_call(env, s, in, pc, &next)))
				return err;
			s->pc = next;
			break;
		}
		case ISA_SHAPE_EXIT: {
			uint32_t next;
			bool done;
			if ((err = vfy_exit(env, s, pc, &next, &done)))
				return err;
			if (done) {
				finish_path(s);
				return 1;
			}
			s->pc = next;
			break;
		}
		default: {
			char m[32];
			return vfy_err(env, -ENOTSUP, pc,
				       "%s is not supported by the verifier yet",
				       isa_mnemonic(d, m, sizeof(m)));
		}
		}
	}
}

int vfy_check(struct bpfvm_prog *prog, const struct vfy_opts *opts,
	      struct vfy_stats *stats, struct bpfvm_error *err)
{
	struct venv env;
	struct pending pend = { 0 };
	struct vstate cur;
	int ret = 0;

	err_clear(err);
	if (stats)
		memset(stats, 0, sizeof(*stats));
	if (!prog)
		return err_set(err, -EINVAL, "vfy_check: NULL program");
	if (!OPTS_CHECK(vfy_opts, opts))
		return err_set(err, -EINVAL, "vfy_check: unknown fields set in opts");
	memset(&env, 0, sizeof(env));
	memset(&cur, 0, sizeof(cur));
	env.prog = prog;
	env.insns = prog->insns;
	env.n = prog->n;
	env.err = err;
	env.ctx_size = OPTS_GET(opts, ctx_size, 0);
	env.ht = hook_type_find(prog->vm, OPTS_GET(opts, prog_type, 0));
	env.attach_type = OPTS_GET(opts, attach_type, 0);
	env.budget = OPTS_GET(opts, insn_budget, 0);
	if (!env.budget)
		env.budget = VFY_INSN_BUDGET;
	env.log = OPTS_GET(opts, log_buf, NULL);
	env.log_size = env.log ? OPTS_GET(opts, log_size, 0) : 0;
	if (!env.log_size)
		env.log = NULL;
	if (env.log) {
		env.log[0] = 0;
		env.log_level = OPTS_GET(opts, log_level, 0);
		if (!env.log_level)
			env.log_level = 1;
	}
	if (!env.n)
		return err_set(err, -EINVAL, "empty program");

	env.prune_point = calloc(env.n, 1);
	env.seen = calloc(env.n, 1);
	env.is_subprog = calloc(env.n, 1);
	env.live_in = calloc(env.n, sizeof(*env.live_in));
	env.explored = calloc(env.n, sizeof(*env.explored));
	env.subprog_depth = calloc(env.n, sizeof(*env.subprog_depth));
	env.cb_target = calloc(env.n, sizeof(*env.cb_target));
	env.rw = calloc(env.n, sizeof(*env.rw));
	if (!env.prune_point || !env.seen || !env.is_subprog || !env.live_in || !env.explored ||
	    !env.subprog_depth || !env.rw || !env.cb_target) {
		ret = err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	env.is_subprog[0] = 1;
	analyse(&env);

	cur.fr[0] = vframe_new(0, 0, 0);
	if (!cur.fr[0]) {
		ret = err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	struct vreg *r1 = &cur.fr[0]->regs[1];
	r1->type = VT_PTR_TO_CTX;
	r1->s = scal_const(0);
	if (env.ht)
		cur.fr[0]->regs[2] = vreg_not_init(); /* typed contexts: r1 only */
	else
		cur.fr[0]->regs[2] = vreg_const(env.ctx_size);

	for (;;) {
		ret = run_path(&env, &cur, &pend);
		if (ret < 0 && env.log) {
			vlog_path(&env, &cur);
			vlog(&env, "the registers and stack at insn %u:", cur.pc);
			vlog_regs(&env, &cur, 0xffff, true);
			vlog(&env, "\n");
		}
		vstate_free(&cur);
		if (ret < 0)
			goto out;
		if (!pend.n)
			break;
		cur = pend.v[--pend.n];
		env.mem_pending -= vstate_bytes(&cur);
		if (env.log_level >= 2) {
			vlog(&env, "from %u to %u:", cur.hlen ? cur.hist[cur.hlen - 1].idx : 0, cur.pc);
			vlog_regs(&env, &cur, 0xffff, false);
			vlog(&env, "\n");
		}
	}
	ret = vfy_check_stack_depth(&env);
	if (!ret && env.ht)
		vfy_ctx_rewrite(&env, prog);
	/* Which insns no path reaches: the JIT leaves them out. Not for the
	 * raw type, kept simple (its runs give r2 = ctx_size, prog.c, so it
	 * could). */
	if (!ret && env.ht) {
		free(prog->vfy_seen);
		prog->vfy_seen = env.seen;
		env.seen = NULL;
	}
out:
	vstate_free(&cur);
	while (pend.n)
		vstate_free(&pend.v[--pend.n]);
	free(pend.v);
	for (struct vsl *sl = env.all, *nx; sl; sl = nx) {
		nx = sl->all_next;
		vstate_free(&sl->st);
		free(sl);
	}
	if (stats)
		*stats = env.st;
	free(env.prune_point);
	free(env.seen);
	free(env.is_subprog);
	free(env.live_in);
	free(env.explored);
	free(env.subprog_depth);
	free(env.cb_target);
	free(env.rw);
	btf__free(env.kbtf);
	return ret < 0 ? ret : 0;
}
