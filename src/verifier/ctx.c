/*
 * ctx.c - typed contexts: field access checks and their rewriting (the
 * kernel's check_ctx_access and convert_ctx_accesses), and LD_ABS/LD_IND.
 *
 * A typed context (struct xdp_md, __sk_buff, seccomp_data) is accessed
 * through the unmodified ctx pointer plus the instruction's constant
 * offset. The access must fall inside one field of the type's table
 * (src/hooks/prog_types.def), aligned to its size, with the field's size
 * (narrower reads where the field allows them), and writes only to
 * writable fields. The loaded register becomes what the field is: a
 * scalar, or a packet / packet-end / metadata pointer.
 *
 * Each access is remembered per instruction with its real offset and
 * size in bpfvm's context struct (include/bpfvm_ctx.h). An instruction
 * reached with different fields, or with ctx on one path and another
 * pointer on another, is refused: it cannot be rewritten for both. Once
 * the program is accepted, vfy_ctx_rewrite() patches prog->insns: the
 * offset, and for the 32-bit packet pointer fields the size (a 64-bit
 * load). No instruction is inserted, so jumps stay valid.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>

#include "hooks/hooks.h"
#include "verifier/vfy.h"

int vfy_note_access(struct venv *env, uint32_t pc, bool ctx)
{
	struct vctx_rw *w = &env->rw[pc];
	uint8_t what = ctx ? VCX_CTX : VCX_OTHER;
	if (w->what && w->what != what)
		return vfy_err(env, -EACCES, pc,
			       "this instruction accesses the context on one path and other "
			       "memory on another; the context access cannot be rewritten for "
			       "both (use separate code for each)");
	w->what = what;
	return 0;
}

int vfy_ctx_access(struct venv *env, struct vstate *s, uint32_t pc, unsigned regno, int64_t off,
		   unsigned size, bool write, bool sx, struct vreg *dst)
{
	const struct hook_type *t = env->ht;
	const struct vreg *p = &vcur(s)->regs[regno];
	const char *verb = write ? "write" : "read";
	int err;
	if (p->off || !scal_is_const(&p->s) || p->s.t.value)
		return vfy_err(env, -EACCES, pc,
			       "dereference of modified ctx pointer r%u: access %s fields as "
			       "ctx + constant offset",
			       regno, t->ctx_name);
	if (off < 0 || off + size > t->uapi_size)
		return vfy_err(env, -EACCES, pc,
			       "%s of %u bytes at offset %lld is outside the %u-byte %s",
			       verb, size, (long long)off, t->uapi_size, t->ctx_name);
	const struct hook_field *f = hook_field_at(t, (uint32_t)off);
	if (!f)
		return vfy_err(env, -EACCES, pc,
			       "%s programs cannot access %s at offset %lld (no field they may "
			       "use is there)",
			       t->name, t->ctx_name, (long long)off);
	uint32_t rel = (uint32_t)off - f->off;
	if (off % size)
		return vfy_err(env, -EACCES, pc,
			       "misaligned context access: %u bytes at offset %lld (%s.%s); "
			       "accesses must be aligned to their size",
			       size, (long long)off, t->ctx_name, f->name);
	if (rel + size > f->size)
		return vfy_err(env, -EACCES, pc,
			       "%s of %u bytes at offset %lld runs past the field %s (%u bytes)",
			       verb, size, (long long)off, f->name, f->size);
	if ((f->access & HA_DEVMAP) && env->attach_type != BPF_XDP_DEVMAP)
		return vfy_err(env, -EACCES, pc,
			       "%s.%s is for devmap programs only (SEC(\"xdp/devmap\"), "
			       "expected_attach_type BPF_XDP_DEVMAP)",
			       t->ctx_name, f->name);
	if (write && !(f->access & (HA_W | HA_BYTES)))
		return vfy_err(env, -EACCES, pc, "%s.%s is read-only for %s programs",
			       t->ctx_name, f->name, t->name);
	if (!(f->access & HA_BYTES)) {
		unsigned elem = f->size > 8 ? 8 : f->size;
		bool narrow_ok = !write && (f->access & HA_NARROW) && f->kind == HK_SCALAR;
		if (size != elem && !(narrow_ok && size < elem))
			return vfy_err(env, -EACCES, pc,
				       "%s of %u bytes at %s.%s: the field is %u bytes%s", verb,
				       size, t->ctx_name, f->name, elem,
				       narrow_ok ? "; reads may be narrower, not wider"
						 : " and must be accessed whole");
		if (write && rel % elem)
			return vfy_err(env, -EACCES, pc, "write inside %s.%s", t->ctx_name,
				       f->name);
	}
	if (sx && f->kind != HK_SCALAR)
		return vfy_err(env, -EACCES, pc, "sign-extending load of the pointer %s.%s",
			       t->ctx_name, f->name);
	/* A narrow load at least as wide as the kernel's member (a u16 load
	 * of protocol, a u8 load of pkt_type) reads the member whole, as the
	 * kernel's convert_ctx_accesses does wherever in the field it
	 * points: read it at the field's start (bpfvm holds it in a u32). */
	if (f->kwidth && size >= f->kwidth && !write)
		rel = 0;
	/* the real access: pointers become 8-byte loads */
	int16_t real_off = (int16_t)(f->real_off + rel);
	uint8_t real_size = f->kind == HK_SCALAR ? (uint8_t)size : 8;
	if ((err = vfy_note_access(env, pc, true)))
		return err;
	struct vctx_rw *w = &env->rw[pc];
	if (w->field && (w->real_off != real_off || w->real_size != real_size))
		return vfy_err(env, -EACCES, pc,
			       "this instruction reads %s.%s on one path and %s.%s on another; "
			       "each context access needs its own instruction",
			       t->ctx_name, w->field->name, t->ctx_name, f->name);
	w->field = f;
	w->real_off = real_off;
	w->real_size = real_size;
	if (!dst)
		return 0;
	switch (f->kind) {
	case HK_SCALAR:
		*dst = vreg_scalar(sx ? scal_unknown_sbits(8 * size) : scal_unknown_bits(8 * size));
		return 0;
	case HK_BTF_PTR:
		return vfy_btf_ptr(env, pc, f->btf_type, dst);
	default:
		*dst = vreg_not_init();
		dst->type = f->kind == HK_PKT ? VT_PTR_TO_PACKET
			    : f->kind == HK_PKT_END ? VT_PTR_TO_PACKET_END
						    : VT_PTR_TO_PACKET_META;
		dst->s = scal_const(0);
		return 0;
	}
}

