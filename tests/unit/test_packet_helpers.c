/*
 * test_packet_helpers.c - the packet helpers (src/helpers/xdp.c, skb.c,
 * csum.c, skb_hash.c, redirect.c and pkt_ctx.c) with the kernel's
 * semantics.
 *
 * The clang-built programs of tests/programs/xdp_adjust.c and tc_skb.c are
 * loaded verified and run in buffers laid out as the kernel's
 * BPF_PROG_TEST_RUN lays them out (XDP: 256 bytes of headroom in a 4096-
 * byte frame whose last 320 bytes stay out of reach); each helper's
 * success and error returns are checked with the values the kernel gives
 * (tests/kernel/test_kernel_packet_helpers.c compares the same programs
 * against the running kernel). Raw instruction programs cover what a
 * verified program cannot reach: bad contexts and buffers, hosts that give
 * no buffer, metadata a driver does not support.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "bpfvm.h"
#include "check.h"
#include "insn_build.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ERR(n, e) ((n) * 0x1000u + (e)) /* the programs' error encoding */
#define FRAME BPFVM_XDP_FRAME_SIZE
#define XDP_LIMIT (FRAME - BPFVM_XDP_TAILROOM)

static struct bpfvm_vm *vm;
static struct bpfvm_object *xobj, *tobj;
static _Alignas(64) uint8_t frame[FRAME];
/* tc: as much room on each side as the kernel could make. */
#define SKB_ROOM (BPFVM_SKB_MAX_LEN + 64)
static _Alignas(64) uint8_t skbuf[2 * SKB_ROOM + 2048];

struct params {
	int32_t a, b;
	uint32_t c, d;
};

/* A patterned test frame, EtherType 0x88b5, with the programs' arguments
 * at bytes 14..30. */
static size_t make_pkt(uint8_t *p, size_t len, int32_t a, int32_t b, uint32_t c, uint32_t d)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + 3);
	p[12] = 0x88, p[13] = 0xb5;
	struct params prm = { a, b, c, d };
	if (len >= 30)
		memcpy(p + 14, &prm, sizeof(prm));
	return len;
}

static struct bpfvm_prog *prog(struct bpfvm_object *obj, const char *name)
{
	struct bpfvm_prog *p = bpfvm_object__find_prog(obj, name);
	if (!p)
		fprintf(stderr, "no program %s\n", name);
	CHECK(p);
	CHECK(bpfvm_prog__verified(p, NULL));
	return p;
}

/* Run an XDP program on pkt in the kernel's frame layout; the bytes
 * around the packet hold fill. Returns r0; *x is the context after. */
static uint64_t xdp_run(struct bpfvm_prog *p, const uint8_t *pkt, size_t len, uint8_t fill,
			struct bpfvm_xdp_ctx *x)
{
	memset(frame, fill, sizeof(frame));
	uint8_t *data = frame + BPFVM_XDP_HEADROOM;
	memcpy(data, pkt, len);
	*x = (struct bpfvm_xdp_ctx){
		.data = data, .data_end = data + len, .data_meta = data, .ingress_ifindex = 1,
		.data_hard_start = frame, .data_hard_end = frame + XDP_LIMIT,
	};
	struct bpfvm_region reg = { frame, XDP_LIMIT, true };
	BPFVM_OPTS(bpfvm_run_opts, ro, .regions = &reg, .n_regions = 1);
	struct bpfvm_error err;
	uint64_t r0 = ~0ull;
	int rc = bpfvm_prog__run(p, x, sizeof(*x), &ro, &r0, &err);
	if (rc)
		fprintf(stderr, "run %s: insn %ld: %s\n", bpfvm_prog__name(p), err.insn, err.msg);
	CHECK(rc == 0);
	return r0;
}

static uint64_t xdp_prog_run(const char *name, size_t len, int32_t a, int32_t b, uint32_t c,
			     uint32_t d, struct bpfvm_xdp_ctx *x)
{
	uint8_t pkt[4096];
	make_pkt(pkt, len, a, b, c, d);
	return xdp_run(prog(xobj, name), pkt, len, 0, x);
}

static uint32_t xlen(const struct bpfvm_xdp_ctx *x)
{
	return (uint32_t)((uint8_t *)x->data_end - (uint8_t *)x->data);
}

/* Run a tc program on pkt with SKB_ROOM bytes of room on both sides,
 * filled with fill. */
static uint64_t tc_run(struct bpfvm_prog *p, const uint8_t *pkt, size_t len, uint8_t fill,
		       uint32_t hash, struct bpfvm_skb_ctx *s)
{
	memset(skbuf, fill, sizeof(skbuf));
	uint8_t *data = skbuf + SKB_ROOM;
	memcpy(data, pkt, len);
	memset(s, 0, sizeof(*s));
	s->data = data, s->data_end = data + len, s->data_meta = data;
	s->len = (uint32_t)len, s->hash = hash;
	s->data_hard_start = skbuf, s->data_hard_end = skbuf + sizeof(skbuf);
	struct bpfvm_region reg = { skbuf, sizeof(skbuf), true };
	BPFVM_OPTS(bpfvm_run_opts, ro, .regions = &reg, .n_regions = 1);
	struct bpfvm_error err;
	uint64_t r0 = ~0ull;
	int rc = bpfvm_prog__run(p, s, sizeof(*s), &ro, &r0, &err);
	if (rc)
		fprintf(stderr, "run %s: insn %ld: %s\n", bpfvm_prog__name(p), err.insn, err.msg);
	CHECK(rc == 0);
	return r0;
}

