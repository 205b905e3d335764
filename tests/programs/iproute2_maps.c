/*
 * iproute2_maps.c - maps in SEC("maps") as iproute2's struct bpf_elf_map
 * (tc's loader), including a map-in-map tied by id/inner_id/inner_idx.
 *
 * Expected results (tc classifier/action on any skb):
 *   cls_main: acc[0] += skb->len; returns TC_ACT_OK (0).
 *   act_main: looks up map_outer[0] (= map_inner) and returns its slot 0
 *             value (0 fresh), or TC_ACT_SHOT (2) when missing.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct bpf_elf_map {
	__u32 type;
	__u32 size_key;
	__u32 size_value;
	__u32 max_elem;
	__u32 flags;
	__u32 id;
	__u32 pinning;
	__u32 inner_id;
	__u32 inner_idx;
};

#define PIN_GLOBAL_NS 2
#define MAP_INNER_ID 42

struct bpf_elf_map SEC("maps") acc = {
	.type = BPF_MAP_TYPE_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u64),
	.max_elem = 1,
	.pinning = PIN_GLOBAL_NS,
};

struct bpf_elf_map SEC("maps") map_inner = {
	.type = BPF_MAP_TYPE_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u32),
	.max_elem = 1,
	.id = MAP_INNER_ID,
	.inner_idx = 0,
};

struct bpf_elf_map SEC("maps") map_outer = {
	.type = BPF_MAP_TYPE_ARRAY_OF_MAPS,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u32),
	.max_elem = 1,
	.inner_id = MAP_INNER_ID,
};

SEC("classifier")
int cls_main(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&acc, &key);

	if (v)
		__sync_fetch_and_add(v, skb->len);
	return TC_ACT_OK;
}

SEC("action")
int act_main(struct __sk_buff *skb)
{
	__u32 key = 0, *val;
	void *in = bpf_map_lookup_elem(&map_outer, &key);

	if (!in)
		return TC_ACT_SHOT;
	val = bpf_map_lookup_elem(in, &key);
	return val ? (int)*val : TC_ACT_SHOT;
}

char __license[] SEC("license") = "GPL";
