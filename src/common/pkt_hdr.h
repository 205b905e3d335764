/*
 * pkt_hdr.h - where LD_ABS/LD_IND read at SKF_NET_OFF + k and SKF_LL_OFF + k.
 *
 * The kernel's load helpers take a negative offset as a header-relative
 * one (bpf_internal_load_pointer_neg_helper): from SKF_NET_OFF up, k bytes
 * into the network header; from SKF_LL_OFF up, into the link-layer (MAC)
 * header; anything lower fails. The bytes read must end by the packet's
 * end. A run says where the headers are (bpfvm_run_opts.headers, net_off,
 * ll_off: offsets from the packet start); the interpreter and the JIT keep
 * the two offsets, or PKT_HDR_NONE when the run gave none, which puts
 * every such load past any packet's end, so it fails as any load outside
 * the packet does.
 */
#ifndef BPFVM_COMMON_PKT_HDR_H
#define BPFVM_COMMON_PKT_HDR_H

#include <stdint.h>

#include "bpfvm.h"
#include "common/error.h"

#define PKT_SKF_NET_OFF (-0x100000)
#define PKT_SKF_LL_OFF (-0x200000)
/* Far past any packet (lengths are below 2^32), with room to add a k. */
#define PKT_HDR_NONE (1ll << 40)

/* The network and link-layer header offsets opts gives, or PKT_HDR_NONE. */
static inline void pkt_hdr_offs(const struct bpfvm_run_opts *opts, int64_t *net, int64_t *ll)
{
	bool set = OPTS_GET(opts, headers, false);
	*net = set ? OPTS_GET(opts, net_off, 0) : PKT_HDR_NONE;
	*ll = set ? OPTS_GET(opts, ll_off, 0) : PKT_HDR_NONE;
}

/* The packet offset a negative LD_ABS/LD_IND offset off reads at, given
 * the header offsets; the caller checks it against the packet's end (a
 * result of PKT_HDR_NONE or more always fails that). */
static inline int64_t pkt_hdr_at(int64_t off, int64_t net, int64_t ll)
{
	if (off >= PKT_SKF_NET_OFF)
		return net + (off - PKT_SKF_NET_OFF);
	if (off >= PKT_SKF_LL_OFF)
		return ll + (off - PKT_SKF_LL_OFF);
	return PKT_HDR_NONE;
}

#endif /* BPFVM_COMMON_PKT_HDR_H */
