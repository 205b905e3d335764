/*
 * cmd_filter.c - `bpfvm filter`: compile a libpcap filter expression (or
 * read a classic program), check it with the kernel's rules, translate it
 * to eBPF, verify and JIT-compile the translation (the kernel's path) and
 * run it on every packet of a capture, writing the matches.
 *
 * A classic pcap file in this machine's byte order with microsecond
 * timestamps (what tcpdump writes here) is read through a mapping:
 * packets go to cbpf_filter_run_batch() in batches, straight from the
 * mapping, and the records of the matches are written from it as they
 * are, consecutive ones in one fwrite. Such a record is byte for byte what
 * libpcap's pcap_dump() would write for it. Every other capture, and the
 * rest of a mapped one from the first record libpcap would treat
 * specially (caplen > len, caplen > snaplen, a truncated record), is read
 * through libpcap, one packet at a time, so its messages and its
 * corrections are libpcap's.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "cbpf/cbpf.h"
#include "tool.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: bpfvm filter [OPTIONS] 'EXPR' -r IN.pcap [-w OUT.pcap]\n"
		   "       bpfvm filter [OPTIONS] --program FILE -r IN.pcap [-w OUT.pcap]\n"
		   "       bpfvm filter -d|-dd|-ddd 'EXPR' [-r IN.pcap]\n\n"
		   "Compile a libpcap filter expression with pcap_compile for the link type\n"
		   "of the capture, check the classic program with the kernel's rules,\n"
		   "translate it to eBPF, verify the translation as a socket filter,\n"
		   "JIT-compile it and run it on every packet (pcap or pcapng).\n"
		   "Packets the filter accepts (return value > 0) are written unchanged.\n"
		   "\"N of M packets matched\" goes to stderr.\n\n"
		   "Options:\n"
		   "  -r, --read FILE      the capture to filter\n"
		   "  -w, --write FILE     write the matching packets here (pcap)\n"
		   "  -p, --program FILE   a classic program (bpf_asm, tcpdump -d or -ddd\n"
		   "                       text, or raw sock_filter bytes) instead of EXPR\n"
		   "  -d                   print the classic program as tcpdump -d and exit;\n"
		   "                       -dd as C initialisers, -ddd as decimal numbers\n"
		   "      --dump           print the classic program (tcpdump -d) and the\n"
		   "                       translated eBPF before filtering\n"
		   "  -e, --engine E       jit (default: the verified translation as\n"
		   "                       machine code; when the JIT cannot take it, the\n"
		   "                       eBPF interpreter runs it and stderr says why),\n"
		   "                       interp (the translation in the eBPF interpreter;\n"
		   "                       also spelt ebpf) or cbpf (the classic interpreter)\n"
		   "  -c, --count          print the number of matching packets on stdout\n"
		   "  -h, --help           show this help\n\n"
		   "Exit status: 0 on success, 1 for a malformed expression, an invalid\n"
		   "program or an unreadable capture, 2 on wrong usage.\n");
}

struct filter_args {
	const char *expr, *program, *in, *out;
	int d_level, dump, count;
	enum cbpf_engine engine;
};

static void print_line(void *ctx, const char *line)
{
	fprintf(ctx, "%s\n", line);
}

static void print_ebpf(void *ctx, size_t pc, const char *line)
{
	fprintf(ctx, "%5zu: %s\n", pc, line);
}

static int parse_args(int argc, char **argv, struct filter_args *a)
{
	enum { OPT_DUMP = 256 };
	static const struct option longopts[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "write", required_argument, NULL, 'w' },
		{ "program", required_argument, NULL, 'p' },
		{ "dump", no_argument, NULL, OPT_DUMP },
		{ "engine", required_argument, NULL, 'e' },
		{ "count", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:w:p:de:ch", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': a->in = optarg; break;
		case 'w': a->out = optarg; break;
		case 'p': a->program = optarg; break;
		case 'd': a->d_level++; break;
		case OPT_DUMP: a->dump = 1; break;
		case 'c': a->count = 1; break;
		case 'e': {
			int e = cbpf_engine_parse(optarg);
			if (e < 0)
				return tool_usage_error(&cmd_filter,
							"--engine is jit, interp or cbpf, not '%s'",
							optarg);
			a->engine = (enum cbpf_engine)e;
			break;
		}
		default:
			return tool_help_or_usage(&cmd_filter, c);
		}
	}
	if (a->d_level > 3)
		return tool_usage_error(&cmd_filter, "-d, -dd or -ddd, not more d's");
	/* the expression may be several words, as tcpdump's */
	if (optind < argc && !a->program) {
		size_t len = 1;
		for (int i = optind; i < argc; i++)
			len += strlen(argv[i]) + 1;
		char *e = calloc(1, len);
		if (!e)
			return TOOL_EXIT_FAIL;
		for (int i = optind; i < argc; i++) {
			strcat(e, argv[i]);
			if (i + 1 < argc)
				strcat(e, " ");
		}
		a->expr = e;
	} else if (optind < argc) {
		return tool_usage_error(&cmd_filter, "give EXPR or --program, not both");
	}
	if (!a->expr && !a->program)
		return tool_usage_error(&cmd_filter, "expected a filter EXPR or --program FILE");
	if (!a->in && !a->d_level)
		return tool_usage_error(&cmd_filter, "expected -r IN.pcap");
	return -1;
}

