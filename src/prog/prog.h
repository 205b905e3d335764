/*
 * prog.h - the in-memory vm and program objects behind the public handles.
 *
 * A vm owns the helper table. A program owns its raw slots and their
 * decoded form; once loaded it is never written again, so any number of
 * threads may run it at once.
 */
#ifndef BPFVM_PROG_H
#define BPFVM_PROG_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfvm.h"
#include "isa/isa.h"

/* Helper ids are dense table indexes; ids at or above this are refused. */
#define VM_MAX_HELPER_ID (1u << 20)

struct vm_helper {
	bpfvm_helper_fn fn; /* NULL when the id is free */
	char *name;
	struct bpfvm_helper_proto proto;
};

struct map_registry;
struct hook_type;
struct jit_image;
struct interp_code;

struct bpfvm_vm {
	struct vm_helper *helpers; /* indexed by id, n_helpers entries */
	uint32_t n_helpers;
	uint32_t nr_cpus;          /* per-CPU map slots */
	bpfvm_output_fn trace_print;
	void *trace_ctx;
	struct map_registry *maps; /* every live map, by address and id */
	pthread_mutex_t progs_lock; /* guards the live programs below */
	struct bpfvm_prog **progs;
	size_t n_progs, cap_progs;
	uint32_t next_prog_id;
	struct hook_type **host_types; /* bpfvm_vm__add_prog_type (hooks/) */
	size_t n_host_types;
};

struct bpfvm_prog {
	struct bpfvm_vm *vm;
	char *name;
	uint32_t id;             /* unique in the vm, from 1 */
	uint32_t prog_type;      /* kernel numbering, 0 = none */
	uint32_t attach_type;    /* bpfvm_load_opts.expected_attach_type */
	int refcnt;              /* atomic: the owner, prog arrays */
	size_t n;                /* slots */
	struct bpfvm_insn *raw;  /* as loaded */
	struct isa_insn *insns;  /* decoded, n entries; map references resolved */
	struct bpfvm_map **maps; /* the maps it refers to (a reference each) */
	size_t n_maps;
	bool verified;           /* the verifier accepted it */
	uint32_t ctx_min;        /* verified: the context bytes it may touch */
	bool raw_ctx;            /* verified as the raw type: r2 = ctx_min at run time */
	bool reads_uninit;       /* verified: some path reads stack bytes it never
				  * wrote, which the kernel allows privileged
				  * loaders; its frames are zeroed when entered
				  * (prog_zero_frames), so those bytes read as 0 */
	uint8_t *vfy_seen;       /* verified: n entries, 1 where some path of the
				  * verifier reached the slot (the JIT emits no
				  * code for the others), else NULL */
	enum bpfvm_engine engine; /* what runs it */
	const char *fallback_reason; /* why not the JIT, when it was asked for */
	struct bpfvm_verify_stats vstats;
	uint32_t *callbacks;     /* sorted slots that ld_imm64 code_addr names:
				  * the only functions helpers may call back */
	size_t n_callbacks;
	struct jit_image *jit;   /* machine code when engine is JIT (jit/jit.h) */
	bool jit_harden;         /* compile it with constant blinding (jit/blind.c) */
	struct interp_code *interp; /* verified: the trusted loop's form
				     * (interp/code.h), else NULL */
	char jit_msg[256];       /* fallback_reason's text, when it fell back */
};

/* Whether a run must zero each frame of prog's as it enters it: for
 * programs the verifier did not check, and for those it let read stack
 * they never wrote. The others run on frames as the host left them, as
 * in the kernel: the verifier proved they read only what they wrote. */
static inline bool prog_zero_frames(const struct bpfvm_prog *prog)
{
	return !prog->verified || prog->reads_uninit;
}

/*
 * bpfvm_prog__load, except that the JIT compiles the program even when it
 * was loaded unverified. Not in the public API, where the JIT takes
 * verified programs only: for the project's own tests of the JIT on
 * programs that break a verifier rule on purpose (conformance vectors,
 * random programs) and for `bpfvm jit --unverified`, which only shows code.
 */
int prog_load_trusted(struct bpfvm_vm *vm, const struct bpfvm_insn *insns, size_t n,
		      const struct bpfvm_load_opts *opts, struct bpfvm_prog **prog,
		      struct bpfvm_error *err);

/* Is slot pc a function this program may pass to a helper as a callback? */
bool prog_is_callback(const struct bpfvm_prog *prog, size_t pc);

/* Program references (prog arrays hold one). prog_put frees with the last. */
struct bpfvm_prog *prog_get(struct bpfvm_prog *prog);
void prog_put(struct bpfvm_prog *prog);

/* The vm's live programs: register assigns prog->id. */
int vm_prog_register(struct bpfvm_vm *vm, struct bpfvm_prog *prog);
void vm_prog_unregister(struct bpfvm_vm *vm, struct bpfvm_prog *prog);
/* The live program with id, with a reference taken (prog_put() it), or
 * NULL. Prog arrays take ids from the host. */
struct bpfvm_prog *prog_get_by_id(struct bpfvm_vm *vm, uint32_t id);

/* The helper registered under id, or NULL. */
static inline const struct vm_helper *vm_helper(const struct bpfvm_vm *vm, uint64_t id)
{
	if (id >= vm->n_helpers || !vm->helpers[id].fn)
		return NULL;
	return &vm->helpers[id];
}

#endif /* BPFVM_PROG_H */
