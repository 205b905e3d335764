/*
 * globals.c - global variables by name; see globals.h.
 *
 * A data section's map (ELF_MAP_DATA) carries the id of its DATASEC in
 * btf_value_type_id (maps_def.c sets it). Each DATASEC entry (a
 * btf_var_secinfo) gives a VAR's offset and size in the section, and the
 * VAR its name and type. Only those maps are searched, so a variable
 * found always has a map, and its range is checked against the section.
 *
 * clang leaves those offsets (and the DATASEC's size) 0; at open,
 * elf_btf_fixup_datasec() puts in the symbols' values and the section's
 * size, as libbpf does, so that the BTF the object hands out (dumps,
 * formatted values) has the real layout.
 */
#include <bpf/btf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "loader/elf_internal.h"
#include "loader/globals.h"

static int sym_name_cmp(const void *a, const void *b)
{
	const struct elf_sym *x = *(const struct elf_sym *const *)a;
	const struct elf_sym *y = *(const struct elf_sym *const *)b;
	return strcmp(x->name, y->name);
}

int elf_btf_fixup_datasec(struct elf_ctx *c)
{
	struct btf *btf = c->obj->btf;
	uint32_t n = btf ? btf__type_cnt(btf) : 0;
	/* The symbols of one section, sorted by name: a lookup per variable
	 * stays O(log n) however many symbols and variables a file has. */
	const struct elf_sym **syms = n ? calloc(c->n_syms + 1, sizeof(*syms)) : NULL;
	if (n && !syms)
		return err_set(c->err, -ENOMEM, "out of memory");
	for (uint32_t id = 1; id < n; id++) {
		/* The BTF is ours (btf__new copied it), so its types may be
		 * written in place, as libbpf does with its own. */
		struct btf_type *t = (struct btf_type *)btf__type_by_id(btf, id);
		if (!t || !btf_is_datasec(t))
			continue;
		const char *sname = btf__name_by_offset(btf, t->name_off);
		uint32_t sec = 0;
		for (uint32_t i = 1; sname && i < c->n_secs && !sec; i++)
			if (!strcmp(c->secs[i].name, sname))
				sec = i;
		if (!sec || c->secs[sec].size > UINT32_MAX)
			continue; /* .kconfig, .ksyms: no section */
		if (!t->size)
			t->size = (uint32_t)c->secs[sec].size;
		size_t ns = 0;
		for (size_t y = 0; y < c->n_syms; y++)
			if (c->syms[y].shndx == sec && c->syms[y].name && c->syms[y].value <= UINT32_MAX)
				syms[ns++] = &c->syms[y];
		qsort(syms, ns, sizeof(*syms), sym_name_cmp);
		struct btf_var_secinfo *vs = btf_var_secinfos(t);
		for (uint16_t k = 0; k < btf_vlen(t); k++, vs++) {
			const struct btf_type *var = btf__type_by_id(btf, vs->type);
			const char *vname = var && btf_is_var(var)
						    ? btf__name_by_offset(btf, var->name_off) : NULL;
			if (!vname)
				continue;
			struct elf_sym key = { .name = vname };
			const struct elf_sym *kp = &key, **hit =
				bsearch(&kp, syms, ns, sizeof(*syms), sym_name_cmp);
			if (hit)
				vs->offset = (uint32_t)(*hit)->value;
		}
	}
	free(syms);
	return 0;
}

/* Calls fn for every variable of every data section; stops when fn
 * returns non-zero and returns that. */
typedef int (*var_fn)(void *ctx, const struct elf_obj *elf, size_t map_idx,
		      const struct btf_var_secinfo *vs, const char *name);

