/*
 * skb_runner.c - the tc and socket-filter hooks of `bpfvm run OBJ -r
 * in.pcap` (runner.h): each packet becomes a struct __sk_buff as the
 * kernel fills it for a packet received on an Ethernet device.
 *
 * The skb, field by field (bpfvm_ctx.h's struct bpfvm_skb_ctx):
 * - data/data_end: the whole frame from the Ethernet header, for tc as the
 *   kernel gives it; for socket filters too, as a packet socket
 *   (AF_PACKET, SOCK_RAW: tcpdump's) sees it, so LD_ABS offset 0 is the
 *   destination MAC. (The kernel's BPF_PROG_TEST_RUN starts a socket
 *   filter's skb at the network header instead.) The buffer around it has
 *   RUNNER_HEADROOM bytes before and room after, for helpers that grow it.
 * - len: the captured bytes; wire_len: the bytes on the wire.
 * - protocol: as eth_type_trans() sets it: the EtherType in network byte
 *   order, or ETH_P_802_3 / ETH_P_802_2 for 802.3 length frames; 0 for a
 *   frame too short to have one.
 * - pkt_type: as eth_type_trans() for a device whose address is every
 *   unicast destination: PACKET_BROADCAST for ff:ff:ff:ff:ff:ff,
 *   PACKET_MULTICAST for other group addresses, else PACKET_HOST.
 * - VLAN: the frame is kept as captured, tag included, as on a device
 *   without VLAN offload: protocol is then ETH_P_8021Q and vlan_present,
 *   vlan_tci and vlan_proto are 0 (no untagging into the skb's fields).
 * - ifindex and ingress_ifindex: --ifindex; mark and priority: --mark and
 *   --priority; everything else 0 (hash, queue_mapping, cb[], tc_index,
 *   tstamp...), as BPF_PROG_TEST_RUN gives them when not set.
 *
 * tc: the return value is a TC_ACT_* code, counted under its name; values
 * outside -1..8 count as unspec (the kernel's cls_bpf direct-action turns
 * them into TC_ACT_UNSPEC). A failed run counts as shot. The packet is
 * written as the program left it.
 * Socket filter: the return value (as u32) is the number of bytes to keep:
 * 0 drops the packet, anything else keeps min(value, len) bytes (pass),
 * and the written packet is cut to that, with its wire length kept, as a
 * packet socket records it. A failed run counts as drop.
 */
#include <string.h>

#include "bpfvm_ctx.h"
#include "runner.h"

/* The kernel's if_packet.h and if_ether.h values. */
#define SKB_PACKET_HOST 0
#define SKB_PACKET_BROADCAST 1
#define SKB_PACKET_MULTICAST 2
#define SKB_ETH_HLEN 14
#define SKB_ETH_P_802_3_MIN 0x0600
#define SKB_ETH_P_802_3 0x0001
#define SKB_ETH_P_802_2 0x0004

/* A 16-bit value in network byte order, as the u32 field holds it. */
static uint32_t be16_field(uint16_t host)
{
	uint8_t b[2] = { (uint8_t)(host >> 8), (uint8_t)host };
	uint16_t v;
	memcpy(&v, b, 2);
	return v;
}

/* protocol and pkt_type as eth_type_trans() sets them. */
static void eth_type_trans(const uint8_t *d, size_t len, uint32_t *protocol, uint32_t *pkt_type)
{
	*pkt_type = SKB_PACKET_HOST;
	*protocol = 0;
	if (len >= 6 && (d[0] & 1)) {
		static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
		*pkt_type = memcmp(d, bcast, 6) ? SKB_PACKET_MULTICAST : SKB_PACKET_BROADCAST;
	}
	if (len < SKB_ETH_HLEN)
		return;
	uint16_t type = (uint16_t)(d[12] << 8 | d[13]);
	if (type >= SKB_ETH_P_802_3_MIN)
		*protocol = be16_field(type);
	else if (len >= SKB_ETH_HLEN + 2 && d[14] == 0xff && d[15] == 0xff)
		*protocol = be16_field(SKB_ETH_P_802_3); /* raw 802.3 (IPX) */
	else
		*protocol = be16_field(SKB_ETH_P_802_2);
}

static void fill_skb(struct bpfvm_skb_ctx *ctx, const struct runner_opts *o,
		     const struct runner_packet *p)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->data = ctx->data_meta = p->data;
	ctx->data_end = p->data + p->len;
	ctx->data_hard_start = p->buf;
	ctx->data_hard_end = p->buf_end;
	ctx->len = (uint32_t)p->len;
	ctx->wire_len = p->wire_len;
	eth_type_trans(p->data, p->len, &ctx->protocol, &ctx->pkt_type);
	ctx->ifindex = ctx->ingress_ifindex = o->ifindex;
	ctx->mark = o->mark;
	ctx->priority = o->priority;
}

_Static_assert(sizeof(struct bpfvm_skb_ctx) <= RUNNER_CTX_MAX, "RUNNER_CTX_MAX holds __sk_buff");

/* The skb and what its runs get: tc may write the packet, a socket
 * filter only reads it. Both see the frame from its Ethernet header, as
 * tc and packet sockets do, so SKF_LL_OFF + k reads from there and
 * SKF_NET_OFF + k from the 14 bytes after it (the kernel's network header
 * after eth_type_trans; VLAN tags stay in the frame, as in a capture). */
