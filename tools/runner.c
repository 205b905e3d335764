/*
 * runner.c - the per-packet loop of `bpfvm run OBJ -r in.pcap`; see
 * runner.h. The program-type specifics are in xdp_runner.c and
 * skb_runner.c.
 *
 * One thread: read a record, run it, count it, write it. N threads
 * (--threads) over a mapped pcap file: runner_spread.c, where the workers
 * read the capture themselves. N threads over anything else (pcapng, a
 * pipe: libpcap reads it, one record after another): the reading thread
 * fills a batch of records and hashes each one's flow; each worker runs
 * the records of its flows, in the order of the capture, with its own cpu
 * (per-CPU map slot); then the reading thread counts and writes the batch
 * in the order of the capture, so the counts, the first failure reported
 * and the output captures come out as with one thread. Two batches
 * alternate: while the workers run batch k, the reader writes batch k-1
 * and reads batch k+1, so memory stays at two batches whatever the
 * capture's size.
 */
#include "runner_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The command messages name. */
#define CMD(o) RUNNER_CMD(o)

uint64_t runner_now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* The CPU time of the process: all its threads. */
static uint64_t cpu_now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

const struct runner_hook *runner_hook_for(uint32_t prog_type)
{
	switch (prog_type) {
	case 1: /* BPF_PROG_TYPE_SOCKET_FILTER */
		return &runner_socket;
	case 3: /* BPF_PROG_TYPE_SCHED_CLS */
	case 4: /* BPF_PROG_TYPE_SCHED_ACT */
		return &runner_tc;
	case 6: /* BPF_PROG_TYPE_XDP */
		return &runner_xdp;
	default:
		return NULL;
	}
}

void runner_target(struct runner_result *res, const struct bpfvm_map *map, uint32_t key,
		   uint32_t ifindex)
{
	if (map)
		snprintf(res->target, sizeof(res->target), "map %s[%u]", bpfvm_map__name(map), key);
	else
		snprintf(res->target, sizeof(res->target), "ifindex %u", ifindex);
}

void runner_count_target(struct runner_stats *st, const char *target)
{
	for (unsigned i = 0; i < st->n_targets; i++)
		if (!strcmp(st->targets[i], target)) {
			st->target_count[i]++;
			return;
		}
	if (st->n_targets == RUNNER_MAX_TARGETS) {
		st->other_targets++;
		return;
	}
	snprintf(st->targets[st->n_targets], sizeof(st->targets[0]), "%s", target);
	st->target_count[st->n_targets++] = 1;
}

int runner_verdict(const struct runner_hook *hook, const char *name)
{
	for (unsigned v = 0; v < hook->n_verdicts; v++)
		if (!strcmp(hook->verdicts[v], name))
			return (int)v;
	return -1;
}

static int open_outputs(pcap_t *in, const struct runner_hook *hook, const struct runner_opts *o,
			struct runner_outputs *out)
{
	for (unsigned v = 0; v < hook->n_verdicts; v++) {
		if (!o->out[v])
			continue;
		size_t n = strlen(o->out[v]) + sizeof(".partial");
		out->tmp[v] = malloc(n);
		if (!out->tmp[v]) {
			fprintf(stderr, "bpfvm %s: %s\n", CMD(o), strerror(errno));
			return -1;
		}
		snprintf(out->tmp[v], n, "%s.partial", o->out[v]);
		out->d[v] = pcap_dump_open(in, out->tmp[v]);
		if (!out->d[v]) {
			fprintf(stderr, "bpfvm %s: %s: %s\n", CMD(o), o->out[v], pcap_geterr(in));
			return -1;
		}
	}
	return 0;
}

/* Close the outputs: renamed into place when ok, else removed. */
static int close_outputs(const struct runner_opts *o, struct runner_outputs *out, bool ok)
{
	int ret = 0;
	for (unsigned v = 0; v < RUNNER_MAX_VERDICTS; v++) {
		if (out->d[v]) {
			if (pcap_dump_flush(out->d[v]) && ok) {
				fprintf(stderr, "bpfvm %s: %s: write failed\n", CMD(o), o->out[v]);
				ok = false;
				ret = -1;
			}
			pcap_dump_close(out->d[v]);
		}
	}
	for (unsigned v = 0; v < RUNNER_MAX_VERDICTS; v++) {
		if (!out->tmp[v])
			continue;
		if (ok && out->d[v] && rename(out->tmp[v], o->out[v])) {
			fprintf(stderr, "bpfvm %s: %s: %s\n", CMD(o), o->out[v], strerror(errno));
			ret = -1;
		} else if (!ok || !out->d[v]) {
			unlink(out->tmp[v]);
		}
		free(out->tmp[v]);
	}
	return ret;
}