/* The classic program: from the expression (pcap_compile for linktype) or a file. */
static int get_program(const struct filter_args *a, int linktype, int snaplen,
		       struct cbpf_insn **prog, size_t *n)
{
	if (a->program) {
		size_t len;
		struct bpfvm_error err;
		char *data = tool_read_file(a->program, &len);
		if (!data)
			return -1;
		int r = cbpf_parse_any(data, len, a->program, prog, n, &err);
		free(data);
		if (r) {
			tool_print_error("filter", &err);
			return -1;
		}
		return 0;
	}
	pcap_t *dead = pcap_open_dead(linktype, snaplen);
	struct bpf_program fp;
	if (!dead) {
		fprintf(stderr, "bpfvm filter: pcap_open_dead failed\n");
		return -1;
	}
	if (pcap_compile(dead, &fp, a->expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		fprintf(stderr, "bpfvm filter: %s\n", pcap_geterr(dead));
		pcap_close(dead);
		return -1;
	}
	*n = fp.bf_len;
	*prog = malloc(fp.bf_len * sizeof(**prog) + 1);
	if (*prog)
		for (size_t i = 0; i < fp.bf_len; i++)
			(*prog)[i] = (struct cbpf_insn){ fp.bf_insns[i].code, fp.bf_insns[i].jt,
							 fp.bf_insns[i].jf, fp.bf_insns[i].k };
	pcap_freecode(&fp);
	pcap_close(dead);
	return *prog ? 0 : -1;
}

/*
 * The capture's files through stdio buffers of IO_BUF bytes: with the
 * default 4 KiB, reading and writing a large capture costs more system
 * calls than the filter costs time.
 */
#define IO_BUF (1u << 20)

static pcap_t *open_capture(const char *path, char *errbuf)
{
	if (!strcmp(path, "-"))
		return pcap_open_offline(path, errbuf);
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(errbuf, PCAP_ERRBUF_SIZE, "%s: %s", path, strerror(errno));
		return NULL;
	}
	setvbuf(f, NULL, _IOFBF, IO_BUF);
	pcap_t *p = pcap_fopen_offline(f, errbuf); /* owns f from here on success */
	if (!p)
		fclose(f);
	return p;
}

static pcap_dumper_t *open_dump(pcap_t *in, const char *path)
{
	if (!strcmp(path, "-"))
		return pcap_dump_open(in, path);
	FILE *f = fopen(path, "wb");
	if (!f) /* libpcap's own attempt, for its message */
		return pcap_dump_open(in, path);
	setvbuf(f, NULL, _IOFBF, IO_BUF);
	pcap_dumper_t *d = pcap_dump_fopen(in, f);
	if (!d)
		fclose(f);
	return d;
}

/* Packets one cbpf_filter_run_batch() call takes from the mapping. */
#define MAP_BATCH 512

/* A capture file mapped for reading: base[0..size). */
struct mapped {
	const uint8_t *base;
	size_t size;
	uint32_t snaplen; /* libpcap's (pcap_snapshot): caplen above it is special */
};

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/*
 * Map the capture behind in, when its records can be taken as they are:
 * a regular file, classic pcap, this machine's byte order, microsecond
 * timestamps, version 2.4, and not a link type whose headers libpcap
 * rewrites (Linux USB). false: read it through libpcap.
 */
