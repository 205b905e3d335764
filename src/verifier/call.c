/*
 * call.c - helper calls, BPF-to-BPF calls, exits and the stack budget.
 *
 * Helper call (the kernel's check_helper_call): each argument register is
 * checked against the helper's prototype from the vm's table; memory
 * arguments are checked with their size argument (whose range must be
 * bounded); r0 gets the return kind (a map value or NULL carries a fresh
 * id, so a NULL test on any copy settles all of them); r1-r5 become
 * NOT_INIT. Releasing a ringbuf record turns every copy of its pointer
 * into a scalar, so it cannot be used after submit/discard.
 *
 * BPF-to-BPF call: a new frame whose r1-r5 are the caller's, r10 its own
 * stack; the caller's r1-r5 are dead after the call, r6-r9 and its stack
 * survive, r0 is the callee's. At most 8 frames; a callee's stack pointer
 * cannot be returned. The combined stack of any call chain, each frame
 * rounded up to 32 bytes as the kernel's interpreter does, is <= 512.
 */
#include <errno.h>
#include <stdio.h>

#include "hooks/hooks.h"
#include "maps/map.h"
#include "verifier/vfy.h"

#define MAX_VAR_SIZE (1ull << 29)

/* Helpers the verifier gives meaning beyond their prototypes (the
 * kernel's uapi ids, as in helper_table.def). */
enum { FN_MAP_LOOKUP = 1, FN_TAIL_CALL = 12, FN_SPIN_LOCK = 93, FN_SPIN_UNLOCK = 94 };

struct argmeta {
	bool has_cb;
	uint32_t cb_target;               /* PTR_TO_FUNC: the callback */
	struct vreg cb_ctx;               /* PTR_TO_STACK_OR_NULL */
	const struct bpfvm_map *lock_map; /* PTR_TO_SPIN_LOCK: where */
	uint32_t lock_id;
	int64_t lock_off;
	const struct bpfvm_map *map;
	unsigned mem_reg;   /* the previous PTR_TO_MEM argument, 0 = none */
	bool mem_write;
	uint64_t alloc_size;
	uint32_t release_ref;
};

static const char *helper_name(struct venv *env, uint32_t id, char *buf, size_t size)
{
	const char *n = bpfvm_vm__helper_name(env->prog->vm, id);
	if (!n)
		n = bpfvm_helper_kernel_name(id);
	if (n)
		snprintf(buf, size, "bpf_%s", n);
	else
		snprintf(buf, size, "helper %u", id);
	return buf;
}

struct release {
	uint32_t ref;
};

static void release_ref(struct vreg *r, void *ctx)
{
	const struct release *rel = ctx;
	if (r->ref_id == rel->ref)
		*r = vreg_unknown();
}

