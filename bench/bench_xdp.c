/*
 * bench_xdp.c - the benchmark harness: the XDP programs of ../shared/bench
 * timed under four engines, as ratios to native code.
 *
 * For each program NAME.c of the bench directory, two builds: the BPF
 * object (clang -O2 -g -target bpf -mcpu=v3) and native code (clang -O2
 * -fPIC -shared; bench.h turns the source into a plain C function, nmap.h
 * stands in for the map helpers). Then:
 *   native  dlopen()ed and called directly, timed here. The native struct
 *           xdp_md holds 32-bit data/data_end, so the packet lives below
 *           4 GiB (MAP_32BIT).
 *   jit, kernel, interp
 *           through the command line: `bpfvm bench OBJ --data packet.bin
 *           -j`, whose JSON gives each engine's results and times: bpfvm's
 *           JIT and interpreter (bpfvm_prog__run_batch(), each thread's
 *           CPU clock) and the running kernel's JIT (BPF_PROG_TEST_RUN
 *           with repeat, its own clock, less the per-run harness cost of
 *           an empty program). So what is measured is what a user of
 *           `bpfvm bench` gets.
 *
 * The objects are compiled by this program into a work directory, and only
 * when they are older than their sources (CMake runs `bench_xdp
 * --build-only` at build time, so a normal run finds them fresh).
 *
 * Invariants:
 * - Before any timing, native code runs the program twice from fresh maps
 *   on a fresh copy of packet.bin; `bpfvm bench --check-runs 2` does the
 *   same for each engine (fresh maps: its own object). The return value,
 *   the 64-bit result (packet bytes 0..7) and a hash of the whole packet
 *   after the second run must equal native's. A mismatch is an error
 *   (exit 1), never a number.
 * - Times are medians over rounds. Native code is calibrated (which warms
 *   it up) to about --batch-ms per batch and runs half its batches right
 *   before the `bpfvm bench --rounds N --time MS` call and half right after
 *   it; that call runs its engines one after another in each of its
 *   rounds, calibrated the same way. A ratio is an engine's median round
 *   over native's median batch.
 * - A userspace time is the thread's CPU time (CLOCK_THREAD_CPUTIME_ID)
 *   over a batch divided by its runs: like the kernel's own clock (which
 *   stops while the test run yields the CPU), it leaves out time other
 *   tasks took.
 * - The process is pinned to one CPU (the last one it may use, or --cpu),
 *   and `bpfvm bench` inherits it; BPF_PROG_TEST_RUN runs on the caller's
 *   CPU, so the kernel is there too.
 *
 * Exit status: 0 all good; 1 a mismatch or a failure to build, load or run;
 * 2 usage; 77 (the CTest skip code) when clang, the bench directory or
 * bpfvm is missing.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpfvm.h"
#include "json_read.h"

#ifndef BENCH_DEFAULT_DIR
#define BENCH_DEFAULT_DIR "../shared/bench"
#endif
#ifndef BENCH_WORK_DIR
#define BENCH_WORK_DIR "bench-obj"
#endif
#ifndef BENCH_CLANG
#define BENCH_CLANG "clang"
#endif
#ifndef BENCH_MULTIARCH
#define BENCH_MULTIARCH "x86_64-linux-gnu"
#endif
#ifndef BENCH_BPFVM
#define BENCH_BPFVM "bpfvm"
#endif

#define EXIT_MISMATCH 1
#define EXIT_USAGE 2
#define EXIT_SKIP 77

#define PKT_MAX 3520         /* the largest packet a 4 KiB XDP frame holds */
#define MAX_PROGS 64
#define MAX_BATCHES 101
#define NAME_MAX_LEN 64

/* ------------------------------------------------------------------ */
/* Engines                                                             */

enum engine { E_NATIVE, E_JIT, E_KERNEL, E_INTERP, E_COUNT };
static const char *const engine_name[E_COUNT] = { "native", "jit", "kernel", "interp" };
/* The table's column headers, in the order the columns appear. */
static const char *const engine_title[E_COUNT] = { "native ns", "JIT", "kernel JIT", "interp" };

/* What one engine did with one program. */
struct measure {
	bool ok;          /* its checked runs gave native's return and packet */
	bool failed;      /* an error: a mismatch, or a failure to load or run */
	bool timed;       /* batches ran */
	uint32_t retval;  /* of the 2nd checked run */
	uint64_t result;  /* packet bytes 0..7 after it */
	uint64_t out_hash; /* FNV-1a of the whole packet after it */
	uint64_t runs;    /* per batch (native) */
	double ns;        /* median ns per run */
	double min_ns, max_ns;
	double samples[MAX_BATCHES];
	int n_samples;
	char err[512];    /* why it did not load or check */
};

struct prog {
	char name[NAME_MAX_LEN];
	char src[PATH_MAX];
	char bpf_obj[PATH_MAX];
	char native_so[PATH_MAX];
	char sym[NAME_MAX_LEN]; /* the XDP function: the BPF object's first program */
	bool selected;          /* asked for (empty may run only as the floor) */

	void *dl;
	int (*native)(void *md);
	double kernel_floor;    /* the kernel's per-run harness cost, median ns */

	struct measure m[E_COUNT];
};

/* ------------------------------------------------------------------ */
/* Settings and shared state                                           */

static struct {
	const char *bench_dir;
	char work_dir[PATH_MAX];
	const char *clang;
	const char *bpfvm;
	const char *programs; /* comma list, or NULL for all */
	bool json, quick, build_only, no_kernel;
	int batches;
	double batch_ms;
	int cpu;              /* -1: do not pin; -2: pick */
} opt = {
	.bench_dir = BENCH_DEFAULT_DIR,
	.clang = BENCH_CLANG,
	.bpfvm = BENCH_BPFVM,
	.batches = 11,
	.batch_ms = 50,
	.cpu = -2,
};