static bool map_capture(pcap_t *in, const char *path, struct mapped *m)
{
	struct stat sb;
	FILE *f = pcap_file(in);
	if (!strcmp(path, "-") || !f || fstat(fileno(f), &sb) || !S_ISREG(sb.st_mode) ||
	    sb.st_size < 24 || (uint64_t)sb.st_size > SIZE_MAX)
		return false;
	void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fileno(f), 0);
	if (p == MAP_FAILED)
		return false;
	const uint8_t *h = p;
	uint16_t major, minor;
	memcpy(&major, h + 4, 2);
	memcpy(&minor, h + 6, 2);
	int dlt = pcap_datalink(in);
	if (rd32(h) != 0xa1b2c3d4u || major != 2 || minor != 4 || dlt == DLT_USB_LINUX ||
	    dlt == DLT_USB_LINUX_MMAPPED) {
		munmap(p, (size_t)sb.st_size);
		return false;
	}
	madvise(p, (size_t)sb.st_size, MADV_SEQUENTIAL); /* read front to back */
	*m = (struct mapped){ .base = p, .size = (size_t)sb.st_size,
			      .snaplen = (uint32_t)pcap_snapshot(in) };
	return true;
}

/* The output: consecutive matched records are written with one fwrite. */
struct run_out {
	FILE *f; /* NULL: not writing */
	const uint8_t *from, *to;
};

static void out_record(struct run_out *o, const uint8_t *rec, size_t len)
{
	if (!o->f)
		return;
	if (rec != o->to) {
		if (o->to != o->from)
			fwrite(o->from, 1, (size_t)(o->to - o->from), o->f);
		o->from = rec;
	}
	o->to = rec + len;
}

static void out_flush(struct run_out *o)
{
	if (o->f && o->to != o->from)
		fwrite(o->from, 1, (size_t)(o->to - o->from), o->f);
	o->from = o->to = NULL;
}

/*
 * Filter the mapped records from offset 24 on, in batches, while they are
 * plain (see the top). Returns the offset of the first record left to
 * libpcap (m->size at the end of the file), or -1 when a run failed.
 */
static int64_t filter_mapped(const struct mapped *m, const struct cbpf_filter *f,
			     FILE *out, uint64_t *total, uint64_t *matched)
{
	struct cbpf_packet pk[MAP_BATCH];
	const uint8_t *rec[MAP_BATCH];
	struct run_out o = { .f = out };
	size_t off = 24;
	for (;;) {
		size_t k = 0;
		bool special = false;
		while (k < MAP_BATCH && m->size - off >= 16) {
			const uint8_t *r = m->base + off;
			uint32_t caplen = rd32(r + 8), len = rd32(r + 12);
			if (caplen > len || caplen > m->snaplen || caplen > m->size - off - 16) {
				special = true;
				break;
			}
			pk[k] = (struct cbpf_packet){ .data = r + 16, .caplen = caplen, .len = len };
			rec[k++] = r;
			off += 16 + (size_t)caplen;
		}
		struct bpfvm_error err;
		if (k && cbpf_filter_run_batch(f, pk, k, &err)) {
			tool_print_error("filter", &err);
			return -1;
		}
		for (size_t i = 0; i < k; i++)
			if (pk[i].ret) {
				(*matched)++;
				out_record(&o, rec[i], 16 + (size_t)pk[i].caplen);
			}
		*total += k;
		if (special || m->size - off < 16)
			break;
	}
	out_flush(&o);
	return (int64_t)off;
}

