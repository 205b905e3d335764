/*
 * btf_ptr.c - BTF-typed pointers: the kernel's PTR_TO_BTF_ID, for the
 * types of bpfvm's own BTF (hooks/kern_btf.h).
 *
 * Where they come from: a context field of kind HK_BTF_PTR (the struct
 * xdp_buff * argument of a fentry/fexit program on an XDP program), and
 * loads of pointer members of such structs (xdp->rxq, xdp->rxq->dev).
 *
 * What a program may do with one (the kernel's check_ptr_to_btf_access and
 * btf_struct_walk, for tracing programs):
 *   - read: the access, at the pointer's constant offset plus the
 *     instruction's, must lie inside one member of the struct (into nested
 *     structs and arrays); a scalar member, or part of one, reads as an
 *     unknown scalar; a pointer member must be read whole (8 bytes at its
 *     offset) and gives a BTF pointer to the struct it points to, or a
 *     scalar when it points to anything else (void *data);
 *   - not write, nor do atomic operations (the kernel: "only read is
 *     supported");
 *   - not use a variable offset, nor a negative one;
 *   - add constants (alu.c), compare with 0 (never folded: pointers reached
 *     through a struct may be NULL, and in the kernel such loads are
 *     BPF_PROBE_MEM, which reads 0 through NULL instead of faulting);
 *   - pass it to the helpers whose prototype asks for that struct
 *     (bpf_xdp_output: struct xdp_buff *).
 * The offsets are bpfvm's: a program built with CO-RE gets them from its
 * relocations (loader/core.c), so it reads the fields it named.
 */
#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hooks/kern_btf.h"
#include "verifier/vfy.h"

#define WALK_MAX_DEPTH 16

static uint32_t skip_mods(const struct btf *btf, uint32_t id)
{
	for (int d = 0; d < WALK_MAX_DEPTH; d++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (!t || !(btf_is_mod(t) || btf_is_typedef(t)))
			return id;
		id = t->type;
	}
	return id;
}

static const char *tname(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const char *n = t ? btf__name_by_offset(btf, t->name_off) : NULL;
	return n && n[0] ? n : "(anonymous)";
}

static int need_btf(struct venv *env, uint32_t pc)
{
	if (env->kbtf)
		return 0;
	env->kbtf = hook_kern_btf_new();
	if (!env->kbtf)
		return vfy_err(env, -ENOMEM, pc, "out of memory (bpfvm's BTF)");
	return 0;
}

static void set_ptr(const struct venv *env, struct vreg *dst, uint32_t id)
{
	*dst = vreg_not_init();
	dst->type = VT_PTR_TO_BTF_ID;
	dst->btf_id = id;
	dst->btf_name = tname(env->kbtf, id);
	dst->s = scal_const(0);
}

int vfy_btf_ptr(struct venv *env, uint32_t pc, const char *name, struct vreg *dst)
{
	int err = need_btf(env, pc);
	if (err)
		return err;
	int id = btf__find_by_name_kind(env->kbtf, name, BTF_KIND_STRUCT);
	if (id <= 0)
		return vfy_err(env, -EINVAL, pc, "bpfvm's BTF has no struct %s", name);
	set_ptr(env, dst, (uint32_t)id);
	return 0;
}