static uint64_t tc_prog_run(const char *name, size_t len, int32_t a, int32_t b, uint32_t c,
			    uint32_t d, struct bpfvm_skb_ctx *s)
{
	uint8_t pkt[256];
	make_pkt(pkt, len, a, b, c, d);
	return tc_run(prog(tobj, name), pkt, len, 0xee, 0, s);
}

/* ------------------------------------------------------------------ */
/* XDP                                                                 */

static void test_xdp_head(void)
{
	struct bpfvm_xdp_ctx x;
	/* Down to the xdp_frame reserve: 256 - 40 = 216 bytes. */
	CHECK_EQ_U64(xdp_prog_run("xdp_head", 64, -216, 0, 0, 0, &x), 2);
	CHECK((uint8_t *)x.data == frame + BPFVM_XDP_FRAME_RESERVE);
	CHECK(x.data_meta == x.data);
	CHECK_EQ_U64(xlen(&x), 280);
	uint8_t *d = x.data;
	CHECK(d[0] == 0xa5 && d[1] == 0 && d[215] == 0 && d[216] == 3 && d[217] == 10);
	CHECK_EQ_U64(xdp_prog_run("xdp_head", 64, -217, 0, 0, 0, &x), ERR(1, EINVAL));
	CHECK((uint8_t *)x.data == frame + BPFVM_XDP_HEADROOM && xlen(&x) == 64);
	/* Up to an Ethernet header's worth. */
	CHECK_EQ_U64(xdp_prog_run("xdp_head", 64, 50, 0, 0, 0, &x), 2);
	CHECK_EQ_U64(xlen(&x), 14);
	CHECK_EQ_U64(xdp_prog_run("xdp_head", 64, 51, 0, 0, 0, &x), ERR(1, EINVAL));
	CHECK_EQ_U64(xdp_prog_run("xdp_head", 64, 0, 0, 0, 0, &x), 2);
	CHECK_EQ_U64(xdp_prog_run("xdp_head", 29, 0, 0, 0, 0, &x), 99); /* no arguments */
}

static void test_xdp_meta(void)
{
	struct bpfvm_xdp_ctx x;
	CHECK_EQ_U64(xdp_prog_run("xdp_meta", 64, -4, 0, 0, 0, &x), 2);
	CHECK((uint8_t *)x.data - (uint8_t *)x.data_meta == 4);
	uint32_t w;
	memcpy(&w, x.data_meta, 4);
	CHECK_EQ_U64(w, 0x11223344);
	/* 36 bytes: more than the 32 of kernels before 6.x's u8 meta_len,
	 * then the head moves 8 bytes down and the metadata with it. */
	CHECK_EQ_U64(xdp_prog_run("xdp_meta", 64, -36, -8, 0, 0, &x), 2);
	CHECK((uint8_t *)x.data - (uint8_t *)x.data_meta == 36);
	CHECK((uint8_t *)x.data == frame + BPFVM_XDP_HEADROOM - 8 && xlen(&x) == 72);
	memcpy(&w, x.data_meta, 4);
	CHECK_EQ_U64(w, 0x11223344);
	CHECK_EQ_U64(xdp_prog_run("xdp_meta", 64, -3, 0, 0, 0, &x), ERR(1, EACCES));
	CHECK(x.data_meta == x.data);
	CHECK_EQ_U64(xdp_prog_run("xdp_meta", 64, 4, 0, 0, 0, &x), ERR(1, EINVAL));
	CHECK_EQ_U64(xdp_prog_run("xdp_meta", 64, -220, 0, 0, 0, &x), ERR(1, EINVAL));
	/* 216 bytes of metadata fill the headroom: data cannot move down. */
	CHECK_EQ_U64(xdp_prog_run("xdp_meta", 64, -216, -4, 0, 0, &x), ERR(2, EINVAL));
	CHECK_EQ_U64(xdp_prog_run("xdp_meta", 64, -216, 4, 0, 0, &x), 2);
	CHECK((uint8_t *)x.data_meta == frame + BPFVM_XDP_FRAME_RESERVE + 4);
}

static void test_xdp_tail(void)
{
	struct bpfvm_xdp_ctx x;
	CHECK_EQ_U64(xdp_prog_run("xdp_tail", 64, -50, 0, 0, 0, &x), 14);
	CHECK_EQ_U64(xdp_prog_run("xdp_tail", 64, -51, 0, 0, 0, &x), ERR(1, EINVAL));
	CHECK_EQ_U64(xlen(&x), 64);
	/* Up to 4096 - 256 - 320 = 3520 bytes. */
	CHECK_EQ_U64(xdp_prog_run("xdp_tail", 64, 3456, 0, 0, 0, &x), 3520);
	CHECK((uint8_t *)x.data_end == frame + XDP_LIMIT);
	CHECK_EQ_U64(xdp_prog_run("xdp_tail", 64, 3457, 0, 0, 0, &x), ERR(1, EINVAL));
	CHECK_EQ_U64(xdp_prog_run("xdp_tail", 64, INT32_MIN, 0, 0, 0, &x), ERR(1, EINVAL));
	/* Grown bytes read as zeros, whatever the buffer held. */
	uint8_t pkt[64];
	make_pkt(pkt, 64, 100, 0, 0, 0);
	CHECK_EQ_U64(xdp_run(prog(xobj, "xdp_tail"), pkt, 64, 0xee, &x), 164);
	const uint8_t *d = x.data;
	for (int i = 64; i < 164; i++)
		CHECK(d[i] == 0);
	CHECK(d[164] == 0xee);
}

