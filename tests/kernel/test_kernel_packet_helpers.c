/*
 * test_kernel_packet_helpers.c - the running kernel as the judge of the
 * packet helpers.
 *
 * The programs of tests/programs/xdp_adjust.c and tc_skb.c take their
 * helper arguments from the packet, so one object covers each helper's
 * success and error returns. Each program is loaded into the kernel
 * through libbpf and into bpfvm with the verifier, then run on the cases
 * below: the kernel through BPF_PROG_TEST_RUN, bpfvm in buffers laid out
 * as the kernel's test run lays them out (XDP: 256 bytes of headroom in a
 * 4096-byte frame, the last 320 out of reach; tc: room for the largest
 * skb on both sides), under the interpreter and the JIT. The return value,
 * the output packet (XDP: from data_meta, as the kernel copies it out) and
 * the metadata length must be identical.
 *
 * Not compared: the value of a recomputed skb hash (the kernel keys it
 * with a per-boot secret; tc_hash checks its properties instead) and
 * bpf_set_hash(0) (bpfvm reads a zero hash as "none", see skb_hash.c).
 *
 * Needs root and a working bpf(); skips (exit 77) with a message when the
 * kernel is not available, never fails for that reason.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <linux/if_link.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfvm.h"
#include "kernel_probe.h"

#define OUT_MAX 20000
#define FRAME BPFVM_XDP_FRAME_SIZE
#define SKB_ROOM (BPFVM_SKB_MAX_LEN + 64)

static int failures, compared, skipped;

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level, (void)fmt, (void)ap;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Cases                                                               */

enum pkt_kind {
	PK_PATTERN,     /* patterned bytes, the arguments at 14..30 */
	PK_ZERO_C,      /* the same with a zero 16-bit word at offset c */
	PK_TCP, PK_UDP, PK_UDP_NOCSUM, PK_ICMP, PK_IP_OPTS, /* Ethernet + IPv4 */
};

struct pcase {
	const char *prog;
	uint32_t len;
	int32_t a, b;
	uint32_t c, d;
	enum pkt_kind kind;
};

#define P(prog, len, a, b, c, d) { prog, len, a, b, c, d, PK_PATTERN }

