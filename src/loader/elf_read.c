/*
 * elf_read.c - the ELF layer of the loader: sections, symbols,
 * relocations and the functions of code sections, read through libelf.
 *
 * libelf does the header parsing; this file adds the checks libelf leaves
 * to its callers (entry sizes, indices, symbol ranges, code alignment), so
 * that the later steps can index the arrays built here without checking
 * again. Everything points into the private image copy, which lives until
 * elf_read_free().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loader/elf_internal.h"

int elf_grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 8;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need) {
		if (n > SIZE_MAX / 2 / elem)
			return -ENOMEM;
		n *= 2;
	}
	p = realloc(*arr, n * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = n;
	return 0;
}

static const char *sec_name(const struct elf_ctx *c, uint32_t i)
{
	return i < c->n_secs && c->secs[i].name ? c->secs[i].name : "?";
}

/* Global data sections as libbpf names them; any other allocated,
 * non-code section is data too (clang puts named SEC() variables there). */
static enum elf_sec_kind classify(const struct elf_sec *s)
{
	if (s->type == SHT_REL)
		return ELF_SEC_REL;
	if (s->type != SHT_PROGBITS && s->type != SHT_NOBITS)
		return ELF_SEC_OTHER;
	if (s->flags & SHF_EXECINSTR)
		return s->size ? ELF_SEC_CODE : ELF_SEC_OTHER;
	if (!strcmp(s->name, "maps"))
		return ELF_SEC_MAPS;
	if (!strcmp(s->name, ".maps"))
		return ELF_SEC_BTF_MAPS;
	if (!strcmp(s->name, "license") || !strcmp(s->name, "version"))
		return ELF_SEC_OTHER;
	if ((s->flags & SHF_ALLOC) && s->size)
		return ELF_SEC_DATA;
	return ELF_SEC_OTHER;
}

static int read_sections(struct elf_ctx *c)
{
	size_t shnum, shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrnum(c->elf, &shnum) || elf_getshdrstrndx(c->elf, &shstrndx))
		return err_set(c->err, -EINVAL, "ELF header: bad section count or names index: %s",
			       elf_errmsg(-1));
	if (shnum > 65536 || shnum > c->image_size / sizeof(Elf64_Shdr) + 1)
		return err_set(c->err, -EINVAL, "ELF header: %zu sections do not fit", shnum);
	c->secs = calloc(shnum ? shnum : 1, sizeof(*c->secs));
	if (!c->secs)
		return err_set(c->err, -ENOMEM, "out of memory");
	c->n_secs = shnum;
	if (shnum < 2)
		return err_set(c->err, -EINVAL, "ELF header offset 60: no sections");
	for (size_t i = 1; i < shnum; i++) {
		scn = elf_getscn(c->elf, i);
		if (!scn)
			return err_set(c->err, -EINVAL, "section %zu: unreadable header: %s", i,
				       elf_errmsg(-1));
		struct elf_sec *s;
		GElf_Shdr sh;
		Elf_Data *d;

		s = &c->secs[i];
		s->map_idx = -1;
		if (!gelf_getshdr(scn, &sh))
			return err_set(c->err, -EINVAL, "section %zu: bad header: %s", i,
				       elf_errmsg(-1));
		s->name = elf_strptr(c->elf, shstrndx, sh.sh_name);
		if (!s->name)
			return err_set(c->err, -EINVAL, "section %zu: name offset %u out of range",
				       i, (unsigned)sh.sh_name);
		s->type = sh.sh_type;
		s->flags = sh.sh_flags;
		s->link = sh.sh_link;
		s->info = sh.sh_info;
		s->size = sh.sh_size;
		if (sh.sh_type != SHT_NOBITS && sh.sh_type != SHT_NULL) {
			if (sh.sh_offset > c->image_size || sh.sh_size > c->image_size - sh.sh_offset)
				return err_set(c->err, -EINVAL,
					       "section '%s' offset %llu: %llu bytes past the end of the file",
					       s->name, (unsigned long long)sh.sh_offset,
					       (unsigned long long)sh.sh_size);
			d = elf_getdata(scn, NULL);
			if (!d && sh.sh_size)
				return err_set(c->err, -EINVAL, "section '%s' offset %llu: unreadable: %s",
					       s->name, (unsigned long long)sh.sh_offset, elf_errmsg(-1));
			if (d && (d->d_size != sh.sh_size || (!d->d_buf && d->d_size)))
				return err_set(c->err, -EINVAL, "section '%s' offset %llu: data size mismatch",
					       s->name, (unsigned long long)sh.sh_offset);
			s->data = d ? d->d_buf : NULL;
		}
		s->kind = classify(s);
		if (s->kind == ELF_SEC_CODE) {
			if (s->size % sizeof(struct bpfvm_insn) || !s->data)
				return err_set(c->err, -EINVAL,
					       "section '%s' offset %llu: code size %zu is not a multiple of 8",
					       s->name, (unsigned long long)sh.sh_offset, s->size);
			s->n_insns = s->size / sizeof(struct bpfvm_insn);
			if (s->n_insns > BPFVM_MAX_INSNS)
				return err_set(c->err, -E2BIG, "section '%s': %zu instructions, more than %d",
					       s->name, s->n_insns, BPFVM_MAX_INSNS);
			s->rel_at = malloc(s->n_insns * sizeof(*s->rel_at));
			if (!s->rel_at)
				return err_set(c->err, -ENOMEM, "out of memory");
			memset(s->rel_at, 0xff, s->n_insns * sizeof(*s->rel_at));
			if (!strcmp(s->name, ".text"))
				c->text_sec = (uint32_t)i;
		}
		if (s->kind == ELF_SEC_MAPS)
			c->maps_sec = (uint32_t)i;
		if (s->kind == ELF_SEC_BTF_MAPS)
			c->btf_maps_sec = (uint32_t)i;
		if (!strcmp(s->name, ".BTF") && s->data)
			c->btf_sec = (uint32_t)i;
		if (!strcmp(s->name, ".BTF.ext") && s->data)
			c->btf_ext_sec = (uint32_t)i;
	}
	return 0;
}

