/*
 * verifier.h - the entry point of the static verifier.
 *
 * vfy_check() explores every path of a loaded program (decoded, maps
 * resolved) and proves that it only touches memory it may touch, never
 * uses an uninitialised value, calls helpers with arguments of the kinds
 * their prototypes declare, and ends within the instruction budget. On
 * refusal it returns a negative errno and fills err with the instruction
 * index and a plain-words reason.
 *
 * Program types: "raw" (r1 points to ctx_size bytes the program may read
 * and write at any offset, r2 holds ctx_size), and the types of
 * src/hooks/prog_types.def (XDP, tc, socket filter, seccomp) with their
 * contexts, packet pointers and return ranges.
 */
#ifndef BPFVM_VERIFIER_H
#define BPFVM_VERIFIER_H

#include <stddef.h>
#include <stdint.h>

#include "bpfvm.h"

struct bpfvm_prog;

#define VFY_INSN_BUDGET 1000000u

struct vfy_opts {
	size_t sz;
	uint32_t ctx_size;      /* raw type: bytes at r1 */
	/* The kernel program type (src/hooks/prog_types.def): XDP 6, tc 3/4,
	 * socket filter 1, seccomp 0x7fff0001; 0 and types without a row are
	 * raw. Typed contexts are checked field by field and, once the
	 * program is accepted, their accesses are rewritten in prog->insns
	 * into accesses of the real context (include/bpfvm_ctx.h). */
	uint32_t prog_type;
	/* enum bpf_attach_type, as the kernel's expected_attach_type: some
	 * context fields depend on it (hooks.h HA_DEVMAP). */
	uint32_t attach_type;
	uint32_t insn_budget;   /* processed instructions; 0 = 1,000,000 */
	/* Optional log, NUL-terminated, truncated to log_size. Level 1 (or 0
	 * with a log_buf): on a refusal, the message, the path of branches
	 * that led there and the registers and stack at that point. Level 2:
	 * also every processed instruction with the registers it reads, each
	 * path taken up again, and each pruned one (the kernel's level 2). */
	char *log_buf;
	size_t log_size;
	uint32_t log_level;
};

struct vfy_stats {
	uint64_t insns_processed; /* instructions simulated, all paths */
	uint32_t states;          /* states stored for pruning */
	uint32_t peak_states;     /* pending branches at the deepest point */
	uint32_t pruned;          /* paths cut by a stored state */
	uint32_t max_stack;       /* deepest combined stack, bytes */
	uint64_t peak_mem;        /* most bytes of states held at once (stored
				   * and pending) */
	uint32_t uninit_reads;    /* reads of stack never written, all paths */
	uint32_t uninit_insn;     /* the first one's insn (if uninit_reads) */
};

/*
 * Verify prog. opts may be NULL (ctx_size 0). stats may be NULL. Returns 0
 * or a negative errno: -EACCES (unsafe), -E2BIG (budget), -EINVAL
 * (malformed: calls into the middle of nowhere, ...), -ENOTSUP
 * (constructs this verifier does not handle yet), -ENOMEM. On success
 * with a typed context, prog->insns (not prog->raw) is rewritten.
 */
int vfy_check(struct bpfvm_prog *prog, const struct vfy_opts *opts,
	      struct vfy_stats *stats, struct bpfvm_error *err);

#endif
