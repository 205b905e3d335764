/*
 * cmd_bench.c - `bpfvm bench`: time one program of an ELF object on one
 * input (--data, a raw packet) or on the packets of a capture (-r), under
 * bpfvm's interpreter, its JIT and the running kernel (BPF_PROG_TEST_RUN
 * through libbpf, where bpf() is open to us), in one run, as ratios.
 *
 * The packets get what `bpfvm run` gives them: the runner's hooks
 * (xdp_runner.c, skb_runner.c) fill the context and read the verdict, and
 * runner.c reads the capture and hashes flows, so a program benchmarks
 * here exactly as it runs there, minus the reading and writing of
 * captures.
 *
 * How it measures:
 * - Check first: every engine runs every packet once, in order, from
 *   fresh maps (one object per engine); the return values must agree
 *   with the interpreter's, packet by packet, or the command says where
 *   and exits 1. The first packet's return value and the first 8 bytes of
 *   the packet after the run (the bench programs' 64-bit result) are
 *   reported per engine.
 * - Then --rounds rounds; in each, every engine runs passes over the
 *   packets for about --time ms (calibrated on the check run), the
 *   engines one after another, so that load that comes and goes hits all
 *   of them alike. An engine's figure is its median round.
 * - bpfvm engines: bpfvm_prog__run_batch() over the packets, 256 runs a
 *   call, as the kernel's repeat loop runs them: one --data packet is set
 *   up once per round and not reset between runs (the bench programs
 *   write only their result, which none reads); the packets of a capture
 *   are copied into their frames and set up by the hook for every batch,
 *   which is then part of their cost, as in `bpfvm run`. Timed with each
 *   worker thread's CPU clock (CLOCK_THREAD_CPUTIME_ID), which, like the
 *   kernel's own clock, leaves out the time other tasks took. On
 *   --threads workers (packets shared out by runner_flow_hash() as `bpfvm
 *   run --threads` does; one --data packet is run by every worker),
 *   ns/packet is their CPU time over their runs, packets/s their runs
 *   over the longest worker's CPU time.
 * - The kernel: the kernel's own per-run clock (duration), on one thread.
 *   One packet (--data): one test run with repeat calibrated to --time;
 *   several: one test run per packet (repeat 1: a repeat > 1 costs the
 *   syscall milliseconds of XDP dispatcher updates), averaged. The
 *   kernel's per-run harness cost, what an empty program of the same type
 *   takes the same way in the same round, is subtracted (as
 *   ../shared/bench/README.md does) and reported (kernel_floor_ps).
 *   Socket filters are not run in the kernel: its test run starts them at
 *   the network header, the runner at the Ethernet header.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "runner.h"
#include "tool.h"

enum { E_INTERP, E_JIT, E_KERNEL, E_N };
static const char *const engine_names[E_N] = { "interp", "jit", "kernel" };

#define BENCH_MAX_ROUNDS 101
#define BENCH_KERNEL_OUT 65536
#define BENCH_MAX_CHECK_RUNS 16
/* Runs per bpfvm_prog__run_batch() call in a timed round. */
#define BENCH_BATCH 256

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bpfvm bench OBJECT.o [--prog NAME] (--data FILE | -r IN.pcap) [OPTIONS]\n\n"
		"Time one XDP, tc or socket-filter program of an ELF object on one packet\n"
		"(--data) or on the packets of a capture (-r), under bpfvm's interpreter,\n"
		"its JIT and the running kernel (BPF_PROG_TEST_RUN, when bpf() is\n"
		"available: root), in one run, as bpftool's 'prog run ... repeat N' does\n"
		"for the kernel alone. Each engine first runs every packet once from fresh\n"
		"maps, and their return values must agree (else exit 1). Then each engine\n"
		"runs the packets for about --time ms per round, round after round, and\n"
		"its median round is reported: ns per packet, packets per second, and\n"
		"the time as a ratio to the interpreter's and to the kernel's.\n\n"
		"Options:\n"
		"      --prog NAME      the program (default: the first XDP one, else the\n"
		"                       first)\n"
		"      --data FILE      one packet, as raw bytes from its Ethernet header\n"
		"  -r, --read FILE      the packets of a capture (pcap or pcapng, Ethernet)\n"
		"      --max-packets N  use the first N packets of the capture (default\n"
		"                       65536)\n"
		"      --engine E       interp, jit, kernel or all (default), or a comma\n"
		"                       list (--engine jit,kernel); the interpreter always\n"
		"                       runs: it is the reference\n"
		"      --threads N      run the bpfvm engines on N worker threads, packets\n"
		"                       shared out by flow as 'bpfvm run --threads' does\n"
		"                       (one --data packet: every worker runs it); the\n"
		"                       kernel runs on one\n"
		"      --time MS        length of one engine's round (default 200)\n"
		"      --rounds N       rounds (default 5; the median is reported)\n"
		"      --check-runs N   the check runs every packet N times from fresh\n"
		"                       maps (default 1); the result is the last run's\n"
		"      --ifindex N      ingress ifindex (default 1), as for 'bpfvm run'\n"
		"      --harden         the jit engine compiles with constant blinding\n"
		"                       (what hardening costs: compare with a run without)\n"
		"  -j, --json           JSON: one object per engine, {\"engine\",\n"
		"                       \"ns_per_run\", \"retval\", \"result\", ...}\n"
		"bpfvm's engines are timed with each thread's CPU clock over\n"
		"bpfvm_prog__run_batch(); the kernel with its own clock, less what an empty\n"
		"program takes the same way (its per-run harness cost).\n"
		"  -h, --help           show this help\n\n"
		"Exit status: 0 when every engine ran and agreed, 1 when the object,\n"
		"the input or a run failed or the engines disagreed, 2 on wrong usage.\n");
}

