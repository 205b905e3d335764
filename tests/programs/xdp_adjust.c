/*
 * xdp_adjust.c - XDP programs that call the packet helpers with arguments
 * taken from the packet, so that one object covers each helper's success
 * and error returns (tests/unit/test_packet_helpers.c runs them in bpfvm,
 * tests/kernel/test_kernel_packet_helpers.c in bpfvm and the kernel).
 *
 * The arguments: struct params right after the Ethernet header (packet
 * bytes 14..30, host byte order). A packet too short for them gives
 * NO_PARAMS. Return values: a helper's error -e from the Nth call gives
 * N * 0x1000 + e; success gives XDP_PASS or a length (< 0x1000).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct params {
	__s32 a, b;
	__u32 c, d;
};

#define NO_PARAMS 99
#define ERR(n, rc) ((n) * 0x1000 + (int)-(rc))

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} devmap SEC(".maps");

static __always_inline int get_params(struct xdp_md *ctx, struct params *p)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct params *in = data + 14;
	if ((void *)(in + 1) > data_end)
		return -1;
	*p = *in;
	return 0;
}

/* adjust_head(a), then mark the new first byte. */
SEC("xdp")
int xdp_head(struct xdp_md *ctx)
{
	struct params p;
	if (get_params(ctx, &p))
		return NO_PARAMS;
	long rc = bpf_xdp_adjust_head(ctx, p.a);
	if (rc)
		return ERR(1, rc);
	__u8 *data = (void *)(long)ctx->data;
	if ((void *)(data + 1) > (void *)(long)ctx->data_end)
		return 98;
	data[0] = 0xa5;
	return XDP_PASS;
}

/* adjust_meta(a), write a word of metadata, then adjust_head(b), which
 * carries the metadata along; check that it did. */
SEC("xdp")
int xdp_meta(struct xdp_md *ctx)
{
	struct params p;
	if (get_params(ctx, &p))
		return NO_PARAMS;
	long rc = bpf_xdp_adjust_meta(ctx, p.a);
	if (rc)
		return ERR(1, rc);
	__u32 *meta = (void *)(long)ctx->data_meta;
	if ((void *)(meta + 1) <= (void *)(long)ctx->data)
		*meta = 0x11223344;
	rc = bpf_xdp_adjust_head(ctx, p.b);
	if (rc)
		return ERR(2, rc);
	meta = (void *)(long)ctx->data_meta;
	if ((void *)(meta + 1) <= (void *)(long)ctx->data && *meta != 0x11223344)
		return 97;
	return XDP_PASS;
}

/* adjust_tail(a); returns the new length. */
SEC("xdp")
int xdp_tail(struct xdp_md *ctx)
{
	struct params p;
	if (get_params(ctx, &p))
		return NO_PARAMS;
	long rc = bpf_xdp_adjust_tail(ctx, p.a);
	if (rc)
		return ERR(1, rc);
	return bpf_xdp_get_buff_len(ctx);
}

/* load_bytes(c, 16 bytes), flip them, store_bytes(d, 8 bytes); returns
 * the length. */
SEC("xdp")
int xdp_bytes(struct xdp_md *ctx)
{
	struct params p;
	if (get_params(ctx, &p))
		return NO_PARAMS;
	__u8 buf[16];
	long rc = bpf_xdp_load_bytes(ctx, p.c, buf, sizeof(buf));
	if (rc)
		return ERR(1, rc);
	for (int i = 0; i < 16; i++)
		buf[i] ^= 0xff;
	rc = bpf_xdp_store_bytes(ctx, p.d, buf, 8);
	if (rc)
		return ERR(2, rc);
	return bpf_xdp_get_buff_len(ctx);
}

/* store_bytes(c, 4 bytes) writes into the packet without moving it, so
 * a packet pointer taken before the call stays valid after it, as the
 * kernel's verifier allows. Returns packet byte 20. */
SEC("xdp")
int xdp_keep(struct xdp_md *ctx)
{
	__u8 *data = (void *)(long)ctx->data;
	if ((void *)(data + 30) > (void *)(long)ctx->data_end)
		return NO_PARAMS;
	__u32 off = ((struct params *)(data + 14))->c;
	__u8 b[4] = { 0xde, 0xad, 0xbe, 0xef };
	long rc = bpf_xdp_store_bytes(ctx, off, b, sizeof(b));
	if (rc)
		return ERR(1, rc);
	return data[20];
}

/* redirect(c, flags a). */
SEC("xdp")
int xdp_redirect(struct xdp_md *ctx)
{
	struct params p;
	if (get_params(ctx, &p))
		return NO_PARAMS;
	return bpf_redirect(p.c, (__u32)p.a);
}

/* redirect_map(devmap, key c, flags d). */
SEC("xdp")
int xdp_redirect_map(struct xdp_md *ctx)
{
	struct params p;
	if (get_params(ctx, &p))
		return NO_PARAMS;
	return bpf_redirect_map(&devmap, p.c, p.d);
}

char LICENSE[] SEC("license") = "GPL";