static const struct pcase cases[] = {
	/* bpf_xdp_adjust_head */
	P("xdp_head", 64, -216, 0, 0, 0), P("xdp_head", 64, -217, 0, 0, 0),
	P("xdp_head", 64, 50, 0, 0, 0), P("xdp_head", 64, 51, 0, 0, 0),
	P("xdp_head", 64, 0, 0, 0, 0), P("xdp_head", 64, -14, 0, 0, 0),
	P("xdp_head", 30, 16, 0, 0, 0), P("xdp_head", 30, 17, 0, 0, 0),
	P("xdp_head", 29, 0, 0, 0, 0), P("xdp_head", 1500, -100, 0, 0, 0),
	P("xdp_head", 3520, -216, 0, 0, 0), P("xdp_head", 64, INT_MIN, 0, 0, 0),
	P("xdp_head", 64, INT_MAX, 0, 0, 0),
	/* bpf_xdp_adjust_meta (then adjust_head with the metadata) */
	P("xdp_meta", 64, -4, 0, 0, 0), P("xdp_meta", 64, -36, -8, 0, 0),
	P("xdp_meta", 64, -3, 0, 0, 0), P("xdp_meta", 64, 4, 0, 0, 0),
	P("xdp_meta", 64, -220, 0, 0, 0), P("xdp_meta", 64, -216, -4, 0, 0),
	P("xdp_meta", 64, -216, 4, 0, 0), P("xdp_meta", 64, -32, 8, 0, 0),
	P("xdp_meta", 64, -252, 0, 0, 0), P("xdp_meta", 64, -256, 0, 0, 0),
	P("xdp_meta", 64, 0, 0, 0, 0), P("xdp_meta", 64, -8, 50, 0, 0),
	P("xdp_meta", 64, -8, 51, 0, 0), P("xdp_meta", 64, -40, -100, 0, 0),
	P("xdp_meta", 64, -2, 0, 0, 0), P("xdp_meta", 64, INT_MIN, 0, 0, 0),
	/* bpf_xdp_adjust_tail, bpf_xdp_get_buff_len */
	P("xdp_tail", 64, -50, 0, 0, 0), P("xdp_tail", 64, -51, 0, 0, 0),
	P("xdp_tail", 64, 3456, 0, 0, 0), P("xdp_tail", 64, 3457, 0, 0, 0),
	P("xdp_tail", 64, 100, 0, 0, 0), P("xdp_tail", 64, 0, 0, 0, 0),
	P("xdp_tail", 64, INT_MIN, 0, 0, 0), P("xdp_tail", 64, INT_MAX, 0, 0, 0),
	P("xdp_tail", 3520, 1, 0, 0, 0), P("xdp_tail", 3520, -1, 0, 0, 0),
	P("xdp_tail", 30, -16, 0, 0, 0), P("xdp_tail", 30, -17, 0, 0, 0),
	/* bpf_xdp_load_bytes, bpf_xdp_store_bytes */
	P("xdp_bytes", 64, 0, 0, 0, 40), P("xdp_bytes", 64, 0, 0, 48, 56),
	P("xdp_bytes", 64, 0, 0, 49, 0), P("xdp_bytes", 64, 0, 0, 0x10000, 0),
	P("xdp_bytes", 64, 0, 0, 0xffff, 0), P("xdp_bytes", 64, 0, 0, 0, 57),
	P("xdp_bytes", 64, 0, 0, 0, 0xffffffff), P("xdp_bytes", 64, 0, 0, 0, 0x10000),
	P("xdp_bytes", 30, 0, 0, 14, 22), P("xdp_bytes", 1500, 0, 0, 1484, 1492),
	P("xdp_bytes", 1500, 0, 0, 1485, 0), P("xdp_bytes", 64, 0, 0, 0xffffffff, 0),
	/* a packet pointer kept across bpf_xdp_store_bytes */
	P("xdp_keep", 64, 0, 0, 18, 0), P("xdp_keep", 64, 0, 0, 60, 0),
	P("xdp_keep", 64, 0, 0, 61, 0), P("xdp_keep", 30, 0, 0, 0, 0),
	/* bpf_redirect (XDP) */
	P("xdp_redirect", 64, 0, 0, 7, 0), P("xdp_redirect", 64, 1, 0, 7, 0),
	P("xdp_redirect", 64, 0, 0, 0, 0), P("xdp_redirect", 64, -1, 0, 3, 0),
	/* bpf_redirect_map on a devmap: slot 0 holds ifindex 1 (lo) */
	P("xdp_redirect_map", 64, 0, 0, 0, 0), P("xdp_redirect_map", 64, 0, 0, 1, 2),
	P("xdp_redirect_map", 64, 0, 0, 9, 1), P("xdp_redirect_map", 64, 0, 0, 0, 32),
	P("xdp_redirect_map", 64, 0, 0, 1, 8), P("xdp_redirect_map", 64, 0, 0, 0, 16),
	P("xdp_redirect_map", 64, 0, 0, 0, 3), P("xdp_redirect_map", 64, 0, 0, 1, 3),
	P("xdp_redirect_map", 64, 0, 0, 0, 4), P("xdp_redirect_map", 64, 0, 0, 1, 24),
	P("xdp_redirect_map", 64, 0, 0, 0xffffffff, 2), P("xdp_redirect_map", 64, 0, 0, 1, 9),

	/* bpf_skb_load_bytes, bpf_skb_store_bytes */
	P("tc_bytes", 64, 0, 0, 0, 40), P("tc_bytes", 64, 2, 0, 0, 40),
	P("tc_bytes", 64, 1, 0, 0, 56), P("tc_bytes", 64, 0, 0, 57, 0),
	P("tc_bytes", 64, 0, 0, 0x80000000u, 0), P("tc_bytes", 64, 0, 0, 0x7fffffff, 0),
	P("tc_bytes", 64, 0, 0, 0, 57), P("tc_bytes", 64, 4, 0, 0, 0),
	P("tc_bytes", 64, 3, 0, 8, 16), P("tc_bytes", 64, 0, 0, 56, 56),
	P("tc_bytes", 30, 0, 0, 22, 22), P("tc_bytes", 30, 0, 0, 23, 0),
	P("tc_bytes", 64, 0, 0, 0, 0x80000000u),
	/* bpf_l3_csum_replace, bpf_l4_csum_replace */
	P("tc_l3", 64, 0x1234, 0x4321, 40, 2), P("tc_l3", 64, 0x12345678, 0x0a000063, 40, 4),
	P("tc_l3", 64, 0xffff, 0, 40, 2), P("tc_l3", 64, 0, 0x12345678, 40, 0),
	P("tc_l3", 64, 0, -1, 40, 0), P("tc_l3", 64, 0, 0, 41, 2),
	P("tc_l3", 64, 0, 0, 62, 4), P("tc_l3", 64, 0, 0, 63, 2),
	P("tc_l3", 64, 0, 0, 64, 2), P("tc_l3", 64, 0, 0, 0x10000, 2),
	P("tc_l3", 64, 0, 0, 40, 3), P("tc_l3", 64, 1, 0, 40, 0),
	P("tc_l3", 64, 0, 0, 40, 0x10), P("tc_l3", 64, 0, 0, 40, 0x12),
	P("tc_l3", 64, 0x7fff1234, 0x1234, 40, 2), P("tc_l3", 64, 0x1, 0x1, 40, 4),
	P("tc_l4", 64, 0x1234, 0x4321, 40, 2), P("tc_l4", 64, 0x12345678, 0x0a000063, 40, 4),
	P("tc_l4", 64, 0x12345678, 0x0a000063, 40, 0x14), P("tc_l4", 64, 0, 0x12345678, 40, 0x10),
	P("tc_l4", 64, 0, 0xabcdef, 40, 0), P("tc_l4", 64, 0x4, 0x5, 40, 0x92),
	P("tc_l4", 64, 0x4, 0x5, 40, 0x22), P("tc_l4", 64, 0x4, 0x5, 40, 0x62),
	P("tc_l4", 64, 0, 0, 41, 2), P("tc_l4", 64, 0, 0, 64, 4),
	P("tc_l4", 64, 0, 0, 40, 0x100), P("tc_l4", 64, 0, 0, 40, 5),
	P("tc_l4", 64, 9, 0, 40, 0x10), P("tc_l4", 64, 0xffff, 0xffff, 40, 0x22),
	{ "tc_l4", 64, 0x1111, 0x2222, 40, 0x24, PK_ZERO_C },
	{ "tc_l4", 64, 0x1111, 0x1111, 40, 0x64, PK_ZERO_C },
	{ "tc_l4", 64, 0x1111, 0x2222, 40, 0x64, PK_ZERO_C },
	{ "tc_l4", 64, 0x1111, 0x1111, 40, 0x24, PK_ZERO_C },
	{ "tc_l3", 64, 0x1111, 0x1111, 40, 4, PK_ZERO_C },
	/* bpf_skb_pull_data */
	P("tc_pull", 64, 0, 0, 0, 0), P("tc_pull", 64, 0, 0, 64, 0),
	P("tc_pull", 64, 0, 0, 65, 0), P("tc_pull", 64, 0, 0, 0xffffffff, 0),
	P("tc_pull", 30, 0, 0, 1, 0),
	/* bpf_skb_change_tail */
	P("tc_tail", 64, 0, 0, 13, 0), P("tc_tail", 64, 0, 0, 14, 0),
	P("tc_tail", 64, 0, 0, 30, 0), P("tc_tail", 64, 0, 0, 100, 0),
	P("tc_tail", 64, 0, 0, 64, 0), P("tc_tail", 64, 0, 0, 16064, 0),
	P("tc_tail", 64, 0, 0, 16065, 0), P("tc_tail", 64, 0, 0, 0xffffffff, 0),
	P("tc_tail", 64, 0, 0, 64, 1), P("tc_tail", 1500, 0, 0, 60, 0),
	/* bpf_skb_change_head */
	P("tc_head", 64, 0, 0, 0, 0), P("tc_head", 64, 0, 0, 1, 0),
	P("tc_head", 64, 0, 0, 14, 0), P("tc_head", 64, 0, 0, 100, 0),
	P("tc_head", 64, 0, 0, 16000, 0), P("tc_head", 64, 0, 0, 16001, 0),
	P("tc_head", 64, 0, 0, 0xffffffff, 0), P("tc_head", 64, 0, 0, 4, 1),
	/* bpf_redirect (tc) */
	P("tc_redirect", 64, 0, 0, 9, 0), P("tc_redirect", 64, 1, 0, 9, 0),
	P("tc_redirect", 64, 2, 0, 9, 0), P("tc_redirect", 64, -1, 0, 0, 0),
	/* bpf_set_hash, bpf_get_hash_recalc, bpf_set_hash_invalid */
	P("tc_hash", 64, 0, 0, 0x1234, 0), P("tc_hash", 64, 0, 0, 1, 0),
	P("tc_hash", 64, 0, 0, 0xffffffff, 0),
	/* tc_nat: a real rewrite with both checksums */
	{ "tc_nat", 0, 0, 0, 0, 0, PK_TCP }, { "tc_nat", 0, 0, 0, 0, 0, PK_UDP },
	{ "tc_nat", 0, 0, 0, 0, 0, PK_UDP_NOCSUM }, { "tc_nat", 0, 0, 0, 0, 0, PK_ICMP },
	{ "tc_nat", 0, 0, 0, 0, 0, PK_IP_OPTS }, { "tc_nat", 50, 0, 0, 0, 0, PK_TCP },
	{ "tc_nat", 40, 0, 0, 0, 0, PK_UDP }, { "tc_nat", 64, 0, 0, 0, 0, PK_PATTERN },
};
#define N_CASES (sizeof(cases) / sizeof(cases[0]))

