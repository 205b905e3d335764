/*
 * maps_def.c - map definitions in their three ELF forms, plus global data.
 *
 * - SEC(".maps"): BTF-defined maps. Each variable of the ".maps" DATASEC
 *   is a struct whose members encode the attributes in their types, as
 *   bpf_helpers.h's __uint/__type/__array macros write them: __uint(x, N)
 *   is "int (*x)[N]", __type(x, T) is "T *x", __array(values, T) is
 *   "T *values[]" (last member). Initial slots of __array(values) come
 *   from R_BPF_64_ABS64 relocations into .maps, one pointer per slot.
 * - SEC("maps") with libbpf's struct bpf_map_def (5 x u32) or iproute2's
 *   struct bpf_elf_map (9 x u32). The record size is the section size
 *   divided by the number of map symbols, as both loaders compute it. The
 *   two are told apart by the struct name in BTF when there is one, else
 *   by the record size (36 bytes or more: iproute2).
 * - .data/.rodata/.bss/... : one-element arrays holding the section.
 *
 * Maps come out in that order: SEC("maps") by offset, .maps by DATASEC
 * order (an inner-map template right after its outer map), data sections
 * by section index.
 */
#include <bpf/btf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/elf_internal.h"

static int add_map(struct elf_ctx *c, const char *name, uint32_t sec, enum elf_map_origin origin,
		   struct elf_map_def **out)
{
	struct elf_obj *o = c->obj;
	struct elf_map_def *m;
	size_t cap = c->maps_cap;

	if (elf_grow((void **)&o->maps, &c->maps_cap, o->n_maps + 1, sizeof(*o->maps)) ||
	    elf_grow((void **)&c->map_locs, &cap, o->n_maps + 1, sizeof(*c->map_locs)))
		return err_set(c->err, -ENOMEM, "out of memory");
	m = &o->maps[o->n_maps];
	memset(m, 0, sizeof(*m));
	memset(&c->map_locs[o->n_maps], 0, sizeof(c->map_locs[0]));
	snprintf(m->name, sizeof(m->name), "%s", name);
	m->section = strdup(sec < c->n_secs ? c->secs[sec].name : ".maps");
	if (!m->section)
		return err_set(c->err, -ENOMEM, "out of memory");
	m->origin = origin;
	m->inner_idx = -1;
	c->map_locs[o->n_maps].sec = sec;
	o->n_maps++;
	*out = m;
	return 0;
}

int elf_map_by_offset(const struct elf_ctx *c, uint32_t sec, uint64_t value)
{
	for (size_t i = 0; i < c->obj->n_maps; i++)
		if (c->map_locs[i].sec == sec && c->map_locs[i].off == value &&
		    !c->obj->maps[i].inner_only)
			return (int)i;
	return -1;
}

/* ---------------------------------------------------------- SEC("maps") */

static int sym_cmp(const void *a, const void *b)
{
	const struct elf_sym *x = *(const struct elf_sym *const *)a;
	const struct elf_sym *y = *(const struct elf_sym *const *)b;
	return x->value < y->value ? -1 : x->value > y->value;
}

static bool is_map_sym(const struct elf_sym *y, uint32_t sec)
{
	return y->shndx == sec && y->type != STT_SECTION && y->type != STT_FILE && y->name[0];
}

/* The struct name BTF gives the variables of DATASEC "maps", or NULL. */
static const char *maps_struct_name(const struct btf *btf)
{
	int id = btf ? btf__find_by_name_kind(btf, "maps", BTF_KIND_DATASEC) : -1;
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, (uint32_t)id) : NULL;

	if (!t || !btf_vlen(t))
		return NULL;
	t = btf__type_by_id(btf, btf_var_secinfos(t)[0].type);
	if (!t || !btf_is_var(t))
		return NULL;
	for (int depth = 0; depth < 32; depth++) {
		t = btf__type_by_id(btf, t->type);
		if (!t || btf_is_composite(t))
			break;
		if (!btf_is_mod(t) && !btf_is_typedef(t))
			return NULL;
	}
	return t && btf_is_composite(t) ? btf__name_by_offset(btf, t->name_off) : NULL;
}

