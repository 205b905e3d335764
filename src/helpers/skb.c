/*
 * skb.c - the sk_buff data helpers: bpf_skb_load_bytes, _store_bytes,
 * bpf_skb_pull_data, bpf_skb_change_tail and _change_head, with the
 * checks and return codes of the kernel's net/core/filter.c (Linux 6.18).
 *
 * bpfvm's skbs (bpfvm_ctx.h) are linear: all len bytes sit at [data,
 * data_end), so skb_headlen == skb->len, pulls never have anything to
 * pull, and the kernel's "make writable" step can fail only when the
 * range passes the packet's end. They start at the Ethernet header (the
 * kernel's tc view: network header at ETH_HLEN) and are never clones,
 * GSO or encapsulated. Where the kernel would reallocate an skb short of
 * head- or tailroom, bpfvm has only the host's buffer: -ENOMEM.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "helpers_impl.h"

/* BPF_SKB_MAX_LEN: the kernel's SKB_MAX_ALLOC, four 4 KiB pages less the
 * 320-byte skb_shared_info (x86-64). */
#define SKB_MAX_LEN BPFVM_SKB_MAX_LEN
_Static_assert(BPFVM_SKB_MAX_LEN == 4 * 4096 - 320, "SKB_MAX_ALLOC");

/* skb_store_bytes flags. */
#define F_RECOMPUTE_CSUM 1u
#define F_INVALIDATE_HASH 2u

/* bpf_skb_load_bytes(ctx, offset, to, len): copy from the packet; on
 * failure the kernel zeroes `to` and returns -EFAULT. */
HELPER_DECL(skb_load_bytes)
{
	(void)r5;
	uint32_t off = (uint32_t)r2, len = (uint32_t)r4;
	void *to = helper_mem(call, "skb_load_bytes", 3, r3, len, true);
	if (!to)
		return HELPER_ERR(-EFAULT);
	struct pkt_skb s;
	if (pkt_skb_get(call, "skb_load_bytes", r1, false, &s))
		return HELPER_ERR(-EINVAL);
	if (off > INT_MAX || (uint64_t)off + len > s.data_end - s.data) {
		memset(to, 0, len);
		return HELPER_ERR(-EFAULT);
	}
	memmove(to, s.buf + s.data + off, len);
	return 0;
}

/*
 * bpf_skb_store_bytes(ctx, offset, from, len, flags): copy into the
 * packet. BPF_F_RECOMPUTE_CSUM updates skb->csum only for CHECKSUM_COMPLETE
 * skbs, which bpfvm's are not; BPF_F_INVALIDATE_HASH clears the hash.
 */
HELPER_DECL(skb_store_bytes)
{
	uint32_t off = (uint32_t)r2, len = (uint32_t)r4;
	const void *from = helper_mem(call, "skb_store_bytes", 3, r3, len, false);
	if (!from)
		return HELPER_ERR(-EFAULT);
	struct pkt_skb s;
	if (pkt_skb_get(call, "skb_store_bytes", r1, true, &s))
		return HELPER_ERR(-EINVAL);
	if (r5 & ~(uint64_t)(F_RECOMPUTE_CSUM | F_INVALIDATE_HASH))
		return HELPER_ERR(-EINVAL);
	if (off > INT_MAX || (uint64_t)off + len > s.data_end - s.data)
		return HELPER_ERR(-EFAULT);
	memmove(s.buf + s.data + off, from, len);
	if (r5 & F_INVALIDATE_HASH)
		s.ctx->hash = 0;
	return 0;
}

/* bpf_skb_pull_data(ctx, len): make len bytes (0: the linear part)
 * directly accessible. All of a bpfvm skb is; more than it has is
 * -ENOMEM, as pskb_may_pull() failing in skb_ensure_writable(). */
HELPER_DECL(skb_pull_data)
{
	(void)r3, (void)r4, (void)r5;
	struct pkt_skb s;
	if (pkt_skb_get(call, "skb_pull_data", r1, false, &s))
		return HELPER_ERR(-EINVAL);
	uint64_t len = s.data_end - s.data;
	uint32_t want = (uint32_t)r2 ? (uint32_t)r2 : (uint32_t)len;
	return want > len ? HELPER_ERR(-ENOMEM) : 0;
}

/*
 * bpf_skb_change_tail(ctx, new_len, flags): trim the packet to new_len, or
 * grow it with zeros. No flags are defined; new_len stays within the
 * network header offset (ETH_HLEN here) and SKB_MAX_LEN.
 */
HELPER_DECL(skb_change_tail)
{
	(void)r4, (void)r5;
	struct pkt_skb s;
	if (pkt_skb_get(call, "skb_change_tail", r1, true, &s))
		return HELPER_ERR(-EINVAL);
	uint32_t new_len = (uint32_t)r2;
	if (r3 || new_len > SKB_MAX_LEN || new_len < PKT_ETH_HLEN)
		return HELPER_ERR(-EINVAL);
	uint64_t len = s.data_end - s.data;
	if (new_len > len) {
		if (s.data + new_len > s.end)
			return HELPER_ERR(-ENOMEM); /* the kernel would reallocate */
		memset(s.buf + s.data_end, 0, new_len - len);
	}
	s.data_end = s.data + new_len;
	pkt_skb_put(&s);
	return 0;
}

/*
 * bpf_skb_change_head(ctx, head_room, flags): push head_room zero bytes in
 * front of the packet (a new MAC header, for an L3 skb going to an L2
 * device). The kernel's checks in its order: flags, then the new length
 * (u32 arithmetic, so a huge head_room wraps below the old length).
 * Metadata does not survive the push here (data_meta = data).
 */
HELPER_DECL(skb_change_head)
{
	(void)r4, (void)r5;
	struct pkt_skb s;
	if (pkt_skb_get(call, "skb_change_head", r1, true, &s))
		return HELPER_ERR(-EINVAL);
	uint32_t room = (uint32_t)r2, len = (uint32_t)(s.data_end - s.data);
	uint32_t new_len = len + room;
	if (r3 || new_len > SKB_MAX_LEN || new_len < len)
		return HELPER_ERR(-EINVAL);
	if (room > s.data)
		return HELPER_ERR(-ENOMEM); /* the kernel would reallocate */
	s.data -= room;
	memset(s.buf + s.data, 0, room);
	s.meta = s.data;
	pkt_skb_put(&s);
	return 0;
}
