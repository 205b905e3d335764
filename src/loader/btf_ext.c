/*
 * btf_ext.c - .BTF.ext: line_info per code section, and the walk over
 * CO-RE relocations (resolved in core.c).
 *
 * libbpf 1.1 keeps its .BTF.ext parser private (btf_ext__* is not in the
 * public headers), so the format is read here directly:
 *
 *   header: u16 magic 0xeB9F, u8 version 1, u8 flags, u32 hdr_len,
 *           u32 func_info_off, u32 func_info_len,
 *           u32 line_info_off, u32 line_info_len,
 *           [u32 core_relo_off, u32 core_relo_len]   (when hdr_len >= 32)
 *   each info area (offsets from the end of the header):
 *           u32 rec_size, then blocks of
 *           { u32 sec_name_off, u32 num_info, rec_size * num_info bytes }
 *   line_info record: u32 insn_off (bytes), u32 file_name_off,
 *           u32 line_off, u32 line_col (line << 10 | column)
 *   core_relo record: u32 insn_off, u32 type_id, u32 access_str_off,
 *           u32 kind
 *
 * Every offset and count is checked against the section; strings come
 * from the .BTF string table through btf__str_by_offset(), which
 * range-checks. Function names come from the symbol table (reloc.c), not
 * from func_info, so func_info is only bounds-checked.
 */
#include <bpf/btf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loader/elf_internal.h"

#define BTF_EXT_MAGIC 0xeB9F

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

struct ext_area {
	const uint8_t *p; /* the area */
	size_t len;
	const char *what;
	size_t base;      /* the area's offset in .BTF.ext, for messages */
};

static const char *btf_str(const struct btf *btf, uint32_t off)
{
	return btf ? btf__str_by_offset(btf, off) : NULL;
}

static int line_cmp(const void *a, const void *b)
{
	const struct elf_raw_line *x = a, *y = b;
	return x->insn < y->insn ? -1 : x->insn > y->insn;
}

/*
 * Walk one info area; for each record call fn (may be NULL) with the
 * code section it belongs to (0 when the name matches no code section).
 */
typedef int (*rec_fn)(struct elf_ctx *c, uint32_t sec, const uint8_t *rec, size_t at);

