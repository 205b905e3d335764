/*
 * skb_hash.c - the skb flow hash: bpf_get_hash_recalc, bpf_set_hash and
 * bpf_set_hash_invalid, on the context's hash field.
 *
 * The kernel keeps skb->hash with "valid" bits (sw_hash, l4_hash); bpfvm's
 * context has the value and hash_set, the bit bpf_set_hash sets: without
 * it, 0 means "not computed", so a hash of 0 set by the program is kept, as
 * the kernel keeps it.
 *
 * The kernel computes a missing hash with its flow dissector, keyed by a
 * random per-boot secret, so no two kernels agree on the value; what
 * programs may rely on is that it is non-zero, the same for every packet
 * of a flow, and the same in both directions (__flow_hash_consistentify).
 * bpfvm keeps those properties with a fixed key, so runs are repeatable:
 * the flow is the addresses, protocol and (for TCP, UDP, UDP-Lite, SCTP
 * and DCCP first fragments) ports of IPv4 or IPv6 behind up to two VLAN
 * tags; other frames hash their EtherType.
 */
#include <string.h>

#include "helpers_impl.h"

struct flow {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint16_t proto;      /* EtherType, host order */
	uint8_t l4;          /* IP protocol */
	uint8_t addr_len;    /* 4, 16, or 0 for a non-IP frame */
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool has_ports(uint8_t l4)
{
	return l4 == 6 || l4 == 17 || l4 == 136 || l4 == 132 || l4 == 33;
}

/* Read the flow of the len bytes at p. */
static void dissect(const uint8_t *p, uint64_t len, struct flow *f)
{
	memset(f, 0, sizeof(*f));
	if (len < PKT_ETH_HLEN)
		return;
	uint64_t off = 12;
	f->proto = be16(p + off);
	for (int tags = 0; tags < 2 && (f->proto == 0x8100 || f->proto == 0x88a8); tags++) {
		if (off + 6 > len)
			return;
		off += 4;
		f->proto = be16(p + off);
	}
	off += 2;
	uint64_t l4off;
	if (f->proto == 0x0800 && off + 20 <= len && (p[off] >> 4) == 4) {
		f->addr_len = 4;
		f->l4 = p[off + 9];
		memcpy(f->src, p + off + 12, 4);
		memcpy(f->dst, p + off + 16, 4);
		if (be16(p + off + 6) & 0x1fff) /* not a first fragment: no ports */
			return;
		l4off = off + (uint64_t)(p[off] & 0xf) * 4;
	} else if (f->proto == 0x86dd && off + 40 <= len && (p[off] >> 4) == 6) {
		f->addr_len = 16;
		f->l4 = p[off + 6];
		memcpy(f->src, p + off + 8, 16);
		memcpy(f->dst, p + off + 24, 16);
		l4off = off + 40;
	} else {
		return;
	}
	if (has_ports(f->l4) && l4off + 4 <= len) {
		f->sport = be16(p + l4off);
		f->dport = be16(p + l4off + 2);
	}
}

/* One round of the murmur3 mixer, seeded by h. */
static uint32_t mix(uint32_t h, uint32_t k)
{
	k *= 0xcc9e2d51u;
	k = k << 15 | k >> 17;
	k *= 0x1b873593u;
	h ^= k;
	h = h << 13 | h >> 19;
	return h * 5 + 0xe6546b64u;
}

static uint32_t flow_hash(struct flow *f)
{
	/* The same hash both ways: order the endpoints. */
	int c = memcmp(f->dst, f->src, f->addr_len);
	if (c < 0 || (c == 0 && f->dport < f->sport)) {
		uint8_t t[16];
		memcpy(t, f->src, 16);
		memcpy(f->src, f->dst, 16);
		memcpy(f->dst, t, 16);
		uint16_t tp = f->sport;
		f->sport = f->dport;
		f->dport = tp;
	}
	uint32_t h = 0x62706676u, w; /* "bpfv" */
	for (unsigned i = 0; i < f->addr_len; i += 4) {
		memcpy(&w, f->src + i, 4);
		h = mix(h, w);
		memcpy(&w, f->dst + i, 4);
		h = mix(h, w);
	}
	h = mix(h, (uint32_t)f->sport << 16 | f->dport);
	h = mix(h, (uint32_t)f->proto << 8 | f->l4);
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h ? h : 1; /* as the kernel: 0 means "no hash" */
}

/* bpf_get_hash_recalc(ctx): the hash, computed and stored when missing. */
HELPER_DECL(get_hash_recalc)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	struct pkt_skb s;
	if (pkt_skb_get(call, "get_hash_recalc", r1, false, &s))
		return 0;
	if (!s.ctx->hash && !s.ctx->hash_set) {
		struct flow f;
		dissect(s.buf + s.data, s.data_end - s.data, &f);
		s.ctx->hash = flow_hash(&f);
	}
	return s.ctx->hash;
}

/* bpf_set_hash_invalid(ctx): forget the hash (skb_clear_hash). */
HELPER_DECL(set_hash_invalid)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	struct pkt_skb s;
	if (pkt_skb_get(call, "set_hash_invalid", r1, false, &s) == 0)
		s.ctx->hash = 0, s.ctx->hash_set = 0;
	return 0;
}

/* bpf_set_hash(ctx, hash): set a software hash; always 0. */
HELPER_DECL(set_hash)
{
	(void)r3, (void)r4, (void)r5;
	struct pkt_skb s;
	if (pkt_skb_get(call, "set_hash", r1, false, &s) == 0)
		s.ctx->hash = (uint32_t)r2, s.ctx->hash_set = 1;
	return 0;
}