static void skb_setup(const struct runner_opts *o, const struct runner_packet *p, void *ctx,
		      bool writable, struct runner_setup *su)
{
	fill_skb(ctx, o, p);
	*su = (struct runner_setup){
		.ctx_len = sizeof(struct bpfvm_skb_ctx),
		.region = { p->buf, (size_t)(p->buf_end - p->buf), writable },
		.packet = p->data,
		.packet_len = p->len,
		.headers = true,
		.net_off = 14,
		.ll_off = 0,
	};
}

static void tc_setup(const struct runner_opts *o, const struct runner_packet *p, void *ctx,
		     struct runner_setup *su)
{
	skb_setup(o, p, ctx, true, su);
}

static void socket_setup(const struct runner_opts *o, const struct runner_packet *p, void *ctx,
			 struct runner_setup *su)
{
	skb_setup(o, p, ctx, false, su);
}

/* ------------------------------------------------------------------ tc */

/* By TC_ACT_* code + 1 (TC_ACT_UNSPEC is -1). */
static const char *const tc_verdicts[] = {
	"unspec", "ok", "reclassify", "shot", "pipe", "stolen", "queued", "repeat", "redirect", "trap",
};
_Static_assert(sizeof(tc_verdicts) / sizeof(tc_verdicts[0]) <= RUNNER_MAX_VERDICTS,
	       "RUNNER_MAX_VERDICTS holds tc's");

static int tc_run(const struct bpfvm_prog *prog, const struct runner_opts *o,
		  const struct runner_packet *p, struct runner_result *res, struct bpfvm_error *err)
{
	struct bpfvm_skb_ctx ctx;
	struct runner_setup su;
	tc_setup(o, p, &ctx, &su);
	BPFVM_OPTS(bpfvm_run_opts, ro, .regions = &su.region, .n_regions = 1,
		   .insn_budget = o->insn_budget, .packet = p->data, .packet_len = p->len,
		   .cpu = p->cpu, .headers = su.headers, .net_off = su.net_off,
		   .ll_off = su.ll_off);
	uint64_t r0 = 0;
	int rc = bpfvm_prog__run(prog, &ctx, sizeof(ctx), &ro, &r0, err);
	res->ret = r0;
	int32_t act = (int32_t)(uint32_t)r0;
	res->unknown = !rc && (act < BPFVM_TC_ACT_UNSPEC || act > BPFVM_TC_ACT_TRAP);
	res->verdict = res->unknown ? 0 : (unsigned)(act + 1);
	res->target[0] = 0;
	if (!rc && act == BPFVM_TC_ACT_REDIRECT)
		runner_target(res, NULL, 0, ctx.redirect_ifindex);
	/* The packet as the program left it. */
	const uint8_t *s = ctx.data, *e = ctx.data_end;
	if (s < p->buf || e < s || e > p->buf_end) {
		s = p->data;
		e = p->data + p->len;
	}
	res->out = s;
	res->out_len = (size_t)(e - s);
	res->out_wire_len = (uint32_t)(res->out_len + (p->wire_len - p->len));
	return rc;
}

const struct runner_hook runner_tc = {
	.what = "a tc program",
	.verdicts = tc_verdicts,
	.n_verdicts = sizeof(tc_verdicts) / sizeof(tc_verdicts[0]),
	.error_verdict = BPFVM_TC_ACT_SHOT + 1,
	.run = tc_run,
	.setup = tc_setup,
};

/* ------------------------------------------------------- socket filter */

static const char *const socket_verdicts[] = { "pass", "drop" };

static int socket_run(const struct bpfvm_prog *prog, const struct runner_opts *o,
		      const struct runner_packet *p, struct runner_result *res,
		      struct bpfvm_error *err)
{
	struct bpfvm_skb_ctx ctx;
	struct runner_setup su;
	/* No direct packet access: the packet is readable for LD_ABS/LD_IND
	 * and the helpers that read it, not writable. */
	socket_setup(o, p, &ctx, &su);
	BPFVM_OPTS(bpfvm_run_opts, ro, .regions = &su.region, .n_regions = 1,
		   .insn_budget = o->insn_budget, .packet = p->data, .packet_len = p->len,
		   .cpu = p->cpu, .headers = su.headers, .net_off = su.net_off,
		   .ll_off = su.ll_off);
	uint64_t r0 = 0;
	int rc = bpfvm_prog__run(prog, &ctx, sizeof(ctx), &ro, &r0, err);
	res->ret = r0;
	uint32_t keep = (uint32_t)r0;
	res->verdict = keep ? 0 : 1;
	res->out = p->data;
	res->out_len = keep && keep < p->len ? keep : p->len;
	res->truncated = keep && keep < p->len;
	res->out_wire_len = p->wire_len;
	return rc;
}

const struct runner_hook runner_socket = {
	.what = "a socket filter",
	.verdicts = socket_verdicts,
	.n_verdicts = sizeof(socket_verdicts) / sizeof(socket_verdicts[0]),
	.error_verdict = 1,
	.run = socket_run,
	.setup = socket_setup,
};
