/*
 * test_kernel_runner.c - the running kernel as the judge of whole runs
 * over a capture (issue 5): verdicts, output packets and maps.
 *
 * usage: test_kernel_runner [--packets N] CAPTURE OBJ...
 *
 * Units: every program of the objects given, and of Debian's libxdp
 * objects (/usr/lib/ARCH/bpf/ *.o: the xdp-filter ones, xdpfilt_*.o, and
 * the others), that the kernel can test-run with a packet: XDP, tc
 * (sched_cls/sched_act) and socket filters. Each unit is loaded alone
 * (libxdp's map pinning off; an object whose prog array names its other
 * programs, whole) into the kernel through libbpf and into bpfvm twice,
 * for the interpreter and for the JIT, each with fresh maps that
 * map_setup.c then fills alike (xdp-filter rules that the capture hits and
 * misses; what the test programs expect from a host). Then every packet
 * (the first N records of CAPTURE, then packets.c's hand-made frames) runs
 * on the three in lockstep (run_pair.c): the kernel through
 * BPF_PROG_TEST_RUN with a ctx_in, bpfvm with the context the kernel's
 * test run builds. The thread moves from CPU to CPU every CPU_BLOCK
 * packets (cpus.c), so per-CPU maps get several slots filled. Compared per
 * packet: the return value, the packet after the run, and for skb programs
 * the fields they may write. Compared after the last packet: every entry
 * of every map (map_twin.c; per-CPU maps slot by slot). Last, the reduced
 * cases of the disagreements found (reduced.c).
 *
 * Not failures, listed with the reason: programs of other types, programs
 * the kernel cannot load (libbpf refuses legacy objects; its verifier
 * refuses some test programs on purpose), packets its test run refuses
 * (EINVAL: too short), maps whose values are kernel handles, and the
 * known differences below (printed as KNOWN). Everything else that
 * differs fails the test.
 *
 * Needs root and a working bpf(); skips (exit 77) with a message when the
 * kernel is not available, never fails for that reason.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <glob.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpfvm.h"
#include "kernel_probe.h"
#include "runner_diff/cpus.h"
#include "runner_diff/map_setup.h"
#include "runner_diff/map_twin.h"
#include "runner_diff/packets.h"
#include "runner_diff/reduced.h"
#include "runner_diff/run_pair.h"

#define SHOW_MAX 3 /* mismatching packets printed per unit and engine */
#define N_ENGINES 2
#define CPU_BLOCK 256 /* packets run on one CPU before moving to the next */

static const char *const engine_names[N_ENGINES] = { "interpreter", "jit" };

/* Differences found and explained (RUNNER-DIFF.md): these units run and
 * print what differs, as KNOWN, without failing the test. */
static const struct {
	const char *object, *prog, *why;
} known[] = {
	{ "map_types.o", "perf_emit",
	  "bpf_perf_event_output into a slot without a perf event: the kernel returns -ENOENT, "
	  "bpfvm keeps the record for bpfvm_map__perf_consume()" },
};

static const char *known_why(const char *object, const char *prog)
{
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(known[i].object, object) && !strcmp(known[i].prog, prog))
			return known[i].why;
	return NULL;
}

struct totals {
	int units, units_same, units_known, failures;
	int not_run_type, kernel_cannot_load;
	long runs_compared, runs_same, refused_inputs;
	struct twin_tally maps;
};

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level, (void)fmt, (void)ap;
	return 0;
}

/* ------------------------------------------------------------------ */
/* One unit: a program, its maps, every packet                         */

/* The kernel's object with only prog loaded (every program when whole),
 * libxdp's pinning off. NULL with *rc the load's negative errno. */
