/*
 * core.c - CO-RE relocations (.BTF.ext core_relo), resolved against
 * bpfvm's own types (hooks/kern_btf.h) the way libbpf resolves them
 * against the running kernel's BTF (libbpf's relo_core.c, whose functions
 * libbpf 1.1 does not export: the algorithm is redone here on the public
 * BTF API).
 *
 * A record says: the instruction at insn_off uses an aspect (kind) of the
 * local type type_id reached through the access string ("0:1:2": an index
 * into the root pointer, then member or array indices). Steps:
 *   1. parse the access against the object's BTF (the local spec): the
 *      member names on the way, the local bit offset, the final field;
 *   2. find the target type by essential name (the local name without a
 *      "___flavour" suffix) and compatible kind in bpfvm's BTF, and walk
 *      the same member names there (into anonymous members too);
 *   3. compute the local value (the instruction must hold it: anything else
 *      is a malformed object) and the target value, and patch the
 *      instruction: the immediate of an ALU op or ld_imm64, the offset of
 *      a load or store.
 * Kinds: field byte offset, byte size, existence, signedness, lshift and
 * rshift (bitfields); local and target type id, type existence, size and
 * match; enum value existence and value. Existence kinds resolve to 0 when
 * the target has no such field, type or value. Every other unresolvable
 * record refuses the object with the section, the instruction, the
 * program, the type and the access string (libbpf instead poisons the
 * instruction and lets the kernel's verifier refuse it if reached; bpfvm
 * refuses at once).
 *
 * The patches are kept per code section (elf_sec.core) and applied by
 * reloc.c when a function is placed into a program.
 */
#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hooks/kern_btf.h"
#include "isa/isa.h"
#include "loader/elf_internal.h"

#define CORE_MAX_SPEC 64
#define CORE_MAX_DEPTH 32

enum {
	K_FIELD_BYTE_OFFSET, K_FIELD_BYTE_SIZE, K_FIELD_EXISTS, K_FIELD_SIGNED,
	K_FIELD_LSHIFT_U64, K_FIELD_RSHIFT_U64, K_TYPE_ID_LOCAL, K_TYPE_ID_TARGET,
	K_TYPE_EXISTS, K_TYPE_SIZE, K_ENUMVAL_EXISTS, K_ENUMVAL_VALUE, K_TYPE_MATCHES,
	K__COUNT,
};

static const char *const kind_names[K__COUNT] = {
	"field byte offset", "field byte size", "field existence", "field signedness",
	"field left shift", "field right shift", "local type id", "target type id",
	"type existence", "type size", "enum value existence", "enum value",
	"type match",
};

static bool kind_is_field(uint32_t k) { return k <= K_FIELD_RSHIFT_U64; }
static bool kind_is_enumval(uint32_t k) { return k == K_ENUMVAL_EXISTS || k == K_ENUMVAL_VALUE; }

/* One access step: a member (name set, or "" for an anonymous one) or an
 * array index (name NULL). */
struct access {
	uint32_t type_id; /* the composite or array it indexes */
	uint32_t idx;
	const char *name;
};

struct spec {
	const struct btf *btf;
	uint32_t root_id;
	struct access acc[CORE_MAX_SPEC]; /* named members and array indices */
	size_t n;
	uint64_t bit_off;
	/* the final field: its type, and its bitfield size (0: not one) */
	uint32_t field_type;
	uint32_t bitfield_sz;
	bool is_enumval;
	int64_t enum_val;
};

static uint32_t skip_mods(const struct btf *btf, uint32_t id)
{
	for (int d = 0; d < CORE_MAX_DEPTH; d++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (!t || !(btf_is_mod(t) || btf_is_typedef(t)))
			return id;
		id = t->type;
	}
	return id;
}

static const char *type_name(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const char *n = t ? btf__name_by_offset(btf, t->name_off) : NULL;
	return n ? n : "";
}