static int check_arg(struct venv *env, struct vstate *s, uint32_t pc, const char *hname,
		     unsigned regno, enum bpfvm_arg_kind kind, struct argmeta *meta)
{
	struct vreg *r = &vcur(s)->regs[regno];
	char what[96], w[96];
	int err;
	snprintf(what, sizeof(what), "argument %u of %s", regno, hname);
	vreg_describe(r, w, sizeof(w));
	if (kind == BPFVM_ARG_NONE)
		return 0;
	if (r->type == VT_NOT_INIT)
		return vfy_err(env, -EACCES, pc, "r%u (%s) is not initialised", regno, what);
	switch (kind) {
	case BPFVM_ARG_ANYTHING:
		return 0;
	case BPFVM_ARG_CONST_MAP_PTR:
		if (r->type != VT_CONST_PTR_TO_MAP)
			return vfy_err(env, -EACCES, pc,
				       "r%u (%s) must be a map (ld_imm64 of a map), not a %s", regno,
				       what, w);
		meta->map = r->map;
		return 0;
	case BPFVM_ARG_PTR_TO_MAP_KEY:
	case BPFVM_ARG_PTR_TO_MAP_VALUE:
	case BPFVM_ARG_PTR_TO_UNINIT_MAP_VALUE: {
		if (!meta->map)
			return vfy_err(env, -EACCES, pc, "%s: no map argument before r%u", hname,
				       regno);
		bool key = kind == BPFVM_ARG_PTR_TO_MAP_KEY;
		/* pop and peek write the value: the bytes need not be set, and
		 * whatever was spilled there is gone (the kernel's MEM_UNINIT) */
		bool out = kind == BPFVM_ARG_PTR_TO_UNINIT_MAP_VALUE;
		uint32_t n = key ? meta->map->key_size : meta->map->value_size;
		if (r->type == VT_SCALAR)
			return vfy_err(env, -EACCES, pc,
				       "r%u (%s) must point to the %u-byte %s (on the stack or in a "
				       "map value), not be a scalar",
				       regno, what, n, key ? "key" : "value");
		snprintf(what, sizeof(what), "the %s for %s", key ? "key" : "value", hname);
		return vfy_helper_mem(env, s, pc, regno, n, n, out, what);
	}
	case BPFVM_ARG_PTR_TO_MEM:
	case BPFVM_ARG_PTR_TO_UNINIT_MEM:
	case BPFVM_ARG_PTR_TO_LONG:
		if (r->type == VT_SCALAR)
			vfy_mark_precise(env, s, regno); /* NULL or not */
		if (r->type == VT_SCALAR && !(scal_is_const(&r->s) && r->s.t.value == 0 &&
					      kind != BPFVM_ARG_PTR_TO_LONG))
			return vfy_err(env, -EACCES, pc, "r%u (%s) must be a pointer to memory, "
				       "not a scalar", regno, what);
		if (kind == BPFVM_ARG_PTR_TO_LONG)
			return vfy_helper_mem(env, s, pc, regno, 8, 8, true, what);
		meta->mem_reg = regno;
		meta->mem_write = kind == BPFVM_ARG_PTR_TO_UNINIT_MEM;
		return 0;
	case BPFVM_ARG_CONST_SIZE:
	case BPFVM_ARG_CONST_SIZE_OR_ZERO: {
		if (r->type != VT_SCALAR)
			return vfy_err(env, -EACCES, pc, "r%u (%s) must be a size, not a %s",
				       regno, what, w);
		if (!meta->mem_reg)
			return vfy_err(env, -EINVAL, pc, "%s: size without a memory argument",
				       hname);
		vfy_mark_precise(env, s, regno);
		if (r->s.smin < 0)
			return vfy_err(env, -EACCES, pc,
				       "r%u (%s) may be negative: the size of r%u must be "
				       "bounded below by 0",
				       regno, what, meta->mem_reg);
		if (r->s.umax >= MAX_VAR_SIZE)
			return vfy_err(env, -EACCES, pc,
				       "r%u (%s) is not bounded: the size of r%u needs an upper "
				       "bound (if (r%u > N) or r%u &= N)",
				       regno, what, meta->mem_reg, regno, regno);
		if (kind == BPFVM_ARG_CONST_SIZE && r->s.umin == 0)
			return vfy_err(env, -EACCES, pc,
				       "r%u (%s) may be 0, but %s needs at least one byte", regno,
				       what, hname);
		char mw[96];
		snprintf(mw, sizeof(mw), "the memory for %s", hname);
		err = vfy_helper_mem(env, s, pc, meta->mem_reg, r->s.umin, r->s.umax,
				     meta->mem_write, mw);
		meta->mem_reg = 0;
		return err;
	}
	case BPFVM_ARG_CONST_ALLOC_SIZE_OR_ZERO:
		vfy_mark_precise(env, s, regno);
		if (!vreg_is_const(r))
			return vfy_err(env, -EACCES, pc,
				       "r%u (%s) must be a known constant size", regno, what);
		meta->alloc_size = r->s.t.value;
		return 0;
	case BPFVM_ARG_PTR_TO_CTX:
		if (r->type != VT_PTR_TO_CTX)
			return vfy_err(env, -EACCES, pc, "r%u (%s) must be the ctx pointer, not a %s",
				       regno, what, w);
		if (r->off || !scal_is_const(&r->s) || r->s.t.value)
			return vfy_err(env, -EACCES, pc,
				       "r%u (%s) must be the unmodified ctx pointer", regno, what);
		return 0;
	case BPFVM_ARG_PTR_TO_FUNC:
		if (r->type != VT_PTR_TO_FUNC)
			return vfy_err(env, -EACCES, pc,
				       "r%u (%s) must be a function (ld_imm64 of a static function), "
				       "not a %s",
				       regno, what, w);
		meta->has_cb = true;
		meta->cb_target = (uint32_t)r->off;
		return 0;
	case BPFVM_ARG_PTR_TO_STACK_OR_NULL:
		if (r->type == VT_SCALAR && scal_is_const(&r->s) && r->s.t.value == 0) {
			vfy_mark_precise(env, s, regno);
			meta->cb_ctx = *r;
			return 0;
		}
		if (r->type != VT_PTR_TO_STACK || !scal_is_const(&r->s))
			return vfy_err(env, -EACCES, pc,
				       "r%u (%s) must point into the stack at a constant offset, or "
				       "be NULL, not be a %s",
				       regno, what, w);
		meta->cb_ctx = *r;
		return 0;
	case BPFVM_ARG_PTR_TO_SPIN_LOCK: {
		if (r->type != VT_PTR_TO_MAP_VALUE)
			return vfy_err(env, -EACCES, pc,
				       "r%u (%s) must point to a struct bpf_spin_lock in a map value, "
				       "not be a %s",
				       regno, what, w);
		if (!scal_is_const(&r->s))
			return vfy_err(env, -EACCES, pc,
				       "r%u (%s) points into the map value at a variable offset; the "
				       "lock's offset must be a constant",
				       regno, what);
		int64_t off = (int64_t)r->off + (int64_t)r->s.t.value;
		if (off < 0 || off % 4 || off + 4 > (int64_t)r->map->value_size)
			return vfy_err(env, -EACCES, pc,
				       "r%u (%s): a 4-byte, 4-aligned lock at offset %lld does not fit "
				       "the %u-byte value of map '%s'",
				       regno, what, (long long)off, r->map->value_size, r->map->name);
		meta->lock_map = r->map;
		meta->lock_id = r->id;
		meta->lock_off = off;
		return 0;
	}
	case BPFVM_ARG_PTR_TO_RINGBUF_MEM:
		if (r->type != VT_PTR_TO_MEM || !r->ref_id)
			return vfy_err(env, -EACCES, pc,
				       "r%u (%s) must be a record from bpf_ringbuf_reserve that was "
				       "checked against NULL, not a %s",
				       regno, what, w);
		if (r->off || !scal_is_const(&r->s) || r->s.t.value)
			return vfy_err(env, -EACCES, pc,
				       "r%u (%s) must point to the start of the record", regno, what);
		meta->release_ref = r->ref_id;
		return 0;
	default:
		return vfy_err(env, -ENOTSUP, pc,
			       "r%u (%s): this kind of helper argument is not supported by the "
			       "verifier yet",
			       regno, what);
	}
}

