/*
 * bench_cbpf.c - ns per packet of libpcap's bpf_filter() against bpfvm's
 * three engines for classic programs (the cBPF interpreter, the verified
 * eBPF translation in the eBPF interpreter, and the same translation
 * JIT-compiled), in one run over the same packets, for the three
 * filters. A measurement, not a test; every engine's match count must
 * agree with libpcap's.
 *
 * Each engine runs through cbpf_filter_run_batch(), as `bpfvm filter`
 * runs a capture, so the numbers include the per-packet setup (the
 * struct __sk_buff, the batch entry's per-input work), as bpf_filter()'s
 * include its own.
 *
 * usage: cbpf_bench IN.pcap [ROUNDS]
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

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* matches of f over every packet, rounds times, as `bpfvm filter` runs
 * them (cbpf_filter_run_batch); *ns = ns per packet */
static unsigned long run_engine(const struct cbpf_filter *f, const struct pkt *pk, size_t n,
				int rounds, double *ns)
{
	struct cbpf_meta *meta = calloc(n ? n : 1, sizeof(*meta));
	struct cbpf_packet *cp = calloc(n ? n : 1, sizeof(*cp));
	if (!meta || !cp) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	for (size_t i = 0; i < n; i++) {
		meta[i].len = pk[i].len;
		cp[i] = (struct cbpf_packet){ .data = pk[i].data, .caplen = pk[i].caplen,
					      .meta = &meta[i] };
	}
	unsigned long m = 0;
	double t0 = now();
	for (int r = 0; r < rounds; r++) {
		struct bpfvm_error err;
		if (cbpf_filter_run_batch(f, cp, n, &err)) {
			fprintf(stderr, "run: %s\n", err.msg);
			exit(1);
		}
		for (size_t i = 0; i < n; i++)
			m += cp[i].ret != 0;
	}
	*ns = (now() - t0) / ((double)n * rounds);
	free(meta);
	free(cp);
	return m;
}

int main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	if (argc < 2) {
		fprintf(stderr, "usage: cbpf_bench IN.pcap [ROUNDS]\n");
		return 2;
	}
	int rounds = argc > 2 ? atoi(argv[2]) : 200;
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
	const char *filters[] = { "less 0x7fffffff", /* ~ the per-packet floor: 3 insns */
				  "tcp port 80",
				  "ip and tcp[tcpflags] & tcp-syn != 0 and not src net 10.0.0.0/8",
				  "ip6 or (udp and port 53)" };
	BPFVM_OPTS(bpfvm_vm_opts, vopts, .nr_cpus = 1);
	struct bpfvm_vm *vm = bpfvm_vm__new(&vopts);
	cbpf_add_helpers(vm);
	printf("%zu packets x %d rounds; ns per packet\n", n, rounds);
	printf("%-64s %8s %8s %8s %8s %8s\n", "filter", "libpcap", "cbpf", "interp", "jit",
	       "pcap/jit");
	int status = 0;
	for (size_t fi = 0; fi < sizeof(filters) / sizeof(filters[0]); fi++) {
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
		struct cbpf_filter *f[3];
		static const enum cbpf_engine engines[3] = { CBPF_ENGINE_CBPF, CBPF_ENGINE_INTERP,
							     CBPF_ENGINE_JIT };
		for (int e = 0; e < 3; e++) {
			f[e] = cbpf_filter_new(vm, p, fp.bf_len, CBPF_SOCKET_FILTER, engines[e], false,
					       &err);
			if (!f[e]) {
				fprintf(stderr, "%s: %s: insn %ld: %s\n", filters[fi],
					cbpf_engine_name(engines[e]), err.insn, err.msg);
				return 1;
			}
		}
		unsigned long m0 = 0, m[3];
		double ns[4];
		double t0 = now();
		for (int r = 0; r < rounds; r++)
			for (size_t i = 0; i < n; i++)
				m0 += bpf_filter(fp.bf_insns, pk[i].data, pk[i].len, pk[i].caplen) != 0;
		ns[0] = (now() - t0) / ((double)n * rounds);
		for (int e = 0; e < 3; e++)
			m[e] = run_engine(f[e], pk, n, rounds, &ns[e + 1]);
		bool same = m[0] == m0 && m[1] == m0 && m[2] == m0;
		printf("%-64s %8.1f %8.1f %8.1f %8.1f %7.1fx%s\n", filters[fi], ns[0], ns[1], ns[2],
		       ns[3], ns[0] / ns[3], same ? "" : "  MISMATCH");
		if (!same)
			status = 1;
		for (int e = 0; e < 3; e++)
			cbpf_filter_free(f[e]);
		free(p);
		pcap_freecode(&fp);
	}
	bpfvm_vm__free(vm);
	for (size_t i = 0; i < n; i++)
		free((void *)pk[i].data);
	free(pk);
	pcap_close(in);
	return status;
}
