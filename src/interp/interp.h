/*
 * interp.h - the checked interpreter.
 */
#ifndef BPFVM_INTERP_H
#define BPFVM_INTERP_H

#include <stddef.h>
#include <stdint.h>

#include "bpfvm.h"

/*
 * Run prog as bpfvm_prog__run() documents: r1 = mem, r2 = mem_len, a fresh
 * stack, every memory access checked against the stack frames in use and
 * [mem, mem + mem_len). opts was validated by the caller (may be NULL).
 */
int interp_run(const struct bpfvm_prog *prog, void *mem, size_t mem_len,
	       const struct bpfvm_run_opts *opts, uint64_t *ret,
	       struct bpfvm_error *err);

#endif /* BPFVM_INTERP_H */
