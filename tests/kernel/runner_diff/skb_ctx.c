/*
 * skb_ctx.c - the skb of the kernel's BPF_PROG_TEST_RUN
 * (net/bpf/test_run.c, bpf_prog_test_run_skb), as bpfvm's context:
 * - the device is the loopback (ctx_in ifindex 1): ifindex 1, and its
 *   address is 00:00:00:00:00:00, so eth_type_trans() calls a unicast
 *   frame to any other address PACKET_OTHERHOST, a group address
 *   PACKET_MULTICAST, ff:ff:ff:ff:ff:ff PACKET_BROADCAST;
 * - protocol: the EtherType (network order) for Ethernet II, ETH_P_802_3
 *   for 802.3 frames starting ff:ff, else ETH_P_802_2; VLAN tags stay in
 *   the frame (no untagging: vlan_* are 0);
 * - tc (l2) sees the frame from the Ethernet header; a socket filter from
 *   the network header, so its len is 14 bytes shorter;
 * - mark, priority, ingress_ifindex, cb[], tstamp, gso_segs, gso_size
 *   and hwtstamp come from ctx_in; wire_len is len (ctx_in's 0); hash,
 *   queue_mapping, tc_index, tc_classid, napi_id are 0.
 */
#include <string.h>

#include "skb_ctx.h"

#define ETH_HLEN_ 14

static uint32_t be16_field(unsigned v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	uint16_t r;
	memcpy(&r, b, 2);
	return r;
}

void skb_ctx_fill(struct bpfvm_skb_ctx *ctx, uint8_t *buf, uint8_t *buf_end, uint8_t *frame,
		  size_t len, bool l2, const struct __sk_buff *in)
{
	static const uint8_t zero[6], bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	memset(ctx, 0, sizeof(*ctx));
	/* eth_type_trans() (the kernel's test run refuses frames shorter
	 * than an Ethernet header) */
	if (frame[0] & 1)
		ctx->pkt_type = memcmp(frame, bcast, 6) ? 2 /* MULTICAST */ : 1 /* BROADCAST */;
	else if (memcmp(frame, zero, 6))
		ctx->pkt_type = 3; /* PACKET_OTHERHOST */
	unsigned type = (unsigned)(frame[12] << 8 | frame[13]);
	if (type >= 0x600)
		ctx->protocol = be16_field(type);
	else if (len >= ETH_HLEN_ + 2 && frame[14] == 0xff && frame[15] == 0xff)
		ctx->protocol = be16_field(0x0001);
	else
		ctx->protocol = be16_field(0x0004);
	uint8_t *data = l2 ? frame : frame + ETH_HLEN_;
	ctx->data = ctx->data_meta = data;
	ctx->data_end = frame + len;
	ctx->len = (uint32_t)(frame + len - data);
	ctx->wire_len = in->wire_len ? in->wire_len : ctx->len;
	ctx->ifindex = 1;
	ctx->ingress_ifindex = in->ingress_ifindex;
	ctx->mark = in->mark;
	ctx->priority = in->priority;
	memcpy(ctx->cb, in->cb, sizeof(ctx->cb));
	ctx->tstamp = in->tstamp;
	ctx->hwtstamp = in->hwtstamp;
	ctx->gso_segs = in->gso_segs;
	ctx->gso_size = in->gso_size;
	ctx->data_hard_start = buf;
	ctx->data_hard_end = buf_end;
}