struct bench_args {
	const char *path, *prog_name, *data, *pcap;
	bool want[E_N];
	uint64_t threads, time_ms, rounds, max_packets, ifindex, check_runs;
	bool json, harden;
};

/* One engine's state and figures. */
struct engine {
	bool want, ok;          /* asked for; loaded and checked */
	char why[256];          /* why not ok */
	/* bpfvm */
	struct bpfvm_vm *vm;
	struct bpfvm_object *obj;
	const struct bpfvm_prog *prog;
	/* kernel */
	struct bpf_object *kobj;
	int kfd;
	uint64_t kernel_repeat;
	int kfloor_fd;          /* an empty program of the same type */
	double floor[BENCH_MAX_ROUNDS], floor_med;
	/* the check */
	uint64_t retval;
	uint8_t result[8];
	size_t result_len;
	uint64_t out_hash;      /* FNV-1a of the first packet after the last check run */
	uint64_t verdicts[RUNNER_MAX_VERDICTS];
	/* timing */
	uint64_t passes;        /* per round */
	double ns[BENCH_MAX_ROUNDS], pps[BENCH_MAX_ROUNDS];
	double ns_med, pps_med;
	unsigned threads;
};

struct bench {
	const struct bench_args *a;
	const struct runner_hook *hook;
	struct runner_opts ro;
	struct runner_packets pk;
	const char *prog_name;
	uint32_t prog_type;
	uint64_t *ret0;         /* the interpreter's return values, per packet */
	struct engine e[E_N];
};

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

static double mono_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* This thread's CPU time: what it spent running, not what other tasks on
 * its CPU took meanwhile (the kernel's test-run clock leaves that out
 * too). */
static double thread_cpu_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void why(struct engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void why(struct engine *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->why, sizeof(e->why), fmt, ap);
	va_end(ap);
	e->ok = false;
}

/* OPT_MAX_PACKETS..OPT_IFINDEX in the order of the names[] and max[]
 * tables below, which they index */
enum { OPT_PROG = 0x100, OPT_DATA, OPT_ENGINE, OPT_HARDEN, OPT_MAX_PACKETS, OPT_THREADS,
       OPT_TIME, OPT_ROUNDS, OPT_IFINDEX, OPT_CHECK_RUNS };

static int parse_args(int argc, char **argv, struct bench_args *a)
{
	static const struct option longopts[] = {
		{ "prog", required_argument, NULL, OPT_PROG },
		{ "data", required_argument, NULL, OPT_DATA },
		{ "read", required_argument, NULL, 'r' },
		{ "max-packets", required_argument, NULL, OPT_MAX_PACKETS },
		{ "engine", required_argument, NULL, OPT_ENGINE },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "time", required_argument, NULL, OPT_TIME },
		{ "rounds", required_argument, NULL, OPT_ROUNDS },
		{ "ifindex", required_argument, NULL, OPT_IFINDEX },
		{ "check-runs", required_argument, NULL, OPT_CHECK_RUNS },
		{ "json", no_argument, NULL, 'j' },
		{ "harden", no_argument, NULL, OPT_HARDEN },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool engines_given = false;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:jh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_PROG:
			a->prog_name = optarg;
			break;
		case OPT_DATA:
			a->data = optarg;
			break;
		case 'r':
			a->pcap = optarg;
			break;
		case OPT_HARDEN:
			a->harden = true;
			break;
		case OPT_ENGINE: {
			if (!engines_given)
				memset(a->want, 0, sizeof(a->want));
			engines_given = true;
			char *list = strdup(optarg), *save = NULL;
			if (!list) {
				fprintf(stderr, "bpfvm bench: %s\n", strerror(errno));
				return TOOL_EXIT_FAIL;
			}
			for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
				int k = -1;
				for (int i = 0; i < E_N; i++)
					if (!strcmp(t, engine_names[i]))
						k = i;
				if (k < 0 && strcmp(t, "all")) {
					free(list);
					return tool_usage_error(&cmd_bench, "--engine wants interp, jit, "
								"kernel or all, not '%s'", optarg);
				}
				for (int i = 0; i < E_N; i++)
					a->want[i] |= k < 0 || k == i;
			}
			free(list);
			break;
		}
		case OPT_MAX_PACKETS:
		case OPT_THREADS:
		case OPT_TIME:
		case OPT_ROUNDS:
		case OPT_IFINDEX:
		case OPT_CHECK_RUNS: {
			static const char *const names[] = { "max-packets", "threads", "time", "rounds",
							     "ifindex", "check-runs" };
			static const uint64_t max[] = { 1u << 24, RUNNER_MAX_THREADS, 600000,
							BENCH_MAX_ROUNDS, UINT32_MAX,
							BENCH_MAX_CHECK_RUNS };
			uint64_t *v = c == OPT_MAX_PACKETS ? &a->max_packets
				      : c == OPT_THREADS   ? &a->threads
				      : c == OPT_TIME	   ? &a->time_ms
				      : c == OPT_ROUNDS	   ? &a->rounds
				      : c == OPT_IFINDEX   ? &a->ifindex
							   : &a->check_runs;
			int k = c - OPT_MAX_PACKETS;
			if (parse_u64(optarg, v) || (c != OPT_IFINDEX && !*v) || *v > max[k])
				return tool_usage_error(&cmd_bench, "--%s wants a number from %d to "
							"%" PRIu64 ", not '%s'", names[k],
							c != OPT_IFINDEX, max[k], optarg);
			break;
		}
		case 'j':
			a->json = true;
			break;
		default:
			return tool_help_or_usage(&cmd_bench, c);
		}
	}
	if (optind != argc - 1)
		return tool_usage_error(&cmd_bench, "expected one OBJECT file");
	a->path = argv[optind];
	if (!a->data == !a->pcap)
		return tool_usage_error(&cmd_bench, "give the input: --data FILE or -r IN.pcap "
					"(one of them)");
	return -1;
}

