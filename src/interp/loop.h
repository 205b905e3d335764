/*
 * loop.h - the dispatch loop, generated from isa_table.def.
 *
 * interp.c includes this file three times to compile the loop three
 * times:
 * - plain (INTERP_TRACED 0, INTERP_TRUSTED 0): the checked loop. It runs
 *   the decoded instructions (struct isa_insn), checks every memory access
 *   against the run's regions and counts instructions against the budget.
 *   Unverified programs run only here.
 * - traced (INTERP_TRACED 1): the same, calling the trace callback after
 *   every instruction. The tracing code is absent from the other copies,
 *   not skipped by a flag, so an untraced run pays nothing for it.
 * - trusted (INTERP_TRUSTED 1): verified programs, when the run asks for
 *   no budget, count or trace. It runs the program's prepared form
 *   (struct interp_op, code.h), whose every slot holds its handler's
 *   address, and neither checks memory (the verifier proved every access,
 *   as the JIT and the kernel's interpreter trust it) nor counts.
 *
 * Dispatch, after Lua's lvm.c: the same body compiles either as threaded
 * code (computed goto through a label table, GCC and Clang) or as a switch
 * in a loop, behind vmdispatch / vmcase / vmbreak. Both the label table
 * and the handlers are expansions of isa_table.def, one row each, with the
 * row's body taken from its SHAPE (shapes.h): the table stays the only list
 * of instructions, for all three copies.
 *
 * Per instruction: VM_FETCH charges the instruction budget (and, traced,
 * snapshots the registers), the row's body runs, VM_RETIRE traces and steps
 * to the next slot. In the trusted copy both are a bare step, and the
 * dispatch is one load and one indirect jump.
 *
 * Parameters: INTERP_LOOP_NAME (function name), INTERP_TRACED (0 or 1),
 * INTERP_TRUSTED (0 or 1; not with INTERP_TRACED).
 */

/* ---- dispatch machinery: defined once ---- */
#ifndef BPFVM_INTERP_LOOP_H
#define BPFVM_INTERP_LOOP_H

#include "fuse.h"
#include "shapes.h"

#if defined(__GNUC__) && !defined(INTERP_FORCE_SWITCH)
#define INTERP_COMPUTED_GOTO 1
#else
#define INTERP_COMPUTED_GOTO 0
#endif

/* A trusted loop that met a tail call into an unverified program returns
 * this: the run goes on in the checked loop, at st->start. */
#define INTERP_SWITCH 1

/* fuse.h's lists, numbered. */
enum interp_fuse_pair {
#define FUSE_ENUM(A, B) INTERP_FUSE_##A##__##B,
	INTERP_FUSE_PAIRS(FUSE_ENUM)
#undef FUSE_ENUM
	INTERP_FUSE_N
};

enum interp_fuse_triple {
#define FUSE_ENUM(A, B, C) INTERP_FUSE3_##A##__##B##__##C,
	INTERP_FUSE_TRIPLES(FUSE_ENUM)
#undef FUSE_ENUM
	INTERP_FUSE3_N
};

enum interp_fuse_taken {
#define FUSE_ENUM(A, B) INTERP_FUSET_##A##__##B,
	INTERP_FUSE_TAKEN(FUSE_ENUM)
#undef FUSE_ENUM
	INTERP_FUSET_N
};

/* The forms of a fused handler, by what the later slots read of the
 * first's dst register (interp_prog_prepare() picks): */
enum interp_fuse_form {
	INTERP_FUSE_XX, /* not known to read it */
	INTERP_FUSE_DD, /* the last slot's dst register is it */
	INTERP_FUSE_DS, /* the last slot's src register is it */
	INTERP_FUSE_FORMS
};

/* The trusted loop's handlers past the table's rows, by index into its
 * label table (labels_out): specialised forms of some slots, chosen at
 * load by interp_prog_prepare(). Computed goto only; with the switch the
 * prepared form keeps plain row ids. */
enum interp_xlabel {
	INTERP_X_MAP_LOOKUP = ISA__WIDE_HI + 1, /* call of bpf_map_lookup_elem */
	/* + INTERP_FUSE_FORMS * enum interp_fuse_pair + form: fuse.h pairs */
	INTERP_X_FUSE,
	/* + INTERP_FUSE_FORMS * enum interp_fuse_triple + form: triples */
	INTERP_X_FUSE3 = INTERP_X_FUSE + INTERP_FUSE_FORMS * INTERP_FUSE_N,
	/* + enum interp_fuse_taken: taken jumps */
	INTERP_X_FUSET = INTERP_X_FUSE3 + INTERP_FUSE_FORMS * INTERP_FUSE3_N,
	INTERP_X__COUNT = INTERP_X_FUSET + INTERP_FUSET_N,
};

