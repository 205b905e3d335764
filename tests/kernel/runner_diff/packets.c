/*
 * packets.c - the capture (libpcap) and the hand-made frames that
 * tests/cbpf/gen_pcap.c does not make but the xdp-filter parsers take
 * apart: IPv6 extension headers and fragments, stacked VLAN tags (802.1ad
 * outside 802.1Q, and three tags, one more than libxdp's parser follows),
 * ICMPv6 neighbour solicitation and advertisement (and one cut before the
 * target address), ARP request and reply, an IPv4 header length below 5
 * words, a TCP data offset below 5, the shortest frames (an Ethernet
 * header alone, and runts the kernel's test run refuses), a frame to
 * the all-zero MAC, and a full-size frame. Their addresses and ports are
 * the generated capture's, so the rules of map_setup.c match them too.
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packets.h"

static int push(struct rd_packets *p, const uint8_t *data, size_t len)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 1024;
		struct rd_packet *n = realloc(p->pkts, cap * sizeof(*n));
		if (!n)
			return -1;
		p->pkts = n;
		p->cap = cap;
	}
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return -1;
	memcpy(copy, data, len);
	p->pkts[p->n++] = (struct rd_packet){ copy, (uint32_t)len };
	return 0;
}

int rd_packets_read_pcap(struct rd_packets *p, const char *path, size_t max, char *why,
			 size_t why_size)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pc = pcap_open_offline(path, errbuf);
	if (!pc) {
		snprintf(why, why_size, "%s", errbuf);
		return -1;
	}
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;
	while ((!max || p->n < max) && (rc = pcap_next_ex(pc, &h, &data)) == 1) {
		if (push(p, data, h->caplen)) {
			snprintf(why, why_size, "out of memory");
			pcap_close(pc);
			return -1;
		}
	}
	p->n_captured = p->n;
	pcap_close(pc);
	return 0;
}

void rd_packets_free(struct rd_packets *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->pkts[i].data);
	free(p->pkts);
	memset(p, 0, sizeof(*p));
}

/* ------------------------------------------------------------------ */
/* Frame building                                                      */

