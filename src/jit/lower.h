/*
 * lower.h - lowering BPF instructions to x86-64, one file per family.
 *
 * layout.c picks the family of each instruction (alu, mem, jmp, call,
 * pkt) by the row's SHAPE in the ISA table and the family's function
 * emits the code;
 * OP, WIDTH and SIZE come from the same row. No code here looks at opcode
 * bytes.
 *
 * The code image (fixed parts first, so their offsets never move):
 *
 *   0          entry(run, r10, fn): save callee-saved registers, r12 =
 *              run + JIT_RUN_BIAS, rbp = r10, r1..r5 from run->reg[1..5],
 *              zero r0 and r6..r9, call fn, then the epilogue: restore
 *              and ret (rax = r0). fn is instruction 0 for a run, a
 *              callback's first instruction for bpf_loop and friends.
 *   oob_off    the packet-load exit: r0 = 0, then the failure exit's path
 *              (LD_ABS/LD_IND outside the packet end the function the
 *              entry called, returning 0, as the interpreter does)
 *   fail_off   the failure exit: rsp = the saved rsp, then the epilogue;
 *              the run context already holds the error code and pc
 *   ldneg_off  LD_ABS/LD_IND at a negative offset: three functions, one
 *              per size, from the offset to the address of a header's
 *              bytes, or the packet-load exit (lower_pkt.c)
 *   batch_off  batch(run, r10, fn): the entry for bpfvm_prog__run_batch,
 *              a loop over run->batch_item..batch_end that sets each
 *              input's registers and per-run fields and calls fn, storing
 *              r0 in the item; the exits above leave the loop (C resumes
 *              it after a packet-load exit)
 *   body_off   instruction 0; instruction pc starts at off[pc]
 *
 * The body runs as a function: every BPF function, the main one included,
 * is entered with a call and every exit is a ret. At each function entry
 * rsp is 16-byte aligned (the entry's 6 pushes and its call make it so),
 * and a function never moves rsp between instructions, so a helper call
 * made from any instruction sees the SysV alignment with no adjustment.
 * Entries nest: a helper running a callback enters the image again from C
 * (run.c), with run->saved_rsp saved around it, so a failure or packet
 * exit inside the callback returns to that helper, not past it.
 *
 * Invariants of a lowering function:
 * - It emits at most JIT_MAX_INSN_BYTES bytes.
 * - A jump to another BPF instruction is the last thing it emits, and its
 *   displacement is off[target] - off[pc + 1] from the previous pass; once
 *   two passes agree on every offset, every displacement is exact.
 * - Scratch registers (regs.h) and flags are dead between instructions.
 */
#ifndef BPFVM_JIT_LOWER_H
#define BPFVM_JIT_LOWER_H

#include <stddef.h>
#include <stdint.h>

#include "encoder.h"
#include "isa/isa.h"
#include "regs.h"

struct bpfvm_prog;
struct bpfvm_map;
struct jit_blind;

/* How an instruction is lowered together with others (fuse.c). */
enum jit_fuse_kind {
	FUSE_NONE,
	FUSE_SKIP,   /* part of another's code: emits nothing */
	FUSE_LEA,    /* lea dst, [base + index + disp] */
	FUSE_MEM,    /* this load or store through [base + index + disp] */
	FUSE_JCC_JA, /* if !cond goto the next slot's goto target */
};

struct jit_fuse {
	uint8_t kind;    /* enum jit_fuse_kind */
	bool is64;       /* LEA */
	int8_t dst;      /* LEA: BPF register */
	int8_t base;     /* BPF registers; index -1: none */
	int8_t index;
	int32_t disp;
};

struct jit_ctx {
	struct jit_buf buf;
	const struct bpfvm_prog *prog;
	const struct isa_insn *insns;
	size_t n;
	size_t pc;             /* the instruction being lowered */
	uint32_t *off;         /* n + 1 offsets from the previous pass */
	uint32_t oob_off;      /* the packet-load exit */
	uint32_t fail_off;     /* the failure exit */
	uint32_t ldneg_off[3]; /* the header loads of 1, 2, 4 bytes (lower_pkt.c) */
	uint32_t batch_off;    /* the batch entry */
	uint32_t body_off;     /* instruction 0 */
	bool tail_calls;       /* the program may make tail calls (lower_call.c) */
	/* n entries or NULL: the map bpf_map_lookup_elem at pc looks up, where
	 * lower_map.c takes that call (verified programs only), else NULL. */
	struct bpfvm_map **lookup_map;
	/* dead.c: verified programs' prog->vfy_seen (NULL: every slot has
	 * code) and, n + 1 entries, the first slot with code at or after
	 * each (malloc()ed; the caller frees it) */
	const uint8_t *seen;
	uint32_t *next_live;
	/* n + 1 entries or NULL: fuse.c's plan (malloc()ed; the caller frees) */
	struct jit_fuse *fuse;
	/* constant blinding's keys and rows (blind.h), or NULL: not hardened */
	const struct jit_blind *blind;
};

/*
 * Where the run context's fields are (run.h checks them). r12 points
 * JIT_RUN_BIAS bytes into the context, so that every field the code
 * touches (offsets 0..255) is reached with a one-byte displacement
 * (-128..127); JIT_RUN_* are displacements from r12.
 */