/* "struct xdp_buff" for messages. */
static void type_desc(const struct btf *btf, uint32_t id, char *buf, size_t size)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const char *n = type_name(btf, id);
	const char *k = !t ? "type" : btf_is_struct(t) ? "struct " : btf_is_union(t) ? "union "
		      : btf_is_any_enum(t) ? "enum " : "";
	snprintf(buf, size, "%s%s", k, n[0] ? n : "(anonymous)");
}

/* The kind classes CO-RE treats as interchangeable. */
static int kind_class(const struct btf_type *t)
{
	if (btf_is_composite(t))
		return BTF_KIND_STRUCT;
	if (btf_is_any_enum(t))
		return BTF_KIND_ENUM;
	return btf_kind(t);
}

/* Parse the access string into the local spec. Returns 0, or -EINVAL with
 * *why set. */
static int parse_spec(const struct btf *btf, uint32_t type_id, const char *str, uint32_t kind,
		      struct spec *sp, const char **why)
{
	uint32_t raw[CORE_MAX_SPEC];
	size_t n_raw = 0;
	const char *p = str;

	memset(sp, 0, sizeof(*sp));
	sp->btf = btf;
	sp->root_id = type_id;
	while (*p) {
		char *end;
		unsigned long v;
		if (*p < '0' || *p > '9' || n_raw == CORE_MAX_SPEC)
			return *why = "malformed access string", -EINVAL;
		v = strtoul(p, &end, 10);
		if (v > UINT32_MAX || (*end && *end != ':'))
			return *why = "malformed access string", -EINVAL;
		raw[n_raw++] = (uint32_t)v;
		p = *end ? end + 1 : end;
	}
	if (!n_raw)
		return *why = "empty access string", -EINVAL;
	if (!btf__type_by_id(btf, type_id) || !type_id)
		return *why = "type id out of range", -EINVAL;
	if (!kind_is_field(kind) && !kind_is_enumval(kind)) {
		if (n_raw != 1 || raw[0] != 0)
			return *why = "a type relocation's access must be \"0\"", -EINVAL;
		return 0;
	}
	uint32_t id = skip_mods(btf, type_id);
	const struct btf_type *t = btf__type_by_id(btf, id);
	if (kind_is_enumval(kind)) {
		if (!t || !btf_is_any_enum(t) || n_raw != 1 || raw[0] >= btf_vlen(t))
			return *why = "enum value access on something that is not an enum value",
			       -EINVAL;
		sp->is_enumval = true;
		sp->acc[0] = (struct access){id, raw[0], NULL};
		if (btf_is_enum(t)) {
			sp->acc[0].name = btf__name_by_offset(btf, btf_enum(t)[raw[0]].name_off);
			sp->enum_val = btf_enum(t)[raw[0]].val;
		} else {
			const struct btf_enum64 *e = &btf_enum64(t)[raw[0]];
			sp->acc[0].name = btf__name_by_offset(btf, e->name_off);
			sp->enum_val = (int64_t)btf_enum64_value(e);
		}
		if (!sp->acc[0].name || !sp->acc[0].name[0])
			return *why = "enum value without a name", -EINVAL;
		sp->n = 1;
		return 0;
	}
	int64_t sz = btf__resolve_size(btf, id);
	if (sz < 0 || !t)
		return *why = "root type has no size", -EINVAL;
	sp->acc[sp->n++] = (struct access){type_id, raw[0], NULL};
	sp->bit_off = (uint64_t)raw[0] * (uint64_t)sz * 8;
	sp->field_type = type_id;
	for (size_t i = 1; i < n_raw; i++) {
		t = btf__type_by_id(btf, id);
		if (!t)
			return *why = "type id out of range", -EINVAL;
		if (btf_is_composite(t)) {
			if (raw[i] >= btf_vlen(t))
				return *why = "member index past the end of its struct", -EINVAL;
			const struct btf_member *m = &btf_members(t)[raw[i]];
			const char *name = btf__name_by_offset(btf, m->name_off);
			sp->bit_off += btf_member_bit_offset(t, raw[i]);
			sp->bitfield_sz = btf_member_bitfield_size(t, raw[i]);
			sp->field_type = m->type;
			if (name && name[0])
				sp->acc[sp->n++] = (struct access){id, raw[i], name};
			id = skip_mods(btf, m->type);
		} else if (btf_is_array(t)) {
			const struct btf_array *a = btf_array(t);
			int64_t esz = btf__resolve_size(btf, a->type);
			if (esz < 0)
				return *why = "array element without a size", -EINVAL;
			if (raw[i] >= a->nelems && !(a->nelems == 0 && i + 1 == n_raw))
				return *why = "array index past the end", -EINVAL;
			sp->acc[sp->n++] = (struct access){id, raw[i], NULL};
			sp->bit_off += (uint64_t)raw[i] * (uint64_t)esz * 8;
			sp->bitfield_sz = 0;
			sp->field_type = a->type;
			id = skip_mods(btf, a->type);
		} else {
			return *why = "access into a type that is neither struct, union nor array",
			       -EINVAL;
		}
	}
	return 0;
}

