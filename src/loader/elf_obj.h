/*
 * elf_obj.h - an ELF object as the loader reads it: programs with their
 * relocations applied, map definitions, global data, BTF and line info.
 * Nothing here is created in a vm yet; object.c does that.
 *
 * How references come out of the loader, so that a program is complete
 * without the ELF file:
 * - a map reference is ld_imm64 src=5 (map_by_idx), imm = index into
 *   elf_obj.maps;
 * - global data (.data, .rodata, .bss, .rodata.str1.*, ...) is a map too
 *   (an array of one element holding the section), and a reference into it
 *   is ld_imm64 src=6 (map_val(map_by_idx)), imm = map index, second
 *   slot's imm = offset;
 * - subprograms (.text and static functions) are appended after the
 *   program's own code and calls to them are fixed up (src=1 calls with
 *   relative imm), as libbpf does.
 */
#ifndef BPFVM_ELF_OBJ_H
#define BPFVM_ELF_OBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfvm.h"

struct btf; /* libbpf's */

enum elf_map_origin {
	ELF_MAP_BTF,      /* SEC(".maps"), BTF-defined */
	ELF_MAP_LEGACY,   /* SEC("maps"), struct bpf_map_def */
	ELF_MAP_IPROUTE2, /* SEC("maps"), struct bpf_elf_map */
	ELF_MAP_DATA,     /* a global data section as a one-element array */
};

/* __array(values, ...) initial slots of a prog array or map-in-map. */
struct elf_map_init {
	uint32_t index;   /* the slot */
	int prog_idx;     /* prog array: index into elf_obj.progs, else -1 */
	int map_idx;      /* map-in-map: index into elf_obj.maps, else -1 */
};

struct elf_map_def {
	char name[BPFVM_OBJ_NAME_LEN]; /* symbol name; ".data", ".rodata" for data */
	char *section;
	enum elf_map_origin origin;
	uint32_t type, key_size, value_size, max_entries, map_flags;
	uint64_t map_extra;
	uint32_t pinning;
	int inner_idx;                 /* map-in-map: the inner template map, -1 */
	uint32_t btf_key_type_id, btf_value_type_id, btf_var_type_id;
	void *data;                    /* global data: the section bytes (NULL for .bss) */
	size_t data_len;
	struct elf_map_init *inits;
	size_t n_inits;
	bool inner_only;               /* defined only as an inner-map template */
};

/* Source position of an instruction, from .BTF.ext line_info. */
struct elf_line {
	uint32_t insn;          /* slot index in the program */
	const char *file;       /* owned by the object's BTF strings */
	const char *text;       /* the source line's text, or NULL */
	uint32_t line, column;
};

struct elf_func {
	uint32_t insn;          /* first slot of the function in the program */
	const char *name;       /* owned by the program; freed by elf_obj_free() */
};

struct elf_prog {
	char *name;             /* the function's symbol */
	char *section;
	uint32_t prog_type;     /* enum bpf_prog_type, from the section name */
	uint32_t attach_type;   /* enum bpf_attach_type, where the name implies one */
	struct bpfvm_insn *insns;
	size_t n_insns;
	struct elf_line *lines; /* sorted by insn */
	size_t n_lines;
	struct elf_func *funcs; /* the entry and every appended subprogram */
	size_t n_funcs;
};

struct elf_obj {
	char *name;
	struct elf_prog *progs;
	size_t n_progs;
	struct elf_map_def *maps;
	size_t n_maps;
	struct btf *btf;        /* NULL when the object has no .BTF */
	char license[128];
	uint32_t kern_version;
};

/*
 * Parse an ELF object held in memory (data must stay valid only during the
 * call). Errors name the section, the offset and what was wrong; the
 * function never crashes on malformed input. *out is freed with
 * elf_obj_free().
 */
int elf_obj_open(const void *data, size_t size, const char *name, struct elf_obj **out,
		 struct bpfvm_error *err);
void elf_obj_free(struct elf_obj *obj);

/* The kernel's prog type and attach type for a section name, as libbpf
 * maps them; false when the name is not a program section. */
bool elf_section_prog_type(const char *section, uint32_t *prog_type, uint32_t *attach_type);

#endif /* BPFVM_ELF_OBJ_H */
