/*
 * cmd_run.c - `bpfvm run`: run a program on input memory and print r0;
 * or, given an ELF object and -r in.pcap, run
 * its XDP, tc or socket-filter program on every packet of the capture
 * (runner.c, with xdp_runner.c and skb_runner.c), with the object's maps
 * and globals set beforehand (--map, --set) and dumped afterwards
 * (--dump-maps).
 *
 * The engine is the JIT unless --engine interp says otherwise. What the
 * JIT cannot take runs in the interpreter, and the command says so on
 * stderr, never silently: a program the JIT refuses, an unverified one
 * (-U: only the checked interpreter runs those), and runs that need the
 * interpreter's features (--trace, --budget).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "global_set.h"
#include "json.h"
#include "map_dump.h"
#include "map_load.h"
#include "runner.h"
#include "tool.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: bpfvm run [OPTIONS] PROGRAM\n"
		   "       bpfvm run [OPTIONS] -e 'ASSEMBLY'\n"
		   "       bpfvm run OBJECT.o [--prog NAME] -r IN.pcap [OUTPUT OPTIONS]\n\n"
		   "Run an eBPF program with r1 = the input memory and r2 = its length,\n"
		   "and print r0 in hex. PROGRAM is assembly text, raw instruction bytes or\n"
		   "hex ('-' for stdin). The verifier checks it first, with r1 pointing to\n"
		   "the input memory's bytes (the raw type); then it runs JIT-compiled to\n"
		   "x86-64 code, or in the interpreter with --engine interp.\n\n"
		   "Options:\n"
		   "  -f, --format F       program format: auto (default), asm, raw, hex\n"
		   "  -s, --syntax S       assembly syntax: auto (default), ubpf, llvm\n"
		   "  -e, --expr TEXT      the program as inline assembly text\n"
		   "  -m, --mem HEX        input memory as hex bytes (\"aa bb 01\")\n"
		   "  -M, --mem-file FILE  input memory from a file, as raw bytes\n"
		   "  -d, --dump-mem       print the input memory after the run, in hex\n"
		   "  -t, --trace          print each executed instruction and the registers\n"
		   "                       it changed (to stdout, before the result; runs the\n"
		   "                       interpreter)\n"
		   "  -b, --budget N       stop after N executed instructions (runs the\n"
		   "                       interpreter)\n"
		   "  -U, --unverified     skip the verifier: run the program as given in the\n"
		   "                       checked interpreter, which checks every memory\n"
		   "                       access against the stack and the input memory\n"
		   "      --engine E       jit (default): compile to x86-64 code, or interp.\n"
		   "                       What the JIT does not take (a program it refuses,\n"
		   "                       -U, --trace, --budget) runs in the interpreter,\n"
		   "                       said on stderr\n"
		   "      --jit            the same as --engine jit\n"
		   "      --harden         JIT with constant blinding: no immediate of the\n"
		   "                       program appears in the machine code (implies --jit)\n"
		   "  -h, --help           show this help\n\n"
		   "Object mode: when PROGRAM is an ELF object (clang -target bpf), its\n"
		   "programs are verified and loaded, and one of them runs on every packet\n"
		   "of the capture (pcap or pcapng, Ethernet), with the context the kernel\n"
		   "gives its type:\n"
		   "  xdp             struct xdp_md, 256 bytes of headroom; verdicts aborted,\n"
		   "                  drop, pass, tx, redirect (unknown actions: aborted)\n"
		   "  tc, classifier, struct __sk_buff filled from the frame (len, protocol,\n"
		   "  action          pkt_type, ifindex, data/data_end; VLAN tags stay in the\n"
		   "                  frame); verdicts by TC_ACT_* name: unspec, ok,\n"
		   "                  reclassify, shot, pipe, stolen, queued, repeat,\n"
		   "                  redirect, trap (values outside -1..8: unspec)\n"
		   "  socket          struct __sk_buff, the frame from its Ethernet header as\n"
		   "                  a packet socket sees it (LD_ABS 0 = destination MAC);\n"
		   "                  the return value is the bytes to keep: 0 is drop, else\n"
		   "                  pass, and the packet is cut to that many bytes\n"
		   "A summary follows: packets, the count of each verdict, packets/s, ns\n"
		   "per packet and what the program printed (bpf_trace_printk). A failed\n"
		   "run counts as aborted (XDP), shot (tc) or drop (socket).\n"
		   "  -r, --read FILE      the capture to run the program over (required)\n"
		   "      --prog NAME      the program to run (default: the first XDP one,\n"
		   "                       else the first)\n"
		   "      --write-pass F   write the packets it passed to F (pcap), as the\n"
		   "                       program left them; likewise --write-drop,\n"
		   "                       --write-tx, --write-redirect, --write-aborted.\n"
		   "                       For tc, pass is ok and drop is shot; for socket\n"
		   "                       filters, pass is every packet kept (cut short)\n"
		   "      --write V=F      write the packets of verdict V (as the summary\n"
		   "                       names it: ok, stolen, ...) to F\n"
		   "  -w, --write-dir DIR  write V.pcap in DIR for every verdict V of the type\n"
		   "      --ifindex N      ingress ifindex (xdp_md, __sk_buff; default 1)\n"
		   "      --rx-queue N     xdp_md.rx_queue_index (XDP; default 0)\n"
		   "      --mark N         __sk_buff.mark (tc, socket; default 0)\n"
		   "      --priority N     __sk_buff.priority (tc, socket; default 0)\n"
		   "      --set NAME=VAL   before load, set global variable NAME of .data,\n"
		   "                       .rodata or .bss (const volatile too) to VAL: an\n"
		   "                       integer (decimal or 0x hex) in its type's range,\n"
		   "                       true/false, or an enumerator name. Repeatable\n"
		   "      --map NAME=FILE  before the run, add the entries of FILE (JSON as\n"
		   "                       'bpfvm map dump -j' writes it, one map's or all\n"
		   "                       maps', or a -j --dump-maps summary) to map NAME.\n"
		   "                       Keys and values are the \"key\"/\"value\" byte\n"
		   "                       arrays; \"formatted\" (through BTF) is read when they\n"
		   "                       are missing. Repeatable\n"
		   "      --dump-maps      after the run, print every map's entries (in the\n"
		   "                       -j summary as \"maps\", in map dump -j's shape)\n"
		   "      --engine E       jit (default; programs the JIT does not take run in\n"
		   "                       the interpreter, said on stderr) or interp\n"
		   "      --harden         the JIT with constant blinding (immediates never\n"
		   "                       appear in the machine code)\n"
		   "      --threads N      run on N worker threads (default 1), packets spread\n"
		   "                       by flow as RSS spreads them: a symmetric hash of\n"
		   "                       the IP addresses, protocol and TCP/UDP/SCTP ports\n"
		   "                       (non-IP frames: the MAC addresses and EtherType).\n"
		   "                       Worker i is CPU i: its per-CPU map slots and\n"
		   "                       bpf_get_smp_processor_id(). Counts and output\n"
		   "                       captures keep the capture's order\n"
		   "  -j, --json           the summary as JSON\n"
		   "  -q, --quiet          no progress line on stderr\n\n"
		   "Exit status: 0 when the program ran, 1 when it was refused or failed,\n"
		   "2 on wrong usage.\n");
}

struct trace_ctx {
	const struct bpfvm_prog *prog;
	enum bpfvm_syntax syntax;
};

static void trace_insn(void *ctx, size_t pc, const struct bpfvm_insn *insn,
		       const uint64_t before[BPFVM_NREGS], const uint64_t after[BPFVM_NREGS])
{
	const struct trace_ctx *t = ctx;
	char text[160];
	(void)insn;
	BPFVM_OPTS(bpfvm_disasm_opts, dopts, .syntax = t->syntax);
	bpfvm_disasm_insn(bpfvm_prog__insns(t->prog), bpfvm_prog__insn_cnt(t->prog), pc, &dopts,
			  text, sizeof(text));
	printf("%5zu: %-40s", pc, text);
	const char *sep = " ;";
	for (int r = 0; r < BPFVM_NREGS; r++) {
		if (before[r] == after[r])
			continue;
		printf("%s r%d=0x%" PRIx64, sep, r, after[r]);
		sep = "";
	}
	printf("\n");
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

#define RUN_PROG_TYPE_XDP 6 /* the kernel's BPF_PROG_TYPE_XDP */