static struct bpf_object *kernel_open(const char *path, const char *prog, bool whole, int *rc)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		*rc = errno ? -errno : -EINVAL;
		return NULL;
	}
	struct bpf_map *m;
	bpf_object__for_each_map(m, obj)
		bpf_map__set_pin_path(m, NULL);
	struct bpf_program *p;
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, whole || !strcmp(bpf_program__name(p), prog));
	*rc = bpf_object__load(obj);
	if (*rc) {
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

/* bpfvm's object with only prog loaded (every program when whole), for
 * engine e. */
static struct bpfvm_object *bpfvm_open(struct bpfvm_vm *vm, const char *path, const char *prog,
				       bool whole, enum bpfvm_engine e, struct bpfvm_error *err)
{
	BPFVM_OPTS(bpfvm_object_opts, oo, .engine = e);
	struct bpfvm_object *obj = bpfvm_object__open_file(vm, path, &oo, err);
	if (!obj)
		return NULL;
	for (size_t i = 0; i < bpfvm_object__prog_cnt(obj); i++)
		bpfvm_object__set_autoload(obj, bpfvm_object__prog_name(obj, i),
					   whole || !strcmp(bpfvm_object__prog_name(obj, i), prog));
	if (bpfvm_object__load(obj, err)) {
		bpfvm_object__close(obj);
		return NULL;
	}
	return obj;
}

static struct result kres, vres;

/* The kernel's return values over a unit's packets, the most frequent
 * first: they show that the inputs take the program down its paths (the
 * xdp-filter rules hit and miss). */
#define N_RETVALS 6
struct retvals {
	uint32_t value[N_RETVALS];
	long count[N_RETVALS], other;
	int n;
};

static void retvals_add(struct retvals *r, uint32_t v)
{
	for (int i = 0; i < r->n; i++)
		if (r->value[i] == v) {
			r->count[i]++;
			return;
		}
	if (r->n == N_RETVALS) {
		r->other++;
		return;
	}
	r->value[r->n] = v;
	r->count[r->n++] = 1;
}

static const char *retvals_str(const struct retvals *r, enum hook hook, char *buf, size_t size)
{
	static const char *const xdp[] = { "aborted", "drop", "pass", "tx", "redirect" };
	size_t o = 0;
	buf[0] = 0;
	for (int i = 0; i < r->n && o < size; i++) {
		if (hook == HOOK_XDP && r->value[i] < 5)
			o += (size_t)snprintf(buf + o, size - o, " %s %ld", xdp[r->value[i]],
					      r->count[i]);
		else
			o += (size_t)snprintf(buf + o, size - o, " %#x: %ld", r->value[i],
					      r->count[i]);
	}
	if (r->other && o < size)
		snprintf(buf + o, size - o, " others %ld", r->other);
	return buf;
}

static void run_unit(const char *path, const char *name, enum hook hook,
		     const struct rd_packets *pk, struct cpus *cpus, bool list_maps,
		     struct totals *T)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	static const char *const hook_names[] = { "", "xdp", "tc", "socket" };
	char label[256], why[256] = "";
	snprintf(label, sizeof(label), "%s %s (%s)", base, name, hook_names[hook]);
	int rc;
	/* Alone; or, when the object's prog array names its other programs
	 * (libbpf then cannot fill the slots of programs left out), whole. */
	bool whole = false;
	struct bpf_object *kobj = kernel_open(path, name, false, &rc);
	if (!kobj && (kobj = kernel_open(path, name, true, &rc)))
		whole = true;
	if (whole)
		snprintf(label, sizeof(label), "%s %s (%s, whole object)", base, name,
			 hook_names[hook]);
	if (!kobj) {
		printf("  %s: the kernel cannot load it (%s); not compared\n", label,
		       strerror(-rc));
		T->kernel_cannot_load++;
		return;
	}
	T->units++;
	int fails = 0;
	const char *known_diff = known_why(base, name);
	struct bpfvm_vm *vm[N_ENGINES] = { 0 };
	struct bpfvm_object *obj[N_ENGINES] = { 0 };
	struct bpfvm_prog *prog[N_ENGINES] = { 0 };
	BPFVM_OPTS(bpfvm_vm_opts, vo, .nr_cpus = (uint32_t)libbpf_num_possible_cpus());
	for (int e = 0; e < N_ENGINES; e++) {
		struct bpfvm_error err = { 0 };
		vm[e] = bpfvm_vm__new(&vo);
		obj[e] = vm[e] ? bpfvm_open(vm[e], path, name, whole, (enum bpfvm_engine)e, &err)
			       : NULL;
		prog[e] = obj[e] ? bpfvm_object__find_prog(obj[e], name) : NULL;
		if (!prog[e]) {
			printf("MISMATCH %s: the kernel loads it, bpfvm (%s) does not: %s\n", label,
			       engine_names[e], err.msg);
			fails++;
		}
	}
	if (fails)
		goto out;
	int entries = map_setup(kobj, obj, N_ENGINES, path, why, sizeof(why));
	if (entries < 0) {
		printf("MISMATCH %s: the maps cannot be filled alike: %s\n", label, why);
		fails++;
		goto out;
	}
	int kfd = bpf_program__fd(bpf_object__find_program_by_name(kobj, name));
	long same[N_ENGINES] = { 0 }, refused = 0;
	struct retvals rv = { 0 };
	int shown[N_ENGINES] = { 0 };
	for (size_t i = 0; i < pk->n; i++) {
		const struct rd_packet *p = &pk->pkts[i];
		uint32_t cpu = cpus->list[(i / CPU_BLOCK) % (size_t)cpus->n];
		if (cpus_pin(cpus, cpu)) {
			printf("MISMATCH %s: cannot pin the test to CPU %u\n", label, cpu);
			fails++;
			break;
		}
		run_kernel(kfd, hook, p->data, p->len, i, &kres);
		if (kres.err) {
			/* EINVAL: not an input the kernel's test run takes (shorter
			 * than an Ethernet header; skb: than the IPv4 or IPv6
			 * header its EtherType announces) */
			if (kres.err != -EINVAL)
				printf("  %s packet %zu (%u bytes): the kernel's test run fails: %s\n",
				       label, i, p->len, strerror(-kres.err));
			refused++;
			continue;
		}
		retvals_add(&rv, kres.retval);
		for (int e = 0; e < N_ENGINES; e++) {
			char d[400];
			run_bpfvm(prog[e], hook, cpu, p->data, p->len, i, &vres);
			T->runs_compared++;
			if (!*run_difference(&kres, &vres, hook, d, sizeof(d))) {
				same[e]++;
				continue;
			}
			fails++;
			if (shown[e]++ < SHOW_MAX)
				printf("%s %s (%s) packet %zu (%u bytes): %s\n",
				       known_diff ? "KNOWN" : "MISMATCH", label, engine_names[e], i, p->len,
				       d);
		}
	}
	T->runs_same += same[0] + same[1];
	T->refused_inputs += refused;
	/* the maps after the whole run */
	struct twin_snapshot *snap = twin_snapshot_kernel(kobj);
	struct twin_tally mt = { 0 };
	for (int e = 0; e < N_ENGINES && snap; e++) {
		char l[300];
		snprintf(l, sizeof(l), "%s (%s)", label, engine_names[e]);
		struct twin_tally one = { 0 };
		twin_compare(snap, obj[e], l, e == 0 && list_maps, &one);
		mt.same += one.same, mt.differ += one.differ, mt.entries += one.entries;
		mt.not_compared += e == 0 ? one.not_compared : 0;
	}
	if (!snap) {
		printf("MISMATCH %s: cannot read the kernel's maps\n", label);
		fails++;
	}
	twin_snapshot_free(snap);
	fails += mt.differ;
	T->maps.same += mt.same, T->maps.differ += mt.differ, T->maps.entries += mt.entries;
	T->maps.not_compared += mt.not_compared;
	printf("%s %s: %zu packets (%ld the kernel refuses), %d initial map entries; "
	       "interpreter %ld same, jit %ld same; maps %d same (%zu entries), %d differ\n",
	       !fails ? "ok" : known_diff ? "KNOWN" : "FAIL", label, pk->n, refused, entries, same[0],
	       same[1], mt.same, mt.entries, mt.differ);
	char rvs[200];
	printf("  %s: the kernel's results:%s\n", label, retvals_str(&rv, hook, rvs, sizeof(rvs)));
	if (fails && known_diff)
		printf("  known difference: %s\n", known_diff);
out:
	T->units_same += !fails;
	T->units_known += fails && known_diff;
	T->failures += known_diff ? 0 : fails;
	for (int e = 0; e < N_ENGINES; e++) {
		bpfvm_object__close(obj[e]);
		bpfvm_vm__free(vm[e]);
	}
	bpf_object__close(kobj);
}

