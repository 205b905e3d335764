/*
 * map_setup.c - the initial map contents (map_setup.h).
 *
 * xdp-filter's maps (xdp-tools, xdp-filter/common_kern_user.h and
 * xdpfilt_prog.h): filter_ethernet (key: a MAC), filter_ipv4 (key: the
 * address as it sits in the header), filter_ipv6 (key: struct in6_addr)
 * and filter_ports (a 65536-slot array indexed by the port as it sits in
 * the header, a big-endian u16 widened to u32), all per-CPU, each value a
 * u64 whose low bits are the rule's flags (SRC 1, DST 2, TCP 4, UDP 8)
 * and whose bits from 6 up count the hits. A packet hits a rule when the
 * value has every flag of the lookup's mask (DST or SRC, plus TCP or UDP
 * for ports); in the allow objects (alw) a hit drops it, in the deny ones
 * (dny) a hit passes it. The rules below use the addresses and ports of
 * tests/cbpf/gen_pcap.c's capture: some hit as source, some as
 * destination, some both, and some never because their flags miss (an
 * address only ever seen as a destination with the SRC flag, a rule
 * without a direction, a TCP rule for a port that only UDP uses).
 * xdp_stats_map starts empty.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "map_setup.h"
#include "map_twin.h"

#define F_SRC 1u
#define F_DST 2u
#define F_TCP 4u
#define F_UDP 8u

static const struct { uint8_t mac[6]; uint64_t flags; } eth_rules[] = {
	{ { 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb }, F_SRC },
	{ { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, F_DST },
	{ { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb }, F_SRC }, /* only a destination */
};

static const struct { uint8_t addr[4]; uint64_t flags; } ipv4_rules[] = {
	{ { 10, 0, 0, 1 }, F_DST },
	{ { 192, 168, 1, 10 }, F_SRC | F_DST },
	{ { 8, 8, 8, 8 }, F_SRC },
	{ { 224, 0, 0, 251 }, F_SRC }, /* only a destination */
	{ { 172, 16, 5, 4 }, 0 },      /* no direction: never hits */
};

static const struct { uint8_t addr[16]; uint64_t flags; } ipv6_rules[] = {
	{ { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2 }, F_DST },
	{ { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, F_SRC | F_DST },
	{ { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3 }, F_SRC },
};

static const struct { uint16_t port; uint64_t flags; } port_rules[] = {
	{ 80, F_DST | F_TCP },
	{ 443, F_SRC | F_TCP },
	{ 22, F_SRC | F_DST | F_TCP | F_UDP },
	{ 53, F_DST | F_UDP },
	{ 123, F_SRC | F_UDP },
	{ 5353, F_DST | F_UDP },
	{ 8080, F_SRC | F_DST | F_TCP },
	{ 3306, F_TCP },         /* no direction: never hits */
	{ 161, F_DST | F_TCP },  /* only UDP uses 161 here */
};

/* What the project's test programs expect a host to have put in their
 * maps (each of tests/programs says what it reads). */
struct host_entry {
	const char *object; /* file name */
	const char *map;
	uint32_t key_size, value_size; /* 0 key_size: a queue push */
	uint64_t key[3], value;
};
static const struct host_entry host_entries[] = {
	{ "callbacks.o", "table", 4, 8, { 1 }, 10 },
	{ "callbacks.o", "table", 4, 8, { 2 }, 20 },
	{ "callbacks.o", "table", 4, 8, { 3 }, 30 },
	{ "callbacks.o", "table", 4, 8, { 4 }, 40 },
	/* struct lpm_v4 { u32 prefixlen; u8 addr[4]; }: 10/8, 10.1/16, 10.1.2/24 */
	{ "map_types.o", "routes", 8, 4, { 8 | (uint64_t)10 << 32 }, 1 },
	{ "map_types.o", "routes", 8, 4, { 16 | (uint64_t)0x010a << 32 }, 2 },
	{ "map_types.o", "routes", 8, 4, { 24 | (uint64_t)0x02010a << 32 }, 3 },
	{ "map_types.o", "hsh", 4, 8, { 0 }, 0 },
	/* devmap slots: the loopback device (ifindex 1) */
	{ "xdp_redirect.o", "ports", 4, 4, { 2 }, 1 },
	{ "xdp_adjust.o", "devmap", 4, 4, { 0 }, 1 },
	/* skb_verdicts: UDP port 53 -> TC_ACT_REDIRECT, 123 -> TC_ACT_SHOT;
	 * tc_queue's first four actions */
	{ "skb_verdicts.o", "port_action", 4, 4, { 53 }, 7 },
	{ "skb_verdicts.o", "port_action", 4, 4, { 123 }, 2 },
	{ "skb_verdicts.o", "actions", 0, 4, { 0 }, 7 },
	{ "skb_verdicts.o", "actions", 0, 4, { 0 }, 2 },
	{ "skb_verdicts.o", "actions", 0, 4, { 0 }, 0xffffffff },
	{ "skb_verdicts.o", "actions", 0, 4, { 0 }, 5 },
};

struct filler {
	struct bpf_object *kobj;
	struct bpfvm_object *const *objs;
	size_t n;
	int put;
	char *why;
	size_t why_size;
};

/* One entry; a map the object lacks is no error. */
static int put(struct filler *f, const char *map, const void *key, const void *value)
{
	int rc = twin_update(f->kobj, f->objs, f->n, map, key, value, f->why, f->why_size);
	if (rc == -ENOENT)
		return 0;
	if (!rc)
		f->put++;
	return rc;
}

int map_setup(struct bpf_object *kobj, struct bpfvm_object *const *objs, size_t n,
	      const char *object_path, char *why, size_t why_size)
{
	struct filler f = { kobj, objs, n, 0, why, why_size };
	const char *base = strrchr(object_path, '/') ? strrchr(object_path, '/') + 1 : object_path;
	int rc = 0;
	if (!strncmp(base, "xdpfilt_", 8)) {
		for (size_t i = 0; !rc && i < sizeof(eth_rules) / sizeof(eth_rules[0]); i++)
			rc = put(&f, "filter_ethernet", eth_rules[i].mac, &eth_rules[i].flags);
		for (size_t i = 0; !rc && i < sizeof(ipv4_rules) / sizeof(ipv4_rules[0]); i++)
			rc = put(&f, "filter_ipv4", ipv4_rules[i].addr, &ipv4_rules[i].flags);
		for (size_t i = 0; !rc && i < sizeof(ipv6_rules) / sizeof(ipv6_rules[0]); i++)
			rc = put(&f, "filter_ipv6", ipv6_rules[i].addr, &ipv6_rules[i].flags);
		for (size_t i = 0; !rc && i < sizeof(port_rules) / sizeof(port_rules[0]); i++) {
			/* the header's bytes of the port, read as a u16, widened */
			uint8_t be[2] = { (uint8_t)(port_rules[i].port >> 8),
					  (uint8_t)port_rules[i].port };
			uint16_t raw;
			memcpy(&raw, be, 2);
			uint32_t key = raw;
			rc = put(&f, "filter_ports", &key, &port_rules[i].flags);
		}
	}
	for (size_t i = 0; !rc && i < sizeof(host_entries) / sizeof(host_entries[0]); i++) {
		const struct host_entry *e = &host_entries[i];
		if (strcmp(base, e->object))
			continue;
		/* little-endian hosts: the low bytes of key and value are the
		 * u32 and u64 fields the programs declare */
		rc = put(&f, e->map, e->key_size ? (const void *)e->key : NULL, &e->value);
	}
	return rc ? rc : f.put;
}
