/*
 * helpers_impl.h - the built-in helper implementations, one family per file
 * (maps.c, time.c, output.c, strings.c, misc.c; the packet helpers in
 * xdp.c, skb.c, csum.c, skb_hash.c and redirect.c, which reach the packet
 * through pkt_ctx.c), and the few pieces those files share.
 *
 * Every implementation has the bpfvm_helper_fn signature, the kernel's
 * semantics and return codes (negative errnos as 64-bit values). Pointer
 * arguments are checked with bpfvm_call__check_mem() before use. Where the
 * kernel's verifier would have refused the program (a bad map pointer, key
 * or output buffer), the helper stops the run with bpfvm_call__fail();
 * where the kernel's helper itself reports an error at run time (a
 * faulting probe_read source, a bad format), it returns that error.
 */
#ifndef BPFVM_HELPERS_IMPL_H
#define BPFVM_HELPERS_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfvm.h"

#define HELPER_DECL(name)                                                           \
	uint64_t helper_##name(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, \
			       uint64_t r5, struct bpfvm_call *call)

/* maps.c */
HELPER_DECL(map_lookup_elem);
HELPER_DECL(tail_call);
HELPER_DECL(loop);
HELPER_DECL(for_each_map_elem);
HELPER_DECL(map_update_elem);
HELPER_DECL(map_delete_elem);
HELPER_DECL(map_push_elem);
HELPER_DECL(map_pop_elem);
HELPER_DECL(map_peek_elem);
HELPER_DECL(map_lookup_percpu_elem);

/* time.c */
HELPER_DECL(ktime_get_ns);
HELPER_DECL(ktime_get_boot_ns);
HELPER_DECL(ktime_get_coarse_ns);
HELPER_DECL(ktime_get_tai_ns);
HELPER_DECL(jiffies64);
HELPER_DECL(get_prandom_u32);
HELPER_DECL(get_smp_processor_id);

/* output.c */
HELPER_DECL(trace_printk);
HELPER_DECL(trace_vprintk);
HELPER_DECL(snprintf);
HELPER_DECL(ringbuf_output);
HELPER_DECL(ringbuf_reserve);
HELPER_DECL(ringbuf_submit);
HELPER_DECL(ringbuf_discard);
HELPER_DECL(ringbuf_query);
HELPER_DECL(perf_event_output);
HELPER_DECL(xdp_output);

/* strings.c */
HELPER_DECL(strtol);
HELPER_DECL(strtoul);
HELPER_DECL(strncmp);

/* misc.c */
HELPER_DECL(csum_diff);
HELPER_DECL(get_current_pid_tgid);
HELPER_DECL(get_current_uid_gid);
HELPER_DECL(get_current_comm);
HELPER_DECL(probe_read);
HELPER_DECL(probe_read_str);
HELPER_DECL(probe_read_user);
HELPER_DECL(probe_read_user_str);
HELPER_DECL(probe_read_kernel);
HELPER_DECL(probe_read_kernel_str);
HELPER_DECL(spin_lock);
HELPER_DECL(spin_unlock);

/* xdp.c */
HELPER_DECL(xdp_adjust_head);
HELPER_DECL(xdp_adjust_meta);
HELPER_DECL(xdp_adjust_tail);
HELPER_DECL(xdp_get_buff_len);
HELPER_DECL(xdp_load_bytes);
HELPER_DECL(xdp_store_bytes);

/* skb.c */
HELPER_DECL(skb_load_bytes);
HELPER_DECL(skb_store_bytes);
HELPER_DECL(skb_pull_data);
HELPER_DECL(skb_change_tail);
HELPER_DECL(skb_change_head);

/* skb_hash.c */
HELPER_DECL(get_hash_recalc);
HELPER_DECL(set_hash_invalid);
HELPER_DECL(set_hash);

/* csum.c */
HELPER_DECL(l3_csum_replace);
HELPER_DECL(l4_csum_replace);

/* redirect.c */
HELPER_DECL(redirect);
HELPER_DECL(redirect_map);

/* A negative errno as the helper's 64-bit return value. */
#define HELPER_ERR(e) ((uint64_t)(int64_t)(e))

/*
 * Check [addr, addr + size) for the helper `name` (read, or write when
 * write); on failure stop the run with -EFAULT and a message naming the
 * helper and argument, and return NULL. Else the host pointer (never NULL:
 * an empty range at address 0, which the kernel allows for its *_OR_NULL
 * memory arguments, gives a pointer to no bytes).
 */
