/*
 * object.c - bpfvm_object: an ELF object turned into live maps and
 * programs in a vm.
 *
 * open reads and relocates (elf_obj_open); load creates the maps in
 * dependency order (inner-map templates before the maps of maps that name
 * them), fills global data, loads every program with the object's maps,
 * then fills prog arrays and maps of maps from their __array(values)
 * initialisers. A failed load leaves the object as it was opened.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "elf_obj.h"
#include "isa/isa.h"
#include "loader/globals.h"

struct bpfvm_object {
	struct bpfvm_vm *vm;
	char *name;
	bool unverified;    /* opts: skip the verifier */
	uint32_t ctx_size;
	char *log_buf;      /* opts: the verifier's log */
	size_t log_size;
	uint32_t log_level;
	enum bpfvm_engine engine;
	bool allow_fallback;
	bool harden;        /* opts: constant blinding in the JIT */
	struct elf_obj *elf;
	struct bpfvm_map **maps;   /* elf->n_maps, after load */
	struct bpfvm_prog **progs; /* elf->n_progs, after load */
	bool *noload;              /* elf->n_progs: left out of the load */
	/* line info in the public shape, per program (parallel to elf lines) */
	struct bpfvm_source_line **lines;
};

/* Longest object file read, a guard against reading a device or a huge
 * file by mistake. */
#define OBJECT_MAX_SIZE ((size_t)1 << 30)

/* Line info in the public shape, per program, built once at open so that
 * the getters stay read-only (objects may be shared between threads). */
static int build_lines(struct bpfvm_object *obj, struct bpfvm_error *err)
{
	const struct elf_obj *elf = obj->elf;
	obj->lines = calloc(elf->n_progs + 1, sizeof(*obj->lines));
	if (!obj->lines)
		return err_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < elf->n_progs; i++) {
		const struct elf_prog *p = &elf->progs[i];
		obj->lines[i] = calloc(p->n_lines + 1, sizeof(**obj->lines));
		if (!obj->lines[i])
			return err_set(err, -ENOMEM, "out of memory");
		for (size_t k = 0; k < p->n_lines; k++)
			obj->lines[i][k] = (struct bpfvm_source_line){
				.file = p->lines[k].file, .text = p->lines[k].text,
				.line = p->lines[k].line, .column = p->lines[k].column,
			};
	}
	return 0;
}

struct bpfvm_object *bpfvm_object__open_mem(struct bpfvm_vm *vm, const void *data, size_t size,
					    const struct bpfvm_object_opts *opts,
					    struct bpfvm_error *err)
{
	err_clear(err);
	if (!vm || (!data && size) || !OPTS_CHECK(bpfvm_object_opts, opts)) {
		err_set(err, -EINVAL, "bpfvm_object__open: bad arguments");
		errno = EINVAL;
		return NULL;
	}
	const char *name = OPTS_GET(opts, name, NULL);
	struct bpfvm_object *obj = calloc(1, sizeof(*obj));
	if (!obj || !(obj->name = strdup(name ? name : "object"))) {
		free(obj);
		err_set(err, -ENOMEM, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	obj->vm = vm;
	obj->unverified = OPTS_GET(opts, unverified, false);
	obj->ctx_size = OPTS_GET(opts, ctx_size, 0);
	obj->log_buf = OPTS_GET(opts, log_buf, NULL);
	obj->log_size = OPTS_GET(opts, log_size, 0);
	obj->log_level = OPTS_GET(opts, log_level, 0);
	obj->engine = OPTS_GET(opts, engine, BPFVM_ENGINE_INTERP);
	obj->allow_fallback = OPTS_GET(opts, allow_fallback, false);
	obj->harden = OPTS_GET(opts, harden, false);
	int ret = elf_obj_open(data, size, obj->name, &obj->elf, err);
	if (!ret)
		ret = build_lines(obj, err);
	if (ret) {
		bpfvm_object__close(obj);
		errno = -ret;
		return NULL;
	}
	return obj;
}

struct bpfvm_object *bpfvm_object__open_file(struct bpfvm_vm *vm, const char *path,
					     const struct bpfvm_object_opts *opts,
					     struct bpfvm_error *err)
{
	err_clear(err);
	if (!path) {
		err_set(err, -EINVAL, "bpfvm_object__open_file: no path");
		errno = EINVAL;
		return NULL;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		err_set(err, -e, "cannot open '%s': %s", path, strerror(e));
		errno = e;
		return NULL;
	}
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap || cap >= OBJECT_MAX_SIZE)
			break;
		char *p = realloc(buf, cap * 2);
		if (!p) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = p;
		cap *= 2;
	}
	int bad = ferror(f);
	fclose(f);
	if (!buf || bad || n >= OBJECT_MAX_SIZE) {
		err_set(err, buf ? -EIO : -ENOMEM, "cannot read '%s'%s", path,
			n >= OBJECT_MAX_SIZE ? ": larger than 1 GiB" : "");
		free(buf);
		errno = buf ? EIO : ENOMEM;
		return NULL;
	}
	const char *base = strrchr(path, '/');
	BPFVM_OPTS(bpfvm_object_opts, o, .name = OPTS_GET(opts, name, NULL),
		   .unverified = OPTS_GET(opts, unverified, false), .ctx_size = OPTS_GET(opts, ctx_size, 0),
		   .engine = OPTS_GET(opts, engine, BPFVM_ENGINE_INTERP),
		   .allow_fallback = OPTS_GET(opts, allow_fallback, false),
		   .log_buf = OPTS_GET(opts, log_buf, NULL), .log_size = OPTS_GET(opts, log_size, 0),
		   .log_level = OPTS_GET(opts, log_level, 0), .harden = OPTS_GET(opts, harden, false));
	if (!o.name)
		o.name = base ? base + 1 : path;
	struct bpfvm_object *obj = bpfvm_object__open_mem(vm, buf, n, &o, err);
	free(buf);
	return obj;
}