void vfy_ctx_rewrite(struct venv *env, struct bpfvm_prog *prog)
{
	for (size_t pc = 0; pc < env->n; pc++) {
		const struct vctx_rw *w = &env->rw[pc];
		if (w->what != VCX_CTX || !w->field)
			continue;
		struct isa_insn *in = &prog->insns[pc];
		in->off = w->real_off;
		if (isa_table[in->id].size != w->real_size && w->real_size == 8)
			in->id = ISA_LDXDW; /* a 32-bit packet pointer field: 64-bit load */
	}
}

int vfy_ld_abs(struct venv *env, struct vstate *s, const struct isa_insn *in,
	       const struct isa_desc *d, uint32_t pc)
{
	struct vframe *f = vcur(s);
	int err;
	if (!env->ht || !env->ht->ld_abs)
		return vfy_err(env, -EACCES, pc,
			       "legacy packet loads (ld_abs/ld_ind) are only for socket filter "
			       "and tc programs%s%s",
			       env->ht ? ", not " : "", env->ht ? env->ht->name : "");
	/* an out-of-packet load ends the program: nothing may be held */
	if ((err = vfy_lock_check_call(env, s, pc, "ld_abs/ld_ind")))
		return err;
	if (s->nrefs)
		return vfy_err(env, -EACCES, pc,
			       "ld_abs/ld_ind can end the program, which would leave the ringbuf "
			       "record reserved at insn %u behind",
			       s->refs[0].insn);
	if (f->regs[6].type != VT_PTR_TO_CTX)
		return vfy_err(env, -EACCES, pc,
			       "ld_abs/ld_ind take the skb from r6: r6 must hold the context "
			       "pointer here");
	if (d->shape == ISA_SHAPE_LD_IND) {
		if ((err = vfy_check_init(env, s, pc, in->src)))
			return err;
		if (f->regs[in->src].type != VT_SCALAR)
			return vfy_err(env, -EACCES, pc, "ld_ind: the offset r%u must be a scalar",
				       in->src);
	}
	for (int r = 1; r <= 5; r++)
		f->regs[r] = vreg_not_init();
	f->regs[0] = vreg_scalar(scal_unknown_bits(8 * d->size));
	return 0;
}
