/*
 * bpfvm.h - the public API of libbpfvm, a userspace BPF system.
 *
 * Conventions (they hold for every function below):
 * - Functions returning int give 0 (or a count) on success and a negative
 *   errno on failure. Constructors returning a pointer give NULL and set
 *   errno on failure.
 * - Functions that can fail on bad input take a `struct bpfvm_error *err`
 *   (may be NULL). On failure it holds the errno, a message, and where the
 *   fault is: an instruction index and/or a file:line:column.
 * - Options structs start with `size_t sz`. Declare them with BPFVM_OPTS()
 *   so that unset fields are zero and sz is right; a NULL opts pointer means
 *   all defaults. Bytes past the struct this library knows must be zero;
 *   new fields are only ever appended.
 * - The library never prints, never exits and never aborts on bad input.
 * - Objects are opaque; a loaded program is immutable and may be run from
 *   several threads at once.
 */
#ifndef BPFVM_H
#define BPFVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "bpfvm_ctx.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define BPFVM_API __attribute__((visibility("default")))
#else
#define BPFVM_API
#endif

/* Declare an options struct with its size set and every other field zero. */
#define BPFVM_OPTS(TYPE, NAME, ...) \
	struct TYPE NAME = { .sz = sizeof(struct TYPE), __VA_ARGS__ }

/* ------------------------------------------------------------------ */
/* Instructions                                                        */

/* One 8-byte instruction slot, laid out as the kernel's struct bpf_insn. */
struct bpfvm_insn {
	uint8_t code;    /* opcode */
	uint8_t dst : 4; /* destination register */
	uint8_t src : 4; /* source register */
	int16_t off;     /* signed offset */
	int32_t imm;     /* signed immediate */
};

/* Longest program bpfvm accepts, in slots (the kernel's limit). */
#define BPFVM_MAX_INSNS 1000000

/* ------------------------------------------------------------------ */
/* Errors                                                              */

#define BPFVM_ERR_MSG_MAX 256
#define BPFVM_ERR_FILE_MAX 256

struct bpfvm_error {
	int code;                      /* negative errno, 0 when no error */
	long insn;                     /* instruction index, -1 if none */
	int line;                      /* 1-based source line, 0 if none */
	int column;                    /* 1-based source column, 0 if none */
	char file[BPFVM_ERR_FILE_MAX]; /* source name, "" if none */
	char msg[BPFVM_ERR_MSG_MAX];   /* what went wrong, in plain words */
};

/*
 * Format an error as one line: "file:line:col: msg", "insn N: msg" or just
 * "msg", whichever location is known. Returns the length it needed
 * (snprintf rules: the output is truncated to size).
 */
BPFVM_API int bpfvm_error__format(const struct bpfvm_error *err, char *buf,
				  size_t size);

/* ------------------------------------------------------------------ */
/* Text: assembler and disassembler                                    */

enum bpfvm_syntax {
	/* Assembler: decide per line. Disassembler: same as LLVM. */
	BPFVM_SYNTAX_AUTO = 0,
	/* The uBPF / bpf_conformance syntax: ldxw %r0, [%r1+4] */
	BPFVM_SYNTAX_UBPF,
	/* The kernel / LLVM syntax: r0 = *(u32 *)(r1 + 4) */
	BPFVM_SYNTAX_LLVM,
};

struct bpfvm_asm_opts {
	size_t sz;
	enum bpfvm_syntax syntax; /* default AUTO */
	const char *filename;     /* used in error locations; default "<input>" */
};

/*
 * Assemble text (len bytes, need not be NUL-terminated) into instruction
 * slots. On success *insns is a malloc()ed array of *n_insns slots that the
 * caller frees with free(). Errors name file:line:column and what was
 * expected; then *insns is NULL.
 */
BPFVM_API int bpfvm_asm(const char *text, size_t len,
			const struct bpfvm_asm_opts *opts,
			struct bpfvm_insn **insns, size_t *n_insns,
			struct bpfvm_error *err);

struct bpfvm_disasm_opts {
	size_t sz;
	enum bpfvm_syntax syntax; /* default LLVM */
};

/*
 * Disassemble the instruction at slot pc of insns[0..n) into buf (always
 * NUL-terminated when size > 0). Returns the number of slots it used (1,
 * or 2 for ld_imm64), or a negative errno: -ENOSPC when buf is too small
 * (the text is truncated), -EINVAL for a slot that does not decode (buf
 * then holds it as `.insn CODE, DST, SRC, OFF, IMM ; why`, which the
 * assembler accepts, so any bytes round-trip).
 */
BPFVM_API int bpfvm_disasm_insn(const struct bpfvm_insn *insns, size_t n,
				size_t pc, const struct bpfvm_disasm_opts *opts,
				char *buf, size_t size);

/* Called once per instruction by bpfvm_disasm(). line has no newline. */
typedef void (*bpfvm_print_fn)(void *ctx, size_t pc, const char *line);

/*
 * Disassemble a whole program through print. Stops at the first slot that
 * does not decode and returns its negative errno (after printing it), or 0.
 */