void *helper_mem(struct bpfvm_call *call, const char *name, int argno, uint64_t addr,
		 uint64_t size, bool write);

/*
 * The kernel's strncpy_from_kernel_nofault() on program memory: copy the
 * string at addr into dst, at most count bytes, always NUL-terminated when
 * count > 0. Returns the length copied including the NUL (count when
 * truncated), 0 for count 0, or -EFAULT when a byte it needs is outside
 * the memory the program may read (dst then holds a partial copy).
 */
long helper_copy_str(struct bpfvm_call *call, uint64_t addr, char *dst, size_t count);

/*
 * A NUL-terminated string argument (the kernel's ARG_PTR_TO_CONST_STR):
 * every byte up to the NUL must be readable, else the run stops with
 * -EFAULT and NULL is returned.
 */
const char *helper_str(struct bpfvm_call *call, const char *name, int argno, uint64_t addr);

/*
 * The formatting engine of bpf_trace_printk, bpf_trace_vprintk and
 * bpf_snprintf (the kernel's bpf_bprintf_prepare() followed by
 * bstr_printf()): fmt is a NUL-terminated host string already checked,
 * args the raw 64-bit arguments. Writes at most size bytes of out
 * (NUL-terminated when size > 0). Returns the length the whole text
 * needs, without the NUL, or -EINVAL (bad format, too few args) or
 * -ENOSPC (argument storage exhausted), as the kernel.
 */
long helper_format(struct bpfvm_call *call, const char *fmt, const uint64_t *args,
		   unsigned nr_args, char *out, size_t size);

/*
 * pkt_ctx.c: the packet behind a packet helper's ctx argument (r1), the
 * kernel's xdp_buff / sk_buff. The context is the real one of
 * bpfvm_ctx.h that the host passed as the run's mem, and nothing in it is
 * trusted: pkt_xdp_get() and pkt_skb_get() check that r1 is that context,
 * that the running program has its type, that the pointers are in order
 * and that the whole buffer is run memory (writable when write, else
 * readable); otherwise they stop the run and return -EFAULT or -EINVAL.
 * Positions are byte offsets from the buffer's start, so the helpers do
 * their arithmetic on integers, not on pointers into different objects.
 */
struct pkt_xdp {
	struct bpfvm_xdp_ctx *ctx;
	uint8_t *buf;      /* the buffer's first byte (data_hard_start) */
	uint64_t frame;    /* the lowest offset data_meta may reach: past the
			    * kernel's struct xdp_frame reserve, or 0 when
			    * the host gave no buffer */
	uint64_t meta, data, data_end, end; /* end: data_hard_end */
	bool meta_ok;      /* data_meta <= data: metadata is supported */
};
int pkt_xdp_get(struct bpfvm_call *call, const char *name, uint64_t r1, bool write,
		struct pkt_xdp *x);
/* Write x's positions back to its context (data_meta, data, data_end). */
void pkt_xdp_put(const struct pkt_xdp *x);

struct pkt_skb {
	struct bpfvm_skb_ctx *ctx;
	uint8_t *buf;      /* data_hard_start, or data when the host gave none */
	uint64_t meta, data, data_end, end;
};
int pkt_skb_get(struct bpfvm_call *call, const char *name, uint64_t r1, bool write,
		struct pkt_skb *s);
/* Write s's positions back (data_meta, data, data_end, len). */
void pkt_skb_put(const struct pkt_skb *s);

/* The run's context when the running program is an XDP program (for
 * XDP) or a tc program (for tc), for the helpers that take no ctx
 * argument (bpf_redirect*): NULL when the run has none of that size. */
struct bpfvm_xdp_ctx *pkt_run_xdp_ctx(const struct bpfvm_call *call);
struct bpfvm_skb_ctx *pkt_run_tc_ctx(const struct bpfvm_call *call);

/* Kernel numbers the packet helpers share. */
#define PKT_ETH_HLEN 14     /* no packet gets shorter than an Ethernet header */
#define PKT_ENOTSUPP 524    /* the kernel's internal ENOTSUPP, which helpers leak */

/* The kernel's limits: arguments of bpf_snprintf / bpf_trace_vprintk, and
 * the text buffer of the trace_printk family. */
#define HELPER_PRINTF_MAX_ARGS 12
#define HELPER_PRINTF_BUF 1024

#endif /* BPFVM_HELPERS_IMPL_H */