/* Read size bytes at byte off of struct id: the kernel's btf_struct_walk. */
static int walk(struct venv *env, uint32_t pc, unsigned regno, uint32_t id, int64_t off,
		unsigned size, bool sx, struct vreg *dst)
{
	const struct btf *btf = env->kbtf;
	const char *root = tname(btf, id);
	int64_t at = off; /* for messages: the offset in the root struct */

	for (int depth = 0; depth < WALK_MAX_DEPTH; depth++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *sname = tname(btf, id);
		if (!t || !btf_is_composite(t))
			break;
		if (off + size > t->size)
			return vfy_err(env, -EACCES, pc,
				       "read of %u bytes at offset %lld of struct %s (r%u) is past its "
				       "end (%u bytes)",
				       size, (long long)at, root, regno, t->size);
		bool descend = false;
		for (uint32_t i = 0; i < btf_vlen(t) && !descend; i++) {
			const struct btf_member *m = &btf_members(t)[i];
			const char *mname = btf__name_by_offset(btf, m->name_off);
			uint32_t bit = btf_member_bit_offset(t, i);
			uint32_t bsz = btf_member_bitfield_size(t, i);
			int64_t moff = bit / 8;
			if (!mname || !mname[0])
				mname = "(anonymous)";
			if (bsz) {
				/* the whole bitfield, from at or before its byte */
				if (off <= moff && (int64_t)(bit + bsz + 7) / 8 <= off + size)
					goto scalar;
				continue;
			}
			if (off + size <= moff)
				break; /* in a hole before this member */
			uint32_t mid = skip_mods(btf, m->type);
			int64_t msize = btf__resolve_size(btf, mid);
			const struct btf_type *mt = btf__type_by_id(btf, mid);
			if (msize < 0 || !mt)
				break;
			if (off >= moff + msize)
				continue;
			if (off < moff)
				break; /* starts in a hole */
			if (btf_is_composite(mt)) {
				id = mid;
				off -= moff;
				descend = true;
				continue;
			}
			if (btf_is_array(mt)) {
				uint32_t eid = skip_mods(btf, btf_array(mt)->type);
				const struct btf_type *et = btf__type_by_id(btf, eid);
				int64_t esz = btf__resolve_size(btf, eid);
				if (et && esz > 0 && btf_is_composite(et)) {
					id = eid;
					off = (off - moff) % esz;
					descend = true;
					continue;
				}
				if (off + size > moff + msize)
					return vfy_err(env, -EACCES, pc,
						       "read of %u bytes at offset %lld of struct %s runs "
						       "past the end of its field %s",
						       size, (long long)at, root, mname);
				goto scalar;
			}
			if (btf_is_ptr(mt)) {
				if (off != moff || size != 8)
					return vfy_err(env, -EACCES, pc,
						       "%s.%s is a pointer: read it whole (8 bytes at "
						       "offset %lld of struct %s), not %u bytes at %lld",
						       sname, mname, (long long)(at - off + moff), root,
						       size, (long long)at);
				uint32_t pid = skip_mods(btf, mt->type);
				const struct btf_type *pt = btf__type_by_id(btf, pid);
				if (pt && btf_is_struct(pt)) {
					if (sx)
						return vfy_err(env, -EACCES, pc,
							       "sign-extending load of the pointer %s.%s",
							       sname, mname);
					set_ptr(env, dst, pid);
					return 0;
				}
				goto scalar; /* void *data: a number to the program */
			}
			if (off + size > moff + msize)
				return vfy_err(env, -EACCES, pc,
					       "read of %u bytes at offset %lld of struct %s runs past the "
					       "end of its field %s (%lld bytes)",
					       size, (long long)at, root, mname, (long long)msize);
			goto scalar;
		}
		if (descend)
			continue;
		return vfy_err(env, -EACCES, pc,
			       "struct %s has no field at offset %lld that bpfvm provides (r%u points "
			       "to bpfvm's struct %s; build with CO-RE so that field offsets match "
			       "it)",
			       sname, (long long)off, regno, root);
	}
	return vfy_err(env, -EACCES, pc, "r%u: struct %s nests too deep", regno, root);
scalar:
	*dst = vreg_scalar(sx ? scal_unknown_sbits(8 * size) : scal_unknown_bits(8 * size));
	return 0;
}

int vfy_btf_access(struct venv *env, struct vstate *s, uint32_t pc, unsigned regno, int64_t off,
		   unsigned size, bool write, bool sx, struct vreg *dst)
{
	const struct vreg *p = &vcur(s)->regs[regno];
	int err = need_btf(env, pc);
	if (err)
		return err;
	if (write)
		return vfy_err(env, -EACCES, pc,
			       "write through r%u, a pointer to the kernel's struct %s: such "
			       "pointers are read-only (only read is supported)",
			       regno, p->btf_name);
	if (!scal_is_const(&p->s))
		return vfy_err(env, -EACCES, pc,
			       "r%u points to struct %s at a variable offset: fields of BTF-typed "
			       "pointers are read at constant offsets",
			       regno, p->btf_name);
	int64_t a = (int64_t)p->off + (int64_t)p->s.t.value + off;
	if (a < 0)
		return vfy_err(env, -EACCES, pc,
			       "read of %u bytes at offset %lld of struct %s (r%u): before its start",
			       size, (long long)a, p->btf_name, regno);
	if (!dst)
		return 0;
	return walk(env, pc, regno, p->btf_id, a, size, sx, dst);
}

/* Helper arguments the kernel types as BTF pointers: helper id, the
 * argument register, the struct. */
static const struct {
	uint32_t helper;
	unsigned regno;
	const char *type;
} btf_args[] = {
	{121, 1, "xdp_buff"}, /* bpf_xdp_output(xdp, map, flags, data, size) */
	{111, 1, "sk_buff"},  /* bpf_skb_output: bpfvm has no struct sk_buff */
};

int vfy_btf_helper_arg(struct venv *env, struct vstate *s, uint32_t pc, uint32_t helper_id,
		       unsigned regno, const char *hname)
{
	const struct vreg *r = &vcur(s)->regs[regno];
	for (size_t i = 0; i < sizeof(btf_args) / sizeof(btf_args[0]); i++) {
		if (btf_args[i].helper != helper_id || btf_args[i].regno != regno)
			continue;
		if (r->type != VT_PTR_TO_BTF_ID || strcmp(r->btf_name, btf_args[i].type)) {
			char w[96];
			vreg_describe(r, w, sizeof(w));
			return vfy_err(env, -EACCES, pc,
				       "r%u (argument %u of %s) must be a pointer to struct %s (the "
				       "program's argument), not a %s",
				       regno, regno, hname, btf_args[i].type, w);
		}
		if (r->off || !scal_is_const(&r->s) || r->s.t.value)
			return vfy_err(env, -EACCES, pc,
				       "r%u (argument %u of %s) must point to the start of struct %s, "
				       "not into it",
				       regno, regno, hname, btf_args[i].type);
	}
	return 0;
}