BPFVM_API int bpfvm_disasm(const struct bpfvm_insn *insns, size_t n,
			   const struct bpfvm_disasm_opts *opts,
			   bpfvm_print_fn print, void *ctx,
			   struct bpfvm_error *err);

/* ------------------------------------------------------------------ */
/* VM, helpers and programs                                            */

struct bpfvm_vm;   /* a host environment: helper table, settings */
struct bpfvm_prog; /* a decoded, checked program bound to a vm */
struct bpfvm_call; /* the context of one helper call, valid during the call */

/* Receives text a program prints (bpf_trace_printk), one call per print. */
typedef void (*bpfvm_output_fn)(void *ctx, const char *text, size_t len);

struct bpfvm_vm_opts {
	size_t sz;
	/* Slots of per-CPU maps; run with bpfvm_run_opts.cpu < nr_cpus.
	 * Default: the number of online CPUs. */
	uint32_t nr_cpus;
	/* Do not register the built-in helpers (the kernel's helper table). */
	bool no_builtin_helpers;
	bpfvm_output_fn trace_print; /* default: discard */
	void *trace_ctx;
};

/* Create a vm with the built-in helpers registered (unless
 * opts->no_builtin_helpers). NULL + errno on failure. */
BPFVM_API struct bpfvm_vm *bpfvm_vm__new(const struct bpfvm_vm_opts *opts);
/* Free a vm. Its programs and objects must have been freed first; maps
 * still referenced only by the vm are freed with it. NULL is a no-op. */
BPFVM_API void bpfvm_vm__free(struct bpfvm_vm *vm);
BPFVM_API uint32_t bpfvm_vm__nr_cpus(const struct bpfvm_vm *vm);

/*
 * A helper receives r1..r5 and returns the value for r0. Pointers arrive as
 * integers; a helper that dereferences one must first check it with
 * bpfvm_call__check_mem(). A helper may stop the program with
 * bpfvm_call__fail().
 */
typedef uint64_t (*bpfvm_helper_fn)(uint64_t r1, uint64_t r2, uint64_t r3,
				    uint64_t r4, uint64_t r5,
				    struct bpfvm_call *call);

/* What a helper argument must be, for the verifier (the kernel's
 * enum bpf_arg_type, reduced to what bpfvm checks). */
enum bpfvm_arg_kind {
	BPFVM_ARG_NONE = 0,         /* not an argument */
	BPFVM_ARG_ANYTHING,         /* any initialised value */
	BPFVM_ARG_CONST_MAP_PTR,    /* a map (ld_imm64 map reference) */
	BPFVM_ARG_PTR_TO_MAP_KEY,   /* key_size readable bytes */
	BPFVM_ARG_PTR_TO_MAP_VALUE, /* value_size readable bytes */
	BPFVM_ARG_PTR_TO_MEM,       /* readable bytes; the next arg is the size */
	BPFVM_ARG_PTR_TO_UNINIT_MEM, /* writable bytes; the next arg is the size */
	BPFVM_ARG_CONST_SIZE,       /* size of the previous arg, > 0 */
	BPFVM_ARG_CONST_SIZE_OR_ZERO, /* size of the previous arg, >= 0 */
	BPFVM_ARG_PTR_TO_CTX,       /* the program's context */
	BPFVM_ARG_PTR_TO_FUNC,      /* a BPF subprogram (callback) */
	BPFVM_ARG_PTR_TO_STACK_OR_NULL, /* callback context on the stack */
	BPFVM_ARG_PTR_TO_RINGBUF_MEM, /* memory from bpf_ringbuf_reserve */
	BPFVM_ARG_PTR_TO_SPIN_LOCK, /* a struct bpf_spin_lock in a map value */
	BPFVM_ARG_PTR_TO_CONST_STR, /* a NUL-terminated string in read-only data */
	BPFVM_ARG_PTR_TO_LONG,      /* 8 writable bytes */
	BPFVM_ARG_CONST_ALLOC_SIZE_OR_ZERO, /* size of memory to reserve */
	BPFVM_ARG_PTR_TO_UNINIT_MAP_VALUE, /* value_size writable bytes (pop, peek) */
};

/* What a helper returns. */
enum bpfvm_ret_kind {
	BPFVM_RET_INTEGER = 0,
	BPFVM_RET_VOID,
	BPFVM_RET_PTR_TO_MAP_VALUE_OR_NULL,
	BPFVM_RET_PTR_TO_RINGBUF_MEM_OR_NULL,
	BPFVM_RET_PTR_TO_MAP_OR_NULL, /* map-in-map lookups */
};

struct bpfvm_helper_proto {
	enum bpfvm_ret_kind ret;
	enum bpfvm_arg_kind args[5];
};

/*
 * Register (or replace, built-ins included) helper id with its prototype
 * (copied; NULL means five ANYTHING args and an integer return).
 */
BPFVM_API int bpfvm_vm__add_helper_proto(struct bpfvm_vm *vm, uint32_t id, const char *name,
					 bpfvm_helper_fn fn,
					 const struct bpfvm_helper_proto *proto);
/* The prototype of helper id, or NULL when none is registered. */
BPFVM_API const struct bpfvm_helper_proto *bpfvm_vm__helper_proto(const struct bpfvm_vm *vm,
								 uint32_t id);
