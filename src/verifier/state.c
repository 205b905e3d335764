/*
 * state.c - abstract registers, stack frames and whole states: building,
 * copying, and comparing them for pruning.
 *
 * Pruning rule (the kernel's states_equal/regsafe/stacksafe idea): a
 * stored state "old" whose every path was proved safe covers the current
 * state "cur" at the same instruction when every fact a path from old
 * could have relied on also holds in cur:
 *   - a register that is not live there is ignored (static liveness);
 *   - old NOT_INIT covers anything (a safe path never read it);
 *   - scalars: cur's range and known bits lie inside old's;
 *   - pointers: same kind, region and fixed offset, variable offset inside
 *     old's; null-check ids must correspond one-to-one (idmap);
 *   - stack bytes: old INVALID covers anything, old MISC covers any
 *     written byte that is not part of a pointer spill, old ZERO needs
 *     ZERO, old spills need a spill of the same size the old register
 *     covers; an imprecise spilled scalar takes any initialised bytes
 *     that are not a pointer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maps/map.h"
#include "verifier/vfy.h"

struct vreg vreg_not_init(void)
{
	struct vreg r;
	memset(&r, 0, sizeof(r));
	r.s = scal_unknown();
	return r;
}

struct vreg vreg_scalar(struct scal s)
{
	struct vreg r = vreg_not_init();
	r.type = VT_SCALAR;
	r.s = s;
	return r;
}

struct vreg vreg_unknown(void) { return vreg_scalar(scal_unknown()); }
struct vreg vreg_const(uint64_t v) { return vreg_scalar(scal_const(v)); }

bool vreg_is_ptr(const struct vreg *r)
{
	return r->type != VT_NOT_INIT && r->type != VT_SCALAR;
}

bool vreg_is_const(const struct vreg *r)
{
	return r->type == VT_SCALAR && scal_is_const(&r->s);
}

const char *vtype_name(unsigned type)
{
	static const char *const names[VT__COUNT] = {
		[VT_NOT_INIT] = "not initialised",
		[VT_SCALAR] = "scalar",
		[VT_PTR_TO_CTX] = "ctx pointer",
		[VT_PTR_TO_STACK] = "stack pointer",
		[VT_PTR_TO_MAP_VALUE] = "map value pointer",
		[VT_PTR_TO_MAP_VALUE_OR_NULL] = "map value pointer or NULL",
		[VT_CONST_PTR_TO_MAP] = "map pointer",
		[VT_CONST_PTR_TO_MAP_OR_NULL] = "map pointer or NULL",
		[VT_PTR_TO_MEM] = "memory pointer",
		[VT_PTR_TO_MEM_OR_NULL] = "memory pointer or NULL",
		[VT_PTR_TO_PACKET] = "packet pointer",
		[VT_PTR_TO_PACKET_META] = "packet meta pointer",
		[VT_PTR_TO_PACKET_END] = "packet end pointer",
		[VT_PTR_TO_FUNC] = "function pointer",
		[VT_PTR_TO_BTF_ID] = "BTF-typed pointer",
	};
	return type < VT__COUNT ? names[type] : "?";
}

void vreg_describe(const struct vreg *r, char *buf, size_t size)
{
	if ((r->type == VT_PTR_TO_MAP_VALUE || r->type == VT_PTR_TO_MAP_VALUE_OR_NULL ||
	     r->type == VT_CONST_PTR_TO_MAP) && r->map)
		snprintf(buf, size, "%s of map '%s'", vtype_name(r->type), r->map->name);
	else if (r->type == VT_PTR_TO_BTF_ID && r->btf_name)
		snprintf(buf, size, "pointer to the kernel's struct %s", r->btf_name);
	else
		snprintf(buf, size, "%s", vtype_name(r->type));
}

struct vframe *vframe_new(uint32_t frameno, uint32_t callsite, uint32_t subprog)
{
	struct vframe *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	for (int i = 0; i < BPFVM_NREGS; i++)
		f->regs[i] = vreg_not_init();
	f->regs[10].type = VT_PTR_TO_STACK;
	f->regs[10].frameno = (uint8_t)frameno;
	f->regs[10].s = scal_const(0);
	f->frameno = frameno;
	f->callsite = callsite;
	f->subprog = subprog;
	return f;
}

void vframe_free(struct vframe *f)
{
	if (f) {
		free(f->stack);
		free(f);
	}
}

int vframe_grow(struct vframe *f, uint32_t nslots)
{
	if (nslots <= f->nslots)
		return 0;
	struct vslot *st = realloc(f->stack, nslots * sizeof(*st));
	if (!st)
		return -ENOMEM;
	for (uint32_t i = f->nslots; i < nslots; i++) {
		memset(&st[i], 0, sizeof(st[i]));
		st[i].spill = vreg_not_init();
	}
	f->stack = st;
	f->nslots = nslots;
	return 0;
}

static struct vframe *vframe_dup(const struct vframe *src)
{
	struct vframe *f = malloc(sizeof(*f));
	if (!f)
		return NULL;
	*f = *src;
	f->stack = NULL;
	if (src->nslots) {
		f->stack = malloc(src->nslots * sizeof(*f->stack));
		if (!f->stack) {
			free(f);
			return NULL;
		}
		memcpy(f->stack, src->stack, src->nslots * sizeof(*f->stack));
	}
	return f;
}

void vstate_free(struct vstate *s)
{
	free(s->hist);
	s->hist = NULL;
	s->hlen = s->hcap = 0;
	for (int i = 0; i < VFY_MAX_FRAMES; i++) {
		vframe_free(s->fr[i]);
		s->fr[i] = NULL;
	}
}

int vstate_copy(struct vstate *dst, const struct vstate *src)
{
	struct vstate tmp = *src;
	memset(tmp.fr, 0, sizeof(tmp.fr));
	tmp.hist = NULL;
	tmp.hcap = tmp.hlen;
	if (src->hlen) {
		tmp.hist = malloc(src->hlen * sizeof(*tmp.hist));
		if (!tmp.hist)
			return -ENOMEM;
		memcpy(tmp.hist, src->hist, src->hlen * sizeof(*tmp.hist));
	}
	for (uint32_t i = 0; i <= src->curframe; i++) {
		tmp.fr[i] = vframe_dup(src->fr[i]);
		if (!tmp.fr[i]) {
			vstate_free(&tmp);
			return -ENOMEM;
		}
	}
	*dst = tmp;
	return 0;
}

uint64_t vstate_bytes(const struct vstate *s)
{
	uint64_t n = sizeof(*s) + (uint64_t)s->hcap * sizeof(*s->hist);
	for (uint32_t i = 0; i <= s->curframe; i++)
		if (s->fr[i])
			n += sizeof(*s->fr[i]) + (uint64_t)s->fr[i]->nslots * sizeof(struct vslot);
	return n;
}

void vstate_for_each_reg(struct vstate *s, void (*fn)(struct vreg *r, void *ctx), void *ctx)
{
	for (uint32_t i = 0; i <= s->curframe; i++) {
		struct vframe *f = s->fr[i];
		for (int r = 0; r < BPFVM_NREGS; r++)
			fn(&f->regs[r], ctx);
		for (uint32_t k = 0; k < f->nslots; k++)
			if (f->stack[k].spill_size)
				fn(&f->stack[k].spill, ctx);
	}
}

/* ------------------------------------------------------------------ */
/* Comparison                                                          */