static void test_xdp_bytes(void)
{
	struct bpfvm_xdp_ctx x;
	uint8_t pkt[64];
	make_pkt(pkt, 64, 0, 0, 0, 40);
	CHECK_EQ_U64(xdp_prog_run("xdp_bytes", 64, 0, 0, 0, 40, &x), 64);
	const uint8_t *d = x.data;
	for (int i = 0; i < 8; i++)
		CHECK((d[40 + i] ^ pkt[i]) == 0xff);
	CHECK(d[48] == pkt[48]);
	/* Both ends exactly at the packet's end. */
	CHECK_EQ_U64(xdp_prog_run("xdp_bytes", 64, 0, 0, 48, 56, &x), 64);
	CHECK_EQ_U64(xdp_prog_run("xdp_bytes", 64, 0, 0, 49, 0, &x), ERR(1, EINVAL));
	CHECK_EQ_U64(xdp_prog_run("xdp_bytes", 64, 0, 0, 0x10000, 0, &x), ERR(1, EFAULT));
	CHECK_EQ_U64(xdp_prog_run("xdp_bytes", 64, 0, 0, 0xffff, 0, &x), ERR(1, EINVAL));
	CHECK_EQ_U64(xdp_prog_run("xdp_bytes", 64, 0, 0, 0, 57, &x), ERR(2, EINVAL));
	CHECK_EQ_U64(xdp_prog_run("xdp_bytes", 64, 0, 0, 0, 0xffffffff, &x), ERR(2, EFAULT));
	/* Packet pointers survive bpf_xdp_store_bytes (it moves nothing). */
	CHECK_EQ_U64(xdp_prog_run("xdp_keep", 64, 0, 0, 18, 0, &x), 0xbe);
	CHECK_EQ_U64(xdp_prog_run("xdp_keep", 64, 0, 0, 61, 0, &x), ERR(1, EINVAL));
}

static void test_xdp_redirect(struct bpfvm_map *devmap)
{
	struct bpfvm_xdp_ctx x;
	CHECK_EQ_U64(xdp_prog_run("xdp_redirect", 64, 0, 0, 7, 0, &x), 4);
	CHECK(x.redirect_map == NULL && x.redirect_ifindex == 7 && x.redirect_flags == 0);
	CHECK_EQ_U64(xdp_prog_run("xdp_redirect", 64, 1, 0, 7, 0, &x), 0); /* any flag */
	CHECK(x.redirect_ifindex == 0);

	/* devmap slot 0 holds ifindex 5; slot 1 is empty. */
	CHECK_EQ_U64(xdp_prog_run("xdp_redirect_map", 64, 0, 0, 0, 0, &x), 4);
	CHECK(x.redirect_map == devmap && x.redirect_key == 0 && x.redirect_ifindex == 5 &&
	      x.redirect_flags == 0);
	CHECK_EQ_U64(xdp_prog_run("xdp_redirect_map", 64, 0, 0, 1, 2, &x), 2); /* fallback */
	CHECK(x.redirect_map == NULL);
	CHECK_EQ_U64(xdp_prog_run("xdp_redirect_map", 64, 0, 0, 9, 1, &x), 1);
	CHECK_EQ_U64(xdp_prog_run("xdp_redirect_map", 64, 0, 0, 0, 1u << 5, &x), 0);
	/* BPF_F_BROADCAST redirects from an empty slot too, and is kept. */
	CHECK_EQ_U64(xdp_prog_run("xdp_redirect_map", 64, 0, 0, 1, 1u << 3, &x), 4);
	CHECK(x.redirect_map == devmap && x.redirect_key == 1 && x.redirect_flags == 8 &&
	      x.redirect_ifindex == 0);
	CHECK_EQ_U64(xdp_prog_run("xdp_redirect_map", 64, 0, 0, 0, 1u << 4, &x), 4);
	CHECK(x.redirect_flags == 0);
}

/* ------------------------------------------------------------------ */
/* tc                                                                  */

