/*
 * jit.c - the JIT's load step: what it takes, what it refuses and why.
 *
 * The JIT takes every row of the ISA table the interpreter runs: the
 * interpreter refuses kfunc calls at run time (bpfvm has no kernel
 * functions), and so the JIT refuses CALL_KFUNC at load. A refusal names
 * the instruction. With allow_fallback the program then runs in the
 * interpreter and bpfvm_prog__fallback_reason() says why: a fallback is
 * never silent.
 *
 * The JIT trusts what it compiles (no run-time bounds checks), so it takes
 * a program only once the verifier accepted it (or, for the project's own
 * tests, through prog_load_trusted()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/error.h"
#include "encoder.h"
#include "jit.h"
#include "prog/prog.h"

static const char *shape_refusal(unsigned shape)
{
	switch (shape) {
	case ISA_SHAPE_CALL_KFUNC: return "kfunc calls (bpfvm has no kernel functions)";
	default: return NULL;
	}
}

const char *jit_refusal(const struct bpfvm_prog *prog, long *pc, char *buf, size_t size)
{
	for (size_t i = 0; i < prog->n; i++) {
		const struct isa_insn *in = &prog->insns[i];
		if (in->id == ISA__WIDE_HI)
			continue;
		const char *what = shape_refusal(isa_table[in->id].shape);
		if (what) {
			*pc = (long)i;
			snprintf(buf, size, "the JIT does not take %s", what);
			return buf;
		}
	}
	return NULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Compile prog into prog->jit; on failure *pc (or -1) and msg say why. */
static int compile(struct bpfvm_prog *prog, long *pc, char *msg, size_t size)
{
	uint64_t t0 = now_ns();
	if (jit_refusal(prog, pc, msg, size))
		return -ENOTSUP;
	struct jit_buf buf = { 0 };
	uint32_t *off = NULL;
	unsigned passes = 0;
	uint32_t batch_off = 0;
	int rc = jit_layout(prog, &buf, &off, &passes, &batch_off, msg, size);
	if (!rc) {
		rc = jit_image_new(buf.p, buf.len, &prog->jit);
		if (rc)
			snprintf(msg, size, "cannot map executable memory (errno %d)", -rc);
	}
	free(buf.p);
	if (rc) {
		free(off);
		return rc;
	}
	prog->jit->off = off;
	prog->jit->n = prog->n;
	prog->jit->passes = passes;
	prog->jit->batch_off = batch_off;
	prog->jit->compile_ns = now_ns() - t0;
	return 0;
}

int jit_prog_load(struct bpfvm_prog *prog, const struct bpfvm_load_opts *opts, bool trusted,
		  struct bpfvm_error *err)
{
	char msg[sizeof(prog->jit_msg) - 32];
	long pc = -1;
	int rc;

	prog->jit_harden = OPTS_GET(opts, harden, false);
	if (!prog->verified && !trusted) {
		rc = -EINVAL;
		snprintf(msg, sizeof(msg),
			 "the JIT runs verified programs only: this one was loaded unverified");
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

int bpfvm_prog__jit_info(const struct bpfvm_prog *prog, struct bpfvm_jit_info *info)
{
	if (!prog || !info || info->sz < sizeof(info->sz))
		return -EINVAL;
	if (!prog->jit)
		return -ENOENT;
	const struct jit_image *img = prog->jit;
	struct bpfvm_jit_info full = {
		.sz = info->sz,
		.arch = "x86_64",
		.code = img->code,
		.code_len = img->len,
		.insn_off = img->off,
		.insn_cnt = img->n,
		.compile_ns = img->compile_ns,
		.passes = img->passes,
	};
	/* Only the fields the caller's struct has room for. */
	size_t n = info->sz < sizeof(full) ? info->sz : sizeof(full);
	memcpy(info, &full, n);
	return 0;
}