static int main_filter(int argc, char **argv)
{
	struct filter_args a = { 0 };
	int ret = parse_args(argc, argv, &a);
	if (ret >= 0) {
		free((char *)a.expr);
		return ret;
	}
	ret = TOOL_EXIT_FAIL;
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *in = NULL;
	pcap_dumper_t *out = NULL;
	struct cbpf_insn *prog = NULL;
	size_t n = 0;
	struct bpfvm_vm *vm = NULL;
	struct cbpf_filter *f = NULL;
	struct bpfvm_error err;
	struct mapped mapped = { 0 };
	int linktype = DLT_EN10MB, snaplen = 262144;

	if (a.in) {
		in = open_capture(a.in, errbuf);
		if (!in) {
			fprintf(stderr, "bpfvm filter: %s\n", errbuf);
			goto out;
		}
		linktype = pcap_datalink(in);
		snaplen = pcap_snapshot(in);
	}
	if (get_program(&a, linktype, snaplen, &prog, &n))
		goto out;
	if (a.d_level == 1)
		cbpf_tcpdump_print(prog, n, print_line, stdout);
	else if (a.d_level == 2)
		cbpf_dd_print(prog, n, print_line, stdout);
	else if (a.d_level == 3)
		cbpf_ddd_print(prog, n, print_line, stdout);
	if (a.d_level) {
		ret = TOOL_EXIT_OK;
		goto out;
	}
	BPFVM_OPTS(bpfvm_vm_opts, vopts, .nr_cpus = 1);
	vm = bpfvm_vm__new(&vopts);
	if (!vm || cbpf_add_helpers(vm)) {
		fprintf(stderr, "bpfvm filter: cannot create a vm: %s\n", strerror(errno));
		goto out;
	}
	/* check, translate, verify, JIT (or the engine asked for) */
	f = cbpf_filter_new(vm, prog, n, CBPF_SOCKET_FILTER, a.engine, true, &err);
	if (!f) {
		tool_print_error("filter", &err);
		goto out;
	}
	if (cbpf_filter_fallback(f))
		fprintf(stderr, "bpfvm filter: the JIT cannot take the translation, so the eBPF "
				"interpreter runs it: %s\n",
			cbpf_filter_fallback(f));
	if (a.dump) {
		size_t n_ebpf;
		const struct bpfvm_insn *ebpf = cbpf_filter_ebpf(f, &n_ebpf);
		printf("; classic BPF (%zu instructions)\n", n);
		cbpf_tcpdump_print(prog, n, print_line, stdout);
		printf("; eBPF translation (%zu instructions, socket filter, engine %s)\n", n_ebpf,
		       cbpf_engine_name(cbpf_filter_engine(f)));
		bpfvm_disasm(ebpf, n_ebpf, NULL, print_ebpf, stdout, NULL);
	}
	if (a.out) {
		out = open_dump(in, a.out);
		if (!out) {
			fprintf(stderr, "bpfvm filter: %s\n", pcap_geterr(in));
			goto out;
		}
	}
	uint64_t total = 0, matched = 0;
	struct pcap_pkthdr *h;
	const u_char *data;
	int r;
	if (map_capture(in, a.in, &mapped)) {
		int64_t at = filter_mapped(&mapped, f, out ? pcap_dump_file(out) : NULL, &total,
					   &matched);
		if (at < 0)
			goto out;
		/* the rest (nothing, at the end) through libpcap, from there */
		if (fseeko(pcap_file(in), (off_t)at, SEEK_SET)) {
			fprintf(stderr, "bpfvm filter: %s: %s\n", a.in, strerror(errno));
			goto out;
		}
	}
	while ((r = pcap_next_ex(in, &h, &data)) == 1) {
		struct cbpf_meta meta = { .len = h->len };
		uint32_t res;
		total++;
		if (cbpf_filter_run(f, data, h->caplen, &meta, &res, &err)) {
			tool_print_error("filter", &err);
			goto out;
		}
		if (res == 0)
			continue;
		matched++;
		if (out)
			pcap_dump((u_char *)out, h, data);
	}
	if (r == PCAP_ERROR) {
		fprintf(stderr, "bpfvm filter: %s: %s\n", a.in, pcap_geterr(in));
		goto out;
	}
	if (out && (fflush(pcap_dump_file(out)) || ferror(pcap_dump_file(out)))) {
		fprintf(stderr, "bpfvm filter: %s: %s\n", a.out, strerror(errno ? errno : EIO));
		goto out;
	}
	fprintf(stderr, "%" PRIu64 " of %" PRIu64 " packets matched\n", matched, total);
	if (a.count)
		printf("%" PRIu64 "\n", matched);
	ret = TOOL_EXIT_OK;
out:
	if (out)
		pcap_dump_close(out);
	if (mapped.base)
		munmap((void *)(uintptr_t)mapped.base, mapped.size);
	if (in)
		pcap_close(in);
	cbpf_filter_free(f);
	bpfvm_vm__free(vm);
	free(prog);
	free((char *)a.expr);
	return ret;
}

const struct tool_cmd cmd_filter = {
	.name = "filter",
	.summary = "run a tcpdump filter expression over a capture",
	.main = main_filter,
	.usage = usage,
};