static int collect_legacy(struct elf_ctx *c)
{
	const struct elf_sec *s = &c->secs[c->maps_sec];
	const struct elf_sym **syms;
	size_t n = 0, rec;
	const char *sname = maps_struct_name(c->obj->btf);
	bool iproute2;
	int ret = 0;

	for (size_t i = 0; i < c->n_syms; i++)
		n += is_map_sym(&c->syms[i], c->maps_sec);
	if (!n || !s->data || s->size % n)
		return err_set(c->err, -EINVAL,
			       "section 'maps' offset 0: %zu bytes do not divide into %zu map definitions",
			       s->size, n);
	rec = s->size / n;
	if (rec < 4 * sizeof(uint32_t))
		return err_set(c->err, -EINVAL,
			       "section 'maps' offset 0: map definitions of %zu bytes are too short", rec);
	if (sname && !strcmp(sname, "bpf_elf_map"))
		iproute2 = true;
	else if (sname && !strcmp(sname, "bpf_map_def"))
		iproute2 = false;
	else
		iproute2 = rec >= 9 * sizeof(uint32_t);
	syms = calloc(n, sizeof(*syms));
	if (!syms)
		return err_set(c->err, -ENOMEM, "out of memory");
	n = 0;
	for (size_t i = 0; i < c->n_syms; i++)
		if (is_map_sym(&c->syms[i], c->maps_sec))
			syms[n++] = &c->syms[i];
	qsort(syms, n, sizeof(*syms), sym_cmp);

	size_t first = c->obj->n_maps;
	for (size_t i = 0; i < n && !ret; i++) {
		const struct elf_sym *y = syms[i];
		uint32_t f[9] = {0};
		struct elf_map_def *m;

		if (y->value % 4 || y->value > s->size || rec > s->size - y->value) {
			ret = err_set(c->err, -EINVAL,
				      "section 'maps' offset %llu: map '%s' of %zu bytes past the end",
				      (unsigned long long)y->value, y->name, rec);
			break;
		}
		memcpy(f, s->data + y->value, rec < sizeof(f) ? rec : sizeof(f));
		ret = add_map(c, y->name, c->maps_sec, iproute2 ? ELF_MAP_IPROUTE2 : ELF_MAP_LEGACY, &m);
		if (ret)
			break;
		c->map_locs[c->obj->n_maps - 1].off = y->value;
		c->map_locs[c->obj->n_maps - 1].size = rec;
		m->type = f[0];
		m->key_size = f[1];
		m->value_size = f[2];
		m->max_entries = f[3];
		m->map_flags = f[4];
		if (iproute2)
			m->pinning = f[6];
	}
	/* iproute2 map-in-map: the outer names its template by id (inner_id);
	 * a map with id == X and inner_idx == I goes into slot I of the outer
	 * map whose inner_id is X. */
	for (size_t i = first; iproute2 && !ret && i < c->obj->n_maps; i++) {
		uint32_t fo[9] = {0}, fi[9] = {0};
		struct elf_map_def *outer = &c->obj->maps[i];

		memcpy(fo, s->data + c->map_locs[i].off, rec < sizeof(fo) ? rec : sizeof(fo));
		if (!fo[7])
			continue;
		for (size_t k = first; k < c->obj->n_maps && !ret; k++) {
			memcpy(fi, s->data + c->map_locs[k].off, rec < sizeof(fi) ? rec : sizeof(fi));
			if (k == i || fi[5] != fo[7])
				continue;
			if (outer->inner_idx < 0)
				outer->inner_idx = (int)k;
			if (fi[8] >= outer->max_entries) {
				ret = err_set(c->err, -EINVAL,
					      "section 'maps' offset %llu: map '%s' inner_idx %u outside '%s' of %u entries",
					      (unsigned long long)c->map_locs[k].off, c->obj->maps[k].name,
					      fi[8], outer->name, outer->max_entries);
				break;
			}
			struct elf_map_init *in = realloc(outer->inits, (outer->n_inits + 1) * sizeof(*in));
			if (!in) {
				ret = err_set(c->err, -ENOMEM, "out of memory");
				break;
			}
			outer->inits = in;
			in[outer->n_inits++] = (struct elf_map_init){.index = fi[8], .prog_idx = -1,
								     .map_idx = (int)k};
		}
		if (!ret && outer->inner_idx < 0)
			ret = err_set(c->err, -EINVAL,
				      "section 'maps' offset %llu: map '%s' inner_id %u names no map",
				      (unsigned long long)c->map_locs[i].off, outer->name, fo[7]);
	}
	free(syms);
	return ret;
}