#if INTERP_COMPUTED_GOTO
#define vmdispatch(x) goto *VM_LABEL(x);
#define vmcase(ID) op_##ID:
#define vmdefault op__bad:
#define vmbreak      \
	VM_RETIRE(); \
	VM_FETCH();  \
	vmdispatch(VM_ID())
#else
#define vmdispatch(x) switch (x)
#define vmcase(ID) case ISA_##ID:
#define vmdefault default:
#define vmbreak break
#endif

#endif /* BPFVM_INTERP_LOOP_H */

/* ---- the loop: once per inclusion ---- */

#if INTERP_TRUSTED
/* The prepared form: the handler is in the slot (code.h). */
#define VM_PC_T const struct interp_op *
#define VM_BASE (st->ops)
#define VM_DSTI (in->dst)
#define VM_SRCI (in->src)
#define VM_IMM64 ((uint64_t)(int64_t)in->imm)
#define VM_WIDE_IMM64 ((uint64_t)(uint32_t)in[0].imm | (uint64_t)(uint32_t)in[1].imm << 32)
#define VM_MEM_PTR MEM_PTR_TRUSTED
#define VM_LEFT_SAVE() ((void)0)
#define VM_LEFT_LOAD() ((void)0)
#if INTERP_COMPUTED_GOTO
#define VM_ID() in
#define VM_LABEL(x) (x)->run.label
#else
#define VM_ID() (in->run.id)
#endif
#else
#define VM_PC_T const struct isa_insn *
#define VM_BASE (st->insns)
#define VM_DSTI (in->dst)
#define VM_SRCI (in->src)
#define VM_IMM64 (in->imm64)
#define VM_WIDE_IMM64 (in->imm64)
#define VM_MEM_PTR MEM_PTR_CHECKED
/* The budget counter lives in the loop's local `left`; a helper may run a
 * callback (bpf_loop) that spends from it too, so it is handed over in
 * st->left for the call and taken back after. */
#define VM_LEFT_SAVE() (st->left = left)
#define VM_LEFT_LOAD() (left = st->left)
#if INTERP_COMPUTED_GOTO
/* Ids past the table (impossible after decoding) go to the error label.
 * The clamp is a cmov on the jump address; a separate branch measured
 * slower. */
#define VM_ID() (in->id <= ISA__WIDE_HI ? in->id : ISA__WIDE_HI)
#define VM_LABEL(x) labels[x]
#else
#define VM_ID() (in->id)
#endif
#endif

#if INTERP_TRACED
/* The pc and raw slot are taken when the instruction starts: an exit or a
 * tail call may change the program before the trace line is written. */
#define VM_TRACE_BEGIN()                                      \
	do {                                                  \
		cur_pc = (size_t)(in - st->insns);            \
		cur_raw = &st->raw[cur_pc];                   \
		memcpy(before, reg, sizeof(before));          \
	} while (0)
#define VM_TRACE_END() st->trace(st->trace_ctx, cur_pc, cur_raw, before, reg)
#else
#define VM_TRACE_BEGIN() ((void)0)
#define VM_TRACE_END() ((void)0)
#endif

#if INTERP_TRUSTED
#define VM_FETCH() ((void)0)
#else
#define VM_FETCH()                                   \
	do {                                         \
		if (INTERP_UNLIKELY(left == 0))      \
			goto budget;                 \
		left--;                              \
		VM_TRACE_BEGIN();                    \
	} while (0)
#endif
#define VM_RETIRE()                                  \
	do {                                         \
		VM_TRACE_END();                      \
		in++;                                \
	} while (0)

#if INTERP_TRUSTED && INTERP_COMPUTED_GOTO
/* The body of every simple row as a function that returns where it left
 * `in`, for the superinstructions of fuse.h. Its registers are given as
 * numbers d_ and s_ (in->dst and in->src, or the first's register where
 * the pair shares it): the compiler then sees the second read the value
 * the first just wrote, and keeps it in a machine register. */
#undef VM_DSTI
#undef VM_SRCI
#define VM_DSTI d_
#define VM_SRCI s_
#define ISA(ID, CODE, DISC, DVAL, SHAPE, OP, WIDTH, SIZE, FIELDS, GROUP, UBPF, LLVM)           \
	FUSE_SIMPLE_##SHAPE(static inline const struct interp_op *fuse_row_##ID(             \
				    uint64_t *reg, const struct interp_op *in, unsigned d_,    \
				    unsigned s_) {                                             \
		BODY_##SHAPE(ID, OP, WIDTH, SIZE, DVAL);                                       \
		return in;                                                                     \
	})
#include "isa/isa_table.def"
#undef ISA
#undef VM_DSTI
#undef VM_SRCI
#define VM_DSTI (in->dst)
#define VM_SRCI (in->src)

