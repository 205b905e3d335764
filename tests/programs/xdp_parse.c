/*
 * xdp_parse.c - a verifier-friendly XDP parser and a tc classifier, with
 * the bounds checks the kernel's verifier wants.
 *
 * xdp_parse: Ethernet -> IPv4 -> UDP; counts packets per verdict class in
 * the array 'counts' (0: not IPv4, 1: IPv4 not UDP, 2: UDP, 3: UDP to
 * port 9 dropped) and returns XDP_DROP for UDP to port 9 (discard), else
 * XDP_PASS. Truncated packets are XDP_ABORTED.
 * tc_mark: sets skb->mark to the IP protocol (0 when not IPv4) and
 * returns TC_ACT_OK (0).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline void count(__u32 k)
{
	__u64 *v = bpf_map_lookup_elem(&counts, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("xdp")
int xdp_parse(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end)
		return XDP_ABORTED;
	if (eth->h_proto != bpf_htons(ETH_P_IP)) {
		count(0);
		return XDP_PASS;
	}
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return XDP_ABORTED;
	if (ip->protocol != IPPROTO_UDP) {
		count(1);
		return XDP_PASS;
	}
	struct udphdr *udp = (void *)ip + ip->ihl * 4;
	if (ip->ihl < 5 || (void *)(udp + 1) > data_end)
		return XDP_ABORTED;
	if (udp->dest == bpf_htons(9)) {
		count(3);
		return XDP_DROP;
	}
	count(2);
	return XDP_PASS;
}

SEC("tc")
int tc_mark(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	skb->mark = 0;
	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return 0;
	skb->mark = ip->protocol;
	skb->cb[0] = skb->len;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
