/*
 * code.h - a verified program prepared for the trusted loop.
 *
 * The checked loop runs the decoded instructions (struct isa_insn) and
 * looks each row's handler up by id. For a verified program the
 * interpreter also keeps, from load time on, a second form of the same
 * instructions that the trusted loop (loop.h, INTERP_TRUSTED) runs: one
 * struct interp_op per slot, in the same order, so that slot pc of one is
 * slot pc of the other (errors, calls and callbacks name slots by pc).
 *
 *   +------------------+--------+--------+-----+-----+
 *   | handler (8)      | imm (4)| off (2)| dst | src |   16 bytes
 *   +------------------+--------+--------+-----+-----+
 *
 * - handler: the address of the row's label in the trusted loop (computed
 *   goto), so that dispatch is one load and one indirect jump; without
 *   computed goto it holds the row id for the switch.
 * - imm: the 32-bit immediate, sign-extended where it is used. ld_imm64
 *   keeps the low half of its (resolved) 64-bit value in its first slot
 *   and the high half in its second.
 * - Nothing else differs: the handler bodies are the same expansions of
 *   isa_table.def as the checked loop's (shapes.h), minus the memory
 *   checks and the instruction counting.
 *
 * It also keeps, per map the program names, what a call of
 * bpf_map_lookup_elem needs to skip the helper (interp_map).
 *
 * Invariants: the form exists only for programs the verifier accepted
 * (prog->verified); it is built once, after every load-time rewrite of
 * prog->insns, and never written again, so runs on any number of threads
 * share it.
 */
#ifndef BPFVM_INTERP_CODE_H
#define BPFVM_INTERP_CODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bpfvm_map;

struct interp_op {
	union {
		const void *label; /* computed goto */
		uintptr_t id;      /* switch dispatch: enum isa_id */
	} run;
	int32_t imm;
	int16_t off;
	uint8_t dst;
	uint8_t src;
};

_Static_assert(sizeof(struct interp_op) == 16 || sizeof(void *) != 8,
	       "struct interp_op should be 16 bytes on 64-bit hosts");

/* One of the program's maps, for calls of bpf_map_lookup_elem (the
 * trusted loop's map_lookup handler). */
struct interp_map {
	struct bpfvm_map *map;
	/* A plain array (not per-CPU, readable by programs): its values, so
	 * that a lookup is a bounds check and an address, as the helper's
	 * array_lookup() computes it; else NULL. */
	uint8_t *values;
	uint32_t elem_size;
	uint32_t max_entries;
};

struct interp_code {
	/* Frames are zeroed when entered unless the program is verified, reads
	 * only stack it wrote (prog_zero_frames), and cannot tail-call: only a
	 * tail call could hand its frames to a program that reads more. */
	bool zero_frames;
	size_t n;                 /* slots, = prog->n */
	size_t n_maps;            /* = prog->n_maps */
	struct interp_map *maps;  /* one per prog->maps[i], in the same block */
	struct interp_op ops[];   /* n of them */
};

#endif /* BPFVM_INTERP_CODE_H */