/* What the program printed with bpf_trace_printk, up to TRACE_MAX bytes. */
#define TRACE_MAX (1u << 20)
struct trace_buf {
	pthread_mutex_t lock; /* the workers of --threads print at once */
	char *text;
	size_t len;
	uint64_t prints, dropped;
};

/* A repeatable NAME=VALUE option (--write, --map, --set), in order. */
struct arg_list {
	const char **v;
	size_t n;
};

static int arg_push(struct arg_list *l, const char *arg)
{
	const char **v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return -1;
	v[l->n++] = arg;
	l->v = v;
	return 0;
}

/* The --write-NAME options, and the verdict each names per hook (NULL: the
 * type has no such verdict). */
enum { W_ABORTED, W_DROP, W_PASS, W_TX, W_REDIRECT, W_N };
static const struct write_alias {
	const char *opt;
	const char *xdp, *tc, *socket;
} write_aliases[W_N] = {
	[W_ABORTED] = { "aborted", "aborted", NULL, NULL },
	[W_DROP] = { "drop", "drop", "shot", "drop" },
	[W_PASS] = { "pass", "pass", "ok", "pass" },
	[W_TX] = { "tx", "tx", NULL, NULL },
	[W_REDIRECT] = { "redirect", "redirect", "redirect", NULL },
};

