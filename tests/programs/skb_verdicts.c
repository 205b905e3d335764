/*
 * skb_verdicts.c - a tc classifier and a socket filter for the pcap
 * runner's skb hooks (tests/runner/test_skb_runner.sh), over the capture
 * of tests/runner/gen_xdp_pcap.c (rounds of 11 packets: ARP, IPv6, IPv4
 * TCP, ICMP, UDP to 53, VLAN-tagged UDP to 9, UDP to 9 twice (one with IP
 * options), then three cut short: inside Ethernet, IPv4 and UDP).
 *
 * tc_verdicts (direct packet access): one TC_ACT_* code per packet kind,
 *   counted in 'stats' by code + 1:
 *     cut inside Ethernet        UNSPEC (-1)
 *     not IPv4 by skb->protocol  OK (ARP, IPv6, and the VLAN-tagged one,
 *                                whose protocol is ETH_P_8021Q)
 *     cut inside IPv4            PIPE
 *     TCP                        REDIRECT
 *     ICMP                       STOLEN
 *     cut inside UDP             QUEUED
 *     UDP to drop_port (9)       SHOT
 *     other UDP                  port_action[dport] if set, else OK with
 *                                the IPv4 TTL lowered by one
 *   Per round: unspec 1, ok 4, pipe 1, redirect 1, stolen 1, queued 1,
 *   shot 2. skb->mark is set to mark_base + the IP protocol.
 *
 * sock_trim (LD_ABS, no direct access): 0 (drop) for UDP to drop_port and
 *   for packets LD_ABS cannot read far enough into (the kernel ends the
 *   program with 0); the whole packet for non-IPv4 (ARP: by returning
 *   0xffffffff, IPv6 and VLAN: skb->len); the Ethernet and IPv4 headers
 *   (34 bytes) for other IPv4. Per round: drop 5, pass 6 of which 3 cut
 *   to 34 bytes.
 *
 * tc_fields: TC_ACT_OK when the skb holds what the runner was told to
 *   give (want_* globals, set with --set) and what it derives from the
 *   frame (len == data_end - data, wire_len >= len, PACKET_HOST for the
 *   test capture's unicast frames, no VLAN fields), else TC_ACT_SHOT;
 *   counts its runs in the per-CPU array 'runs'.
 *
 * tc_queue: the action popped from the queue 'actions', TC_ACT_OK once it
 *   is empty (for --map on a map without keys).
 *
 * Globals for --set: drop_port and mark_base (const volatile, .rodata),
 * seen (.bss) counts runs of every program.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

const volatile __u16 drop_port = 9;
const volatile __u32 mark_base = 0;
__u64 seen;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);   /* UDP destination port, host order */
	__type(value, __s32); /* the TC_ACT_* code to return */
} port_action SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 10);
	__type(key, __u32);   /* TC_ACT_* + 1 */
	__type(value, __u64);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64); /* tc_fields runs, per CPU */
} runs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4);
	__type(value, __s32); /* tc_queue: the next packets' actions */
} actions SEC(".maps");

static __always_inline int count(int act)
{
	__u32 k = (__u32)(act + 1);
	__u64 *v = bpf_map_lookup_elem(&stats, &k);
	if (v)
		__sync_fetch_and_add(v, 1);
	return act;
}

SEC("tc")
int tc_verdicts(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	__sync_fetch_and_add(&seen, 1);
	if ((void *)(eth + 1) > data_end)
		return count(TC_ACT_UNSPEC);
	if (skb->protocol != bpf_htons(ETH_P_IP))
		return count(TC_ACT_OK);
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return count(TC_ACT_PIPE);
	skb->mark = mark_base + ip->protocol;
	if (ip->protocol == IPPROTO_TCP)
		return count(TC_ACT_REDIRECT);
	if (ip->protocol != IPPROTO_UDP)
		return count(TC_ACT_STOLEN);
	struct udphdr *udp = (void *)ip + ip->ihl * 4;
	if (ip->ihl < 5 || (void *)(udp + 1) > data_end)
		return count(TC_ACT_QUEUED);
	__u32 port = bpf_ntohs(udp->dest);
	if (port == drop_port)
		return count(TC_ACT_SHOT);
	__s32 *act = bpf_map_lookup_elem(&port_action, &port);
	if (act)
		return count(*act);
	ip->ttl--;
	return count(TC_ACT_OK);
}

const volatile __u32 want_mark = 0, want_priority = 0, want_ifindex = 1;

SEC("tc")
int tc_fields(struct __sk_buff *skb)
{
	long len = (long)skb->data_end - (long)skb->data;
	__u32 zero = 0;
	__u64 *r = bpf_map_lookup_elem(&runs, &zero);
	if (r)
		*r += 1;
	__sync_fetch_and_add(&seen, 1);
	if (skb->mark != want_mark || skb->priority != want_priority)
		return TC_ACT_SHOT;
	if (skb->ifindex != want_ifindex || skb->ingress_ifindex != want_ifindex)
		return TC_ACT_SHOT;
	if (skb->len != len || skb->wire_len < skb->len)
		return TC_ACT_SHOT;
	if (skb->pkt_type != 0 || skb->vlan_present || skb->vlan_tci)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

SEC("tc")
int tc_queue(struct __sk_buff *skb)
{
	__s32 act; /* pop writes it (both verifiers know) */
	if (bpf_map_pop_elem(&actions, &act))
		return TC_ACT_OK;
	return act;
}

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");

SEC("socket")
int sock_trim(struct __sk_buff *skb)
{
	__sync_fetch_and_add(&seen, 1);
	if (load_half(skb, 12) == ETH_P_ARP)
		return -1;
	if (skb->protocol != bpf_htons(ETH_P_IP))
		return skb->len;
	if (load_byte(skb, 14 + 9) == IPPROTO_UDP) {
		__u32 ihl = load_byte(skb, 14) & 0xf;
		if (load_half(skb, 14 + ihl * 4 + 2) == drop_port)
			return 0;
	}
	return 14 + 20;
}

/* The headers LD_ABS reaches at SKF_NET_OFF + k and SKF_LL_OFF + k
 * (linux/filter.h): in `bpfvm run` the frame from its Ethernet header, as a
 * packet socket and tc see it, with the network header 14 bytes in; so
 * they must read what the plain offsets 14 + k and k do. sock_hdrs keeps a
 * packet whose bytes agree and drops it otherwise; tc_hdrs says ok or
 * shot. (The kernel's test run starts a socket filter's skb at the
 * network header: there sock_hdrs drops what kernel.runner gives it, in
 * the kernel and in bpfvm alike.) */
#define SKF_NET 0xfff00000ull /* (u32)SKF_NET_OFF */
#define SKF_LL 0xffe00000ull  /* (u32)SKF_LL_OFF */

static __always_inline int hdrs_agree(struct __sk_buff *skb)
{
	return load_half(skb, SKF_LL + 12) == load_half(skb, 12) &&
	       load_byte(skb, SKF_NET + 9) == load_byte(skb, 14 + 9) &&
	       load_half(skb, SKF_NET + 2) == load_half(skb, 14 + 2);
}

SEC("socket")
int sock_hdrs(struct __sk_buff *skb)
{
	return hdrs_agree(skb) ? -1 : 0;
}

SEC("tc")
int tc_hdrs(struct __sk_buff *skb)
{
	return hdrs_agree(skb) ? TC_ACT_OK : TC_ACT_SHOT;
}

char LICENSE[] SEC("license") = "GPL";
