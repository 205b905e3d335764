/*
 * runner.c - the per-packet loop of `bpfvm run OBJ -r in.pcap`; see
 * runner.h. The program-type specifics are in xdp_runner.c and
 * skb_runner.c.
 */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
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

static void count_target(struct runner_stats *st, const char *target)
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

struct outputs {
	pcap_dumper_t *d[RUNNER_MAX_VERDICTS];
	char *tmp[RUNNER_MAX_VERDICTS];
};

static int open_outputs(pcap_t *in, const struct runner_hook *hook, const struct runner_opts *o,
			struct outputs *out)
{
	for (unsigned v = 0; v < hook->n_verdicts; v++) {
		if (!o->out[v])
			continue;
		size_t n = strlen(o->out[v]) + sizeof(".partial");
		out->tmp[v] = malloc(n);
		if (!out->tmp[v]) {
			fprintf(stderr, "bpfvm run: %s\n", strerror(errno));
			return -1;
		}
		snprintf(out->tmp[v], n, "%s.partial", o->out[v]);
		out->d[v] = pcap_dump_open(in, out->tmp[v]);
		if (!out->d[v]) {
			fprintf(stderr, "bpfvm run: %s: %s\n", o->out[v], pcap_geterr(in));
			return -1;
		}
	}
	return 0;
}