enum {
	OPT_WRITE_ALIAS = 0x100, /* + W_* */
	OPT_WRITE = 0x200, /* OPT_WRITE..OPT_SET index a table: keep the order */
	OPT_MAP,
	OPT_SET,
	OPT_DUMP_MAPS,
	OPT_IFINDEX, /* the four 32-bit numbers, in this order */
	OPT_RX_QUEUE,
	OPT_MARK,
	OPT_PRIORITY,
	OPT_THREADS,
	OPT_HARDEN,
};

struct run_args {
	const char *expr, *mem_hex, *mem_file, *path;
	enum tool_format format;
	enum bpfvm_syntax syntax;
	int trace, dump;
	uint64_t budget;
	bool jit, unverified, harden;
	bool engine_given;      /* --engine, --jit or --harden */
	/* object mode */
	const char *prog_name, *pcap_in, *write_dir;
	const char *write_alias[W_N];
	struct arg_list writes, maps, sets; /* --write V=F, --map, --set */
	uint64_t ifindex, rx_queue, mark, priority;
	uint64_t threads;
	bool rx_queue_set, mark_set, priority_set;
	bool json, quiet, dump_maps, raw_opts, obj_opts;
};

static void run_args_free(struct run_args *a)
{
	free(a->writes.v);
	free(a->maps.v);
	free(a->sets.v);
}

/* NAME=VALUE with a non-empty NAME and VALUE. */
static bool name_value(const char *arg)
{
	const char *eq = strchr(arg, '=');
	return eq && eq != arg && eq[1];
}

/* Parse options into a; returns -1 to continue, else the exit status. */
static int parse_args(int argc, char **argv, struct run_args *a)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "syntax", required_argument, NULL, 's' },
		{ "expr", required_argument, NULL, 'e' },
		{ "mem", required_argument, NULL, 'm' },
		{ "mem-file", required_argument, NULL, 'M' },
		{ "dump-mem", no_argument, NULL, 'd' },
		{ "trace", no_argument, NULL, 't' },
		{ "budget", required_argument, NULL, 'b' },
		{ "engine", required_argument, NULL, 'E' },
		{ "jit", no_argument, NULL, 'J' },
		{ "harden", no_argument, NULL, OPT_HARDEN },
		{ "unverified", no_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ "prog", required_argument, NULL, 'P' },
		{ "read", required_argument, NULL, 'r' },
		{ "write-aborted", required_argument, NULL, OPT_WRITE_ALIAS + W_ABORTED },
		{ "write-drop", required_argument, NULL, OPT_WRITE_ALIAS + W_DROP },
		{ "write-pass", required_argument, NULL, OPT_WRITE_ALIAS + W_PASS },
		{ "write-tx", required_argument, NULL, OPT_WRITE_ALIAS + W_TX },
		{ "write-redirect", required_argument, NULL, OPT_WRITE_ALIAS + W_REDIRECT },
		{ "write", required_argument, NULL, OPT_WRITE },
		{ "write-dir", required_argument, NULL, 'w' },
		{ "ifindex", required_argument, NULL, OPT_IFINDEX },
		{ "rx-queue", required_argument, NULL, OPT_RX_QUEUE },
		{ "mark", required_argument, NULL, OPT_MARK },
		{ "priority", required_argument, NULL, OPT_PRIORITY },
		{ "map", required_argument, NULL, OPT_MAP },
		{ "set", required_argument, NULL, OPT_SET },
		{ "dump-maps", no_argument, NULL, OPT_DUMP_MAPS },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:s:e:m:M:dtb:hr:w:jqU", longopts, NULL)) != -1) {
		if (c > 0 && c < 0x100 && strchr("fsemMd", c))
			a->raw_opts = true;
		if (c >= 0x100 || (c > 0 && strchr("Prwjq", c)))
			a->obj_opts = true;
		switch (c) {
		case 'P':
			a->prog_name = optarg;
			break;
		case 'r':
			a->pcap_in = optarg;
			break;
		case 'w':
			a->write_dir = optarg;
			break;
		case OPT_WRITE_ALIAS + W_ABORTED:
		case OPT_WRITE_ALIAS + W_DROP:
		case OPT_WRITE_ALIAS + W_PASS:
		case OPT_WRITE_ALIAS + W_TX:
		case OPT_WRITE_ALIAS + W_REDIRECT:
			a->write_alias[c - OPT_WRITE_ALIAS] = optarg;
			break;
		case OPT_WRITE:
		case OPT_MAP:
		case OPT_SET: {
			static const char *const what[] = { "--write VERDICT=FILE", "--map NAME=FILE",
							    "--set NAME=VALUE" };
			if (!name_value(optarg))
				return tool_usage_error(&cmd_run, "%s: expected %s, not '%s'",
							what[c - OPT_WRITE], what[c - OPT_WRITE], optarg);
			struct arg_list *l = c == OPT_WRITE ? &a->writes : c == OPT_MAP ? &a->maps
											 : &a->sets;
			if (arg_push(l, optarg)) {
				fprintf(stderr, "bpfvm run: %s\n", strerror(errno));
				return TOOL_EXIT_FAIL;
			}
			break;
		}
		case OPT_DUMP_MAPS:
			a->dump_maps = true;
			break;
		case OPT_THREADS:
			if (parse_u64(optarg, &a->threads) || !a->threads ||
			    a->threads > RUNNER_MAX_THREADS)
				return tool_usage_error(&cmd_run, "--threads wants a count from 1 to %d, "
							"not '%s'", RUNNER_MAX_THREADS, optarg);
			break;
		case OPT_IFINDEX:
		case OPT_RX_QUEUE:
		case OPT_MARK:
		case OPT_PRIORITY: {
			static const char *const names[] = { "ifindex", "rx-queue", "mark", "priority" };
			uint64_t *v = c == OPT_IFINDEX ? &a->ifindex : c == OPT_RX_QUEUE ? &a->rx_queue
							   : c == OPT_MARK ? &a->mark : &a->priority;
			if (parse_u64(optarg, v) || *v > UINT32_MAX)
				return tool_usage_error(&cmd_run, "--%s wants a 32-bit number, not '%s'",
							names[c - OPT_IFINDEX], optarg);
			a->rx_queue_set |= c == OPT_RX_QUEUE;
			a->mark_set |= c == OPT_MARK;
			a->priority_set |= c == OPT_PRIORITY;
			break;
		}
		case 'j':
			a->json = true;
			break;
		case 'q':
			a->quiet = true;
			break;
		case 'f':
			if (tool_opt_format(&cmd_run, optarg, &a->format))
				return TOOL_EXIT_USAGE;
			break;
		case 's':
			if (tool_opt_syntax(&cmd_run, optarg, 1, &a->syntax))
				return TOOL_EXIT_USAGE;
			break;
		case 'e':
			a->expr = optarg;
			break;
		case 'm':
			a->mem_hex = optarg;
			break;
		case 'M':
			a->mem_file = optarg;
			break;
		case 'd':
			a->dump = 1;
			break;
		case 't':
			a->trace = 1;
			break;
		case 'b':
			if (parse_u64(optarg, &a->budget) || !a->budget)
				return tool_usage_error(&cmd_run,
							"--budget wants a positive count, not '%s'",
							optarg);
			break;
		case 'E':
			if (strcmp(optarg, "interp") && strcmp(optarg, "jit"))
				return tool_usage_error(&cmd_run,
							"--engine wants interp or jit, not '%s'",
							optarg);
			a->jit = !strcmp(optarg, "jit");
			a->engine_given = true;
			break;
		case 'J':
			a->jit = a->engine_given = true;
			break;
		case OPT_HARDEN:
			a->jit = a->harden = a->engine_given = true;
			break;
		case 'U':
			a->unverified = true;
			a->raw_opts = true;
			break;
		case 'h':
			usage(stdout);
			return TOOL_EXIT_OK;
		default:
			usage(stderr);
			return TOOL_EXIT_USAGE;
		}
	}
	if (a->mem_hex && a->mem_file)
		return tool_usage_error(&cmd_run, "give --mem or --mem-file, not both");
	if (a->expr ? optind != argc : optind != argc - 1)
		return tool_usage_error(&cmd_run, "expected one PROGRAM file or -e 'ASSEMBLY'");
	a->path = a->expr ? "<expr>" : argv[optind];
	return -1;
}