static int read_symbols(struct elf_ctx *c)
{
	uint32_t symtab = 0;

	for (size_t i = 1; i < c->n_secs; i++) {
		if (c->secs[i].type != SHT_SYMTAB)
			continue;
		if (symtab)
			return err_set(c->err, -EINVAL, "section '%s': a second symbol table",
				       c->secs[i].name);
		symtab = (uint32_t)i;
	}
	if (!symtab)
		return 0; /* an object without symbols: sections become programs */
	const struct elf_sec *st = &c->secs[symtab];
	Elf_Data *d = elf_getdata(elf_getscn(c->elf, symtab), NULL);
	if (!d || !st->data || st->size % sizeof(Elf64_Sym))
		return err_set(c->err, -EINVAL, "section '%s': size %zu is not a whole number of symbols",
			       st->name, st->size);
	if (st->link >= c->n_secs || c->secs[st->link].type != SHT_STRTAB)
		return err_set(c->err, -EINVAL, "section '%s': string table index %u is not a string table",
			       st->name, st->link);
	c->n_syms = st->size / sizeof(Elf64_Sym);
	c->syms = calloc(c->n_syms ? c->n_syms : 1, sizeof(*c->syms));
	if (!c->syms)
		return err_set(c->err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < c->n_syms; i++) {
		struct elf_sym *y = &c->syms[i];
		GElf_Sym sym;

		if (!gelf_getsym(d, (int)i, &sym))
			return err_set(c->err, -EINVAL, "section '%s' offset %zu: bad symbol",
				       st->name, i * sizeof(Elf64_Sym));
		y->name = elf_strptr(c->elf, st->link, sym.st_name);
		if (!y->name)
			return err_set(c->err, -EINVAL,
				       "section '%s' offset %zu: symbol name offset %u out of range",
				       st->name, i * sizeof(Elf64_Sym), (unsigned)sym.st_name);
		y->value = sym.st_value;
		y->size = sym.st_size;
		y->shndx = sym.st_shndx;
		y->bind = GELF_ST_BIND(sym.st_info);
		y->type = GELF_ST_TYPE(sym.st_info);
		if (y->shndx >= c->n_secs && y->shndx != SHN_ABS && y->shndx != SHN_COMMON)
			return err_set(c->err, -EINVAL,
				       "section '%s' offset %zu: symbol '%s' in section %u of %zu",
				       st->name, i * sizeof(Elf64_Sym), y->name, y->shndx, c->n_secs);
		/* A section symbol is named after its section (libbpf does the same). */
		if (y->type == STT_SECTION && !y->name[0] && y->shndx < c->n_secs)
			y->name = sec_name(c, y->shndx);
	}
	return 0;
}

