/*
 * difftest.h - the pieces of the kernel execution differential: the two
 * sides (kernel, bpfvm), one test case (a program of a type, its packets,
 * its context and its map contents), the comparison, the minimizer and the
 * regression files.
 * harness.c implements them; difftest.c drives batches and replays.
 */
#ifndef BPFVM_TESTS_DIFFTEST_H
#define BPFVM_TESTS_DIFFTEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bpfvm.h"
#include "dgen.h"

#define DT_SKIP 77
#define DT_NPKT 3        /* packets per program at most */
#define DT_MAX_PKT 1500
#define DT_OUT_MAX 4096  /* bytes out of a run */
#define DT_MSG 320

/* The maps on both sides (created once, refilled before every run), and
 * the instruction families the kernel has. */
struct dt_env {
	bool kernel;
	int kfd[2]; /* kernel maps: vals, out */
	struct bpfvm_vm *vm;
	struct bpfvm_map *vmap[2];
	unsigned feat;
};

/* The program types compared (difftest --type). */
enum dt_type { DT_XDP, DT_SOCKET };

/* A socket filter's __sk_buff fields that BPF_PROG_TEST_RUN takes in
 * ctx_in and that the program can read (cb[] also write); the rest are
 * the test run's (harness.c). */
struct dt_skb_in {
	uint32_t mark, priority, ingress_ifindex;
	uint32_t cb[5];
	uint32_t gso_segs, gso_size;
};

/* One test: a program and what it runs on. */
struct dt_case {
	uint64_t seed;
	enum dt_type type;
	char gen_args[160]; /* the generator options besides the seed, as difftest takes them */
	size_t n;
	struct bpfvm_insn insns[DG_MAX];
	uint8_t vals[DG_VALS_ENTRIES][DG_VALS_SIZE];
	int npkt;
	uint32_t pkt_len[DT_NPKT];
	uint8_t pkt[DT_NPKT][DT_MAX_PKT];
	struct dt_skb_in skb; /* socket filters: the context in, per run */
};

/* What one run left behind. */
struct dt_result {
	int err;          /* bpfvm: run error; kernel: test-run error */
	char msg[DT_MSG];
	uint32_t retval;
	uint32_t size;    /* bytes out, from data_meta */
	uint32_t metalen; /* data - data_meta */
	uint8_t data[DT_OUT_MAX];
	uint8_t vals[DG_VALS_ENTRIES][DG_VALS_SIZE];
	uint8_t out[DG_OUT_SIZE];
	uint32_t cb[5];   /* socket filters: __sk_buff cb[] after the run */
};

/* Which engines differed from the reference (the kernel, or in a replay
 * without the kernel the interpreter). */
enum { DT_DIFF_INTERP = 1, DT_DIFF_JIT = 2 };

/* The verdicts and, when all three loaded, the comparison. */
struct dt_outcome {
	int kernel_fd;          /* < 0: refused (kernel_msg) */
	bool bpfvm_ok, jit_ok;  /* loads (bpfvm_msg, jit_msg) */
	struct bpfvm_prog *interp, *jit;
	char kernel_msg[DT_MSG], bpfvm_msg[DT_MSG], jit_msg[DT_MSG];
	int diff;               /* DT_DIFF_* */
	int site;               /* where the first difference is (harness.c) */
	int ref_errno, got_errno; /* errnos found there (0: not an errno) */
	int runs, kernel_run_err;
	char report[4096];      /* the first differing run, in words */
};

bool dt_kernel_available(void);
int dt_env_init(struct dt_env *env, bool kernel);
void dt_env_fini(struct dt_env *env);

/* Build case tc of type from seed: the program and its inputs. false when
 * the generator ran out of room (draw another seed). */
bool dt_case_make(struct dt_case *tc, uint64_t seed, enum dt_type type, unsigned feat,
		  unsigned nohelp, int npkt);
/* The program as assembly, with its inputs as `#!` lines (the regression
 * file format, see harness.c). */
void dt_case_print(const struct dt_case *tc, FILE *f);

/* Load the case everywhere and, when all accept, run and compare. The
 * outcome holds the loaded programs: dt_outcome_close() frees them. */
void dt_case_check(struct dt_env *env, const struct dt_case *tc, struct dt_outcome *o);
void dt_outcome_close(struct dt_outcome *o);

/* Minimize a mismatching case in place: slots to ja +0, calls with their
 * callee, then the no-ops out (jumps fixed), while the kernel accepts it,
 * it differs the same way (engines and place), and its results do not
 * hang on addresses. Returns its class (the engines, the kind of place,
 * the helpers it calls: mismatches of one class are likely one bug), or
 * -1 when it does not reproduce. */
long dt_minimize(struct dt_env *env, struct dt_case *tc);
/* Write the case as a regression file (n0: its size before minimizing),
 * marked known. */
void dt_regression_write(struct dt_env *env, const struct dt_case *tc, size_t n0, FILE *f);

/* Whether the program keeps addresses and uninitialised stack out of its
 * results (clean.c): conservative, for the minimizer's candidates and as a
 * check of the generator. skb: a socket filter (else XDP). bad_pc, rule
 * (may be NULL): the slot where it found a leak (-1: none) and the line of
 * clean.c's rule. */
bool dt_clean(const struct bpfvm_insn *insns, size_t n, bool skb, long *bad_pc, int *rule);

/* Replay regression files (or every *.txt of a directory). Returns the
 * exit status: 0, or 1 when a file not marked known fails. */
int dt_replay(struct dt_env *env, char **paths, int n);

#endif
