/*
 * pkt_ctx.c - how the packet helpers reach the packet: the run's context.
 *
 * The kernel's packet helpers get the xdp_buff or sk_buff behind r1.
 * bpfvm's equivalent is the real context (include/bpfvm_ctx.h) that the
 * host passed as the run's mem, region MEM_INPUT: the helpers with a ctx
 * argument check that r1 is exactly that context, and bpf_redirect /
 * bpf_redirect_map, which have none, find it there.
 *
 * Nothing in the context is trusted. An unverified program may have
 * written it (the raw interpreter lets it write its mem) and a host may
 * have filled it wrongly, so before a helper moves or touches a byte the
 * pointers are checked for order (buffer start <= data_meta <= data <=
 * data_end <= buffer end) and the whole buffer for being run memory. A
 * context that fails stops the run: the kernel's verifier would have
 * refused such a program, or the kernel would never have built such a
 * buffer. The helpers then work on offsets from the buffer's start.
 */
#include <errno.h>
#include <stdio.h>

#include "helpers_impl.h"
#include "interp/call.h"
#include "interp/mem.h"
#include "prog/prog.h"

enum { PROG_SOCKET_FILTER = 1, PROG_SCHED_CLS = 3, PROG_SCHED_ACT = 4, PROG_XDP = 6 };

static uint32_t run_type(const struct bpfvm_call *call)
{
	return call->prog ? call->prog->prog_type : 0;
}

/* The run's mem when it can hold a context of size bytes with alignment
 * align, else NULL. */
static void *run_ctx(const struct bpfvm_call *call, size_t size, size_t align)
{
	const struct mem_map *m = call->mem;
	if (!m || m->n <= MEM_INPUT)
		return NULL;
	const struct mem_region *r = &m->r[MEM_INPUT];
	if (!r->base || !r->writable || r->len < size || r->base % align)
		return NULL;
	return (void *)(uintptr_t)r->base;
}

struct bpfvm_xdp_ctx *pkt_run_xdp_ctx(const struct bpfvm_call *call)
{
	if (run_type(call) != PROG_XDP)
		return NULL;
	return run_ctx(call, sizeof(struct bpfvm_xdp_ctx), _Alignof(struct bpfvm_xdp_ctx));
}

struct bpfvm_skb_ctx *pkt_run_tc_ctx(const struct bpfvm_call *call)
{
	uint32_t t = run_type(call);
	if (t != PROG_SCHED_CLS && t != PROG_SCHED_ACT)
		return NULL;
	return run_ctx(call, sizeof(struct bpfvm_skb_ctx), _Alignof(struct bpfvm_skb_ctx));
}

static int fail(struct bpfvm_call *call, int code, const char *msg)
{
	bpfvm_call__fail(call, code, msg);
	return code;
}

/* Is r1 the run's context of the program's type? */
static void *ctx_arg(struct bpfvm_call *call, const char *name, uint64_t r1, bool xdp)
{
	char msg[160];
	uint32_t t = run_type(call);
	bool ok_type = xdp ? t == PROG_XDP
			   : t == PROG_SOCKET_FILTER || t == PROG_SCHED_CLS || t == PROG_SCHED_ACT;
	if (!ok_type) {
		snprintf(msg, sizeof(msg), "bpf_%s: a program of type %u has no %s", name, t,
			 xdp ? "struct xdp_md (XDP only)" : "struct __sk_buff (tc, socket filter)");
		fail(call, -EINVAL, msg);
		return NULL;
	}
	void *ctx = xdp ? run_ctx(call, sizeof(struct bpfvm_xdp_ctx), _Alignof(struct bpfvm_xdp_ctx))
			: run_ctx(call, sizeof(struct bpfvm_skb_ctx), _Alignof(struct bpfvm_skb_ctx));
	if (!ctx || r1 != (uint64_t)(uintptr_t)ctx) {
		snprintf(msg, sizeof(msg),
			 "bpf_%s: r1 (0x%llx) is not the run's context (the %s the run was given)",
			 name, (unsigned long long)r1,
			 xdp ? "struct bpfvm_xdp_ctx" : "struct bpfvm_skb_ctx");
		fail(call, -EINVAL, msg);
		return NULL;
	}
	return ctx;
}