/*
 * The capture, read through a mapping of the file where it can be mapped
 * (a regular file): libpcap then reads records from memory, without a
 * read() and its copy per buffer, which is a third of the runner's own
 * cost per packet. Anything else (a pipe, "-") goes through libpcap's own
 * reading. fmemopen does not copy: the mapping (*map) must outlive the
 * pcap_t.
 */
static pcap_t *open_capture(const char *path, char *errbuf, struct runner_mapping *map)
{
	map->addr = NULL;
	map->len = 0;
	int fd = strcmp(path, "-") ? open(path, O_RDONLY) : -1;
	struct stat sb;
	if (fd >= 0 && !fstat(fd, &sb) && S_ISREG(sb.st_mode) && sb.st_size > 0) {
		void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		fd = -1;
		if (m != MAP_FAILED) /* read front to back: read ahead */
			madvise(m, (size_t)sb.st_size, MADV_SEQUENTIAL);
		FILE *f = m != MAP_FAILED ? fmemopen(m, (size_t)sb.st_size, "rb") : NULL;
		if (f) {
			pcap_t *p = pcap_fopen_offline(f, errbuf);
			if (p) {
				map->addr = m;
				map->len = (size_t)sb.st_size;
				return p; /* pcap_close closes f */
			}
			fclose(f);
		}
		if (m != MAP_FAILED)
			munmap(m, (size_t)sb.st_size);
	}
	if (fd >= 0)
		close(fd);
	return pcap_open_offline(path, errbuf);
}


/* ------------------------------------------------------------ flow hash */

static uint32_t be16_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

/*
 * The two endpoints of a flow, nw words of address and a port each, as a
 * hash that both directions share. Each endpoint becomes one 48-bit
 * number (its address folded to 32 bits, then its port); the smaller
 * goes first (branch-free), and two multiply-xorshift rounds (the
 * constants of murmur3's 64-bit finaliser) mix them with the protocol so
 * that every input bit reaches the top bits runner_flow_worker() uses.
 * The threaded loop hashes every packet: this is a few instructions, not
 * a chain of per-word steps.
 */
static uint32_t fold(const uint8_t *a, unsigned nw)
{
	uint32_t w[4];
	memcpy(w, a, nw * 4);
	if (nw == 1)
		return w[0];
	return w[0] ^ (w[1] << 8 | w[1] >> 24) ^ (w[2] << 16 | w[2] >> 16) ^
	       (w[3] << 24 | w[3] >> 8);
}

static uint32_t hash_words(uint32_t a, uint32_t b, uint32_t aport, uint32_t bport,
			   uint32_t proto, unsigned nw)
{
	uint64_t x = (uint64_t)a << 16 | aport, y = (uint64_t)b << 16 | bport;
	uint64_t lo = x < y ? x : y, hi = x < y ? y : x;
	uint64_t h = (lo ^ (uint64_t)(proto << 8 | nw) << 48) * 0xff51afd7ed558ccdull;
	h = (h ^ h >> 29 ^ hi) * 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 32;
	return (uint32_t)h;
}

static uint32_t hash_endpoints(const uint8_t *a, const uint8_t *b, unsigned nw, uint32_t aport,
			       uint32_t bport, uint32_t proto)
{
	return hash_words(fold(a, nw), fold(b, nw), aport, bport, proto, nw);
}

static bool has_ports(uint32_t proto)
{
	/* TCP UDP SCTP UDP-Lite; | rather than ||: no branches */
	return (proto == 6) | (proto == 17) | (proto == 132) | (proto == 136);
}

/*
 * Fields of the frame d (len bytes, at least 14) read without a branch:
 * the threaded runner hashes every packet, and over mixed traffic a
 * branch per field mispredicts often enough to double the hash's cost.
 * A field the frame does not hold reads as 0 (off is then clamped to 0
 * for the load itself, so that nothing past the frame is read).
 */
static uint32_t u8_in(const uint8_t *d, size_t len, size_t off)
{
	bool in = off < len;
	return d[in ? off : 0] & (0u - (uint32_t)in);
}

static uint32_t be16_in(const uint8_t *d, size_t len, size_t off)
{
	bool in = off + 2 <= len;
	return be16_at(d + (in ? off : 0)) & (0u - (uint32_t)in);
}

static uint32_t w32_in(const uint8_t *d, size_t len, size_t off)
{
	bool in = off + 4 <= len;
	uint32_t v;
	memcpy(&v, d + (in ? off : 0), 4);
	return v & (0u - (uint32_t)in);
}

/* IPv6 (d[o] starts its header, len >= o + 40): extension headers
 * skipped to the ports. */
