/* xdp_redirect: redirects every packet by the parity of the EtherType: odd
 * (IPv6) to ifindex 7 (bpf_redirect), even through slot 2 of a devmap
 * (passed when the slot is empty); packets too short for a header pass.
 * The runner test counts the targets it records. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} ports SEC(".maps");

SEC("xdp")
int xdp_redirect_by_type(struct xdp_md *ctx)
{
	unsigned char *data = (void *)(long)ctx->data;
	unsigned char *end = (void *)(long)ctx->data_end;
	if (data + 14 > end)
		return XDP_PASS;
	if (data[13] & 1)
		return bpf_redirect(7, 0);
	return bpf_redirect_map(&ports, 2, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