/* Check [start, end) as the packet's buffer: ordered around [lo, hi) and
 * run memory. */
static int check_buffer(struct bpfvm_call *call, const char *name, const char *what,
			uintptr_t start, uintptr_t lo, uintptr_t data, uintptr_t hi,
			uintptr_t end, bool write)
{
	char msg[200];
	if (!(start <= lo && lo <= data && data <= hi && hi <= end)) {
		snprintf(msg, sizeof(msg),
			 "bpf_%s: the %s context's pointers are out of order (need "
			 "data_hard_start <= data_meta <= data <= data_end <= data_hard_end)",
			 name, what);
		return fail(call, -EINVAL, msg);
	}
	if (bpfvm_call__check_mem(call, start, end - start, write) != 0) {
		snprintf(msg, sizeof(msg),
			 "bpf_%s: the packet buffer [0x%llx, 0x%llx) is not %s run memory "
			 "(pass the whole buffer as one run region)",
			 name, (unsigned long long)start, (unsigned long long)end,
			 write ? "writable" : "readable");
		return fail(call, -EFAULT, msg);
	}
	return 0;
}

int pkt_xdp_get(struct bpfvm_call *call, const char *name, uint64_t r1, bool write,
		struct pkt_xdp *x)
{
	struct bpfvm_xdp_ctx *ctx = ctx_arg(call, name, r1, true);
	if (!ctx)
		return -EINVAL;
	uintptr_t meta = (uintptr_t)ctx->data_meta, data = (uintptr_t)ctx->data;
	uintptr_t dend = (uintptr_t)ctx->data_end;
	/* data_meta > data is the kernel drivers' "no metadata support"
	 * (xdp_set_data_meta_invalid: data + 1). */
	bool meta_ok = meta <= data;
	uintptr_t lo = meta_ok ? meta : data;
	uintptr_t start = ctx->data_hard_start ? (uintptr_t)ctx->data_hard_start : lo;
	uintptr_t end = ctx->data_hard_end ? (uintptr_t)ctx->data_hard_end : dend;
	int rc = check_buffer(call, name, "XDP", start, lo, data, dend, end, write);
	if (rc)
		return rc;
	x->ctx = ctx;
	x->buf = (uint8_t *)start;
	x->frame = ctx->data_hard_start ? BPFVM_XDP_FRAME_RESERVE : 0;
	x->meta = meta - start;
	x->data = data - start;
	x->data_end = dend - start;
	x->end = end - start;
	x->meta_ok = meta_ok;
	return 0;
}

void pkt_xdp_put(const struct pkt_xdp *x)
{
	uintptr_t b = (uintptr_t)x->buf;
	x->ctx->data_meta = (void *)(b + x->meta);
	x->ctx->data = (void *)(b + x->data);
	x->ctx->data_end = (void *)(b + x->data_end);
}

int pkt_skb_get(struct bpfvm_call *call, const char *name, uint64_t r1, bool write,
		struct pkt_skb *s)
{
	struct bpfvm_skb_ctx *ctx = ctx_arg(call, name, r1, false);
	if (!ctx)
		return -EINVAL;
	uintptr_t data = (uintptr_t)ctx->data, dend = (uintptr_t)ctx->data_end;
	/* Socket-filter hosts may leave data_meta at 0: no metadata. */
	uintptr_t meta = ctx->data_meta ? (uintptr_t)ctx->data_meta : data;
	uintptr_t start = ctx->data_hard_start ? (uintptr_t)ctx->data_hard_start : meta;
	uintptr_t end = ctx->data_hard_end ? (uintptr_t)ctx->data_hard_end : dend;
	int rc = check_buffer(call, name, "skb", start, meta, data, dend, end, write);
	if (rc)
		return rc;
	s->ctx = ctx;
	s->buf = (uint8_t *)start;
	s->meta = meta - start;
	s->data = data - start;
	s->data_end = dend - start;
	s->end = end - start;
	return 0;
}

void pkt_skb_put(const struct pkt_skb *s)
{
	uintptr_t b = (uintptr_t)s->buf;
	s->ctx->data_meta = (void *)(b + s->meta);
	s->ctx->data = (void *)(b + s->data);
	s->ctx->data_end = (void *)(b + s->data_end);
	s->ctx->len = (uint32_t)(s->data_end - s->data);
}