/* Whether the key r2 points to is all known-zero stack bytes: a key of
 * 0. Linux (6.14 on) returns a map value pointer that is not NULL from
 * bpf_map_lookup_elem() on an array with a constant key below
 * max_entries; programs may then skip the NULL check. Only the ZERO bytes
 * case is taken here (`__u32 key = 0` as clang stores it): a state whose
 * key bytes are ZERO is covered only by states where they are ZERO too
 * (or MISC, which explored both outcomes), so pruning stays sound without
 * precision marks; a spilled constant key would need them. */
static bool key_is_zero(const struct vstate *s, const struct vreg *p, uint32_t size)
{
	if (p->type != VT_PTR_TO_STACK || !scal_is_const(&p->s) || p->frameno > s->curframe)
		return false;
	const struct vframe *f = s->fr[p->frameno];
	int64_t a = (int64_t)p->off + (int64_t)p->s.t.value;
	for (uint32_t k = 0; k < size; k++) {
		int64_t b = a + (int64_t)k;
		if (b >= 0)
			return false;
		int64_t i = (-b - 1) / 8; /* slot i covers [r10 - 8(i+1), r10 - 8i) */
		if (i >= (int64_t)f->nslots || f->stack[i].b[b + 8 * (i + 1)] != SB_ZERO)
			return false;
	}
	return true;
}

