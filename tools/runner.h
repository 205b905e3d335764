/*
 * runner.h - the per-packet loop of `bpfvm run OBJ -r in.pcap`, shared by
 * every program type it can feed: read a capture with libpcap, hand each
 * packet (in a buffer with headroom) to a hook that fills the program's
 * context and runs it, count the verdicts, and write each packet, as the
 * program left it, to its verdict's capture.
 *
 * The hooks: xdp_runner.c (XDP) and skb_runner.c (tc and socket filters).
 * A hook owns the meaning of the return value; the loop owns the capture
 * files, timing and the progress line.
 */
#ifndef BPFVM_RUNNER_H
#define BPFVM_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfvm.h"

/* Room before the packet (XDP_PACKET_HEADROOM) and the largest record
 * libpcap hands out (it refuses records above 256 KiB for Ethernet). */
#define RUNNER_HEADROOM 256
#define RUNNER_MAX_PACKET 262144
/* Verdicts of the richest type (tc: ten TC_ACT_* codes). */
#define RUNNER_MAX_VERDICTS 10
/* Distinct redirect targets counted (more are counted as "other"). */
#define RUNNER_MAX_TARGETS 16
/* A batch of the threaded loop: this many records, or about this many
 * bytes of them, whichever comes first; the largest thread count. */
#define RUNNER_BATCH_PACKETS 4096
#define RUNNER_BATCH_BYTES (4u << 20)
#define RUNNER_MAX_THREADS 256

struct runner_opts {
	const char *cmd;                       /* for messages: "bpfvm CMD: ..." (default run) */
	const char *in;                        /* the capture (pcap or pcapng) */
	const char *out[RUNNER_MAX_VERDICTS];  /* per verdict: a capture to write, or NULL */
	uint32_t ifindex;                      /* ingress (and skb) ifindex */
	uint32_t rx_queue;                     /* XDP: rx_queue_index */
	uint32_t mark, priority;               /* tc and socket: the skb's */
	uint64_t insn_budget;                  /* per run; 0 = none */
	bool progress;                         /* a progress line on stderr after 1 s */
	/* Worker threads (0 or 1: the reading thread runs every packet). With
	 * N > 1, packets go to worker runner_flow_worker(hash, N), which runs
	 * with bpfvm_run_opts.cpu = its index: the vm needs nr_cpus >= N. */
	unsigned threads;
};

struct runner_stats {
	uint64_t packets;
	uint64_t verdicts[RUNNER_MAX_VERDICTS];
	uint64_t run_errors;   /* runs that failed (counted as the hook's error verdict) */
	uint64_t unknown;      /* return values outside the type's codes (counted as the
				* kernel counts them: XDP aborted, tc unspec) */
	uint64_t truncated;    /* socket filter: packets kept but cut short */
	/* redirects by target ("ifindex 3", "map tx_ports[2]"), as the
	 * program recorded them (bpf_redirect, bpf_redirect_map) */
	char targets[RUNNER_MAX_TARGETS][80];
	uint64_t target_count[RUNNER_MAX_TARGETS];
	unsigned n_targets;
	uint64_t other_targets;
	uint64_t elapsed_ns;   /* wall time of the loop, reading included */
	uint64_t cpu_ns;       /* CPU time of the process over the loop, every thread's:
				* with --threads, what the packets cost whatever else
				* the machine was running at the time */
};

/* One packet, as the loop hands it to a hook. The buffer [buf, buf_end)
 * is writable; the packet starts RUNNER_HEADROOM bytes in. */
struct runner_packet {
	uint8_t *buf, *buf_end;
	uint8_t *data;         /* buf + RUNNER_HEADROOM */
	size_t len;            /* bytes captured */
	uint32_t wire_len;     /* bytes on the wire (>= len) */
	uint32_t cpu;          /* the worker's index: bpfvm_run_opts.cpu */
};

/* What a hook reports for one packet. */
struct runner_result {
	uint64_t ret;          /* what the program returned (r0) */
	unsigned verdict;      /* index into the hook's verdicts */
	const uint8_t *out;    /* the packet as the program left it, to write */
	size_t out_len;
	uint32_t out_wire_len; /* the wire length to record with it */
	bool unknown;          /* the return value was none of the type's codes */
	bool truncated;        /* socket filter: kept, but cut short */
	char target[80];       /* a redirect's target, or "" */
};

/* What the runs of one packet get besides the context (runner_hook.setup). */
struct runner_setup {
	size_t ctx_len;                /* the context's bytes */
	struct bpfvm_region region;    /* the packet's buffer, as run() gives it */
	const void *packet;            /* what LD_ABS/LD_IND read, or NULL */
	size_t packet_len;
	bool headers;                  /* bpfvm_run_opts.headers, net_off, ll_off */
	int32_t net_off, ll_off;
};

/* The largest context a hook fills. */
#define RUNNER_CTX_MAX 256