static int each_var(const struct elf_obj *elf, var_fn fn, void *ctx)
{
	for (size_t i = 0; elf->btf && i < elf->n_maps; i++) {
		const struct elf_map_def *d = &elf->maps[i];
		if (d->origin != ELF_MAP_DATA || !d->btf_value_type_id)
			continue;
		const struct btf_type *t = btf__type_by_id(elf->btf, d->btf_value_type_id);
		if (!t || !btf_is_datasec(t))
			continue;
		const struct btf_var_secinfo *vs = btf_var_secinfos(t);
		for (uint16_t k = 0; k < btf_vlen(t); k++, vs++) {
			const struct btf_type *var = btf__type_by_id(elf->btf, vs->type);
			if (!var || !btf_is_var(var))
				continue;
			const char *name = btf__name_by_offset(elf->btf, var->name_off);
			if (!name || !*name)
				continue;
			int rc = fn(ctx, elf, i, vs, name);
			if (rc)
				return rc;
		}
	}
	return 0;
}

struct find {
	const char *name;
	struct bpfvm_global_info *info;
	int found;
	const char *first_section;
	struct bpfvm_error *err;
};

static int find_one(void *ctx, const struct elf_obj *elf, size_t map_idx,
		    const struct btf_var_secinfo *vs, const char *name)
{
	struct find *f = ctx;
	const struct elf_map_def *d = &elf->maps[map_idx];
	if (strcmp(name, f->name))
		return 0;
	if (f->found)
		return err_set(f->err, -EINVAL,
			       "global variable '%s' is in both %s and %s (static variables of "
			       "the same name): it cannot be set by name", name, f->first_section,
			       d->section);
	if (vs->offset > d->value_size || vs->size > d->value_size - vs->offset || !vs->size)
		return err_set(f->err, -EINVAL,
			       "global variable '%s': BTF places it at bytes %u..%u of %s, which "
			       "has %u", name, vs->offset, vs->offset + vs->size, d->section,
			       d->value_size);
	const struct btf_type *var = btf__type_by_id(elf->btf, vs->type);
	*f->info = (struct bpfvm_global_info){
		.section = d->section,
		.map_idx = map_idx,
		.offset = vs->offset,
		.size = vs->size,
		.btf_type_id = var->type,
		.read_only = (d->map_flags & BPFVM_F_RDONLY_PROG) != 0,
	};
	f->found = 1;
	f->first_section = d->section;
	return 0;
}

struct names {
	char buf[160];
	size_t len;
	bool more;
};

static int add_name(void *ctx, const struct elf_obj *elf, size_t map_idx,
		    const struct btf_var_secinfo *vs, const char *name)
{
	struct names *n = ctx;
	(void)elf, (void)map_idx, (void)vs;
	size_t need = strlen(name) + (n->len ? 2 : 0);
	if (n->more || n->len + need + 1 > sizeof(n->buf) - 4) {
		n->more = true;
		return 0;
	}
	n->len += (size_t)snprintf(n->buf + n->len, sizeof(n->buf) - n->len, "%s%s",
				   n->len ? ", " : "", name);
	return 0;
}

int elf_global_find(const struct elf_obj *elf, const char *name, struct bpfvm_global_info *info,
		    struct bpfvm_error *err)
{
	if (!elf->btf)
		return err_set(err, -ENOENT,
			       "no global variable '%s': the object has no BTF (build it with "
			       "clang -g) to name its variables", name);
	struct find f = { .name = name, .info = info, .err = err };
	int rc = each_var(elf, find_one, &f);
	if (rc)
		return rc;
	if (f.found)
		return 0;
	struct names n = { .len = 0 };
	each_var(elf, add_name, &n);
	if (n.more)
		snprintf(n.buf + n.len, sizeof(n.buf) - n.len, ", ...");
	return err_set(err, -ENOENT, "no global variable '%s' in .data/.rodata/.bss (%s%s)", name,
		       n.len ? "there are: " : "the object has none", n.buf);
}

int elf_global_set(struct elf_obj *elf, const struct bpfvm_global_info *info, const void *data,
		   struct bpfvm_error *err)
{
	struct elf_map_def *d = &elf->maps[info->map_idx];
	if (!d->data) {
		/* .bss: no bytes in the file; the section starts zeroed. */
		d->data = calloc(1, d->value_size ? d->value_size : 1);
		if (!d->data)
			return err_set(err, -ENOMEM, "out of memory");
		d->data_len = d->value_size;
	}
	memcpy((uint8_t *)d->data + info->offset, data, info->size);
	return 0;
}