/* ---------------------------------------------------------- SEC(".maps") */

/* Skip typedefs and modifiers (bounded: BTF may loop). */
static const struct btf_type *skip_mods(const struct btf *btf, uint32_t id, uint32_t *res_id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	for (int depth = 0; t && depth < 32 && (btf_is_mod(t) || btf_is_typedef(t)); depth++) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	if (t && (btf_is_mod(t) || btf_is_typedef(t)))
		t = NULL;
	if (res_id)
		*res_id = id;
	return t;
}

struct btf_map_attrs {
	uint32_t type, key_size, value_size, max_entries, map_flags, pinning, numa_node;
	uint64_t map_extra;
	uint32_t key_id, value_id;
	int values;              /* 0 none, 1 prog array, 2 map-in-map */
	uint32_t inner_id;       /* map-in-map: the template's struct */
	uint64_t values_off;     /* bytes */
};

#define BTF_MAP_ERR(c, off, map, fmt, ...)                                                      \
	err_set((c)->err, -EINVAL, "section '.maps' offset %llu: map '%s': " fmt,              \
		(unsigned long long)(off), (map), ##__VA_ARGS__)

/* __uint(name, N): int (*name)[N] */
static int field_int(struct elf_ctx *c, uint64_t off, const char *map, const char *field,
		     const struct btf_member *m, uint32_t *res)
{
	const struct btf *btf = c->obj->btf;
	const struct btf_type *t = skip_mods(btf, m->type, NULL), *arr;

	if (!t || !btf_is_ptr(t))
		return BTF_MAP_ERR(c, off, map, "field '%s' is not a pointer to an array", field);
	arr = skip_mods(btf, t->type, NULL);
	if (!arr || !btf_is_array(arr))
		return BTF_MAP_ERR(c, off, map, "field '%s' is not a pointer to an array", field);
	*res = btf_array(arr)->nelems;
	return 0;
}

/* __type(name, T): T *name; the size of T and its id. */
static int field_type(struct elf_ctx *c, uint64_t off, const char *map, const char *field,
		      const struct btf_member *m, uint32_t *size, uint32_t *id)
{
	const struct btf *btf = c->obj->btf;
	const struct btf_type *t = skip_mods(btf, m->type, NULL);
	long long sz;

	if (!t || !btf_is_ptr(t))
		return BTF_MAP_ERR(c, off, map, "field '%s' is not a pointer", field);
	sz = btf__resolve_size(btf, t->type);
	if (sz < 0 || sz > UINT32_MAX)
		return BTF_MAP_ERR(c, off, map, "field '%s' has no size", field);
	if (*size && *size != (uint32_t)sz)
		return BTF_MAP_ERR(c, off, map, "field '%s' of %lld bytes conflicts with %s_size %u",
				   field, sz, field, *size);
	*size = (uint32_t)sz;
	*id = t->type;
	return 0;
}

static bool is_map_in_map(uint32_t type)
{
	return type == BPF_MAP_TYPE_ARRAY_OF_MAPS || type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

static int parse_btf_map(struct elf_ctx *c, uint64_t off, const char *map, uint32_t struct_id,
			 bool inner, struct btf_map_attrs *a)
{
	const struct btf *btf = c->obj->btf;
	const struct btf_type *st = skip_mods(btf, struct_id, NULL);
	const struct btf_member *mem;
	int ret = 0;

	memset(a, 0, sizeof(*a));
	if (!st || !btf_is_struct(st))
		return BTF_MAP_ERR(c, off, map, "definition is not a struct");
	mem = btf_members(st);
	for (uint16_t i = 0; i < btf_vlen(st) && !ret; i++) {
		const char *name = btf__name_by_offset(btf, mem[i].name_off);
		uint32_t *dst = NULL;

		if (!name)
			return BTF_MAP_ERR(c, off, map, "member %u has no name", i);
		if (!strcmp(name, "type"))
			dst = &a->type;
		else if (!strcmp(name, "max_entries"))
			dst = &a->max_entries;
		else if (!strcmp(name, "map_flags"))
			dst = &a->map_flags;
		else if (!strcmp(name, "numa_node"))
			dst = &a->numa_node;
		else if (!strcmp(name, "key_size"))
			dst = &a->key_size;
		else if (!strcmp(name, "value_size"))
			dst = &a->value_size;
		else if (!strcmp(name, "pinning"))
			dst = &a->pinning;
		else if (!strcmp(name, "map_extra")) {
			uint32_t v = 0;
			ret = field_int(c, off, map, name, &mem[i], &v);
			a->map_extra = v;
		} else if (strcmp(name, "key") && strcmp(name, "value") && strcmp(name, "values"))
			return BTF_MAP_ERR(c, off, map, "unknown field '%s'", name);
		if (dst)
			ret = field_int(c, off, map, name, &mem[i], dst);
	}
	for (uint16_t i = 0; i < btf_vlen(st) && !ret; i++) {
		const char *name = btf__name_by_offset(btf, mem[i].name_off);
		const struct btf_type *t;

		if (!strcmp(name, "key")) {
			ret = field_type(c, off, map, name, &mem[i], &a->key_size, &a->key_id);
		} else if (!strcmp(name, "value")) {
			ret = field_type(c, off, map, name, &mem[i], &a->value_size, &a->value_id);
		} else if (!strcmp(name, "values")) {
			if (inner)
				return BTF_MAP_ERR(c, off, map, "an inner map cannot have __array(values)");
			if (i != btf_vlen(st) - 1)
				return BTF_MAP_ERR(c, off, map, "__array(values) must be the last field");
			if (a->type != BPF_MAP_TYPE_PROG_ARRAY && !is_map_in_map(a->type))
				return BTF_MAP_ERR(c, off, map,
						   "__array(values) needs a prog array or map-in-map, not type %u",
						   a->type);
			t = skip_mods(btf, mem[i].type, NULL);
			if (!t || !btf_is_array(t) || btf_array(t)->nelems)
				return BTF_MAP_ERR(c, off, map, "'values' is not a flexible array");
			t = skip_mods(btf, btf_array(t)->type, NULL);
			if (!t || !btf_is_ptr(t))
				return BTF_MAP_ERR(c, off, map, "'values' is not an array of pointers");
			uint32_t target;
			t = skip_mods(btf, t->type, &target);
			if (a->type == BPF_MAP_TYPE_PROG_ARRAY) {
				if (!t || !btf_is_func_proto(t))
					return BTF_MAP_ERR(c, off, map,
							   "prog array 'values' must point to functions");
				a->values = 1;
			} else {
				if (!t || !btf_is_struct(t))
					return BTF_MAP_ERR(c, off, map,
							   "map-in-map 'values' must point to a map struct");
				a->values = 2;
				a->inner_id = target;
			}
			if (a->value_size && a->value_size != 4)
				return BTF_MAP_ERR(c, off, map, "value_size %u, expected 4", a->value_size);
			a->value_size = 4;
			a->values_off = btf_member_bit_offset(st, i) / 8;
		}
	}
	return ret;
}

static void fill_btf_map(struct elf_map_def *m, const struct btf_map_attrs *a)
{
	m->type = a->type;
	m->key_size = a->key_size;
	m->value_size = a->value_size;
	m->max_entries = a->max_entries;
	m->map_flags = a->map_flags;
	m->map_extra = a->map_extra;
	m->pinning = a->pinning;
	m->btf_key_type_id = a->key_id;
	m->btf_value_type_id = a->value_id;
}

static const struct elf_sym *sym_by_name(const struct elf_ctx *c, uint32_t sec, const char *name)
{
	for (size_t i = 0; i < c->n_syms; i++)
		if (c->syms[i].shndx == sec && c->syms[i].type != STT_SECTION &&
		    !strcmp(c->syms[i].name, name))
			return &c->syms[i];
	return NULL;
}

static int collect_btf(struct elf_ctx *c)
{
	const struct btf *btf = c->obj->btf;
	const struct btf_type *ds;
	const struct btf_var_secinfo *vi;
	int id;

	if (!btf)
		return err_set(c->err, -EINVAL, "section '.maps' offset 0: BTF-defined maps need a .BTF section");
	id = btf__find_by_name_kind(btf, ".maps", BTF_KIND_DATASEC);
	if (id <= 0)
		return err_set(c->err, -EINVAL, "section '.maps' offset 0: no DATASEC '.maps' in .BTF");
	ds = btf__type_by_id(btf, (uint32_t)id);
	vi = btf_var_secinfos(ds);
	for (uint16_t i = 0; i < btf_vlen(ds); i++) {
		const struct btf_type *var = btf__type_by_id(btf, vi[i].type);
		const char *name = var ? btf__name_by_offset(btf, var->name_off) : NULL;
		const struct elf_sym *y;
		struct btf_map_attrs a, ia;
		struct elf_map_def *m;
		size_t idx;
		int ret;

		if (!var || !btf_is_var(var) || !name)
			return err_set(c->err, -EINVAL, "section '.maps' offset %u: DATASEC entry %u is not a variable",
				       vi[i].offset, i);
		y = sym_by_name(c, c->btf_maps_sec, name);
		if (!y)
			return err_set(c->err, -EINVAL, "section '.maps' offset %u: map '%s' has no symbol",
				       vi[i].offset, name);
		ret = parse_btf_map(c, y->value, name, var->type, false, &a);
		if (!ret)
			ret = add_map(c, name, c->btf_maps_sec, ELF_MAP_BTF, &m);
		if (ret)
			return ret;
		idx = c->obj->n_maps - 1;
		fill_btf_map(m, &a);
		m->btf_var_type_id = vi[i].type;
		c->map_locs[idx].off = y->value;
		c->map_locs[idx].size = y->size;
		c->map_locs[idx].values_off = a.values_off;
		c->map_locs[idx].has_values = a.values != 0;
		if (a.values != 2)
			continue;
		char iname[BPFVM_OBJ_NAME_LEN];
		snprintf(iname, sizeof(iname), "%.*s.inner", BPFVM_OBJ_NAME_LEN - 7, name);
		ret = parse_btf_map(c, y->value, iname, a.inner_id, true, &ia);
		if (!ret)
			ret = add_map(c, iname, c->btf_maps_sec, ELF_MAP_BTF, &m);
		if (ret)
			return ret;
		fill_btf_map(m, &ia);
		m->inner_only = true;
		c->map_locs[c->obj->n_maps - 1].off = y->value;
		c->obj->maps[idx].inner_idx = (int)(c->obj->n_maps - 1);
	}
	return 0;
}

/* __array(values, ...) = { [1] = &prog_or_map, ... }: ABS64 relocations. */
static int collect_btf_inits(struct elf_ctx *c)
{
	const struct elf_sec *s = &c->secs[c->btf_maps_sec];

	for (size_t k = 0; k < s->n_rels; k++) {
		const struct elf_rel *r = &s->rels[k];
		const struct elf_sym *y = &c->syms[r->sym];
		struct elf_map_def *m = NULL;
		struct elf_map_loc *loc = NULL;
		struct elf_map_init init = {.prog_idx = -1, .map_idx = -1};
		uint64_t moff;

		if (r->type == ELF_R_BPF_NONE)
			continue;
		if (r->type != ELF_R_BPF_64_ABS64)
			return err_set(c->err, -EINVAL,
				       "section '.maps' offset %llu: relocation type %u, expected R_BPF_64_ABS64",
				       (unsigned long long)r->offset, r->type);
		for (size_t i = 0; i < c->obj->n_maps && !m; i++) {
			struct elf_map_loc *l = &c->map_locs[i];
			if (l->sec == c->btf_maps_sec && !c->obj->maps[i].inner_only &&
			    r->offset >= l->off && r->offset - l->off < l->size) {
				m = &c->obj->maps[i];
				loc = l;
			}
		}
		if (!m || !loc->has_values || r->offset - loc->off < loc->values_off)
			return err_set(c->err, -EINVAL,
				       "section '.maps' offset %llu: relocation outside any __array(values)",
				       (unsigned long long)r->offset);
		moff = r->offset - loc->off - loc->values_off;
		if (moff % 8 || moff / 8 >= m->max_entries)
			return err_set(c->err, -EINVAL,
				       "section '.maps' offset %llu: map '%s': slot at byte %llu outside %u entries",
				       (unsigned long long)r->offset, m->name, (unsigned long long)moff,
				       m->max_entries);
		init.index = (uint32_t)(moff / 8);
		if (m->type == BPF_MAP_TYPE_PROG_ARRAY) {
			const struct elf_fn *f = NULL;
			if (y->type == STT_FUNC && y->shndx < c->n_secs && y->value % 8 == 0)
				f = elf_fn_at(c, y->shndx, y->value / 8);
			if (!f || f->prog_idx < 0)
				return err_set(c->err, -EINVAL,
					       "section '.maps' offset %llu: map '%s' slot %u: '%s' is not a program",
					       (unsigned long long)r->offset, m->name, init.index, y->name);
			init.prog_idx = f->prog_idx;
		} else {
			init.map_idx = y->shndx == c->btf_maps_sec
					       ? elf_map_by_offset(c, c->btf_maps_sec, y->value) : -1;
			if (init.map_idx < 0)
				return err_set(c->err, -EINVAL,
					       "section '.maps' offset %llu: map '%s' slot %u: '%s' is not a map",
					       (unsigned long long)r->offset, m->name, init.index, y->name);
		}
		struct elf_map_init *in = realloc(m->inits, (m->n_inits + 1) * sizeof(*in));
		if (!in)
			return err_set(c->err, -ENOMEM, "out of memory");
		m->inits = in;
		in[m->n_inits++] = init;
	}
	return 0;
}

/* ---------------------------------------------------------- global data */

/* libbpf's global data sections; any other allocated section (libxdp's
 * .xdp_run_config, xdp_metadata: BTF-only metadata) becomes a map only
 * when code refers to it. */
static bool data_used(const struct elf_ctx *c, uint32_t sec)
{
	const char *n = c->secs[sec].name;

	if (!strncmp(n, ".data", 5) || !strncmp(n, ".rodata", 7) || !strncmp(n, ".bss", 4))
		return true;
	for (size_t i = 1; i < c->n_secs; i++) {
		const struct elf_sec *cs = &c->secs[i];
		for (size_t k = 0; cs->kind == ELF_SEC_CODE && k < cs->n_rels; k++)
			if (c->syms[cs->rels[k].sym].shndx == sec)
				return true;
	}
	return false;
}

static int collect_data(struct elf_ctx *c)
{
	for (uint32_t i = 1; i < c->n_secs; i++) {
		struct elf_sec *s = &c->secs[i];
		struct elf_map_def *m;
		int ret, id;

		if (s->kind != ELF_SEC_DATA || !data_used(c, i))
			continue;
		ret = add_map(c, s->name, i, ELF_MAP_DATA, &m);
		if (ret)
			return ret;
		s->map_idx = (int)(c->obj->n_maps - 1);
		c->map_locs[s->map_idx].size = s->size;
		m->type = BPF_MAP_TYPE_ARRAY;
		m->key_size = 4;
		m->value_size = (uint32_t)s->size;
		m->max_entries = 1;
		if (s->size > UINT32_MAX)
			return err_set(c->err, -E2BIG, "section '%s': %zu bytes of data", s->name, s->size);
		if (!strncmp(s->name, ".rodata", 7))
			m->map_flags = BPFVM_F_RDONLY_PROG;
		id = c->obj->btf ? btf__find_by_name_kind(c->obj->btf, s->name, BTF_KIND_DATASEC) : -1;
		if (id > 0)
			m->btf_value_type_id = (uint32_t)id;
		m->data_len = s->size;
		if (s->data) {
			m->data = malloc(s->size);
			if (!m->data)
				return err_set(c->err, -ENOMEM, "out of memory");
			memcpy(m->data, s->data, s->size);
		}
	}
	return 0;
}

int elf_maps_collect(struct elf_ctx *c)
{
	int ret = 0;

	if (c->maps_sec)
		ret = collect_legacy(c);
	if (!ret && c->btf_maps_sec)
		ret = collect_btf(c);
	if (!ret && c->btf_maps_sec)
		ret = collect_btf_inits(c);
	if (!ret)
		ret = collect_data(c);
	return ret;
}
