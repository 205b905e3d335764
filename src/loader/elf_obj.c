/*
 * elf_obj.c - elf_obj_open(): the steps of reading an object, in order,
 * and elf_obj_free().
 *
 *   1. elf_read.c: sections, symbols, relocations, functions;
 *   2. the programs: one per function of a code section other than .text
 *      (global functions only when the section has any), or the global
 *      functions of .text when it is the only code; types from the
 *      section name (unknown names keep type 0, as older loaders did);
 *   3. .BTF through libbpf (btf__new), its DATASECs laid out as their
 *      sections (globals.c), license, version;
 *   4. maps_def.c: maps in their three forms and global data;
 *   5. btf_ext.c: line info, and CO-RE relocations resolved against
 *      bpfvm's own types (core.c);
 *   6. reloc.c: each program linked with its subprograms.
 * Any failure frees everything built so far; *out is set only on success.
 */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/elf_internal.h"
#include "loader/globals.h"

static bool only_text(const struct elf_ctx *c)
{
	for (size_t i = 1; i < c->n_secs; i++)
		if (c->secs[i].kind == ELF_SEC_CODE && i != c->text_sec)
			return false;
	return true;
}

static bool sec_has_global(const struct elf_ctx *c, uint32_t sec)
{
	for (size_t k = 0; k < c->n_fns; k++)
		if (c->fns[k].sec == sec && c->fns[k].global)
			return true;
	return false;
}

static int make_progs(struct elf_ctx *c)
{
	struct elf_obj *o = c->obj;
	bool text_only = only_text(c);
	size_t n = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t k = 0; k < c->n_fns; k++) {
			struct elf_fn *f = &c->fns[k];
			bool is_text = f->sec == c->text_sec;

			if (is_text && !(text_only && f->global))
				continue;
			if (!f->global && sec_has_global(c, f->sec))
				continue; /* a static helper beside the programs */
			if (pass == 0) {
				n++;
				continue;
			}
			struct elf_prog *p = &o->progs[o->n_progs];
			f->prog_idx = (int)o->n_progs++;
			p->name = strdup(f->name);
			p->section = strdup(c->secs[f->sec].name);
			if (!p->name || !p->section)
				return err_set(c->err, -ENOMEM, "out of memory");
			if (!elf_section_prog_type(p->section, &p->prog_type, &p->attach_type))
				p->prog_type = p->attach_type = 0;
		}
		if (pass == 0) {
			o->progs = calloc(n ? n : 1, sizeof(*o->progs));
			if (!o->progs)
				return err_set(c->err, -ENOMEM, "out of memory");
		}
	}
	return 0;
}

/*
 * libbpf reports BTF faults through its print callback, which by default
 * writes to stderr; the library must not print. While btf__new() runs,
 * the callback keeps the last warning (per thread) for our message and
 * the caller's callback is put back afterwards. (libbpf's callback is
 * process-wide: a libbpf message from another thread during that window
 * is lost.)
 */
static _Thread_local char btf_warning[160];

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN) {
		vsnprintf(btf_warning, sizeof(btf_warning), fmt, ap);
		btf_warning[strcspn(btf_warning, "\n")] = '\0';
	}
	return 0;
}

static int read_btf(struct elf_ctx *c)
{
	const struct elf_sec *s;
	libbpf_print_fn_t old;
	struct btf *btf;
	int e;

	if (!c->btf_sec)
		return 0;
	s = &c->secs[c->btf_sec];
	if (s->size > UINT32_MAX)
		return err_set(c->err, -EINVAL, "section '.BTF' offset 0: %zu bytes", s->size);
	btf_warning[0] = '\0';
	old = libbpf_set_print(quiet_print);
	errno = 0;
	btf = btf__new(s->data, (uint32_t)s->size);
	e = errno ? errno : EINVAL;
	libbpf_set_print(old);
	if (!btf)
		return err_set(c->err, -EINVAL, "section '.BTF' offset 0: libbpf rejects the BTF: %s",
			       btf_warning[0] ? btf_warning : strerror(e));
	c->obj->btf = btf;
	return 0;
}

static int read_license_version(struct elf_ctx *c)
{
	for (size_t i = 1; i < c->n_secs; i++) {
		const struct elf_sec *s = &c->secs[i];

		if (!strcmp(s->name, "license") && s->data) {
			size_t n = strnlen((const char *)s->data, s->size);
			if (n >= sizeof(c->obj->license))
				n = sizeof(c->obj->license) - 1;
			memcpy(c->obj->license, s->data, n);
			c->obj->license[n] = '\0';
		} else if (!strcmp(s->name, "version") && s->data) {
			if (s->size != sizeof(uint32_t))
				return err_set(c->err, -EINVAL,
					       "section 'version' offset 0: %zu bytes, expected 4", s->size);
			memcpy(&c->obj->kern_version, s->data, sizeof(uint32_t));
		}
	}
	return 0;
}

int elf_obj_open(const void *data, size_t size, const char *name, struct elf_obj **out,
		 struct bpfvm_error *err)
{
	struct elf_ctx c = {.err = err};
	int ret;

	err_clear(err);
	if (!out)
		return err_set(err, -EINVAL, "elf_obj_open: out is NULL");
	*out = NULL;
	c.obj = calloc(1, sizeof(*c.obj));
	if (!c.obj)
		return err_set(err, -ENOMEM, "out of memory");
	c.obj->name = strdup(name ? name : "");
	if (!c.obj->name) {
		ret = err_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	ret = elf_read(&c, data, size);
	if (!ret)
		ret = make_progs(&c);
	if (!ret)
		ret = read_btf(&c);
	if (!ret)
		ret = elf_btf_fixup_datasec(&c);
	if (!ret)
		ret = read_license_version(&c);
	if (!ret)
		ret = elf_maps_collect(&c);
	if (!ret)
		ret = elf_btf_ext_collect(&c);
	for (size_t k = 0; !ret && k < c.n_fns; k++)
		if (c.fns[k].prog_idx >= 0)
			ret = elf_link_prog(&c, &c.fns[k], &c.obj->progs[c.fns[k].prog_idx]);
out:
	btf__free(c.kbtf);
	elf_read_free(&c);
	free(c.map_locs);
	if (ret) {
		elf_obj_free(c.obj);
		return ret;
	}
	*out = c.obj;
	return 0;
}

void elf_obj_free(struct elf_obj *obj)
{
	if (!obj)
		return;
	for (size_t i = 0; i < obj->n_progs; i++) {
		struct elf_prog *p = &obj->progs[i];
		for (size_t k = 0; k < p->n_funcs; k++)
			free((char *)p->funcs[k].name);
		free(p->funcs);
		free(p->lines);
		free(p->insns);
		free(p->name);
		free(p->section);
	}
	for (size_t i = 0; i < obj->n_maps; i++) {
		free(obj->maps[i].section);
		free(obj->maps[i].data);
		free(obj->maps[i].inits);
	}
	free(obj->progs);
	free(obj->maps);
	btf__free(obj->btf);
	free(obj->name);
	free(obj);
}