static uint16_t ones_sum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Ethernet + IPv4 + TCP/UDP/ICMP with right checksums (a zero UDP one
 * for PK_UDP_NOCSUM), 6 bytes of payload. */
static size_t ip_packet(uint8_t *p, enum pkt_kind kind)
{
	uint8_t proto = kind == PK_UDP || kind == PK_UDP_NOCSUM ? 17 : kind == PK_ICMP ? 1 : 6;
	size_t ihl = kind == PK_IP_OPTS ? 24 : 20;
	size_t l4len = proto == 6 ? 20 : 8, len = 14 + ihl + l4len + 6;
	memset(p, 0, len);
	memcpy(p, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00", 14);
	uint8_t *ip = p + 14, *l4 = ip + ihl;
	ip[0] = (uint8_t)(0x40 | ihl / 4);
	ip[3] = (uint8_t)(len - 14);
	ip[8] = 64, ip[9] = proto;
	memcpy(ip + 12, "\xc0\xa8\x01\x02\xc0\xa8\x01\x03", 8);
	uint16_t c = (uint16_t)~ones_sum(ip, ihl, 0);
	ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
	l4[0] = 0x30, l4[1] = 0x39, l4[3] = 80;
	if (proto == 6)
		l4[12] = 0x50;
	else if (proto == 17)
		l4[5] = (uint8_t)(l4len + 6);
	memcpy(l4 + l4len, "hello!", 6);
	if (kind != PK_UDP_NOCSUM && proto != 1) {
		size_t n = l4len + 6;
		uint32_t pseudo = ones_sum(ip + 12, 8, 0) + proto + (uint32_t)n;
		c = (uint16_t)~ones_sum(l4, n, pseudo);
		unsigned at = proto == 6 ? 16 : 6;
		l4[at] = (uint8_t)(c >> 8), l4[at + 1] = (uint8_t)c;
	}
	return len;
}

/* The case's packet in p (at least 4096 bytes); returns its length. */
static size_t make_packet(const struct pcase *k, uint8_t *p)
{
	if (k->kind >= PK_TCP) {
		size_t len = ip_packet(p, k->kind);
		return k->len && k->len < len ? k->len : len;
	}
	for (size_t i = 0; i < k->len; i++)
		p[i] = (uint8_t)(i * 7 + 3);
	p[12] = 0x88, p[13] = 0xb5;
	struct { int32_t a, b; uint32_t c, d; } prm = { k->a, k->b, k->c, k->d };
	if (k->len >= 30)
		memcpy(p + 14, &prm, sizeof(prm));
	if (k->kind == PK_ZERO_C && k->c + 2 <= k->len)
		p[k->c] = p[k->c + 1] = 0;
	return k->len;
}

/* ------------------------------------------------------------------ */
/* The two sides                                                       */

struct result {
	int err;          /* a run error (bpfvm) or test-run error (kernel) */
	uint32_t retval;
	uint32_t size;    /* bytes out */
	uint32_t metalen; /* XDP: data - data_meta after the run */
	uint8_t out[OUT_MAX];
};

static void kernel_run(int fd, bool xdp, const uint8_t *pkt, size_t len, struct result *r)
{
	struct xdp_md ctx_in = { .data_end = (uint32_t)len }, ctx_out = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = (uint32_t)len,
		    .data_out = r->out, .data_size_out = OUT_MAX, .repeat = 1);
	if (xdp) {
		t.ctx_in = &ctx_in, t.ctx_size_in = sizeof(ctx_in);
		t.ctx_out = &ctx_out, t.ctx_size_out = sizeof(ctx_out);
	}
	r->err = bpf_prog_test_run_opts(fd, &t);
	r->retval = t.retval;
	r->size = t.data_size_out;
	r->metalen = xdp ? ctx_out.data : 0;
}

