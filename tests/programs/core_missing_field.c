/*
 * core_missing_field.c - a CO-RE read of a field bpfvm's struct
 * net_device does not have (mtu): the loader must refuse the object,
 * naming the section, the instruction, the type, the access string and
 * the missing field.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct net_device {
	int ifindex;
	unsigned int mtu;
} __attribute__((preserve_access_index));

struct xdp_rxq_info {
	struct net_device *dev;
} __attribute__((preserve_access_index));

struct xdp_buff {
	void *data;
	void *data_end;
	void *data_meta;
	void *data_hard_start;
	struct xdp_rxq_info *rxq;
} __attribute__((preserve_access_index));

SEC("fexit/func")
int read_mtu(__u64 *ctx)
{
	struct xdp_buff *xdp = (void *)ctx[0];
	return xdp->rxq->dev->mtu > 1500;
}

char _license[] SEC("license") = "GPL";
