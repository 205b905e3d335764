/*
 * btf_maps.c - BTF-defined maps (.maps) of several types, a prog array
 * with __array(values) initial slots and a tail call, an array of maps
 * with an inner-map template and initial inner maps.
 *
 * Expected results (XDP context of any packet):
 *   xdp_entry: counts[0] += 1, then tail-calls jmp[1] = xdp_drop_all,
 *              which returns XDP_DROP (1); with jmp[1] empty, XDP_PASS (2).
 *   xdp_drop_all: XDP_DROP (1).
 *   xdp_tx_all: XDP_TX (3).
 *   xdp_inner: looks up outer[1] (= inner_b) and returns its slot 0 value
 *              (0 when the maps are fresh), or XDP_ABORTED (0) if missing.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(key_size, 4);
	__uint(value_size, 12);
	__uint(max_entries, 4);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} config SEC(".maps");

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner);
} outer SEC(".maps") = {
	.values = {[0] = &inner_a, [1] = &inner_b},
};

int xdp_drop_all(struct xdp_md *ctx);
int xdp_tx_all(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, int(void *));
} jmp SEC(".maps") = {
	.values = {[1] = (void *)&xdp_drop_all, [3] = (void *)&xdp_tx_all},
};

SEC("xdp")
int xdp_drop_all(struct xdp_md *ctx)
{
	return XDP_DROP;
}

SEC("xdp")
int xdp_tx_all(struct xdp_md *ctx)
{
	return XDP_TX;
}

SEC("xdp")
int xdp_entry(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 one = 1, *v = bpf_map_lookup_elem(&counts, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&counts, &key, &one, BPF_ANY);
	bpf_tail_call(ctx, &jmp, 1);
	return XDP_PASS;
}

SEC("xdp")
int xdp_inner(struct xdp_md *ctx)
{
	__u32 key = 1, zero = 0, *val;
	void *in = bpf_map_lookup_elem(&outer, &key);

	if (!in)
		return XDP_ABORTED;
	val = bpf_map_lookup_elem(in, &zero);
	return val ? (int)*val : XDP_ABORTED;
}

char _license[] SEC("license") = "GPL";