/* --------------------------------------------------------- loading */

/* Pick the program: --prog NAME, else the first XDP one, else the first. */
static int pick_prog(const struct bpfvm_object *obj, const char *name, size_t *idx)
{
	size_t n = bpfvm_object__prog_cnt(obj);
	for (size_t i = 0; i < n; i++)
		if (name ? !strcmp(bpfvm_object__prog_name(obj, i), name)
			 : bpfvm_object__prog_type(obj, i) == 6 /* BPF_PROG_TYPE_XDP */) {
			*idx = i;
			return 0;
		}
	if (!name && n) {
		*idx = 0;
		return 0;
	}
	return -1;
}

/* Open the object for engine k (interp or jit), fresh maps. The first one
 * also picks the program and its hook. Returns 0, -1 (printed: the
 * object is bad, exit 1). */
static int load_bpfvm(struct bench *b, int k)
{
	struct engine *e = &b->e[k];
	struct bpfvm_error err;
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	uint32_t nr_cpus = online > 0 ? (uint32_t)online : 1;
	if (b->a->threads > nr_cpus)
		nr_cpus = (uint32_t)b->a->threads;
	BPFVM_OPTS(bpfvm_vm_opts, vo, .nr_cpus = nr_cpus);
	e->vm = bpfvm_vm__new(&vo);
	if (!e->vm) {
		fprintf(stderr, "bpfvm bench: %s\n", strerror(errno));
		return -1;
	}
	BPFVM_OPTS(bpfvm_object_opts, oo, .engine = k == E_JIT ? BPFVM_ENGINE_JIT
							      : BPFVM_ENGINE_INTERP,
		   .allow_fallback = true, .harden = k == E_JIT && b->a->harden);
	e->obj = bpfvm_object__open_file(e->vm, b->a->path, &oo, &err);
	if (!e->obj) {
		tool_print_error("bench", &err);
		return -1;
	}
	size_t idx;
	if (pick_prog(e->obj, b->a->prog_name, &idx)) {
		if (b->a->prog_name)
			fprintf(stderr, "bpfvm bench: %s: no program named '%s'\n", b->a->path,
				b->a->prog_name);
		else
			fprintf(stderr, "bpfvm bench: %s: no programs\n", b->a->path);
		return -1;
	}
	b->prog_name = bpfvm_object__prog_name(e->obj, idx);
	b->prog_type = bpfvm_object__prog_type(e->obj, idx);
	b->hook = runner_hook_for(b->prog_type);
	if (!b->hook) {
		const char *tname = bpfvm_prog_type_name(b->prog_type);
		fprintf(stderr, "bpfvm bench: %s: program '%s' has type %u (%s): the bench feeds "
				"XDP, tc and socket filter programs\n", b->a->path, b->prog_name,
			b->prog_type, tname ? tname : "unknown");
		return -1;
	}
	if (bpfvm_object__load(e->obj, &err)) {
		/* another program of the object refused: this one alone */
		for (size_t i = 0; i < bpfvm_object__prog_cnt(e->obj); i++)
			bpfvm_object__set_autoload(e->obj, bpfvm_object__prog_name(e->obj, i),
						   i == idx);
		if (bpfvm_object__load(e->obj, &err)) {
			tool_print_error("bench", &err);
			return -1;
		}
	}
	e->prog = bpfvm_object__prog(e->obj, idx);
	e->ok = true;
	if (k == E_JIT && bpfvm_prog__engine(e->prog) != BPFVM_ENGINE_JIT)
		why(e, "the JIT does not take it: %s", bpfvm_prog__fallback_reason(e->prog));
	return 0;
}

static char libbpf_msg[512];

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN) {
		char line[256];
		vsnprintf(line, sizeof(line), fmt, ap);
		size_t n = strlen(libbpf_msg);
		snprintf(libbpf_msg + n, sizeof(libbpf_msg) - n, "%s", line);
	}
	return 0;
}

/* The kernel: skipped (e->why) when it cannot run the program here. */
/* An empty program of the benchmarked type (it returns XDP_PASS or
 * TC_ACT_OK): what a kernel test run costs around a program. */