/* The kernel's name for helper id ("map_lookup_elem"), registered or not;
 * NULL for an id the kernel does not have. */
BPFVM_API const char *bpfvm_helper_kernel_name(uint32_t id);

/*
 * Register (or replace) helper id. name (copied) is used in traces and
 * messages. Returns 0, or -EINVAL for a NULL fn or empty name, -ENOMEM.
 * Register helpers before loading programs that call them, and never while
 * a program of this vm runs on another thread: the table is not locked.
 */
BPFVM_API int bpfvm_vm__add_helper(struct bpfvm_vm *vm, uint32_t id,
				   const char *name, bpfvm_helper_fn fn);
/* The name of helper id, or NULL when none is registered. */
BPFVM_API const char *bpfvm_vm__helper_name(const struct bpfvm_vm *vm,
					    uint32_t id);

/* The user pointer given in bpfvm_run_opts.user. */
BPFVM_API void *bpfvm_call__user(const struct bpfvm_call *call);
/* The value register regno (0..10) held when the program made the call;
 * 0 for another regno. */
BPFVM_API uint64_t bpfvm_call__reg(const struct bpfvm_call *call, unsigned regno);
/* 0 if [addr, addr+size) lies in memory the program may access (for
 * writing when write is true), else -EFAULT. */
BPFVM_API int bpfvm_call__check_mem(const struct bpfvm_call *call,
				    uint64_t addr, uint64_t size, bool write);
/* Stop the program after this helper returns, with errno code (negative)
 * and message msg. The run returns code. */
BPFVM_API void bpfvm_call__fail(struct bpfvm_call *call, int code,
				const char *msg);

/* What runs a program. */
enum bpfvm_engine {
	BPFVM_ENGINE_INTERP = 0, /* the interpreter (checked) */
	BPFVM_ENGINE_JIT,        /* machine code (x86-64) */
};

struct bpfvm_load_opts {
	size_t sz;
	const char *name; /* program name for messages; copied */
	/*
	 * The maps the program refers to. ld_imm64 with src 1 (map_by_fd) or
	 * 5 (map_by_idx) and imm = i loads a reference to maps[i]; src 2 or 6
	 * loads the address of its value at key 0, plus the second slot's imm
	 * (array maps: global data). The program holds a reference to each.
	 */
	struct bpfvm_map *const *maps;
	size_t n_maps;
	/* The kernel program type (enum bpf_prog_type numbering); 0 = none. */
	uint32_t prog_type;
	/*
	 * Every program is verified before it is accepted: the static
	 * verifier proves that it stays inside its memory, reads no
	 * uninitialised register, calls helpers correctly and ends. Stack the
	 * program never wrote may be read, as the kernel allows privileged
	 * loaders: it reads as 0 (see bpfvm_verify_stats.uninit_reads). It checks the
	 * program as prog_type (see bpfvm_prog_type_name(); a type it does
	 * not model, and 0, are the raw type: r1 points to ctx_size bytes the
	 * program may read and write, r2 holds ctx_size). A refusal names the
	 * instruction and says what could go wrong; log_buf (log_size bytes,
	 * optional) receives the verifier's log: at log_level 1 (the default
	 * with a log_buf), on a refusal, the path of branches that led there
	 * and the registers and stack at that point; at level 2 also every
	 * instruction it processed with the registers it reads (the kernel's
	 * level 2).
	 *
	 * unverified skips the verifier. Such a program runs only in the
	 * checked interpreter, which checks every memory access at run time:
	 * the JIT refuses it (or, with allow_fallback, it falls back).
	 */
	bool unverified;
	uint32_t ctx_size;
	char *log_buf;
	size_t log_size;
	uint32_t log_level;
	/*
	 * How to run it. BPFVM_ENGINE_JIT compiles it to machine code at load;
	 * the JIT trusts what it compiles (no run-time checks), so it takes
	 * verified programs only. When the JIT cannot take a program, the
	 * load fails, or with allow_fallback the program runs in the
	 * interpreter and bpfvm_prog__engine() says so.
	 */
	enum bpfvm_engine engine;
	bool allow_fallback;
	/*
	 * Constant blinding for engine BPFVM_ENGINE_JIT, as the kernel's
	 * bpf_jit_harden: no immediate of the program (ALU and jump
	 * operands, stored constants, ld_imm64 constants, packet offsets)
	 * appears in the machine code. Each is loaded as imm ^ key, then
	 * xor key, with a random key per instruction and load, so a program
	 * cannot place bytes of its choosing in executable memory (JIT
	 * spraying). For programs from untrusted sources; it costs a few
	 * instructions per immediate (docs/embedding.md). Results are identical.
	 * Ignored by the interpreter.
	 */
	bool harden;
	/*
	 * The kernel's expected_attach_type (enum bpf_attach_type): for XDP,
	 * BPF_XDP_DEVMAP makes xdp_md.egress_ifindex readable, which other
	 * XDP programs may not read, as in the kernel. Objects set it from
	 * the section name (SEC("xdp/devmap")).
	 */
	uint32_t expected_attach_type;
};

