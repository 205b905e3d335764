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
 */
#ifndef BPFVM_CTX_H
#define BPFVM_CTX_H

#include <stdint.h>

/* XDP (prog type 6): the fields of struct xdp_md, read-only. */
struct bpfvm_xdp_ctx {
	void *data;              /* first byte of the packet */
	void *data_end;          /* one past its last byte */
	void *data_meta;         /* start of metadata; == data when none */
	uint32_t ingress_ifindex;
	uint32_t rx_queue_index;
	uint32_t egress_ifindex; /* devmap programs; 0 otherwise */
	uint32_t reserved;
};

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
};

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
#define BPFVM_TC_ACT_TRAP 8

#endif