static int load_floor(uint32_t prog_type)
{
	struct bpf_insn insns[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = prog_type == BPF_PROG_TYPE_XDP ? 2 : 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	return bpf_prog_load((enum bpf_prog_type)prog_type, "bench_floor", "GPL", insns, 2, NULL);
}

static void load_kernel(struct bench *b)
{
	struct engine *e = &b->e[E_KERNEL];
	e->kfd = -1;
	e->kfloor_fd = -1;
	if (b->hook == &runner_socket) {
		why(e, "the kernel's test run starts a socket filter at the network header, "
		       "the runner at the Ethernet header");
		return;
	}
	if (geteuid() != 0) {
		why(e, "not root: bpf() needs it here");
		return;
	}
	int probe = bpf_map_create(BPF_MAP_TYPE_ARRAY, "probe", 4, 4, 1, NULL);
	if (probe < 0) {
		why(e, "bpf() is not available: %s", strerror(-probe));
		return;
	}
	close(probe);
	libbpf_print_fn_t old = libbpf_set_print(libbpf_print);
	libbpf_msg[0] = 0;
	e->kobj = bpf_object__open_file(b->a->path, NULL);
	int rc = e->kobj ? 0 : -errno;
	if (!rc) {
		/* only the program benchmarked: the kernel refusing another
		 * one must not cost this one its figure */
		struct bpf_program *p;
		bpf_object__for_each_program(p, e->kobj)
			bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), b->prog_name));
		rc = bpf_object__load(e->kobj);
	}
	libbpf_set_print(old);
	size_t n = strlen(libbpf_msg);
	while (n && (libbpf_msg[n - 1] == '\n'))
		libbpf_msg[--n] = 0;
	if (rc) {
		why(e, "the kernel does not load it: %s%s%s", strerror(-rc), n ? ": " : "",
		    libbpf_msg);
		return;
	}
	struct bpf_program *kp = bpf_object__find_program_by_name(e->kobj, b->prog_name);
	e->kfd = kp ? bpf_program__fd(kp) : -1;
	if (e->kfd < 0) {
		why(e, "libbpf finds no program '%s'", b->prog_name);
		return;
	}
	e->kfloor_fd = load_floor(b->prog_type);
	if (e->kfloor_fd < 0) {
		why(e, "the kernel does not load an empty program of the type: %s",
		    strerror(-e->kfloor_fd));
		return;
	}
	e->ok = true;
}

/* ------------------------------------------------------------ running */

/* One kernel test run of program fd on packet i, repeat times. */
static int kernel_run(struct bench *b, int fd, size_t i, uint64_t repeat, uint32_t *retval,
		      uint32_t *duration, uint8_t *out, uint32_t *out_len)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = b->pk.bytes + b->pk.off[i],
		    .data_size_in = b->pk.len[i], .data_out = out,
		    .data_size_out = out ? BENCH_KERNEL_OUT : 0, .repeat = (int)repeat);
	int rc = bpf_prog_test_run_opts(fd, &t);
	if (rc)
		return rc < 0 ? rc : -EINVAL;
	*retval = t.retval;
	*duration = t.duration;
	if (out_len)
		*out_len = out ? t.data_size_out : 0;
	return 0;
}

/* FNV-1a, 64 bits: the packet after a run, compared across engines. */
static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* Run every packet on engine k from fresh maps, in order, --check-runs
 * times: return values against the interpreter's, the first packet's
 * result after the last run, verdict counts (of the first run), and a
 * time per pass for the calibration. */
static int check(struct bench *b, int k, double *pass_ns)
{
	struct engine *e = &b->e[k];
	struct runner_packet p;
	struct runner_result res;
	struct bpfvm_error err;
	size_t size;
	uint8_t *buf = NULL, *kout = NULL;
	int ret = -1;
	double kns = 0, t0 = 0;
	if (k == E_KERNEL) {
		kout = malloc(BENCH_KERNEL_OUT);
		if (!kout) {
			why(e, "%s", strerror(errno));
			return -1;
		}
	} else if (!(buf = runner_buf_new(&size))) {
		why(e, "%s", strerror(errno));
		return -1;
	}
	for (uint64_t run = 0; run < b->a->check_runs; run++) {
		uint64_t *ref = b->ret0 + run * b->pk.n;
		bool last = run + 1 == b->a->check_runs;
		t0 = mono_ns();
		kns = 0;
		for (size_t i = 0; i < b->pk.n; i++) {
			uint64_t rv;
			const uint8_t *out;
			size_t out_len;
			if (k == E_KERNEL) {
				uint32_t r32, dur, ol;
				int rc = kernel_run(b, e->kfd, i, 1, &r32, &dur, i ? NULL : kout, &ol);
				if (rc) {
					why(e, "BPF_PROG_TEST_RUN on packet %zu (%u bytes): %s", i + 1,
					    b->pk.len[i], strerror(-rc));
					goto out;
				}
				kns += dur;
				rv = r32;
				out = kout;
				out_len = ol;
			} else {
				runner_packet_set(&p, buf, size, b->pk.bytes + b->pk.off[i],
						  b->pk.len[i], b->pk.wire_len[i], 0);
				memset(&res, 0, sizeof(res));
				if (b->hook->run(e->prog, &b->ro, &p, &res, &err)) {
					char msg[BPFVM_ERR_MSG_MAX + BPFVM_ERR_FILE_MAX + 64];
					bpfvm_error__format(&err, msg, sizeof(msg));
					why(e, "packet %zu: the run failed: %s", i + 1, msg);
					goto out;
				}
				if (!run)
					e->verdicts[res.verdict]++;
				rv = res.ret;
				out = res.out ? res.out : p.data;
				out_len = res.out ? res.out_len : p.len;
			}
			/* the kernel and the runner's verdicts read the low 32 bits */
			if (k == E_INTERP)
				ref[i] = (uint32_t)rv;
			else if ((uint32_t)rv != ref[i]) {
				why(e, "packet %zu%s: returns %" PRIu64 ", the interpreter %" PRIu64,
				    i + 1, run ? " (a later check run)" : "", (uint64_t)(uint32_t)rv,
				    ref[i]);
				goto out;
			}
			if (i == 0 && last) {
				e->retval = (uint32_t)rv;
				e->result_len = out_len < 8 ? out_len : 8;
				memcpy(e->result, out, e->result_len);
				e->out_hash = fnv1a(out, out_len);
			}
		}
	}
	*pass_ns = k == E_KERNEL ? kns : mono_ns() - t0;
	ret = 0;
out:
	free(buf);
	free(kout);
	return ret;
}