/* The essential name: without a "___flavour" suffix. */
static void essential(const char *name, char *buf, size_t size)
{
	const char *f = strstr(name, "___");
	size_t n = f ? (size_t)(f - name) : strlen(name);
	if (n >= size)
		n = size - 1;
	memcpy(buf, name, n);
	buf[n] = '\0';
}

/* The target type of the same essential name and kind class, or 0. */
static uint32_t find_target(const struct btf *local, uint32_t local_id, const struct btf *targ)
{
	uint32_t id = skip_mods(local, local_id);
	const struct btf_type *t = btf__type_by_id(local, id);
	char name[128];

	if (!t)
		return 0;
	essential(type_name(local, id), name, sizeof(name));
	if (!name[0])
		return 0; /* anonymous types have nothing to match by */
	int cls = kind_class(t);
	uint32_t n = btf__type_cnt(targ);
	for (uint32_t k = 1; k < n; k++) {
		const struct btf_type *tt = btf__type_by_id(targ, k);
		if (tt && kind_class(tt) == cls && !btf_is_typedef(tt) &&
		    !strcmp(type_name(targ, k), name))
			return k;
	}
	return 0;
}

/* Field types CO-RE accepts as the same field (libbpf's
 * bpf_core_fields_are_compat, reduced to kind classes). */
static bool fields_compat(const struct btf *lb, uint32_t lid, const struct btf *tb, uint32_t tid,
			  int depth)
{
	const struct btf_type *l = btf__type_by_id(lb, skip_mods(lb, lid));
	const struct btf_type *t = btf__type_by_id(tb, skip_mods(tb, tid));
	if (!l || !t || depth > CORE_MAX_DEPTH || kind_class(l) != kind_class(t))
		return false;
	if (btf_is_array(l))
		return fields_compat(lb, btf_array(l)->type, tb, btf_array(t)->type, depth + 1);
	return true;
}

/* Member name of composite tid in tb, searched into anonymous members:
 * adds its bit offset to *bit_off, sets *mtype and *bitfield_sz. */
static bool match_member(const struct btf *tb, uint32_t tid, const char *name, uint64_t *bit_off,
			 uint32_t *mtype, uint32_t *bitfield_sz, int depth)
{
	const struct btf_type *t = btf__type_by_id(tb, tid);
	if (!t || !btf_is_composite(t) || depth > CORE_MAX_DEPTH)
		return false;
	for (uint32_t i = 0; i < btf_vlen(t); i++) {
		const struct btf_member *m = &btf_members(t)[i];
		const char *mn = btf__name_by_offset(tb, m->name_off);
		uint64_t off = *bit_off + btf_member_bit_offset(t, i);
		if (mn && mn[0]) {
			if (strcmp(mn, name))
				continue;
			*bit_off = off;
			*mtype = m->type;
			*bitfield_sz = btf_member_bitfield_size(t, i);
			return true;
		}
		uint64_t inner = off;
		if (match_member(tb, skip_mods(tb, m->type), name, &inner, mtype, bitfield_sz,
				 depth + 1)) {
			*bit_off = inner;
			return true;
		}
	}
	return false;
}

