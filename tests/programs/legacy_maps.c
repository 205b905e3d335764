/*
 * legacy_maps.c - maps in SEC("maps") as struct bpf_map_def (libbpf 0.x;
 * libbpf 1.x refuses these), one program per section.
 *
 * Expected results:
 *   count_packets (socket filter): hits[0] += 1; returns skb->len (the
 *       whole packet is kept).
 *   kprobe_open (kprobe): table[pid] = 1; returns 0.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") hits = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 2,
};

struct bpf_map_def SEC("maps") table = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 64,
	.map_flags = BPF_F_NO_PREALLOC,
};

SEC("socket")
int count_packets(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&hits, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
	return skb->len;
}

SEC("kprobe/do_sys_open")
int kprobe_open(void *ctx)
{
	__u32 pid = (__u32)bpf_get_current_pid_tgid(), one = 1;

	bpf_map_update_elem(&table, &pid, &one, BPF_ANY);
	return 0;
}

char _license[] SEC("license") = "GPL";
__u32 _version SEC("version") = 0x050a00;
