/*
 * gen_xdp_pcap.c - a capture whose verdicts under tests/programs/xdp_parse.c
 * are known: each round of 11 packets holds 6 that it passes (ARP, IPv6
 * UDP, IPv4 TCP, IPv4 ICMP, IPv4 UDP to port 53, VLAN-tagged IPv4 UDP to
 * port 9), 2 it drops (IPv4 UDP to port 9, with and without IP options) and
 * 3 it aborts (cut by the snap length inside the Ethernet, IPv4 and UDP
 * headers).
 *
 * usage: gen_xdp_pcap OUT.pcap [ROUNDS [FLOWS]]
 * With FLOWS > 1, round r's packets come from source port 40000 + r %
 * FLOWS (so that --threads has flows to share out); the verdicts are the
 * same.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Ethernet + IPv4 (ihl words) + L4; returns the length. */
static unsigned sport = 40000;

static size_t ipv4(uint8_t *p, int proto, unsigned ihl, unsigned dport, unsigned vlan)
{
	static const uint8_t mac[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
	size_t o = 12;
	memcpy(p, mac, 12);
	if (vlan) {
		put16(p + o, 0x8100);
		put16(p + o + 2, vlan);
		o += 4;
	}
	put16(p + o, 0x0800);
	o += 2;
	uint8_t *ip = p + o;
	memset(ip, 0, ihl * 4);
	ip[0] = (uint8_t)(0x40 | ihl);
	ip[8] = 64;
	ip[9] = (uint8_t)proto;
	ip[12] = 10, ip[15] = 1, ip[16] = 10, ip[19] = 2;
	o += ihl * 4;
	uint8_t *l4 = p + o;
	memset(l4, 0, 28);
	put16(l4, sport);
	put16(l4 + 2, dport);
	o += proto == 6 ? 20 : 8;
	memset(p + o, 0xab, 18); /* payload */
	o += 18;
	put16(ip + 2, (uint32_t)(o - (size_t)(ip - p)));
	return o;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: gen_xdp_pcap OUT.pcap [ROUNDS [FLOWS]]\n");
		return 2;
	}
	long rounds = argc > 2 ? atol(argv[2]) : 10;
	long flows = argc > 3 ? atol(argv[3]) : 1;
	if (flows < 1)
		flows = 1;
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = dead ? pcap_dump_open(dead, argv[1]) : NULL;
	if (!d) {
		fprintf(stderr, "gen_xdp_pcap: cannot write %s\n", argv[1]);
		return 1;
	}
	uint8_t pkt[256];
	long k = 0;
	for (long r = 0; r < rounds; r++) {
		sport = 40000 + (unsigned)(r % flows);
		for (int i = 0; i < 11; i++) {
			size_t len, caplen;
			memset(pkt, 0, sizeof(pkt));
			switch (i) {
			case 0: /* ARP: pass */
				len = ipv4(pkt, 17, 5, 9, 0);
				put16(pkt + 12, 0x0806);
				break;
			case 1: /* IPv6: pass */
				len = ipv4(pkt, 17, 5, 9, 0);
				put16(pkt + 12, 0x86dd);
				break;
			case 2: len = ipv4(pkt, 6, 5, 9, 0); break;         /* TCP: pass */
			case 3: len = ipv4(pkt, 1, 5, 9, 0); break;         /* ICMP: pass */
			case 4: len = ipv4(pkt, 17, 5, 53, 0); break;       /* UDP 53: pass */
			case 5: len = ipv4(pkt, 17, 5, 9, 100); break;      /* VLAN: pass */
			case 6: len = ipv4(pkt, 17, 5, 9, 0); break;        /* drop */
			case 7: len = ipv4(pkt, 17, 7, 9, 0); break;        /* options: drop */
			case 8: len = ipv4(pkt, 17, 5, 9, 0); break;        /* cut in eth */
			case 9: len = ipv4(pkt, 17, 5, 9, 0); break;        /* cut in IPv4 */
			default: len = ipv4(pkt, 17, 6, 9, 0); break;       /* cut in UDP */
			}
			caplen = i == 8 ? 10 : i == 9 ? 14 + 12 : i == 10 ? 14 + 24 + 4 : len;
			pkt[len - 1] = (uint8_t)k; /* tell packets apart */
			struct pcap_pkthdr h = { .caplen = (uint32_t)caplen, .len = (uint32_t)len };
			h.ts.tv_sec = 1700000000 + k / 1000;
			h.ts.tv_usec = (k % 1000) * 1000;
			pcap_dump((u_char *)d, &h, pkt);
			k++;
		}
	}
	pcap_dump_close(d);
	pcap_close(dead);
	return 0;
}