int vfy_helper_call(struct venv *env, struct vstate *s, const struct isa_insn *in, uint32_t pc)
{
	char hname[64];
	uint32_t id = (uint32_t)in->imm;
	const struct bpfvm_helper_proto *proto = bpfvm_vm__helper_proto(env->prog->vm, id);
	helper_name(env, id, hname, sizeof(hname));
	if (!proto)
		return vfy_err(env, -EINVAL, pc, "call to unknown %s", hname);
	const char *why;
	if (!hook_helper_allowed(env->ht, id, &why))
		return vfy_err(env, -EACCES, pc, "%s programs cannot call %s: it is for %s",
			       env->ht ? env->ht->name : "raw", hname, why);
	if (id != FN_SPIN_UNLOCK) {
		char what[96];
		snprintf(what, sizeof(what), "a call to %s", hname);
		int err = vfy_lock_check_call(env, s, pc, what);
		if (err)
			return err;
	}
	if (id == FN_TAIL_CALL && s->nrefs)
		return vfy_err(env, -EACCES, pc,
			       "bpf_tail_call would leave the ringbuf record reserved at insn %u "
			       "behind: submit or discard it first",
			       s->refs[0].insn);
	struct argmeta meta = { 0 };
	for (unsigned i = 0; i < 5; i++) {
		int err = check_arg(env, s, pc, hname, i + 1, proto->args[i], &meta);
		if (!err && proto->args[i] == BPFVM_ARG_ANYTHING)
			err = vfy_btf_helper_arg(env, s, pc, id, i + 1, hname);
		if (err)
			return err;
	}
	if (meta.mem_reg)
		return vfy_err(env, -EINVAL, pc, "%s: memory argument r%u has no size argument",
			       hname, meta.mem_reg);
	/* the kernel's check_map_func_compatibility, for the maps that matter */
	if (id == FN_TAIL_CALL && meta.map && meta.map->type != BPFVM_MAP_TYPE_PROG_ARRAY)
		return vfy_err(env, -EACCES, pc,
			       "bpf_tail_call needs a prog array, and map '%s' is not one",
			       meta.map->name);
	if (id != FN_TAIL_CALL && meta.map && meta.map->type == BPFVM_MAP_TYPE_PROG_ARRAY &&
	    proto->args[0] == BPFVM_ARG_CONST_MAP_PTR)
		return vfy_err(env, -EACCES, pc,
			       "%s cannot take prog array '%s': programs only tail-call through it",
			       hname, meta.map->name);
	if (meta.release_ref) {
		struct release rel = { meta.release_ref };
		vstate_for_each_reg(s, release_ref, &rel);
		vfy_ref_drop(s, meta.release_ref);
	}
	if (id == FN_SPIN_LOCK) {
		if (s->lock_map) /* (a second lock was refused above) */
			return vfy_err(env, -EACCES, pc, "the spin lock is already held");
		s->lock_map = meta.lock_map;
		s->lock_id = meta.lock_id;
		s->lock_off = meta.lock_off;
		s->lock_insn = pc;
	} else if (id == FN_SPIN_UNLOCK) {
		if (!s->lock_map)
			return vfy_err(env, -EACCES, pc,
				       "bpf_spin_unlock without a spin lock held on this path");
		if (s->lock_map != meta.lock_map || s->lock_id != meta.lock_id ||
		    s->lock_off != meta.lock_off)
			return vfy_err(env, -EACCES, pc,
				       "bpf_spin_unlock of a lock other than the one taken at insn %u",
				       s->lock_insn);
		s->lock_map = NULL;
		s->lock_id = s->lock_insn = 0;
		s->lock_off = 0;
	}
	if (meta.has_cb) {
		int err = vfy_callback_call(env, s, pc, id, meta.cb_target, meta.map, &meta.cb_ctx);
		if (err)
			return err;
	}
	if (hook_helper_changes_pkt(id))
		vfy_pkt_invalidate(s);
	bool never_null = id == FN_MAP_LOOKUP && meta.map &&
			  (meta.map->type == BPFVM_MAP_TYPE_ARRAY ||
			   meta.map->type == BPFVM_MAP_TYPE_PERCPU_ARRAY) &&
			  meta.map->max_entries > 0 &&
			  key_is_zero(s, &vcur(s)->regs[2], meta.map->key_size);
	struct vframe *f = vcur(s);
	for (int r = 1; r <= 5; r++)
		f->regs[r] = vreg_not_init();
	struct vreg *r0 = &f->regs[0];
	switch (proto->ret) {
	case BPFVM_RET_VOID:
		*r0 = vreg_not_init();
		break;
	case BPFVM_RET_PTR_TO_MAP_VALUE_OR_NULL:
		*r0 = vreg_not_init();
		if (meta.map && (meta.map->type == BPFVM_MAP_TYPE_ARRAY_OF_MAPS ||
				 meta.map->type == BPFVM_MAP_TYPE_HASH_OF_MAPS)) {
			r0->type = VT_CONST_PTR_TO_MAP_OR_NULL;
			r0->map = meta.map->inner_meta;
		} else {
			r0->type = never_null ? VT_PTR_TO_MAP_VALUE : VT_PTR_TO_MAP_VALUE_OR_NULL;
			r0->map = meta.map;
		}
		r0->s = scal_const(0);
		r0->id = never_null ? 0 : vfy_new_id(env);
		if (!r0->map)
			*r0 = vreg_unknown();
		break;
	case BPFVM_RET_PTR_TO_MAP_OR_NULL:
		*r0 = vreg_not_init();
		r0->type = VT_CONST_PTR_TO_MAP_OR_NULL;
		r0->map = meta.map ? meta.map->inner_meta : NULL;
		r0->s = scal_const(0);
		r0->id = vfy_new_id(env);
		if (!r0->map)
			*r0 = vreg_unknown();
		break;
	case BPFVM_RET_PTR_TO_RINGBUF_MEM_OR_NULL:
		*r0 = vreg_not_init();
		r0->type = VT_PTR_TO_MEM_OR_NULL;
		r0->mem_size = (uint32_t)(meta.alloc_size > UINT32_MAX ? UINT32_MAX : meta.alloc_size);
		r0->s = scal_const(0);
		r0->id = vfy_new_id(env);
		r0->ref_id = vfy_new_id(env);
		if (vfy_ref_acquire(env, s, pc, r0->ref_id))
			return -E2BIG;
		break;
	default:
		*r0 = vreg_unknown();
		break;
	}
	return 0;
}

