/* xdp_missing_check: an XDP program the verifier must refuse. It checks
 * the Ethernet header against data_end but reads the IPv4 TTL without
 * checking the IPv4 header: `bpfvm verify` must name the line of the read,
 * the missing check and the branches that lead there (tests/cli). */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_ttl(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	if (eth->h_proto != __builtin_bswap16(ETH_P_IP))
		return XDP_PASS;
	struct iphdr *ip = (void *)(eth + 1);
	if (ip->ttl <= 1) /* no check that ip + 1 <= end */
		return XDP_DROP;
	return XDP_PASS;
}

/* a correct one in the same object */
SEC("xdp")
int xdp_ok(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || eth->h_proto != __builtin_bswap16(ETH_P_IP))
		return XDP_PASS;
	return ip->ttl <= 1 ? XDP_DROP : XDP_PASS;
}

char _license[] SEC("license") = "GPL";
