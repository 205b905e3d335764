/*
 * xdp_runner.h - the per-packet loop of `bpfvm run OBJ -r in.pcap` for XDP
 * programs: read a capture with libpcap, give each packet to the program
 * with 256 bytes of headroom and a real struct xdp_md, count the verdicts
 * and write each packet, as the program left it, to its verdict's capture.
 */
#ifndef BPFVM_XDP_RUNNER_H
#define BPFVM_XDP_RUNNER_H

#include <stdbool.h>
#include <stdint.h>

#include "bpfvm.h"

#define XDP_RUNNER_HEADROOM 256

/* The XDP actions, numbered as the kernel's enum xdp_action. */
enum xdp_verdict {
	XDP_V_ABORTED = 0,
	XDP_V_DROP,
	XDP_V_PASS,
	XDP_V_TX,
	XDP_V_REDIRECT,
	XDP_V_N,
};

/* "aborted", "drop", "pass", "tx", "redirect". */
extern const char *const xdp_verdict_names[XDP_V_N];

struct xdp_runner_opts {
	const char *in;              /* the capture (pcap or pcapng) */
	const char *out[XDP_V_N];    /* per verdict: a capture to write, or NULL */
	uint32_t ifindex;            /* xdp_md.ingress_ifindex */
	uint32_t rx_queue;           /* xdp_md.rx_queue_index */
	uint64_t insn_budget;        /* per run; 0 = none */
	bool progress;               /* a progress line on stderr after 1 s */
};

struct xdp_runner_stats {
	uint64_t packets;
	uint64_t verdicts[XDP_V_N];
	uint64_t run_errors;         /* runs that failed (counted as aborted) */
	uint64_t elapsed_ns;         /* wall time of the loop, reading included */
};

/*
 * Run prog (an XDP program) on every packet of o->in. Errors are printed
 * on stderr as "bpfvm run: FILE: ..." naming the record; a failed run is
 * counted as XDP_ABORTED and its message printed once. The output captures
 * are written to FILE.partial and renamed when the whole capture was read,
 * so a failure leaves nothing half-written. Returns 0, or -1 on failure.
 */
int xdp_runner_run(const struct bpfvm_prog *prog, const struct xdp_runner_opts *o,
		   struct xdp_runner_stats *st);

#endif
