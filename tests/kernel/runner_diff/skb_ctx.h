/*
 * skb_ctx.h - bpfvm's struct __sk_buff filled as the kernel's
 * BPF_PROG_TEST_RUN fills it for a tc or socket-filter program given a
 * frame and a struct __sk_buff ctx_in (skb_ctx.c says field by field).
 */
#ifndef RUNNER_DIFF_SKB_CTX_H
#define RUNNER_DIFF_SKB_CTX_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfvm_ctx.h"

/* The frame is at frame[0..len) inside the buffer [buf, buf_end); l2
 * (tc) programs see it from the Ethernet header, socket filters from the
 * network header. in is the ctx_in given to the kernel. */
void skb_ctx_fill(struct bpfvm_skb_ctx *ctx, uint8_t *buf, uint8_t *buf_end, uint8_t *frame,
		  size_t len, bool l2, const struct __sk_buff *in);

#endif
