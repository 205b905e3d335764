/*
 * xdp_runner.c - the XDP hook of `bpfvm run OBJ -r in.pcap` (runner.h):
 * each packet gets a struct xdp_md laid out as the kernel's
 * BPF_PROG_TEST_RUN lays out a frame (256 bytes of headroom, a 4096-byte
 * frame of which the last 320 bytes stay out of reach), and the return
 * value is the action. The kernel treats an unknown action as aborted.
 */
#include <string.h>

#include "bpfvm_ctx.h"
#include "runner.h"

_Static_assert(RUNNER_HEADROOM == BPFVM_XDP_HEADROOM, "XDP headroom is the kernel's");

static const char *const xdp_verdicts[] = { "aborted", "drop", "pass", "tx", "redirect" };

_Static_assert(sizeof(struct bpfvm_xdp_ctx) <= RUNNER_CTX_MAX, "RUNNER_CTX_MAX holds xdp_md");

static void xdp_setup(const struct runner_opts *o, const struct runner_packet *p, void *ctx,
		      struct runner_setup *su)
{
	/* The frame: where the kernel ends it, or (a packet too big for one
	 * frame) right after the packet, which can then shrink only. */
	uint8_t *hard_end = p->buf + BPFVM_XDP_FRAME_SIZE - BPFVM_XDP_TAILROOM;
	if (hard_end < p->data + p->len)
		hard_end = p->data + p->len;
	*(struct bpfvm_xdp_ctx *)ctx = (struct bpfvm_xdp_ctx){
		.data = p->data,
		.data_end = p->data + p->len,
		.data_meta = p->data,
		.ingress_ifindex = o->ifindex,
		.rx_queue_index = o->rx_queue,
		.data_hard_start = p->buf,
		.data_hard_end = hard_end,
	};
	*su = (struct runner_setup){
		.ctx_len = sizeof(struct bpfvm_xdp_ctx),
		.region = { p->buf, (size_t)(hard_end - p->buf), true },
	};
}

static int xdp_run(const struct bpfvm_prog *prog, const struct runner_opts *o,
		   const struct runner_packet *p, struct runner_result *res,
		   struct bpfvm_error *err)
{
	struct bpfvm_xdp_ctx ctx;
	struct runner_setup su;
	xdp_setup(o, p, &ctx, &su);
	uint8_t *hard_end = ctx.data_hard_end;
	BPFVM_OPTS(bpfvm_run_opts, ro, .regions = &su.region, .n_regions = 1,
		   .insn_budget = o->insn_budget, .cpu = p->cpu);
	uint64_t r0 = 0;
	int rc = bpfvm_prog__run(prog, &ctx, sizeof(ctx), &ro, &r0, err);
	res->ret = r0;
	res->unknown = !rc && (uint32_t)r0 >= BPFVM_XDP_REDIRECT + 1;
	res->verdict = res->unknown ? BPFVM_XDP_ABORTED : (uint32_t)r0;
	/* The packet as the program left it (headers rewritten, head or tail
	 * moved); the wire length moves with it. */
	const uint8_t *s = ctx.data, *e = ctx.data_end;
	if (s < p->buf || e < s || e > hard_end) {
		s = p->data;
		e = p->data + p->len;
	}
	res->out = s;
	res->out_len = (size_t)(e - s);
	res->out_wire_len = (uint32_t)(res->out_len + (p->wire_len - p->len));
	res->target[0] = 0;
	if (!rc && res->verdict == BPFVM_XDP_REDIRECT)
		runner_target(res, ctx.redirect_map, ctx.redirect_key, ctx.redirect_ifindex);
	return rc;
}

const struct runner_hook runner_xdp = {
	.what = "an XDP program",
	.verdicts = xdp_verdicts,
	.n_verdicts = sizeof(xdp_verdicts) / sizeof(xdp_verdicts[0]),
	.error_verdict = BPFVM_XDP_ABORTED,
	.run = xdp_run,
	.setup = xdp_setup,
};
