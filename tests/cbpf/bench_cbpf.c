/*
 * bench_cbpf.c - ns per packet of libpcap's bpf_filter() against bpfvm's
 * three engines for classic programs (the cBPF interpreter, the verified
 * eBPF translation in the eBPF interpreter, and the same translation
 * JIT-compiled), in one run over the same packets, for the issue's three
 * filters. A measurement, not a test; every engine's results must agree
 * with libpcap's, packet by packet.
 *
 * Each engine runs through cbpf_filter_run_batch(), as `bpfvm filter`
 * runs a capture, so the numbers include the per-packet setup, as
 * bpf_filter()'s include its own. The engines take turns: every round
 * times one pass of each over all packets, and the figures are the
 * medians of the rounds, so that load from other processes, which comes
 * and goes, weighs on all engines alike.
 *
 * With "sorted", the packets are first sorted by the header bytes the
 * filters test, so that packets taking the same path through a filter
 * come together and its branches are predictable: the same packets and
 * the same work as the capture's order, without (most of) the branch
 * mispredictions of mixed traffic.
 *
 * usage: cbpf_bench IN.pcap [ROUNDS [sorted|mixed [EXPR...]]]
 * (EXPRs: other filters than the issue's)
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cbpf/cbpf.h"

struct pkt {
	const uint8_t *data;
	uint32_t caplen, len;
};

#define N_ENGINES 4 /* libpcap, then bpfvm's three */

static const char *const engine_names[N_ENGINES] = { "libpcap", "cbpf", "interp", "jit" };
static const enum cbpf_engine engines[N_ENGINES - 1] = { CBPF_ENGINE_CBPF, CBPF_ENGINE_INTERP,
							   CBPF_ENGINE_JIT };

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void *xcalloc(size_t n, size_t size);

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int cmp_pkt(const void *a, const void *b)
{
	/* the bytes the filters test, most significant first: ethertype, IPv4
	 * protocol, IPv6 next header, IPv4 header length and fragment bits,
	 * the ports of either, TCP flags, the source network; a byte past
	 * the capture sorts first */
	static const uint8_t key[] = { 12, 13, 23, 20, 14, 21, 34, 35, 36, 37,
				       54, 55, 56, 57, 47, 26 };
	const struct pkt *x = a, *y = b;
	for (size_t i = 0; i < sizeof(key); i++) {
		int bx = key[i] < x->caplen ? x->data[key[i]] : -1;
		int by = key[i] < y->caplen ? y->data[key[i]] : -1;
		if (bx != by)
			return bx < by ? -1 : 1;
	}
	return (x->caplen > y->caplen) - (x->caplen < y->caplen);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	return p;
}

