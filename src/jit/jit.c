/*
 * jit.c - the JIT's load step: what it takes, what it refuses and why.
 *
 * The JIT takes every row of the ISA table except those that need the
 * interpreter's run state in this increment:
 *   LD_ABS / LD_IND   (packet loads with their out-of-bounds exit)
 *   CALLX, CALL_KFUNC, MAY_GOTO
 *   helpers that re-enter the interpreter: bpf_tail_call, bpf_loop,
 *   bpf_for_each_map_elem
 * A refusal names the instruction. With allow_fallback the program then
 * runs in the interpreter and bpfvm_prog__fallback_reason() says why: a
 * fallback is never silent.
 *
 * The JIT trusts what it compiles (no run-time bounds checks), so it takes
 * a program only once the verifier accepted it, or when the caller vouches
 * for it with jit_unverified.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/error.h"
#include "encoder.h"
#include "helpers/helpers_impl.h"
#include "jit.h"
#include "prog/prog.h"

static const char *shape_refusal(unsigned shape)
{
	switch (shape) {
	case ISA_SHAPE_LD_ABS: return "packet load (ld_abs)";
	case ISA_SHAPE_LD_IND: return "packet load (ld_ind)";
	case ISA_SHAPE_CALLX: return "callx";
	case ISA_SHAPE_CALL_KFUNC: return "kfunc call";
	case ISA_SHAPE_MAY_GOTO: return "may_goto";
	default: return NULL;
	}
}

/* Helpers that run BPF code themselves (through the interpreter). */
static const char *helper_refusal(const struct vm_helper *h)
{
	if (!h)
		return NULL;
	if (h->fn == helper_tail_call)
		return "bpf_tail_call";
	if (h->fn == helper_loop)
		return "bpf_loop";
	if (h->fn == helper_for_each_map_elem)
		return "bpf_for_each_map_elem";
	return NULL;
}

const char *jit_refusal(const struct bpfvm_prog *prog, long *pc, char *buf, size_t size)
{
	for (size_t i = 0; i < prog->n; i++) {
		const struct isa_insn *in = &prog->insns[i];
		if (in->id == ISA__WIDE_HI)
			continue;
		const struct isa_desc *d = &isa_table[in->id];
		const char *what = shape_refusal(d->shape);
		if (what) {
			*pc = (long)i;
			snprintf(buf, size, "the JIT does not take %s instructions yet", what);
			return buf;
		}
		if (d->shape == ISA_SHAPE_CALL_HELPER) {
			what = helper_refusal(vm_helper(prog->vm, (uint32_t)in->imm));
			if (what) {
				*pc = (long)i;
				snprintf(buf, size,
					 "%s (helper %d) runs BPF code through the interpreter; "
					 "the JIT does not take it yet", what, in->imm);
				return buf;
			}
		}
	}
	return NULL;
}

/* Compile prog into prog->jit; on failure *pc (or -1) and msg say why. */
static int compile(struct bpfvm_prog *prog, long *pc, char *msg, size_t size)
{
	if (jit_refusal(prog, pc, msg, size))
		return -ENOTSUP;
	struct jit_buf buf = { 0 };
	int rc = jit_layout(prog, &buf, msg, size);
	if (!rc) {
		rc = jit_image_new(buf.p, buf.len, &prog->jit);
		if (rc)
			snprintf(msg, size, "cannot map executable memory (errno %d)", -rc);
	}
	free(buf.p);
	return rc;
}

int jit_prog_load(struct bpfvm_prog *prog, const struct bpfvm_load_opts *opts,
		  struct bpfvm_error *err)
{
	char msg[sizeof(prog->jit_msg) - 32];
	long pc = -1;
	int rc;

	if (!prog->verified && !OPTS_GET(opts, jit_unverified, false)) {
		rc = -EINVAL;
		snprintf(msg, sizeof(msg),
			 "the JIT runs verified programs only: load with verify, or with "
			 "jit_unverified for programs the caller trusts");
	} else {
		rc = compile(prog, &pc, msg, sizeof(msg));
	}
	if (!rc) {
		prog->engine = BPFVM_ENGINE_JIT;
		return 0;
	}
	if (OPTS_GET(opts, allow_fallback, false)) {
		prog->engine = BPFVM_ENGINE_INTERP;
		if (pc >= 0)
			snprintf(prog->jit_msg, sizeof(prog->jit_msg), "insn %ld: %s", pc, msg);
		else
			snprintf(prog->jit_msg, sizeof(prog->jit_msg), "%s", msg);
		prog->fallback_reason = prog->jit_msg;
		return 0;
	}
	return pc >= 0 ? err_insn(err, rc, pc, "%s", msg) : err_set(err, rc, "%s", msg);
}

void jit_prog_free(struct bpfvm_prog *prog)
{
	jit_image_free(prog->jit);
	prog->jit = NULL;
}
