/*
 * gen_pcap.c - write a deterministic mixed Ethernet capture for the cBPF
 * tests: IPv4 (with and without options, some fragments) and IPv6, TCP
 * with various ports and flags, UDP, ICMP/ICMPv6, ARP, 802.1Q VLAN tags,
 * and some packets cut short by the snap length (caplen < len).
 *
 * usage: gen_pcap OUT.pcap [COUNT [SEED [pcapng|badlen]]]
 * With "pcapng" the same packets are written as pcapng (SHB, IDB, EPBs);
 * with "badlen", some cut packets have a caplen above their len, as a
 * damaged capture may (bpfvm filter leaves such records to libpcap).
 */
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state;

static uint32_t rnd(uint32_t n)
{
	state = state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(state >> 33) % n;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static const uint16_t tcp_ports[] = { 80, 443, 22, 53, 8080, 25, 21, 3306 };
static const uint16_t udp_ports[] = { 53, 123, 67, 68, 5353, 514, 161 };
static const uint8_t tcp_flags[] = { 0x02, 0x12, 0x10, 0x11, 0x04, 0x18, 0x29, 0x01 };

static size_t l4(uint8_t *p, int proto, bool v6)
{
	size_t n = 0;
	if (proto == 6) {
		size_t doff = rnd(4) == 0 ? 8 : 5;
		put16(p, rnd(3) ? tcp_ports[rnd(8)] : 1024 + rnd(60000));
		put16(p + 2, rnd(3) ? tcp_ports[rnd(8)] : 1024 + rnd(60000));
		for (int i = 4; i < 12; i++)
			p[i] = (uint8_t)rnd(256);
		p[12] = (uint8_t)(doff << 4);
		p[13] = tcp_flags[rnd(8)];
		put16(p + 14, 1000 + rnd(60000));
		memset(p + 16, 0, doff * 4 - 16);
		n = doff * 4;
	} else if (proto == 17) {
		put16(p, rnd(3) ? udp_ports[rnd(7)] : 1024 + rnd(60000));
		put16(p + 2, rnd(3) ? udp_ports[rnd(7)] : 1024 + rnd(60000));
		put16(p + 4, 8);
		put16(p + 6, 0);
		n = 8;
	} else {
		p[0] = v6 ? (uint8_t)(rnd(2) ? 128 : 129) : (uint8_t)(rnd(3) == 0 ? 3 : rnd(2) ? 8 : 0);
		p[1] = 0;
		put16(p + 2, 0);
		put16(p + 4, rnd(65536));
		put16(p + 6, rnd(100));
		n = 8;
	}
	size_t pay = rnd(5) == 0 ? 0 : rnd(300);
	for (size_t i = 0; i < pay; i++)
		p[n + i] = (uint8_t)rnd(256);
	return n + pay;
}

static const uint8_t v4_hosts[][4] = {
	{ 10, 0, 0, 1 },    { 10, 1, 2, 3 },   { 192, 168, 1, 10 }, { 192, 168, 1, 20 },
	{ 172, 16, 5, 4 },  { 8, 8, 8, 8 },    { 1, 1, 1, 1 },      { 224, 0, 0, 251 },
};

static size_t build(uint8_t *pkt)
{
	size_t o = 0;
	static const uint8_t macs[][6] = {
		{ 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 }, { 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb },
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb },
	};
	memcpy(pkt, macs[rnd(4)], 6);
	memcpy(pkt + 6, macs[rnd(2)], 6);
	o = 12;
	if (rnd(6) == 0) { /* 802.1Q */
		put16(pkt + o, 0x8100);
		put16(pkt + o + 2, rnd(2) ? 100 : 200 + rnd(4));
		o += 4;
	}
	uint32_t kind = rnd(10);
	if (kind == 0) { /* ARP */
		put16(pkt + o, 0x0806);
		o += 2;
		static const uint8_t arp[] = { 0, 1, 8, 0, 6, 4, 0, 1 };
		memcpy(pkt + o, arp, 8);
		memset(pkt + o + 8, 0x42, 20);
		return o + 28;
	}
	if (kind <= 3) { /* IPv6 */
		put16(pkt + o, 0x86dd);
		o += 2;
		uint8_t *ip = pkt + o;
		int proto = (int[]){ 6, 17, 58 }[rnd(3)];
		ip[0] = 0x60;
		ip[1] = ip[2] = ip[3] = 0;
		ip[6] = (uint8_t)proto;
		ip[7] = 64;
		static const uint8_t pfx[][8] = { { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1 },
						  { 0xfe, 0x80, 0, 0, 0, 0, 0, 0 } };
		memcpy(ip + 8, pfx[rnd(2)], 8);
		memset(ip + 16, 0, 7);
		ip[23] = (uint8_t)(1 + rnd(3));
		memcpy(ip + 24, pfx[rnd(2)], 8);
		memset(ip + 32, 0, 7);
		ip[39] = (uint8_t)(1 + rnd(3));
		size_t n = l4(ip + 40, proto, true);
		put16(ip + 4, (uint32_t)n);
		return o + 40 + n;
	}
	put16(pkt + o, 0x0800);
	o += 2;
	uint8_t *ip = pkt + o;
	int proto = (int[]){ 6, 6, 17, 1 }[rnd(4)];
	size_t ihl = rnd(5) == 0 ? 6 : 5;
	ip[0] = (uint8_t)(0x40 | ihl);
	ip[1] = 0;
	put16(ip + 4, rnd(65536));
	put16(ip + 6, rnd(8) == 0 ? 0x2000 | rnd(100) : (rnd(2) ? 0x4000 : 0));
	ip[8] = (uint8_t)(1 + rnd(128));
	ip[9] = (uint8_t)proto;
	put16(ip + 10, 0);
	memcpy(ip + 12, v4_hosts[rnd(8)], 4);
	memcpy(ip + 16, v4_hosts[rnd(8)], 4);
	if (ihl == 6)
		memset(ip + 20, 1, 4);
	size_t n = l4(ip + ihl * 4, proto, false);
	put16(ip + 2, (uint32_t)(ihl * 4 + n));
	return o + ihl * 4 + n;
}