/* A worker of a timed round: passes over its packets, through
 * bpfvm_prog__run_batch(), each packet in its own frame of the arena. */
struct bench_worker {
	struct bench *b;
	const struct bpfvm_prog *prog;
	uint32_t cpu;
	uint32_t *idx;      /* its packets */
	size_t n;
	uint64_t passes, runs;
	double cpu_ns;      /* its thread's CPU time over the round */
	int failed;
	pthread_t thread;
	uint8_t *arena;     /* BENCH_BATCH frames of frame bytes */
	size_t frame;
	_Alignas(16) uint8_t ctx[BENCH_BATCH][RUNNER_CTX_MAX];
	struct bpfvm_run_item items[BENCH_BATCH];
};

/* Copy packets idx[0..n) into the worker's frames and set up their runs;
 * returns the region that holds them all (as the hook gives each), and in
 * *su what the hook said of the last. */
static struct bpfvm_region set_up(struct bench_worker *w, const uint32_t *idx, size_t n,
				  struct runner_setup *out)
{
	struct bench *b = w->b;
	struct runner_packet p;
	struct runner_setup su = { 0 };
	for (size_t k = 0; k < n; k++) {
		size_t i = idx[k];
		runner_packet_set(&p, w->arena + k * w->frame, w->frame, b->pk.bytes + b->pk.off[i],
				  b->pk.len[i], b->pk.wire_len[i], w->cpu);
		b->hook->setup(&b->ro, &p, w->ctx[k], &su);
		w->items[k] = (struct bpfvm_run_item){ .mem = w->ctx[k], .mem_len = su.ctx_len,
						       .packet = su.packet,
						       .packet_len = su.packet_len };
	}
	*out = su;
	return (struct bpfvm_region){ w->arena, n * w->frame, su.region.writable };
}

static void *bench_worker_main(void *arg)
{
	struct bench_worker *w = arg;
	struct bench *b = w->b;
	double t0 = thread_cpu_ns();
	if (b->pk.n == 1) {
		/* One packet: set up once, then run again and again, as the
		 * kernel's repeat loop does. */
		struct runner_setup su;
		struct bpfvm_region region = set_up(w, w->idx, 1, &su);
		for (size_t k = 1; k < BENCH_BATCH; k++)
			w->items[k] = w->items[0];
		BPFVM_OPTS(bpfvm_run_opts, ro, .regions = &region, .n_regions = 1, .cpu = w->cpu,
			   .headers = su.headers, .net_off = su.net_off, .ll_off = su.ll_off);
		for (uint64_t done = 0; done < w->passes;) {
			size_t k = w->passes - done < BENCH_BATCH ? (size_t)(w->passes - done)
								  : BENCH_BATCH;
			w->failed |= bpfvm_prog__run_batch(w->prog, w->items, k, &ro, NULL, NULL);
			done += k;
		}
	} else {
		for (uint64_t pass = 0; pass < w->passes; pass++)
			for (size_t at = 0; at < w->n; at += BENCH_BATCH) {
				size_t k = w->n - at < BENCH_BATCH ? w->n - at : BENCH_BATCH;
				struct runner_setup su;
				struct bpfvm_region region = set_up(w, w->idx + at, k, &su);
				BPFVM_OPTS(bpfvm_run_opts, ro, .regions = &region, .n_regions = 1,
					   .cpu = w->cpu, .headers = su.headers,
					   .net_off = su.net_off, .ll_off = su.ll_off);
				w->failed |= bpfvm_prog__run_batch(w->prog, w->items, k, &ro, NULL,
								   NULL);
			}
	}
	w->cpu_ns = thread_cpu_ns() - t0;
	w->runs = w->passes * w->n;
	return NULL;
}

/* One timed round of a bpfvm engine on nt threads. */
static int round_bpfvm(struct bench *b, int k, struct bench_worker *w, unsigned nt,
		       double *ns, double *pps)
{
	struct engine *e = &b->e[k];
	unsigned started = 0;
	int rc = 0;
	for (; started < nt; started++) {
		w[started].prog = e->prog;
		w[started].passes = e->passes;
		w[started].runs = 0;
		w[started].failed = 0;
		if (nt == 1) {
			bench_worker_main(&w[0]);
			break;
		}
		if ((rc = pthread_create(&w[started].thread, NULL, bench_worker_main, &w[started])))
			break;
	}
	for (unsigned i = 0; nt > 1 && i < started; i++)
		pthread_join(w[i].thread, NULL);
	if (rc) {
		why(e, "%u threads: %s", nt, strerror(rc));
		return -1;
	}
	uint64_t runs = 0;
	double cpu = 0, longest = 0;
	for (unsigned i = 0; i < nt; i++) {
		if (w[i].failed) {
			why(e, "a timed run failed");
			return -1;
		}
		runs += w[i].runs;
		cpu += w[i].cpu_ns;
		longest = w[i].cpu_ns > longest ? w[i].cpu_ns : longest;
	}
	*ns = runs ? cpu / (double)runs : 0;
	*pps = runs && longest > 0 ? (double)runs * 1e9 / longest : 0;
	return 0;
}

/* The passes per round of bpfvm engine k that take about budget ns of a
 * worker's CPU time: grown from the check's estimate (per: one pass of
 * every packet) until a round takes a sixteenth of the budget, which
 * also warms the engine up, then scaled. */