/* What the verifier did for a program. */
struct bpfvm_verify_stats {
	uint64_t insns_processed; /* instructions simulated over all paths */
	uint32_t states;          /* states kept for pruning */
	uint32_t peak_states;     /* most branches pending at once */
	uint32_t pruned;          /* paths cut short by a kept state */
	uint32_t max_stack;       /* deepest combined stack, bytes */
	uint64_t time_ns;         /* CPU time verification took */
	uint64_t peak_mem;        /* most bytes of abstract states held at once */
	/* Reads of stack bytes the program never wrote (loads, atomics and
	 * helper arguments, and stores at a variable offset over such bytes,
	 * which may leave some of them unwritten for later reads), counted
	 * over all paths, and the instruction of the first. The kernel allows them to privileged loaders (there they
	 * read whatever the stack held); bpfvm allows them too, and zeroes such
	 * a program's frames as they are entered, so the bytes read as 0. */
	uint32_t uninit_reads;
	uint32_t uninit_insn;
};

/*
 * Decode and check n instruction slots and bind them to vm. Every slot is
 * checked against the ISA table: known opcode, reserved fields zero,
 * registers in range, jump targets inside the program and not inside an
 * ld_imm64, last instruction an exit or a jump. Errors give the instruction
 * index and the field at fault. On success *prog owns a copy of insns.
 */
BPFVM_API int bpfvm_prog__load(struct bpfvm_vm *vm,
			       const struct bpfvm_insn *insns, size_t n,
			       const struct bpfvm_load_opts *opts,
			       struct bpfvm_prog **prog,
			       struct bpfvm_error *err);
/* Drop the caller's reference; prog arrays may keep the program alive. */
BPFVM_API void bpfvm_prog__free(struct bpfvm_prog *prog);
BPFVM_API size_t bpfvm_prog__insn_cnt(const struct bpfvm_prog *prog);
BPFVM_API const struct bpfvm_insn *bpfvm_prog__insns(const struct bpfvm_prog *prog);
BPFVM_API const char *bpfvm_prog__name(const struct bpfvm_prog *prog);
/* Unique in the vm, from 1: prog arrays take these ids as values. */
BPFVM_API uint32_t bpfvm_prog__id(const struct bpfvm_prog *prog);
/* The kernel program type it was loaded as (0 = none). */
BPFVM_API uint32_t bpfvm_prog__type(const struct bpfvm_prog *prog);
/* The engine that runs it, and why the JIT was not used when it was asked
 * for (NULL when it was, or was not asked for). */
BPFVM_API enum bpfvm_engine bpfvm_prog__engine(const struct bpfvm_prog *prog);
BPFVM_API const char *bpfvm_prog__fallback_reason(const struct bpfvm_prog *prog);
/* Whether the verifier accepted it, and its statistics (zeros if not
 * verified). */
BPFVM_API bool bpfvm_prog__verified(const struct bpfvm_prog *prog,
				    struct bpfvm_verify_stats *stats);
/* The name bpftool gives a program type ("xdp", "sched_cls"), or NULL. */
BPFVM_API const char *bpfvm_prog_type_name(uint32_t type);

/*
 * Program types a host defines for its own hooks. Programs of such a type
 * get r1 = a pointer to the host's context structure (ctx_size bytes,
 * passed as mem to bpfvm_prog__run), and may touch only the fields listed,
 * each as its access flags allow; the verifier refuses anything else at
 * load, naming the field. Numbers from BPFVM_PROG_TYPE_HOST up; register a
 * type before loading programs of it, and never while a program of the vm
 * runs on another thread.
 */
#define BPFVM_PROG_TYPE_HOST 0x80000000u

#define BPFVM_CTX_READ 1u   /* loads of the whole field (8-byte elements of
			     * a larger field) */
#define BPFVM_CTX_WRITE 2u  /* stores of the same size */
#define BPFVM_CTX_NARROW 4u /* loads of 1, 2 or 4 bytes inside it, aligned */
#define BPFVM_CTX_BYTES 8u  /* any aligned load or store inside it (a buffer) */

struct bpfvm_ctx_field {
	const char *name;
	uint32_t off;    /* in the context; aligned to the field's size (8 if larger) */
	uint32_t size;   /* 1, 2, 4, 8, or a multiple of 8 (an array of u64) */
	uint32_t access; /* BPFVM_CTX_* */
};

struct bpfvm_prog_type_opts {
	size_t sz;
	const char *name;     /* for messages ("my hook"); copied; required */
	const char *ctx_name; /* ("struct my_ctx"); copied; default "the context" */
	uint32_t ctx_size;    /* bytes at r1, at most 32767 */
	const struct bpfvm_ctx_field *fields; /* copied; must not overlap */
	size_t n_fields;
	/* The helper ids its programs may call. NULL: every helper the vm has,
	 * except those that need a packet (XDP, tc and socket helpers). */
	const uint32_t *helpers;
	size_t n_helpers;
	/* When ret_check is set, the verifier proves that r0 at exit lies in
	 * [ret_min, ret_max] (signed 32-bit when ret_min < 0, else unsigned
	 * 32-bit). */
	bool ret_check;
	int64_t ret_min, ret_max;
};

