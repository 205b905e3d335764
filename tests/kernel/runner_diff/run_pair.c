/*
 * run_pair.c - one packet on each side (run_pair.h).
 *
 * The kernel: BPF_PROG_TEST_RUN with a ctx_in (xdp_md: the loopback
 * device, queue 0; __sk_buff: skb_in() below), the output packet and the
 * ctx_out. bpfvm: XDP in the frame the kernel's test run lays out (256
 * bytes of headroom in 4096, the last 320 out of reach), as
 * tools/xdp_runner.c; tc and socket filters in a buffer with room for the
 * largest skb on both sides, with the __sk_buff skb_ctx.c fills as the
 * kernel does. A socket filter's output is its frame with the Ethernet
 * header zeroed, as the kernel hands it back.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "run_pair.h"
#include "skb_ctx.h"

#define SKB_ROOM (BPFVM_SKB_MAX_LEN + 64)

enum hook hook_of(uint32_t type)
{
	switch (type) {
	case BPF_PROG_TYPE_XDP:
		return HOOK_XDP;
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
		return HOOK_TC;
	case BPF_PROG_TYPE_SOCKET_FILTER:
		return HOOK_SOCKET;
	default:
		return HOOK_NONE;
	}
}

/* The skb ctx_in of packet i: the loopback device; mostly the fields of a
 * freshly received frame (0), some packets with a mark, a priority, a cb[]
 * word, a timestamp or another ingress device, which the kernel copies in
 * as given. */
static void skb_in(struct __sk_buff *in, size_t i)
{
	memset(in, 0, sizeof(*in));
	in->ifindex = 1;
	in->ingress_ifindex = i % 7 == 3 ? 2 : 1;
	in->mark = i % 4 == 1 ? (uint32_t)i : 0;
	in->priority = i % 4 == 2 ? 3 : 0;
	in->cb[i % 5] = (uint32_t)(i * 2654435761u);
	in->tstamp = i % 4 == 3 ? 1000000 + i : 0;
}

void run_kernel(int fd, enum hook hook, const uint8_t *pkt, size_t len, size_t i,
		struct result *r)
{
	struct xdp_md xin = { .data_end = (uint32_t)len, .ingress_ifindex = 1 }, xout = { 0 };
	struct __sk_buff sin, sout;
	skb_in(&sin, i);
	memset(&sout, 0, sizeof(sout));
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = pkt, .data_size_in = (uint32_t)len,
		    .data_out = r->out, .data_size_out = RUN_OUT_MAX, .repeat = 1);
	if (hook == HOOK_XDP) {
		t.ctx_in = &xin, t.ctx_size_in = sizeof(xin);
		t.ctx_out = &xout, t.ctx_size_out = sizeof(xout);
	} else {
		t.ctx_in = &sin, t.ctx_size_in = sizeof(sin);
		t.ctx_out = &sout, t.ctx_size_out = sizeof(sout);
	}
	r->err = bpf_prog_test_run_opts(fd, &t);
	r->retval = t.retval;
	r->size = t.data_size_out;
	r->metalen = hook == HOOK_XDP ? xout.data : 0;
	r->mark = sout.mark;
	r->priority = sout.priority;
	memcpy(r->cb, sout.cb, sizeof(r->cb));
	r->tstamp = sout.tstamp;
}

static _Alignas(64) uint8_t frame[BPFVM_XDP_FRAME_SIZE];
static _Alignas(64) uint8_t skbuf[2 * SKB_ROOM + 4096];