#define JIT_RUN_BIAS 128
#define JIT_RUN_AT(off) ((int32_t)(off) - JIT_RUN_BIAS)
#define JIT_RUN_REG(i) JIT_RUN_AT(8 * (i))
#define JIT_RUN_RC JIT_RUN_AT(88)
#define JIT_RUN_PC JIT_RUN_AT(92)
#define JIT_RUN_HELPER JIT_RUN_AT(96)
#define JIT_RUN_SAVED_RSP JIT_RUN_AT(104)
#define JIT_RUN_STACK_LIMIT JIT_RUN_AT(112)
#define JIT_RUN_TAIL_TO JIT_RUN_AT(120)
#define JIT_RUN_PKT JIT_RUN_AT(128)
#define JIT_RUN_PKT_LEN JIT_RUN_AT(136)
#define JIT_RUN_PROG JIT_RUN_AT(144)
#define JIT_RUN_LOOPS JIT_RUN_AT(152)
#define JIT_RUN_TAIL_CALLS JIT_RUN_AT(156)
#define JIT_RUN_CPU JIT_RUN_AT(160)
/* and what only the batch entry writes, once per input */
#define JIT_RUN_MEM_READY JIT_RUN_AT(164)
#define JIT_RUN_IN JIT_RUN_AT(168)
#define JIT_RUN_IN_LEN JIT_RUN_AT(176)
#define JIT_RUN_ROOT JIT_RUN_AT(192)
#define JIT_RUN_BATCH_ITEM JIT_RUN_AT(216)
#define JIT_RUN_BATCH_END JIT_RUN_AT(224)
#define JIT_RUN_PKT_NET JIT_RUN_AT(232)
#define JIT_RUN_PKT_LL JIT_RUN_AT(240)

/* struct bpfvm_run_item, as the batch entry reads it (run.c checks it) */
#define JIT_ITEM_MEM 0
#define JIT_ITEM_MEM_LEN 8
#define JIT_ITEM_PACKET 16
#define JIT_ITEM_PACKET_LEN 24
#define JIT_ITEM_RET 32
#define JIT_ITEM_SIZE 40

/* The bytes reserved for the frame (lower_frame), entries and exits. */
#define JIT_FRAME_MAX 640

/* run->rc for a call past the last stack frame (helpers' codes are
 * negative errnos, so a positive code cannot clash). */
#define JIT_FAIL_DEPTH 1

/* Each returns 0, or -ENOTSUP when the family cannot lower this row (the
 * caller refuses the program before lowering, so that is a bug). */
int lower_alu(struct jit_ctx *c, const struct isa_desc *d, const struct isa_insn *in);
int lower_mem(struct jit_ctx *c, const struct isa_desc *d, const struct isa_insn *in);
int lower_jmp(struct jit_ctx *c, const struct isa_desc *d, const struct isa_insn *in);
int lower_call(struct jit_ctx *c, const struct isa_desc *d, const struct isa_insn *in);
int lower_pkt(struct jit_ctx *c, const struct isa_desc *d, const struct isa_insn *in);
/* The packet load of size bytes at the offset in r11, with SF = its sign
 * (lower_pkt.c): the bounds checks, the oob exit, the load into r0. */
void lower_pkt_load_off(struct jit_ctx *c, unsigned size);
/* In the fixed part: the header load functions (c->ldneg_off), for
 * programs that have LD_ABS or LD_IND. */
void lower_pkt_fixed(struct jit_ctx *c);

/* Before the first pass: decide what whole-program facts the lowering
 * needs (c->tail_calls). */
void lower_call_scan(struct jit_ctx *c);

/* Before the first pass: find the map lookups lower_map_lookup() takes
 * (c->lookup_map, malloc()ed; the caller frees it). 0 or -ENOMEM. */
int lower_map_scan(struct jit_ctx *c);

/* Lower the helper call at c->pc as a map lookup, if c->lookup_map names
 * its map; false (nothing emitted) otherwise. */
bool lower_map_lookup(struct jit_ctx *c);

/* Before the first pass: c->seen and c->next_live (dead.c). 0 or -1 (out
 * of memory). */
int lower_dead_scan(struct jit_ctx *c);
/* Does a jump from c->pc to target reach it by falling through (nothing
 * with code in between)? */
bool lower_falls_to(const struct jit_ctx *c, size_t target);
/* Lower a conditional jump with a side no path takes (a jmp, or nothing);
 * false when both sides are live (nothing emitted). */
bool lower_dead_branch(struct jit_ctx *c, const struct isa_desc *d, const struct isa_insn *in);

/* Before the first pass, after lower_dead_scan(): c->fuse (fuse.c). 0 or
 * -ENOMEM. */
int lower_fuse_scan(struct jit_ctx *c);
/* Lower c->pc as its fuse.c plan says (a skipped slot, a lea, a fused
 * access): true with *rc set, or false when the plan leaves it alone. */
bool lower_fused(struct jit_ctx *c, const struct isa_desc *d, const struct isa_insn *in, int *rc);
/* target[i] = 1 for every slot control reaches other than from the slot
 * before: jump and call targets, callbacks, the entry (n + 1 entries). */
void lower_mark_targets(const struct jit_ctx *c, uint8_t *target);

/* The prologue, epilogue and failure exit (at offset 0, fixed size). */
void lower_frame(struct jit_ctx *c);

/* Jump (cc, or unconditional when cc < 0) to BPF instruction target. */
void lower_branch(struct jit_ctx *c, int cc, size_t target);

/* Record the error code and pc in the run context, then jump to the
 * failure exit. */
void lower_fail(struct jit_ctx *c, int32_t code);

/* jcc rel32 (cc, or jmp when cc < 0) to a fixed offset of the image (an
 * exit): exact in every pass, since the frame comes first. */
void lower_jump_fixed(struct jit_ctx *c, int cc, uint32_t to);

#endif /* BPFVM_JIT_LOWER_H */
