/*
 * xdp.c - the XDP packet helpers: bpf_xdp_adjust_head, _adjust_meta,
 * _adjust_tail, bpf_xdp_load_bytes, _store_bytes and bpf_xdp_get_buff_len,
 * with the checks and return codes of the kernel's net/core/filter.c
 * (Linux 6.18) for a linear buffer (bpfvm has no fragments).
 *
 * The buffer (pkt_ctx.c) runs from data_hard_start to data_hard_end:
 *
 *   | xdp_frame | headroom    | metadata | packet           | tailroom |
 *   ^start      ^frame        ^data_meta ^data    data_end^       end^
 *
 * Invariants the helpers keep (and the kernel keeps): frame <= data_meta
 * <= data, data + ETH_HLEN <= data_end <= end, metadata a multiple of 4
 * bytes and at most XDP_META_MAX. Growing the packet never shows stale
 * bytes: adjust_tail zeroes what it adds. (adjust_head and adjust_meta do
 * not, as the kernel; bpfvm's hosts hand over buffers they zeroed.)
 */
#include <errno.h>
#include <string.h>

#include "helpers_impl.h"

/* The kernel's xdp_metalen_invalid(): at most type_max of skb_shared_info's
 * u8 meta_len (Linux 6.18; older kernels allowed 32) and 4-byte aligned. */
#define XDP_META_MAX 255
/* bpf_xdp_pointer(): offsets and lengths above 0xffff are refused. */
#define XDP_ACCESS_MAX 0xffff

/* bpf_xdp_adjust_head(ctx, delta): move data by delta (an int), carrying
 * the metadata along. The packet keeps at least ETH_HLEN bytes and data
 * stays past the xdp_frame reserve plus the metadata. */
HELPER_DECL(xdp_adjust_head)
{
	(void)r3, (void)r4, (void)r5;
	struct pkt_xdp x;
	if (pkt_xdp_get(call, "xdp_adjust_head", r1, true, &x))
		return HELPER_ERR(-EINVAL);
	int64_t off = (int32_t)r2;
	uint64_t metalen = x.meta_ok ? x.data - x.meta : 0;
	int64_t data = (int64_t)x.data + off;
	if (data < (int64_t)(x.frame + metalen) || data > (int64_t)x.data_end - PKT_ETH_HLEN)
		return HELPER_ERR(-EINVAL);
	if (metalen)
		memmove(x.buf + x.meta + off, x.buf + x.meta, metalen);
	/* As the kernel: data_meta moves even when metadata is unsupported
	 * (it stays data + 1). */
	x.meta += (uint64_t)off;
	x.data = (uint64_t)data;
	pkt_xdp_put(&x);
	return 0;
}

/* bpf_xdp_adjust_meta(ctx, delta): move data_meta by delta. */
HELPER_DECL(xdp_adjust_meta)
{
	(void)r3, (void)r4, (void)r5;
	struct pkt_xdp x;
	if (pkt_xdp_get(call, "xdp_adjust_meta", r1, true, &x))
		return HELPER_ERR(-EINVAL);
	if (!x.meta_ok)
		return HELPER_ERR(-PKT_ENOTSUPP);
	int64_t meta = (int64_t)x.meta + (int32_t)r2;
	if (meta < (int64_t)x.frame || meta > (int64_t)x.data)
		return HELPER_ERR(-EINVAL);
	uint64_t metalen = x.data - (uint64_t)meta;
	if ((metalen & 3) || metalen > XDP_META_MAX)
		return HELPER_ERR(-EACCES);
	x.meta = (uint64_t)meta;
	pkt_xdp_put(&x);
	return 0;
}

/* bpf_xdp_adjust_tail(ctx, delta): move data_end by delta, within the
 * buffer and never below ETH_HLEN bytes; grown bytes read as zeros. */
HELPER_DECL(xdp_adjust_tail)
{
	(void)r3, (void)r4, (void)r5;
	struct pkt_xdp x;
	if (pkt_xdp_get(call, "xdp_adjust_tail", r1, true, &x))
		return HELPER_ERR(-EINVAL);
	int64_t off = (int32_t)r2;
	int64_t end = (int64_t)x.data_end + off;
	if (end > (int64_t)x.end || end < (int64_t)x.data + PKT_ETH_HLEN)
		return HELPER_ERR(-EINVAL);
	if (off > 0)
		memset(x.buf + x.data_end, 0, (size_t)off);
	x.data_end = (uint64_t)end;
	pkt_xdp_put(&x);
	return 0;
}

/* bpf_xdp_get_buff_len(ctx): the packet's length (linear: data_end - data). */
HELPER_DECL(xdp_get_buff_len)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	struct pkt_xdp x;
	if (pkt_xdp_get(call, "xdp_get_buff_len", r1, false, &x))
		return 0;
	return x.data_end - x.data;
}

/* The kernel's bpf_xdp_pointer() checks, in its order: -EFAULT for an
 * offset or length above 0xffff, -EINVAL past the packet's end. */
static long xdp_range(const struct pkt_xdp *x, uint32_t off, uint32_t len)
{
	if (off > XDP_ACCESS_MAX || len > XDP_ACCESS_MAX)
		return -EFAULT;
	if ((uint64_t)off + len > x->data_end - x->data)
		return -EINVAL;
	return 0;
}

/* bpf_xdp_load_bytes(ctx, offset, buf, len): copy from the packet. */
HELPER_DECL(xdp_load_bytes)
{
	(void)r5;
	uint32_t off = (uint32_t)r2, len = (uint32_t)r4;
	void *to = helper_mem(call, "xdp_load_bytes", 3, r3, len, true);
	if (!to)
		return HELPER_ERR(-EFAULT);
	struct pkt_xdp x;
	if (pkt_xdp_get(call, "xdp_load_bytes", r1, false, &x))
		return HELPER_ERR(-EINVAL);
	long rc = xdp_range(&x, off, len);
	if (rc)
		return HELPER_ERR(rc);
	memmove(to, x.buf + x.data + off, len);
	return 0;
}

/* bpf_xdp_store_bytes(ctx, offset, buf, len): copy into the packet. */
HELPER_DECL(xdp_store_bytes)
{
	(void)r5;
	uint32_t off = (uint32_t)r2, len = (uint32_t)r4;
	const void *from = helper_mem(call, "xdp_store_bytes", 3, r3, len, false);
	if (!from)
		return HELPER_ERR(-EFAULT);
	struct pkt_xdp x;
	if (pkt_xdp_get(call, "xdp_store_bytes", r1, true, &x))
		return HELPER_ERR(-EINVAL);
	long rc = xdp_range(&x, off, len);
	if (rc)
		return HELPER_ERR(rc);
	memmove(x.buf + x.data + off, from, len);
	return 0;
}
