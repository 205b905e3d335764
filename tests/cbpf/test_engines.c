/*
 * test_engines.c - every tcpdump expression of exprs.txt, compiled by
 * libpcap for the capture's link type, on every packet of the capture:
 * libpcap's own bpf_filter(), bpfvm's cBPF interpreter, the verified eBPF
 * translation in the eBPF interpreter and the same translation as machine
 * code must return the same value for each packet. The JIT must take
 * every translation (no fallback).
 *
 * usage: test_cbpf_engines IN.pcap EXPRS.txt
 */
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf/cbpf.h"
#include "../unit/check.h"

struct pkt {
	uint8_t *data;
	uint32_t caplen, len;
};

static const enum cbpf_engine engines[] = { CBPF_ENGINE_CBPF, CBPF_ENGINE_INTERP,
					    CBPF_ENGINE_JIT };
#define N_ENGINES (sizeof(engines) / sizeof(engines[0]))

static unsigned long compare(struct bpfvm_vm *vm, pcap_t *in, const char *expr,
			     const struct pkt *pk, size_t n)
{
	struct bpf_program fp;
	struct bpfvm_error err;
	if (pcap_compile(in, &fp, expr, 1, PCAP_NETMASK_UNKNOWN)) {
		fprintf(stderr, "%s: %s\n", expr, pcap_geterr(in));
		CHECK(!"pcap_compile");
		return 0;
	}
	struct cbpf_insn *p = malloc(fp.bf_len * sizeof(*p));
	CHECK(p);
	for (size_t i = 0; i < fp.bf_len; i++)
		p[i] = (struct cbpf_insn){ fp.bf_insns[i].code, fp.bf_insns[i].jt, fp.bf_insns[i].jf,
					   fp.bf_insns[i].k };
	struct cbpf_filter *f[N_ENGINES] = { 0 };
	for (size_t e = 0; e < N_ENGINES; e++) {
		f[e] = cbpf_filter_new(vm, p, fp.bf_len, CBPF_SOCKET_FILTER, engines[e], false, &err);
		if (!f[e])
			fprintf(stderr, "%s (%s): insn %ld: %s\n", expr, cbpf_engine_name(engines[e]),
				err.insn, err.msg);
		CHECK(f[e]);
		if (!f[e])
			goto out;
	}
	unsigned long matched = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t want = bpf_filter(fp.bf_insns, pk[i].data, pk[i].len, pk[i].caplen);
		struct cbpf_meta meta = { .len = pk[i].len };
		matched += want != 0;
		for (size_t e = 0; e < N_ENGINES; e++) {
			uint32_t got = 0xdeadbeef;
			CHECK(cbpf_filter_run(f[e], pk[i].data, pk[i].caplen, &meta, &got, &err) == 0);
			if (got != want)
				fprintf(stderr, "%s: packet %zu: %s returned %u, bpf_filter %u\n", expr,
					i + 1, cbpf_engine_name(engines[e]), got, want);
			CHECK_EQ_U64(got, want);
		}
	}
	printf("ok: %-64s %lu of %zu\n", expr, matched, n);
	for (size_t e = 0; e < N_ENGINES; e++)
		cbpf_filter_free(f[e]);
	free(p);
	pcap_freecode(&fp);
	return 1;
out:
	for (size_t e = 0; e < N_ENGINES; e++)
		if (f[e])
			cbpf_filter_free(f[e]);
	free(p);
	pcap_freecode(&fp);
	return 0;
}

int main(int argc, char **argv)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	if (argc != 3) {
		fprintf(stderr, "usage: test_cbpf_engines IN.pcap EXPRS.txt\n");
		return 2;
	}
	pcap_t *in = pcap_open_offline(argv[1], errbuf);
	FILE *ef = fopen(argv[2], "r");
	if (!in || !ef) {
		fprintf(stderr, "cannot open %s\n", in ? argv[2] : errbuf);
		return 1;
	}
	size_t n = 0, cap = 1024;
	struct pkt *pk = malloc(cap * sizeof(*pk));
	struct pcap_pkthdr *h;
	const u_char *d;
	while (pk && pcap_next_ex(in, &h, &d) == 1) {
		if (n == cap)
			pk = realloc(pk, (cap *= 2) * sizeof(*pk));
		uint8_t *c = malloc(h->caplen ? h->caplen : 1);
		CHECK(pk && c);
		memcpy(c, d, h->caplen);
		pk[n++] = (struct pkt){ c, h->caplen, h->len };
	}
	CHECK(n > 0);
	BPFVM_OPTS(bpfvm_vm_opts, vopts, .nr_cpus = 1);
	struct bpfvm_vm *vm = bpfvm_vm__new(&vopts);
	CHECK(vm && cbpf_add_helpers(vm) == 0);
	char line[512];
	unsigned long n_expr = 0;
	while (fgets(line, sizeof(line), ef)) {
		line[strcspn(line, "\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		n_expr += compare(vm, in, line, pk, n);
	}
	printf("%lu expressions x %zu packets x %zu engines, each against bpf_filter()\n", n_expr,
	       n, N_ENGINES);
	CHECK(n_expr >= 40);
	fclose(ef);
	bpfvm_vm__free(vm);
	for (size_t i = 0; i < n; i++)
		free(pk[i].data);
	free(pk);
	pcap_close(in);
	CHECK_DONE();
}
