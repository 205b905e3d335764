/*
 * output.c - helpers that send data out of a program: bpf_trace_printk,
 * bpf_trace_vprintk, bpf_snprintf (formatting in format.c), the ringbuf
 * helpers, bpf_perf_event_output and bpf_xdp_output.
 *
 * Trace text goes to the vm's trace_print callback, one call per print,
 * without the kernel's trace_pipe line prefix; with no callback it is
 * dropped, but the helper still returns what the kernel would.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfvm_ctx.h"
#include "helpers_impl.h"
#include "interp/call.h"
#include "maps/map.h"
#include "prog/prog.h"

#define BPF_F_INDEX_MASK 0xffffffffull
#define BPF_F_CURRENT_CPU BPF_F_INDEX_MASK

static void trace_out(struct bpfvm_call *call, const char *buf, long len)
{
	if (len > HELPER_PRINTF_BUF - 1)
		len = HELPER_PRINTF_BUF - 1;
	if (call->vm->trace_print)
		call->vm->trace_print(call->vm->trace_ctx, buf, (size_t)len);
}

/* The format argument of the trace_printk family: fmt_size readable
 * bytes that must hold a NUL (else -EINVAL, as the kernel). *bad is set
 * when the run was stopped. */
static const char *trace_fmt(struct bpfvm_call *call, const char *name, uint64_t addr,
			     uint64_t size, bool *bad)
{
	const char *fmt = helper_mem(call, name, 1, addr, size, false);
	*bad = !fmt;
	if (!fmt || !memchr(fmt, '\0', size))
		return NULL;
	return fmt;
}

/* bpf_trace_printk(fmt, fmt_size, arg1, arg2, arg3): at most 3 args. */
HELPER_DECL(trace_printk)
{
	char buf[HELPER_PRINTF_BUF];
	bool bad;
	const char *fmt = trace_fmt(call, "trace_printk", r1, r2, &bad);
	if (!fmt)
		return HELPER_ERR(bad ? -EFAULT : -EINVAL);
	uint64_t args[3] = { r3, r4, r5 };
	long rc = helper_format(call, fmt, args, 3, buf, sizeof(buf));
	if (rc >= 0)
		trace_out(call, buf, rc);
	return HELPER_ERR(rc);
}

/* The args array of bpf_trace_vprintk / bpf_snprintf: data_len bytes,
 * a multiple of 8, at most 12 args. Returns the count or -EINVAL, or
 * -EFAULT with the run stopped. */
static long data_args(struct bpfvm_call *call, const char *name, int argno, uint64_t addr,
		      uint64_t len, uint64_t *args)
{
	if (len % 8 || len > HELPER_PRINTF_MAX_ARGS * 8 || (len && !addr))
		return -EINVAL;
	const void *data = helper_mem(call, name, argno, addr, len, false);
	if (!data)
		return -EFAULT;
	memcpy(args, data, len);
	return (long)(len / 8);
}

/* bpf_trace_vprintk(fmt, fmt_size, args, data_len). */
HELPER_DECL(trace_vprintk)
{
	char buf[HELPER_PRINTF_BUF];
	uint64_t args[HELPER_PRINTF_MAX_ARGS];
	bool bad;
	long n = data_args(call, "trace_vprintk", 3, r3, (uint32_t)r4, args);
	if (n < 0)
		return HELPER_ERR(n);
	const char *fmt = trace_fmt(call, "trace_vprintk", r1, r2, &bad);
	if (!fmt)
		return HELPER_ERR(bad ? -EFAULT : -EINVAL);
	long rc = helper_format(call, fmt, args, (unsigned)n, buf, sizeof(buf));
	if (rc >= 0)
		trace_out(call, buf, rc);
	return HELPER_ERR(rc);
}

/*
 * bpf_snprintf(str, str_size, fmt, data, data_len): fmt is a constant
 * NUL-terminated string. Returns the size the whole text needs including
 * its NUL (so a return > str_size means truncation), or a negative errno.
 */
HELPER_DECL(snprintf)
{
	uint64_t args[HELPER_PRINTF_MAX_ARGS];
	uint32_t size = (uint32_t)r2;
	long n = data_args(call, "snprintf", 4, r4, (uint32_t)r5, args);
	if (n < 0)
		return HELPER_ERR(n);
	char *str = helper_mem(call, "snprintf", 1, r1, size, true);
	if (!str)
		return HELPER_ERR(-EFAULT);
	const char *fmt = helper_str(call, "snprintf", 3, r3);
	if (!fmt)
		return HELPER_ERR(-EFAULT);
	long rc = helper_format(call, fmt, args, (unsigned)n, size ? str : NULL, size);
	return HELPER_ERR(rc < 0 ? rc : rc + 1);
}

/* A map argument of the given type; a forged pointer or wrong type stops
 * the run (the kernel's verifier checks both). */
static struct bpfvm_map *typed_map(struct bpfvm_call *call, const char *name, uint64_t addr,
				   enum bpfvm_map_type type)
{
	struct bpfvm_map *map = map_by_addr(call->vm, addr);
	if (!map || map->type != type) {
		char msg[96];
		snprintf(msg, sizeof(msg), "bpf_%s: 0x%llx is not a %s map", name,
			 (unsigned long long)addr, bpfvm_map_type_name(type));
		bpfvm_call__fail(call, -EINVAL, msg);
		return NULL;
	}
	return map;
}

