/*
 * filter.h - the JIT's filter entry: a batch loop specialised for packet
 * filters (classic BPF translations, src/cbpf/filter.c).
 *
 * bpfvm_prog__run_batch's entry (lower_batch) takes general inputs: a
 * context and a packet per item, the per-run fields a helper may need,
 * and returns to C at every packet-load exit. A filter needs less: the
 * packet, its length, the wire length, one 32-bit verdict. The filter
 * entry loops over an array of struct jit_filter_pkt, keeps the item in a
 * register, stores only the packet and its length per input, and handles
 * the packet-load exit (an LD_ABS/LD_IND outside the packet: verdict 0)
 * inside the loop instead of returning to C.
 *
 * The image holds it at batch_off + JIT_FILTER_AT (lower_batch jumps over
 * it to the general entry), so no other part of the image moves.
 *
 * Contract of the program it runs (cbpf_filter_run_batch checks it; the
 * entry cannot):
 * - verified, and lean: no helper call, callx or may_goto (else the entry
 *   fails the run with -ENOTSUP: it sets none of the per-run fields those
 *   read);
 * - r1 is the item itself: the program reads its context at no offset but
 *   the item's len (offsetof(struct bpfvm_skb_ctx, len) == 24, which is
 *   what the verifier rewrites __sk_buff.len to);
 * - r6 holds r1 from the first instruction on and is never written again,
 *   and r1 is never written: the loop finds its item in rbx (BPF r6)
 *   after the program returns, and in rdi (BPF r1) after a packet-load
 *   exit, whose pops leave rbx stale.
 */
#ifndef BPFVM_JIT_FILTER_H
#define BPFVM_JIT_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfvm.h"

struct jit_buf;
struct jit_ctx;

/* One input of the filter entry (32 bytes; the code's offsets below). */
struct jit_filter_pkt {
	const void *data;     /* the LD_ABS/LD_IND packet */
	uint32_t caplen;      /* its bytes */
	uint32_t ret;         /* out: r0, low 32 bits */
	const void *user;     /* not read by the code */
	uint32_t len;         /* the context's len: at offset 24, as in
			       * struct bpfvm_skb_ctx */
	uint32_t reserved;
};

#define JIT_FPKT_DATA 0
#define JIT_FPKT_CAPLEN 8
#define JIT_FPKT_RET 12
#define JIT_FPKT_LEN 24
#define JIT_FPKT_SIZE 32

/* Bytes from batch_off to the filter entry: lower_batch's jmp rel32. */
#define JIT_FILTER_AT 5

/*
 * Emit the filter entry at the current position (lower_batch calls it,
 * inside the frame); epilogue is the frame's, lean whether the program
 * is lean (else the entry only fails the run). Returns the end of its
 * call to instruction 0, which the caller patches once the body's offset
 * is known (where the frame ends), or 0 when it made none.
 */
size_t lower_filter_entry(struct jit_ctx *c, size_t epilogue, bool lean);

/*
 * Run prog (JIT-compiled, verified, meeting the contract above) on
 * pkts[0..n): pkts[i].ret = its r0 (0 after a packet-load exit). 0, or a
 * negative errno with err filled: -EINVAL when prog has no machine code
 * or was not verified, -ENOTSUP when it is not lean, or the error a run
 * stopped with (later items keep their ret).
 */
int jit_run_filter(const struct bpfvm_prog *prog, struct jit_filter_pkt *pkts, size_t n,
		   struct bpfvm_error *err);

#endif /* BPFVM_JIT_FILTER_H */
