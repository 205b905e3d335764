/*
 * packets.h - the inputs of test_kernel_runner: a capture read through
 * libpcap (the captured bytes of each record: a record cut by the snap
 * length is a truncated packet), then the hand-made frames the generated
 * capture lacks (packets.c says which).
 */
#ifndef RUNNER_DIFF_PACKETS_H
#define RUNNER_DIFF_PACKETS_H

#include <stddef.h>
#include <stdint.h>

struct rd_packet {
	uint8_t *data;
	uint32_t len;
};

struct rd_packets {
	struct rd_packet *pkts;
	size_t n, cap;
	size_t n_captured; /* the first n_captured came from the capture */
};

/* Append the first max records of the pcap file path (all when max is 0).
 * 0, or -1 with why filled. */
int rd_packets_read_pcap(struct rd_packets *p, const char *path, size_t max, char *why,
			 size_t why_size);
/* Append the hand-made frames. 0, or -1 (out of memory). */
int rd_packets_add_extras(struct rd_packets *p);
void rd_packets_free(struct rd_packets *p);

#endif
