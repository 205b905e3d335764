/*
 * bpfvm_ctx.h - the real contexts of the packet and seccomp program types.
 *
 * A program sees the kernel's UAPI context (struct xdp_md, struct
 * __sk_buff, struct seccomp_data). After verification, bpfvm rewrites each
 * context field access into one load or store of the structs below (the
 * kernel's convert_ctx_accesses), so the host fills these and passes one
 * as bpfvm_prog__run's mem (r1), with mem_len = sizeof the struct. The
 * 32-bit `ctx->data` load of an XDP program then yields the real 64-bit
 * pointer stored here.
 *
 * The packet itself is another block of memory: pass it as a run region
 * (bpfvm_run_opts.regions, writable for XDP and tc) so the checked
 * interpreter lets the program touch it, and for socket filter and tc
 * programs also as bpfvm_run_opts.packet/packet_len (LD_ABS/LD_IND).
 *
 * Who fills what: the host (the pcap runner, a test) sets every field;
 * fields the host has no value for are 0. data_meta == data means "no
 * metadata"; metadata, when present, is the bytes [data_meta, data) and
 * must be inside a run region too. The program may write the fields its
 * type allows (tc: mark, priority, tc_index, tc_classid, queue_mapping,
 * cb[], tstamp; socket filter: cb[]); the host reads them back afterwards.
 *
 * The packet helpers (bpf_xdp_adjust_head/meta/tail, bpf_skb_store_bytes,
 * bpf_skb_change_tail, ...) move data, data_meta, data_end (and len) in
 * the context itself, so after the run the host finds the packet as the
 * program left it at [data, data_end), and the fields below the program
 * cannot see (appended after the UAPI ones) tell it the rest: the buffer
 * the packet may grow into, and where bpf_redirect* sent it.
 *
 * The buffer: the packet lives in [data_hard_start, data_hard_end), which
 * the host passes as ONE writable run region (bpfvm_run_opts.regions),
 * headroom and tailroom included. The region does not move when the packet
 * does: the interpreter guarantees memory safety (no access outside the
 * buffer), while the exact packet bounds are the verifier's job, as in the
 * kernel (it re-checks every packet access against data_end, and forgets
 * packet pointers at each helper call that can move the packet). The
 * helpers refuse to run (the run stops with -EFAULT) on a buffer that is
 * not writable run memory. A host that leaves data_hard_start and
 * data_hard_end at 0 gets a buffer of exactly [data_meta, data_end): the
 * packet can then shrink, but not grow.
 */
#ifndef BPFVM_CTX_H
#define BPFVM_CTX_H

#include <stdint.h>

struct bpfvm_map; /* bpfvm.h */

/* XDP (prog type 6): the fields of struct xdp_md, read-only. */
struct bpfvm_xdp_ctx {
	void *data;              /* first byte of the packet */
	void *data_end;          /* one past its last byte */
	void *data_meta;         /* start of metadata; == data when none */
	uint32_t ingress_ifindex;
	uint32_t rx_queue_index;
	uint32_t egress_ifindex; /* devmap programs; 0 otherwise */
	uint32_t reserved;

	/* --- not visible to the program: for the helpers and the host --- */

	/* The buffer (the kernel's data_hard_start, and data_hard_start +
	 * frame_sz - the skb_shared_info tailroom). The kernel's
	 * BPF_PROG_TEST_RUN gives BPFVM_XDP_HEADROOM bytes before data and
	 * ends the buffer BPFVM_XDP_TAILROOM bytes before the end of a
	 * BPFVM_XDP_FRAME_SIZE frame; a host that lays frames out the same
	 * way gets the kernel's results from adjust_head/meta/tail. The first
	 * BPFVM_XDP_FRAME_RESERVE bytes of headroom are never given to the
	 * packet or its metadata (the kernel keeps its struct xdp_frame
	 * there). */
	void *data_hard_start;
	void *data_hard_end;
	/* Where XDP_REDIRECT sends the packet, as bpf_redirect and
	 * bpf_redirect_map last set it (the kernel's bpf_redirect_info):
	 *   bpf_redirect(ifindex, 0): redirect_map NULL, redirect_ifindex =
	 *     ifindex;
	 *   bpf_redirect_map(map, key, flags) with a filled slot: redirect_map
	 *     = map, redirect_key = key, redirect_flags = flags when they ask
	 *     for a broadcast (BPF_F_BROADCAST) and 0 otherwise, and
	 *     redirect_ifindex = the slot's ifindex for a devmap (0 for a
	 *     cpumap or xskmap, whose key is the cpu or queue);
	 *   bpf_redirect_map on an empty slot: redirect_map NULL again (the
	 *     kernel forgets the map too).
	 * The host zeroes these before the run; they mean something only when
	 * the program returned XDP_REDIRECT. The map is the vm's (no
	 * reference is taken). */
	struct bpfvm_map *redirect_map;
	uint64_t redirect_flags;
	uint32_t redirect_ifindex;
	uint32_t redirect_key;
};