static uint32_t hash_ipv6(const uint8_t *d, size_t len, size_t o)
{
	const uint8_t *ip = d + o;
	uint32_t next = ip[6];
	size_t l4 = o + 40;
	bool frag = false;
	/* hop-by-hop, routing, destination options, fragment, AH */
	for (int hdrs = 0; hdrs < 8 && len >= l4 + 8; hdrs++) {
		if (next == 0 || next == 43 || next == 60) {
			next = d[l4];
			l4 += ((size_t)d[l4 + 1] + 1) * 8;
		} else if (next == 44) {
			frag = true;
			next = d[l4];
			l4 += 8;
		} else if (next == 51) {
			next = d[l4];
			l4 += ((size_t)d[l4 + 1] + 2) * 4;
		} else {
			break;
		}
	}
	uint32_t sport = 0, dport = 0;
	if (!frag && has_ports(next) && len >= l4 + 4) {
		sport = be16_at(d + l4);
		dport = be16_at(d + l4 + 2);
	}
	return hash_endpoints(ip + 8, ip + 24, 4, sport, dport, next);
}

uint32_t runner_flow_hash(const uint8_t *d, size_t len)
{
	if (len < 14)
		return 0;
	size_t o = 12;
	uint32_t type = be16_at(d + 12);
	for (int tags = 0; tags < 2; tags++) { /* a tag stops being followed at a non-tag */
		bool tag = ((type == 0x8100) | (type == 0x88a8)) & (len >= o + 6);
		uint32_t inner = be16_in(d, len, o + 4);
		type = tag ? inner : type;
		o += tag ? 4 : 0;
	}
	o += 2; /* the network header */
	if (type == 0x86dd && len >= o + 40 && (d[o] >> 4) == 6)
		return hash_ipv6(d, len, o);
	/* IPv4, or else (not IP, an IP header cut short) the MAC pair (4 + 2
	 * bytes each) and the EtherType: both computed, one taken. */
	uint32_t v0 = u8_in(d, len, o);
	size_t ihl = (size_t)(v0 & 15) * 4;
	bool is4 = (type == 0x0800) & (len >= o + 20) & ((v0 >> 4) == 4) & (ihl >= 20);
	uint32_t proto = u8_in(d, len, o + 9);
	bool frag = (be16_in(d, len, o + 6) & 0x3fff) != 0; /* MF or an offset */
	uint32_t ports = 0u - (uint32_t)(!frag & has_ports(proto) & (len >= o + ihl + 4));
	uint32_t ma, mb;
	memcpy(&ma, d, 4);
	memcpy(&mb, d + 6, 4);
	return hash_words(is4 ? w32_in(d, len, o + 12) : ma, is4 ? w32_in(d, len, o + 16) : mb,
			  is4 ? be16_in(d, len, o + ihl) & ports : be16_at(d + 4),
			  is4 ? be16_in(d, len, o + ihl + 2) & ports : be16_at(d + 10),
			  is4 ? proto : type, 1);
}

/* ------------------------------------------------------------ the loop */

static uint32_t le32_at(const uint8_t *p, bool swapped)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return swapped ? __builtin_bswap32(v) : v;
}

/* Read from the mapping when the file is a classic pcap file libpcap
 * opened from it. */
static void capture_direct(struct runner_capture *c)
{
	if (!c->map.addr || c->map.len < 24)
		return;
	const uint8_t *m = c->map.addr;
	uint32_t magic;
	memcpy(&magic, m, 4);
	c->swapped = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
	c->nsec = magic == 0xa1b23c4du || magic == 0x4d3cb2a1u;
	if (!c->swapped && !c->nsec && magic != 0xa1b2c3d4u)
		return; /* pcapng, or a modified pcap format */
	uint16_t major, minor;
	memcpy(&major, m + 4, 2);
	memcpy(&minor, m + 6, 2);
	if (c->swapped) {
		major = __builtin_bswap16(major);
		minor = __builtin_bswap16(minor);
	}
	if (major != 2 || minor != 4 || pcap_snapshot(c->p) <= 0)
		return; /* old files may have caplen and len swapped: libpcap knows */
	c->snap = (uint32_t)pcap_snapshot(c->p);
	c->pos = m + 24;
	c->end = m + c->map.len;
	c->direct = true;
}

/* The next record from the mapping: 1, 0 at the end, -1 with errbuf set. */
static int direct_next(struct runner_capture *c, struct pcap_pkthdr **h, const u_char **data)
{
	size_t left = (size_t)(c->end - c->pos);
	if (!left)
		return 0;
	if (left < 16) {
		snprintf(c->errbuf, sizeof(c->errbuf),
			 "truncated dump file; tried to read 16 header bytes, only got %zu", left);
		return -1;
	}
	uint32_t caplen = le32_at(c->pos + 8, c->swapped);
	c->pos += 16;
	left -= 16;
	if (caplen > RUNNER_MAX_PACKET) { /* libpcap's maximum for Ethernet */
		if (caplen > c->snap)
			snprintf(c->errbuf, sizeof(c->errbuf),
				 "invalid packet capture length %u, bigger than snaplen of %u",
				 caplen, c->snap);
		else
			snprintf(c->errbuf, sizeof(c->errbuf),
				 "invalid packet capture length %u, bigger than maximum of %u",
				 caplen, RUNNER_MAX_PACKET);
		return -1;
	}
	if (caplen > left) {
		snprintf(c->errbuf, sizeof(c->errbuf),
			 "truncated dump file; tried to read %u captured bytes, only got %zu",
			 caplen > c->snap && left < c->snap ? c->snap : caplen, left);
		return -1;
	}
	*data = c->pos;
	c->pos += caplen;
	/* The next record is found only once this one's length is known: a
	 * chain of loads, each waiting for memory. Its header and the first
	 * bytes of its packet (where the flow hash reads) are fetched now, so
	 * that the wait overlaps with the work on this record. */
	__builtin_prefetch(c->pos);
	__builtin_prefetch(c->pos + 64);
	runner_record_hdr(c, *data, &c->hdr);
	*h = &c->hdr;
	return 1;
}