/* Register type (>= BPFVM_PROG_TYPE_HOST). 0, or -EINVAL with a bad
 * description (err says what), -EEXIST when type is taken, -ENOMEM. */
BPFVM_API int bpfvm_vm__add_prog_type(struct bpfvm_vm *vm, uint32_t type,
				      const struct bpfvm_prog_type_opts *opts,
				      struct bpfvm_error *err);

/* Registers r0..r10. */
#define BPFVM_NREGS 11
/* Stack bytes per call frame, and the deepest call chain (the kernel's). */
#define BPFVM_STACK_SIZE 512
#define BPFVM_MAX_CALL_DEPTH 8

/*
 * Called after each executed instruction when tracing: pc is the slot that
 * ran, before/after the registers around it.
 */
typedef void (*bpfvm_trace_fn)(void *ctx, size_t pc,
			       const struct bpfvm_insn *insn,
			       const uint64_t before[BPFVM_NREGS],
			       const uint64_t after[BPFVM_NREGS]);

/* A block of host memory a run may access. */
struct bpfvm_region {
	void *base;
	size_t len;
	bool writable;
};
#define BPFVM_MAX_RUN_REGIONS 4

struct bpfvm_run_opts {
	size_t sz;
	/* Stop with -E2BIG after this many instructions; 0 = no limit. */
	uint64_t insn_budget;
	bpfvm_trace_fn trace; /* per-instruction trace, NULL for none */
	void *trace_ctx;
	void *user;            /* handed to helpers via bpfvm_call__user() */
	uint64_t *insn_count;  /* if set, receives instructions executed */
	/* The worker this run is on: its slot in per-CPU maps, and what
	 * bpf_get_smp_processor_id() returns. Must be < bpfvm_vm__nr_cpus(). */
	uint32_t cpu;
	/* More memory the program may access besides mem and its maps (a
	 * packet next to its context, for example). At most
	 * BPFVM_MAX_RUN_REGIONS. */
	const struct bpfvm_region *regions;
	size_t n_regions;
	/* The packet LD_ABS/LD_IND read (the kernel's skb data); default: mem. */
	const void *packet;
	size_t packet_len;
	/*
	 * Where LD_ABS/LD_IND at SKF_NET_OFF + k (-0x100000 + k) and
	 * SKF_LL_OFF + k (-0x200000 + k) read, as in the kernel: k bytes into
	 * the network header and into the link-layer (MAC) header, up to the
	 * packet's end. With headers set, net_off and ll_off place those
	 * headers as offsets from packet (for an Ethernet frame from its MAC
	 * header: ll_off 0, net_off 14; for the kernel's test run of a socket
	 * filter, which starts at the network header: net_off 0, ll_off -14).
	 * A negative offset says the header starts before packet: those bytes
	 * must be readable. Without headers such loads end the program with
	 * 0, as any load outside the packet. Batch runs apply them to each
	 * item's packet.
	 */
	bool headers;
	int32_t net_off;
	int32_t ll_off;
};

/*
 * Run prog with r1 = mem, r2 = mem_len (r1 = 0 when mem is NULL), r10 = top
 * of a fresh 512-byte stack frame. The program may read and write
 * [mem, mem+mem_len) and its own stack frames; every memory access is
 * checked against those regions, and an access outside them stops the
 * program with -EFAULT and a message naming the instruction. On success
 * *ret holds r0. Thread-safe: a program may run on several threads at once.
 * A verified program gets at least the context it was verified for: its
 * type's context structure (bpfvm_ctx.h), or ctx_size bytes for the raw
 * type; a shorter mem_len is refused with -EINVAL.
 */
BPFVM_API int bpfvm_prog__run(const struct bpfvm_prog *prog, void *mem,
			      size_t mem_len, const struct bpfvm_run_opts *opts,
			      uint64_t *ret, struct bpfvm_error *err);

/* One input of bpfvm_prog__run_batch(). */
struct bpfvm_run_item {
	void *mem;          /* r1, as bpfvm_prog__run's mem */
	size_t mem_len;     /* r2 */
	const void *packet; /* what LD_ABS/LD_IND read; NULL: mem */
	size_t packet_len;
	uint64_t ret;       /* out: r0 */
};

/*
 * Run prog on n inputs in turn, as n calls of bpfvm_prog__run() with the
 * same opts would (opts->packet does not apply: each item has its own),
 * at a lower cost per input: what every run sets up is set up once, which
 * matters for short programs over many packets. Returns 0 with each
 * item's ret set, or the first failure's negative errno with err filled;
 * *done (optional) receives the number of items that completed.
 */
BPFVM_API int bpfvm_prog__run_batch(const struct bpfvm_prog *prog, struct bpfvm_run_item *items,
				    size_t n, const struct bpfvm_run_opts *opts, size_t *done,
				    struct bpfvm_error *err);

/*
 * What the JIT made of a program, for dumps (`bpfvm jit --dump`) and
 * disassemblers. Declare it with BPFVM_OPTS() so that sz is set; fields
 * past sz are left alone, so new fields are only ever appended.
 */