static char packet_path[PATH_MAX];
static uint8_t packet[PKT_MAX];  /* packet.bin */
static size_t packet_len;
static uint8_t *frame;           /* a 4 KiB XDP frame below 4 GiB */
#define FRAME_SIZE BPFVM_XDP_FRAME_SIZE
#define HEADROOM BPFVM_XDP_HEADROOM
static uint8_t *pkt;             /* frame + HEADROOM */

static struct prog progs[MAX_PROGS];
static int n_progs;
static bool kernel_ok;           /* some program ran in the kernel */
static char kernel_why[256];     /* else why not */
static int pinned_cpu = -1;
static int errors;

/* The native view of the context (bench.h's struct xdp_md). */
struct native_xdp_md {
	uint32_t data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex;
};
static struct native_xdp_md native_md;

static void fail(struct prog *p, enum engine e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void note(struct prog *p, enum engine e, bool error, const char *fmt, va_list ap)
{
	char msg[sizeof(p->m[e].err)];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!p->m[e].err[0])
		snprintf(p->m[e].err, sizeof(p->m[e].err), "%s", msg);
	p->m[e].ok = false;
	p->m[e].failed |= error;
	fflush(stdout);
	fprintf(stderr, "bench_xdp: %s: %s: %s%s\n", p->name, engine_name[e], msg,
		error ? "" : " (skipped)");
	errors += error;
}

/* Record why engine e failed on p (first reason wins) and say it. */
static void fail(struct prog *p, enum engine e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	note(p, e, true, fmt, ap);
	va_end(ap);
}

/* The same for an engine that cannot take p, which is no error: the
 * kernel refusing a program it may not support. */
static void skip(struct prog *p, enum engine e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void skip(struct prog *p, enum engine e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	note(p, e, false, fmt, ap);
	va_end(ap);
}

/* Format a path; -ENAMETOOLONG (and an empty buf) when it does not fit. */
static int path_fmt(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int path_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		buf[0] = 0;
		return -ENAMETOOLONG;
	}
	return 0;
}

/* This thread's CPU time: what it spent running, not what other tasks on
 * its CPU took meanwhile. */
static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* FNV-1a, 64 bits, as `bpfvm bench` hashes the packet after a run. */
static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* ------------------------------------------------------------------ */
/* Building the objects                                                */

/* Extra flags for the BPF object of one program (the bench README's). */
static const char *bpf_extra_flag(const char *name)
{
	return strcmp(name, "memops") == 0 ? "-fno-builtin" : NULL;
}

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

static double mtime_of(const char *path)
{
	struct stat st;
	if (stat(path, &st))
		return -1;
	return (double)st.st_mtim.tv_sec + (double)st.st_mtim.tv_nsec * 1e-9;
}

/* Whether out is missing or older than the program's source or the two
 * headers every program includes. */
static bool stale(const char *out, const char *src)
{
	double t = mtime_of(out);
	if (t < 0 || mtime_of(src) > t)
		return true;
	static const char *const headers[] = { "bench.h", "nmap.h" };
	for (size_t i = 0; i < 2; i++) {
		char h[PATH_MAX];
		if (path_fmt(h, sizeof(h), "%s/%s", opt.bench_dir, headers[i]) ||
		    mtime_of(h) > t)
			return true;
	}
	return false;
}

/* Run argv (argv[0] found on PATH); 0 when it exits 0. */
static int run_cmd(char *const argv[])
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "bench_xdp: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Compile src into out with the given flags, through a temporary file
 * renamed into place, so that a concurrent run never sees half a file. */
static int compile(const char *out, const char *src, const char *const *flags, size_t n_flags)
{
	char tmp[PATH_MAX + 32];
	if (path_fmt(tmp, sizeof(tmp), "%s.tmp.%d", out, (int)getpid()))
		return -ENAMETOOLONG;
	char *argv[24];
	size_t k = 0;
	argv[k++] = (char *)opt.clang;
	for (size_t i = 0; i < n_flags && k < 18; i++)
		argv[k++] = (char *)flags[i];
	argv[k++] = (char *)src;
	argv[k++] = "-o";
	argv[k++] = tmp;
	argv[k] = NULL;
	if (run_cmd(argv)) {
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, out)) {
		int e = -errno;
		unlink(tmp);
		return e;
	}
	return 0;
}

static int build_prog(struct prog *p)
{
	if (stale(p->bpf_obj, p->src)) {
		const char *flags[8] = { "-O2", "-g", "-target", "bpf", "-mcpu=v3",
					 ("-I/usr/include/" BENCH_MULTIARCH), "-c" };
		size_t n = 7;
		if (bpf_extra_flag(p->name))
			flags[n++] = bpf_extra_flag(p->name);
		if (compile(p->bpf_obj, p->src, flags, n)) {
			fprintf(stderr, "bench_xdp: %s: clang -target bpf failed (above)\n", p->name);
			return -1;
		}
	}
	if (stale(p->native_so, p->src)) {
		const char *flags[] = { "-O2", "-fPIC", "-shared" };
		if (compile(p->native_so, p->src, flags, 3)) {
			fprintf(stderr, "bench_xdp: %s: native clang -O2 failed (above)\n", p->name);
			return -1;
		}
	}
	return 0;
}

/* Whether the compiler can be run: an absolute path that is executable, or
 * a name found on PATH. */