/* Walk the local spec's accesses on target type root: the target spec.
 * false when the target has no such field (*missing names it). */
static bool match_field(const struct spec *ls, const struct btf *tb, uint32_t root,
			struct spec *ts, const char **missing)
{
	memset(ts, 0, sizeof(*ts));
	ts->btf = tb;
	ts->root_id = root;
	int64_t sz = btf__resolve_size(tb, root);
	if (sz < 0)
		return false;
	ts->bit_off = (uint64_t)ls->acc[0].idx * (uint64_t)sz * 8;
	ts->field_type = root;
	uint32_t id = skip_mods(tb, root);
	for (size_t i = 1; i < ls->n; i++) {
		const struct access *a = &ls->acc[i];
		const struct btf_type *t = btf__type_by_id(tb, id);
		if (!t)
			return false;
		if (a->name) {
			uint32_t mtype = 0, bsz = 0;
			if (!btf_is_composite(t) ||
			    !match_member(tb, id, a->name, &ts->bit_off, &mtype, &bsz, 0)) {
				*missing = a->name;
				return false;
			}
			const struct btf_type *lp = btf__type_by_id(ls->btf, a->type_id);
			const struct btf_member *lm = lp && btf_is_composite(lp) && a->idx < btf_vlen(lp)
				? &btf_members(lp)[a->idx] : NULL;
			if (!lm || !fields_compat(ls->btf, lm->type, tb, mtype, 0)) {
				*missing = a->name;
				return false;
			}
			ts->field_type = mtype;
			ts->bitfield_sz = bsz;
			id = skip_mods(tb, mtype);
		} else {
			if (!btf_is_array(t))
				return false;
			const struct btf_array *arr = btf_array(t);
			int64_t esz = btf__resolve_size(tb, arr->type);
			if (esz < 0 || (a->idx >= arr->nelems && arr->nelems))
				return false;
			ts->bit_off += (uint64_t)a->idx * (uint64_t)esz * 8;
			ts->field_type = arr->type;
			ts->bitfield_sz = 0;
			id = skip_mods(tb, arr->type);
		}
	}
	return true;
}

/* The value of a field relocation on spec sp (libbpf's
 * bpf_core_calc_field_relo). *mem_sz: the field's bytes. */
static int field_value(const struct spec *sp, uint32_t kind, uint64_t *val, uint32_t *mem_sz,
		       const char **why)
{
	const struct btf *btf = sp->btf;
	uint32_t fid = skip_mods(btf, sp->field_type);
	const struct btf_type *ft = btf__type_by_id(btf, fid);
	int64_t sz = btf__resolve_size(btf, fid);
	uint64_t byte_off, byte_sz, bit_sz;

	if (!ft || sz < 0)
		return *why = "field without a size", -EINVAL;
	if (!sp->bitfield_sz) {
		byte_sz = (uint64_t)sz;
		byte_off = sp->bit_off / 8;
		bit_sz = byte_sz * 8;
		if (sp->bit_off % 8)
			return *why = "field not at a byte offset", -EINVAL;
	} else {
		bit_sz = sp->bitfield_sz;
		byte_sz = (uint64_t)sz;
		if (!byte_sz || byte_sz > 8)
			return *why = "bitfield of an odd size", -EINVAL;
		byte_off = sp->bit_off / 8 / byte_sz * byte_sz;
		while (sp->bit_off + bit_sz - byte_off * 8 > byte_sz * 8) {
			if (byte_sz >= 8)
				return *why = "bitfield straddles 8 bytes", -EINVAL;
			byte_sz *= 2;
			byte_off = sp->bit_off / 8 / byte_sz * byte_sz;
		}
	}
	*mem_sz = (uint32_t)byte_sz;
	switch (kind) {
	case K_FIELD_BYTE_OFFSET: *val = byte_off; break;
	case K_FIELD_BYTE_SIZE: *val = byte_sz; break;
	case K_FIELD_EXISTS: *val = 1; break;
	case K_FIELD_SIGNED:
		*val = btf_is_any_enum(ft) ? btf_kflag(ft)
		       : btf_is_int(ft) ? !!(btf_int_encoding(ft) & BTF_INT_SIGNED) : 0;
		break;
	case K_FIELD_LSHIFT_U64: *val = 64 - (sp->bit_off + bit_sz - byte_off * 8); break;
	case K_FIELD_RSHIFT_U64: *val = 64 - bit_sz; break;
	default: return *why = "not a field relocation", -EINVAL;
	}
	return 0;
}