struct bpfvm_jit_info {
	size_t sz;
	const char *arch;        /* what the code is for: "x86_64" */
	/* code_len bytes of machine code, read-only, owned by the program
	 * and valid until it is freed. */
	const uint8_t *code;
	size_t code_len;
	/* insn_cnt + 1 ascending offsets into code: BPF instruction i became
	 * [insn_off[i], insn_off[i + 1]) (empty for the second slot of an
	 * ld_imm64, and for what needs no code). [0, insn_off[0]) is the
	 * entry, the epilogue and the exits, which no instruction owns.
	 * Owned as code is. */
	const uint32_t *insn_off;
	size_t insn_cnt;
	uint64_t compile_ns;     /* time the load spent compiling */
	uint32_t passes;         /* layout passes, the final check included */
};

/*
 * Fill info for prog. Returns 0; -EINVAL for a NULL argument or an sz too
 * small for its own field; -ENOENT when prog has no machine code (it was
 * loaded for the interpreter, or fell back to it).
 */
BPFVM_API int bpfvm_prog__jit_info(const struct bpfvm_prog *prog, struct bpfvm_jit_info *info);


/* ------------------------------------------------------------------ */
/* Maps                                                                */

/* Map types, numbered as the kernel's enum bpf_map_type. */
enum bpfvm_map_type {
	BPFVM_MAP_TYPE_HASH = 1,
	BPFVM_MAP_TYPE_ARRAY = 2,
	BPFVM_MAP_TYPE_PROG_ARRAY = 3,
	BPFVM_MAP_TYPE_PERF_EVENT_ARRAY = 4,
	BPFVM_MAP_TYPE_PERCPU_HASH = 5,
	BPFVM_MAP_TYPE_PERCPU_ARRAY = 6,
	BPFVM_MAP_TYPE_LRU_HASH = 9,
	BPFVM_MAP_TYPE_LRU_PERCPU_HASH = 10,
	BPFVM_MAP_TYPE_LPM_TRIE = 11,
	BPFVM_MAP_TYPE_ARRAY_OF_MAPS = 12,
	BPFVM_MAP_TYPE_HASH_OF_MAPS = 13,
	BPFVM_MAP_TYPE_DEVMAP = 14,
	BPFVM_MAP_TYPE_CPUMAP = 16,
	BPFVM_MAP_TYPE_XSKMAP = 17,
	BPFVM_MAP_TYPE_QUEUE = 22,
	BPFVM_MAP_TYPE_STACK = 23,
	BPFVM_MAP_TYPE_DEVMAP_HASH = 25,
	BPFVM_MAP_TYPE_RINGBUF = 27,
	BPFVM_MAP_TYPE_BLOOM_FILTER = 30,
};

/* Update flags and map flags, as the kernel's. */
#define BPFVM_ANY 0
#define BPFVM_NOEXIST 1
#define BPFVM_EXIST 2
#define BPFVM_F_LOCK 4
#define BPFVM_F_NO_PREALLOC (1u << 0)
#define BPFVM_F_RDONLY_PROG (1u << 7)
#define BPFVM_F_WRONLY_PROG (1u << 8)
#define BPFVM_F_MMAPABLE (1u << 10)

#define BPFVM_OBJ_NAME_LEN 64

struct bpfvm_map;

struct bpfvm_map_opts {
	size_t sz;
	uint32_t map_flags;  /* BPFVM_F_* */
	uint64_t map_extra;  /* bloom filter: number of hash functions (1..15, default 5) */
	/* Map-in-map: a map whose type, key/value size and max_entries every
	 * inner map must match (the kernel's inner_map_fd). */
	const struct bpfvm_map *inner_map;
	uint32_t btf_key_type_id;   /* BTF ids in the owning object's BTF, for dumps */
	uint32_t btf_value_type_id;
};

/*
 * Create a map in vm, with the kernel's checks on sizes and flags (for
 * example: array keys are 4 bytes; queue and stack have no key; ringbuf
 * max_entries is a power-of-2 multiple of the page size). The vm holds a
 * reference; bpfvm_map__put() drops the caller's. NULL + errno, with err
 * saying which attribute is wrong.
 */
BPFVM_API struct bpfvm_map *bpfvm_map__create(struct bpfvm_vm *vm, enum bpfvm_map_type type,
					      const char *name, uint32_t key_size,
					      uint32_t value_size, uint32_t max_entries,
					      const struct bpfvm_map_opts *opts,
					      struct bpfvm_error *err);
/* Drop a reference; the map is freed with its last one. NULL is a no-op. */
BPFVM_API void bpfvm_map__put(struct bpfvm_map *map);
BPFVM_API struct bpfvm_map *bpfvm_map__get(struct bpfvm_map *map);

BPFVM_API const char *bpfvm_map__name(const struct bpfvm_map *map);
/* Unique in the vm, from 1: map-in-map values are these ids. */
BPFVM_API uint32_t bpfvm_map__id(const struct bpfvm_map *map);
BPFVM_API enum bpfvm_map_type bpfvm_map__type(const struct bpfvm_map *map);
BPFVM_API uint32_t bpfvm_map__key_size(const struct bpfvm_map *map);
BPFVM_API uint32_t bpfvm_map__value_size(const struct bpfvm_map *map);
BPFVM_API uint32_t bpfvm_map__max_entries(const struct bpfvm_map *map);
BPFVM_API uint32_t bpfvm_map__flags(const struct bpfvm_map *map);
/* The kernel's name of a map type ("hash", "percpu_array"), NULL if unknown. */
BPFVM_API const char *bpfvm_map_type_name(enum bpfvm_map_type type);

