/*
 * jit.h - the JIT behind bpfvm_prog__load() and bpfvm_prog__run().
 *
 * One interface for every target; this increment has x86-64. The steps,
 * one file each:
 *   jit.c      what the JIT takes (and why not), the load step
 *   layout.c   lowering passes until every offset is stable, a final check
 *   lower_*.c  BPF instructions to x86-64, by the ISA table's SHAPE
 *   encoder.c  x86-64 encodings
 *   image.c    executable memory: written, then read+exec, never both
 *   run.c      a run: context, stack, the helper bridge
 */
#ifndef BPFVM_JIT_H
#define BPFVM_JIT_H

#include <stddef.h>
#include <stdint.h>

#include "bpfvm.h"

struct bpfvm_prog;
struct jit_buf;

/* Executable code: size bytes at code, read+exec only. */
struct jit_image {
	void *code;
	size_t len;   /* bytes of code */
	size_t size;  /* bytes mapped */
};

/* Copy len bytes of code into fresh memory and make it read+exec. */
int jit_image_new(const uint8_t *code, size_t len, struct jit_image **out);
void jit_image_free(struct jit_image *img);

/*
 * Lower prog into out->p[0..out->len) (out zeroed by the caller, freed by
 * it). Returns 0, or a negative errno with why filled: the layout did not
 * converge, or the final pass disagreed with the one before.
 */
int jit_layout(const struct bpfvm_prog *prog, struct jit_buf *out, char *why, size_t why_size);

/*
 * The reason the JIT cannot take prog, or NULL when it can: *pc is the
 * instruction, the message is written into buf.
 */
const char *jit_refusal(const struct bpfvm_prog *prog, long *pc, char *buf, size_t size);

/*
 * The load step for engine JIT: compile into prog->jit, or fall back to
 * the interpreter with prog->fallback_reason set (allow_fallback), or fail
 * with err naming the instruction.
 */
int jit_prog_load(struct bpfvm_prog *prog, const struct bpfvm_load_opts *opts,
		  struct bpfvm_error *err);

/* Free prog's image (NULL-safe). */
void jit_prog_free(struct bpfvm_prog *prog);

/* bpfvm_prog__run() for a program with an image; opts validated, without
 * insn_budget or trace (the interpreter runs those). */
int jit_run(const struct bpfvm_prog *prog, void *mem, size_t mem_len,
	    const struct bpfvm_run_opts *opts, uint64_t *ret, struct bpfvm_error *err);

#endif /* BPFVM_JIT_H */