static void test_tc_bytes(void)
{
	struct bpfvm_skb_ctx s;
	uint8_t pkt[64];
	make_pkt(pkt, 64, 0, 0, 0, 40);
	CHECK_EQ_U64(tc_prog_run("tc_bytes", 64, 0, 0, 0, 40, &s), 1);
	const uint8_t *d = s.data;
	for (int i = 0; i < 8; i++)
		CHECK((d[40 + i] ^ pkt[i]) == 0xff);
	/* BPF_F_INVALIDATE_HASH clears the hash; without it, it stays. */
	make_pkt(pkt, 64, 0, 0, 0, 40);
	CHECK_EQ_U64(tc_run(prog(tobj, "tc_bytes"), pkt, 64, 0, 0x1234, &s), 0x1235);
	make_pkt(pkt, 64, 2, 0, 0, 40);
	CHECK_EQ_U64(tc_run(prog(tobj, "tc_bytes"), pkt, 64, 0, 0x1234, &s), 1);
	CHECK(s.hash == 0);
	CHECK_EQ_U64(tc_prog_run("tc_bytes", 64, 1, 0, 0, 56, &s), 1); /* RECOMPUTE_CSUM */
	CHECK_EQ_U64(tc_prog_run("tc_bytes", 64, 0, 0, 57, 0, &s), ERR(1, EFAULT));
	CHECK_EQ_U64(tc_prog_run("tc_bytes", 64, 0, 0, 0x80000000u, 0, &s), ERR(1, EFAULT));
	CHECK_EQ_U64(tc_prog_run("tc_bytes", 64, 0, 0, 0, 57, &s), ERR(2, EFAULT));
	CHECK_EQ_U64(tc_prog_run("tc_bytes", 64, 4, 0, 0, 0, &s), ERR(2, EINVAL));
}

/* The one's complement sum of [p, p + n), folded: 0xffff when the
 * checksum inside is right. */
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

/* A 20-byte "header" at 30..50 whose checksum (at 40) is right. */
static void csum_pkt(uint8_t *p)
{
	p[40] = p[41] = 0;
	uint16_t c = (uint16_t)~ones_sum(p + 30, 20, 0);
	p[40] = (uint8_t)(c >> 8), p[41] = (uint8_t)c;
}

static void test_tc_csum(void)
{
	struct bpfvm_skb_ctx s;
	uint8_t pkt[64];
	for (int l4 = 0; l4 < 2; l4++) {
		const char *name = l4 ? "tc_l4" : "tc_l3";
		/* A 4-byte field at 32 and a 2-byte one at 46 change; the
		 * helper fixes the checksum, the test writes the field. */
		for (int field = 2; field <= 4; field += 2) {
			unsigned at = field == 4 ? 32 : 46;
			uint32_t from = 0, to = field == 4 ? 0x0a000063 : 0xbeef;
			make_pkt(pkt, 64, 0, (int32_t)to, 40, (uint32_t)field | (l4 ? 0x10u : 0));
			csum_pkt(pkt);
			memcpy(&from, pkt + at, (size_t)field);
			memcpy(pkt + 14, &from, 4); /* params.a */
			CHECK_EQ_U64(ones_sum(pkt + 30, 20, 0), 0xffff);
			CHECK_EQ_U64(tc_run(prog(tobj, name), pkt, 64, 0, 0, &s), 0);
			uint8_t *d = s.data;
			memcpy(d + at, &to, (size_t)field);
			CHECK_EQ_U64(ones_sum(d + 30, 20, 0), 0xffff);
		}
		CHECK_EQ_U64(tc_prog_run(name, 64, 0, 0, 41, 2, &s), ERR(1, EFAULT)); /* odd */
		CHECK_EQ_U64(tc_prog_run(name, 64, 0, 0, 62, 2, &s), 0);
		CHECK_EQ_U64(tc_prog_run(name, 64, 0, 0, 64, 2, &s), ERR(1, EFAULT));
		CHECK_EQ_U64(tc_prog_run(name, 64, 0, 0, 0x10000, 2, &s), ERR(1, EFAULT));
		CHECK_EQ_U64(tc_prog_run(name, 64, 0, 0, 40, 3, &s), ERR(1, EINVAL));
		CHECK_EQ_U64(tc_prog_run(name, 64, 1, 0, 40, 0, &s), ERR(1, EINVAL)); /* from != 0 */
		CHECK_EQ_U64(tc_prog_run(name, 64, 0, 0x1234, 40, 0, &s), 0);         /* a diff */
		CHECK_EQ_U64(tc_prog_run(name, 64, 0, 0, 40, 0x100, &s), ERR(1, EINVAL));
	}
	/* Flags only l4 knows. */
	CHECK_EQ_U64(tc_prog_run("tc_l3", 64, 0, 0, 40, 0x12, &s), ERR(1, EINVAL));
	CHECK_EQ_U64(tc_prog_run("tc_l4", 64, 0, 0, 40, 0x92, &s), 0); /* BPF_F_IPV6 */
	/* BPF_F_MARK_MANGLED_0: a zero checksum stays zero... */
	make_pkt(pkt, 64, 0x1111, 0x2222, 40, 0x20 | 4);
	pkt[40] = pkt[41] = 0;
	CHECK_EQ_U64(tc_run(prog(tobj, "tc_l4"), pkt, 64, 0, 0, &s), 0);
	CHECK(((uint8_t *)s.data)[40] == 0 && ((uint8_t *)s.data)[41] == 0);
	/* ...unless BPF_F_MARK_ENFORCE, and a result of 0 is written 0xffff. */
	make_pkt(pkt, 64, 0x1111, 0x1111, 40, 0x60 | 4);
	pkt[40] = pkt[41] = 0;
	CHECK_EQ_U64(tc_run(prog(tobj, "tc_l4"), pkt, 64, 0, 0, &s), 0);
	CHECK(((uint8_t *)s.data)[40] == 0xff && ((uint8_t *)s.data)[41] == 0xff);
}