/* The kernel's XDP buffer layout under BPF_PROG_TEST_RUN (x86-64): 256
 * bytes of headroom (XDP_PACKET_HEADROOM) in a 4096-byte frame whose last
 * 320 bytes (struct skb_shared_info) the packet never reaches, so a packet
 * can grow to 4096 - 256 - 320 = 3520 bytes; and sizeof(struct xdp_frame),
 * the start of the headroom that stays the kernel's. */
#define BPFVM_XDP_HEADROOM 256
#define BPFVM_XDP_FRAME_SIZE 4096
#define BPFVM_XDP_TAILROOM 320
#define BPFVM_XDP_FRAME_RESERVE 40

/* Socket filter (1) and tc / sched_cls (3), act (4): struct __sk_buff.
 * Socket filters read the scalar fields and read/write cb[] only; they
 * have no direct packet access (data/data_end) and use LD_ABS instead. */
struct bpfvm_skb_ctx {
	void *data;              /* tc: first byte of the packet (the L2 header) */
	void *data_end;
	void *data_meta;         /* == data when none */
	uint32_t len;            /* packet length (data_end - data for linear skbs) */
	uint32_t pkt_type;       /* PACKET_HOST, ... */
	uint32_t mark;           /* tc: writable */
	uint32_t queue_mapping;  /* tc: writable */
	uint32_t protocol;       /* ETH_P_* in network byte order, as the kernel */
	uint32_t vlan_present;
	uint32_t vlan_tci;
	uint32_t vlan_proto;
	uint32_t priority;       /* tc: writable */
	uint32_t ingress_ifindex;
	uint32_t ifindex;
	uint32_t tc_index;       /* tc: writable */
	uint32_t cb[5];          /* scratch shared along the path; writable */
	uint32_t hash;
	uint32_t tc_classid;     /* tc only: writable */
	uint32_t napi_id;
	uint32_t wire_len;       /* tc only */
	uint32_t gso_segs;
	uint32_t gso_size;
	uint32_t reserved;
	uint64_t tstamp;         /* tc: writable */
	uint64_t hwtstamp;

	/* --- not visible to the program: for the helpers and the host --- */

	/* The buffer around the packet (the kernel's skb->head and skb->end):
	 * bpf_skb_change_head pushes into [data_hard_start, data),
	 * bpf_skb_change_tail grows into [data_end, data_hard_end). The
	 * kernel reallocates an skb that lacks room; bpfvm cannot, and such a
	 * call returns -ENOMEM. The helpers read the packet at [data,
	 * data_end) for every skb type, so socket-filter hosts fill data and
	 * data_end too (the program itself cannot read them). bpfvm's skbs
	 * are linear, start at the Ethernet header, and have no checksum state
	 * (the kernel's CHECKSUM_NONE, which its BPF_PROG_TEST_RUN gives too). */
	void *data_hard_start;
	void *data_hard_end;
	/* Set by bpf_redirect(ifindex, flags) (tc: TC_ACT_REDIRECT): the
	 * target and its flags (BPF_F_INGRESS = 1). Zeroed by the host before
	 * the run; they mean something only when the program returned
	 * TC_ACT_REDIRECT. */
	uint64_t redirect_flags;
	uint32_t redirect_ifindex;
	/* Nonzero when the program set the hash itself (bpf_set_hash): the
	 * kernel's sw_hash bit, which makes bpf_get_hash_recalc return the
	 * hash as set, even 0, instead of computing one. Zeroed by the host. */
	uint32_t hash_set;
};

/* The kernel's BPF_SKB_MAX_LEN (SKB_MAX_ALLOC on x86-64): no skb helper
 * makes a packet longer. A host whose buffer has this much room on both
 * sides of the packet gets the kernel's results from every
 * bpf_skb_change_head / _change_tail. */
#define BPFVM_SKB_MAX_LEN 16064

/* Seccomp (bpfvm's type 0x7fff0001): struct seccomp_data, read-only,
 * passed as is (no rewriting). */
struct bpfvm_seccomp_ctx {
	int32_t nr;
	uint32_t arch;
	uint64_t instruction_pointer;
	uint64_t args[6];
};

/* Return values. */
enum bpfvm_xdp_action {
	BPFVM_XDP_ABORTED = 0,
	BPFVM_XDP_DROP,
	BPFVM_XDP_PASS,
	BPFVM_XDP_TX,
	BPFVM_XDP_REDIRECT,
};

/* tc: TC_ACT_UNSPEC (-1) .. TC_ACT_TRAP (8). */
#define BPFVM_TC_ACT_UNSPEC (-1)
#define BPFVM_TC_ACT_OK 0
#define BPFVM_TC_ACT_SHOT 2
#define BPFVM_TC_ACT_REDIRECT 7
#define BPFVM_TC_ACT_TRAP 8

#endif