/*
 * Host access, with the bpf(2) syscall's semantics. For per-CPU maps the
 * value buffer holds nr_cpus values, each rounded up to 8 bytes, as
 * bpftool and libbpf lay them out (bpfvm_map__value_buf_size() says how
 * big). Returns 0 or a negative errno: -ENOENT (no such key), -EEXIST
 * (BPFVM_NOEXIST on a present key), -E2BIG (full), -EINVAL, -ENOTSUP.
 */
BPFVM_API size_t bpfvm_map__value_buf_size(const struct bpfvm_map *map);
BPFVM_API int bpfvm_map__lookup(struct bpfvm_map *map, const void *key, void *value);
BPFVM_API int bpfvm_map__update(struct bpfvm_map *map, const void *key, const void *value,
				uint64_t flags);
BPFVM_API int bpfvm_map__delete(struct bpfvm_map *map, const void *key);
/* key NULL: the first key. -ENOENT after the last. */
BPFVM_API int bpfvm_map__get_next_key(struct bpfvm_map *map, const void *key, void *next_key);
/* Queue and stack: pop into value (lookup_and_delete), push with update. */
BPFVM_API int bpfvm_map__lookup_and_delete(struct bpfvm_map *map, const void *key, void *value);

/* Ringbuf: call fn for every committed record, advance the consumer.
 * Returns the number of records consumed or a negative errno; a negative
 * return from fn stops early with that value. */
typedef int (*bpfvm_ringbuf_fn)(void *ctx, const void *data, size_t size);
BPFVM_API int bpfvm_map__ringbuf_consume(struct bpfvm_map *map, bpfvm_ringbuf_fn fn, void *ctx);
/* Perf event array: records from bpf_perf_event_output, per CPU. */
BPFVM_API int bpfvm_map__perf_consume(struct bpfvm_map *map, bpfvm_ringbuf_fn fn, void *ctx);

/* ------------------------------------------------------------------ */
/* Objects: ELF files as clang builds them                             */

struct bpfvm_object;

struct bpfvm_object_opts {
	size_t sz;
	const char *name; /* for messages; default: the file name */
	/* Every program is verified at load as its section's program type
	 * (see bpfvm_load_opts.unverified); raw-typed programs get ctx_size
	 * bytes. unverified skips the verifier for all of them. */
	bool unverified;
	uint32_t ctx_size;
	/* The engine for every program (see bpfvm_load_opts.engine; the JIT
	 * needs verified programs), and whether a program the JIT cannot take
	 * runs in the interpreter instead of failing the load. */
	enum bpfvm_engine engine;
	bool allow_fallback;
	/* The verifier's log as the programs load (see
	 * bpfvm_load_opts.log_buf): each program's part follows a line
	 * "program 'NAME' (section SEC):"; a refused program's is last. */
	char *log_buf;
	size_t log_size;
	uint32_t log_level;
	/* Constant blinding for every program the JIT compiles (see
	 * bpfvm_load_opts.harden). */
	bool harden;
};

/*
 * Open an ELF object (clang -target bpf): read every program section, map
 * definition (BTF .maps, legacy maps, iproute2 bpf_elf_map), global data,
 * BTF and line info, and apply relocations. Nothing is created yet.
 * NULL + errno on failure, with err naming the section, offset and fault.
 */
BPFVM_API struct bpfvm_object *bpfvm_object__open_file(struct bpfvm_vm *vm, const char *path,
						       const struct bpfvm_object_opts *opts,
						       struct bpfvm_error *err);
BPFVM_API struct bpfvm_object *bpfvm_object__open_mem(struct bpfvm_vm *vm, const void *data,
						      size_t size,
						      const struct bpfvm_object_opts *opts,
						      struct bpfvm_error *err);
/* Create the maps (with their initial contents) and load every program. */
BPFVM_API int bpfvm_object__load(struct bpfvm_object *obj, struct bpfvm_error *err);
BPFVM_API void bpfvm_object__close(struct bpfvm_object *obj);

BPFVM_API const char *bpfvm_object__name(const struct bpfvm_object *obj);
BPFVM_API bool bpfvm_object__has_btf(const struct bpfvm_object *obj);
/* The object's BTF as libbpf's struct btf (owned by the object), or NULL. */
struct btf;
BPFVM_API const struct btf *bpfvm_object__btf(const struct bpfvm_object *obj);
BPFVM_API size_t bpfvm_object__prog_cnt(const struct bpfvm_object *obj);
/*
 * Leave program name (or every program of section name) out of
 * bpfvm_object__load(), or put it back (libbpf's set_autoload): it is not
 * verified or loaded, and bpfvm_object__prog() gives NULL for it; prog
 * array slots naming it stay empty. Before load only. Returns 0, -ENOENT
 * (no such program), -EBUSY (loaded already), -EINVAL, -ENOMEM.
 */