static void test_tc_len(void)
{
	struct bpfvm_skb_ctx s;
	CHECK_EQ_U64(tc_prog_run("tc_pull", 64, 0, 0, 0, 0, &s), 64);
	CHECK_EQ_U64(tc_prog_run("tc_pull", 64, 0, 0, 64, 0, &s), 64);
	CHECK_EQ_U64(tc_prog_run("tc_pull", 64, 0, 0, 65, 0, &s), ERR(1, ENOMEM));

	CHECK_EQ_U64(tc_prog_run("tc_tail", 64, 0, 0, 30, 0, &s), 30);
	CHECK(s.len == 30 && (uint8_t *)s.data_end - (uint8_t *)s.data == 30);
	CHECK(((uint8_t *)s.data)[14] == 0x5a);
	CHECK_EQ_U64(tc_prog_run("tc_tail", 64, 0, 0, 14, 0, &s), 14);
	CHECK_EQ_U64(tc_prog_run("tc_tail", 64, 0, 0, 13, 0, &s), ERR(1, EINVAL));
	CHECK_EQ_U64(tc_prog_run("tc_tail", 64, 0, 0, 100, 0, &s), 100);
	const uint8_t *d = s.data;
	for (int i = 64; i < 100; i++)
		CHECK(d[i] == 0); /* grown: zeros, not the buffer's 0xee */
	CHECK_EQ_U64(tc_prog_run("tc_tail", 64, 0, 0, BPFVM_SKB_MAX_LEN, 0, &s), BPFVM_SKB_MAX_LEN);
	CHECK_EQ_U64(tc_prog_run("tc_tail", 64, 0, 0, BPFVM_SKB_MAX_LEN + 1, 0, &s),
		     ERR(1, EINVAL));
	CHECK_EQ_U64(tc_prog_run("tc_tail", 64, 0, 0, 64, 1, &s), ERR(1, EINVAL));

	CHECK_EQ_U64(tc_prog_run("tc_head", 64, 0, 0, 0, 0, &s), 64);
	CHECK_EQ_U64(tc_prog_run("tc_head", 64, 0, 0, 14, 0, &s), 78);
	d = s.data;
	CHECK(d[0] == 0xa5 && d[1] == 0 && d[13] == 0 && d[14] == 3);
	CHECK(s.data_meta == s.data && s.len == 78);
	CHECK_EQ_U64(tc_prog_run("tc_head", 64, 0, 0, BPFVM_SKB_MAX_LEN - 64, 0, &s),
		     BPFVM_SKB_MAX_LEN);
	CHECK_EQ_U64(tc_prog_run("tc_head", 64, 0, 0, BPFVM_SKB_MAX_LEN - 63, 0, &s),
		     ERR(1, EINVAL));
	CHECK_EQ_U64(tc_prog_run("tc_head", 64, 0, 0, 0xffffffff, 0, &s), ERR(1, EINVAL));
	CHECK_EQ_U64(tc_prog_run("tc_head", 64, 0, 0, 4, 1, &s), ERR(1, EINVAL));
}

static void test_tc_redirect_hash(void)
{
	struct bpfvm_skb_ctx s;
	CHECK_EQ_U64(tc_prog_run("tc_redirect", 64, 1, 0, 9, 0, &s), BPFVM_TC_ACT_REDIRECT);
	CHECK(s.redirect_ifindex == 9 && s.redirect_flags == 1);
	CHECK_EQ_U64(tc_prog_run("tc_redirect", 64, 2, 0, 9, 0, &s), BPFVM_TC_ACT_SHOT);
	CHECK(s.redirect_ifindex == 0);
	CHECK_EQ_U64(tc_prog_run("tc_hash", 64, 0, 0, 0x1234, 0, &s), 63);
}

/* Ethernet + IPv4 (+ TCP or UDP) with right checksums. */
static size_t ip_pkt(uint8_t *p, uint8_t proto, bool zero_udp_csum)
{
	size_t l4len = proto == 6 ? 20 : 8, len = 14 + 20 + l4len + 6;
	memset(p, 0, len);
	p[12] = 0x08;
	uint8_t *ip = p + 14, *l4 = ip + 20;
	ip[0] = 0x45;
	ip[3] = (uint8_t)(len - 14);
	ip[8] = 64, ip[9] = proto;
	memcpy(ip + 12, "\xc0\xa8\x01\x02\xc0\xa8\x01\x03", 8);
	uint16_t c = (uint16_t)~ones_sum(ip, 20, 0);
	ip[10] = (uint8_t)(c >> 8), ip[11] = (uint8_t)c;
	l4[0] = 0x30, l4[1] = 0x39, l4[3] = 80;
	if (proto == 6)
		l4[12] = 0x50;
	else
		l4[5] = (uint8_t)(l4len + 6);
	memcpy(l4 + l4len, "hello!", 6);
	if (!zero_udp_csum) {
		size_t n = l4len + 6;
		uint32_t pseudo = ones_sum(ip + 12, 8, 0) + proto + (uint32_t)n;
		c = (uint16_t)~ones_sum(l4, n, pseudo);
		unsigned at = proto == 6 ? 16 : 6;
		l4[at] = (uint8_t)(c >> 8), l4[at + 1] = (uint8_t)c;
	}
	return len;
}