static int calibrate_bpfvm(struct bench *b, int k, struct bench_worker *w, unsigned nt,
			   double budget, double per)
{
	struct engine *e = &b->e[k];
	double share = b->pk.n == 1 ? per : per / nt, ns, pps;
	e->passes = (uint64_t)(budget / 16 / share) / 4 + 1;
	for (;;) {
		if (round_bpfvm(b, k, w, nt, &ns, &pps))
			return -1;
		double longest = 0;
		for (unsigned i = 0; i < nt; i++)
			longest = w[i].cpu_ns > longest ? w[i].cpu_ns : longest;
		if (longest >= budget / 16 || e->passes >= (1ull << 40)) {
			double scaled = (double)e->passes * budget / (longest > 1 ? longest : 1);
			e->passes = scaled < 1 ? 1 : (uint64_t)scaled;
			return 0;
		}
		double grow = longest > 0 ? budget / 16 / longest : 16;
		e->passes = (uint64_t)((double)e->passes * (grow < 2 ? 2 : grow > 16 ? 16 : grow)) + 1;
	}
}

/* The kernel's repeat for one packet that takes about budget ns: from a
 * trial of a thousand runs (the first run alone, cold, says little). */
static uint64_t kernel_repeat_for(struct bench *b, double budget)
{
	uint32_t rv, dur;
	uint64_t repeat = 1;
	if (!kernel_run(b, b->e[E_KERNEL].kfd, 0, 1000, &rv, &dur, NULL, NULL))
		repeat = (uint64_t)(budget / (dur > 0 ? dur : 1));
	return repeat < 1 ? 1 : repeat > 100000000 ? 100000000 : repeat;
}

/* One timed round of the kernel: the program, then the empty one the same
 * way; their difference is the program's time. */
