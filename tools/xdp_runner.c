/*
 * xdp_runner.c - the per-packet loop of `bpfvm run OBJ -r in.pcap` (XDP).
 */
#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpfvm_ctx.h"
#include "xdp_runner.h"

const char *const xdp_verdict_names[XDP_V_N] = { "aborted", "drop", "pass", "tx", "redirect" };

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

struct outputs {
	pcap_dumper_t *d[XDP_V_N];
	char *tmp[XDP_V_N];
};

static int open_outputs(pcap_t *in, const struct xdp_runner_opts *o, struct outputs *out)
{
	for (int v = 0; v < XDP_V_N; v++) {
		if (!o->out[v])
			continue;
		size_t n = strlen(o->out[v]) + sizeof(".partial");
		out->tmp[v] = malloc(n);
		if (!out->tmp[v]) {
			fprintf(stderr, "bpfvm run: %s\n", strerror(errno));
			return -1;
		}
		snprintf(out->tmp[v], n, "%s.partial", o->out[v]);
		out->d[v] = pcap_dump_open(in, out->tmp[v]);
		if (!out->d[v]) {
			fprintf(stderr, "bpfvm run: %s: %s\n", o->out[v], pcap_geterr(in));
			return -1;
		}
	}
	return 0;
}

/* Close the outputs: renamed into place when ok, else removed. */
static int close_outputs(const struct xdp_runner_opts *o, struct outputs *out, bool ok)
{
	int ret = 0;
	for (int v = 0; v < XDP_V_N; v++) {
		if (out->d[v]) {
			if (pcap_dump_flush(out->d[v]) && ok) {
				fprintf(stderr, "bpfvm run: %s: write failed\n", o->out[v]);
				ok = false;
				ret = -1;
			}
			pcap_dump_close(out->d[v]);
		}
	}
	for (int v = 0; v < XDP_V_N; v++) {
		if (!out->tmp[v])
			continue;
		if (ok && out->d[v] && rename(out->tmp[v], o->out[v])) {
			fprintf(stderr, "bpfvm run: %s: %s\n", o->out[v], strerror(errno));
			ret = -1;
		} else if (!ok || !out->d[v]) {
			unlink(out->tmp[v]);
		}
		free(out->tmp[v]);
	}
	return ret;
}

int xdp_runner_run(const struct bpfvm_prog *prog, const struct xdp_runner_opts *o,
		   struct xdp_runner_stats *st)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct outputs out = { 0 };
	uint8_t *buf = NULL;
	bool ok = false;
	memset(st, 0, sizeof(*st));

	pcap_t *in = pcap_open_offline(o->in, errbuf);
	if (!in) {
		/* libpcap names the file for some errors, not for others */
		if (!strncmp(errbuf, o->in, strlen(o->in)))
			fprintf(stderr, "bpfvm run: %s\n", errbuf);
		else
			fprintf(stderr, "bpfvm run: %s: %s\n", o->in, errbuf);
		return -1;
	}
	int linktype = pcap_datalink(in);
	if (linktype != DLT_EN10MB) {
		const char *name = pcap_datalink_val_to_name(linktype);
		fprintf(stderr,
			"bpfvm run: %s: link type %d (%s): an XDP program needs Ethernet "
			"(EN10MB) packets\n",
			o->in, linktype, name ? name : "unknown");
		goto out;
	}
	/* Room for the largest record libpcap hands out (it refuses records
	 * above its own maximum, 256 KiB for Ethernet). */
	size_t cap = 262144;
	buf = malloc(XDP_RUNNER_HEADROOM + cap);
	if (!buf) {
		fprintf(stderr, "bpfvm run: %s\n", strerror(errno));
		goto out;
	}
	memset(buf, 0, XDP_RUNNER_HEADROOM);
	if (open_outputs(in, o, &out))
		goto out;

	struct bpfvm_xdp_ctx ctx;
	struct bpfvm_region region = { buf, 0, true };
	BPFVM_OPTS(bpfvm_run_opts, ro, .regions = &region, .n_regions = 1,
		   .insn_budget = o->insn_budget);
	struct bpfvm_error err;
	struct pcap_pkthdr *h;
	const u_char *data;
	uint8_t *pkt = buf + XDP_RUNNER_HEADROOM;
	int r;
	uint64_t start = now_ns(), next_progress = start + 1000000000ull;
	bool progress_shown = false;

	while ((r = pcap_next_ex(in, &h, &data)) == 1) {
		size_t len = h->caplen;
		if (len > cap) { /* not from libpcap, but never overflow */
			fprintf(stderr, "bpfvm run: %s: record %" PRIu64 ": %zu bytes is too big\n",
				o->in, st->packets + 1, len);
			goto out;
		}
		st->packets++;
		memcpy(pkt, data, len);
		ctx = (struct bpfvm_xdp_ctx){
			.data = pkt,
			.data_end = pkt + len,
			.data_meta = pkt,
			.ingress_ifindex = o->ifindex,
			.rx_queue_index = o->rx_queue,
		};
		region.len = XDP_RUNNER_HEADROOM + len;
		uint64_t r0 = 0;
		unsigned v;
		if (bpfvm_prog__run(prog, &ctx, sizeof(ctx), &ro, &r0, &err)) {
			if (!st->run_errors) {
				char msg[BPFVM_ERR_MSG_MAX + BPFVM_ERR_FILE_MAX + 64];
				bpfvm_error__format(&err, msg, sizeof(msg));
				fprintf(stderr,
					"bpfvm run: %s: record %" PRIu64 ": the run failed, "
					"counted as aborted (reported once): %s\n",
					o->in, st->packets, msg);
			}
			st->run_errors++;
			v = XDP_V_ABORTED;
		} else {
			/* The kernel treats an unknown action as aborted. */
			v = (uint32_t)r0 < XDP_V_N ? (uint32_t)r0 : XDP_V_ABORTED;
		}
		st->verdicts[v]++;
		if (out.d[v]) {
			/* The packet as the program left it (headers rewritten,
			 * head or tail moved). */
			const uint8_t *s = ctx.data, *e = ctx.data_end;
			struct pcap_pkthdr oh = *h;
			if (s < buf || e < s || e > buf + XDP_RUNNER_HEADROOM + cap) {
				s = pkt;
				e = pkt + len;
			}
			oh.caplen = (uint32_t)(e - s);
			oh.len = oh.caplen + (h->len > h->caplen ? h->len - h->caplen : 0);
			pcap_dump((u_char *)out.d[v], &oh, s);
		}
		if (o->progress && (st->packets & 0xffff) == 0) {
			uint64_t t = now_ns();
			if (t >= next_progress) {
				fprintf(stderr, "\r%" PRIu64 " packets, %.0f packets/s   ",
					st->packets, (double)st->packets * 1e9 / (double)(t - start));
				next_progress = t + 1000000000ull;
				progress_shown = true;
			}
		}
	}
	st->elapsed_ns = now_ns() - start;
	if (progress_shown)
		fprintf(stderr, "\r\033[K");
	if (r == PCAP_ERROR) {
		fprintf(stderr, "bpfvm run: %s: record %" PRIu64 ": %s\n", o->in, st->packets + 1,
			pcap_geterr(in));
		goto out;
	}
	ok = true;
out:
	if (close_outputs(o, &out, ok))
		ok = false;
	free(buf);
	pcap_close(in);
	return ok ? 0 : -1;
}