static void test_tc_nat(void)
{
	struct bpfvm_skb_ctx s;
	uint8_t pkt[128];
	for (int proto = 6; proto <= 17; proto += 11) {
		size_t len = ip_pkt(pkt, (uint8_t)proto, false);
		CHECK_EQ_U64(tc_run(prog(tobj, "tc_nat"), pkt, len, 0, 0, &s), BPFVM_TC_ACT_OK);
		const uint8_t *ip = (uint8_t *)s.data + 14, *l4 = ip + 20;
		CHECK(!memcmp(ip + 16, "\x0a\x00\x00\x63", 4));
		CHECK_EQ_U64(ones_sum(ip, 20, 0), 0xffff);
		size_t n = len - 34;
		uint32_t pseudo = ones_sum(ip + 12, 8, 0) + (uint32_t)proto + (uint32_t)n;
		CHECK_EQ_U64(ones_sum(l4, n, pseudo), 0xffff);
	}
	/* UDP without a checksum keeps none (BPF_F_MARK_MANGLED_0). */
	size_t len = ip_pkt(pkt, 17, true);
	CHECK_EQ_U64(tc_run(prog(tobj, "tc_nat"), pkt, len, 0, 0, &s), BPFVM_TC_ACT_OK);
	CHECK(((uint8_t *)s.data)[40] == 0 && ((uint8_t *)s.data)[41] == 0);
	/* Truncated before the TCP checksum: the l4 helper says -EFAULT. */
	len = ip_pkt(pkt, 6, false);
	CHECK_EQ_U64(tc_run(prog(tobj, "tc_nat"), pkt, 50, 0, 0, &s), ERR(1, EFAULT));
}

/* ------------------------------------------------------------------ */
/* Raw programs: what verified programs cannot reach                   */

static struct bpfvm_prog *raw(const struct bpfvm_insn *insns, size_t n, uint32_t type)
{
	struct bpfvm_prog *p = NULL;
	struct bpfvm_error err;
	/* the helpers' own checks are under test: no verifier in front */
	BPFVM_OPTS(bpfvm_load_opts, lo, .prog_type = type, .unverified = true);
	CHECK(bpfvm_prog__load(vm, insns, n, &lo, &p, &err) == 0);
	return p;
}

/* r0 = helper(r1 = ctx, r2 = arg). */
static struct bpfvm_prog *call1(int helper, int32_t arg, uint32_t type)
{
	struct bpfvm_insn insns[] = { I_MOV64_IMM(2, arg), I_CALL(helper), I_EXIT() };
	return raw(insns, ARRAY_SIZE(insns), type);
}

static int run_raw(struct bpfvm_prog *p, void *ctx, size_t size, struct bpfvm_region *reg,
		   uint64_t *r0, struct bpfvm_error *err)
{
	BPFVM_OPTS(bpfvm_run_opts, ro, .regions = reg, .n_regions = reg ? 1 : 0);
	return bpfvm_prog__run(p, ctx, size, &ro, r0, err);
}

static void test_bad_contexts(void)
{
	struct bpfvm_error err;
	uint64_t r0;
	uint8_t *data = frame + BPFVM_XDP_HEADROOM;
	memset(frame, 0, sizeof(frame));
	struct bpfvm_xdp_ctx x = {
		.data = data, .data_end = data + 64, .data_meta = data,
		.data_hard_start = frame, .data_hard_end = frame + XDP_LIMIT,
	};
	struct bpfvm_region whole = { frame, XDP_LIMIT, true };

	/* r1 must be the run's context. */
	struct bpfvm_insn not_ctx[] = {
		I_MOV64_REG(1, 10), I_MOV64_IMM(2, 0), I_CALL(44), I_EXIT(),
	};
	struct bpfvm_prog *p = raw(not_ctx, ARRAY_SIZE(not_ctx), 6);
	CHECK(run_raw(p, &x, sizeof(x), &whole, &r0, &err) == -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "bpf_xdp_adjust_head: r1");
	CHECK_STR_CONTAINS(err.msg, "is not the run's context");
	CHECK(err.insn == 2);
	bpfvm_prog__free(p);

	/* An XDP helper in a tc program. */
	p = call1(44, 0, 3);
	struct bpfvm_skb_ctx s = { 0 };
	CHECK(run_raw(p, &s, sizeof(s), NULL, &r0, &err) == -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "has no struct xdp_md");
	bpfvm_prog__free(p);

	/* A context smaller than the real one is no context. */
	p = call1(44, 0, 6);
	CHECK(run_raw(p, &x, 24, &whole, &r0, &err) == -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "is not the run's context");

	/* The buffer must be run memory: here only the packet is. */
	struct bpfvm_region pkt_only = { data, 64, true };
	CHECK(run_raw(p, &x, sizeof(x), &pkt_only, &r0, &err) == -EFAULT);
	CHECK_STR_CONTAINS(err.msg, "is not writable run memory");
	struct bpfvm_region ro_buf = { frame, XDP_LIMIT, false };
	CHECK(run_raw(p, &x, sizeof(x), &ro_buf, &r0, &err) == -EFAULT);

	/* Pointers out of order. */
	x.data_end = data - 1;
	CHECK(run_raw(p, &x, sizeof(x), &whole, &r0, &err) == -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "out of order");
	x.data_end = data + 64;
	x.data_hard_end = data + 10;
	CHECK(run_raw(p, &x, sizeof(x), &whole, &r0, &err) == -EINVAL);
	x.data_hard_end = frame + XDP_LIMIT;
	CHECK(run_raw(p, &x, sizeof(x), &whole, &r0, &err) == 0 && r0 == 0);
	bpfvm_prog__free(p);

	/* The socket filter's skb_load_bytes with no packet: -EFAULT, zeroed. */
	struct bpfvm_insn load[] = {
		I_ST(BI_DW, 10, -8, -1), I_MOV64_IMM(2, 0), I_MOV64_REG(3, 10),
		I_ALU64_IMM(BI_ADD, 3, -8), I_MOV64_IMM(4, 8), I_CALL(26),
		I_LDX(BI_DW, 1, 10, -8), I_ALU64_REG(BI_ADD, 0, 1), I_EXIT(),
	};
	p = raw(load, ARRAY_SIZE(load), 1);
	CHECK(run_raw(p, &s, sizeof(s), NULL, &r0, &err) == 0);
	CHECK_EQ_U64(r0, (uint64_t)-EFAULT);
	bpfvm_prog__free(p);
}