/*
 * A pair's handlers: the first body; unless it jumped away, the second.
 * One per form (enum interp_fuse_form): in _dd and _ds the second gets
 * the first's dst register number as its dst or src, the same number the
 * slot holds, but one the compiler can see is the same.
 */
#define FUSE_HANDLER(A, B)                                                  \
	fuse_##A##__##B##_xx : {                                            \
		VM_PC_T at_ = in;                                           \
		in = fuse_row_##A(reg, in, in->dst, in->src);               \
		if (in == at_) {                                            \
			in++;                                               \
			in = fuse_row_##B(reg, in, in->dst, in->src);       \
		}                                                           \
		vmbreak;                                                    \
	}                                                                   \
	fuse_##A##__##B##_dd : {                                            \
		VM_PC_T at_ = in;                                           \
		const unsigned d_ = in->dst;                                \
		in = fuse_row_##A(reg, in, d_, in->src);                    \
		if (in == at_) {                                            \
			in++;                                               \
			in = fuse_row_##B(reg, in, d_, in->src);            \
		}                                                           \
		vmbreak;                                                    \
	}                                                                   \
	fuse_##A##__##B##_ds : {                                            \
		VM_PC_T at_ = in;                                           \
		const unsigned d_ = in->dst;                                \
		in = fuse_row_##A(reg, in, d_, in->src);                    \
		if (in == at_) {                                            \
			in++;                                               \
			in = fuse_row_##B(reg, in, in->dst, d_);            \
		}                                                           \
		vmbreak;                                                    \
	}
