/*
 * interp.h - the interpreter: checked for any program, trusted for
 * verified ones.
 */
#ifndef BPFVM_INTERP_H
#define BPFVM_INTERP_H

#include <stddef.h>
#include <stdint.h>

#include "bpfvm.h"

/*
 * Run prog as bpfvm_prog__run() documents: r1 = mem, r2 = mem_len, a fresh
 * stack, every memory access checked against the stack frames in use and
 * [mem, mem + mem_len), unless prog is verified (its accesses were proved
 * at load). opts was validated by the caller (may be NULL).
 */
int interp_run(const struct bpfvm_prog *prog, void *mem, size_t mem_len,
	       const struct bpfvm_run_opts *opts, uint64_t *ret,
	       struct bpfvm_error *err);

/*
 * Run prog on n inputs as bpfvm_prog__run_batch() documents (opts->packet
 * does not apply: each item has its own), setting up what opts decides
 * once. Returns 0, or the first failure (err filled, *done = the items
 * that completed before it).
 */
int interp_run_batch(const struct bpfvm_prog *prog, struct bpfvm_run_item *items, size_t n,
		     const struct bpfvm_run_opts *opts, size_t *done, struct bpfvm_error *err);

struct interp_state;
struct isa_insn;
struct bpfvm_prog;

/*
 * Build prog->interp, the form the trusted loop runs (code.h), when prog
 * is verified; nothing otherwise. Call once the program's decoded
 * instructions are final. Returns 0, or -ENOMEM with err filled.
 */
int interp_prog_prepare(struct bpfvm_prog *prog, struct bpfvm_error *err);

/* Free what interp_prog_prepare() built (prog->interp may be NULL). */
void interp_prog_free(struct bpfvm_prog *prog);

/*
 * Run the BPF function at entry (an instruction of the running program)
 * as a callback, for a helper such as bpf_loop: in a new frame, with
 * r1..r5 = args, until it returns. ro (ro_len bytes, may be NULL) is
 * readable by the callback while it runs. Returns 0 with *ret = its r0, or
 * the negative errno that stops the whole run (st->err filled).
 */
int interp_callback(struct interp_state *st, const struct isa_insn *entry, const uint64_t args[5],
		    const void *ro, size_t ro_len, uint64_t *ret);

#endif /* BPFVM_INTERP_H */