static void unload(struct bpfvm_object *obj)
{
	const struct elf_obj *elf = obj->elf;
	if (obj->progs)
		for (size_t i = 0; i < elf->n_progs; i++)
			bpfvm_prog__free(obj->progs[i]);
	if (obj->maps)
		for (size_t i = 0; i < elf->n_maps; i++)
			bpfvm_map__put(obj->maps[i]);
	free(obj->progs);
	free(obj->maps);
	obj->progs = NULL;
	obj->maps = NULL;
}

void bpfvm_object__close(struct bpfvm_object *obj)
{
	if (!obj)
		return;
	if (obj->elf) {
		unload(obj);
		if (obj->lines)
			for (size_t i = 0; i < obj->elf->n_progs; i++)
				free(obj->lines[i]);
		elf_obj_free(obj->elf);
	}
	free(obj->lines);
	free(obj->noload);
	free(obj->name);
	free(obj);
}

/* Create map i, after its inner template (a map of maps names one). */
static int create_map(struct bpfvm_object *obj, size_t i, int depth, struct bpfvm_error *err)
{
	const struct elf_map_def *d = &obj->elf->maps[i];
	if (obj->maps[i])
		return 0;
	if (depth > 8)
		return err_set(err, -EINVAL, "map '%s': inner maps nest too deep", d->name);
	struct bpfvm_map *inner = NULL;
	if (d->inner_idx >= 0) {
		if ((size_t)d->inner_idx >= obj->elf->n_maps)
			return err_set(err, -EINVAL, "map '%s': bad inner map index", d->name);
		int ret = create_map(obj, (size_t)d->inner_idx, depth + 1, err);
		if (ret)
			return ret;
		inner = obj->maps[d->inner_idx];
	}
	BPFVM_OPTS(bpfvm_map_opts, mo, .map_flags = d->map_flags, .map_extra = d->map_extra,
		   .inner_map = inner, .btf_key_type_id = d->btf_key_type_id,
		   .btf_value_type_id = d->btf_value_type_id);
	/* As libbpf: a perf event array without max_entries gets one slot per
	 * CPU. */
	uint32_t max_entries = d->max_entries;
	if (d->type == BPFVM_MAP_TYPE_PERF_EVENT_ARRAY && !max_entries)
		max_entries = bpfvm_vm__nr_cpus(obj->vm);
	struct bpfvm_error merr;
	obj->maps[i] = bpfvm_map__create(obj->vm, (enum bpfvm_map_type)d->type, d->name, d->key_size,
					 d->value_size, max_entries, &mo, &merr);
	if (!obj->maps[i])
		return err_set(err, merr.code ? merr.code : -EINVAL, "map '%s' (section %s): %s",
			       d->name, d->section ? d->section : "?", merr.msg);
	if (d->origin == ELF_MAP_DATA && d->data) {
		uint32_t zero = 0;
		int ret = bpfvm_map__update(obj->maps[i], &zero, d->data, BPFVM_ANY);
		if (ret)
			return err_set(err, ret, "map '%s': cannot set its initial data", d->name);
	}
	return 0;
}