int main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	if (argc < 2) {
		fprintf(stderr, "usage: cbpf_bench IN.pcap [ROUNDS [sorted|mixed [EXPR...]]]\n");
		return 2;
	}
	int rounds = argc > 2 ? atoi(argv[2]) : 200;
	bool sorted = argc > 3 && !strcmp(argv[3], "sorted");
	if (rounds < 1)
		rounds = 1;
	pcap_t *in = pcap_open_offline(argv[1], errbuf);
	if (!in) {
		fprintf(stderr, "%s\n", errbuf);
		return 1;
	}
	size_t n = 0, cap = 1024;
	struct pkt *pk = malloc(cap * sizeof(*pk));
	struct pcap_pkthdr *h;
	const u_char *d;
	while (pcap_next_ex(in, &h, &d) == 1) {
		if (n == cap)
			pk = realloc(pk, (cap *= 2) * sizeof(*pk));
		uint8_t *c = malloc(h->caplen ? h->caplen : 1);
		memcpy(c, d, h->caplen);
		pk[n++] = (struct pkt){ c, h->caplen, h->len };
	}
	if (sorted)
		qsort(pk, n, sizeof(*pk), cmp_pkt);
	/* one buffer in the packets' order, as a capture file lays them out
	 * (separate allocations, or sorting, would scatter them in memory) */
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += pk[i].caplen;
	uint8_t *arena = xcalloc(total, 1), *at = arena;
	for (size_t i = 0; i < n; i++) {
		memcpy(at, pk[i].data, pk[i].caplen);
		free((void *)pk[i].data);
		pk[i].data = at;
		at += pk[i].caplen;
	}
	static const char *const issue[] = {
		"less 0x7fffffff", /* ~ the per-packet floor: 3 insns */
		"tcp port 80",
		"ip and tcp[tcpflags] & tcp-syn != 0 and not src net 10.0.0.0/8",
		"ip6 or (udp and port 53)",
	};
	const char *const *filters = argc > 4 ? (const char *const *)argv + 4 : issue;
	size_t n_filters = argc > 4 ? (size_t)(argc - 4) : sizeof(issue) / sizeof(issue[0]);
	BPFVM_OPTS(bpfvm_vm_opts, vopts, .nr_cpus = 1);
	struct bpfvm_vm *vm = bpfvm_vm__new(&vopts);
	cbpf_add_helpers(vm);
	struct cbpf_packet *cp = xcalloc(n, sizeof(*cp));
	uint32_t *want = xcalloc(n, sizeof(*want));
	double *ns[N_ENGINES];
	for (int e = 0; e < N_ENGINES; e++)
		ns[e] = xcalloc((size_t)rounds, sizeof(double));
	printf("%zu packets%s, %d rounds; ns per packet, medians\n", n,
	       sorted ? " (sorted: predictable branches)" : "", rounds);
	printf("%-64s %8s %8s %8s %8s %8s\n", "filter", "libpcap", "cbpf", "interp", "jit",
	       "pcap/jit");
	int status = 0;
	for (size_t fi = 0; fi < n_filters; fi++) {
		struct bpf_program fp;
		if (pcap_compile(in, &fp, filters[fi], 1, PCAP_NETMASK_UNKNOWN)) {
			fprintf(stderr, "%s\n", pcap_geterr(in));
			return 1;
		}
		struct cbpf_insn *p = malloc(fp.bf_len * sizeof(*p));
		for (size_t i = 0; i < fp.bf_len; i++)
			p[i] = (struct cbpf_insn){ fp.bf_insns[i].code, fp.bf_insns[i].jt,
						   fp.bf_insns[i].jf, fp.bf_insns[i].k };
		struct bpfvm_error err;
		struct cbpf_filter *f[N_ENGINES - 1];
		for (int e = 0; e < N_ENGINES - 1; e++) {
			f[e] = cbpf_filter_new(vm, p, fp.bf_len, CBPF_SOCKET_FILTER, engines[e], false,
					       &err);
			if (!f[e]) {
				fprintf(stderr, "%s: %s: insn %ld: %s\n", filters[fi],
					cbpf_engine_name(engines[e]), err.insn, err.msg);
				return 1;
			}
		}
		bool same = true;
		for (int r = 0; r < rounds; r++) {
			double t0 = now();
			for (size_t i = 0; i < n; i++)
				want[i] = bpf_filter(fp.bf_insns, pk[i].data, pk[i].len, pk[i].caplen);
			ns[0][r] = (now() - t0) / (double)n;
			for (int e = 0; e < N_ENGINES - 1; e++) {
				for (size_t i = 0; i < n; i++)
					cp[i] = (struct cbpf_packet){ .data = pk[i].data,
								      .caplen = pk[i].caplen,
								      .len = pk[i].len };
				t0 = now();
				if (cbpf_filter_run_batch(f[e], cp, n, &err)) {
					fprintf(stderr, "%s: run: %s\n", engine_names[e + 1], err.msg);
					return 1;
				}
				ns[e + 1][r] = (now() - t0) / (double)n;
				for (size_t i = 0; i < n; i++)
					same &= cp[i].ret == want[i];
			}
		}
		double med[N_ENGINES];
		for (int e = 0; e < N_ENGINES; e++)
			med[e] = median(ns[e], rounds);
		printf("%-64s %8.2f %8.2f %8.2f %8.2f %7.2fx%s\n", filters[fi], med[0], med[1],
		       med[2], med[3], med[0] / med[3], same ? "" : "  MISMATCH");
		if (!same)
			status = 1;
		for (int e = 0; e < N_ENGINES - 1; e++)
			cbpf_filter_free(f[e]);
		free(p);
		pcap_freecode(&fp);
	}
	bpfvm_vm__free(vm);
	for (int e = 0; e < N_ENGINES; e++)
		free(ns[e]);
	free(cp);
	free(want);
	free(arena);
	free(pk);
	pcap_close(in);
	return status;
}
