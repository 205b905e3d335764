/*
 * jit.h - the JIT behind bpfvm_prog__load() and bpfvm_prog__run().
 *
 * One interface for every target; this increment has x86-64. The steps,
 * one file each:
 *   jit.c      what the JIT takes (and why not), the load step
 *   layout.c   lowering passes until every offset is stable, a final check
 *   lower_*.c  BPF instructions to x86-64, by the ISA table's SHAPE
 *              (alu, mem, jmp, call, pkt; map: inline and direct map
 *              lookups for verified programs)
 *   dead.c     no code for what the verifier proved unreachable
 *   fuse.c     address chains as x86 addressing modes (lea, [b + i + d]),
 *              inverted branches; a liveness pass over the BPF code
 *   encoder.c  x86-64 encodings
 *   image.c    executable memory: written, then read+exec, never both
 *   run.c      a run: context, stack, the helper bridge, lazy regions
 */
#ifndef BPFVM_JIT_H
#define BPFVM_JIT_H

#include <stddef.h>
#include <stdint.h>

#include "bpfvm.h"

struct bpfvm_prog;
struct jit_buf;

/* Executable code: size bytes at code, read+exec only; and where each
 * BPF instruction's code starts. */
struct jit_image {
	void *code;
	size_t len;        /* bytes of code */
	size_t size;       /* bytes mapped */
	uint32_t *off;     /* n + 1 offsets: instruction pc is [off[pc], off[pc+1]) */
	size_t n;          /* the program's slots */
	uint64_t compile_ns; /* how long compiling took */
	unsigned passes;   /* layout passes, the final check included */
	uint32_t batch_off; /* the batch entry (lower.h) */
};

/* Copy len bytes of code into fresh memory and make it read+exec. */
int jit_image_new(const uint8_t *code, size_t len, struct jit_image **out);
/* Unmap the code and free the offsets (NULL-safe). */
void jit_image_free(struct jit_image *img);

/*
 * Lower prog into out->p[0..out->len) (out zeroed by the caller, freed by
 * it); *offsets receives the prog->n + 1 instruction offsets (malloc()ed,
 * the caller frees), *passes the passes it took and *batch_off where
 * the batch entry is (lower.h). Returns 0, or a
 * negative errno with why filled: the layout did not converge, or the
 * final pass disagreed with the one before.
 */
int jit_layout(const struct bpfvm_prog *prog, struct jit_buf *out, uint32_t **offsets,
	       unsigned *passes, uint32_t *batch_off, char *why, size_t why_size);

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
int jit_prog_load(struct bpfvm_prog *prog, const struct bpfvm_load_opts *opts, bool trusted,
		  struct bpfvm_error *err);

/* Free prog's image (NULL-safe). */
void jit_prog_free(struct bpfvm_prog *prog);

/* bpfvm_prog__run() for a program with an image; opts validated, without
 * insn_budget or trace (the interpreter runs those). */
int jit_run(const struct bpfvm_prog *prog, void *mem, size_t mem_len,
	    const struct bpfvm_run_opts *opts, uint64_t *ret, struct bpfvm_error *err);
/* bpfvm_prog__run_batch() for a program with an image, likewise. */
int jit_run_batch(const struct bpfvm_prog *prog, struct bpfvm_run_item *items, size_t n,
		  const struct bpfvm_run_opts *opts, size_t *done, struct bpfvm_error *err);

/* What helpers ask of a JIT run (interp/call.c routes them here when the
 * call came from machine code; run.c). */
struct jit_run;
struct bpfvm_call;
/* bpf_tail_call: continue in prog once the helper returns. 0, -E2BIG past
 * the limit (falls through), or -ENOTSUP with the run failed when prog
 * has no machine code. */
int jit_call_tail(struct jit_run *run, struct bpfvm_call *call, const struct bpfvm_prog *prog);
/* Run the running program's function at slot pc as a callback with r1..r5
 * = args (ro: ro_len bytes it may read); 0 with *ret = its r0, or the
 * negative errno that stops the run (the error recorded). */
int jit_callback(struct jit_run *run, size_t pc, const uint64_t args[5], const void *ro,
		 size_t ro_len, uint64_t *ret);

#endif /* BPFVM_JIT_H */