/* Close the outputs: renamed into place when ok, else removed. */
static int close_outputs(const struct runner_opts *o, struct outputs *out, bool ok)
{
	int ret = 0;
	for (unsigned v = 0; v < RUNNER_MAX_VERDICTS; v++) {
		if (out->d[v]) {
			if (pcap_dump_flush(out->d[v]) && ok) {
				fprintf(stderr, "bpfvm run: %s: write failed\n", o->out[v]);
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
			fprintf(stderr, "bpfvm run: %s: %s\n", o->out[v], strerror(errno));
			ret = -1;
		} else if (!ok || !out->d[v]) {
			unlink(out->tmp[v]);
		}
		free(out->tmp[v]);
	}
	return ret;
}

/* A mapped capture file, unmapped after pcap_close. */
struct mapping {
	void *addr;
	size_t len;
};

/*
 * The capture, read through a mapping of the file where it can be mapped
 * (a regular file): libpcap then reads records from memory, without a
 * read() and its copy per buffer, which is a third of the runner's own
 * cost per packet. Anything else (a pipe, "-") goes through libpcap's own
 * reading. fmemopen does not copy: the mapping (*map) must outlive the
 * pcap_t.
 */
static pcap_t *open_capture(const char *path, char *errbuf, struct mapping *map)
{
	map->addr = NULL;
	map->len = 0;
	int fd = strcmp(path, "-") ? open(path, O_RDONLY) : -1;
	struct stat sb;
	if (fd >= 0 && !fstat(fd, &sb) && S_ISREG(sb.st_mode) && sb.st_size > 0) {
		void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		close(fd);
		fd = -1;
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

int runner_run(const struct bpfvm_prog *prog, const struct runner_hook *hook,
	       const struct runner_opts *o, struct runner_stats *st)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct outputs out = { 0 };
	uint8_t *buf = NULL;
	bool ok = false;
	memset(st, 0, sizeof(*st));

	struct mapping map = { NULL, 0 };
	pcap_t *in = open_capture(o->in, errbuf, &map);
	if (!in) {
		/* libpcap names the file for some errors, not for others */
		if (!strncmp(errbuf, o->in, strlen(o->in)))
			fprintf(stderr, "bpfvm run: %s\n", errbuf);
		else
			fprintf(stderr, "bpfvm run: %s: %s\n", o->in, errbuf);
		return -1;
	}
	int linktype = pcap_datalink(in);
	if (linktype != DLT_EN10MB) {
		const char *name = pcap_datalink_val_to_name(linktype);
		fprintf(stderr, "bpfvm run: %s: link type %d (%s): %s needs Ethernet (EN10MB) packets\n",
			o->in, linktype, name ? name : "unknown", hook->what);
		goto out;
	}
	/* Headroom, the largest packet, and as much again of tailroom for
	 * programs that grow the packet. */
	size_t size = RUNNER_HEADROOM + 2 * (size_t)RUNNER_MAX_PACKET;
	buf = malloc(size);
	if (!buf) {
		fprintf(stderr, "bpfvm run: %s\n", strerror(errno));
		goto out;
	}
	memset(buf, 0, RUNNER_HEADROOM);
	if (open_outputs(in, hook, o, &out))
		goto out;

	struct runner_packet p = { .buf = buf, .buf_end = buf + size, .data = buf + RUNNER_HEADROOM };
	struct bpfvm_error err;
	struct pcap_pkthdr *h;
	const u_char *data;
	int r;
	uint64_t start = now_ns(), next_progress = start + 1000000000ull;
	bool progress_shown = false;

	while ((r = pcap_next_ex(in, &h, &data)) == 1) {
		size_t len = h->caplen;
		if (len > RUNNER_MAX_PACKET) { /* not from libpcap, but never overflow */
			fprintf(stderr, "bpfvm run: %s: record %" PRIu64 ": %zu bytes is too big\n",
				o->in, st->packets + 1, len);
			goto out;
		}
		st->packets++;
		memcpy(p.data, data, len);
		p.len = len;
		p.wire_len = h->len > h->caplen ? h->len : h->caplen;
		struct runner_result res = { 0 };
		if (hook->run(prog, o, &p, &res, &err)) {
			if (!st->run_errors) {
				char msg[BPFVM_ERR_MSG_MAX + BPFVM_ERR_FILE_MAX + 64];
				bpfvm_error__format(&err, msg, sizeof(msg));
				fprintf(stderr,
					"bpfvm run: %s: record %" PRIu64 ": the run failed, "
					"counted as %s (reported once): %s\n",
					o->in, st->packets, hook->verdicts[hook->error_verdict], msg);
			}
			st->run_errors++;
			res.verdict = hook->error_verdict;
			res.unknown = res.truncated = false;
		}
		st->verdicts[res.verdict]++;
		if (res.target[0])
			count_target(st, res.target);
		st->unknown += res.unknown;
		st->truncated += res.truncated;
		if (out.d[res.verdict]) {
			/* The packet as the program left it; a hook that lost
			 * track of it gives the packet as read. */
			const uint8_t *s = res.out;
			size_t n = res.out_len;
			if (!s || s < buf || s > p.buf_end || n > (size_t)(p.buf_end - s)) {
				s = p.data;
				n = len;
			}
			struct pcap_pkthdr oh = *h;
			oh.caplen = (uint32_t)n;
			oh.len = res.out_wire_len > n ? res.out_wire_len : (uint32_t)n;
			pcap_dump((u_char *)out.d[res.verdict], &oh, s);
		}
		if (o->progress && (st->packets & 0xffff) == 0) {
			uint64_t t = now_ns();
			if (t >= next_progress) {
				fprintf(stderr, "\r%" PRIu64 " packets, %.0f packets/s   ",
					st->packets, (double)st->packets * 1e9 / (double)(t - start));
				next_progress = t + 1000000000ull;
				progress_shown = true;
			}
		}
	}
	st->elapsed_ns = now_ns() - start;
	if (progress_shown)
		fprintf(stderr, "\r\033[K");
	if (r == PCAP_ERROR) {
		fprintf(stderr, "bpfvm run: %s: record %" PRIu64 ": %s\n", o->in, st->packets + 1,
			pcap_geterr(in));
		goto out;
	}
	ok = true;
out:
	if (close_outputs(o, &out, ok))
		ok = false;
	free(buf);
	pcap_close(in);
	if (map.addr)
		munmap(map.addr, map.len);
	return ok ? 0 : -1;
}