/* Fill prog arrays and maps of maps from __array(values) initialisers. */
static int apply_inits(struct bpfvm_object *obj, struct bpfvm_error *err)
{
	const struct elf_obj *elf = obj->elf;
	for (size_t i = 0; i < elf->n_maps; i++) {
		const struct elf_map_def *d = &elf->maps[i];
		for (size_t k = 0; k < d->n_inits; k++) {
			const struct elf_map_init *in = &d->inits[k];
			uint32_t id = 0;
			if (in->prog_idx >= 0 && (size_t)in->prog_idx < elf->n_progs) {
				if (!obj->progs[in->prog_idx])
					continue; /* left out of the load */
				id = bpfvm_prog__id(obj->progs[in->prog_idx]);
			}
			else if (in->map_idx >= 0 && (size_t)in->map_idx < elf->n_maps)
				id = bpfvm_map__id(obj->maps[in->map_idx]);
			else
				return err_set(err, -EINVAL, "map '%s': slot %u names nothing",
					       d->name, in->index);
			int ret = bpfvm_map__update(obj->maps[i], &in->index, &id, BPFVM_ANY);
			if (ret)
				return err_set(err, ret, "map '%s': cannot set slot %u: %s", d->name,
					       in->index, strerror(-ret));
		}
	}
	return 0;
}

