/*
 * runner_impl.h - what the runner's loops share inside the tool: the open
 * capture, the output captures, the progress line, and how one result is
 * kept for writing later. runner.c holds the capture reading, the
 * one-thread loop and the threaded loop for captures read through
 * libpcap; runner_spread.c the threaded loop for mapped pcap files.
 * Not part of runner.h: the hooks and the commands need none of it.
 */
#ifndef BPFVM_RUNNER_IMPL_H
#define BPFVM_RUNNER_IMPL_H

#include <pcap/pcap.h>
#include <stddef.h>

#include "runner.h"

/* The command messages name. */
#define RUNNER_CMD(o) ((o)->cmd ? (o)->cmd : "run")

/* A mapped capture file, unmapped after pcap_close. */
struct runner_mapping {
	void *addr;
	size_t len;
};

/*
 * A capture open for reading. A classic pcap file (version 2.4, either
 * byte order, micro- or nanosecond stamps) that could be mapped is read
 * straight from the mapping (direct): a record is a pointer into it, with
 * no copy and no call into libpcap, which has checked the file header. The
 * records get what libpcap's own reader (sf-pcap.c) gives them: stamps
 * in microseconds, caplen cut to the snapshot length, the same checks and
 * messages. Anything else (pcapng, a pipe) goes through pcap_next_ex().
 */
struct runner_capture {
	pcap_t *p;
	struct runner_mapping map;
	bool direct;           /* records read from the mapping */
	bool swapped, nsec;
	uint32_t snap;         /* pcap_snapshot() */
	const uint8_t *pos, *end;
	struct pcap_pkthdr hdr; /* the last record's, for direct reading */
	char errbuf[PCAP_ERRBUF_SIZE];
};

/* The output captures, one per verdict (NULL: not written). */
struct runner_outputs {
	pcap_dumper_t *d[RUNNER_MAX_VERDICTS];
	char *tmp[RUNNER_MAX_VERDICTS];
};

struct runner_progress {
	uint64_t start, next;
	bool shown;
};

/* What a worker made of a record, kept for the writer: small, as the
 * writer reads it back from the worker's cache. */
struct runner_slot {
	size_t out;            /* the bytes to write: the worker's out + out */
	uint32_t out_len, out_wire_len;
	uint32_t target;       /* its redirect target at the worker's out + target - 1
				* (NUL-terminated), or 0 */
	uint8_t verdict;
	bool failed, unknown, truncated;
};

/* What one worker keeps of one batch for the writer. */
struct runner_part {
	uint8_t *out;          /* packets to write and targets, back to back */
	size_t out_len, out_cap;
	bool failed;           /* err holds the first failure of the batch */
	size_t failed_slot;
	struct bpfvm_error err;
	int oom;               /* out could not grow: the run fails */
};

uint64_t runner_now_ns(void);

/* The next record: 1, 0 at the end, -1 on an error (printed; record is
 * the number of the record that failed). */
int runner_capture_next(const struct runner_opts *o, struct runner_capture *c, uint64_t record,
			struct pcap_pkthdr **h, const u_char **data);

/* The header of the mapped record whose bytes start at data, as the
 * capture's reading gave it (c->direct): stamp, caplen (cut to the
 * snapshot length), len. */
void runner_record_hdr(const struct runner_capture *c, const uint8_t *data,
		       struct pcap_pkthdr *h);

/* Ready *res for a hook's run: the fields not every hook sets, zeroed. */
void runner_result_clear(struct runner_result *res);

/* The bytes to write for a result: the packet as the program left it; a
 * hook that lost track of it gives the packet as read. */
void runner_out_bytes(const struct runner_packet *p, const struct runner_result *res,
		      const uint8_t **s, size_t *n);

void runner_write_out(struct runner_outputs *out, unsigned verdict, const struct pcap_pkthdr *h,
		      const uint8_t *s, size_t n, uint32_t wire_len);

/* Count a redirect to target: the first RUNNER_MAX_TARGETS by name, the
 * rest as other. */
void runner_count_target(struct runner_stats *st, const char *target);

/* Say, once, that the run of record failed (counted as the error verdict). */
void runner_report_failure(const struct runner_opts *o, const struct runner_hook *hook,
			   uint64_t record, const struct bpfvm_error *err);

/* The progress line, when due, for packets done so far. */
void runner_progress_at(const struct runner_opts *o, uint64_t packets,
			struct runner_progress *pr);

/* Append n bytes to a worker's part; returns their offset, or -1 (oom set). */
ptrdiff_t runner_part_put(struct runner_part *wp, const void *src, size_t n);

/* Keep what a worker made of packet p (res; failed) in *sl and wp for the
 * writer: the target, and the bytes when its verdict is written. */
void runner_keep(struct runner_part *wp, struct runner_slot *sl, const struct runner_packet *p,
		 const struct runner_result *res, bool failed, const bool write[]);

/*
 * The threaded loop over a mapped pcap file (c->direct), runner_spread.c:
 * the workers index, hash and run the records themselves. Returns 0, or
 * -1 with the error printed.
 */
int runner_run_spread(const struct bpfvm_prog *prog, const struct runner_hook *hook,
		      const struct runner_opts *o, struct runner_stats *st,
		      struct runner_capture *c, struct runner_outputs *out,
		      struct runner_progress *pr);

#endif
