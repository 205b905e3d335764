/*
 * elf_internal.h - what the loader's files share while one object is being
 * read: the sections, symbols and functions of the ELF file, and the
 * object being filled in.
 *
 * Invariants, established by elf_read.c before any other step runs:
 * - every section's bytes (data, size) lie inside the image copy;
 * - every symbol's shndx is either < n_secs or one of SHN_UNDEF/SHN_ABS/
 *   SHN_COMMON, and every name is a NUL-terminated string;
 * - every relocation's sym is < n_syms;
 * - code sections have a size that is a multiple of 8 and their functions
 *   (elf_ctx.fns) cover non-empty, non-overlapping slot ranges.
 * The later steps (maps_def.c, btf_ext.c, reloc.c) rely on these and
 * bounds-check only what depends on instruction or BTF contents.
 */
#ifndef BPFVM_ELF_INTERNAL_H
#define BPFVM_ELF_INTERNAL_H

#include <gelf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "loader/elf_obj.h"

/* Relocation types of EM_BPF (llvm's ELFRelocs/BPF.def). */
#define ELF_R_BPF_NONE 0
#define ELF_R_BPF_64_64 1
#define ELF_R_BPF_64_ABS64 2
#define ELF_R_BPF_64_ABS32 3
#define ELF_R_BPF_64_NODYLD32 4
#define ELF_R_BPF_64_32 10

/* Pseudo source registers of ld_imm64 and call (the kernel's values). */
#define ELF_PSEUDO_CALL 1
#define ELF_PSEUDO_FUNC 4
#define ELF_PSEUDO_MAP_IDX 5
#define ELF_PSEUDO_MAP_IDX_VALUE 6

enum elf_sec_kind {
	ELF_SEC_OTHER,   /* ignored (DWARF, symtab, strtab, ...) */
	ELF_SEC_CODE,    /* SHF_EXECINSTR, holds functions */
	ELF_SEC_DATA,    /* global data: becomes an ELF_MAP_DATA map */
	ELF_SEC_MAPS,    /* SEC("maps"): bpf_map_def or bpf_elf_map records */
	ELF_SEC_BTF_MAPS,/* SEC(".maps") */
	ELF_SEC_REL,     /* SHT_REL */
};

struct elf_rel {
	uint64_t offset; /* byte offset in the target section */
	uint32_t sym;    /* index into elf_ctx.syms (checked) */
	uint32_t type;
	int64_t addend;  /* not used by BPF (REL, not RELA) */
};

/* A line_info record of .BTF.ext, section-relative. */
struct elf_raw_line {
	uint32_t insn;   /* slot in the section */
	const char *file, *text;
	uint32_t line, column;
};

/* A CO-RE relocation resolved (core.c): the instruction as it must read in
 * every program the function is placed in. */
struct elf_core_fix {
	uint32_t slot;           /* in the section */
	bool wide;               /* ld_imm64: both slots */
	struct bpfvm_insn insn[2];
};

struct elf_sec {
	const char *name;
	uint32_t type;     /* SHT_* */
	uint64_t flags;    /* SHF_* */
	const uint8_t *data; /* NULL for SHT_NOBITS */
	size_t size;
	uint32_t link, info;
	enum elf_sec_kind kind;
	int map_idx;       /* ELF_SEC_DATA: its map, else -1 */
	/* Code sections only. */
	size_t n_insns;
	struct elf_rel *rels; /* relocations against this section, by offset */
	size_t n_rels;
	int32_t *rel_at;      /* per slot: index into rels, or -1 */
	struct elf_raw_line *lines; /* sorted by insn */
	size_t n_lines;
	struct elf_core_fix *core; /* CO-RE patches, in record order */
	size_t n_core, core_cap;
};

struct elf_sym {
	const char *name;
	uint64_t value, size;
	uint32_t shndx;
	uint8_t bind, type;
};

/* A function: a symbol's range of slots in a code section. */
struct elf_fn {
	uint32_t sec;
	size_t start, end; /* slots [start, end) */
	const char *name;
	bool global;
	int prog_idx;      /* the program it is the entry of, or -1 */
};

/* Where a map was defined, parallel to elf_obj.maps. */
struct elf_map_loc {
	uint32_t sec;         /* its section (0 for inner templates) */
	uint64_t off, size;   /* its symbol's range in that section */
	uint64_t values_off;  /* BTF maps: byte offset of __array(values) */
	bool has_values;
};

struct elf_ctx {
	struct elf_obj *obj;
	size_t maps_cap;
	struct elf_map_loc *map_locs;
	struct bpfvm_error *err;
	void *image;       /* private copy handed to libelf */
	size_t image_size;
	Elf *elf;
	struct elf_sec *secs;
	size_t n_secs;
	struct elf_sym *syms;
	size_t n_syms;
	struct elf_fn *fns; /* sorted by (sec, start) */
	size_t n_fns;
	uint32_t maps_sec, btf_maps_sec, btf_sec, btf_ext_sec; /* 0 when absent */
	uint32_t text_sec;
	struct btf *kbtf;  /* bpfvm's BTF (CO-RE target), built on first use */
};

/* elf_read.c: sections, symbols, relocations and functions. */
int elf_read(struct elf_ctx *c, const void *data, size_t size);
void elf_read_free(struct elf_ctx *c);
/* The function of code section sec that starts at slot insn, or NULL. */
const struct elf_fn *elf_fn_at(const struct elf_ctx *c, uint32_t sec, size_t insn);

/* maps_def.c: the three map forms and the data maps. */
int elf_maps_collect(struct elf_ctx *c);
/* The map defined by a symbol at offset value of section sec, or -1. */
int elf_map_by_offset(const struct elf_ctx *c, uint32_t sec, uint64_t value);

/* btf_ext.c: .BTF.ext func_info, line_info and CO-RE relocations. */
int elf_btf_ext_collect(struct elf_ctx *c);

/* core.c: resolve one core_relo record (at: its offset in .BTF.ext) of
 * code section sec (0: not loaded, skipped) against bpfvm's BTF, into
 * secs[sec].core; and apply a section's patches to slots [start, end)
 * copied to out. */
int elf_core_relo(struct elf_ctx *c, uint32_t sec, const uint8_t *rec, size_t at);
void elf_core_apply(const struct elf_sec *s, size_t start, size_t end, struct bpfvm_insn *out);

/* reloc.c: one program's code with subprograms appended and relocated. */
int elf_link_prog(struct elf_ctx *c, const struct elf_fn *entry, struct elf_prog *prog);

/* Grow *arr (of *cap elements of size elem) to hold at least need. */
int elf_grow(void **arr, size_t *cap, size_t need, size_t elem);

#endif /* BPFVM_ELF_INTERNAL_H */