void runner_record_hdr(const struct runner_capture *c, const uint8_t *data,
		       struct pcap_pkthdr *h)
{
	const uint8_t *p = data - 16;
	h->ts.tv_sec = (int32_t)le32_at(p, c->swapped);
	uint32_t frac = le32_at(p + 4, c->swapped);
	h->ts.tv_usec = (int32_t)(c->nsec ? frac / 1000 : frac);
	h->caplen = le32_at(p + 8, c->swapped);
	h->len = le32_at(p + 12, c->swapped);
	if (h->caplen > c->snap)
		h->caplen = c->snap; /* the rest is skipped, as libpcap does */
}

/* Open o->in and check its link type; prints the error and returns -1. */
static int capture_open(const struct runner_opts *o, const struct runner_hook *hook,
			struct runner_capture *c)
{
	char *errbuf = c->errbuf;
	c->p = open_capture(o->in, errbuf, &c->map);
	if (!c->p) {
		/* libpcap names the file for some errors, not for others */
		if (!strncmp(errbuf, o->in, strlen(o->in)))
			fprintf(stderr, "bpfvm %s: %s\n", CMD(o), errbuf);
		else
			fprintf(stderr, "bpfvm %s: %s: %s\n", CMD(o), o->in, errbuf);
		return -1;
	}
	int linktype = pcap_datalink(c->p);
	if (linktype != DLT_EN10MB) {
		const char *name = pcap_datalink_val_to_name(linktype);
		fprintf(stderr, "bpfvm %s: %s: link type %d (%s): %s needs Ethernet (EN10MB) packets\n",
			CMD(o), o->in, linktype, name ? name : "unknown", hook->what);
		return -1;
	}
	capture_direct(c);
	return 0;
}

static void capture_close(struct runner_capture *c)
{
	if (c->p)
		pcap_close(c->p);
	if (c->map.addr)
		munmap(c->map.addr, c->map.len);
}

/* The next record: 1, 0 at the end, -1 on an error (printed; record is
 * the number of the record that failed). */
int runner_capture_next(const struct runner_opts *o, struct runner_capture *c, uint64_t record,
			struct pcap_pkthdr **h, const u_char **data)
{
	int r = c->direct ? direct_next(c, h, data) : pcap_next_ex(c->p, h, data);
	if (r == 1) {
		if ((*h)->caplen > RUNNER_MAX_PACKET) { /* not from libpcap, but never overflow */
			fprintf(stderr, "bpfvm %s: %s: record %" PRIu64 ": %u bytes is too big\n",
				CMD(o), o->in, record, (*h)->caplen);
			return -1;
		}
		return 1;
	}
	if (r == PCAP_ERROR) {
		fprintf(stderr, "bpfvm %s: %s: record %" PRIu64 ": %s\n", CMD(o), o->in, record,
			c->direct ? c->errbuf : pcap_geterr(c->p));
		return -1;
	}
	return 0; /* PCAP_ERROR_BREAK: the end */
}

uint8_t *runner_buf_new(size_t *size)
{
	/* Headroom, the largest packet, and as much again of tailroom for
	 * programs that grow the packet. */
	*size = RUNNER_HEADROOM + 2 * (size_t)RUNNER_MAX_PACKET;
	uint8_t *buf = malloc(*size);
	if (buf)
		memset(buf, 0, RUNNER_HEADROOM);
	return buf;
}

void runner_packet_set(struct runner_packet *p, uint8_t *buf, size_t size, const uint8_t *data,
		       size_t len, uint32_t wire_len, uint32_t cpu)
{
	p->buf = buf;
	p->buf_end = buf + size;
	p->data = buf + RUNNER_HEADROOM;
	memcpy(p->data, data, len);
	p->len = len;
	p->wire_len = wire_len > len ? wire_len : (uint32_t)len;
	p->cpu = cpu;
}

/* The bytes to write for a result: the packet as the program left it; a
 * hook that lost track of it gives the packet as read. */