static int rel_cmp(const void *a, const void *b)
{
	const struct elf_rel *x = a, *y = b;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int read_relocs(struct elf_ctx *c)
{
	for (size_t i = 1; i < c->n_secs; i++) {
		struct elf_sec *rs = &c->secs[i], *t;

		if (rs->type == SHT_RELA && rs->info < c->n_secs &&
		    c->secs[rs->info].kind == ELF_SEC_CODE)
			return err_set(c->err, -EINVAL, "section '%s': RELA relocations are not used by BPF",
				       rs->name);
		if (rs->kind != ELF_SEC_REL)
			continue;
		if (rs->info == 0 || rs->info >= c->n_secs)
			return err_set(c->err, -EINVAL, "section '%s': target section %u out of range",
				       rs->name, rs->info);
		t = &c->secs[rs->info];
		/* Only code and .maps relocations are applied; DWARF and BTF
		 * relocations only matter to a linker. */
		if (t->kind != ELF_SEC_CODE && t->kind != ELF_SEC_BTF_MAPS)
			continue;
		if (!c->syms || rs->link >= c->n_secs || c->secs[rs->link].type != SHT_SYMTAB)
			return err_set(c->err, -EINVAL, "section '%s': no symbol table for relocations",
				       rs->name);
		if (!rs->data || rs->size % sizeof(Elf64_Rel))
			return err_set(c->err, -EINVAL, "section '%s': size %zu is not a whole number of relocations",
				       rs->name, rs->size);
		Elf_Data *d = elf_getdata(elf_getscn(c->elf, i), NULL);
		size_t n = rs->size / sizeof(Elf64_Rel), base = t->n_rels;
		if (!d)
			return err_set(c->err, -EINVAL, "section '%s': unreadable", rs->name);
		void *p = realloc(t->rels, (base + n + 1) * sizeof(*t->rels));
		if (!p)
			return err_set(c->err, -ENOMEM, "out of memory");
		t->rels = p;
		for (size_t k = 0; k < n; k++) {
			GElf_Rel rel;
			struct elf_rel *r = &t->rels[base + k];

			if (!gelf_getrel(d, (int)k, &rel))
				return err_set(c->err, -EINVAL, "section '%s' offset %zu: bad relocation",
					       rs->name, k * sizeof(Elf64_Rel));
			r->offset = rel.r_offset;
			r->sym = (uint32_t)GELF_R_SYM(rel.r_info);
			r->type = (uint32_t)GELF_R_TYPE(rel.r_info);
			r->addend = 0;
			if (r->sym >= c->n_syms)
				return err_set(c->err, -EINVAL,
					       "section '%s' offset %zu: symbol %u of %zu",
					       rs->name, k * sizeof(Elf64_Rel), r->sym, c->n_syms);
			if (r->offset >= t->size)
				return err_set(c->err, -EINVAL,
					       "section '%s' offset %zu: relocates offset %llu past the end of '%s'",
					       rs->name, k * sizeof(Elf64_Rel),
					       (unsigned long long)r->offset, t->name);
		}
		t->n_rels = base + n;
	}
	for (size_t i = 1; i < c->n_secs; i++) {
		struct elf_sec *t = &c->secs[i];

		if (t->n_rels)
			qsort(t->rels, t->n_rels, sizeof(*t->rels), rel_cmp);
		if (t->kind != ELF_SEC_CODE)
			continue;
		for (size_t k = 0; k < t->n_rels; k++) {
			struct elf_rel *r = &t->rels[k];
			size_t slot = r->offset / sizeof(struct bpfvm_insn);

			if (r->offset % sizeof(struct bpfvm_insn))
				return err_set(c->err, -EINVAL,
					       "section '%s' offset %llu: relocation not on an instruction",
					       t->name, (unsigned long long)r->offset);
			if (t->rel_at[slot] >= 0)
				return err_set(c->err, -EINVAL,
					       "section '%s' offset %llu: two relocations on one instruction",
					       t->name, (unsigned long long)r->offset);
			t->rel_at[slot] = (int32_t)k;
		}
	}
	return 0;
}

static int fn_cmp(const void *a, const void *b)
{
	const struct elf_fn *x = a, *y = b;
	if (x->sec != y->sec)
		return x->sec < y->sec ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * Functions are the STT_FUNC symbols of code sections. A symbol without a
 * size runs to the next function (hand-written assembly); a code section
 * without any function symbol is one function named after the section.
 */
static int read_functions(struct elf_ctx *c)
{
	size_t cap = 0;

	for (size_t i = 0; i < c->n_syms; i++) {
		const struct elf_sym *y = &c->syms[i];
		const struct elf_sec *s;

		if (y->type != STT_FUNC || y->shndx == SHN_UNDEF || y->shndx >= c->n_secs)
			continue;
		s = &c->secs[y->shndx];
		if (s->kind != ELF_SEC_CODE)
			continue;
		if (y->value % 8 || y->size % 8 || y->value >= s->size || y->size > s->size - y->value)
			return err_set(c->err, -EINVAL,
				       "section '%s' offset %llu: function '%s' of %llu bytes is not a whole range of instructions",
				       s->name, (unsigned long long)y->value, y->name,
				       (unsigned long long)y->size);
		if (elf_grow((void **)&c->fns, &cap, c->n_fns + 1, sizeof(*c->fns)))
			return err_set(c->err, -ENOMEM, "out of memory");
		c->fns[c->n_fns++] = (struct elf_fn){
			.sec = y->shndx, .start = y->value / 8,
			.end = y->size ? (y->value + y->size) / 8 : 0, .name = y->name,
			.global = y->bind == STB_GLOBAL || y->bind == STB_WEAK, .prog_idx = -1,
		};
	}
	for (size_t i = 1; i < c->n_secs; i++) {
		bool any = false;

		if (c->secs[i].kind != ELF_SEC_CODE)
			continue;
		for (size_t k = 0; k < c->n_fns && !any; k++)
			any = c->fns[k].sec == i;
		if (any)
			continue;
		if (elf_grow((void **)&c->fns, &cap, c->n_fns + 1, sizeof(*c->fns)))
			return err_set(c->err, -ENOMEM, "out of memory");
		c->fns[c->n_fns++] = (struct elf_fn){
			.sec = (uint32_t)i, .start = 0, .end = c->secs[i].n_insns,
			.name = c->secs[i].name, .global = true, .prog_idx = -1,
		};
	}
	if (c->n_fns)
		qsort(c->fns, c->n_fns, sizeof(*c->fns), fn_cmp);
	for (size_t k = 0; k < c->n_fns; k++) {
		struct elf_fn *f = &c->fns[k];
		bool last = k + 1 == c->n_fns || c->fns[k + 1].sec != f->sec;
		size_t next = last ? c->secs[f->sec].n_insns : c->fns[k + 1].start;

		if (!f->end)
			f->end = next;
		if (f->end > next || f->end <= f->start)
			return err_set(c->err, -EINVAL,
				       "section '%s' offset %zu: function '%s' overlaps the next one or is empty",
				       c->secs[f->sec].name, f->start * 8, f->name);
	}
	return 0;
}

const struct elf_fn *elf_fn_at(const struct elf_ctx *c, uint32_t sec, size_t insn)
{
	size_t lo = 0, hi = c->n_fns;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct elf_fn *f = &c->fns[mid];

		if (f->sec < sec || (f->sec == sec && f->start < insn))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->n_fns && c->fns[lo].sec == sec && c->fns[lo].start == insn)
		return &c->fns[lo];
	return NULL;
}

int elf_read(struct elf_ctx *c, const void *data, size_t size)
{
	GElf_Ehdr eh;
	int ret;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return err_set(c->err, -EINVAL, "libelf: %s", elf_errmsg(-1));
	if (!data || size < sizeof(Elf64_Ehdr))
		return err_set(c->err, -EINVAL, "ELF header: object of %zu bytes is too short", size);
	c->image = malloc(size);
	if (!c->image)
		return err_set(c->err, -ENOMEM, "out of memory");
	memcpy(c->image, data, size);
	c->image_size = size;
	c->elf = elf_memory(c->image, size);
	if (!c->elf || elf_kind(c->elf) != ELF_K_ELF)
		return err_set(c->err, -EINVAL, "ELF header: not an ELF object: %s", elf_errmsg(-1));
	if (!gelf_getehdr(c->elf, &eh))
		return err_set(c->err, -EINVAL, "ELF header: %s", elf_errmsg(-1));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return err_set(c->err, -EINVAL,
			       "ELF header offset 4: not a 64-bit little-endian object (class %u, data %u)",
			       eh.e_ident[EI_CLASS], eh.e_ident[EI_DATA]);
	if (eh.e_type != ET_REL || (eh.e_machine != EM_BPF && eh.e_machine != EM_NONE))
		return err_set(c->err, -EINVAL,
			       "ELF header offset 16: not a BPF relocatable object (type %u, machine %u)",
			       eh.e_type, eh.e_machine);
	/* libelf quietly yields no sections when their table is cut off. */
	if (eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shoff > size ||
	    (size - eh.e_shoff) / sizeof(Elf64_Shdr) < (eh.e_shnum ? eh.e_shnum : 1))
		return err_set(c->err, -EINVAL,
			       "ELF header offset 40: section header table (%u x %u bytes at %llu) outside the %zu-byte file",
			       eh.e_shnum, eh.e_shentsize, (unsigned long long)eh.e_shoff, size);
	ret = read_sections(c);
	if (!ret)
		ret = read_symbols(c);
	if (!ret)
		ret = read_relocs(c);
	if (!ret)
		ret = read_functions(c);
	return ret;
}

void elf_read_free(struct elf_ctx *c)
{
	for (size_t i = 0; c->secs && i < c->n_secs; i++) {
		free(c->secs[i].rels);
		free(c->secs[i].rel_at);
		free(c->secs[i].lines);
		free(c->secs[i].core);
	}
	free(c->secs);
	free(c->syms);
	free(c->fns);
	if (c->elf)
		elf_end(c->elf);
	free(c->image);
}
