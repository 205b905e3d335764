/*
 * core_xdp.c - CO-RE against bpfvm's own types (src/hooks/kern_btf.h):
 *
 * - core_xdp_md (XDP): the context through a local flavour of struct
 *   xdp_md that lists rx_queue_index before ingress_ifindex (local offsets
 *   0 and 4): the loader must move the loads to the UAPI offsets 16 and
 *   12, which the verifier then rewrites into the real context. Returns
 *   rx_queue_index * 100 + ingress_ifindex, plus 1000 if
 *   bpf_core_field_exists() says bpfvm has a field it does not (it must
 *   say 0), plus 10000 * (the size of struct xdp_md as bpfvm has it != 24).
 * - core_fentry (fentry/func, as xdpdump): reads xdp->data, data_end and
 *   xdp->rxq->dev->ifindex and queue_index through a struct xdp_buff
 *   declared with the kernel's layout (data_hard_start at 24, rxq at 32),
 *   directly and with BPF_CORE_READ; the loader resolves them to bpfvm's
 *   layout (test_object checks the offsets).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct xdp_md___flavour {
	__u32 rx_queue_index;
	__u32 ingress_ifindex;
	__u32 no_such_field;
} __attribute__((preserve_access_index));

SEC("xdp")
int core_xdp_md(struct xdp_md *ctx)
{
	struct xdp_md___flavour *x = (void *)ctx;
	int r = x->rx_queue_index * 100 + x->ingress_ifindex;

	if (bpf_core_field_exists(x->no_such_field))
		r += 1000;
	if (bpf_core_type_size(struct xdp_md___flavour) != 24)
		r += 10000;
	return r;
}

struct net_device {
	int ifindex;
} __attribute__((preserve_access_index));

struct xdp_rxq_info {
	struct net_device *dev;
	__u32 queue_index;
} __attribute__((preserve_access_index));

struct xdp_buff {
	void *data;
	void *data_end;
	void *data_meta;
	void *data_hard_start;
	struct xdp_rxq_info *rxq;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(int));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

struct event {
	__u32 ifindex;
	__u32 queue;
	__u32 len;
	__u32 ifindex2;
};

SEC("fentry/func")
int core_fentry(__u64 *ctx)
{
	struct xdp_buff *xdp = (void *)ctx[0];
	struct event e = {};

	e.len = (__u32)((long)xdp->data_end - (long)xdp->data);
	e.ifindex = xdp->rxq->dev->ifindex;
	e.queue = xdp->rxq->queue_index;
	e.ifindex2 = BPF_CORE_READ(xdp, rxq, dev, ifindex);
	bpf_xdp_output(xdp, &events, BPF_F_CURRENT_CPU, &e, sizeof(e));
	return 0;
}

char _license[] SEC("license") = "GPL";