void runner_out_bytes(const struct runner_packet *p, const struct runner_result *res,
		      const uint8_t **s, size_t *n)
{
	*s = res->out;
	*n = res->out_len;
	if (!*s || *s < p->buf || *s > p->buf_end || *n > (size_t)(p->buf_end - *s)) {
		*s = p->data;
		*n = p->len;
	}
}

void runner_report_failure(const struct runner_opts *o, const struct runner_hook *hook,
			   uint64_t record, const struct bpfvm_error *err)
{
	char msg[BPFVM_ERR_MSG_MAX + BPFVM_ERR_FILE_MAX + 64];
	bpfvm_error__format(err, msg, sizeof(msg));
	fprintf(stderr,
		"bpfvm %s: %s: record %" PRIu64 ": the run failed, counted as %s (reported "
		"once): %s\n",
		CMD(o), o->in, record, hook->verdicts[hook->error_verdict], msg);
}

/* Count one result (record is its number, from 1); a failed run (failed,
 * err) is counted as the hook's error verdict, the first one printed.
 * Returns the verdict counted. */
static unsigned account(const struct runner_opts *o, const struct runner_hook *hook,
			struct runner_stats *st, const struct runner_result *res, const char *target,
			bool failed, const struct bpfvm_error *err, uint64_t record)
{
	unsigned verdict = res->verdict;
	if (failed) {
		if (!st->run_errors)
			runner_report_failure(o, hook, record, err);
		st->run_errors++;
		st->verdicts[hook->error_verdict]++;
		return hook->error_verdict;
	}
	st->verdicts[verdict]++;
	if (target[0])
		runner_count_target(st, target);
	st->unknown += res->unknown;
	st->truncated += res->truncated;
	return verdict;
}

void runner_write_out(struct runner_outputs *out, unsigned verdict, const struct pcap_pkthdr *h,
		      const uint8_t *s, size_t n, uint32_t wire_len)
{
	struct pcap_pkthdr oh = *h;
	oh.caplen = (uint32_t)n;
	oh.len = wire_len > n ? wire_len : (uint32_t)n;
	pcap_dump((u_char *)out->d[verdict], &oh, s);
}

void runner_progress_at(const struct runner_opts *o, uint64_t packets,
			struct runner_progress *pr)
{
	if (!o->progress)
		return;
	uint64_t t = runner_now_ns();
	if (t >= pr->next) {
		fprintf(stderr, "\r%" PRIu64 " packets, %.0f packets/s   ", packets,
			(double)packets * 1e9 / (double)(t - pr->start));
		pr->next = t + 1000000000ull;
		pr->shown = true;
	}
}

/* The progress line, looked at every 65536 packets. */
static void progress(const struct runner_opts *o, const struct runner_stats *st,
		     struct runner_progress *pr)
{
	if ((st->packets & 0xffff) == 0)
		runner_progress_at(o, st->packets, pr);
}

/* One thread: read, run, count and write each record in turn. */
static int run_single(const struct bpfvm_prog *prog, const struct runner_hook *hook,
		      const struct runner_opts *o, struct runner_stats *st, struct runner_capture *c,
		      struct runner_outputs *out, struct runner_progress *pr)
{
	size_t size;
	uint8_t *buf = runner_buf_new(&size);
	if (!buf) {
		fprintf(stderr, "bpfvm %s: %s\n", CMD(o), strerror(errno));
		return -1;
	}
	struct runner_packet p;
	struct bpfvm_error err;
	struct pcap_pkthdr *h;
	const u_char *data;
	int r;
	while ((r = runner_capture_next(o, c, st->packets + 1, &h, &data)) == 1) {
		st->packets++;
		runner_packet_set(&p, buf, size, data, h->caplen, h->len, 0);
		struct runner_result res;
		runner_result_clear(&res);
		bool failed = hook->run(prog, o, &p, &res, &err) != 0;
		unsigned v = account(o, hook, st, &res, res.target, failed, &err, st->packets);
		if (out->d[v]) {
			const uint8_t *s;
			size_t n;
			runner_out_bytes(&p, &res, &s, &n);
			runner_write_out(out, v, h, s, n, res.out_wire_len);
		}
		progress(o, st, pr);
	}
	free(buf);
	return r;
}

/* --- threads --- */

/* One record of a batch, as read. */
struct rec {
	struct pcap_pkthdr h;
	const uint8_t *data;   /* in the capture's mapping, or in batch->in */
	unsigned worker;       /* of its flow */
};

struct batch {
	struct rec *recs;
	struct runner_slot *slots;
	size_t n;
	uint8_t *in;           /* the records' bytes */
	size_t in_len;
	struct runner_part *part; /* per worker */
};

struct pool {
	const struct bpfvm_prog *prog;
	const struct runner_hook *hook;
	const struct runner_opts *o;
	bool write[RUNNER_MAX_VERDICTS];
	unsigned n;
	pthread_mutex_t lock;
	pthread_cond_t go, done;
	uint64_t gen;          /* batches handed out */
	struct batch *cur;     /* the batch of generation gen */
	unsigned pending;      /* workers still on it */
	bool stop;
};