int vfy_local_call(struct venv *env, struct vstate *s, const struct isa_insn *in, uint32_t pc,
		   uint32_t *next_pc)
{
	uint32_t target = (uint32_t)((int64_t)pc + 1 + in->imm);
	char what[64];
	snprintf(what, sizeof(what), "a call to the function at insn %u", target);
	int err = vfy_lock_check_call(env, s, pc, what);
	if (err)
		return err;
	if (s->curframe + 1 >= VFY_MAX_FRAMES)
		return vfy_err(env, -E2BIG, pc,
			       "the call to insn %u would make the call stack deeper than %d "
			       "frames",
			       target, VFY_MAX_FRAMES);
	struct vframe *caller = vcur(s);
	struct vframe *callee = vframe_new(s->curframe + 1, pc, target);
	if (!callee)
		return vfy_err(env, -ENOMEM, pc, "out of memory");
	for (int r = 1; r <= 5; r++) {
		callee->regs[r] = caller->regs[r];
		caller->regs[r] = vreg_not_init();
	}
	s->curframe++;
	s->fr[s->curframe] = callee;
	env->is_subprog[target] = 1;
	*next_pc = target;
	return 0;
}

int vfy_exit(struct venv *env, struct vstate *s, uint32_t pc, uint32_t *next_pc, bool *done)
{
	struct vframe *f = vcur(s);
	struct vreg *r0 = &f->regs[0];
	char w[96];
	*done = false;
	if (r0->type == VT_NOT_INIT)
		return vfy_err(env, -EACCES, pc,
			       "r0 is not initialised at exit: set the %s value before exit",
			       s->curframe ? "function's return" : "program's return");
	vreg_describe(r0, w, sizeof(w));
	if (f->callback)
		return vfy_callback_exit(env, s, pc, next_pc);
	if (s->curframe == 0) {
		if (r0->type != VT_SCALAR)
			return vfy_err(env, -EACCES, pc,
				       "the program returns a %s in r0; it must return a scalar",
				       w);
		int err = vfy_ref_check_exit(env, s, pc);
		if (!err)
			err = vfy_check_ret(env, s, pc);
		if (err)
			return err;
		*done = true;
		return 0;
	}
	if (s->lock_map)
		return vfy_err(env, -EACCES, pc,
			       "the function returns while holding the spin lock taken at insn %u",
			       s->lock_insn);
	if (r0->type == VT_PTR_TO_STACK && r0->frameno == s->curframe)
		return vfy_err(env, -EACCES, pc,
			       "the function returns a pointer to its own stack, which is gone "
			       "after the return");
	struct vreg ret = *r0;
	uint32_t callsite = f->callsite;
	vframe_free(f);
	s->fr[s->curframe] = NULL;
	s->curframe--;
	vcur(s)->regs[0] = ret;
	*next_pc = callsite + 1;
	return 0;
}

