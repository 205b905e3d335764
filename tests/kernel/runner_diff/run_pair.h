/*
 * run_pair.h - one packet through one program on each side: the kernel's
 * BPF_PROG_TEST_RUN, and bpfvm with the context the kernel's test run
 * builds (run_pair.c says how), and what differs between the two.
 */
#ifndef RUNNER_DIFF_RUN_PAIR_H
#define RUNNER_DIFF_RUN_PAIR_H

#include <stddef.h>
#include <stdint.h>

#include "bpfvm.h"

#define RUN_OUT_MAX 20000

enum hook { HOOK_NONE, HOOK_XDP, HOOK_TC, HOOK_SOCKET };

/* The hook of a kernel program type (enum bpf_prog_type). */
enum hook hook_of(uint32_t type);

struct result {
	int err;          /* the kernel's test-run errno, or bpfvm's run error */
	uint32_t retval;
	uint32_t size;    /* bytes out */
	uint32_t metalen; /* XDP: data - data_meta after the run */
	uint32_t mark, priority, cb[5]; /* skb fields after the run */
	uint64_t tstamp;
	char msg[BPFVM_ERR_MSG_MAX + BPFVM_ERR_FILE_MAX + 32]; /* bpfvm's error */
	uint8_t out[RUN_OUT_MAX];  /* the packet after the run */
};

/* Packet i (len bytes at pkt) through the kernel's program fd, on the
 * CPU the thread runs on. */
void run_kernel(int fd, enum hook hook, const uint8_t *pkt, size_t len, size_t i,
		struct result *r);
/* The same through bpfvm's prog, as CPU cpu. Not thread-safe (one static
 * packet buffer). */
void run_bpfvm(const struct bpfvm_prog *prog, enum hook hook, uint32_t cpu, const uint8_t *pkt,
	       size_t len, size_t i, struct result *r);
/* "" (in buf) when the kernel's k and bpfvm's v agree, else what differs. */
const char *run_difference(const struct result *k, const struct result *v, enum hook hook,
			   char *buf, size_t size);

#endif