struct worker {
	struct pool *pool;
	unsigned id;
	pthread_t thread;
	uint8_t *buf;
	size_t size;
};

/* Append n bytes to the worker's out; returns their offset, or -1. */
ptrdiff_t runner_part_put(struct runner_part *wp, const void *src, size_t n)
{
	if (wp->out_len + n > wp->out_cap) {
		size_t cap = wp->out_cap ? wp->out_cap : 1 << 16;
		while (cap < wp->out_len + n)
			cap *= 2;
		uint8_t *nb = realloc(wp->out, cap);
		if (!nb) {
			wp->oom = errno;
			return -1;
		}
		wp->out = nb;
		wp->out_cap = cap;
	}
	memcpy(wp->out + wp->out_len, src, n);
	wp->out_len += n;
	return (ptrdiff_t)(wp->out_len - n);
}

void runner_result_clear(struct runner_result *res)
{
	/* what every hook sets is left alone: a memset of the whole (the
	 * target's 80 bytes) costs more than the run of a short program */
	res->unknown = res->truncated = false;
	res->target[0] = 0;
}

void runner_keep(struct runner_part *wp, struct runner_slot *sl, const struct runner_packet *p,
		 const struct runner_result *res, bool failed, const bool write[])
{
	sl->failed = failed;
	sl->verdict = (uint8_t)res->verdict;
	sl->unknown = res->unknown;
	sl->truncated = res->truncated;
	sl->out_wire_len = res->out_wire_len;
	sl->target = 0;
	if (res->target[0] && !failed) {
		ptrdiff_t t = runner_part_put(wp, res->target, strlen(res->target) + 1);
		sl->target = t < 0 ? 0 : (uint32_t)t + 1;
	}
	if (!write[res->verdict])
		return;
	const uint8_t *s;
	size_t n;
	runner_out_bytes(p, res, &s, &n);
	ptrdiff_t at = runner_part_put(wp, s, n);
	sl->out = at < 0 ? 0 : (size_t)at;
	sl->out_len = (uint32_t)n;
}

/* Run the records of b whose flows are the worker's. */
static void work_batch(struct worker *w, struct batch *b)
{
	struct pool *pl = w->pool;
	struct runner_part *wp = &b->part[w->id];
	struct runner_packet p;
	struct runner_result res;
	struct bpfvm_error spare;
	wp->out_len = 0;
	wp->failed = false;
	wp->oom = 0;
	for (size_t k = 0; k < b->n; k++) {
		const struct rec *rc = &b->recs[k];
		if (rc->worker != w->id)
			continue;
		struct runner_slot *sl = &b->slots[k];
		runner_packet_set(&p, w->buf, w->size, rc->data, rc->h.caplen, rc->h.len, w->id);
		runner_result_clear(&res);
		struct bpfvm_error *err = wp->failed ? &spare : &wp->err;
		bool failed = pl->hook->run(pl->prog, pl->o, &p, &res, err) != 0;
		if (failed) {
			if (!wp->failed)
				wp->failed_slot = k;
			wp->failed = true;
			res.verdict = pl->hook->error_verdict;
		}
		runner_keep(wp, sl, &p, &res, failed, pl->write);
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pool *pl = w->pool;
	uint64_t seen = 0;
	pthread_mutex_lock(&pl->lock);
	for (;;) {
		while (pl->gen == seen && !pl->stop)
			pthread_cond_wait(&pl->go, &pl->lock);
		if (pl->stop)
			break;
		seen = pl->gen;
		struct batch *b = pl->cur;
		pthread_mutex_unlock(&pl->lock);
		work_batch(w, b);
		pthread_mutex_lock(&pl->lock);
		if (--pl->pending == 0)
			pthread_cond_signal(&pl->done);
	}
	pthread_mutex_unlock(&pl->lock);
	return NULL;
}

static void pool_start(struct pool *pl, struct batch *b)
{
	pthread_mutex_lock(&pl->lock);
	pl->cur = b;
	pl->pending = pl->n;
	pl->gen++;
	pthread_cond_broadcast(&pl->go);
	pthread_mutex_unlock(&pl->lock);
}

static void pool_wait(struct pool *pl)
{
	pthread_mutex_lock(&pl->lock);
	while (pl->pending)
		pthread_cond_wait(&pl->done, &pl->lock);
	pthread_mutex_unlock(&pl->lock);
}

static void batch_free(struct batch *b, unsigned n)
{
	if (b->part)
		for (unsigned i = 0; i < n; i++)
			free(b->part[i].out);
	free(b->part);
	free(b->recs);
	free(b->slots);
	free(b->in);
}

static int batch_alloc(struct batch *b, unsigned n)
{
	b->recs = calloc(RUNNER_BATCH_PACKETS, sizeof(*b->recs));
	b->slots = calloc(RUNNER_BATCH_PACKETS, sizeof(*b->slots));
	/* a batch ends at RUNNER_BATCH_BYTES or beyond, by one record at most */
	b->in = malloc(RUNNER_BATCH_BYTES + RUNNER_MAX_PACKET);
	b->part = calloc(n, sizeof(*b->part));
	return b->recs && b->slots && b->in && b->part ? 0 : -1;
}

/* Fill b from the capture, each record given to its flow's worker (the
 * reader hashes it while its bytes are in the reader's cache). Returns 1
 * (b has records), 0 at the end, -1 on an error (printed). */
static int batch_read(const struct runner_opts *o, struct runner_capture *c, uint64_t first,
		      struct batch *b, unsigned n)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int r = 1;
	b->n = 0;
	b->in_len = 0;
	while (b->n < RUNNER_BATCH_PACKETS && b->in_len < RUNNER_BATCH_BYTES &&
	       (r = runner_capture_next(o, c, first + b->n, &h, &data)) == 1) {
		struct rec *rc = &b->recs[b->n++];
		rc->h = *h;
		rc->worker = runner_flow_worker(runner_flow_hash(data, h->caplen), n);
		if (c->direct) { /* the mapping outlives the batch */
			rc->data = data;
			continue;
		}
		rc->data = b->in + b->in_len;
		memcpy(b->in + b->in_len, data, h->caplen);
		b->in_len += h->caplen;
	}
	return r < 0 ? -1 : b->n > 0;
}

