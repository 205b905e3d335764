/*
 * harness.h - what the conformance runner and the plugin share: the test
 * helpers (helper 5), and running one program in-process.
 */
#ifndef BPFVM_CONF_HARNESS_H
#define BPFVM_CONF_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfvm.h"

/* A vm with the conformance suite's helper 5 registered (a no-op). */
struct bpfvm_vm *harness_vm(void);

/*
 * Load insns with lopts (NULL: defaults) and run them on a private copy of
 * mem (NULL: no memory). jit_trusted lets the JIT take the program
 * unverified (prog_load_trusted(): test vectors only). Returns 0 with *r0 set, or a negative errno with
 * err filled; *at_load tells whether the load (decoder) refused the
 * program or the run failed. When engine is not NULL it receives which
 * engine ran ("engine: jit" or "engine: interpreter (why)").
 */
int harness_run(struct bpfvm_vm *vm, const struct bpfvm_insn *insns, size_t n,
		const struct bpfvm_load_opts *lopts, bool jit_trusted, const uint8_t *mem,
		size_t mem_len, uint64_t *r0, bool *at_load, char *engine, size_t engine_size,
		struct bpfvm_error *err);

#endif