/* The enum value named like the local one in target enum tid. */
static bool match_enumval(const struct btf *tb, uint32_t tid, const char *name, int64_t *val)
{
	const struct btf_type *t = btf__type_by_id(tb, tid);
	for (uint32_t i = 0; t && i < btf_vlen(t); i++) {
		if (btf_is_enum(t)) {
			if (!strcmp(btf__name_by_offset(tb, btf_enum(t)[i].name_off), name))
				return *val = btf_enum(t)[i].val, true;
		} else if (btf_is_enum64(t)) {
			const struct btf_enum64 *e = &btf_enum64(t)[i];
			if (!strcmp(btf__name_by_offset(tb, e->name_off), name))
				return *val = (int64_t)btf_enum64_value(e), true;
		}
	}
	return false;
}

struct resolved {
	uint64_t local, targ;
	uint32_t local_sz, targ_sz; /* field relocations: bytes of the field */
	bool found;                 /* the target has it */
	const char *missing;        /* the member name it lacks, if known */
};

static int resolve(struct elf_ctx *c, uint32_t type_id, const char *access, uint32_t kind,
		   struct resolved *r, const char **why)
{
	const struct btf *lb = c->obj->btf, *tb = c->kbtf;
	struct spec ls, ts;
	int ret;

	memset(r, 0, sizeof(*r));
	if ((ret = parse_spec(lb, type_id, access, kind, &ls, why)))
		return ret;
	uint32_t root = find_target(lb, type_id, tb);
	if (kind_is_field(kind)) {
		if ((ret = field_value(&ls, kind, &r->local, &r->local_sz, why)))
			return ret;
		r->found = root && match_field(&ls, tb, root, &ts, &r->missing);
		if (r->found && (ret = field_value(&ts, kind, &r->targ, &r->targ_sz, why)))
			return ret;
	} else if (kind_is_enumval(kind)) {
		int64_t v = 0;
		r->local = kind == K_ENUMVAL_EXISTS ? 1 : (uint64_t)ls.enum_val;
		r->found = root && match_enumval(tb, root, ls.acc[0].name, &v);
		r->targ = kind == K_ENUMVAL_EXISTS ? 1 : (uint64_t)v;
		r->missing = ls.acc[0].name;
	} else {
		int64_t lsz = btf__resolve_size(lb, type_id);
		int64_t tsz = root ? btf__resolve_size(tb, root) : 0;
		r->found = root != 0;
		switch (kind) {
		case K_TYPE_ID_LOCAL:
			r->local = r->targ = type_id;
			r->found = true;
			break;
		case K_TYPE_ID_TARGET: r->local = type_id; r->targ = root; break;
		case K_TYPE_EXISTS:
		case K_TYPE_MATCHES: r->local = r->targ = 1; break;
		case K_TYPE_SIZE:
			if (lsz < 0 || tsz < 0)
				return *why = "type without a size", -EINVAL;
			r->local = (uint64_t)lsz;
			r->targ = (uint64_t)tsz;
			break;
		}
	}
	if (!r->found) {
		if (kind == K_FIELD_EXISTS || kind == K_TYPE_EXISTS || kind == K_TYPE_MATCHES ||
		    kind == K_ENUMVAL_EXISTS) {
			r->targ = 0;
			return 0;
		}
		return *why = "unresolved", -ENOENT;
	}
	return 0;
}

