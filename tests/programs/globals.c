/*
 * globals.c - global data (.data, .rodata, .bss, a string literal in
 * .rodata.str1.1), subprograms in .text called from two program
 * sections, a static function, and two programs in one section.
 *
 * Expected results (fresh globals; any context):
 *   tc_first:  twice(counter) + limits[0] = (7 + 3) * 2 + 10 = 30
 *   tc_second: scratch[1] = 5, returns twice(scratch[1]) = (5 + 3) * 2 = 16
 *   xdp_third: twice(limits[1]) - 40 + XDP_PASS = (20 + 3) * 2 - 40 + 2 = 8,
 *              after printing "hello" through bpf_trace_printk
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

int counter = 7;
const volatile int limits[2] = {10, 20};
int scratch[4];

static __noinline int add3(int x)
{
	return x + 3;
}

__noinline int twice(int x)
{
	return add3(x) * 2;
}

SEC("tc")
int tc_first(struct __sk_buff *skb)
{
	return twice(counter) + limits[0];
}

SEC("tc")
int tc_second(struct __sk_buff *skb)
{
	scratch[1] = 5;
	return twice(scratch[1]);
}

SEC("xdp")
int xdp_third(struct xdp_md *ctx)
{
	bpf_trace_printk("hello", 6);
	return twice(limits[1]) - 40 + XDP_PASS;
}

char _license[] SEC("license") = "Dual BSD/GPL";
