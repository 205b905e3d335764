/*
 * bench_cbpf.c - ns per packet of libpcap's bpf_filter(), bpfvm's cBPF
 * interpreter and the translated eBPF (eBPF interpreter) on the same
 * packets, for the three filters. A measurement, not a test.
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
	const char *filters[] = { "less 0x7fffffff", /* ~ the per-run cost: 3 insns */
				  "tcp port 80",
				  "ip and tcp[tcpflags] & tcp-syn != 0 and not src net 10.0.0.0/8",
				  "ip6 or (udp and port 53)" };
	struct bpfvm_vm *vm = bpfvm_vm__new(NULL);
	cbpf_add_helpers(vm);
	printf("%zu packets x %d rounds\n", n, rounds);
	for (size_t f = 0; f < 4; f++) {
		struct bpf_program fp;
		if (pcap_compile(in, &fp, filters[f], 1, PCAP_NETMASK_UNKNOWN)) {
			fprintf(stderr, "%s\n", pcap_geterr(in));
			return 1;
		}
		struct cbpf_insn *p = malloc(fp.bf_len * sizeof(*p));
		for (size_t i = 0; i < fp.bf_len; i++)
			p[i] = (struct cbpf_insn){ fp.bf_insns[i].code, fp.bf_insns[i].jt,
						   fp.bf_insns[i].jf, fp.bf_insns[i].k };
		struct bpfvm_insn *e;
		size_t ne;
		struct bpfvm_error err;
		struct bpfvm_prog *bp;
		if (cbpf_translate(p, fp.bf_len, CBPF_SOCKET_FILTER, &e, &ne, &err) ||
		    bpfvm_prog__load(vm, e, ne, &(struct bpfvm_load_opts){ .sz = sizeof(struct bpfvm_load_opts), .unverified = true }, &bp, &err)) {
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		unsigned long m1 = 0, m2 = 0, m3 = 0;
		double t0 = now();
		for (int r = 0; r < rounds; r++)
			for (size_t i = 0; i < n; i++)
				m1 += bpf_filter(fp.bf_insns, pk[i].data, pk[i].len, pk[i].caplen) != 0;
		double t1 = now();
		for (int r = 0; r < rounds; r++)
			for (size_t i = 0; i < n; i++) {
				struct cbpf_meta meta = { .len = pk[i].len };
				m2 += cbpf_run(p, fp.bf_len, CBPF_SOCKET_FILTER, pk[i].data,
					       pk[i].caplen, &meta) != 0;
			}
		double t2 = now();
		for (int r = 0; r < rounds; r++)
			for (size_t i = 0; i < n; i++) {
				struct cbpf_meta meta = { .len = pk[i].len };
				uint64_t r0;
				BPFVM_OPTS(bpfvm_run_opts, ro, .user = &meta);
				bpfvm_prog__run(bp, (void *)pk[i].data, pk[i].caplen, &ro, &r0, NULL);
				m3 += r0 != 0;
			}
		double t3 = now();
		double np = (double)n * rounds;
		printf("%-66s libpcap %6.1f ns  cbpf %6.1f ns  ebpf-interp %6.1f ns  (%s)\n",
		       filters[f], (t1 - t0) / np, (t2 - t1) / np, (t3 - t2) / np,
		       m1 == m2 && m2 == m3 ? "same matches" : "MISMATCH");
		bpfvm_prog__free(bp);
		free(e);
		free(p);
		pcap_freecode(&fp);
	}
	bpfvm_vm__free(vm);
	for (size_t i = 0; i < n; i++)
		free((void *)pk[i].data);
	free(pk);
	pcap_close(in);
	return 0;
}