/* Rounded frame size of the function starting at insn start. */
static uint32_t frame_bytes(const struct venv *env, uint32_t start)
{
	uint32_t d = env->subprog_depth[start];
	if (d < 1)
		d = 1;
	return (d + 31) & ~31u;
}

/* The end of the function starting at start: the next function start. */
static uint32_t subprog_end(const struct venv *env, uint32_t start)
{
	uint32_t e = start + 1;
	while (e < env->n && !env->is_subprog[e])
		e++;
	return e;
}

static int walk(struct venv *env, uint32_t start, uint32_t depth, uint32_t total,
		uint32_t via, uint32_t *worst)
{
	total += frame_bytes(env, start);
	if (total > *worst)
		*worst = total;
	if (total > BPFVM_STACK_SIZE)
		return vfy_err(env, -EACCES, via,
			       "the call chain through insn %u uses %u bytes of stack in %u frames "
			       "(each frame rounded up to 32 bytes); the combined limit is %d",
			       via, total, depth, BPFVM_STACK_SIZE);
	if (depth >= VFY_MAX_FRAMES)
		return 0;
	uint32_t end = subprog_end(env, start);
	for (uint32_t pc = start; pc < end; pc++) {
		const struct isa_insn *in = &env->insns[pc];
		if (in->id == ISA__WIDE_HI)
			continue;
		uint32_t target;
		if (isa_table[in->id].shape == ISA_SHAPE_CALL_LOCAL)
			target = (uint32_t)((int64_t)pc + 1 + in->imm);
		else if (isa_table[in->id].shape == ISA_SHAPE_CALL_HELPER && env->cb_target[pc])
			target = env->cb_target[pc] - 1; /* a helper calling a callback */
		else
			continue;
		if (!env->is_subprog[target])
			continue; /* never reached */
		int err = walk(env, target, depth + 1, total, pc, worst);
		if (err)
			return err;
	}
	return 0;
}

int vfy_check_stack_depth(struct venv *env)
{
	uint32_t worst = 0;
	int err = walk(env, 0, 1, 0, 0, &worst);
	env->st.max_stack = worst;
	return err;
}