static int read_mem(const struct run_args *a, uint8_t **mem, size_t *len)
{
	char msg[160];
	*mem = NULL;
	*len = 0;
	if (a->mem_hex) {
		if (hex_decode(a->mem_hex, strlen(a->mem_hex), mem, len, msg, sizeof(msg))) {
			fprintf(stderr, "bpfvm run: --mem: %s\n", msg);
			return -1;
		}
	} else if (a->mem_file) {
		*mem = (uint8_t *)tool_read_file(a->mem_file, len);
		if (!*mem)
			return -1;
	}
	return 0;
}

static void collect_trace(void *ctx, const char *text, size_t len)
{
	struct trace_buf *t = ctx;
	pthread_mutex_lock(&t->lock);
	t->prints++;
	char *p = t->len + len > TRACE_MAX ? NULL : realloc(t->text, t->len + len + 1);
	if (!p) {
		t->dropped++;
	} else {
		memcpy(p + t->len, text, len);
		t->len += len;
		p[t->len] = 0;
		t->text = p;
	}
	pthread_mutex_unlock(&t->lock);
}

/* What the summary reports besides the counts. */
struct summary {
	const char *prog_name;
	const struct bpfvm_prog *prog;
	const struct runner_hook *hook;
	const struct runner_stats *st;
	const struct trace_buf *tb;
	const struct bpfvm_object *obj; /* for --dump-maps, else NULL */
	uint32_t nr_cpus;
	unsigned threads;
};

