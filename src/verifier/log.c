/*
 * log.c - the verifier's log: the kernel's register-state notation, the
 * per-instruction trace (log level 2) and, on a refusal, the path of
 * branches that led to the refused instruction (log level 1 and up).
 *
 * Register notation, close to the kernel's print_verifier_state so that
 * people who read kernel logs read these: a constant scalar as its value;
 * scalar(smin=..,smax=..,umin=..,umax=..,var_off=(value; mask)) listing only
 * the bounds that say something; pointers as kind(off=..,r=..) with the
 * map's name; a stack pointer as fp-N; a precise scalar is marked P.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maps/map.h"
#include "verifier/vfy.h"

/* Append to buf at *len, bounded by size. */
static void cat(char *buf, size_t size, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void cat(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
	if (*len + 1 >= size)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(buf + *len, size - *len, fmt, ap);
	va_end(ap);
	if (k > 0)
		*len += (size_t)k < size - *len ? (size_t)k : size - *len - 1;
}

void vlog(struct venv *env, const char *fmt, ...)
{
	if (!env->log || env->log_len + 1 >= env->log_size)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(env->log + env->log_len, env->log_size - env->log_len, fmt, ap);
	va_end(ap);
	if (k > 0)
		env->log_len += (size_t)k < env->log_size - env->log_len
					? (size_t)k
					: env->log_size - env->log_len - 1;
}

static void scal_text(char *b, size_t size, size_t *len, const struct scal *s, bool precise)
{
	const char *p = precise ? "P" : "";
	if (scal_is_const(s)) {
		if ((int64_t)s->t.value < 0 && (int64_t)s->t.value > -4096)
			cat(b, size, len, "%s%" PRId64, p, (int64_t)s->t.value);
		else if (s->t.value < 4096)
			cat(b, size, len, "%s%" PRIu64, p, s->t.value);
		else
			cat(b, size, len, "%s0x%" PRIx64, p, s->t.value);
		return;
	}
	cat(b, size, len, "%sscalar(", p);
	const char *sep = "";
	if (s->smin != INT64_MIN) {
		cat(b, size, len, "%ssmin=%" PRId64, sep, s->smin);
		sep = ",";
	}
	if (s->smax != INT64_MAX) {
		cat(b, size, len, "%ssmax=%" PRId64, sep, s->smax);
		sep = ",";
	}
	if (s->umin) {
		cat(b, size, len, "%sumin=%" PRIu64, sep, s->umin);
		sep = ",";
	}
	if (s->umax != UINT64_MAX) {
		cat(b, size, len, "%sumax=%" PRIu64, sep, s->umax);
		sep = ",";
	}
	if (s->t.mask != UINT64_MAX)
		cat(b, size, len, "%svar_off=(0x%" PRIx64 "; 0x%" PRIx64 ")", sep, s->t.value,
		    s->t.mask);
	cat(b, size, len, ")");
}

void vlog_reg(char *b, size_t size, const struct vreg *r)
{
	size_t len = 0;
	b[0] = 0;
	static const char *const kind[VT__COUNT] = {
		[VT_PTR_TO_CTX] = "ctx",
		[VT_PTR_TO_STACK] = "fp",
		[VT_PTR_TO_MAP_VALUE] = "map_value",
		[VT_PTR_TO_MAP_VALUE_OR_NULL] = "map_value_or_null",
		[VT_CONST_PTR_TO_MAP] = "map_ptr",
		[VT_CONST_PTR_TO_MAP_OR_NULL] = "map_ptr_or_null",
		[VT_PTR_TO_MEM] = "mem",
		[VT_PTR_TO_MEM_OR_NULL] = "mem_or_null",
		[VT_PTR_TO_PACKET] = "pkt",
		[VT_PTR_TO_PACKET_META] = "pkt_meta",
		[VT_PTR_TO_PACKET_END] = "pkt_end",
		[VT_PTR_TO_FUNC] = "func",
		[VT_PTR_TO_BTF_ID] = "ptr",
	};
	switch (r->type) {
	case VT_NOT_INIT:
		cat(b, size, &len, "?");
		return;
	case VT_SCALAR:
		scal_text(b, size, &len, &r->s, r->precise);
		return;
	case VT_PTR_TO_STACK:
		if (scal_is_const(&r->s)) {
			cat(b, size, &len, "fp%" PRId64, (int64_t)r->off + (int64_t)r->s.t.value);
			if (r->frameno)
				cat(b, size, &len, "(frame %u)", r->frameno);
			return;
		}
		break;
	default:
		break;
	}
	if (r->type == VT_PTR_TO_BTF_ID) /* the kernel's ptr_xdp_buff(...) */
		cat(b, size, &len, "ptr_%s(", r->btf_name ? r->btf_name : "?");
	else
		cat(b, size, &len, "%s(", r->type < VT__COUNT && kind[r->type] ? kind[r->type] : "?");
	const char *sep = "";
	if (r->map && r->type != VT_PTR_TO_BTF_ID) {
		cat(b, size, &len, "map=%s", r->map->name);
		sep = ",";
	}
	if (r->id) {
		cat(b, size, &len, "%sid=%u", sep, r->id);
		sep = ",";
	}
	if (r->ref_id) {
		cat(b, size, &len, "%sref=%u", sep, r->ref_id);
		sep = ",";
	}
	if (r->off) {
		cat(b, size, &len, "%soff=%d", sep, r->off);
		sep = ",";
	}
	if (r->type == VT_PTR_TO_PACKET || r->type == VT_PTR_TO_PACKET_META) {
		cat(b, size, &len, "%sr=%u", sep, r->range);
		sep = ",";
	}
	if (r->type == VT_PTR_TO_MEM || r->type == VT_PTR_TO_MEM_OR_NULL) {
		cat(b, size, &len, "%ssz=%u", sep, r->mem_size);
		sep = ",";
	}
	if (!scal_is_const(&r->s) || r->s.t.value) {
		cat(b, size, &len, "%svar=", sep);
		scal_text(b, size, &len, &r->s, false);
	}
	cat(b, size, &len, ")");
}

/* " R1=ctx() R2=5 ..." for the registers in mask (all initialised ones
 * when mask is 0xffff), then the stack of each frame at level >= 2. */
void vlog_regs(struct venv *env, struct vstate *s, uint16_t mask, bool stack)
{
	char t[256];
	for (uint32_t f = 0; f <= s->curframe; f++) {
		const struct vframe *fr = s->fr[f];
		if (f < s->curframe && !stack)
			continue;
		if (s->curframe)
			vlog(env, " frame%u:", f);
		for (int r = 0; r < BPFVM_NREGS; r++) {
			if (!(mask & (1u << r)) || fr->regs[r].type == VT_NOT_INIT)
				continue;
			vlog_reg(t, sizeof(t), &fr->regs[r]);
			vlog(env, " R%d=%s", r, t);
		}
		if (!stack)
			continue;
		for (uint32_t k = 0; k < fr->nslots; k++) {
			const struct vslot *sl = &fr->stack[k];
			if (sl->spill_size) {
				vlog_reg(t, sizeof(t), &sl->spill);
				vlog(env, " fp-%u=%s%s", 8 * (k + 1), sl->spill_size < 8 ? "(narrow)" : "",
				     t);
				continue;
			}
			char bytes[9];
			bool any = false;
			for (int i = 0; i < 8; i++) {
				static const char sym[] = { '?', 'm', '0', 'r' };
				bytes[7 - i] = sym[sl->b[i] & 3];
				any = any || sl->b[i] != SB_INVALID;
			}
			bytes[8] = 0;
			if (any)
				vlog(env, " fp-%u=%s", 8 * (k + 1), bytes);
		}
	}
}

static void insn_text(const struct venv *env, uint32_t pc, char *buf, size_t size)
{
	if (bpfvm_disasm_insn(env->prog->raw, env->n, pc, NULL, buf, size) < 0 && !buf[0])
		snprintf(buf, size, "?");
}

void vlog_insn(struct venv *env, struct vstate *s, uint32_t pc, uint16_t defs)
{
	char t[128];
	insn_text(env, pc, t, sizeof(t));
	vlog(env, "%u: %s", pc, t);
	if (defs) {
		vlog(env, " ;");
		vlog_regs(env, s, defs, false);
	}
	vlog(env, "\n");
}

/* A conditional jump on the path, and which way it went. */
struct step {
	uint32_t pc;
	bool taken;
};

#define PATH_MAX_SHOWN 24

void vlog_path(struct venv *env, const struct vstate *s)
{
	/* the segments, newest first */
	size_t nseg = 0, cap = 16;
	const struct vstate **seg = malloc(cap * sizeof(*seg));
	if (!seg)
		return;
	for (const struct vstate *st = s; st; st = st->parent ? &st->parent->st : NULL) {
		if (nseg == cap) {
			const struct vstate **g = realloc(seg, 2 * cap * sizeof(*seg));
			if (!g) {
				free(seg);
				return;
			}
			seg = g;
			cap *= 2;
		}
		seg[nseg++] = st;
	}
	/* oldest first: keep the last PATH_MAX_SHOWN conditional jumps */
	struct step ring[PATH_MAX_SHOWN];
	size_t nsteps = 0;
	const struct vhist *prev = NULL;
	for (size_t i = nseg; i-- > 0;) {
		for (uint32_t k = 0; k < seg[i]->hlen; k++) {
			const struct vhist *e = &seg[i]->hist[k];
			if (prev) {
				const struct isa_insn *in = &env->insns[prev->idx];
				const struct isa_desc *d = &isa_table[in->id];
				if (d->shape == ISA_SHAPE_JMP_K || d->shape == ISA_SHAPE_JMP_X ||
				    d->shape == ISA_SHAPE_MAY_GOTO) {
					struct step *st = &ring[nsteps++ % PATH_MAX_SHOWN];
					st->pc = prev->idx;
					st->taken = e->idx != prev->idx + 1;
				}
			}
			prev = e;
		}
	}
	free(seg);
	if (!nsteps) {
		vlog(env, "the path: straight from the start, no branches\n");
		return;
	}
	vlog(env, "the path of branches to insn %u:\n", s->pc);
	size_t first = nsteps > PATH_MAX_SHOWN ? nsteps - PATH_MAX_SHOWN : 0;
	if (first)
		vlog(env, "  ... %zu earlier branches\n", first);
	for (size_t i = first; i < nsteps; i++) {
		const struct step *st = &ring[i % PATH_MAX_SHOWN];
		char t[128];
		insn_text(env, st->pc, t, sizeof(t));
		vlog(env, "  insn %u: %s  -> %s\n", st->pc, t, st->taken ? "taken" : "not taken");
	}
}
