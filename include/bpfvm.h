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

struct bpfvm_vm_opts {
	size_t sz;
};

/* Create a vm with no helpers registered. NULL + errno on failure. */
BPFVM_API struct bpfvm_vm *bpfvm_vm__new(const struct bpfvm_vm_opts *opts);
/* Free a vm. Its programs must have been freed first. NULL is a no-op. */
BPFVM_API void bpfvm_vm__free(struct bpfvm_vm *vm);

/*
 * A helper receives r1..r5 and returns the value for r0. Pointers arrive as
 * integers; a helper that dereferences one must first check it with
 * bpfvm_call__check_mem(). A helper may stop the program with
 * bpfvm_call__fail().
 */
typedef uint64_t (*bpfvm_helper_fn)(uint64_t r1, uint64_t r2, uint64_t r3,
				    uint64_t r4, uint64_t r5,
				    struct bpfvm_call *call);

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

struct bpfvm_load_opts {
	size_t sz;
	const char *name; /* program name for messages; copied */
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
BPFVM_API void bpfvm_prog__free(struct bpfvm_prog *prog);
BPFVM_API size_t bpfvm_prog__insn_cnt(const struct bpfvm_prog *prog);
BPFVM_API const struct bpfvm_insn *bpfvm_prog__insns(const struct bpfvm_prog *prog);
BPFVM_API const char *bpfvm_prog__name(const struct bpfvm_prog *prog);

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

struct bpfvm_run_opts {
	size_t sz;
	/* Stop with -E2BIG after this many instructions; 0 = no limit. */
	uint64_t insn_budget;
	bpfvm_trace_fn trace; /* per-instruction trace, NULL for none */
	void *trace_ctx;
	void *user;            /* handed to helpers via bpfvm_call__user() */
	uint64_t *insn_count;  /* if set, receives instructions executed */
};

/*
 * Run prog with r1 = mem, r2 = mem_len (r1 = 0 when mem is NULL), r10 = top
 * of a fresh 512-byte stack frame. The program may read and write
 * [mem, mem+mem_len) and its own stack frames; every memory access is
 * checked against those regions, and an access outside them stops the
 * program with -EFAULT and a message naming the instruction. On success
 * *ret holds r0. Thread-safe: a program may run on several threads at once.
 */
BPFVM_API int bpfvm_prog__run(const struct bpfvm_prog *prog, void *mem,
			      size_t mem_len, const struct bpfvm_run_opts *opts,
			      uint64_t *ret, struct bpfvm_error *err);

#ifdef __cplusplus
}
#endif

#endif /* BPFVM_H */