static int print_summary(const struct run_args *a, const struct summary *sm)
{
	const struct runner_stats *st = sm->st;
	const struct runner_hook *hook = sm->hook;
	const struct trace_buf *tb = sm->tb;
	double pps = st->elapsed_ns ? (double)st->packets * 1e9 / (double)st->elapsed_ns : 0;
	double ns = st->packets ? (double)st->elapsed_ns / (double)st->packets : 0;
	double cpu = st->packets ? (double)st->cpu_ns / (double)st->packets : 0;
	const char *engine = bpfvm_prog__engine(sm->prog) == BPFVM_ENGINE_JIT ? "jit" : "interp";
	const char *type = bpfvm_prog_type_name(bpfvm_prog__type(sm->prog));
	bool is_socket = hook == &runner_socket;
	if (a->json) {
		struct json j;
		json_init(&j, stdout, true);
		json_obj_begin(&j);
		json_key(&j, "program");
		json_str(&j, sm->prog_name);
		json_key(&j, "type");
		json_str(&j, type ? type : "?");
		json_key(&j, "engine");
		json_str(&j, engine);
		json_key(&j, "threads");
		json_u64(&j, sm->threads);
		json_key(&j, "packets");
		json_u64(&j, st->packets);
		json_key(&j, "verdicts");
		json_obj_begin(&j);
		for (unsigned v = 0; v < hook->n_verdicts; v++) {
			json_key(&j, hook->verdicts[v]);
			json_u64(&j, st->verdicts[v]);
		}
		json_obj_end(&j);
		if (is_socket) {
			json_key(&j, "truncated");
			json_u64(&j, st->truncated);
		}
		json_key(&j, "redirect_targets");
		json_obj_begin(&j);
		for (unsigned t = 0; t < st->n_targets; t++) {
			json_key(&j, st->targets[t]);
			json_u64(&j, st->target_count[t]);
		}
		if (st->other_targets) {
			json_key(&j, "other");
			json_u64(&j, st->other_targets);
		}
		json_obj_end(&j);
		json_key(&j, "run_errors");
		json_u64(&j, st->run_errors);
		json_key(&j, "unknown_returns");
		json_u64(&j, st->unknown);
		json_key(&j, "elapsed_ns");
		json_u64(&j, st->elapsed_ns);
		json_key(&j, "packets_per_sec");
		json_u64(&j, (uint64_t)(pps + 0.5));
		json_key(&j, "ns_per_packet");
		json_u64(&j, (uint64_t)(ns + 0.5));
		json_key(&j, "cpu_ns_per_packet");
		json_u64(&j, (uint64_t)(cpu + 0.5));
		json_key(&j, "trace");
		json_arr_begin(&j);
		for (const char *p = tb->text; p && *p;) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			char *line = strndup(p, n);
			json_str(&j, line ? line : "");
			free(line);
			p += n + (nl != NULL);
		}
		json_arr_end(&j);
		json_key(&j, "trace_dropped");
		json_u64(&j, tb->dropped);
		if (sm->obj) {
			json_key(&j, "maps");
			if (map_dump_maps("run", sm->obj, sm->nr_cpus, NULL, &j) < 0)
				return -1;
		}
		json_obj_end(&j);
		json_end(&j);
		return 0;
	}
	printf("program:   %s (%s, %s)\n", sm->prog_name, type ? type : "?", engine);
	if (sm->threads > 1)
		printf("threads:   %u\n", sm->threads);
	printf("packets:   %" PRIu64 "\n", st->packets);
	for (unsigned v = 0; v < hook->n_verdicts; v++)
		printf("%-10s %" PRIu64 "\n", hook->verdicts[v], st->verdicts[v]);
	if (is_socket)
		printf("truncated: %" PRIu64 " (of pass: kept, cut short)\n", st->truncated);
	for (unsigned t = 0; t < st->n_targets; t++)
		printf("  -> %s: %" PRIu64 "\n", st->targets[t], st->target_count[t]);
	if (st->other_targets)
		printf("  -> other targets: %" PRIu64 "\n", st->other_targets);
	if (st->run_errors)
		printf("run errors: %" PRIu64 " (counted as %s)\n", st->run_errors,
		       hook->verdicts[hook->error_verdict]);
	if (st->unknown)
		printf("unknown return values: %" PRIu64 " (counted as %s)\n", st->unknown,
		       hook == &runner_xdp ? "aborted" : "unspec");
	printf("rate:      %.0f packets/s, %.1f ns/packet (CPU: %.1f ns/packet)\n", pps, ns, cpu);
	if (tb->prints) {
		printf("trace_printk (%" PRIu64 " prints%s):\n", tb->prints,
		       tb->dropped ? ", some dropped over the limit" : "");
		fputs(tb->text ? tb->text : "", stdout);
		if (tb->len && tb->text[tb->len - 1] != '\n')
			putchar('\n');
	}
	if (sm->obj) {
		printf("maps after the run:\n");
		fflush(stdout);
		if (map_dump_maps("run", sm->obj, sm->nr_cpus, NULL, NULL) < 0)
			return -1;
	}
	return 0;
}