/* Hosts that give no buffer (data_hard_start/end 0): the packet can shrink
 * but not grow. */
static void test_no_buffer(void)
{
	struct bpfvm_error err;
	uint64_t r0;
	uint8_t *data = frame + BPFVM_XDP_HEADROOM;
	struct bpfvm_region reg = { frame, FRAME, true };
	struct bpfvm_xdp_ctx x = { .data = data, .data_end = data + 64, .data_meta = data };
	struct { int helper, arg; int64_t ret; } cases[] = {
		{ 44, -1, -EINVAL }, { 44, 1, 0 }, { 65, 1, -EINVAL }, { 65, -1, 0 },
		{ 54, -4, -EINVAL }, { 188, 0, 62 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct bpfvm_prog *p = call1(cases[i].helper, cases[i].arg, 6);
		CHECK(run_raw(p, &x, sizeof(x), &reg, &r0, &err) == 0);
		CHECK_EQ_U64(r0, (uint64_t)cases[i].ret);
		bpfvm_prog__free(p);
	}
	CHECK((uint8_t *)x.data == data + 1 && (uint8_t *)x.data_end == data + 63);
}

/* Metadata: a driver without support (data_meta = data + 1), and the
 * 255-byte limit, which the kernel's 256-byte headroom never reaches. */
static void test_meta_limits(void)
{
	struct bpfvm_error err;
	uint64_t r0;
	uint8_t *data = frame + 512;
	struct bpfvm_region reg = { frame, FRAME, true };
	struct bpfvm_xdp_ctx x = {
		.data = data, .data_end = data + 64, .data_meta = data + 1,
		.data_hard_start = frame, .data_hard_end = frame + FRAME,
	};
	struct bpfvm_prog *meta = call1(54, -4, 6), *head = call1(44, -8, 6);
	CHECK(run_raw(meta, &x, sizeof(x), &reg, &r0, &err) == 0);
	CHECK_EQ_U64(r0, (uint64_t)-524); /* ENOTSUPP */
	CHECK(run_raw(head, &x, sizeof(x), &reg, &r0, &err) == 0 && r0 == 0);
	CHECK((uint8_t *)x.data == data - 8 && (uint8_t *)x.data_meta == data - 7);
	bpfvm_prog__free(meta);
	bpfvm_prog__free(head);

	x.data = x.data_meta = data;
	meta = call1(54, -252, 6);
	CHECK(run_raw(meta, &x, sizeof(x), &reg, &r0, &err) == 0 && r0 == 0);
	bpfvm_prog__free(meta);
	x.data_meta = data;
	meta = call1(54, -256, 6);
	CHECK(run_raw(meta, &x, sizeof(x), &reg, &r0, &err) == 0);
	CHECK_EQ_U64(r0, (uint64_t)-EACCES);
	bpfvm_prog__free(meta);
}

/* An skb without room: the kernel would reallocate, bpfvm says -ENOMEM. */
static void test_skb_no_room(void)
{
	struct bpfvm_error err;
	uint64_t r0;
	uint8_t *data = skbuf + 8;
	struct bpfvm_region reg = { skbuf, 80, true };
	struct bpfvm_skb_ctx s = {
		.data = data, .data_end = data + 64, .data_meta = data, .len = 64,
		.data_hard_start = skbuf, .data_hard_end = skbuf + 80,
	};
	struct bpfvm_insn tail[] = {
		I_MOV64_IMM(2, 73), I_MOV64_IMM(3, 0), I_CALL(38), I_EXIT(),
	};
	struct bpfvm_insn head[] = {
		I_MOV64_IMM(2, 9), I_MOV64_IMM(3, 0), I_CALL(43), I_EXIT(),
	};
	struct bpfvm_prog *pt = raw(tail, ARRAY_SIZE(tail), 3), *ph = raw(head, ARRAY_SIZE(head), 3);
	CHECK(run_raw(pt, &s, sizeof(s), &reg, &r0, &err) == 0);
	CHECK_EQ_U64(r0, (uint64_t)-ENOMEM);
	CHECK(run_raw(ph, &s, sizeof(s), &reg, &r0, &err) == 0);
	CHECK_EQ_U64(r0, (uint64_t)-ENOMEM);
	CHECK(s.len == 64 && s.data == data);
	bpfvm_prog__free(pt);
	bpfvm_prog__free(ph);
}

/* The flow hash: non-zero, stored, the same both ways. */
static void test_hash(void)
{
	struct bpfvm_error err;
	uint64_t h[2];
	struct bpfvm_insn recalc[] = { I_CALL(34), I_EXIT() };
	struct bpfvm_prog *p = raw(recalc, ARRAY_SIZE(recalc), 3);
	for (int dir = 0; dir < 2; dir++) {
		uint8_t pkt[128];
		size_t len = ip_pkt(pkt, 6, false);
		if (dir) { /* swap addresses and ports */
			uint8_t t[4];
			memcpy(t, pkt + 26, 4), memcpy(pkt + 26, pkt + 30, 4), memcpy(pkt + 30, t, 4);
			memcpy(t, pkt + 34, 2), memcpy(pkt + 34, pkt + 36, 2), memcpy(pkt + 36, t, 2);
		}
		memcpy(skbuf, pkt, len);
		struct bpfvm_skb_ctx s = { .data = skbuf, .data_end = skbuf + len,
					   .data_meta = skbuf, .len = (uint32_t)len };
		struct bpfvm_region reg = { skbuf, len, true };
		CHECK(run_raw(p, &s, sizeof(s), &reg, &h[dir], &err) == 0);
		CHECK(h[dir] != 0 && s.hash == h[dir]);
	}
	CHECK(h[0] == h[1]);
	bpfvm_prog__free(p);
}

/* bpf_redirect in a program with no context to record in (a raw run). */
static void test_redirect_raw(void)
{
	struct bpfvm_error err;
	uint64_t r0;
	struct bpfvm_insn insns[] = {
		I_MOV64_IMM(1, 3), I_MOV64_IMM(2, 0), I_CALL(23), I_EXIT(),
	};
	struct bpfvm_prog *p = raw(insns, ARRAY_SIZE(insns), 0);
	CHECK(run_raw(p, NULL, 0, NULL, &r0, &err) == 0 && r0 == 4);
	bpfvm_prog__free(p);
}

/* Which program types may call which packet helpers, as the kernel's
 * *_func_proto: socket filters only load bytes; xdp_get_buff_len is XDP's. */
static void test_allowed(void)
{
	struct bpfvm_error err;
	struct bpfvm_prog *p = NULL;
	struct bpfvm_insn store[] = {
		I_ST(BI_DW, 10, -8, 0), I_MOV64_IMM(2, 0), I_MOV64_REG(3, 10),
		I_ALU64_IMM(BI_ADD, 3, -8), I_MOV64_IMM(4, 8), I_MOV64_IMM(5, 0),
		I_CALL(9), I_EXIT(),
	};
	BPFVM_OPTS(bpfvm_load_opts, sf, .prog_type = 1);
	CHECK(bpfvm_prog__load(vm, store, ARRAY_SIZE(store), &sf, &p, &err) == -EACCES);
	CHECK_STR_CONTAINS(err.msg, "cannot call bpf_skb_store_bytes");
	store[6] = (struct bpfvm_insn)I_CALL(26); /* skb_load_bytes: allowed */
	CHECK(bpfvm_prog__load(vm, store, ARRAY_SIZE(store), &sf, &p, &err) == 0);
	bpfvm_prog__free(p);
	struct bpfvm_insn len[] = { I_CALL(188), I_EXIT() };
	BPFVM_OPTS(bpfvm_load_opts, tc, .prog_type = 3);
	CHECK(bpfvm_prog__load(vm, len, ARRAY_SIZE(len), &tc, &p, &err) == -EACCES);
	CHECK_STR_CONTAINS(err.msg, "cannot call bpf_xdp_get_buff_len");
}

int main(void)
{
	struct bpfvm_error err;
	vm = bpfvm_vm__new(NULL);
	CHECK(vm);
	BPFVM_OPTS(bpfvm_object_opts, oo);
	xobj = bpfvm_object__open_file(vm, BPFVM_PROGRAMS_DIR "/xdp_adjust.o", &oo, &err);
	if (!xobj || bpfvm_object__load(xobj, &err))
		fprintf(stderr, "xdp_adjust.o: %s\n", err.msg);
	CHECK(xobj);
	tobj = bpfvm_object__open_file(vm, BPFVM_PROGRAMS_DIR "/tc_skb.o", &oo, &err);
	if (!tobj || bpfvm_object__load(tobj, &err))
		fprintf(stderr, "tc_skb.o: %s\n", err.msg);
	CHECK(tobj);
	struct bpfvm_map *devmap = bpfvm_object__find_map(xobj, "devmap");
	CHECK(devmap);
	uint32_t k0 = 0, ifindex = 5;
	CHECK(bpfvm_map__update(devmap, &k0, &ifindex, BPFVM_ANY) == 0);

	test_xdp_head();
	test_xdp_meta();
	test_xdp_tail();
	test_xdp_bytes();
	test_xdp_redirect(devmap);
	test_tc_bytes();
	test_tc_csum();
	test_tc_len();
	test_tc_redirect_hash();
	test_tc_nat();
	test_bad_contexts();
	test_no_buffer();
	test_meta_limits();
	test_skb_no_room();
	test_hash();
	test_redirect_raw();
	test_allowed();

	bpfvm_object__close(xobj);
	bpfvm_object__close(tobj);
	bpfvm_vm__free(vm);
	CHECK_DONE();
}