BPFVM_API int bpfvm_object__set_autoload(struct bpfvm_object *obj, const char *name,
					 bool autoload);
/* Program i, after bpfvm_object__load(); NULL before (or when left out). */
BPFVM_API struct bpfvm_prog *bpfvm_object__prog(const struct bpfvm_object *obj, size_t i);
BPFVM_API const char *bpfvm_object__prog_name(const struct bpfvm_object *obj, size_t i);
BPFVM_API const char *bpfvm_object__prog_section(const struct bpfvm_object *obj, size_t i);
BPFVM_API struct bpfvm_prog *bpfvm_object__find_prog(const struct bpfvm_object *obj,
						      const char *name);
BPFVM_API size_t bpfvm_object__map_cnt(const struct bpfvm_object *obj);
/* Map i, after bpfvm_object__load(); NULL before. */
BPFVM_API struct bpfvm_map *bpfvm_object__map(const struct bpfvm_object *obj, size_t i);
BPFVM_API const char *bpfvm_object__map_name(const struct bpfvm_object *obj, size_t i);
BPFVM_API struct bpfvm_map *bpfvm_object__find_map(const struct bpfvm_object *obj,
						    const char *name);

/* Before or after load: program i's type, and its instructions as the
 * loader relocated them (maps as map_by_idx ld_imm64, calls fixed). */
BPFVM_API uint32_t bpfvm_object__prog_type(const struct bpfvm_object *obj, size_t i);
BPFVM_API const struct bpfvm_insn *bpfvm_object__prog_insns(const struct bpfvm_object *obj,
							     size_t i, size_t *n);
/* The indexes of the maps program i refers to, each once, in order of
 * first use; returns how many were written (at most max). */
BPFVM_API size_t bpfvm_object__prog_maps(const struct bpfvm_object *obj, size_t i, size_t *idx,
					 size_t max);
/* The map instruction pc of program i refers to (an ld_imm64 of a map or
 * of a map value), or -1. */
BPFVM_API long bpfvm_object__insn_map(const struct bpfvm_object *obj, size_t i, size_t pc);
/* Map i's definition: type, sizes and where it was defined. */
struct bpfvm_map_info {
	enum bpfvm_map_type type;
	uint32_t key_size, value_size, max_entries, map_flags;
	const char *section; /* ".maps", "maps", ".data", ... */
	bool global_data;    /* a .data/.rodata/.bss section as a map */
	/* BTF types of key and value in bpfvm_object__btf() (0: none); for
	 * global data the value is the section's DATASEC. */
	uint32_t btf_key_type_id, btf_value_type_id;
};
BPFVM_API int bpfvm_object__map_info(const struct bpfvm_object *obj, size_t i,
				     struct bpfvm_map_info *info);

/*
 * Global variables: the variables of the .data, .rodata, .bss (and
 * .data.*, .rodata.*) sections, found by name in the object's BTF DATASEC
 * records, as a libbpf skeleton exposes them. Needs BTF (clang -g).
 */
struct bpfvm_global_info {
	const char *section;  /* ".rodata", ".data", ...; owned by the object */
	size_t map_idx;       /* the section's map: bpfvm_object__map(obj, map_idx) */
	uint32_t offset;      /* in the section (the map's value) */
	uint32_t size;        /* bytes */
	uint32_t btf_type_id; /* the variable's type in bpfvm_object__btf() */
	bool read_only;       /* a .rodata section: fixed once the object is loaded */
};
/*
 * Find global variable name. Returns 0 and fills *info, or -EINVAL (bad
 * arguments; a name found in two sections, e.g. two static variables;
 * BTF that places the variable outside its section), -ENOENT (no such
 * variable, or no BTF; err lists the names there are). Works before and
 * after load.
 */
BPFVM_API int bpfvm_object__find_global(const struct bpfvm_object *obj, const char *name,
					struct bpfvm_global_info *info, struct bpfvm_error *err);
/*
 * Set global variable name to the size bytes at data (copied; size must
 * be the variable's size exactly). Before bpfvm_object__load() this sets
 * the section's initial contents, so it works for `const volatile`
 * .rodata variables, which programs and the verifier then see as set (the
 * libbpf skeleton way: skel->rodata->x = v before load). After load it
 * writes into the section's map, except for .rodata, which the load froze.
 * Returns 0, or the errors of bpfvm_object__find_global(), -EINVAL for a
 * wrong size, -EPERM for .rodata after load, -ENOMEM.
 */
BPFVM_API int bpfvm_object__set_global(struct bpfvm_object *obj, const char *name,
				       const void *data, size_t size, struct bpfvm_error *err);

/* A source position from the object's line info (.BTF.ext). */
struct bpfvm_source_line {
	const char *file;
	const char *text; /* the line's source text, or NULL */
	uint32_t line, column;
};
/* The source line that instruction insn of program i starts, or NULL when
 * no line begins there (or the object has no line info). */
BPFVM_API const struct bpfvm_source_line *bpfvm_object__prog_line(const struct bpfvm_object *obj,
								   size_t i, size_t insn);

#ifdef __cplusplus
}
#endif

#endif /* BPFVM_H */
