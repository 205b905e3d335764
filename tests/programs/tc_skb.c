/*
 * tc_skb.c - tc programs that call the skb helpers: arguments from the
 * packet, as xdp_adjust.c (struct params at bytes 14..30, host byte
 * order; N * 0x1000 + e for error -e of the Nth call), plus tc_nat, a
 * real rewrite: the IPv4 destination address of a TCP or UDP packet, with
 * both checksums fixed by bpf_l3/l4_csum_replace.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <stddef.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct params {
	__s32 a, b;
	__u32 c, d;
};

#define NO_PARAMS 99
#define ERR(n, rc) ((n) * 0x1000 + (int)-(rc))

static __always_inline int get_params(struct __sk_buff *skb, struct params *p)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct params *in = data + 14;
	if ((void *)(in + 1) > data_end)
		return -1;
	*p = *in;
	return 0;
}

/* load_bytes(c, 8), flip, store_bytes(d, 8, flags a); returns the hash
 * after (cleared by BPF_F_INVALIDATE_HASH) + 1. */
SEC("tc")
int tc_bytes(struct __sk_buff *skb)
{
	struct params p;
	if (get_params(skb, &p))
		return NO_PARAMS;
	__u8 buf[8];
	long rc = bpf_skb_load_bytes(skb, p.c, buf, sizeof(buf));
	if (rc)
		return ERR(1, rc) + (buf[0] | buf[7]); /* zeroed on failure */
	for (int i = 0; i < 8; i++)
		buf[i] ^= 0xff;
	rc = bpf_skb_store_bytes(skb, p.d, buf, sizeof(buf), (__u32)p.a);
	if (rc)
		return ERR(2, rc);
	return skb->hash + 1;
}

/* l3_csum_replace(c, from a, to b, flags d). */
SEC("tc")
int tc_l3(struct __sk_buff *skb)
{
	struct params p;
	if (get_params(skb, &p))
		return NO_PARAMS;
	long rc = bpf_l3_csum_replace(skb, p.c, (__u32)p.a, (__u32)p.b, p.d);
	return rc ? ERR(1, rc) : TC_ACT_OK;
}

/* l4_csum_replace(c, from a, to b, flags d). */
SEC("tc")
int tc_l4(struct __sk_buff *skb)
{
	struct params p;
	if (get_params(skb, &p))
		return NO_PARAMS;
	long rc = bpf_l4_csum_replace(skb, p.c, (__u32)p.a, (__u32)p.b, p.d);
	return rc ? ERR(1, rc) : TC_ACT_OK;
}

/* pull_data(c); returns skb->len. */
SEC("tc")
int tc_pull(struct __sk_buff *skb)
{
	struct params p;
	if (get_params(skb, &p))
		return NO_PARAMS;
	long rc = bpf_skb_pull_data(skb, p.c);
	return rc ? ERR(1, rc) : skb->len;
}

/* change_tail(c, flags d), then write the last byte; returns skb->len. */
SEC("tc")
int tc_tail(struct __sk_buff *skb)
{
	struct params p;
	if (get_params(skb, &p))
		return NO_PARAMS;
	long rc = bpf_skb_change_tail(skb, p.c, p.d);
	if (rc)
		return ERR(1, rc);
	__u8 *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	if (data + 15 <= end)
		data[14] = 0x5a;
	return skb->len;
}

/* change_head(c, flags d), then mark the first byte; returns skb->len. */
SEC("tc")
int tc_head(struct __sk_buff *skb)
{
	struct params p;
	if (get_params(skb, &p))
		return NO_PARAMS;
	long rc = bpf_skb_change_head(skb, p.c, p.d);
	if (rc)
		return ERR(1, rc);
	__u8 *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	if (data + 1 <= end)
		data[0] = 0xa5;
	return skb->len;
}

/* redirect(c, flags a). */
SEC("tc")
int tc_redirect(struct __sk_buff *skb)
{
	struct params p;
	if (get_params(skb, &p))
		return NO_PARAMS;
	return bpf_redirect(p.c, (__u32)p.a);
}

/* The hash helpers: set_hash(c) and read it back, forget it, recompute
 * it twice. Returns which properties held, one bit each (63 = all). */
SEC("tc")
int tc_hash(struct __sk_buff *skb)
{
	struct params p;
	if (get_params(skb, &p))
		return NO_PARAMS;
	__u32 h0 = skb->hash;
	bpf_set_hash(skb, p.c);
	__u32 h1 = bpf_get_hash_recalc(skb);
	bpf_set_hash_invalid(skb);
	__u32 h2 = skb->hash;
	__u32 h3 = bpf_get_hash_recalc(skb);
	__u32 h4 = bpf_get_hash_recalc(skb);
	return (h1 == p.c) | (h2 == 0) << 1 | (h3 != 0) << 2 | (h4 == h3) << 3 |
	       (skb->hash == h3) << 4 | (h0 == 0) << 5;
}

/* Rewrite the IPv4 destination of a TCP or UDP packet to 10.0.0.99:
 * TC_ACT_OK when rewritten, TC_ACT_UNSPEC when not such a packet, an
 * error code when a helper fails. */
SEC("tc")
int tc_nat(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5)
		return TC_ACT_UNSPEC;
	__u32 l4_csum;
	__u64 l4_flags = BPF_F_PSEUDO_HDR | sizeof(__u32);
	if (ip->protocol == IPPROTO_TCP) {
		l4_csum = ETH_HLEN + sizeof(*ip) + offsetof(struct tcphdr, check);
	} else if (ip->protocol == IPPROTO_UDP) {
		l4_csum = ETH_HLEN + sizeof(*ip) + offsetof(struct udphdr, check);
		l4_flags |= BPF_F_MARK_MANGLED_0;
	} else {
		return TC_ACT_UNSPEC;
	}
	__u32 old = ip->daddr, new = bpf_htonl(0x0a000063);
	long rc = bpf_l4_csum_replace(skb, l4_csum, old, new, l4_flags);
	if (rc)
		return ERR(1, rc);
	rc = bpf_l3_csum_replace(skb, ETH_HLEN + offsetof(struct iphdr, check), old, new,
				 sizeof(new));
	if (rc)
		return ERR(2, rc);
	rc = bpf_skb_store_bytes(skb, ETH_HLEN + offsetof(struct iphdr, daddr), &new,
				 sizeof(new), 0);
	if (rc)
		return ERR(3, rc);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
