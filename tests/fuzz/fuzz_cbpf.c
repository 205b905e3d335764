/*
 * fuzz_cbpf.c - libFuzzer target: classic BPF (src/cbpf/): the checker,
 * the classic interpreter and the translation to eBPF.
 *
 * Input: a flags byte, 16 bytes of packet metadata, a packet length byte
 * L and L packet bytes (a struct seccomp_data's 64 bytes for seccomp
 * filters), then the program: with flags bit 1 clear, generated from the
 * bytes (rows of the classic table, jumps inside the program, offsets and
 * constants at the edges, ancillary loads, a RET last); set, taken as raw
 * struct sock_filter slots. Flags bit 0 picks seccomp over socket filter.
 *
 * Checking and translating must never crash. Where the checker accepts a
 * program, its translation must load (verified) for the eBPF interpreter
 * and for the JIT, and both must return what the classic interpreter
 * returns on the packet; else abort().
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf/cbpf.h"
#include "vgen.h"

#define MAX_INSNS 48

static uint32_t edge_k(struct vgen_src *s)
{
	static const uint32_t k[] = { 0, 1, 2, 3, 4, 7, 8, 12, 14, 16, 23, 31, 32, 33, 63, 64,
				      0xff, 0xffff, 0x7fffffff, 0x80000000u, 0xfffffffeu,
				      0xffffffffu };
	unsigned b = vgen_byte(s);
	if (b & 1)
		return k[(b >> 1) % (sizeof(k) / sizeof(k[0]))];
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v = v << 8 | vgen_byte(s);
	return v >> (vgen_byte(s) % 32);
}

/* A k for row d: offsets near the packet, ancillary loads, M[] indexes,
 * shift counts, edge constants. */
static uint32_t pick_k(struct vgen_src *s, const struct cbpf_desc *d, bool seccomp)
{
	unsigned b = vgen_byte(s);
	switch (d->kind) {
	case CBPF_K_LD_ABS:
		if (seccomp)
			return 4 * (b % 17);
		if (b % 4 == 0)
			return (uint32_t)CBPF_SKF_AD_OFF + 4 * (vgen_byte(s) % 17);
		return b % 4 == 1 ? edge_k(s) : b % 80;
	case CBPF_K_LD_IND:
	case CBPF_K_LDX_MSH:
		return b % 4 == 1 ? edge_k(s) : b % 80;
	case CBPF_K_LD_MEM: case CBPF_K_LDX_MEM: case CBPF_K_ST: case CBPF_K_STX:
		return b % 32 == 0 ? 16 + b % 3 : b % 16;
	case CBPF_K_ALU_K:
		if (d->op == CBPF_OP_LSH || d->op == CBPF_OP_RSH)
			return b % 8 == 0 ? edge_k(s) : b % 32;
		return edge_k(s);
	default:
		return edge_k(s);
	}
}

static size_t gen(struct vgen_src *s, struct cbpf_insn *p, bool seccomp)
{
	size_t n = 1 + vgen_byte(s) % (MAX_INSNS - 1);
	for (size_t i = 0; i + 1 < n; i++) {
		const struct cbpf_desc *d = &cbpf_table[vgen_byte(s) % CBPF__COUNT];
		p[i].code = d->code;
		p[i].k = pick_k(s, d, seccomp);
		size_t left = n - 1 - i - 1; /* slots after the next one */
		p[i].jt = (uint8_t)(vgen_byte(s) % (left + 1));
		p[i].jf = (uint8_t)(vgen_byte(s) % (left + 1));
		if (d->kind == CBPF_K_JA)
			p[i].k = vgen_byte(s) % (uint32_t)(left + 1);
		if (d->kind != CBPF_K_JMP_K && d->kind != CBPF_K_JMP_X)
			p[i].jt = p[i].jf = 0;
	}
	p[n - 1] = (struct cbpf_insn){ .code = vgen_byte(s) & 1 ? 0x16 : 0x06, .k = edge_k(s) };
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bpfvm_vm *vm;
	struct bpfvm_error err;
	if (!vm) {
		vm = bpfvm_vm__new(NULL);
		if (!vm || cbpf_add_helpers(vm))
			abort();
	}
	if (size < 18)
		return 0;
	bool seccomp = data[0] & 1, raw = data[0] & 2;
	const uint8_t *m = data + 1;
	struct cbpf_meta meta = {
		.protocol = (uint16_t)(m[0] << 8 | m[1]), .pkttype = m[2] & 7, .ifindex = m[3],
		.mark = (uint32_t)m[4] << 24 | m[5], .queue = m[6], .hatype = m[7],
		.rxhash = (uint32_t)m[8] * 0x01010101u, .cpu = m[9] & 3,
		.vlan_tci = (uint16_t)(m[10] << 8 | m[11]), .vlan_present = m[12] & 1,
		.vlan_tpid = m[13] & 1 ? 0x88a8 : 0x8100, .random = m[14],
	};
	size_t len = data[17];
	if (size < 18 + len)
		return 0;
	const uint8_t *pkt = data + 18;
	meta.len = m[15] & 1 ? (uint32_t)len + m[15] : 0;
	struct vgen_src src = { pkt + len, size - 18 - len, 0 };

	struct cbpf_insn prog[CBPF_MAXINSNS];
	size_t n;
	if (raw) {
		n = src.n / sizeof(struct cbpf_insn);
		if (n > CBPF_MAXINSNS)
			n = CBPF_MAXINSNS;
		memcpy(prog, src.p, n * sizeof(struct cbpf_insn));
	} else {
		n = gen(&src, prog, seccomp);
	}
	enum cbpf_prog_kind kind = seccomp ? CBPF_SECCOMP : CBPF_SOCKET_FILTER;
	if (cbpf_check(prog, n, kind, &err))
		return 0;

	struct bpfvm_insn *ebpf = NULL;
	size_t ebpf_n = 0;
	if (cbpf_translate(prog, n, kind, &ebpf, &ebpf_n, &err)) {
		fprintf(stderr, "fuzz_cbpf: a checked program does not translate: %s\n", err.msg);
		abort();
	}
	free(ebpf);

	struct cbpf_seccomp_data sd;
	memset(&sd, 0, sizeof(sd));
	memcpy(&sd, pkt, len < sizeof(sd) ? len : sizeof(sd));
	uint32_t want = seccomp ? cbpf_run(prog, n, kind, (const uint8_t *)&sd, sizeof(sd), NULL)
				: cbpf_run(prog, n, kind, pkt, len, &meta);
	static const enum cbpf_engine engines[] = { CBPF_ENGINE_INTERP, CBPF_ENGINE_JIT };
	for (size_t e = 0; e < 2; e++) {
		struct cbpf_filter *f = cbpf_filter_new(vm, prog, n, kind, engines[e], false, &err);
		if (!f) {
			fprintf(stderr, "fuzz_cbpf: the %s refused a checked program: insn %ld: %s\n",
				cbpf_engine_name(engines[e]), err.insn, err.msg);
			abort();
		}
		uint32_t got = 0;
		int rc = seccomp ? cbpf_filter_run_seccomp(f, &sd, &got, &err)
				 : cbpf_filter_run(f, pkt, len, &meta, &got, &err);
		if (rc || got != want) {
			fprintf(stderr, "fuzz_cbpf: %s: rc %d (%s), returned 0x%" PRIx32
				", the classic interpreter 0x%" PRIx32 "\n",
				cbpf_engine_name(engines[e]), rc, rc ? err.msg : "", got, want);
			abort();
		}
		cbpf_filter_free(f);
	}
	return 0;
}
