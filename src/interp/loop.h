/*
 * loop.h - the dispatch loop, generated from isa_table.def.
 *
 * interp.c includes this file twice to compile the loop twice: once plain
 * (INTERP_TRACED 0) and once calling the trace callback after every
 * instruction (INTERP_TRACED 1). The tracing code is absent from the plain
 * copy, not skipped by a flag, so an untraced run pays nothing for it.
 *
 * Dispatch, after Lua's lvm.c: the same body compiles either as threaded
 * code (computed goto through a label table, GCC and Clang) or as a switch
 * in a loop, behind vmdispatch / vmcase / vmbreak. Both the label table
 * and the handlers are expansions of isa_table.def, one row each, with the
 * row's body taken from its SHAPE (shapes.h): the table stays the only list
 * of instructions.
 *
 * Per instruction: VM_FETCH charges the instruction budget (and, traced,
 * snapshots the registers), the row's body runs, VM_RETIRE traces and steps
 * to the next slot.
 *
 * Parameters: INTERP_LOOP_NAME (function name), INTERP_TRACED (0 or 1).
 */

/* ---- dispatch machinery: defined once ---- */
#ifndef BPFVM_INTERP_LOOP_H
#define BPFVM_INTERP_LOOP_H

#include "shapes.h"

#if defined(__GNUC__) && !defined(INTERP_FORCE_SWITCH)
#define INTERP_COMPUTED_GOTO 1
#else
#define INTERP_COMPUTED_GOTO 0
#endif

#if INTERP_COMPUTED_GOTO
/* Ids past the table (impossible after decoding) go to the error label.
 * The clamp is a cmov on the jump address; a separate branch measured
 * slower. */
#define VM_ID() (in->id <= ISA__WIDE_HI ? in->id : ISA__WIDE_HI)
#define vmdispatch(x) goto *labels[x];
#define vmcase(ID) op_##ID:
#define vmdefault op__bad:
#define vmbreak      \
	VM_RETIRE(); \
	VM_FETCH();  \
	vmdispatch(VM_ID())
#else
#define VM_ID() (in->id)
#define vmdispatch(x) switch (x)
#define vmcase(ID) case ISA_##ID:
#define vmdefault default:
#define vmbreak break
#endif

#endif /* BPFVM_INTERP_LOOP_H */

/* ---- the loop: once per inclusion ---- */

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

#define VM_FETCH()                                   \
	do {                                         \
		if (INTERP_UNLIKELY(left == 0))      \
			goto budget;                 \
		left--;                              \
		VM_TRACE_BEGIN();                    \
	} while (0)
#define VM_RETIRE()                                  \
	do {                                         \
		VM_TRACE_END();                      \
		in++;                                \
	} while (0)

/*
 * Run st from its first instruction until the main frame exits (returns 0,
 * r0 in st->reg[0]) or something stops it (returns the negative errno,
 * st->err filled). st->left is updated either way.
 */
static int INTERP_LOOP_NAME(struct interp_state *st)
{
	uint64_t *const reg = st->reg;
	const struct isa_insn *in = st->start;
	uint64_t left = st->left;
	int rc = 0;
#if INTERP_TRACED
	size_t cur_pc = 0;
	const struct bpfvm_insn *cur_raw = st->raw;
	uint64_t before[BPFVM_NREGS];
#endif
#if INTERP_COMPUTED_GOTO
	static const void *const labels[ISA__WIDE_HI + 1] = {
#define ISA(ID, ...) [ISA_##ID] = &&op_##ID,
#include "isa/isa_table.def"
#undef ISA
		[ISA__WIDE_HI] = &&op__bad,
	};
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
				      (unsigned)in->id));
		}
		VM_RETIRE();
	}

tail_call:
	/* The call instruction completed; the new program starts at its first
	 * instruction, in the same frame, with the registers as they are. */
	VM_TRACE_END();
	state_set_program(st, st->tail_to);
	st->tail_to = NULL;
	in = st->insns;
	goto enter;
pkt_oob:
	/* LD_ABS/LD_IND outside the packet end the program with 0, as the
	 * kernel does: a normal return, not an error. */
	reg[0] = 0;
	goto done;
done:
	VM_TRACE_END();
	st->left = left;
	return 0;
budget:
	rc = err_insn(st->err, -E2BIG, PC_NOW, "instruction budget of %" PRIu64 " exhausted",
		      st->budget);
fail:
	st->left = left;
	return rc;
}

#undef VM_TRACE_BEGIN
#undef VM_TRACE_END
#undef VM_FETCH
#undef VM_RETIRE