struct runner_hook {
	const char *what;              /* "an XDP program", for messages */
	const char *const *verdicts;   /* names, by verdict index ("pass", ...) */
	unsigned n_verdicts;
	unsigned error_verdict;        /* where a failed run is counted */
	/* Fill the context for p, run prog and fill *res. Returns 0, or the
	 * run's negative errno with err filled (the loop counts it). */
	int (*run)(const struct bpfvm_prog *prog, const struct runner_opts *o,
		   const struct runner_packet *p, struct runner_result *res,
		   struct bpfvm_error *err);
	/* The same set-up without the run, for many runs at once
	 * (bpfvm_prog__run_batch in bpfvm bench): fill the context for p in
	 * ctx (RUNNER_CTX_MAX bytes, aligned for it) exactly as run() does,
	 * and *su. */
	void (*setup)(const struct runner_opts *o, const struct runner_packet *p, void *ctx,
		      struct runner_setup *su);
};

/* The hooks (xdp_runner.c, skb_runner.c). */
extern const struct runner_hook runner_xdp;
extern const struct runner_hook runner_tc;
extern const struct runner_hook runner_socket;

/* The hook for a kernel program type (XDP 6, socket filter 1, tc 3 and
 * 4), or NULL when the runner cannot feed it. */
const struct runner_hook *runner_hook_for(uint32_t prog_type);

/* Name a redirect's target in res->target: the map and key of
 * bpf_redirect_map (map non-NULL), else the ifindex of bpf_redirect. */
void runner_target(struct runner_result *res, const struct bpfvm_map *map, uint32_t key,
		   uint32_t ifindex);

/*
 * The flow of an Ethernet frame, as a symmetric 32-bit hash (both
 * directions of a connection hash alike), for spreading packets over
 * workers the way RSS spreads them over queues:
 * - IPv4 and IPv6 (behind up to two 802.1Q/802.1ad tags; IPv6 extension
 *   headers skipped): the two addresses, the protocol, and for TCP, UDP,
 *   UDP-Lite and SCTP the two ports. Fragments (IPv4 MF or offset, an IPv6
 *   fragment header) and packets cut before the ports hash without ports,
 *   so every fragment of a datagram goes to one worker.
 * - Anything else (ARP, other EtherTypes, IP headers cut short): the two
 *   MAC addresses and the EtherType; frames shorter than an Ethernet
 *   header hash to 0.
 */
uint32_t runner_flow_hash(const uint8_t *frame, size_t len);

/* The worker (0..n-1) of a flow hash. */
static inline unsigned runner_flow_worker(uint32_t hash, unsigned n)
{
	return (unsigned)(((uint64_t)hash * n) >> 32);
}

/* The verdict of hook named name, or -1. */
int runner_verdict(const struct runner_hook *hook, const char *name);

/*
 * Run prog on every packet of o->in through hook. Errors are printed on
 * stderr as "bpfvm run: FILE: ..." naming the record; a failed run is
 * counted as the hook's error verdict and its message printed once. The
 * output captures are written to FILE.partial and renamed when the whole
 * capture was read, so a failure leaves nothing half-written. Returns 0,
 * or -1 on failure.
 *
 * With o->threads > 1, the calling thread reads the capture in batches
 * (RUNNER_BATCH_PACKETS records or RUNNER_BATCH_BYTES bytes) and the
 * workers run the packets of their flows; the reader then counts the
 * results and writes the outputs in the order of the capture. While the
 * workers run one batch, the reader fills the next and writes the one
 * before: two batches in memory at most. The counts and the output
 * captures are those of one thread for programs whose verdicts do not
 * depend on map state shared across flows; trace_printk output comes in
 * the order the workers printed it (the vm's trace_print is called on the
 * workers' threads).
 */
int runner_run(const struct bpfvm_prog *prog, const struct runner_hook *hook,
	       const struct runner_opts *o, struct runner_stats *st);

/* Packets of a capture held in memory (runner_read_all). */
struct runner_packets {
	uint8_t *bytes;        /* every packet, back to back */
	size_t *off;           /* packet i: bytes + off[i], len[i] bytes */
	uint32_t *len, *wire_len;
	size_t n;
};

/*
 * Read up to max packets (0: all) of o->in into memory, with the checks
 * and messages of runner_run (link type, record sizes, read errors).
 * Returns 0, or -1 with the error printed.
 */
int runner_read_all(const struct runner_opts *o, const struct runner_hook *hook, size_t max,
		    struct runner_packets *pk);
void runner_packets_free(struct runner_packets *pk);

/* A buffer for one packet at a time: RUNNER_HEADROOM, the largest packet
 * and as much again of tailroom (*size bytes). NULL + errno on failure. */
uint8_t *runner_buf_new(size_t *size);
/* Make p the packet [data, data + len) copied into buf (from
 * runner_buf_new), for hook->run on cpu. */
void runner_packet_set(struct runner_packet *p, uint8_t *buf, size_t size, const uint8_t *data,
		       size_t len, uint32_t wire_len, uint32_t cpu);

#endif