/* Pick the program: --prog NAME, else the first XDP one, else the first. */
static int pick_prog(const struct bpfvm_object *obj, const char *name, size_t *idx)
{
	size_t n = bpfvm_object__prog_cnt(obj);
	for (size_t i = 0; i < n; i++) {
		if (name ? !strcmp(bpfvm_object__prog_name(obj, i), name)
			 : bpfvm_object__prog_type(obj, i) == RUN_PROG_TYPE_XDP) {
			*idx = i;
			return 0;
		}
	}
	if (!name && n) {
		*idx = 0;
		return 0;
	}
	return -1;
}

/* The verdict names of hook, "a, b, c", for messages. */
static void verdict_list(const struct runner_hook *hook, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (unsigned v = 0; v < hook->n_verdicts && len < size; v++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", v ? ", " : "",
					hook->verdicts[v]);
}

/*
 * The output captures for hook: --write-NAME, --write V=F and -w DIR, into
 * o->out (paths[] holds what was allocated). Returns -1 to go on, else the
 * exit status (a usage error printed).
 */
static int resolve_outputs(const struct run_args *a, const struct runner_hook *hook,
			   const char *prog_name, struct runner_opts *o,
			   char *paths[RUNNER_MAX_VERDICTS])
{
	char list[160];
	verdict_list(hook, list, sizeof(list));
	for (int w = 0; w < W_N; w++) {
		if (!a->write_alias[w])
			continue;
		const struct write_alias *al = &write_aliases[w];
		const char *name = hook == &runner_xdp ? al->xdp : hook == &runner_tc ? al->tc
											: al->socket;
		int v = name ? runner_verdict(hook, name) : -1;
		if (v < 0)
			return tool_usage_error(&cmd_run,
						"--write-%s: program '%s' is %s, which has no such "
						"verdict (it has: %s; use --write VERDICT=FILE)",
						al->opt, prog_name, hook->what, list);
		o->out[v] = a->write_alias[w];
	}
	for (size_t i = 0; i < a->writes.n; i++) {
		const char *arg = a->writes.v[i], *eq = strchr(arg, '=');
		char name[32];
		snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
		int v = runner_verdict(hook, name);
		if (v < 0)
			return tool_usage_error(&cmd_run,
						"--write %s: %s has no verdict '%s' (it has: %s)", arg,
						hook->what, name, list);
		if (o->out[v])
			return tool_usage_error(&cmd_run, "--write %s: verdict '%s' is already "
						"written to %s", arg, name, o->out[v]);
		o->out[v] = eq + 1;
	}
	for (unsigned v = 0; a->write_dir && v < hook->n_verdicts; v++) {
		if (o->out[v])
			continue;
		if (asprintf(&paths[v], "%s/%s.pcap", a->write_dir, hook->verdicts[v]) < 0) {
			paths[v] = NULL;
			fprintf(stderr, "bpfvm run: %s\n", strerror(errno));
			return TOOL_EXIT_FAIL;
		}
		o->out[v] = paths[v];
	}
	return -1;
}