static void put16(uint8_t *b, unsigned v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

/* Ethernet header with tags (TPIDs in tpid[], n_tags of them) and type:
 * returns the header length. */
static size_t eth(uint8_t *b, const unsigned *tpid, int n_tags, unsigned type)
{
	static const uint8_t macs[12] = { 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
					  0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
	memcpy(b, macs, 12);
	size_t o = 12;
	for (int i = 0; i < n_tags; i++, o += 4) {
		put16(b + o, tpid[i]);
		put16(b + o + 2, 100 + (unsigned)i);
	}
	put16(b + o, type);
	return o + 2;
}

static const uint8_t v6_a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t v6_b[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t v6_c[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3 };

/* IPv6 header, next header nh, payload length plen. */
static size_t ip6(uint8_t *b, unsigned nh, unsigned plen, const uint8_t *src,
		  const uint8_t *dst)
{
	memset(b, 0, 40);
	b[0] = 0x60;
	put16(b + 4, plen);
	b[6] = (uint8_t)nh;
	b[7] = 64;
	memcpy(b + 8, src, 16);
	memcpy(b + 24, dst, 16);
	return 40;
}

/* IPv4 header (ihl words, only 5 filled), protocol, addresses. */
static size_t ip4(uint8_t *b, unsigned ihl, unsigned proto, unsigned tot, const uint8_t *src,
		  const uint8_t *dst)
{
	memset(b, 0, 20);
	b[0] = (uint8_t)(0x40 | ihl);
	put16(b + 2, tot);
	b[8] = 64;
	b[9] = (uint8_t)proto;
	memcpy(b + 12, src, 4);
	memcpy(b + 16, dst, 4);
	return 20;
}

static size_t udp(uint8_t *b, unsigned sport, unsigned dport)
{
	memset(b, 0, 8);
	put16(b, sport);
	put16(b + 2, dport);
	put16(b + 4, 8);
	return 8;
}

static size_t tcp(uint8_t *b, unsigned sport, unsigned dport, unsigned doff)
{
	memset(b, 0, 20);
	put16(b, sport);
	put16(b + 2, dport);
	b[12] = (uint8_t)(doff << 4);
	b[13] = 0x02;
	return 20;
}

int rd_packets_add_extras(struct rd_packets *p)
{
	static const uint8_t h10[4] = { 10, 0, 0, 1 }, h192[4] = { 192, 168, 1, 10 },
			     h8[4] = { 8, 8, 8, 8 };
	static const unsigned q[] = { 0x8100 }, qinq[] = { 0x88a8, 0x8100 },
			      q3[] = { 0x8100, 0x8100, 0x8100 };
	uint8_t b[1600];
	size_t o;
	int rc = 0;

	/* IPv6, hop-by-hop options (8 bytes), UDP to 53 */
	o = eth(b, NULL, 0, 0x86dd);
	o += ip6(b + o, 0, 16, v6_a, v6_b);
	memset(b + o, 0, 8);
	b[o] = 17;
	o += 8;
	o += udp(b + o, 5353, 53);
	rc |= push(p, b, o);
	/* IPv6, destination options then routing header, TCP to 80 */
	o = eth(b, NULL, 0, 0x86dd);
	o += ip6(b + o, 60, 36, v6_c, v6_a);
	memset(b + o, 0, 16);
	b[o] = 43;
	b[o + 8] = 6;
	o += 16;
	o += tcp(b + o, 40000, 80, 5);
	rc |= push(p, b, o);
	/* IPv6 first fragment (offset 0), TCP to 22 */
	o = eth(b, NULL, 0, 0x86dd);
	o += ip6(b + o, 44, 28, v6_b, v6_c);
	memset(b + o, 0, 8);
	b[o] = 6;
	b[o + 3] = 1; /* more fragments */
	o += 8;
	o += tcp(b + o, 22, 40001, 5);
	rc |= push(p, b, o);
	/* IPv6 later fragment (offset 185 * 8), UDP */
	o = eth(b, NULL, 0, 0x86dd);
	o += ip6(b + o, 44, 24, v6_a, v6_c);
	memset(b + o, 0, 8);
	b[o] = 17;
	put16(b + o + 2, 185 << 3);
	o += 8;
	memset(b + o, 0x35, 16);
	o += 16;
	rc |= push(p, b, o);
	/* IPv6 extension header cut short */
	o = eth(b, NULL, 0, 0x86dd);
	o += ip6(b + o, 0, 16, v6_a, v6_b);
	b[o] = 17;
	b[o + 1] = 0;
	o += 4;
	rc |= push(p, b, o);
	/* 802.1ad + 802.1Q, IPv4 UDP 123 -> 53 */
	o = eth(b, qinq, 2, 0x0800);
	o += ip4(b + o, 5, 17, 28, h8, h10);
	o += udp(b + o, 123, 53);
	rc |= push(p, b, o);
	/* one 802.1Q tag, IPv4 TCP 443 -> 8080 */
	o = eth(b, q, 1, 0x0800);
	o += ip4(b + o, 5, 6, 40, h192, h8);
	o += tcp(b + o, 443, 8080, 5);
	rc |= push(p, b, o);
	/* three tags: the parser stops after two and sees a VLAN type */
	o = eth(b, q3, 3, 0x0800);
	o += ip4(b + o, 5, 17, 28, h10, h192);
	o += udp(b + o, 53, 53);
	rc |= push(p, b, o);
	/* ICMPv6 neighbour solicitation (target fe80::1), advertisement
	 * (target fe80::3), and a solicitation cut before its target */
	for (int k = 0; k < 3; k++) {
		o = eth(b, NULL, 0, 0x86dd);
		o += ip6(b + o, 58, 24, v6_a, v6_c);
		memset(b + o, 0, 24);
		b[o] = k == 1 ? 136 : 135;
		memcpy(b + o + 8, k == 1 ? v6_c : v6_b, 16);
		o += k == 2 ? 12 : 24;
		rc |= push(p, b, o);
	}
	/* ARP request 192.168.1.10 -> 10.0.0.1, and a reply */
	for (int k = 1; k <= 2; k++) {
		o = eth(b, NULL, 0, 0x0806);
		static const uint8_t hdr[6] = { 0, 1, 8, 0, 6, 4 };
		memcpy(b + o, hdr, 6);
		put16(b + o + 6, (unsigned)k);
		memset(b + o + 8, 0x42, 6);
		memcpy(b + o + 14, h192, 4);
		memset(b + o + 18, 0, 6);
		memcpy(b + o + 24, h10, 4);
		o += 28;
		rc |= push(p, b, o);
	}
	/* IPv4 header length 4 words; TCP data offset 4 words */
	o = eth(b, NULL, 0, 0x0800);
	o += ip4(b + o, 4, 17, 28, h10, h8);
	o += udp(b + o, 53, 53);
	rc |= push(p, b, o);
	o = eth(b, NULL, 0, 0x0800);
	o += ip4(b + o, 5, 6, 40, h8, h10);
	o += tcp(b + o, 80, 80, 4);
	rc |= push(p, b, o);
	/* the Ethernet header alone (IPv4 type), then one byte more; runts
	 * of 13 and 1 bytes (the kernel's test run refuses them) */
	o = eth(b, NULL, 0, 0x0800);
	rc |= push(p, b, o);
	b[o] = 0x45;
	rc |= push(p, b, o + 1);
	rc |= push(p, b, 13);
	rc |= push(p, b, 1);
	/* to 00:00:00:00:00:00, the loopback device's own address: the one
	 * frame the kernel's skb test run calls PACKET_HOST */
	o = eth(b, NULL, 0, 0x0800);
	memset(b, 0, 6);
	o += ip4(b + o, 5, 17, 28, h8, h10);
	o += udp(b + o, 53, 5353);
	rc |= push(p, b, o);
	/* a full-size frame: IPv4 UDP 5353 -> 5353, 1472 bytes of payload */
	o = eth(b, NULL, 0, 0x0800);
	o += ip4(b + o, 5, 17, 1500, h192, h10);
	o += udp(b + o, 5353, 5353);
	memset(b + o, 0x5a, 1472);
	o += 1472;
	rc |= push(p, b, o);
	return rc ? -1 : 0;
}
