/*
 * redirect.c - bpf_redirect and bpf_redirect_map: choose where a packet
 * goes, for the host to act on when the program returns XDP_REDIRECT or
 * TC_ACT_REDIRECT.
 *
 * The kernel keeps the choice in a per-CPU struct bpf_redirect_info that
 * the driver or tc reads after the program; bpfvm keeps it in the run's
 * context, in the fields after the UAPI ones (bpfvm_ctx.h: redirect_map,
 * redirect_key, redirect_ifindex, redirect_flags), where the host reads it
 * after the run. The last call wins, as in the kernel. A run whose mem is
 * not the context of an XDP or tc program (a raw test run) gets the same
 * return values with nothing recorded.
 *
 * bpf_redirect has two kernel versions behind one id: bpf_xdp_redirect for
 * XDP (any flag: XDP_ABORTED) and bpf_redirect for tc (flags other than
 * BPF_F_INGRESS: TC_ACT_SHOT).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "helpers_impl.h"
#include "interp/call.h"
#include "maps/map.h"
#include "prog/prog.h"

enum { XDP_ABORTED = 0, XDP_REDIRECT = 4, XDP_ACTION_MASK = 3 };
#define F_INGRESS 1u
#define F_BROADCAST (1u << 3)
#define F_EXCLUDE_INGRESS (1u << 4)

/* bpf_redirect(ifindex, flags). */
HELPER_DECL(redirect)
{
	(void)r3, (void)r4, (void)r5;
	uint32_t ifindex = (uint32_t)r1;
	uint32_t type = call->prog ? call->prog->prog_type : 0;
	if (type == 3 || type == 4) { /* tc cls, act */
		if (r2 & ~(uint64_t)F_INGRESS)
			return BPFVM_TC_ACT_SHOT;
		struct bpfvm_skb_ctx *skb = pkt_run_tc_ctx(call);
		if (skb) {
			skb->redirect_ifindex = ifindex;
			skb->redirect_flags = r2;
		}
		return BPFVM_TC_ACT_REDIRECT;
	}
	if (r2)
		return XDP_ABORTED;
	struct bpfvm_xdp_ctx *xdp = pkt_run_xdp_ctx(call);
	if (xdp) {
		xdp->redirect_map = NULL;
		xdp->redirect_ifindex = ifindex;
		xdp->redirect_key = 0;
		xdp->redirect_flags = 0;
	}
	return XDP_REDIRECT;
}

/*
 * bpf_redirect_map(map, key, flags): XDP_REDIRECT to the devmap, cpumap or
 * xskmap slot key when it holds a target (a non-zero ifindex, queue size
 * or socket: what the kernel would have a device, cpu or socket for),
 * else the fallback action in the low two bits of flags. Other flag bits
 * give XDP_ABORTED, except BPF_F_BROADCAST and BPF_F_EXCLUDE_INGRESS on a
 * devmap; a broadcast redirects even from an empty slot.
 */
HELPER_DECL(redirect_map)
{
	(void)r4, (void)r5;
	struct bpfvm_map *map = map_by_addr(call->vm, r1);
	if (!map) {
		char msg[96];
		snprintf(msg, sizeof(msg), "bpf_redirect_map: r1 = 0x%llx is not a map",
			 (unsigned long long)r1);
		bpfvm_call__fail(call, -EINVAL, msg);
		return 0;
	}
	bool devmap = map->type == BPFVM_MAP_TYPE_DEVMAP || map->type == BPFVM_MAP_TYPE_DEVMAP_HASH;
	if (!devmap && map->type != BPFVM_MAP_TYPE_CPUMAP && map->type != BPFVM_MAP_TYPE_XSKMAP) {
		bpfvm_call__fail(call, -EINVAL,
				 "bpf_redirect_map: r1 is not a devmap, cpumap or xskmap");
		return 0;
	}
	uint64_t flags = r3;
	uint64_t allowed = XDP_ACTION_MASK | (devmap ? F_BROADCAST | F_EXCLUDE_INGRESS : 0);
	if (flags & ~allowed)
		return XDP_ABORTED;
	uint32_t key = (uint32_t)r2, target = 0;
	const void *slot = map_lookup_elem(map, &key, 0);
	if (slot)
		memcpy(&target, slot, sizeof(target));
	struct bpfvm_xdp_ctx *xdp = pkt_run_xdp_ctx(call);
	if (!target && !(flags & F_BROADCAST)) {
		if (xdp)
			xdp->redirect_map = NULL; /* the kernel forgets the map too */
		return flags & XDP_ACTION_MASK;
	}
	if (xdp) {
		xdp->redirect_map = map;
		xdp->redirect_key = key;
		xdp->redirect_ifindex = devmap ? target : 0;
		xdp->redirect_flags = flags & F_BROADCAST ? flags : 0;
	}
	return XDP_REDIRECT;
}
