/*
 * test_engines.c - every tcpdump expression of exprs.txt, compiled by
 * libpcap for the capture's link type, on every packet of the capture:
 * libpcap's own bpf_filter(), bpfvm's cBPF interpreter, the verified eBPF
 * translation in the eBPF interpreter and the same translation as machine
 * code must return the same value for each packet. The JIT must take
 * every translation (no fallback). Each engine runs the capture twice:
 * packet by packet (cbpf_filter_run) and in batches of uneven sizes
 * (cbpf_filter_run_batch, the JIT's filter entry for most programs).
 * A few classic programs add what tcpdump expressions do not have: BPF_LEN
 * with len 0 (= caplen), ancillary loads (the batch's other paths), loads
 * past every packet, and the filter entry refusing a program with a
 * helper call.
 *
 * usage: test_cbpf_engines IN.pcap EXPRS.txt
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf/cbpf.h"
#include "jit/filter.h"
#include "../unit/check.h"

struct pkt {
	uint8_t *data;
	uint32_t caplen, len;
};

static const enum cbpf_engine engines[] = { CBPF_ENGINE_CBPF, CBPF_ENGINE_INTERP,
					    CBPF_ENGINE_JIT };
#define N_ENGINES (sizeof(engines) / sizeof(engines[0]))

/*
 * Every engine of f[0..n_f), in batches of uneven sizes (1, 63, 64, 65,
 * the rest), gives what cbpf_filter_run gives packet by packet. Every
 * fifth packet has len 0 (= caplen) and every third a meta with ancillary
 * values.
 */
static bool batch_agrees(struct cbpf_filter *const *f, size_t n_f, const struct pkt *pk,
			 size_t n, const char *what)
{
	struct cbpf_packet *cp = calloc(n ? n : 1, sizeof(*cp));
	struct cbpf_meta *meta = calloc(n ? n : 1, sizeof(*meta));
	static const size_t sizes[] = { 0, 1, 63, 64, 65 };
	bool ok = cp && meta;
	struct bpfvm_error err;
	for (size_t e = 0; ok && e < n_f; e++) {
		for (size_t i = 0; i < n; i++) {
			meta[i] = (struct cbpf_meta){
				.protocol = 0x800, .pkttype = (uint8_t)(i % 4), .mark = (uint32_t)i,
				.hatype = 1, .vlan_tci = (uint16_t)i, .vlan_present = i % 2,
				.random = 42,
			};
			cp[i] = (struct cbpf_packet){ .data = pk[i].data, .caplen = pk[i].caplen,
						      .len = i % 5 ? pk[i].len : 0,
						      .meta = i % 3 ? NULL : &meta[i],
						      .ret = 0xdeadbeef };
		}
		size_t at = 0;
		for (size_t b = 0; at < n; b++) {
			size_t k = b < sizeof(sizes) / sizeof(sizes[0]) ? sizes[b] : n - at;
			if (k > n - at)
				k = n - at;
			if (cbpf_filter_run_batch(f[e], cp + at, k, &err)) {
				fprintf(stderr, "%s: batch: %s\n", what, err.msg);
				ok = false;
				break;
			}
			at += k;
		}
		for (size_t i = 0; ok && i < n; i++) {
			struct cbpf_meta m = cp[i].meta ? *cp[i].meta : (struct cbpf_meta){ 0 };
			m.len = cp[i].len ? cp[i].len : pk[i].caplen;
			uint32_t want = 0;
			int r = cbpf_filter_run(f[e], pk[i].data, pk[i].caplen, &m, &want, &err);
			CHECK(r == 0);
			if (cp[i].ret != want) {
				fprintf(stderr, "%s: packet %zu: %s batch %u, one by one %u\n",
					what, i + 1, cbpf_engine_name(cbpf_filter_engine(f[e])),
					cp[i].ret, want);
				ok = false;
			}
		}
	}
	free(cp);
	free(meta);
	return ok;
}

/* Classic programs tcpdump expressions do not produce, in every engine,
 * packet by packet and in batches. */
static void check_programs(struct bpfvm_vm *vm, const struct pkt *pk, size_t n)
{
	static const char *const progs[] = {
		"ld #len\nret a\n",                       /* BPF_LEN, len 0 = caplen */
		"ldx #len\nldh [x + -2]\nret a\n",       /* the last bytes of the packet */
		"ld proto\nadd #1\nret a\n",             /* an ancillary __sk_buff field */
		"ld vlan_avail\nret a\n",
		"ld hatype\nret a\n",                     /* the ancillary helper */
		"ldh [1000]\nret #1\n",                   /* past (almost) every packet */
		"ldb [0]\ntax\nld #7\ndiv x\nret a\n",   /* division by a zero X: 0 */
		"ld #0\nst M[3]\nldb [14]\nst M[3]\nldx M[3]\nld [x + 0]\nret a\n",
	};
	for (size_t pi = 0; pi < sizeof(progs) / sizeof(progs[0]); pi++) {
		struct cbpf_insn *p = NULL;
		size_t np = 0;
		struct bpfvm_error err;
		CHECK(cbpf_asm_parse(progs[pi], strlen(progs[pi]), "test.s", &p, &np, &err) == 0);
		if (!p)
			continue;
		struct cbpf_filter *f[N_ENGINES] = { 0 };
		size_t made = 0;
		for (size_t e = 0; e < N_ENGINES; e++, made++) {
			f[e] = cbpf_filter_new(vm, p, np, CBPF_SOCKET_FILTER, engines[e], false,
					       &err);
			if (!f[e]) {
				fprintf(stderr, "program %zu: %s\n", pi, err.msg);
				CHECK(!"cbpf_filter_new");
				break;
			}
		}
		if (made == N_ENGINES) {
			CHECK(batch_agrees(f, N_ENGINES, pk, n, progs[pi]));
			/* the filter entry takes no program with a helper call */
			if (strstr(progs[pi], "hatype")) {
				struct jit_filter_pkt one = { .data = pk[0].data,
							      .caplen = pk[0].caplen };
				const struct bpfvm_prog *jp = cbpf_filter_prog(f[N_ENGINES - 1]);
				CHECK_EQ_U64(jit_run_filter(jp, &one, 1, &err), (uint64_t)-ENOTSUP);
			}
		}
		for (size_t e = 0; e < made; e++)
			cbpf_filter_free(f[e]);
		free(p);
	}
	printf("ok: %zu classic programs, batches and one by one\n",
	       sizeof(progs) / sizeof(progs[0]));
}

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
	CHECK(batch_agrees(f, N_ENGINES, pk, n, expr));
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
	check_programs(vm, pk, n);
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