#define IDMAP_MAX ((BPFVM_NREGS + VFY_SLOTS) * VFY_MAX_FRAMES + VFY_MAX_REFS + 1)

struct idmap {
	uint32_t n;
	uint32_t old[IDMAP_MAX], cur[IDMAP_MAX];
};

/* old id and cur id must correspond one-to-one across the whole state. */
static bool check_ids(struct idmap *m, uint32_t old, uint32_t cur)
{
	if (!old && !cur)
		return true;
	if (!old || !cur)
		return false;
	for (uint32_t i = 0; i < m->n; i++) {
		if (m->old[i] == old)
			return m->cur[i] == cur;
		if (m->cur[i] == cur)
			return false;
	}
	if (m->n == IDMAP_MAX)
		return false;
	m->old[m->n] = old;
	m->cur[m->n] = cur;
	m->n++;
	return true;
}

/* How states compare: for pruning (only precise scalars), all scalars by
 * range (loops through callbacks), or exactly (infinite loops). */
enum { CMP_COVERS, CMP_WITHIN, CMP_EXACT };

static bool regsafe(const struct vreg *old, const struct vreg *cur, struct idmap *m, int mode)
{
	bool exact = mode == CMP_EXACT;
	if (exact) {
		if (old->type != cur->type)
			return false;
		if (old->type == VT_NOT_INIT)
			return true;
	} else {
		if (old->type == VT_NOT_INIT)
			return true;
		if (cur->type != old->type)
			return false;
	}
	if (old->type == VT_SCALAR) {
		if (exact)
			return scal_equal(&old->s, &cur->s);
		/* no check below old relied on its value (precise.c) */
		return (mode == CMP_COVERS && !old->precise) || scal_within(&old->s, &cur->s);
	}
	if (old->off != cur->off || old->map != cur->map || old->frameno != cur->frameno ||
	    old->mem_size != cur->mem_size || old->rdonly != cur->rdonly ||
	    old->btf_id != cur->btf_id)
		return false;
	if (!check_ids(m, old->id, cur->id) || !check_ids(m, old->ref_id, cur->ref_id))
		return false;
	/* packet: cur must have proved at least the bytes old relied on */
	if (exact ? old->range != cur->range : old->range > cur->range)
		return false;
	return exact ? scal_equal(&old->s, &cur->s) : scal_within(&old->s, &cur->s);
}