/* Count and write b's records, in the order of the capture. */
static int batch_emit(const struct runner_opts *o, const struct runner_hook *hook,
		      struct runner_stats *st, struct runner_outputs *out, struct batch *b,
		      struct runner_progress *pr, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (b->part[i].oom) {
			fprintf(stderr, "bpfvm %s: %s\n", CMD(o), strerror(b->part[i].oom));
			return -1;
		}
	for (size_t k = 0; k < b->n; k++) {
		const struct rec *rc = &b->recs[k];
		const struct runner_slot *sl = &b->slots[k];
		const struct runner_part *wp = &b->part[rc->worker];
		st->packets++;
		/* the first failure overall is the first of its worker in the
		 * first batch that has one */
		const struct bpfvm_error *err = NULL;
		struct bpfvm_error none;
		if (sl->failed) {
			if (wp->failed && wp->failed_slot == k) {
				err = &wp->err;
			} else {
				memset(&none, 0, sizeof(none));
				err = &none;
			}
		}
		struct runner_result res = { .verdict = sl->verdict, .unknown = sl->unknown,
					     .truncated = sl->truncated };
		const char *target = sl->target ? (const char *)wp->out + sl->target - 1 : "";
		unsigned v = account(o, hook, st, &res, target, sl->failed, err, st->packets);
		if (out->d[v])
			runner_write_out(out, v, &rc->h, wp->out + sl->out, sl->out_len, sl->out_wire_len);
		progress(o, st, pr);
	}
	return 0;
}

static int run_threads(const struct bpfvm_prog *prog, const struct runner_hook *hook,
		       const struct runner_opts *o, struct runner_stats *st, struct runner_capture *c,
		       struct runner_outputs *out, struct runner_progress *pr)
{
	unsigned n = o->threads;
	int ret = -1;
	struct pool pl = { .prog = prog, .hook = hook, .o = o, .n = n };
	struct worker *w = calloc(n, sizeof(*w));
	struct batch b[2] = { { 0 }, { 0 } };
	unsigned started = 0;
	for (unsigned v = 0; v < hook->n_verdicts; v++)
		pl.write[v] = out->d[v] != NULL;
	pthread_mutex_init(&pl.lock, NULL);
	pthread_cond_init(&pl.go, NULL);
	pthread_cond_init(&pl.done, NULL);
	if (!w || batch_alloc(&b[0], n) || batch_alloc(&b[1], n)) {
		fprintf(stderr, "bpfvm %s: %s\n", CMD(o), strerror(ENOMEM));
		goto out;
	}
	for (; started < n; started++) {
		w[started].pool = &pl;
		w[started].id = started;
		w[started].buf = runner_buf_new(&w[started].size);
		int e = w[started].buf ? pthread_create(&w[started].thread, NULL, worker_main,
							&w[started])
				       : ENOMEM;
		if (e) {
			free(w[started].buf);
			fprintf(stderr, "bpfvm %s: %u threads: %s\n", CMD(o), n, strerror(e));
			goto out;
		}
	}
	/* Read k+1 and write k-1 while the workers run k. */
	uint64_t next = 1; /* number of the next record to read */
	int r = batch_read(o, c, next, &b[0], n);
	if (r < 0)
		goto out;
	next += b[0].n;
	struct batch *run = r ? &b[0] : NULL, *fill = &b[1];
	if (run)
		pool_start(&pl, run);
	while (run) {
		r = batch_read(o, c, next, fill, n);
		pool_wait(&pl);
		if (r < 0)
			goto out;
		next += fill->n;
		struct batch *done = run;
		run = r ? fill : NULL;
		if (run)
			pool_start(&pl, run);
		if (batch_emit(o, hook, st, out, done, pr, n)) {
			if (run)
				pool_wait(&pl);
			goto out;
		}
		fill = done;
	}
	ret = 0;
out:
	pthread_mutex_lock(&pl.lock);
	pl.stop = true;
	pthread_cond_broadcast(&pl.go);
	pthread_mutex_unlock(&pl.lock);
	for (unsigned i = 0; i < started; i++) {
		pthread_join(w[i].thread, NULL);
		free(w[i].buf);
	}
	batch_free(&b[0], n);
	batch_free(&b[1], n);
	free(w);
	pthread_cond_destroy(&pl.done);
	pthread_cond_destroy(&pl.go);
	pthread_mutex_destroy(&pl.lock);
	return ret;
}

