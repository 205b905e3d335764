/*
 * vdiff.h - the verdict differential's pieces: the two verifiers (the
 * running kernel's and bpfvm's) on one program, the cheap run of what
 * both accept in bpfvm's checked interpreter, the classes of refusals,
 * the minimizer and the program files (findings/, regressions/).
 * side.c, classify.c and files.c implement them; vdiff.c drives.
 */
#ifndef BPFVM_TESTS_VDIFF_H
#define BPFVM_TESTS_VDIFF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bpfvm.h"
#include "vdgen.h"

#define VDF_SKIP 77
#define VDF_MSG 320

/* Both sides' maps (vd_maps[]), made once. */
struct vdf_env {
	bool kernel;
	int kfd[VD_NMAPS];
	struct bpfvm_vm *vm;
	struct bpfvm_map *vmap[VD_NMAPS];
};

/* One program. */
struct vdf_case {
	uint64_t seed;
	uint32_t type; /* VD_XDP, VD_SOCKET */
	size_t n;
	struct bpfvm_insn insns[VD_MAX];
	unsigned scn_mask;
	int first; /* its first scenario (enum vd_scn), -1: none known */
	bool expect_accept; /* a regression file's `#! expect accept` */
};

/* The verdicts. */
enum { VDF_BOTH_ACCEPT, VDF_BOTH_REFUSE, VDF_GAP, VDF_UNSOUND, VDF__COUNT };
struct vdf_verdict {
	bool kernel_ok, bpfvm_ok;
	int kernel_errno;
	char kernel_msg[VDF_MSG], bpfvm_msg[VDF_MSG];
	int run_faults;           /* both accepted: checked runs that faulted */
	char run_msg[VDF_MSG];
};

int vdf_env_init(struct vdf_env *env, bool kernel);
void vdf_env_fini(struct vdf_env *env);
bool vdf_kernel_available(void);

/* Program seed (as vd_program() makes it); false when it did not fit. */
bool vdf_case_make(struct vdf_case *tc, uint64_t seed, uint32_t type);

/* Load tc into both verifiers (the kernel's when env has it) and, when
 * both accept and run is set, run it in bpfvm's checked interpreter on a
 * few inputs. Returns the verdict class (VDF_*). */
int vdf_check(struct vdf_env *env, const struct vdf_case *tc, bool run, struct vdf_verdict *v);

/* A short class name for a refusal: from bpfvm's message (gaps) or the
 * kernel's (soundness cases). */
const char *vdf_class_bpfvm(const char *msg);
const char *vdf_class_kernel(const char *msg);

/* Linux 6.18's known verifier bug (difftest/regressions/kernel-*): it
 * loses precision through an atomic fetch from a stack slot, and so may
 * accept what it should not. True when tc (a gap) fetches from the stack
 * and, with each such fetch made a plain load, the kernel refuses too:
 * the gap is then likely that bug. */
bool vdf_kernel_atomic_bug(struct vdf_env *env, const struct vdf_case *tc);

/* bpfvm accepts, the kernel refuses, but for no safety reason: a known,
 * deliberate difference, checked by rewriting the program so that the
 * difference goes and seeing both accept. Its name, or NULL. */
const char *vdf_not_safety(struct vdf_env *env, const struct vdf_case *tc,
			   const struct vdf_verdict *v);

/* Shrink tc while it keeps the verdict class cls and its class name. */
void vdf_minimize(struct vdf_env *env, struct vdf_case *tc, int cls, const char *name);

/* The program as bpfvm's assembly, with `#!` lines its assembler takes for
 * comments: seed, type, the verdicts, the class. */
void vdf_case_write(const struct vdf_case *tc, const struct vdf_verdict *v, const char *cls,
		    FILE *f);
/* Read such a file (type from `#! type`). 0, or -1 with why filled. */
int vdf_case_read(const char *path, struct vdf_case *tc, char *why, size_t size);

#endif