/* One byte of old (not part of a spill) against cur's. */
static bool bytesafe(uint8_t o, uint8_t c, const struct vslot *cs)
{
	if (o == SB_INVALID || o == c)
		return o != SB_SPILL;
	/* MISC: any written byte that is not part of a pointer */
	return o == SB_MISC &&
	       (c == SB_ZERO || (c == SB_SPILL && cs->spill.type == VT_SCALAR));
}

static bool slotsafe(const struct vslot *os, const struct vslot *cs, struct idmap *m, int mode)
{
	if (mode == CMP_EXACT) {
		if (memcmp(os->b, cs->b, 8) || os->spill_size != cs->spill_size)
			return false;
		return !os->spill_size || regsafe(&os->spill, &cs->spill, m, mode);
	}
	unsigned from = 0;
	if (os->spill_size) {
		if (cs->spill_size == os->spill_size) {
			if (!regsafe(&os->spill, &cs->spill, m, mode))
				return false;
		} else {
			/* an imprecise spilled scalar: any initialised bytes that
			 * are not a pointer do */
			if (os->spill.type != VT_SCALAR || os->spill.precise || mode != CMP_COVERS)
				return false;
			for (unsigned k = 0; k < os->spill_size; k++)
				if (cs->b[k] == SB_INVALID ||
				    (cs->b[k] == SB_SPILL && cs->spill.type != VT_SCALAR))
					return false;
		}
		from = os->spill_size;
	}
	for (unsigned k = from; k < 8; k++)
		if (!bytesafe(os->b[k], cs->b[k], cs))
			return false;
	return true;
}

static bool stacksafe(const struct vframe *old, const struct vframe *cur, struct idmap *m,
		      int mode)
{
	static const struct vslot empty;
	uint32_t n = old->nslots > cur->nslots ? old->nslots : cur->nslots;
	for (uint32_t i = 0; i < n; i++) {
		const struct vslot *os = i < old->nslots ? &old->stack[i] : &empty;
		const struct vslot *cs = i < cur->nslots ? &cur->stack[i] : &empty;
		if (!slotsafe(os, cs, m, mode))
			return false;
	}
	return true;
}

uint16_t vfy_live_regs(const struct venv *env, const struct vstate *s, uint32_t f)
{
	if (f == s->curframe)
		return env->live_in[s->pc];
	/* the caller resumes after the call with r0-r5 replaced */
	return (uint16_t)(env->live_in[s->fr[f + 1]->callsite + 1] & ~0x3fu);
}

/* The same references and lock held, ids corresponding. */
static bool refsafe(const struct vstate *old, const struct vstate *cur, struct idmap *m)
{
	if (old->nrefs != cur->nrefs || old->lock_map != cur->lock_map ||
	    old->lock_off != cur->lock_off || !check_ids(m, old->lock_id, cur->lock_id))
		return false;
	for (uint32_t i = 0; i < old->nrefs; i++)
		if (!check_ids(m, old->refs[i].id, cur->refs[i].id))
			return false;
	return true;
}

static bool states_cmp(const struct venv *env, const struct vstate *old,
		       const struct vstate *cur, int mode)
{
	if (old->curframe != cur->curframe)
		return false;
	struct idmap idm;
	struct idmap *m = &idm;
	idm.n = 0;
	bool ok = refsafe(old, cur, m);
	for (uint32_t f = 0; f <= old->curframe && ok; f++) {
		const struct vframe *of = old->fr[f], *cf = cur->fr[f];
		if (of->callsite != cf->callsite || of->subprog != cf->subprog ||
		    of->callback != cf->callback || of->cb_nrefs != cf->cb_nrefs) {
			ok = false;
			break;
		}
		uint16_t live = vfy_live_regs(env, old, f);
		for (int r = 0; r < BPFVM_NREGS && ok; r++) {
			if (mode != CMP_EXACT && !(live & (1u << r)) && r != 10)
				continue;
			ok = regsafe(&of->regs[r], &cf->regs[r], m, mode);
		}
		if (ok)
			ok = stacksafe(of, cf, m, mode);
	}
	return ok;
}

bool vstate_covers(const struct venv *env, const struct vstate *old, const struct vstate *cur)
{
	return states_cmp(env, old, cur, CMP_COVERS);
}

bool vstate_within(const struct venv *env, const struct vstate *old, const struct vstate *cur)
{
	return states_cmp(env, old, cur, CMP_WITHIN);
}

bool vstate_equal(const struct venv *env, const struct vstate *a, const struct vstate *b)
{
	return states_cmp(env, a, b, CMP_EXACT);
}
