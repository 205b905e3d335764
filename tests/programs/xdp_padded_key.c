// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_padded_key.c - a map key with padding the program never writes, as
 * C code gets by filling a struct field by field: struct flow has 3 bytes
 * of padding after proto. The kernel lets privileged loaders read such
 * stack (the lookup reads all 12 bytes of the key); bpfvm accepts it too
 * and zeroes the frame, so the padding is 0 (test_uninit_stack.c).
 *
 * Only lookups: the kernel's padding bytes are whatever its stack held,
 * so keys inserted from here would differ from bpfvm's.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct flow {
	__u32 ifindex;
	__u32 queue;
	__u8 proto;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct flow);
	__type(value, __u64);
	__uint(max_entries, 64);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 2);
} seen SEC(".maps");

SEC("xdp")
int padded_key(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct flow f;
	f.ifindex = ctx->ingress_ifindex;
	f.queue = ctx->rx_queue_index;
	f.proto = data + 24 <= data_end ? *(__u8 *)(data + 23) : 0;
	__u32 hit = bpf_map_lookup_elem(&flows, &f) != NULL;
	__u64 *n = bpf_map_lookup_elem(&seen, &hit);
	if (n)
		__sync_fetch_and_add(n, 1);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