static int walk_area(struct elf_ctx *c, const struct ext_area *a, size_t min_rec, rec_fn fn)
{
	size_t pos = 4, rec;

	if (!a->len)
		return 0;
	if (a->len < 4)
		return err_set(c->err, -EINVAL, "section '.BTF.ext' offset %zu: %s area of %zu bytes",
			       a->base, a->what, a->len);
	rec = rd32(a->p);
	if (rec < min_rec || rec % 4 || rec > 1024)
		return err_set(c->err, -EINVAL, "section '.BTF.ext' offset %zu: %s record size %zu",
			       a->base, a->what, rec);
	while (pos < a->len) {
		uint32_t name_off, num, sec = 0;
		const char *name;

		if (a->len - pos < 8)
			return err_set(c->err, -EINVAL, "section '.BTF.ext' offset %zu: truncated %s block",
				       a->base + pos, a->what);
		name_off = rd32(a->p + pos);
		num = rd32(a->p + pos + 4);
		pos += 8;
		if (num > (a->len - pos) / rec)
			return err_set(c->err, -EINVAL,
				       "section '.BTF.ext' offset %zu: %s block of %u records past the end",
				       a->base + pos - 8, a->what, num);
		name = btf_str(c->obj->btf, name_off);
		if (!name)
			return err_set(c->err, -EINVAL,
				       "section '.BTF.ext' offset %zu: %s section name offset %u out of range",
				       a->base + pos - 8, a->what, name_off);
		for (uint32_t i = 1; i < c->n_secs && !sec; i++)
			if (c->secs[i].kind == ELF_SEC_CODE && !strcmp(c->secs[i].name, name))
				sec = i;
		for (uint32_t i = 0; i < num; i++, pos += rec) {
			int ret = fn ? fn(c, sec, a->p + pos, a->base + pos) : 0;
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int count_line(struct elf_ctx *c, uint32_t sec, const uint8_t *rec, size_t at)
{
	if (sec)
		c->secs[sec].n_lines++;
	return 0;
}

static int add_line(struct elf_ctx *c, uint32_t sec, const uint8_t *rec, size_t at)
{
	struct elf_sec *s = &c->secs[sec];
	uint32_t insn_off = rd32(rec), lc = rd32(rec + 12);
	struct elf_raw_line *l;

	if (!sec)
		return 0; /* a section this loader does not load */
	if (insn_off % 8 || insn_off / 8 >= s->n_insns)
		return err_set(c->err, -EINVAL,
			       "section '.BTF.ext' offset %zu: line_info for '%s' at byte %u outside its code",
			       at, s->name, insn_off);
	l = &s->lines[s->n_lines++];
	l->insn = insn_off / 8;
	l->file = btf_str(c->obj->btf, rd32(rec + 4));
	l->text = btf_str(c->obj->btf, rd32(rec + 8));
	l->line = lc >> 10;
	l->column = lc & 0x3ff;
	if (!l->file)
		return err_set(c->err, -EINVAL,
			       "section '.BTF.ext' offset %zu: line_info file name offset out of range", at);
	if (l->text && !l->text[0])
		l->text = NULL;
	return 0;
}

int elf_btf_ext_collect(struct elf_ctx *c)
{
	const struct elf_sec *s;
	uint32_t hdr_len;
	struct ext_area fi, li, co = {0};
	int ret;

	if (!c->btf_ext_sec || !c->obj->btf)
		return 0; /* line info needs the string table of .BTF */
	s = &c->secs[c->btf_ext_sec];
	if (s->size < 24)
		return err_set(c->err, -EINVAL, "section '.BTF.ext' offset 0: header of %zu bytes", s->size);
	if ((rd32(s->data) & 0xffff) != BTF_EXT_MAGIC || s->data[2] != 1)
		return err_set(c->err, -EINVAL,
			       "section '.BTF.ext' offset 0: bad magic 0x%x or version %u",
			       rd32(s->data) & 0xffff, s->data[2]);
	hdr_len = rd32(s->data + 4);
	if (hdr_len < 24 || hdr_len > s->size || hdr_len % 4)
		return err_set(c->err, -EINVAL, "section '.BTF.ext' offset 4: header length %u", hdr_len);

	struct ext_area *areas[3] = {&fi, &li, &co};
	const char *names[3] = {"func_info", "line_info", "core_relo"};
	for (int i = 0; i < 3; i++) {
		uint32_t off, len;

		memset(areas[i], 0, sizeof(*areas[i]));
		areas[i]->what = names[i];
		if (8 + 8 * (size_t)i + 8 > hdr_len)
			continue;
		off = rd32(s->data + 8 + 8 * i);
		len = rd32(s->data + 12 + 8 * i);
		if (off > s->size - hdr_len || len > s->size - hdr_len - off)
			return err_set(c->err, -EINVAL,
				       "section '.BTF.ext' offset %u: %s area (%u bytes at %u) past the end",
				       8 + 8 * i, names[i], len, off);
		areas[i]->p = s->data + hdr_len + off;
		areas[i]->len = len;
		areas[i]->base = hdr_len + off;
	}
	ret = walk_area(c, &fi, 8, NULL);
	if (!ret)
		ret = walk_area(c, &co, 16, elf_core_relo);
	if (!ret)
		ret = walk_area(c, &li, 16, count_line);
	for (size_t i = 1; !ret && i < c->n_secs; i++) {
		struct elf_sec *cs = &c->secs[i];
		if (!cs->n_lines)
			continue;
		cs->lines = calloc(cs->n_lines, sizeof(*cs->lines));
		if (!cs->lines)
			ret = err_set(c->err, -ENOMEM, "out of memory");
		cs->n_lines = 0;
	}
	if (!ret)
		ret = walk_area(c, &li, 16, add_line);
	for (size_t i = 1; !ret && i < c->n_secs; i++)
		if (c->secs[i].n_lines)
			qsort(c->secs[i].lines, c->secs[i].n_lines, sizeof(*c->secs[i].lines), line_cmp);
	return ret;
}