int runner_run(const struct bpfvm_prog *prog, const struct runner_hook *hook,
	       const struct runner_opts *o, struct runner_stats *st)
{
	struct runner_outputs out = { 0 };
	struct runner_capture c = { 0 };
	bool ok = false;
	memset(st, 0, sizeof(*st));
	if (o->threads > RUNNER_MAX_THREADS) {
		fprintf(stderr, "bpfvm %s: %u threads: at most %u\n", CMD(o), o->threads,
			RUNNER_MAX_THREADS);
		return -1;
	}
	if (capture_open(o, hook, &c) || open_outputs(c.p, hook, o, &out))
		goto out;
	struct runner_progress pr = { .start = runner_now_ns() };
	pr.next = pr.start + 1000000000ull;
	uint64_t cpu0 = cpu_now_ns();
	int r = o->threads <= 1 ? run_single(prog, hook, o, st, &c, &out, &pr)
		: c.direct	? runner_run_spread(prog, hook, o, st, &c, &out, &pr)
				: run_threads(prog, hook, o, st, &c, &out, &pr);
	st->elapsed_ns = runner_now_ns() - pr.start;
	st->cpu_ns = cpu_now_ns() - cpu0;
	if (pr.shown)
		fprintf(stderr, "\r\033[K");
	ok = r == 0;
out:
	if (close_outputs(o, &out, ok))
		ok = false;
	capture_close(&c);
	return ok ? 0 : -1;
}

int runner_read_all(const struct runner_opts *o, const struct runner_hook *hook, size_t max,
		    struct runner_packets *pk)
{
	struct runner_capture c = { 0 };
	struct pcap_pkthdr *h;
	const u_char *data;
	size_t cap = 0, bytes_cap = 0, bytes = 0;
	int r = -1;
	memset(pk, 0, sizeof(*pk));
	if (capture_open(o, hook, &c))
		goto out;
	while ((!max || pk->n < max) && (r = runner_capture_next(o, &c, pk->n + 1, &h, &data)) == 1) {
		if (pk->n == cap) {
			cap = cap ? 2 * cap : 1024;
			size_t *off = realloc(pk->off, cap * sizeof(*off));
			if (off)
				pk->off = off;
			uint32_t *len = off ? realloc(pk->len, cap * sizeof(*len)) : NULL;
			if (len)
				pk->len = len;
			uint32_t *wl = len ? realloc(pk->wire_len, cap * sizeof(*wl)) : NULL;
			if (!wl)
				goto oom;
			pk->wire_len = wl;
		}
		if (bytes + h->caplen > bytes_cap) {
			size_t nc = bytes_cap ? 2 * bytes_cap : 1 << 16;
			while (nc < bytes + h->caplen)
				nc *= 2;
			uint8_t *nb = realloc(pk->bytes, nc);
			if (!nb)
				goto oom;
			pk->bytes = nb;
			bytes_cap = nc;
		}
		if (h->caplen) /* pk->bytes is still NULL when the first records are empty */
			memcpy(pk->bytes + bytes, data, h->caplen);
		pk->off[pk->n] = bytes;
		pk->len[pk->n] = h->caplen;
		pk->wire_len[pk->n] = h->len > h->caplen ? h->len : h->caplen;
		bytes += h->caplen;
		pk->n++;
	}
	if (r >= 0)
		r = 0;
	goto out;
oom:
	fprintf(stderr, "bpfvm %s: %s: %s\n", CMD(o), o->in, strerror(ENOMEM));
	r = -1;
out:
	capture_close(&c);
	if (r)
		runner_packets_free(pk);
	return r;
}

void runner_packets_free(struct runner_packets *pk)
{
	free(pk->bytes);
	free(pk->off);
	free(pk->len);
	free(pk->wire_len);
	memset(pk, 0, sizeof(*pk));
}