static _Alignas(64) uint8_t frame[FRAME];
static _Alignas(64) uint8_t skbuf[2 * SKB_ROOM + 4096];

static void bpfvm_run(const struct bpfvm_prog *prog, bool xdp, const uint8_t *pkt, size_t len,
		      struct result *r, char *msg, size_t msg_size)
{
	struct bpfvm_error err;
	uint64_t r0 = 0;
	const uint8_t *from, *to;
	memset(r, 0, offsetof(struct result, out));
	if (xdp) {
		memset(frame, 0, sizeof(frame));
		uint8_t *data = frame + BPFVM_XDP_HEADROOM;
		memcpy(data, pkt, len);
		struct bpfvm_xdp_ctx x = {
			.data = data, .data_end = data + len, .data_meta = data,
			.data_hard_start = frame,
			.data_hard_end = frame + FRAME - BPFVM_XDP_TAILROOM,
		};
		struct bpfvm_region reg = { frame, FRAME - BPFVM_XDP_TAILROOM, true };
		BPFVM_OPTS(bpfvm_run_opts, ro, .regions = &reg, .n_regions = 1);
		r->err = bpfvm_prog__run(prog, &x, sizeof(x), &ro, &r0, &err);
		from = x.data_meta, to = x.data_end;
		r->metalen = (uint32_t)((uint8_t *)x.data - from);
	} else {
		memset(skbuf, 0, sizeof(skbuf));
		uint8_t *data = skbuf + SKB_ROOM;
		memcpy(data, pkt, len);
		struct bpfvm_skb_ctx s = {
			.data = data, .data_end = data + len, .data_meta = data,
			.len = (uint32_t)len, .data_hard_start = skbuf,
			.data_hard_end = skbuf + sizeof(skbuf),
		};
		struct bpfvm_region reg = { skbuf, sizeof(skbuf), true };
		BPFVM_OPTS(bpfvm_run_opts, ro, .regions = &reg, .n_regions = 1);
		r->err = bpfvm_prog__run(prog, &s, sizeof(s), &ro, &r0, &err);
		from = s.data, to = s.data_end;
	}
	if (r->err) {
		bpfvm_error__format(&err, msg, msg_size);
		return;
	}
	r->retval = (uint32_t)r0;
	r->size = (uint32_t)(to - from);
	memcpy(r->out, from, r->size < OUT_MAX ? r->size : OUT_MAX);
}