static void run_object(const char *path, const struct rd_packets *pk, struct cpus *cpus,
		       struct totals *T)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	/* The kernel's side says which programs there are and of what type
	 * (bpfvm cannot open objects whose CO-RE relocations name kernel
	 * types it does not model; those have no packet programs). */
	struct bpf_object *kobj = bpf_object__open_file(path, NULL);
	if (!kobj) {
		printf("  %s: libbpf cannot open it (%s); not compared\n", base, strerror(errno));
		T->kernel_cannot_load++;
		return;
	}
	bool first = true;
	struct bpf_program *p;
	bpf_object__for_each_program(p, kobj) {
		enum bpf_prog_type type = bpf_program__type(p);
		enum hook hook = hook_of(type);
		if (hook == HOOK_NONE) {
			const char *tn = libbpf_bpf_prog_type_str(type);
			printf("  %s %s: type %s: no packet test run; not compared\n", base,
			       bpf_program__name(p), tn ? tn : "unknown");
			T->not_run_type++;
			continue;
		}
		run_unit(path, bpf_program__name(p), hook, pk, cpus, first, T);
		first = false;
	}
	bpf_object__close(kobj);
}

int main(int argc, char **argv)
{
	size_t max_packets = 0;
	int a = 1;
	if (a + 1 < argc && !strcmp(argv[a], "--packets")) {
		max_packets = (size_t)strtoul(argv[a + 1], NULL, 0);
		a += 2;
	}
	if (a >= argc) {
		fprintf(stderr, "usage: test_kernel_runner [--packets N] CAPTURE OBJ...\n");
		return 2;
	}
	libbpf_set_print(silent);
	if (!kernel_available())
		return SKIP;
	struct cpus cpus;
	if (cpus_init(&cpus) || cpus_pin(&cpus, cpus.list[0])) {
		printf("SKIP: cannot pin the test to one CPU, which per-CPU maps need\n");
		return SKIP;
	}
	struct rd_packets pk = { 0 };
	char why[256];
	if (rd_packets_read_pcap(&pk, argv[a], max_packets, why, sizeof(why)) ||
	    rd_packets_add_extras(&pk)) {
		fprintf(stderr, "test_kernel_runner: cannot read %s: %s\n", argv[a], why);
		rd_packets_free(&pk);
		return 1;
	}
	printf("test_kernel_runner: %zu packets (%zu from %s, %zu hand-made), on %d CPU%s in "
	       "turn, %d packets each\n", pk.n, pk.n_captured, argv[a], pk.n - pk.n_captured,
	       cpus.n, cpus.n > 1 ? "s" : "", CPU_BLOCK);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct totals T = { 0 };
	for (int i = a + 1; i < argc; i++)
		run_object(argv[i], &pk, &cpus, &T);
	/* libxdp's objects: the xdp-filter ones, and the others it ships */
	glob_t g;
	if (!glob("/usr/lib/*/bpf/*.o", 0, NULL, &g)) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			run_object(g.gl_pathv[i], &pk, &cpus, &T);
		globfree(&g);
	}
	if (glob("/usr/lib/*/bpf/xdpfilt_*.o", 0, NULL, &g))
		printf("note: no libxdp xdp-filter objects (/usr/lib/*/bpf/xdpfilt_*.o): "
		       "install libxdp1 to compare them\n");
	else
		globfree(&g);
	int reduced_compared, reduced_failed = reduced_run_all((uint32_t)cpus.cur,
							       &reduced_compared);
	T.failures += reduced_failed;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("test_kernel_runner: %d units (program x object) x %zu packets: %d same as the "
	       "kernel, %d known differences, %d differ; %ld runs compared (interpreter + jit), "
	       "%ld same; %ld inputs the kernel refuses; maps: %d same (%zu entries), %d differ, "
	       "%d not comparable; not run: %d of other types, %d the kernel cannot load; "
	       "reduced cases: %d runs, %d differ; %.1f s\n",
	       T.units, pk.n, T.units_same, T.units_known, T.units - T.units_same - T.units_known,
	       T.runs_compared, T.runs_same,
	       T.refused_inputs, T.maps.same, T.maps.entries, T.maps.differ, T.maps.not_compared,
	       T.not_run_type, T.kernel_cannot_load, reduced_compared, reduced_failed, secs);
	rd_packets_free(&pk);
	return T.failures ? 1 : T.units ? 0 : SKIP;
}