/* The program (function) holding slot insn of code section sec. */
static const char *fn_name_at(const struct elf_ctx *c, uint32_t sec, size_t insn)
{
	for (size_t k = 0; k < c->n_fns; k++)
		if (c->fns[k].sec == sec && insn >= c->fns[k].start && insn < c->fns[k].end)
			return c->fns[k].name;
	return "?";
}

/* Patch a copy of the instruction (two slots for ld_imm64) with the target
 * value, checking that it holds the local one. */
static int patch(struct elf_ctx *c, uint32_t sec, size_t slot, uint32_t kind,
		 const struct resolved *r, struct elf_core_fix *fix, const char *where)
{
	const struct elf_sec *s = &c->secs[sec];
	struct bpfvm_insn insn[2];
	const struct isa_desc *d;

	memcpy(&insn[0], s->data + slot * 8, 8);
	d = isa_lookup(&insn[0]);
	if (!d)
		return err_set(c->err, -EINVAL, "%s: the relocated instruction is not valid", where);
	fix->slot = (uint32_t)slot;
	fix->wide = false;
	switch (d->shape) {
	case ISA_SHAPE_ALU_K:
		if ((uint64_t)(int64_t)insn[0].imm != r->local && (uint32_t)insn[0].imm != r->local)
			goto mismatch;
		if (r->targ > UINT32_MAX)
			return err_set(c->err, -ERANGE, "%s: value %llu does not fit the immediate",
				       where, (unsigned long long)r->targ);
		insn[0].imm = (int32_t)(uint32_t)r->targ;
		break;
	case ISA_SHAPE_LDX:
	case ISA_SHAPE_LDXSX:
	case ISA_SHAPE_ST:
	case ISA_SHAPE_STX:
		if (kind != K_FIELD_BYTE_OFFSET)
			return err_set(c->err, -EINVAL,
				       "%s: a %s relocation on a load or store", where, kind_names[kind]);
		if ((uint64_t)(int64_t)insn[0].off != r->local)
			goto mismatch;
		if (r->targ > INT16_MAX)
			return err_set(c->err, -ERANGE, "%s: offset %llu does not fit the instruction",
				       where, (unsigned long long)r->targ);
		if (r->found && r->local_sz != r->targ_sz)
			return err_set(c->err, -ENOTSUP,
				       "%s: the field is %u bytes in the program's type and %u bytes "
				       "in bpfvm's; resizing the access is not supported",
				       where, r->local_sz, r->targ_sz);
		insn[0].off = (int16_t)r->targ;
		break;
	case ISA_SHAPE_LDDW:
		if (slot + 1 >= s->n_insns)
			return err_set(c->err, -EINVAL, "%s: ld_imm64 without its second slot", where);
		memcpy(&insn[1], s->data + (slot + 1) * 8, 8);
		if (((uint64_t)(uint32_t)insn[1].imm << 32 | (uint32_t)insn[0].imm) != r->local)
			goto mismatch;
		insn[0].imm = (int32_t)(uint32_t)r->targ;
		insn[1].imm = (int32_t)(uint32_t)(r->targ >> 32);
		fix->wide = true;
		break;
	default:
		return err_set(c->err, -EINVAL,
			       "%s: CO-RE relocation on an instruction that is neither an ALU "
			       "operation with an immediate, a load, a store nor ld_imm64",
			       where);
	}
	memcpy(fix->insn, insn, sizeof(insn));
	return 0;
mismatch:
	return err_set(c->err, -EINVAL,
		       "%s: the instruction does not hold the value the relocation expects "
		       "(%llu, from the program's own BTF)",
		       where, (unsigned long long)r->local);
}

