/*
 * callbacks.c - bpf_loop with a static callback (an ld_imm64 code_addr
 * reference, BPF_PSEUDO_FUNC), with and without an early stop, and a
 * callback that itself calls a map helper.
 *
 * Expected results (any context):
 *   sum_loop:  0 + 1 + ... + 99 = 4950 over 100 iterations: 4950 * 1000 + 100
 *   stop_loop: stops when i == 10: 0 + ... + 10 = 55, 11 iterations: 55011
 *   map_loop:  adds i to hits[0] for i < 5: hits[0] = 10; returns 5
 *   each_sum:  for_each over table (hash, host puts keys 1..4 with values
 *              10, 20, 30, 40): doubles every value, sums keys * 1000 +
 *              old values: (1+2+3+4) * 1000 + 100 = 10100
 *   each_stop: for_each over slots (array of 8): stops at the element
 *              with key 2 after 3 visits: returns 3
 *   each_poke: writes through the key pointer, which is read-only: the
 *              run stops: a write to read-only memory
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

struct loop_ctx {
	__u64 sum;
	__u32 stop_at;
};

static int add_index(__u32 i, void *data)
{
	struct loop_ctx *c = data;

	c->sum += i;
	return i == c->stop_at;
}

static int count_hit(__u32 i, void *data)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&hits, &key);

	if (v)
		*v += i;
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} table SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} slots SEC(".maps");

static long sum_and_double(void *map, __u32 *key, __u64 *value, __u64 *acc)
{
	*acc += *key * 1000 + *value;
	*value *= 2;
	return 0;
}

static long stop_at_two(void *map, __u32 *key, __u64 *value, void *ctx)
{
	return *key == 2;
}

SEC("xdp")
int each_sum(void *ctx)
{
	__u64 acc = 0;

	bpf_for_each_map_elem(&table, sum_and_double, &acc, 0);
	return acc;
}

SEC("xdp")
int each_stop(void *ctx)
{
	return bpf_for_each_map_elem(&slots, stop_at_two, NULL, 0);
}

static long poke_key(void *map, __u32 *key, __u64 *value, void *ctx)
{
	*key = 7;
	return 1;
}

SEC("xdp")
int each_poke(void *ctx)
{
	return bpf_for_each_map_elem(&slots, poke_key, NULL, 0);
}

SEC("xdp")
int sum_loop(void *ctx)
{
	struct loop_ctx c = { .sum = 0, .stop_at = 1000 };
	long n = bpf_loop(100, add_index, &c, 0);

	return c.sum * 1000 + n;
}

SEC("xdp")
int stop_loop(void *ctx)
{
	struct loop_ctx c = { .sum = 0, .stop_at = 10 };
	long n = bpf_loop(100, add_index, &c, 0);

	return c.sum * 1000 + n;
}

SEC("xdp")
int map_loop(void *ctx)
{
	return bpf_loop(5, count_hit, NULL, 0);
}

char _license[] SEC("license") = "GPL";