int bpfvm_object__load(struct bpfvm_object *obj, struct bpfvm_error *err)
{
	err_clear(err);
	if (!obj)
		return err_set(err, -EINVAL, "bpfvm_object__load: NULL object");
	if (obj->progs)
		return err_set(err, -EALREADY, "object '%s' is already loaded", obj->name);
	const struct elf_obj *elf = obj->elf;
	int ret = -ENOMEM;
	obj->maps = calloc(elf->n_maps + 1, sizeof(*obj->maps));
	obj->progs = calloc(elf->n_progs + 1, sizeof(*obj->progs));
	if (!obj->maps || !obj->progs) {
		err_set(err, ret, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < elf->n_maps; i++) {
		ret = create_map(obj, i, 0, err);
		if (ret)
			goto fail;
	}
	if (obj->log_buf && obj->log_size)
		obj->log_buf[0] = 0;
	for (size_t i = 0; i < elf->n_progs; i++) {
		const struct elf_prog *p = &elf->progs[i];
		if (obj->noload && obj->noload[i])
			continue;
		BPFVM_OPTS(bpfvm_load_opts, lo, .name = p->name, .maps = obj->maps,
			   .n_maps = elf->n_maps, .prog_type = p->prog_type,
			   .expected_attach_type = p->attach_type,
			   .unverified = obj->unverified, .ctx_size = obj->ctx_size, .engine = obj->engine,
			   .allow_fallback = obj->allow_fallback, .harden = obj->harden);
		/* each program's log follows a header line naming it */
		if (obj->log_buf && obj->log_size > 1) {
			size_t used = strnlen(obj->log_buf, obj->log_size - 1);
			int k = snprintf(obj->log_buf + used, obj->log_size - used,
					 "program '%s' (section %s):\n", p->name, p->section);
			used += k < 0 ? 0 : (size_t)k < obj->log_size - used ? (size_t)k
									 : obj->log_size - used - 1;
			lo.log_buf = obj->log_buf + used;
			lo.log_size = obj->log_size - used;
			lo.log_level = obj->log_level;
		}
		struct bpfvm_error perr;
		ret = bpfvm_prog__load(obj->vm, p->insns, p->n_insns, &lo, &obj->progs[i], &perr);
		if (ret) {
			/* the source line that covers the refused instruction */
			const struct bpfvm_source_line *src = NULL;
			for (long k = perr.insn; k >= 0 && !src; k--)
				src = bpfvm_object__prog_line(obj, i, (size_t)k);
			err_insn(err, ret, perr.insn, "program '%s' (section %s): %s", p->name,
				 p->section, perr.msg);
			if (src) {
				snprintf(err->file, sizeof(err->file), "%s", src->file);
				err->line = (int)src->line;
				err->column = (int)src->column;
			}
			goto fail;
		}
	}
	ret = apply_inits(obj, err);
	if (ret)
		goto fail;
	return 0;
fail:
	unload(obj);
	return ret;
}

/* ---- getters ---- */

const char *bpfvm_object__name(const struct bpfvm_object *obj)
{
	return obj ? obj->name : NULL;
}

bool bpfvm_object__has_btf(const struct bpfvm_object *obj)
{
	return obj && obj->elf->btf;
}

const struct btf *bpfvm_object__btf(const struct bpfvm_object *obj)
{
	return obj ? obj->elf->btf : NULL;
}

size_t bpfvm_object__prog_cnt(const struct bpfvm_object *obj)
{
	return obj ? obj->elf->n_progs : 0;
}

static const struct elf_prog *eprog(const struct bpfvm_object *obj, size_t i)
{
	return obj && i < obj->elf->n_progs ? &obj->elf->progs[i] : NULL;
}

struct bpfvm_prog *bpfvm_object__prog(const struct bpfvm_object *obj, size_t i)
{
	return eprog(obj, i) && obj->progs ? obj->progs[i] : NULL;
}

const char *bpfvm_object__prog_name(const struct bpfvm_object *obj, size_t i)
{
	return eprog(obj, i) ? eprog(obj, i)->name : NULL;
}

const char *bpfvm_object__prog_section(const struct bpfvm_object *obj, size_t i)
{
	return eprog(obj, i) ? eprog(obj, i)->section : NULL;
}

uint32_t bpfvm_object__prog_type(const struct bpfvm_object *obj, size_t i)
{
	return eprog(obj, i) ? eprog(obj, i)->prog_type : 0;
}

const struct bpfvm_insn *bpfvm_object__prog_insns(const struct bpfvm_object *obj, size_t i,
						   size_t *n)
{
	const struct elf_prog *p = eprog(obj, i);
	if (n)
		*n = p ? p->n_insns : 0;
	return p ? p->insns : NULL;
}

int bpfvm_object__set_autoload(struct bpfvm_object *obj, const char *name, bool autoload)
{
	if (!obj || !name)
		return -EINVAL;
	if (obj->progs)
		return -EBUSY;
	if (!obj->noload) {
		obj->noload = calloc(obj->elf->n_progs + 1, sizeof(*obj->noload));
		if (!obj->noload)
			return -ENOMEM;
	}
	int found = -ENOENT;
	for (size_t i = 0; i < obj->elf->n_progs; i++)
		if (!strcmp(obj->elf->progs[i].name, name) ||
		    !strcmp(obj->elf->progs[i].section, name)) {
			obj->noload[i] = !autoload;
			found = 0;
		}
	return found;
}

struct bpfvm_prog *bpfvm_object__find_prog(const struct bpfvm_object *obj, const char *name)
{
	for (size_t i = 0; name && i < bpfvm_object__prog_cnt(obj); i++)
		if (!strcmp(obj->elf->progs[i].name, name))
			return bpfvm_object__prog(obj, i);
	return NULL;
}

size_t bpfvm_object__map_cnt(const struct bpfvm_object *obj)
{
	return obj ? obj->elf->n_maps : 0;
}

struct bpfvm_map *bpfvm_object__map(const struct bpfvm_object *obj, size_t i)
{
	return obj && i < obj->elf->n_maps && obj->maps ? obj->maps[i] : NULL;
}

const char *bpfvm_object__map_name(const struct bpfvm_object *obj, size_t i)
{
	return obj && i < obj->elf->n_maps ? obj->elf->maps[i].name : NULL;
}

struct bpfvm_map *bpfvm_object__find_map(const struct bpfvm_object *obj, const char *name)
{
	for (size_t i = 0; name && i < bpfvm_object__map_cnt(obj); i++)
		if (!strcmp(obj->elf->maps[i].name, name))
			return bpfvm_object__map(obj, i);
	return NULL;
}

int bpfvm_object__map_info(const struct bpfvm_object *obj, size_t i, struct bpfvm_map_info *info)
{
	if (!obj || i >= obj->elf->n_maps || !info)
		return -EINVAL;
	const struct elf_map_def *d = &obj->elf->maps[i];
	*info = (struct bpfvm_map_info){
		.type = (enum bpfvm_map_type)d->type,
		.key_size = d->key_size,
		.value_size = d->value_size,
		.max_entries = d->max_entries,
		.map_flags = d->map_flags,
		.section = d->section,
		.global_data = d->origin == ELF_MAP_DATA,
		.btf_key_type_id = d->btf_key_type_id,
		.btf_value_type_id = d->btf_value_type_id,
	};
	return 0;
}

const struct bpfvm_source_line *bpfvm_object__prog_line(const struct bpfvm_object *obj, size_t i,
							 size_t insn)
{
	const struct elf_prog *p = eprog(obj, i);
	if (!p || !p->n_lines)
		return NULL;
	/* Binary search: lines are sorted by instruction. */
	size_t lo = 0, hi = p->n_lines;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->lines[mid].insn < insn)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == p->n_lines || p->lines[lo].insn != insn)
		return NULL;
	return &obj->lines[i][lo];
}