int elf_core_relo(struct elf_ctx *c, uint32_t sec, const uint8_t *rec, size_t at)
{
	const struct btf *btf = c->obj->btf;
	uint32_t insn_off, type_id, kind;
	const char *access, *why = NULL;
	struct elf_sec *s;
	struct resolved r;
	char where[256], tdesc[160];
	int ret;

	if (!sec)
		return 0; /* a section this loader does not load */
	memcpy(&insn_off, rec, 4);
	memcpy(&type_id, rec + 4, 4);
	memcpy(&kind, rec + 12, 4);
	uint32_t str_off;
	memcpy(&str_off, rec + 8, 4);
	s = &c->secs[sec];
	access = btf__str_by_offset(btf, str_off);
	if (insn_off % 8 || insn_off / 8 >= s->n_insns)
		return err_set(c->err, -EINVAL,
			       "section '.BTF.ext' offset %zu: CO-RE relocation for '%s' at byte %u "
			       "outside its code",
			       at, s->name, insn_off);
	if (!access || kind >= K__COUNT || !btf__type_by_id(btf, type_id) || !type_id)
		return err_set(c->err, -EINVAL,
			       "section '.BTF.ext' offset %zu: CO-RE relocation with %s", at,
			       !access ? "an access string offset out of range"
			       : kind >= K__COUNT ? "an unknown kind" : "a type id out of range");
	if (!c->kbtf) {
		c->kbtf = hook_kern_btf_new();
		if (!c->kbtf)
			return err_set(c->err, -ENOMEM, "out of memory (bpfvm's BTF)");
	}
	type_desc(btf, type_id, tdesc, sizeof(tdesc));
	snprintf(where, sizeof(where),
		 "section '%s' insn %u: CO-RE relocation in '%s' (%s, type '%s', access '%s')",
		 s->name, insn_off / 8, fn_name_at(c, sec, insn_off / 8), kind_names[kind],
		 type_name(btf, type_id)[0] ? type_name(btf, type_id) : "?", access);
	ret = resolve(c, type_id, access, kind, &r, &why);
	if (ret == -ENOENT) {
		if (r.missing && (kind_is_field(kind) || kind_is_enumval(kind)) &&
		    find_target(btf, type_id, c->kbtf))
			return err_set(c->err, -ENOTSUP,
				       "%s cannot be resolved: bpfvm's %s has no %s '%s'", where,
				       tdesc, kind_is_enumval(kind) ? "value" : "field", r.missing);
		return err_set(c->err, -ENOTSUP,
			       "%s cannot be resolved: bpfvm has no %s (see docs/objects.md)",
			       where, tdesc);
	}
	if (ret)
		return err_set(c->err, ret, "section '.BTF.ext' offset %zu: %s: %s", at, where, why);
	if (elf_grow((void **)&s->core, &s->core_cap, s->n_core + 1, sizeof(*s->core)))
		return err_set(c->err, -ENOMEM, "out of memory");
	ret = patch(c, sec, insn_off / 8, kind, &r, &s->core[s->n_core], where);
	if (ret)
		return ret;
	s->n_core++;
	return 0;
}

void elf_core_apply(const struct elf_sec *s, size_t start, size_t end, struct bpfvm_insn *out)
{
	for (size_t i = 0; i < s->n_core; i++) {
		const struct elf_core_fix *f = &s->core[i];
		if (f->slot < start || f->slot >= end)
			continue;
		out[f->slot - start] = f->insn[0];
		if (f->wide && f->slot + 1 < end)
			out[f->slot + 1 - start] = f->insn[1];
	}
}