static int run_object(const struct run_args *a)
{
	int ret = TOOL_EXIT_FAIL;
	struct trace_buf tb = { .lock = PTHREAD_MUTEX_INITIALIZER };
	struct bpfvm_error err;
	struct bpfvm_object *obj = NULL;
	char *paths[RUNNER_MAX_VERDICTS] = { 0 };
	/* A per-CPU slot for every worker: as many as the machine has CPUs,
	 * or more for more threads. */
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	uint32_t nr_cpus = online > 0 ? (uint32_t)online : 1;
	if (a->threads > nr_cpus)
		nr_cpus = (uint32_t)a->threads;
	BPFVM_OPTS(bpfvm_vm_opts, vo, .trace_print = collect_trace, .trace_ctx = &tb,
		   .nr_cpus = nr_cpus);
	struct bpfvm_vm *vm = bpfvm_vm__new(&vo);
	if (!vm) {
		fprintf(stderr, "bpfvm run: %s\n", strerror(errno));
		return TOOL_EXIT_FAIL;
	}
	BPFVM_OPTS(bpfvm_object_opts, oo,
		   .engine = a->jit ? BPFVM_ENGINE_JIT : BPFVM_ENGINE_INTERP,
		   .allow_fallback = a->jit, .harden = a->harden);
	obj = bpfvm_object__open_file(vm, a->path, &oo, &err);
	if (!obj) {
		tool_print_error("run", &err);
		goto out;
	}
	size_t idx;
	if (pick_prog(obj, a->prog_name, &idx)) {
		if (a->prog_name)
			fprintf(stderr, "bpfvm run: %s: no program named '%s'\n", a->path,
				a->prog_name);
		else
			fprintf(stderr, "bpfvm run: %s: no programs\n", a->path);
		goto out;
	}
	const char *name = bpfvm_object__prog_name(obj, idx);
	uint32_t type = bpfvm_object__prog_type(obj, idx);
	const struct runner_hook *hook = runner_hook_for(type);
	if (!hook) {
		const char *tname = bpfvm_prog_type_name(type);
		fprintf(stderr,
			"bpfvm run: %s: program '%s' (section %s) has type %u (%s): running it over "
			"a capture is not supported (the runner feeds XDP, tc and socket filter "
			"programs)\n",
			a->path, name, bpfvm_object__prog_section(obj, idx), type,
			tname ? tname : "unknown");
		goto out;
	}
	if (a->rx_queue_set && hook != &runner_xdp) {
		ret = tool_usage_error(&cmd_run, "--rx-queue: program '%s' is %s; only XDP "
				       "programs have an rx queue", name, hook->what);
		goto out;
	}
	if ((a->mark_set || a->priority_set) && hook == &runner_xdp) {
		ret = tool_usage_error(&cmd_run, "--%s: program '%s' is an XDP program, which has "
				       "no skb", a->mark_set ? "mark" : "priority", name);
		goto out;
	}
	struct runner_opts ro = {
		.in = a->pcap_in,
		.ifindex = (uint32_t)a->ifindex,
		.rx_queue = (uint32_t)a->rx_queue,
		.mark = (uint32_t)a->mark,
		.priority = (uint32_t)a->priority,
		.insn_budget = a->budget,
		.progress = !a->quiet && isatty(2),
		.threads = (unsigned)a->threads,
	};
	int rc = resolve_outputs(a, hook, name, &ro, paths);
	if (rc >= 0) {
		ret = rc;
		goto out;
	}
	/* Globals before load, as a skeleton sets them: the verifier and the
	 * programs then see the values, .rodata included. */
	for (size_t i = 0; i < a->sets.n; i++)
		if (global_set_arg("run", obj, a->sets.v[i]))
			goto out;
	if (bpfvm_object__load(obj, &err)) {
		/* Another program of the object was refused: run this one
		 * alone (tail calls into the others find empty slots). */
		char mine[512];
		snprintf(mine, sizeof(mine), "program '%s' (section", name);
		if (!strstr(err.msg, "program '") || strstr(err.msg, mine)) {
			tool_print_error("run", &err);
			goto out;
		}
		char why[BPFVM_ERR_MSG_MAX + BPFVM_ERR_FILE_MAX + 64];
		bpfvm_error__format(&err, why, sizeof(why));
		fprintf(stderr, "bpfvm run: %s\nbpfvm run: loading '%s' alone; tail calls into the "
				"other programs find empty slots\n", why, name);
		for (size_t i = 0; i < bpfvm_object__prog_cnt(obj); i++)
			bpfvm_object__set_autoload(obj, bpfvm_object__prog_name(obj, i), i == idx);
		if (bpfvm_object__load(obj, &err)) {
			tool_print_error("run", &err);
			goto out;
		}
	}
	struct bpfvm_prog *prog = bpfvm_object__prog(obj, idx);
	if (a->jit && bpfvm_prog__engine(prog) != BPFVM_ENGINE_JIT)
		fprintf(stderr, "bpfvm run: running in the interpreter: %s\n",
			bpfvm_prog__fallback_reason(prog));
	for (size_t i = 0; i < a->maps.n; i++) {
		const char *arg = a->maps.v[i], *eq = strchr(arg, '=');
		char *map_name = strndup(arg, (size_t)(eq - arg));
		rc = map_name ? map_load_json("run", obj, bpfvm_vm__nr_cpus(vm), map_name, eq + 1)
			      : -1;
		free(map_name);
		if (rc)
			goto out;
	}
	if (a->write_dir && mkdir(a->write_dir, 0777) && errno != EEXIST) {
		fprintf(stderr, "bpfvm run: %s: %s\n", a->write_dir, strerror(errno));
		goto out;
	}
	struct runner_stats st;
	if (runner_run(prog, hook, &ro, &st))
		goto out;
	struct summary sm = {
		.prog_name = name,
		.prog = prog,
		.hook = hook,
		.st = &st,
		.tb = &tb,
		.obj = a->dump_maps ? obj : NULL,
		.nr_cpus = bpfvm_vm__nr_cpus(vm),
		.threads = a->threads > 1 ? (unsigned)a->threads : 1,
	};
	if (print_summary(a, &sm))
		goto out;
	ret = TOOL_EXIT_OK;
out:
	for (int v = 0; v < RUNNER_MAX_VERDICTS; v++)
		free(paths[v]);
	free(tb.text);
	pthread_mutex_destroy(&tb.lock);
	bpfvm_object__close(obj);
	bpfvm_vm__free(vm);
	return ret;
}

/* The JIT is the default engine; the runs it cannot do go to the
 * interpreter, said on stderr. */
static void pick_engine(struct run_args *a)
{
	const char *why = NULL;
	if (!a->jit)
		return;
	if (a->unverified)
		why = "--unverified: only the checked interpreter runs unverified programs";
	else if (a->trace)
		why = "--trace: the interpreter traces, JIT-compiled code does not";
	else if (a->budget)
		why = "--budget: the interpreter counts instructions, JIT-compiled code does not";
	if (!why)
		return;
	fprintf(stderr, "bpfvm run: running in the interpreter: %s\n", why);
	a->jit = a->harden = false;
}