/* The map index an instruction names: ld_imm64 map_by_idx (src 5) or
 * map_val(map_by_idx) (src 6), as the loader writes references. */
static long insn_map(const struct bpfvm_object *obj, const struct elf_prog *p, size_t pc)
{
	const struct isa_desc *d = isa_lookup(&p->insns[pc]);
	if (!d || d->shape != ISA_SHAPE_LDDW || (d->dval != 5 && d->dval != 6))
		return -1;
	uint32_t m = (uint32_t)p->insns[pc].imm;
	return m < obj->elf->n_maps ? (long)m : -1;
}

long bpfvm_object__insn_map(const struct bpfvm_object *obj, size_t i, size_t pc)
{
	const struct elf_prog *p = eprog(obj, i);
	return p && pc < p->n_insns ? insn_map(obj, p, pc) : -1;
}

size_t bpfvm_object__prog_maps(const struct bpfvm_object *obj, size_t i, size_t *idx, size_t max)
{
	const struct elf_prog *p = eprog(obj, i);
	size_t count = 0;
	for (size_t pc = 0; p && pc < p->n_insns; pc++) {
		long m = insn_map(obj, p, pc);
		if (m >= 0) {
			bool seen = false;
			for (size_t k = 0; k < count; k++)
				seen |= idx[k] == (size_t)m;
			if (!seen && count < max)
				idx[count++] = (size_t)m;
			pc++; /* the second slot */
		}
	}
	return count;
}

/* ---- global variables (globals.c finds them) ---- */

int bpfvm_object__find_global(const struct bpfvm_object *obj, const char *name,
			      struct bpfvm_global_info *info, struct bpfvm_error *err)
{
	err_clear(err);
	if (!obj || !name || !info)
		return err_set(err, -EINVAL, "bpfvm_object__find_global: bad arguments");
	return elf_global_find(obj->elf, name, info, err);
}

int bpfvm_object__set_global(struct bpfvm_object *obj, const char *name, const void *data,
			     size_t size, struct bpfvm_error *err)
{
	struct bpfvm_global_info gi;
	int ret = bpfvm_object__find_global(obj, name, &gi, err);
	if (ret)
		return ret;
	if (!data || size != gi.size)
		return err_set(err, -EINVAL, "global variable '%s' (%s) is %u bytes, not %zu", name,
			       gi.section, gi.size, data ? size : (size_t)0);
	if (!obj->maps) /* before load: the section's initial contents */
		return elf_global_set(obj->elf, &gi, data, err);
	if (gi.read_only)
		return err_set(err, -EPERM,
			       "global variable '%s' is in %s, which is frozen once the object is "
			       "loaded: set it before bpfvm_object__load()", name, gi.section);
	/* After load: read, patch and write back the section's one value. */
	struct bpfvm_map *map = obj->maps[gi.map_idx];
	uint8_t *val = malloc(bpfvm_map__value_buf_size(map) + 1);
	uint32_t zero = 0;
	if (!val)
		return err_set(err, -ENOMEM, "out of memory");
	ret = bpfvm_map__lookup(map, &zero, val);
	if (!ret) {
		memcpy(val + gi.offset, data, size);
		ret = bpfvm_map__update(map, &zero, val, BPFVM_ANY);
	}
	free(val);
	if (ret)
		return err_set(err, ret, "global variable '%s': cannot write %s: %s", name,
			       gi.section, strerror(-ret));
	return 0;
}