void run_bpfvm(const struct bpfvm_prog *prog, enum hook hook, uint32_t cpu, const uint8_t *pkt,
	       size_t len, size_t i, struct result *r)
{
	struct bpfvm_error err;
	uint64_t r0 = 0;
	const uint8_t *from, *to;
	memset(r, 0, offsetof(struct result, msg));
	r->msg[0] = 0;
	if (hook == HOOK_XDP) {
		/* the kernel's test-run frame: 256 bytes of headroom in 4096,
		 * the last 320 out of reach */
		memset(frame, 0, sizeof(frame));
		uint8_t *data = frame + BPFVM_XDP_HEADROOM;
		memcpy(data, pkt, len);
		struct bpfvm_xdp_ctx x = {
			.data = data, .data_end = data + len, .data_meta = data,
			.ingress_ifindex = 1, .rx_queue_index = 0,
			.data_hard_start = frame,
			.data_hard_end = frame + BPFVM_XDP_FRAME_SIZE - BPFVM_XDP_TAILROOM,
		};
		struct bpfvm_region reg = { frame, BPFVM_XDP_FRAME_SIZE - BPFVM_XDP_TAILROOM, true };
		BPFVM_OPTS(bpfvm_run_opts, ro, .regions = &reg, .n_regions = 1, .cpu = cpu);
		r->err = bpfvm_prog__run(prog, &x, sizeof(x), &ro, &r0, &err);
		from = x.data_meta, to = x.data_end;
		r->metalen = (uint32_t)((uint8_t *)x.data - from);
	} else {
		/* room on both sides for the largest skb a helper makes */
		uint8_t *data = skbuf + SKB_ROOM;
		bool l2 = hook == HOOK_TC;
		/* tc helpers may have grown the last packet anywhere into the
		 * buffer; socket filters leave it as it was */
		if (l2)
			memset(skbuf, 0, sizeof(skbuf));
		else
			memset(data, 0, len + 64);
		memcpy(data, pkt, len);
		struct bpfvm_skb_ctx s;
		struct __sk_buff in;
		skb_in(&in, i);
		skb_ctx_fill(&s, skbuf, skbuf + sizeof(skbuf), data, len, l2, &in);
		/* socket filters read the packet (LD_ABS, helpers), never write it;
		 * the headers of SKF_NET_OFF and SKF_LL_OFF as the test run sets
		 * them: the network header 14 bytes into the frame, which tc
		 * sees from its Ethernet header and a socket filter from there */
		struct bpfvm_region reg = { skbuf, sizeof(skbuf), l2 };
		BPFVM_OPTS(bpfvm_run_opts, ro, .regions = &reg, .n_regions = 1, .cpu = cpu,
			   .packet = s.data, .packet_len = s.len, .headers = true,
			   .net_off = l2 ? 14 : 0, .ll_off = l2 ? 0 : -14);
		r->err = bpfvm_prog__run(prog, &s, sizeof(s), &ro, &r0, &err);
		from = s.data, to = s.data_end;
		r->mark = s.mark, r->priority = s.priority, r->tstamp = s.tstamp;
		memcpy(r->cb, s.cb, sizeof(r->cb));
		if (!l2) {
			/* the kernel pushes the Ethernet header back, zeroed */
			memset(r->out, 0, 14);
			size_t n = (size_t)(to - from);
			memcpy(r->out + 14, from, n < RUN_OUT_MAX - 14 ? n : RUN_OUT_MAX - 14);
			r->size = (uint32_t)(n + 14);
		}
	}
	if (r->err) {
		bpfvm_error__format(&err, r->msg, sizeof(r->msg));
		return;
	}
	r->retval = (uint32_t)r0;
	if (hook != HOOK_SOCKET) {
		r->size = (uint32_t)(to - from);
		memcpy(r->out, from, r->size < RUN_OUT_MAX ? r->size : RUN_OUT_MAX);
	}
}

const char *run_difference(const struct result *k, const struct result *v, enum hook hook,
			   char *buf, size_t size)
{
	if (v->err)
		snprintf(buf, size, "bpfvm's run fails: %s", v->msg);
	else if (k->retval != v->retval)
		snprintf(buf, size, "return value: kernel %#x, bpfvm %#x", k->retval, v->retval);
	else if (k->size != v->size || k->metalen != v->metalen)
		snprintf(buf, size, "packet out: kernel %u bytes (meta %u), bpfvm %u (meta %u)",
			 k->size, k->metalen, v->size, v->metalen);
	else if (memcmp(k->out, v->out, k->size < RUN_OUT_MAX ? k->size : RUN_OUT_MAX)) {
		size_t at = 0;
		while (k->out[at] == v->out[at])
			at++;
		snprintf(buf, size, "packet out: first differing byte %zu: kernel %#x, bpfvm %#x",
			 at, k->out[at], v->out[at]);
	} else if (hook != HOOK_XDP && (k->mark != v->mark || k->priority != v->priority ||
					k->tstamp != v->tstamp || memcmp(k->cb, v->cb, sizeof(k->cb))))
		snprintf(buf, size, "skb fields after the run: kernel mark %#x priority %#x, bpfvm "
			 "mark %#x priority %#x (or cb[], tstamp)", k->mark, k->priority, v->mark,
			 v->priority);
	else
		buf[0] = 0;
	return buf;
}