#define FUSE_LABEL(A, B)                                                                     \
	[INTERP_X_FUSE + INTERP_FUSE_FORMS * INTERP_FUSE_##A##__##B + INTERP_FUSE_XX] =      \
		&&fuse_##A##__##B##_xx,                                                      \
	[INTERP_X_FUSE + INTERP_FUSE_FORMS * INTERP_FUSE_##A##__##B + INTERP_FUSE_DD] =      \
		&&fuse_##A##__##B##_dd,                                                      \
	[INTERP_X_FUSE + INTERP_FUSE_FORMS * INTERP_FUSE_##A##__##B + INTERP_FUSE_DS] =      \
		&&fuse_##A##__##B##_ds,

/* A triple's: the same with three; in _dd and _ds the second slot's dst
 * is the first's too. */
#define FUSE3_BODY(A, B, C, D2, S2, D3, S3)                                 \
	{                                                                   \
		VM_PC_T at_ = in;                                           \
		const unsigned d_ = in->dst;                                \
		in = fuse_row_##A(reg, in, d_, in->src);                    \
		if (in == at_) {                                            \
			at_ = ++in;                                         \
			in = fuse_row_##B(reg, in, D2, S2);                 \
			if (in == at_) {                                    \
				in++;                                       \
				in = fuse_row_##C(reg, in, D3, S3);         \
			}                                                   \
		}                                                           \
		(void)d_;                                                   \
		vmbreak;                                                    \
	}
#define FUSE3_HANDLER(A, B, C)                                                          \
	fuse3_##A##__##B##__##C##_xx : FUSE3_BODY(A, B, C, in->dst, in->src, in->dst,   \
						  in->src)                              \
	fuse3_##A##__##B##__##C##_dd : FUSE3_BODY(A, B, C, d_, in->src, d_, in->src)   \
	fuse3_##A##__##B##__##C##_ds : FUSE3_BODY(A, B, C, d_, in->src, in->dst, d_)
#define FUSE3_LABEL(A, B, C)                                                                   \
	[INTERP_X_FUSE3 + INTERP_FUSE_FORMS * INTERP_FUSE3_##A##__##B##__##C + INTERP_FUSE_XX] = \
		&&fuse3_##A##__##B##__##C##_xx,                                                \
	[INTERP_X_FUSE3 + INTERP_FUSE_FORMS * INTERP_FUSE3_##A##__##B##__##C + INTERP_FUSE_DD] = \
		&&fuse3_##A##__##B##__##C##_dd,                                                \
	[INTERP_X_FUSE3 + INTERP_FUSE_FORMS * INTERP_FUSE3_##A##__##B##__##C + INTERP_FUSE_DS] = \
		&&fuse3_##A##__##B##__##C##_ds,

/* A taken jump's: the jump; if it jumped, the body at its target. */
#define FUSET_HANDLER(A, B)                                           \
	fuset_##A##__##B : {                                          \
		VM_PC_T at_ = in;                                     \
		in = fuse_row_##A(reg, in, in->dst, in->src);         \
		if (in != at_) {                                      \
			in++;                                         \
			in = fuse_row_##B(reg, in, in->dst, in->src); \
		}                                                     \
		vmbreak;                                              \
	}
#define FUSET_LABEL(A, B) [INTERP_X_FUSET + INTERP_FUSET_##A##__##B] = &&fuset_##A##__##B,
#endif

/*
 * Run st from slot st->start until the frame st->stop_depth exits (returns
 * 0, r0 in st->reg[0]) or something stops it (returns the negative errno,
 * st->err filled). st->left is updated either way (not by the trusted
 * loop, which does not count). The trusted loop may also return
 * INTERP_SWITCH (see above).
 *
 * labels_out: when not NULL, the loop runs nothing and stores its label
 * table there (INTERP_X__COUNT entries: a handler per row id, then the
 * trusted loop's own; NULL without computed goto), for
 * interp_prog_prepare().
 */
static int INTERP_LOOP_NAME(struct interp_state *st, const void *const **labels_out)
{
#if INTERP_COMPUTED_GOTO
	static const void *const labels[INTERP_X__COUNT] = {
#define ISA(ID, ...) [ISA_##ID] = &&op_##ID,
#include "isa/isa_table.def"
#undef ISA
		[ISA__WIDE_HI] = &&op__bad,
#if INTERP_TRUSTED
		[INTERP_X_MAP_LOOKUP] = &&x_map_lookup,
		INTERP_FUSE_PAIRS(FUSE_LABEL)
		INTERP_FUSE_TRIPLES(FUSE3_LABEL)
		INTERP_FUSE_TAKEN(FUSET_LABEL)
#endif
	};
	if (labels_out) {
		*labels_out = labels;
		return 0;
	}
#else
	if (labels_out) {
		*labels_out = NULL;
		return 0;
	}
#endif
	uint64_t *const reg = st->reg;
	VM_PC_T in = VM_AT(st->start);
	int rc = 0;
#if !INTERP_TRUSTED
	uint64_t left = st->left;
#endif
#if INTERP_TRACED
	size_t cur_pc = 0;
	const struct bpfvm_insn *cur_raw = st->raw;
	uint64_t before[BPFVM_NREGS];
#endif

	for (;;) {
enter:
		VM_FETCH();
		vmdispatch(VM_ID())
		{
#define ISA(ID, CODE, DISC, DVAL, SHAPE, OP, WIDTH, SIZE, FIELDS, GROUP, UBPF, LLVM) \
	vmcase(ID)                                                                  \
	{                                                                           \
		BODY_##SHAPE(ID, OP, WIDTH, SIZE, DVAL);                            \
		vmbreak;                                                            \
	}
#include "isa/isa_table.def"
#undef ISA
		vmdefault
			/* The decoder lets no such id through, and no jump lands
			 * on an ld_imm64's second slot. */
			FAIL(err_insn(st->err, -EINVAL, PC_NOW,
				      "internal: instruction id %u is not a table row",
				      (unsigned)st->insns[PC_NOW].id));
		}
#if INTERP_TRUSTED && INTERP_COMPUTED_GOTO
		/* Specialised forms of some rows' slots, chosen at load
		 * (interp_prog_prepare). */
x_map_lookup:
		BODY_MAP_LOOKUP();
		vmbreak;
		INTERP_FUSE_PAIRS(FUSE_HANDLER)
		INTERP_FUSE_TRIPLES(FUSE3_HANDLER)
		INTERP_FUSE_TAKEN(FUSET_HANDLER)
#endif
		VM_RETIRE();
	}

tail_call:
	/* The call instruction completed; the new program starts at its first
	 * instruction, in the same frame, with the registers as they are. */
	VM_TRACE_END();
	state_set_program(st, st->tail_to);
	st->tail_to = NULL;
#if INTERP_TRUSTED
	if (!st->ops) { /* unverified: only the checked loop may run it */
		st->start = 0;
		return INTERP_SWITCH;
	}
#endif
	in = VM_BASE;
	goto enter;
pkt_oob:
	/* LD_ABS/LD_IND outside the packet end the program with 0, as the
	 * kernel does: a normal return, not an error. */
	reg[0] = 0;
	goto done;
done:
	VM_TRACE_END();
#if !INTERP_TRUSTED
	st->left = left;
#endif
	return 0;
#if !INTERP_TRUSTED
budget:
	rc = err_insn(st->err, -E2BIG, PC_NOW, "instruction budget of %" PRIu64 " exhausted",
		      st->budget);
#endif
fail:
#if !INTERP_TRUSTED
	st->left = left;
#endif
	return rc;
}

#undef VM_TRACE_BEGIN
#undef VM_TRACE_END
#undef VM_FETCH
#undef VM_RETIRE
#undef VM_BASE
#undef VM_DSTI
#undef VM_SRCI
#undef VM_IMM64
#undef VM_WIDE_IMM64
#undef VM_MEM_PTR
#undef VM_LEFT_SAVE
#undef VM_LEFT_LOAD
#undef VM_ID
#undef VM_LABEL
#undef VM_PC_T