HELPER_DECL(ringbuf_output)
{
	struct bpfvm_map *map = typed_map(call, "ringbuf_output", r1, BPFVM_MAP_TYPE_RINGBUF);
	if (!map)
		return HELPER_ERR(-EINVAL);
	const void *data = helper_mem(call, "ringbuf_output", 2, r2, r3, false);
	if (!data)
		return HELPER_ERR(-EFAULT);
	return HELPER_ERR(ringbuf_output(map, data, r3, r4));
}

HELPER_DECL(ringbuf_reserve)
{
	struct bpfvm_map *map = typed_map(call, "ringbuf_reserve", r1, BPFVM_MAP_TYPE_RINGBUF);
	if (!map)
		return 0;
	return (uint64_t)(uintptr_t)ringbuf_reserve(map, r2, r3);
}

/* The sample must be memory the program may write (ringbuf data is);
 * the ringbuf code checks that it is a reserved record. */
HELPER_DECL(ringbuf_submit)
{
	void *sample = helper_mem(call, "ringbuf_submit", 1, r1, 1, true);
	/* Only a record reserved from a ringbuf: anything else would have
	 * the map flip header bits in memory it does not own. */
	if (sample && ringbuf_map_of_sample(call->vm, sample))
		ringbuf_submit(sample, r2);
	return 0;
}

HELPER_DECL(ringbuf_discard)
{
	void *sample = helper_mem(call, "ringbuf_discard", 1, r1, 1, true);
	if (sample && ringbuf_map_of_sample(call->vm, sample))
		ringbuf_discard(sample, r2);
	return 0;
}

HELPER_DECL(ringbuf_query)
{
	struct bpfvm_map *map = typed_map(call, "ringbuf_query", r1, BPFVM_MAP_TYPE_RINGBUF);
	if (!map)
		return 0;
	return ringbuf_query(map, r2);
}

/*
 * bpf_perf_event_output(ctx, map, flags, data, size): flags hold the
 * buffer index (BPF_F_CURRENT_CPU: the running cpu) and nothing else.
 */
HELPER_DECL(perf_event_output)
{
	struct bpfvm_map *map =
		typed_map(call, "perf_event_output", r2, BPFVM_MAP_TYPE_PERF_EVENT_ARRAY);
	if (!map)
		return HELPER_ERR(-EINVAL);
	const void *data = helper_mem(call, "perf_event_output", 4, r4, r5, false);
	if (!data)
		return HELPER_ERR(-EFAULT);
	if (r3 & ~BPF_F_INDEX_MASK)
		return HELPER_ERR(-EINVAL);
	uint64_t index = r3 == BPF_F_CURRENT_CPU ? call->cpu : r3;
	if (index >= map->max_entries)
		return HELPER_ERR(-E2BIG);
	return HELPER_ERR(perf_event_output(map, (uint32_t)index, data, r5));
}

/*
 * bpf_xdp_output(xdp, map, flags, data, size): bpf_perf_event_output for
 * fentry/fexit programs on XDP, where xdp is the traced program's struct
 * xdp_buff (BTF-typed; in bpfvm a struct kbtf_xdp_buff, whose head is the
 * real XDP context, hooks/kern_btf.h). The upper 32 bits of flags
 * (BPF_F_CTXLEN_MASK) ask for that many packet bytes after the data, as
 * the kernel appends them; more than the packet holds is -EFAULT.
 */
HELPER_DECL(xdp_output)
{
	struct bpfvm_map *map =
		typed_map(call, "xdp_output", r2, BPFVM_MAP_TYPE_PERF_EVENT_ARRAY);
	if (!map)
		return HELPER_ERR(-EINVAL);
	const struct bpfvm_xdp_ctx *x =
		helper_mem(call, "xdp_output", 1, r1, sizeof(struct bpfvm_xdp_ctx), false);
	const void *data = helper_mem(call, "xdp_output", 4, r4, r5, false);
	if (!x || !data)
		return HELPER_ERR(-EFAULT);
	uint64_t index = r3 & BPF_F_INDEX_MASK, pkt_len = r3 >> 32;
	index = index == BPF_F_CURRENT_CPU ? call->cpu : index;
	if (index >= map->max_entries)
		return HELPER_ERR(-E2BIG);
	uintptr_t start = (uintptr_t)x->data, end = (uintptr_t)x->data_end;
	if (end < start || pkt_len > end - start)
		return HELPER_ERR(-EFAULT);
	if (!pkt_len)
		return HELPER_ERR(perf_event_output(map, (uint32_t)index, data, r5));
	const void *pkt = helper_mem(call, "xdp_output", 1, (uint64_t)start, pkt_len, false);
	if (!pkt)
		return HELPER_ERR(-EFAULT);
	uint8_t *rec = malloc(r5 + pkt_len);
	if (!rec)
		return HELPER_ERR(-ENOMEM);
	memcpy(rec, data, r5);
	memcpy(rec + r5, pkt, pkt_len);
	long rc = perf_event_output(map, (uint32_t)index, rec, r5 + pkt_len);
	free(rec);
	return HELPER_ERR(rc);
}