static bool have_clang(void)
{
	if (strchr(opt.clang, '/'))
		return access(opt.clang, X_OK) == 0;
	const char *path = getenv("PATH");
	if (!path)
		return false;
	char dir[PATH_MAX];
	while (*path) {
		size_t n = strcspn(path, ":");
		if (n && !path_fmt(dir, sizeof(dir), "%.*s/%s", (int)n, path, opt.clang) &&
		    access(dir, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* The program list                                                    */

/* The bench README's order; other programs follow alphabetically. */
static const char *const known_order[] = { "empty", "arith", "primes", "csum", "parse", "memops",
					   "bsort", "fsm", "bits", "map_hash", "map_array" };

static int order_of(const char *name)
{
	for (size_t i = 0; i < sizeof(known_order) / sizeof(known_order[0]); i++)
		if (!strcmp(name, known_order[i]))
			return (int)i;
	return 100;
}

static int prog_cmp(const void *a, const void *b)
{
	const struct prog *x = a, *y = b;
	int d = order_of(x->name) - order_of(y->name);
	return d ? d : strcmp(x->name, y->name);
}

static bool in_list(const char *list, const char *name)
{
	size_t n = strlen(name);
	for (const char *s = list; *s;) {
		size_t k = strcspn(s, ",");
		if (k == n && !strncmp(s, name, n))
			return true;
		s += k + (s[k] == ',');
	}
	return false;
}

/* Find the programs: every NAME.c of the bench directory. */
static int find_progs(void)
{
	DIR *d = opendir(opt.bench_dir);
	if (!d)
		return -errno;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < 3 || strcmp(de->d_name + len - 2, ".c") || len - 2 >= NAME_MAX_LEN)
			continue;
		if (n_progs == MAX_PROGS) {
			fprintf(stderr, "bench_xdp: more than %d programs; the rest are ignored\n",
				MAX_PROGS);
			break;
		}
		struct prog *p = &progs[n_progs++];
		memset(p, 0, sizeof(*p));
		snprintf(p->name, sizeof(p->name), "%.*s", (int)(len - 2), de->d_name);
	}
	closedir(d);
	qsort(progs, (size_t)n_progs, sizeof(progs[0]), prog_cmp);
	for (int i = 0; i < n_progs; i++) {
		struct prog *p = &progs[i];
		if (path_fmt(p->src, sizeof(p->src), "%s/%s.c", opt.bench_dir, p->name) ||
		    path_fmt(p->bpf_obj, sizeof(p->bpf_obj), "%s/%s.bpf.o", opt.work_dir, p->name) ||
		    path_fmt(p->native_so, sizeof(p->native_so), "%s/%s.native.so", opt.work_dir,
			     p->name))
			return -ENAMETOOLONG;
		p->selected = !opt.programs || in_list(opt.programs, p->name);
	}
	if (opt.programs) {
		/* Every name asked for must exist. */
		for (const char *s = opt.programs; *s;) {
			size_t k = strcspn(s, ",");
			bool found = false;
			for (int i = 0; i < n_progs; i++)
				found |= strlen(progs[i].name) == k && !strncmp(progs[i].name, s, k);
			if (!found && k) {
				fprintf(stderr, "bench_xdp: no program '%.*s' in %s\n", (int)k, s,
					opt.bench_dir);
				return -ENOENT;
			}
			s += k + (s[k] == ',');
		}
	}
	return 0;
}

/* The floor program: the kernel's per-run harness cost, and bpfvm's. */
static struct prog *empty_prog(void)
{
	for (int i = 0; i < n_progs; i++)
		if (!strcmp(progs[i].name, "empty"))
			return &progs[i];
	return NULL;
}

static bool wanted(const struct prog *p)
{
	return p->selected || p == empty_prog();
}

/* ------------------------------------------------------------------ */
/* Native code                                                         */

static void reset_packet(void)
{
	memset(frame, 0, HEADROOM);
	memcpy(pkt, packet, packet_len);
}

/* The name of the BPF object's XDP function, from bpfvm's loader: the
 * native symbol has the same name. */
static int find_symbol(struct prog *p)
{
	struct bpfvm_error err;
	struct bpfvm_vm *vm = bpfvm_vm__new(NULL);
	struct bpfvm_object *obj = vm ? bpfvm_object__open_file(vm, p->bpf_obj, NULL, &err) : NULL;
	int rc = -1;
	if (obj && bpfvm_object__prog_cnt(obj) > 0) {
		snprintf(p->sym, sizeof(p->sym), "%s", bpfvm_object__prog_name(obj, 0));
		rc = 0;
	} else {
		fprintf(stderr, "bench_xdp: %s: cannot open %s: %s\n", p->name, p->bpf_obj,
			obj ? "no program in it" : vm ? err.msg : strerror(errno));
	}
	bpfvm_object__close(obj);
	bpfvm_vm__free(vm);
	return rc;
}

/* Load the native code with fresh state: the first dlopen of an object
 * gives fresh static maps. No dlclose(): each object is opened once per
 * process, and its maps, malloc()ed by nmap.h and reachable only from its
 * statics, would look leaked to LeakSanitizer once it were unmapped. */
static int load_native(struct prog *p)
{
	/* RTLD_LOCAL: every program's function has its own name space */
	p->dl = dlopen(p->native_so, RTLD_NOW | RTLD_LOCAL);
	if (!p->dl) {
		fail(p, E_NATIVE, "dlopen: %s", dlerror());
		return -1;
	}
	void *sym = dlsym(p->dl, p->sym);
	if (!sym) {
		fail(p, E_NATIVE, "no function '%s' in %s", p->sym, p->native_so);
		return -1;
	}
	/* POSIX dlsym: a data pointer that holds a function's address. */
	memcpy(&p->native, &sym, sizeof(sym));
	return 0;
}

static uint64_t result_of(const uint8_t *b)
{
	uint64_t r;
	memcpy(&r, b, 8);
	return r;
}

/* Native: two runs from fresh state on fresh copies of the packet; the
 * second one's return, result and packet are the reference. */
static void check_native(struct prog *p)
{
	struct measure *m = &p->m[E_NATIVE];
	if (load_native(p))
		return;
	m->ok = true;
	for (int r = 0; r < 2; r++) {
		reset_packet();
		m->retval = (uint32_t)p->native(&native_md);
		m->result = result_of(pkt);
		m->out_hash = fnv1a(pkt, packet_len);
	}
}

/* One batch of n native runs; *ns = CPU ns per run. The packet is not
 * reset between runs: every program writes only bytes 0..7, which none
 * reads. */
static void native_batch(struct prog *p, uint64_t n, double *ns)
{
	int (*fn)(void *) = p->native;
	volatile int sink = 0;
	double t0 = now_ns();
	for (uint64_t i = 0; i < n; i++)
		sink += fn(&native_md);
	double t1 = now_ns();
	(void)sink;
	*ns = (t1 - t0) / (double)n;
}

/* Find the runs per batch that take about the target time, warming the
 * code up on the way; ends with one full batch (discarded). */
static void calibrate_native(struct prog *p, double target_ns)
{
	uint64_t n = 1;
	double ns;
	for (;;) {
		native_batch(p, n, &ns);
		double total = ns * (double)n;
		if (total >= target_ns / 16 || n >= (1ull << 32))
			break;
		double grow = total > 0 ? target_ns / 16 / total : 16;
		n = (uint64_t)((double)n * (grow < 2 ? 2 : grow > 16 ? 16 : grow)) + 1;
	}
	double want = target_ns / (ns > 0 ? ns : 1);
	p->m[E_NATIVE].runs = want < 1 ? 1 : want > 2e9 ? 2000000000ull : (uint64_t)want;
	native_batch(p, p->m[E_NATIVE].runs, &ns);
}

static void native_batches(struct prog *p, int n)
{
	struct measure *m = &p->m[E_NATIVE];
	for (int b = 0; b < n && m->n_samples < MAX_BATCHES; b++)
		native_batch(p, m->runs, &m->samples[m->n_samples++]);
}

/* ------------------------------------------------------------------ */
/* bpfvm's engines and the kernel: `bpfvm bench`                       */

/* Run argv with its stdout read into *out (NUL-terminated, malloc()ed);
 * stderr goes to ours, so its messages are seen. Returns the exit
 * status, or -1 when it could not run. */
static int run_capture(char *const argv[], char **out)
{
	int fd[2];
	*out = NULL;
	if (pipe(fd))
		return -1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "bench_xdp: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fd[1]);
	size_t len = 0, cap = 1 << 14;
	char *buf = malloc(cap);
	ssize_t r;
	while (buf && (r = read(fd[0], buf + len, cap - len - 1)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += (size_t)r;
		if (len + 1 == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	close(fd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			free(buf);
			return -1;
		}
	if (buf)
		buf[len] = 0;
	*out = buf;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const struct jr_value *engine_obj(const struct jr_value *root, const char *name)
{
	const struct jr_value *list = jr_get(root, "engines");
	for (size_t i = 0; list && list->type == JR_ARRAY && i < list->n; i++) {
		const struct jr_value *n = jr_get(&list->items[i], "engine");
		if (n && n->type == JR_STRING && !strcmp(n->text, name))
			return &list->items[i];
	}
	return NULL;
}

static bool get_u64(const struct jr_value *o, const char *key, uint64_t *v)
{
	const struct jr_value *x = jr_get(o, key);
	return x && !jr_u64(x, v);
}

static bool get_hex(const struct jr_value *o, const char *key, uint64_t *v)
{
	const struct jr_value *x = jr_get(o, key);
	if (!x || x->type != JR_STRING || strncmp(x->text, "0x", 2))
		return false;
	char *end;
	errno = 0;
	*v = strtoull(x->text + 2, &end, 16);
	return !errno && !*end;
}

/* The result bytes as `bpfvm bench` prints them ("0x" and the packet's
 * first bytes in order) as the little-endian u64 the programs write. */
static bool get_result(const struct jr_value *o, uint64_t *v)
{
	const struct jr_value *x = jr_get(o, "result");
	if (!x || x->type != JR_STRING || strlen(x->text) != 18)
		return false;
	uint8_t b[8];
	for (int i = 0; i < 8; i++) {
		unsigned byte;
		if (sscanf(x->text + 2 + 2 * i, "%2x", &byte) != 1)
			return false;
		b[i] = (uint8_t)byte;
	}
	*v = result_of(b);
	return true;
}

/* Engine e's object of the JSON: its results against native's, its
 * rounds. */
static void take_engine(struct prog *p, enum engine e, const struct jr_value *o)
{
	struct measure *m = &p->m[e], *n = &p->m[E_NATIVE];
	const struct jr_value *ok = jr_get(o, "ok");
	if (!ok || ok->type != JR_BOOL || !ok->boolean) {
		const struct jr_value *why = jr_get(o, "skip_reason");
		const char *reason = why && why->type == JR_STRING ? why->text : "no reason given";
		/* the kernel may refuse what it does not support; bpfvm's engines
		 * must run every bench program, the JIT without falling back */
		if (e == E_KERNEL && !strstr(reason, "returns"))
			skip(p, e, "%s", reason);
		else
			fail(p, e, "%s", reason);
		return;
	}
	uint64_t retval, hash, ps;
	if (!get_u64(o, "retval", &retval) || !get_result(o, &m->result) ||
	    !get_hex(o, "out_hash", &hash) || !get_u64(o, "ps_per_run", &ps)) {
		fail(p, e, "bpfvm bench -j: the engine's object lacks retval, result, out_hash "
			   "or ps_per_run");
		return;
	}
	m->retval = (uint32_t)retval;
	m->out_hash = hash;
	if (m->retval != n->retval || m->result != n->result || m->out_hash != n->out_hash) {
		fail(p, e,
		     "MISMATCH on run 2 from fresh maps: return %u result %016" PRIx64
		     "%s, native return %u result %016" PRIx64,
		     m->retval, m->result,
		     m->out_hash != n->out_hash && m->result == n->result ? " (other bytes of "
									  "the packet differ)"
									: "",
		     n->retval, n->result);
		return;
	}
	m->ok = true;
	const struct jr_value *rounds = jr_get(o, "ps_rounds");
	for (size_t i = 0; rounds && rounds->type == JR_ARRAY && i < rounds->n &&
			   m->n_samples < MAX_BATCHES; i++) {
		uint64_t v;
		if (!jr_u64(&rounds->items[i], &v))
			m->samples[m->n_samples++] = (double)v / 1000;
	}
	if (e == E_KERNEL) {
		uint64_t floor;
		if (get_u64(o, "kernel_floor_ps", &floor))
			p->kernel_floor = (double)floor / 1000;
		kernel_ok = true;
	}
}

/* `bpfvm bench OBJ --data packet.bin -j`: check and time bpfvm's engines
 * and the kernel's on p. */
static void bench_bpfvm(struct prog *p)
{
	char rounds[16], ms[32];
	snprintf(rounds, sizeof(rounds), "%d", opt.batches);
	snprintf(ms, sizeof(ms), "%.0f", opt.batch_ms < 1 ? 1 : ceil(opt.batch_ms));
	char *argv[] = { (char *)opt.bpfvm, "bench", p->bpf_obj, "--prog", p->sym, "--data",
			 packet_path, "-j", "--check-runs", "2", "--rounds", rounds, "--time", ms,
			 "--engine", opt.no_kernel ? "interp,jit" : "all", NULL };
	char *out;
	int status = run_capture(argv, &out);
	struct jr_value *root = NULL;
	struct jr_error jerr;
	if (!out || jr_parse(out, strlen(out), &root, &jerr)) {
		/* no JSON: nothing ran; say why for each engine */
		static const enum engine es[] = { E_JIT, E_KERNEL, E_INTERP };
		for (int i = 0; i < 3; i++)
			if (es[i] != E_KERNEL || !opt.no_kernel)
				fail(p, es[i], "%s bench exited %d%s", opt.bpfvm, status,
				     out && out[0] ? " with output that is not JSON" : ", no output");
		free(out);
		return;
	}
	take_engine(p, E_INTERP, engine_obj(root, "interp") ? engine_obj(root, "interp") : root);
	take_engine(p, E_JIT, engine_obj(root, "jit") ? engine_obj(root, "jit") : root);
	if (!opt.no_kernel)
		take_engine(p, E_KERNEL, engine_obj(root, "kernel") ? engine_obj(root, "kernel")
								   : root);
	if (status != 0 && !p->m[E_JIT].failed && !p->m[E_INTERP].failed)
		fail(p, E_INTERP, "%s bench exited %d (see its message above)", opt.bpfvm, status);
	jr_free(root);
	free(out);
}

/* ------------------------------------------------------------------ */
/* Timing                                                              */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The median of v[0..n) (n > 0), sorting v. */
static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(double), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Native batches around the `bpfvm bench` call, so that both see the
 * machine as it was then; each engine's median, min and max. */
static void time_prog(struct prog *p)
{
	calibrate_native(p, opt.batch_ms * 1e6);
	native_batches(p, (opt.batches + 1) / 2);
	bench_bpfvm(p);
	native_batches(p, opt.batches / 2);
	for (int e = 0; e < E_COUNT; e++) {
		struct measure *m = &p->m[e];
		if (!m->ok || !m->n_samples)
			continue;
		double s[MAX_BATCHES];
		memcpy(s, m->samples, sizeof(double) * (size_t)m->n_samples);
		m->ns = median(s, m->n_samples); /* sorts s */
		m->min_ns = s[0];
		m->max_ns = s[m->n_samples - 1];
		m->timed = true;
	}
}

/* ------------------------------------------------------------------ */
/* Set-up                                                              */

static int setup_frame(void)
{
	/* MAP_32BIT: the native struct xdp_md holds 32-bit pointers. */
	frame = mmap(NULL, FRAME_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (frame == MAP_FAILED) {
		fprintf(stderr, "bench_xdp: mmap(MAP_32BIT) of the packet frame: %s\n",
			strerror(errno));
		return -1;
	}
	if ((uintptr_t)frame + FRAME_SIZE > UINT32_MAX) {
		fprintf(stderr, "bench_xdp: the packet frame is not below 4 GiB (%p)\n",
			(void *)frame);
		return -1;
	}
	pkt = frame + HEADROOM;
	uint32_t d = (uint32_t)(uintptr_t)pkt;
	native_md = (struct native_xdp_md){ .data = d, .data_end = d + (uint32_t)packet_len,
					    .data_meta = d, .ingress_ifindex = 1 };
	return 0;
}

static int read_packet(void)
{
	FILE *f = path_fmt(packet_path, sizeof(packet_path), "%s/packet.bin", opt.bench_dir)
			  ? NULL : fopen(packet_path, "rb");
	if (!f) {
		fprintf(stderr, "bench_xdp: cannot open %s: %s\n", packet_path, strerror(errno));
		return -1;
	}
	packet_len = fread(packet, 1, sizeof(packet), f);
	bool more = fgetc(f) != EOF;
	fclose(f);
	if (packet_len < 64 || more) {
		fprintf(stderr, "bench_xdp: %s: %zu bytes; expected 64..%d\n", packet_path,
			packet_len, PKT_MAX);
		return -1;
	}
	return 0;
}

static void pin_cpu(void)
{
	cpu_set_t set;
	if (opt.cpu == -1 || sched_getaffinity(0, sizeof(set), &set))
		return;
	int cpu = opt.cpu;
	if (cpu < 0)
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &set))
				cpu = c;
	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "bench_xdp: cannot pin to CPU %d (%s); running unpinned\n", cpu,
			strerror(errno));
		return;
	}
	pinned_cpu = cpu;
}

/* The work directory: one per bench directory, so two directories never
 * share objects (FNV-1a of its real path). */
static int set_work_dir(const char *base)
{
	char real[PATH_MAX];
	if (!realpath(opt.bench_dir, real))
		snprintf(real, sizeof(real), "%s", opt.bench_dir);
	uint32_t h = 2166136261u;
	for (const char *s = real; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	const char *leaf = strrchr(real, '/');
	leaf = leaf && leaf[1] ? leaf + 1 : "bench";
	if (path_fmt(opt.work_dir, sizeof(opt.work_dir), "%s/%s-%08x", base, leaf, h))
		return -ENAMETOOLONG;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Output                                                              */

/*
 * Engine e's time over native's on p (0 when there is none): the
 * engine's median round over native's median batch, both taken around
 * the same moment. The kernel's figures already lack its per-run harness
 * cost (`bpfvm bench` subtracts it).
 */
static double ratio(const struct prog *p, enum engine e)
{
	const struct measure *n = &p->m[E_NATIVE], *m = &p->m[e];
	if (!n->timed || !m->timed || n->ns <= 0)
		return 0;
	return (m->ns > 0.01 ? m->ns : 0.01) / n->ns; /* keep logs finite */
}

/* bpfvm's JIT against the kernel's on p like for like: each engine's time
 * per run less its own per-run floor (the empty program's: bpfvm's
 * batch entry and the kernel's test-run harness). The kernel's figure
 * already lacks its floor (the rule for its ratio to native); the
 * JIT's ratio to native keeps its own, so that one favours the kernel by
 * the JIT's floor, which matters for programs of a few ns. 0: not known. */
static double jit_vs_kernel(const struct prog *p)
{
	const struct prog *empty = empty_prog();
	const struct measure *j = &p->m[E_JIT], *k = &p->m[E_KERNEL];
	if (!empty || !empty->m[E_JIT].timed || !j->timed || !k->timed || !k->ok || k->ns <= 0)
		return 0;
	double body = j->ns - empty->m[E_JIT].ns;
	return (body > 0.01 ? body : 0.01) / k->ns;
}

/* Geometric mean of engine e's ratios over the selected programs but the
 * floor; *count says over how many. */
static double geomean(enum engine e, int *count)
{
	double sum = 0;
	int n = 0;
	for (int i = 0; i < n_progs; i++) {
		const struct prog *p = &progs[i];
		if (!p->selected || p == empty_prog())
			continue;
		double r = ratio(p, e);
		if (r <= 0)
			continue;
		sum += log(r);
		n++;
	}
	*count = n;
	return n ? exp(sum / n) : 0;
}

static void print_ratio(const struct prog *p, enum engine e, double r)
{
	if (p && p->m[e].failed)
		printf(" %10s", "FAIL");
	else if (p && e == E_KERNEL && kernel_ok && !p->m[e].ok)
		printf(" %10s", "skip");
	else if (r <= 0)
		printf(" %10s", "-");
	else if (r >= 10)
		printf(" %10.1f", r);
	else
		printf(" %10.2f", r);
}

static void print_table(void)
{
	struct prog *empty = empty_prog();
	int n_jk = 0, n_jk_le = 0;
	printf("\n%-10s %12s %10s %10s %10s %10s\n", "program", engine_title[E_NATIVE],
	       engine_title[E_JIT], engine_title[E_KERNEL], engine_title[E_INTERP],
	       kernel_ok ? "jit/kernel" : "");
	if (empty && empty->m[E_NATIVE].timed) {
		/* The floor row: ns, not ratios (native's is a bare call); the
		 * kernel's is its harness cost, which its figures lack. */
		printf("%-10s %12.1f", "empty", empty->m[E_NATIVE].ns);
		static const enum engine cols[] = { E_JIT, E_KERNEL, E_INTERP };
		for (int c = 0; c < 3; c++) {
			char cell[32] = "-";
			if (cols[c] == E_KERNEL && empty->m[E_KERNEL].timed)
				snprintf(cell, sizeof(cell), "%.1f ns", empty->kernel_floor);
			else if (empty->m[cols[c]].timed)
				snprintf(cell, sizeof(cell), "%.1f ns", empty->m[cols[c]].ns);
			printf(" %10s", cell);
		}
		printf("   per-run floor, not in the means\n");
	}
	for (int i = 0; i < n_progs; i++) {
		const struct prog *p = &progs[i];
		if (!p->selected || p == empty)
			continue;
		if (p->m[E_NATIVE].timed)
			printf("%-10s %12.1f", p->name, p->m[E_NATIVE].ns);
		else
			printf("%-10s %12s", p->name, "-");
		print_ratio(p, E_JIT, ratio(p, E_JIT));
		print_ratio(p, E_KERNEL, ratio(p, E_KERNEL));
		print_ratio(p, E_INTERP, ratio(p, E_INTERP));
		double jk = jit_vs_kernel(p);
		if (jk > 0) {
			printf(" %10.2f", jk);
			n_jk++;
			n_jk_le += jk <= 1;
		}
		printf("\n");
	}
	int nj, nk, ni;
	double gj = geomean(E_JIT, &nj), gk = geomean(E_KERNEL, &nk),
	       gi = geomean(E_INTERP, &ni);
	printf("%-10s %12s", "geomean", "");
	print_ratio(NULL, E_JIT, gj);
	print_ratio(NULL, E_KERNEL, gk);
	print_ratio(NULL, E_INTERP, gi);
	printf("   over %d programs\n", nj);
	printf("\nRatios: time per run over native clang -O2's, each engine's median over %d "
	       "rounds of ~%g ms\nover native's median batch (half before, half after the "
	       "`bpfvm bench` call).\n", opt.batches, opt.batch_ms);
	if (kernel_ok)
		printf("kernel JIT: BPF_PROG_TEST_RUN through `bpfvm bench`, its per-run harness "
		       "cost (an empty\nprogram, each round) subtracted.\n");
	else
		printf("kernel JIT: skipped (%s).\n", kernel_why);
	if (empty && empty->m[E_JIT].timed)
		printf("JIT and interp: `bpfvm bench`, bpfvm_prog__run_batch(), whose per-run cost "
		       "(empty: %.1f ns)\nstays in.\n", empty->m[E_JIT].ns);
	if (n_jk)
		printf("jit/kernel: bpfvm's JIT over the kernel's, each less its own per-run floor; "
		       "at most 1 on %d of %d.\n", n_jk_le, n_jk);
	printf("Targets: JIT geomean <= 1.15 (issue 6; kernel reference 1.24), interpreter "
	       "<= 10 (issue 5).\n");
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_num(double v)
{
	if (v > 0 && isfinite(v))
		printf("%.4g", v);
	else
		printf("null");
}

static void print_json(void)
{
	struct prog *empty = empty_prog();
	printf("{\"bench_dir\": ");
	json_str(opt.bench_dir);
	printf(", \"quick\": %s, \"cpu\": %d, \"batches\": %d, \"batch_ms\": %g,\n",
	       opt.quick ? "true" : "false", pinned_cpu, opt.batches, opt.batch_ms);
	printf(" \"kernel\": {\"available\": %s, \"skip_reason\": ", kernel_ok ? "true" : "false");
	if (kernel_ok)
		printf("null");
	else
		json_str(kernel_why);
	printf(", \"floor_ns\": ");
	json_num(opt.quick || !empty ? 0 : empty->kernel_floor);
	printf("},\n \"programs\": [");
	bool first = true;
	for (int i = 0; i < n_progs; i++) {
		const struct prog *p = &progs[i];
		if (!wanted(p))
			continue;
		printf("%s\n  {\"name\": ", first ? "" : ",");
		json_str(p->name);
		printf(", \"engines\": [");
		bool first_e = true;
		for (int e = 0; e < E_COUNT; e++) {
			const struct measure *m = &p->m[e];
			if (e == E_KERNEL && !kernel_ok)
				continue;
			printf("%s\n    {\"engine\": \"%s\", \"ok\": %s", first_e ? "" : ",",
			       engine_name[e], m->ok ? "true" : "false");
			if (m->ok)
				printf(", \"retval\": %u, \"result\": \"%016" PRIx64 "\", "
				       "\"out_hash\": \"%016" PRIx64 "\"", m->retval, m->result,
				       m->out_hash);
			else {
				printf(", \"error\": ");
				json_str(m->err[0] ? m->err : "not run");
			}
			if (!opt.quick && m->timed) {
				printf(", \"ns_per_run\": ");
				json_num(m->ns);
				printf(", \"min_ns\": ");
				json_num(m->min_ns);
				printf(", \"max_ns\": ");
				json_num(m->max_ns);
				if (e == E_NATIVE)
					printf(", \"runs_per_batch\": %" PRIu64, m->runs);
				if (e == E_KERNEL) {
					printf(", \"floor_ns\": ");
					json_num(p->kernel_floor);
				}
				if (e != E_NATIVE && p != empty) {
					printf(", \"ratio\": ");
					json_num(ratio(p, (enum engine)e));
				}
				if (e == E_JIT && p != empty && jit_vs_kernel(p) > 0) {
					printf(", \"vs_kernel\": ");
					json_num(jit_vs_kernel(p));
				}
			}
			printf("}");
			first_e = false;
		}
		printf("]}");
		first = false;
	}
	printf("\n ]");
	if (!opt.quick) {
		int n;
		printf(",\n \"geomean\": {\"jit\": ");
		json_num(geomean(E_JIT, &n));
		printf(", \"kernel\": ");
		json_num(geomean(E_KERNEL, &n));
		printf(", \"interp\": ");
		json_num(geomean(E_INTERP, &n));
		printf(", \"programs\": %d}", n);
	}
	printf(",\n \"errors\": %d}\n", errors);
}

/* ------------------------------------------------------------------ */
/* Command line                                                        */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: bench_xdp [OPTIONS]\n"
		"\n"
		"Time the XDP programs of the bench directory under native clang -O2 code\n"
		"(timed here) and, through `bpfvm bench`, bpfvm's JIT, the kernel's JIT\n"
		"(BPF_PROG_TEST_RUN; skipped without root) and bpfvm's interpreter, after\n"
		"checking that every engine returns what native code does. Prints ns per\n"
		"run for native and the other engines as ratios to it, with their\n"
		"geometric means.\n"
		"\n"
		"Options:\n"
		"  --programs A,B,C  only these programs (default: every NAME.c)\n"
		"  --bench-dir DIR   the programs and packet.bin (default %s)\n"
		"  --work-dir DIR    where the objects are built (default %s)\n"
		"  --quick           a smoke run: check results, a few runs each, no figures\n"
		"  --json            JSON output\n"
		"  --batches N       timed batches per engine, median taken (default %d)\n"
		"  --batch-ms MS     length of one batch (default %g)\n"
		"  --cpu N           pin to CPU N (default: the last allowed; -1: no pinning)\n"
		"  --no-kernel       leave the kernel out\n"
		"  --clang PATH      the compiler (default %s)\n"
		"  --bpfvm PATH      the bpfvm command (default %s)\n"
		"  --build-only      build the objects and stop\n"
		"\n"
		"Exit status: 0 ok, 1 mismatch or failure, 2 usage, 77 clang or bench dir missing.\n",
		BENCH_DEFAULT_DIR, BENCH_WORK_DIR, opt.batches, opt.batch_ms, BENCH_CLANG,
		BENCH_BPFVM);
}

static int parse_args(int argc, char **argv, const char **work_base)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = !strcmp(a, "--programs") || !strcmp(a, "--bench-dir") ||
			     !strcmp(a, "--work-dir") || !strcmp(a, "--batches") ||
			     !strcmp(a, "--batch-ms") || !strcmp(a, "--cpu") || !strcmp(a, "--clang") ||
			     !strcmp(a, "--bpfvm");
		if (takes && !v) {
			fprintf(stderr, "bench_xdp: %s needs a value\n", a);
			return -1;
		}
		char *end = NULL;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(a, "--json")) {
			opt.json = true;
		} else if (!strcmp(a, "--quick")) {
			opt.quick = true;
		} else if (!strcmp(a, "--build-only")) {
			opt.build_only = true;
		} else if (!strcmp(a, "--no-kernel")) {
			opt.no_kernel = true;
		} else if (!strcmp(a, "--programs")) {
			opt.programs = v;
		} else if (!strcmp(a, "--bench-dir")) {
			opt.bench_dir = v;
		} else if (!strcmp(a, "--work-dir")) {
			*work_base = v;
		} else if (!strcmp(a, "--clang")) {
			opt.clang = v;
		} else if (!strcmp(a, "--bpfvm")) {
			opt.bpfvm = v;
		} else if (!strcmp(a, "--batches")) {
			long n = strtol(v, &end, 10);
			if (*end || n < 1 || n > MAX_BATCHES) {
				fprintf(stderr, "bench_xdp: --batches: 1..%d, not '%s'\n", MAX_BATCHES,
					v);
				return -1;
			}
			opt.batches = (int)n;
		} else if (!strcmp(a, "--batch-ms")) {
			double ms = strtod(v, &end);
			if (*end || !(ms > 0 && ms <= 10000)) {
				fprintf(stderr, "bench_xdp: --batch-ms: a time in ms up to 10000, "
						"not '%s'\n", v);
				return -1;
			}
			opt.batch_ms = ms;
		} else if (!strcmp(a, "--cpu")) {
			long c = strtol(v, &end, 10);
			if (*end || c < -1 || c >= CPU_SETSIZE) {
				fprintf(stderr, "bench_xdp: --cpu: a CPU number or -1, not '%s'\n", v);
				return -1;
			}
			opt.cpu = (int)c;
		} else {
			fprintf(stderr, "bench_xdp: unknown option '%s' (try --help)\n", a);
			return -1;
		}
		if (takes)
			i++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *work_base = BENCH_WORK_DIR;
	if (parse_args(argc, argv, &work_base))
		return EXIT_USAGE;
	if (opt.quick) {
		opt.batches = 1;
		opt.batch_ms = 0.2;
	}

	struct stat st;
	if (stat(opt.bench_dir, &st) || !S_ISDIR(st.st_mode)) {
		printf("SKIP: no bench directory %s\n", opt.bench_dir);
		return EXIT_SKIP;
	}
	if (!have_clang()) {
		printf("SKIP: no compiler '%s' (set --clang)\n", opt.clang);
		return EXIT_SKIP;
	}
	int rc = set_work_dir(work_base);
	if (!rc)
		rc = mkdir_p(opt.work_dir);
	if (rc) {
		fprintf(stderr, "bench_xdp: cannot create %s: %s\n", opt.work_dir, strerror(-rc));
		return EXIT_MISMATCH;
	}
	rc = find_progs();
	if (rc == -ENOENT && opt.programs)
		return EXIT_USAGE;
	if (rc || n_progs == 0) {
		fprintf(stderr, "bench_xdp: no programs in %s%s%s\n", opt.bench_dir,
			rc ? ": " : "", rc ? strerror(-rc) : "");
		return EXIT_MISMATCH;
	}

	/* Build what is needed (all of it for --build-only). */
	for (int i = 0; i < n_progs; i++)
		if ((opt.build_only || wanted(&progs[i])) &&
		    (build_prog(&progs[i]) || find_symbol(&progs[i])))
			return EXIT_MISMATCH;
	if (opt.build_only) {
		printf("bench_xdp: %d programs built in %s\n", n_progs, opt.work_dir);
		return 0;
	}
	if (access(opt.bpfvm, X_OK)) {
		printf("SKIP: no bpfvm command '%s' (set --bpfvm)\n", opt.bpfvm);
		return EXIT_SKIP;
	}
	if (read_packet() || setup_frame())
		return EXIT_MISMATCH;
	if (opt.no_kernel)
		snprintf(kernel_why, sizeof(kernel_why), "--no-kernel");
	else
		snprintf(kernel_why, sizeof(kernel_why), "`bpfvm bench` ran no program in it");
	pin_cpu();

	if (!opt.json) {
		printf("bench_xdp: %s (packet.bin, %zu bytes)%s\n", opt.bench_dir, packet_len,
		       opt.quick ? ", quick: results only" : "");
		if (pinned_cpu >= 0)
			printf("pinned to CPU %d of %ld\n", pinned_cpu, sysconf(_SC_NPROCESSORS_ONLN));
		printf("bpfvm's engines and the kernel's through: %s bench\n", opt.bpfvm);
		fflush(stdout);
	}

	/* Check every engine against native, then time it. The floor program
	 * comes first in the order, so the floor is known before the table. */
	for (int i = 0; i < n_progs; i++) {
		struct prog *p = &progs[i];
		if (!wanted(p))
			continue;
		check_native(p);
		if (p->m[E_NATIVE].ok)
			time_prog(p);
		if (!opt.json) {
			bool bad = false;
			for (int e = 0; e < E_COUNT; e++)
				bad |= p->m[e].failed;
			bool with_kernel = p->m[E_KERNEL].ok;
			printf("%s %-10s return %u result %016" PRIx64 "%s\n", bad ? "FAIL" : "ok  ",
			       p->name, p->m[E_NATIVE].retval, p->m[E_NATIVE].result,
			       bad ? ": see the error above"
				   : with_kernel ? ": jit, kernel, interp agree with native"
						 : ": jit, interp agree with native");
			fflush(stdout);
		}
	}

	if (opt.json)
		print_json();
	else if (!opt.quick)
		print_table();
	if (errors) {
		fprintf(stderr, "bench_xdp: %d error%s (see above)\n", errors, errors == 1 ? "" : "s");
		return EXIT_MISMATCH;
	}
	if (!opt.json && opt.quick)
		printf("bench_xdp --quick: every engine agrees with native code (no timing claims)\n");
	return 0;
}