static void w32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f);
}

/* Minimal pcapng: a section header, one Ethernet interface, enhanced
 * packet blocks with microsecond timestamps (host byte order). */
static void pcapng_header(FILE *f)
{
	w32(f, 0x0a0d0d0a);
	w32(f, 28);
	w32(f, 0x1a2b3c4d);
	w32(f, 1); /* major 1, minor 0 */
	w32(f, 0xffffffff);
	w32(f, 0xffffffff); /* section length: unknown */
	w32(f, 28);
	w32(f, 1);
	w32(f, 20);
	w32(f, DLT_EN10MB); /* link type, reserved 0 */
	w32(f, 65535);
	w32(f, 20);
}

static void pcapng_packet(FILE *f, const struct pcap_pkthdr *h, const uint8_t *data)
{
	uint32_t pad = (4 - h->caplen % 4) % 4, total = 32 + h->caplen + pad;
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec;
	static const uint8_t zero[4];
	w32(f, 6);
	w32(f, total);
	w32(f, 0);
	w32(f, (uint32_t)(ts >> 32));
	w32(f, (uint32_t)ts);
	w32(f, h->caplen);
	w32(f, h->len);
	fwrite(data, 1, h->caplen, f);
	fwrite(zero, 1, pad, f);
	w32(f, total);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: gen_pcap OUT.pcap [COUNT [SEED [pcapng|badlen]]]\n");
		return 2;
	}
	long count = argc > 2 ? atol(argv[2]) : 600;
	state = argc > 3 ? strtoull(argv[3], NULL, 0) : 7;
	bool ng = argc > 4 && !strcmp(argv[4], "pcapng");
	bool badlen = argc > 4 && !strcmp(argv[4], "badlen");
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = dead && !ng ? pcap_dump_open(dead, argv[1]) : NULL;
	FILE *f = ng ? fopen(argv[1], "wb") : NULL;
	if (!d && !f) {
		fprintf(stderr, "gen_pcap: cannot write %s\n", argv[1]);
		return 1;
	}
	if (f)
		pcapng_header(f);
	static uint8_t pkt[2048];
	for (long i = 0; i < count; i++) {
		size_t len = build(pkt);
		struct pcap_pkthdr h = { .len = (uint32_t)len };
		h.ts.tv_sec = 1700000000 + i / 10;
		h.ts.tv_usec = (i % 10) * 100000;
		/* a few cut by the snap length: caplen < len, except in badlen
		 * captures, where a cut may exceed len (a damaged record, which
		 * libpcap may take as it is or with caplen and len swapped) */
		h.caplen = rnd(12) == 0 && len > 40 ? 30 + rnd(30) : (uint32_t)len;
		if (!badlen && h.caplen > len)
			h.caplen = (uint32_t)len - 1;
		if (f)
			pcapng_packet(f, &h, pkt);
		else
			pcap_dump((u_char *)d, &h, pkt);
	}
	if (d)
		pcap_dump_close(d);
	if (f && fclose(f)) {
		fprintf(stderr, "gen_pcap: cannot write %s\n", argv[1]);
		return 1;
	}
	pcap_close(dead);
	return 0;
}