/* ------------------------------------------------------------------ */

static struct result kres, vres;

static int count_cases(const char *name)
{
	int n = 0;
	for (size_t i = 0; i < N_CASES; i++)
		n += !strcmp(cases[i].prog, name);
	return n;
}

static void compare_object(const char *path, enum bpfvm_engine engine)
{
	const char *ename = engine == BPFVM_ENGINE_JIT ? "jit" : "interpreter";
	struct bpf_object *kobj = bpf_object__open_file(path, NULL);
	if (!kobj || bpf_object__load(kobj)) {
		printf("%s: the kernel does not load it; skipped\n", path);
		bpf_object__close(kobj);
		skipped++;
		return;
	}
	struct bpfvm_error err;
	struct bpfvm_vm *vm = bpfvm_vm__new(NULL);
	BPFVM_OPTS(bpfvm_object_opts, oo, .engine = engine);
	struct bpfvm_object *obj = bpfvm_object__open_file(vm, path, &oo, &err);
	if (!obj || bpfvm_object__load(obj, &err)) {
		printf("MISMATCH %s (%s): bpfvm does not load it (%s)\n", path, ename, err.msg);
		failures++;
		goto out;
	}
	/* The devmap's slot 0 holds the loopback device on both sides. */
	struct bpf_map *kmap = bpf_object__find_map_by_name(kobj, "devmap");
	struct bpfvm_map *vmap = bpfvm_object__find_map(obj, "devmap");
	if (kmap && vmap) {
		uint32_t key = 0, lo = 1;
		if (bpf_map__update_elem(kmap, &key, 4, &lo, 4, BPF_ANY) ||
		    bpfvm_map__update(vmap, &key, &lo, BPFVM_ANY)) {
			printf("MISMATCH %s: cannot fill the devmap\n", path);
			failures++;
			goto out;
		}
	}
	struct bpf_program *kp;
	bpf_object__for_each_program(kp, kobj) {
		const char *name = bpf_program__name(kp);
		bool xdp = bpf_program__type(kp) == BPF_PROG_TYPE_XDP;
		struct bpfvm_prog *prog = bpfvm_object__find_prog(obj, name);
		if (!prog) {
			printf("MISMATCH %s %s: bpfvm has no such program\n", path, name);
			failures++;
			continue;
		}
		int before = failures, n = 0;
		for (size_t i = 0; i < N_CASES; i++) {
			const struct pcase *k = &cases[i];
			if (strcmp(k->prog, name))
				continue;
			uint8_t pkt[4096];
			size_t len = make_packet(k, pkt);
			char msg[BPFVM_ERR_MSG_MAX + BPFVM_ERR_FILE_MAX + 32] = "";
			kernel_run(bpf_program__fd(kp), xdp, pkt, len, &kres);
			bpfvm_run(prog, xdp, pkt, len, &vres, msg, sizeof(msg));
			compared++, n++;
			if (kres.err) {
				printf("%s %s case %zu: the kernel's test run fails (%s)\n", path, name,
				       i, strerror(-kres.err));
				failures++;
				continue;
			}
			if (vres.err || vres.retval != kres.retval || vres.size != kres.size ||
			    vres.metalen != kres.metalen || memcmp(vres.out, kres.out, vres.size)) {
				size_t at = 0;
				while (at < vres.size && at < kres.size && vres.out[at] == kres.out[at])
					at++;
				printf("MISMATCH %s %s (%s) case %zu (len %zu a %d b %d c %#x d %#x): "
				       "kernel 0x%x, %u bytes, meta %u; bpfvm %s 0x%x, %u bytes, meta %u; "
				       "first difference at byte %zu\n",
				       path, name, ename, i, len, k->a, k->b, k->c, k->d, kres.retval,
				       kres.size, kres.metalen, vres.err ? msg : "", vres.retval,
				       vres.size, vres.metalen, at);
				failures++;
			}
		}
		printf("%s %s (%s): %d cases, %s\n", path, name, ename, n,
		       failures == before ? "same as the kernel" : "see above");
		if (n != count_cases(name)) {
			printf("MISMATCH: %s has cases the object does not run\n", name);
			failures++;
		}
	}
out:
	bpfvm_object__close(obj);
	bpfvm_vm__free(vm);
	bpf_object__close(kobj);
}

int main(int argc, char **argv)
{
	if (!kernel_available())
		return SKIP;
	libbpf_set_print(silent);
	for (int i = 1; i < argc; i++) {
		compare_object(argv[i], BPFVM_ENGINE_INTERP);
		compare_object(argv[i], BPFVM_ENGINE_JIT);
	}
	printf("test_kernel_packet_helpers: %d runs compared, %d mismatches\n", compared, failures);
	return failures ? 1 : compared ? 0 : SKIP;
}
