/*
 * map_types.c - one small program per map type, run through bpfvm with no
 * context (none of them reads it), and a counter program that several
 * threads run at once against array, hash, LRU and per-CPU maps.
 *
 * Expected results (test_object_maps.c sets up the host side):
 *   lpm_match:   routes has 10/8 -> 1, 10.1/16 -> 2, 10.1.2/24 -> 3;
 *                10.1.2.3 matches /24, returns 3
 *   queue_fifo:  pushes 10, 20, 30, pops one: 10
 *   stack_lifo:  pushes 10, 20, 30, pops one: 30
 *   bloom_check: pushes 42; returns 1 if 42 may be present and 43 is not
 *                reported absent by mistake (43 absent: 1 + 2 = 3)
 *   ring_emit:   reserves and submits one 16-byte record, outputs one
 *                8-byte record; returns 0
 *   perf_emit:   outputs one 8-byte record on the current CPU; returns 0
 *   inner_value: outer_hash[7] -> an inner array; returns its slot 0
 *   count:       adds 1 to arr[0], hsh[0] (host inserts it), lru[0]
 *                (inserted on first use), pcpu[0] and phash[0] of the
 *                running CPU; returns 0
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct lpm_v4 {
	__u32 prefixlen;
	__u8 addr[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_v4);
	__type(value, __u32);
} routes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 8);
	__type(value, __u32);
} fifo SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 8);
	__type(value, __u32);
} lifo SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 64);
	__uint(map_extra, 3);
	__type(value, __u32);
} seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} perf SEC(".maps");

struct inner_arr {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} inner SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner_arr);
} outer_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} hsh SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} lru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pcpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} phash SEC(".maps");

SEC("xdp")
int lpm_match(void *ctx)
{
	struct lpm_v4 k = { .prefixlen = 32, .addr = { 10, 1, 2, 3 } };
	__u32 *v = bpf_map_lookup_elem(&routes, &k);

	return v ? *v : 0;
}

SEC("xdp")
int queue_fifo(void *ctx)
{
	__u32 v = 10;

	/* not a loop: a u32 spilled at r10-4 is not tracked, so the kernel
	 * (and bpfvm) would see a loop that never ends */
	bpf_map_push_elem(&fifo, &v, 0);
	v = 20;
	bpf_map_push_elem(&fifo, &v, 0);
	v = 30;
	bpf_map_push_elem(&fifo, &v, 0);
	if (bpf_map_pop_elem(&fifo, &v))
		return -1;
	return v;
}

SEC("xdp")
int stack_lifo(void *ctx)
{
	__u32 v = 10;

	/* not a loop: a u32 spilled at r10-4 is not tracked, so the kernel
	 * (and bpfvm) would see a loop that never ends */
	bpf_map_push_elem(&lifo, &v, 0);
	v = 20;
	bpf_map_push_elem(&lifo, &v, 0);
	v = 30;
	bpf_map_push_elem(&lifo, &v, 0);
	if (bpf_map_pop_elem(&lifo, &v))
		return -1;
	return v;
}

SEC("xdp")
int bloom_check(void *ctx)
{
	__u32 yes = 42, no = 43;
	int r = 0;

	bpf_map_push_elem(&seen, &yes, 0);
	if (bpf_map_peek_elem(&seen, &yes) == 0)
		r += 1;
	if (bpf_map_peek_elem(&seen, &no) != 0)
		r += 2;
	return r;
}

SEC("xdp")
int ring_emit(void *ctx)
{
	__u64 *rec = bpf_ringbuf_reserve(&events, 16, 0);
	__u64 small = 0x1122334455667788ULL;

	if (!rec)
		return -1;
	rec[0] = 1;
	rec[1] = 2;
	bpf_ringbuf_submit(rec, 0);
	return bpf_ringbuf_output(&events, &small, sizeof(small), 0);
}

SEC("xdp")
int perf_emit(void *ctx)
{
	__u64 v = 0xabcdef;

	return bpf_perf_event_output(ctx, &perf, BPF_F_CURRENT_CPU, &v, sizeof(v));
}

SEC("xdp")
int inner_value(void *ctx)
{
	__u32 key = 7, zero = 0, *v;
	void *in = bpf_map_lookup_elem(&outer_hash, &key);

	if (!in)
		return -1;
	v = bpf_map_lookup_elem(in, &zero);
	return v ? *v : -2;
}

SEC("xdp")
int count(void *ctx)
{
	__u32 key = 0;
	__u64 zero = 0, *v;

	v = bpf_map_lookup_elem(&arr, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	v = bpf_map_lookup_elem(&hsh, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	v = bpf_map_lookup_elem(&lru, &key);
	if (!v) {
		bpf_map_update_elem(&lru, &key, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&lru, &key);
	}
	if (v)
		__sync_fetch_and_add(v, 1);
	v = bpf_map_lookup_elem(&pcpu, &key);
	if (v)
		*v += 1; /* this CPU's slot: no other thread writes it */
	v = bpf_map_lookup_elem(&phash, &key);
	if (v)
		*v += 1;
	return 0;
}

char _license[] SEC("license") = "GPL";