static int round_kernel(struct bench *b, uint64_t r, double *ns, double *pps)
{
	struct engine *e = &b->e[E_KERNEL];
	double sum = 0, floor = 0;
	for (size_t i = 0; i < b->pk.n; i++) {
		uint32_t rv, dur;
		int rc = kernel_run(b, e->kfd, i, e->kernel_repeat, &rv, &dur, NULL, NULL);
		if (rc) {
			why(e, "BPF_PROG_TEST_RUN: %s", strerror(-rc));
			return -1;
		}
		sum += dur;
		if (e->kfloor_fd < 0)
			continue;
		rc = kernel_run(b, e->kfloor_fd, i, e->kernel_repeat, &rv, &dur, NULL, NULL);
		if (rc) {
			why(e, "BPF_PROG_TEST_RUN of the empty program: %s", strerror(-rc));
			return -1;
		}
		floor += dur;
	}
	e->floor[r] = floor / (double)b->pk.n;
	*ns = sum / (double)b->pk.n - e->floor[r];
	if (*ns < 0)
		*ns = 0;
	*pps = *ns > 0 ? 1e9 / *ns : 0;
	return 0;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

static double median(const double *v, size_t n)
{
	double s[BENCH_MAX_ROUNDS];
	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* ------------------------------------------------------------ output */

static void result_hex(const struct engine *e, char *s, size_t size)
{
	size_t o = (size_t)snprintf(s, size, "0x");
	for (size_t i = 0; i < e->result_len && o < size; i++)
		o += (size_t)snprintf(s + o, size - o, "%02x", e->result[i]);
}

static void print_text(const struct bench *b)
{
	const struct engine *ip = &b->e[E_INTERP], *kp = &b->e[E_KERNEL];
	const char *type = bpfvm_prog_type_name(b->prog_type);
	printf("program:  %s (%s)\n", b->prog_name, type ? type : "?");
	printf("input:    %s, %zu packet%s; %u thread%s (kernel: 1); median of %" PRIu64
	       " rounds of ~%" PRIu64 " ms\n", b->a->data ? b->a->data : b->a->pcap, b->pk.n,
	       b->pk.n == 1 ? "" : "s", (unsigned)b->a->threads, b->a->threads == 1 ? "" : "s",
	       b->a->rounds, b->a->time_ms);
	printf("%-8s %12s %14s %10s %10s %10s  %s\n", "engine", "ns/packet", "packets/s",
	       "x interp", "x kernel", "retval", "result");
	for (int k = 0; k < E_N; k++) {
		const struct engine *e = &b->e[k];
		if (!e->want)
			continue;
		if (!e->ok) {
			printf("%-8s skipped: %s\n", engine_names[k], e->why);
			continue;
		}
		char res[32], xi[16] = "-", xk[16] = "-";
		result_hex(e, res, sizeof(res));
		if (ip->want && ip->ok && ip->ns_med > 0)
			snprintf(xi, sizeof(xi), "%.2f", e->ns_med / ip->ns_med);
		if (kp->want && kp->ok && kp->ns_med > 0)
			snprintf(xk, sizeof(xk), "%.2f", e->ns_med / kp->ns_med);
		printf("%-8s %12.1f %14.0f %10s %10s %10" PRIu64 "  %s\n", engine_names[k],
		       e->ns_med, e->pps_med, xi, xk, e->retval, res);
	}
	printf("(x interp, x kernel: time per packet as a ratio; below 1 is faster)\n");
	printf("bpfvm: each thread's CPU time over bpfvm_prog__run_batch()");
	if (kp->want && kp->ok)
		printf("; kernel: its own clock, less its per-run harness cost (an empty "
		       "program: %.1f ns)", kp->floor_med);
	printf("\n");
}

static void print_json(const struct bench *b)
{
	const struct engine *ip = &b->e[E_INTERP], *kp = &b->e[E_KERNEL];
	const char *type = bpfvm_prog_type_name(b->prog_type);
	struct json j;
	json_init(&j, stdout, true);
	json_obj_begin(&j);
	json_key(&j, "program");
	json_str(&j, b->prog_name);
	json_key(&j, "type");
	json_str(&j, type ? type : "?");
	json_key(&j, "input");
	json_str(&j, b->a->data ? b->a->data : b->a->pcap);
	json_key(&j, "packets");
	json_u64(&j, b->pk.n);
	json_key(&j, "threads");
	json_u64(&j, b->a->threads);
	json_key(&j, "rounds");
	json_u64(&j, b->a->rounds);
	json_key(&j, "check_runs");
	json_u64(&j, b->a->check_runs);
	json_key(&j, "engines");
	json_arr_begin(&j);
	for (int k = 0; k < E_N; k++) {
		const struct engine *e = &b->e[k];
		if (!e->want)
			continue;
		json_obj_begin(&j);
		json_key(&j, "engine");
		json_str(&j, engine_names[k]);
		json_key(&j, "ok");
		json_bool(&j, e->ok);
		if (!e->ok) {
			json_key(&j, "skip_reason");
			json_str(&j, e->why);
			json_obj_end(&j);
			continue;
		}
		char res[32];
		result_hex(e, res, sizeof(res));
		json_key(&j, "threads");
		json_u64(&j, k == E_KERNEL ? 1 : b->a->threads);
		json_key(&j, "ns_per_run");
		json_u64(&j, (uint64_t)(e->ns_med + 0.5));
		/* the same in picoseconds: short programs take a few ns */
		json_key(&j, "ps_per_run");
		json_u64(&j, (uint64_t)(e->ns_med * 1000 + 0.5));
		json_key(&j, "ps_rounds"); /* each round's, in order */
		json_arr_begin(&j);
		for (uint64_t r = 0; r < b->a->rounds; r++)
			json_u64(&j, (uint64_t)(e->ns[r] * 1000 + 0.5));
		json_arr_end(&j);
		json_key(&j, "packets_per_sec");
		json_u64(&j, (uint64_t)(e->pps_med + 0.5));
		json_key(&j, "retval");
		json_u64(&j, e->retval);
		json_key(&j, "result");
		json_str(&j, res);
		char hash[24];
		snprintf(hash, sizeof(hash), "0x%016" PRIx64, e->out_hash);
		json_key(&j, "out_hash");
		json_str(&j, hash);
		/* ratios in thousandths: the JSON writer has integers only */
		json_key(&j, "x_interp_milli");
		if (ip->want && ip->ok && ip->ns_med > 0)
			json_u64(&j, (uint64_t)(1000 * e->ns_med / ip->ns_med + 0.5));
		else
			json_null(&j);
		json_key(&j, "x_kernel_milli");
		if (kp->want && kp->ok && kp->ns_med > 0)
			json_u64(&j, (uint64_t)(1000 * e->ns_med / kp->ns_med + 0.5));
		else
			json_null(&j);
		if (k != E_KERNEL) {
			json_key(&j, "verdicts");
			json_obj_begin(&j);
			for (unsigned v = 0; v < b->hook->n_verdicts; v++) {
				json_key(&j, b->hook->verdicts[v]);
				json_u64(&j, e->verdicts[v]);
			}
			json_obj_end(&j);
		} else {
			json_key(&j, "kernel_repeat");
			json_u64(&j, e->kernel_repeat);
			json_key(&j, "kernel_floor_ps");
			json_u64(&j, (uint64_t)(e->floor_med * 1000 + 0.5));
		}
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
}

/* ------------------------------------------------------------ main */

static int read_data(struct bench *b)
{
	size_t len;
	char *d = tool_read_file(b->a->data, &len);
	if (!d)
		return -1;
	if (!len || len > RUNNER_MAX_PACKET) {
		fprintf(stderr, "bpfvm bench: %s: %zu bytes: a packet has 1 to %d\n", b->a->data,
			len, RUNNER_MAX_PACKET);
		free(d);
		return -1;
	}
	b->pk.bytes = (uint8_t *)d;
	b->pk.off = calloc(1, sizeof(size_t));
	b->pk.len = malloc(sizeof(uint32_t));
	b->pk.wire_len = malloc(sizeof(uint32_t));
	if (!b->pk.off || !b->pk.len || !b->pk.wire_len) {
		fprintf(stderr, "bpfvm bench: %s\n", strerror(ENOMEM));
		return -1;
	}
	b->pk.len[0] = b->pk.wire_len[0] = (uint32_t)len;
	b->pk.n = 1;
	return 0;
}

static int bench_run(const struct bench_args *a)
{
	struct bench b = { .a = a };
	struct bench_worker *w = NULL;
	int ret = TOOL_EXIT_FAIL;
	unsigned nt = (unsigned)a->threads;
	for (int k = 0; k < E_N; k++)
		b.e[k].want = a->want[k];
	b.e[E_INTERP].want = true; /* always: the reference the others are checked against */
	b.ro = (struct runner_opts){ .cmd = "bench", .in = a->pcap, .ifindex = (uint32_t)a->ifindex };

	/* The object first (the hook to read a capture for), then the input. */
	if (load_bpfvm(&b, E_INTERP))
		goto out;
	if (a->pcap ? runner_read_all(&b.ro, b.hook, a->max_packets, &b.pk) : read_data(&b))
		goto out;
	if (!b.pk.n) {
		fprintf(stderr, "bpfvm bench: %s: no packets\n", a->pcap);
		goto out;
	}
	if (b.e[E_JIT].want && load_bpfvm(&b, E_JIT))
		goto out;
	if (b.e[E_KERNEL].want)
		load_kernel(&b);
	b.ret0 = calloc(b.pk.n * a->check_runs, sizeof(*b.ret0));
	w = calloc(nt, sizeof(*w));
	if (!b.ret0 || !w) {
		fprintf(stderr, "bpfvm bench: %s\n", strerror(ENOMEM));
		goto out;
	}
	/* The workers' packets: by flow, as `bpfvm run --threads`; one
	 * packet: all of them run it. */
	/* A frame per packet of a batch: the XDP frame, or room for the
	 * largest packet to double, as the runner's buffer has. */
	size_t frame = BPFVM_XDP_FRAME_SIZE;
	for (size_t i = 0; i < b.pk.n; i++)
		if (frame < RUNNER_HEADROOM + 2 * (size_t)b.pk.len[i])
			frame = RUNNER_HEADROOM + 2 * (size_t)b.pk.len[i];
	frame = (frame + 63) & ~(size_t)63;
	for (unsigned t = 0; t < nt; t++) {
		w[t].b = &b;
		w[t].cpu = t;
		w[t].frame = frame;
		w[t].idx = malloc(b.pk.n * sizeof(uint32_t));
		w[t].arena = aligned_alloc(64, (b.pk.n == 1 ? 1 : BENCH_BATCH) * frame);
		if (!w[t].idx || !w[t].arena) {
			fprintf(stderr, "bpfvm bench: %s\n", strerror(ENOMEM));
			goto out;
		}
	}
	for (size_t i = 0; i < b.pk.n; i++) {
		unsigned t = runner_flow_worker(
			runner_flow_hash(b.pk.bytes + b.pk.off[i], b.pk.len[i]), nt);
		for (unsigned u = 0; u < nt; u++)
			if (u == t || b.pk.n == 1)
				w[u].idx[w[u].n++] = (uint32_t)i;
	}

	/* Check, and calibrate. */
	bool mismatch = false;
	for (int k = 0; k < E_N; k++) {
		struct engine *e = &b.e[k];
		if (!e->want || !e->ok)
			continue;
		double pass_ns = 0;
		if (check(&b, k, &pass_ns)) {
			/* a bpfvm run that fails, or an engine that disagrees, is
			 * an error; a kernel that cannot run the packets a skip */
			if (k != E_KERNEL || strstr(e->why, "returns")) {
				fprintf(stderr, "bpfvm bench: %s: %s\n", engine_names[k], e->why);
				mismatch = true;
				if (k == E_INTERP)
					goto out;
			}
			continue;
		}
		double budget = (double)a->time_ms * 1e6, per = pass_ns > 1 ? pass_ns : 1;
		if (k == E_KERNEL) {
			/* one packet: repeat fills the round; more: one run each */
			e->kernel_repeat = b.pk.n == 1 ? kernel_repeat_for(&b, budget) : 1;
		} else if (calibrate_bpfvm(&b, k, w, nt, budget, per)) {
			fprintf(stderr, "bpfvm bench: %s: %s\n", engine_names[k], e->why);
			mismatch = true;
		}
	}
	/* Rounds: the engines one after another in each. */
	for (uint64_t r = 0; r < a->rounds; r++)
		for (int k = 0; k < E_N; k++) {
			struct engine *e = &b.e[k];
			if (!e->want || !e->ok)
				continue;
			int rc = k == E_KERNEL ? round_kernel(&b, r, &e->ns[r], &e->pps[r])
					       : round_bpfvm(&b, k, w, nt, &e->ns[r], &e->pps[r]);
			if (rc) {
				fprintf(stderr, "bpfvm bench: %s: %s\n", engine_names[k], e->why);
				mismatch |= k != E_KERNEL;
			}
		}
	for (int k = 0; k < E_N; k++) {
		struct engine *e = &b.e[k];
		if (e->want && e->ok) {
			e->ns_med = median(e->ns, a->rounds);
			e->pps_med = median(e->pps, a->rounds);
			e->floor_med = median(e->floor, a->rounds);
		}
	}
	if (a->json)
		print_json(&b);
	else
		print_text(&b);
	ret = mismatch ? TOOL_EXIT_FAIL : TOOL_EXIT_OK;
out:
	for (unsigned t = 0; w && t < nt; t++) {
		free(w[t].idx);
		free(w[t].arena);
	}
	free(w);
	free(b.ret0);
	runner_packets_free(&b.pk);
	for (int k = 0; k < E_N; k++) {
		bpfvm_object__close(b.e[k].obj);
		bpfvm_vm__free(b.e[k].vm);
		bpf_object__close(b.e[k].kobj);
	}
	if (b.e[E_KERNEL].kfloor_fd > 0)
		close(b.e[E_KERNEL].kfloor_fd);
	return ret;
}

static int main_bench(int argc, char **argv)
{
	struct bench_args a = { .want = { true, true, true }, .threads = 1, .time_ms = 200,
				.rounds = 5, .max_packets = 65536, .ifindex = 1, .check_runs = 1 };
	int ret = parse_args(argc, argv, &a);
	return ret >= 0 ? ret : bench_run(&a);
}

const struct tool_cmd cmd_bench = { "bench", "time a program under each engine, with ratios",
				    main_bench, usage };
