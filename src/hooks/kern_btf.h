/*
 * kern_btf.h - bpfvm's own types under the kernel's names, as BTF: the
 * target that CO-RE relocations resolve against (loader/core.c) and the
 * types behind BTF-typed pointers (verifier/btf_ptr.c).
 *
 * What the BTF describes, and where its layout comes from:
 * - the UAPI contexts the verifier rewrites (struct xdp_md, struct
 *   __sk_buff, struct seccomp_data): the fields of prog_types.def at their
 *   UAPI offsets, and only those (a CO-RE access to a field bpfvm does not
 *   have, __sk_buff's family say, finds nothing and is refused);
 * - the kernel-internal types a fentry/fexit program on an XDP program
 *   reads through its struct xdp_buff * argument: struct xdp_buff,
 *   xdp_rxq_info, xdp_txq_info and net_device, laid out as the C structs
 *   below, whose head is bpfvm's real XDP context (include/bpfvm_ctx.h);
 * - enum xdp_action.
 * Offsets are offsetof() of the real structs, so the BTF cannot drift from
 * them. It is built at run time with libbpf's btf__add_* writer, a few
 * dozen types, rather than compiled from a header by clang at build time:
 * the library then builds without clang, and there is one source of truth
 * (these structs and the field table) instead of a header that must be
 * kept in step with them.
 */
#ifndef BPFVM_HOOKS_KERN_BTF_H
#define BPFVM_HOOKS_KERN_BTF_H

#include <stdint.h>

#include "bpfvm_ctx.h"

struct btf; /* libbpf's */

/* The kernel's struct net_device, as far as bpfvm has one. */
struct kbtf_net_device {
	int32_t ifindex;
};

struct kbtf_xdp_rxq_info {
	struct kbtf_net_device *dev;
	uint32_t queue_index;
};

struct kbtf_xdp_txq_info {
	struct kbtf_net_device *dev;
};

/*
 * The kernel's struct xdp_buff for bpfvm: its real XDP context followed by
 * what the kernel reaches through it. A host that one day runs fentry
 * programs on XDP programs builds one per packet: ctx is the context the
 * XDP program gets, rxq->dev->ifindex = ctx.ingress_ifindex,
 * rxq->queue_index = ctx.rx_queue_index, txq->dev->ifindex =
 * ctx.egress_ifindex, frame_sz = data_hard_end - data_hard_start.
 * Members as BTF names them: data, data_end, data_meta, data_hard_start
 * (in ctx), rxq, txq, frame_sz.
 */
struct kbtf_xdp_buff {
	struct bpfvm_xdp_ctx ctx;
	struct kbtf_xdp_rxq_info *rxq;
	struct kbtf_xdp_txq_info *txq;
	uint32_t frame_sz;
	uint32_t reserved;
};

/* The context of a fentry/fexit program on an XDP program
 * (int func(struct xdp_md *ctx)): its arguments as u64 slots, then, for
 * fexit, the return value. */
struct kbtf_trace_xdp_ctx {
	struct kbtf_xdp_buff *xdp;
	uint64_t ret;
};

/* A new BTF object holding the types above; NULL with errno set on
 * failure. Free with btf__free(). */
struct btf *hook_kern_btf_new(void);

#endif