/* After the options: an object over a capture, or a program on memory. */
static int run_parsed(const struct run_args *args)
{
	struct run_args a = *args;
	int ret;
	if (a.unverified && a.jit && a.engine_given)
		return tool_usage_error(&cmd_run, "--unverified runs the checked interpreter: "
					"it does not go with --jit");
	int elf = a.expr ? 0 : tool_is_elf(a.path);
	if (elf < 0 && a.obj_opts) {
		fprintf(stderr, "bpfvm run: %s: %s\n", a.path, strerror(errno));
		return TOOL_EXIT_FAIL;
	}
	if (elf == 1) {
		if (a.raw_opts)
			return tool_usage_error(&cmd_run, "%s is an object: --format, --syntax, "
						"--mem, --mem-file, --dump-mem and --unverified do not apply",
						a.path);
		if (a.trace)
			return tool_usage_error(&cmd_run, "--trace does not apply to an object");
		if (!a.pcap_in)
			return tool_usage_error(&cmd_run, "%s is an object: give the capture to "
						"run it over with -r IN.pcap", a.path);
		pick_engine(&a);
		return run_object(&a);
	}
	if (a.obj_opts)
		return tool_usage_error(&cmd_run, "-r, --prog, --write*, -w, --ifindex, "
					"--rx-queue, --mark, --priority, --set, --map, "
					"--dump-maps, --threads, -j and -q need an ELF object as "
					"PROGRAM");

	ret = TOOL_EXIT_FAIL;
	size_t n = 0, mem_len = 0;
	struct bpfvm_insn *insns = NULL;
	struct bpfvm_vm *vm = NULL;
	struct bpfvm_prog *prog = NULL;
	uint8_t *mem = NULL;
	struct bpfvm_error err;

	if (read_mem(&a, &mem, &mem_len))
		goto out;
	if (a.expr ? tool_load_insns("run", a.path, a.expr, strlen(a.expr),
				     a.format == TOOL_FORMAT_AUTO ? TOOL_FORMAT_ASM : a.format,
				     a.syntax, &insns, &n)
		   : tool_read_program(&cmd_run, a.path, a.format, a.syntax, &insns, &n))
		goto out;
	vm = bpfvm_vm__new(NULL);
	if (!vm) {
		fprintf(stderr, "bpfvm run: %s\n", strerror(errno));
		goto out;
	}
	/* Verified as the raw type over the input memory. The JIT: what it
	 * does not take falls back to the interpreter, said on stderr. */
	pick_engine(&a);
	if (mem_len > UINT32_MAX) {
		fprintf(stderr, "bpfvm run: the input memory is larger than 4 GiB\n");
		goto out;
	}
	BPFVM_OPTS(bpfvm_load_opts, lopts, .name = a.path, .unverified = a.unverified,
		   .ctx_size = (uint32_t)mem_len,
		   .engine = a.jit ? BPFVM_ENGINE_JIT : BPFVM_ENGINE_INTERP,
		   .allow_fallback = a.jit, .harden = a.harden);
	if (bpfvm_prog__load(vm, insns, n, &lopts, &prog, &err)) {
		tool_print_error("run", &err);
		goto out;
	}
	if (a.jit && bpfvm_prog__engine(prog) != BPFVM_ENGINE_JIT)
		fprintf(stderr, "bpfvm run: running in the interpreter: %s\n",
			bpfvm_prog__fallback_reason(prog));
	struct trace_ctx tctx = {
		.prog = prog,
		.syntax = a.syntax == BPFVM_SYNTAX_UBPF ? BPFVM_SYNTAX_UBPF : BPFVM_SYNTAX_LLVM,
	};
	uint64_t r0 = 0, executed = 0;
	BPFVM_OPTS(bpfvm_run_opts, ropts, .insn_budget = a.budget,
		   .trace = a.trace ? trace_insn : NULL, .trace_ctx = &tctx,
		   .insn_count = &executed);
	int rc = bpfvm_prog__run(prog, mem, mem_len, &ropts, &r0, &err);
	fflush(stdout);
	if (rc) {
		tool_print_error("run", &err);
		goto out;
	}
	printf("0x%" PRIx64 "\n", r0);
	if (a.dump) {
		for (size_t i = 0; i < mem_len; i++)
			printf("%02x%s", mem[i], (i + 1) % 16 == 0 || i + 1 == mem_len ? "\n" : " ");
	}
	ret = TOOL_EXIT_OK;
out:
	bpfvm_prog__free(prog);
	bpfvm_vm__free(vm);
	free(insns);
	free(mem);
	return ret;
}

static int main_run(int argc, char **argv)
{
	struct run_args a = { .format = TOOL_FORMAT_AUTO, .syntax = BPFVM_SYNTAX_AUTO,
			      .ifindex = 1, .jit = true };
	int ret = parse_args(argc, argv, &a);
	if (ret < 0)
		ret = run_parsed(&a);
	run_args_free(&a);
	return ret;
}

const struct tool_cmd cmd_run = { "run", "run a program (JIT or interpreter), or an object over "
				  "a capture", main_run, usage };
