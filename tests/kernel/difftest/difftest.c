/*
 * difftest.c - random XDP and socket-filter programs run in the kernel and
 * in bpfvm, and compared.
 *
 * Each program (dgen.h) is loaded into the kernel (bpf_prog_load) and into
 * bpfvm (verified, prog_type XDP or SOCKET_FILTER) twice: once for the
 * interpreter, once for the JIT. Each runs on the same packets from the
 * same map contents (and, for a socket filter, the same __sk_buff fields):
 * the kernel through BPF_PROG_TEST_RUN, bpfvm in a frame laid out as the
 * kernel's test run lays it out. Compared after each run: the return
 * value, the packet (bytes, length, metadata length), a socket filter's
 * cb[] and both maps.
 *
 *   difftest [--seed S|time] [--count N] [--seconds T|--hours H]
 *            [--type xdp|socket|mixed] [--report SECS] [--save DIR]
 *            [--packets K] [--leave-out LIST] [--check-gen] [--dump] [--quiet]
 *   difftest --replay FILE|DIR...
 *
 * --type mixed (the default) makes program i a socket filter or an XDP
 * program by its seed, about half each; a mismatch's saved command names
 * the type it had. Program i of a batch has seed S + i; `--seed S+i
 * --count 1 --type T --dump` (with the same --leave-out) shows it again.
 * --leave-out keeps parts of the generator out (lookup, update, delete,
 * csum_diff, adjust, xdp_bytes, update_lock, skb_bytes, ld_abs, ld_neg,
 * cb_store, stack_var) while a known bug in them would flood the run. --check-gen
 * also runs dt_clean() on every generated program: the generator's
 * invariants. On a mismatch the program is minimized (dt_minimize()); the
 * first of each class is printed and, with --save, written to DIR as a
 * regression file (harness.c), marked known; the others are counted. A
 * program with stack arrays at a variable index (dgen.h's stack_var),
 * which dt_clean() and so dt_minimize() do not follow, is checked by
 * --check-gen as its DG_VIEW_FIXED twin and saved whole on a mismatch;
 * the report counts such programs apart ("with stack_var").
 *
 * Verdicts are compared too: the kernel accepts and bpfvm refuses is a
 * precision gap (counted by bpfvm's message, the first few printed); bpfvm
 * accepts and the kernel refuses may be a soundness bug: always printed.
 *
 * Exit: 0 when nothing differed, 1 on a mismatch or a program bpfvm accepts
 * and the kernel refuses, 77 when the kernel is not available (after
 * saying why). --replay without the kernel compares the interpreter with
 * the JIT only.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "difftest.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct stats {
	uint64_t generated, kernel_ok, bpfvm_ok, jit_ok, compared, runs, mismatches;
	uint64_t gaps, unsound, both_refuse, jit_refused, kernel_run_err, unclean;
	/* by enum dt_type */
	uint64_t t_generated[2], t_compared[2], t_mismatches[2], t_gaps[2];
	/* programs with stack arrays at a variable index (dgen.h's stack_var) */
	uint64_t var_generated, var_kernel_refused, var_compared, var_mismatches, var_gaps;
};

static const char *const type_names[] = { "xdp", "socket", "mixed" };
#define TYPE_MIXED 2

/* The type of program seed in a mixed run: half each, from the seed
 * alone, so that `--seed S --count 1 --type T` makes the same program. */
static enum dt_type mixed_type(uint64_t seed)
{
	return (seed * 0x9e3779b97f4a7c15ull) >> 63 ? DT_SOCKET : DT_XDP;
}

/* Messages counted by class (the text without its numbers). */
struct tally {
	char text[DT_MSG];
	uint64_t count;
	uint64_t seed; /* the first program that gave it */
};
#define MAX_TALLY 64

static void tally_add(struct tally *t, const char *msg, uint64_t seed)
{
	char key[DT_MSG];
	size_t k = 0;
	for (const char *p = msg; *p && k + 1 < sizeof(key); p++) {
		if (*p >= '0' && *p <= '9') {
			if (k == 0 || key[k - 1] != 'N')
				key[k++] = 'N';
		} else {
			key[k++] = *p;
		}
	}
	key[k] = 0;
	for (int i = 0; i < MAX_TALLY; i++) {
		if (!t[i].count) {
			snprintf(t[i].text, sizeof(t[i].text), "%s", key);
			t[i].count = 1;
			t[i].seed = seed;
			return;
		}
		if (!strcmp(t[i].text, key)) {
			t[i].count++;
			return;
		}
	}
}

static void tally_print(const char *title, const struct tally *t)
{
	if (!t[0].count)
		return;
	printf("%s:\n", title);
	for (int i = 0; i < MAX_TALLY && t[i].count; i++)
		printf("  %8" PRIu64 "  %s (first: seed %#" PRIx64 ")\n", t[i].count, t[i].text,
		       t[i].seed);
}

static struct tally gap_tally[MAX_TALLY], krefuse_tally[MAX_TALLY];

static void report(const struct stats *st, double t0, const char *tag)
{
	double dt = now_s() - t0;
	printf("%s %.0f s: %" PRIu64 " programs (%.0f/s), kernel accepted %" PRIu64
	       ", bpfvm accepted %" PRIu64 " (jit %" PRIu64 "), compared %" PRIu64 " (%" PRIu64
	       " runs), mismatches %" PRIu64 ", precision gaps %" PRIu64
	       ", bpfvm-only accepts %" PRIu64 ", both refuse %" PRIu64 "\n",
	       tag, dt, st->generated, dt > 0 ? (double)st->generated / dt : 0.0, st->kernel_ok,
	       st->bpfvm_ok, st->jit_ok, st->compared, st->runs, st->mismatches, st->gaps,
	       st->unsound, st->both_refuse);
	for (int t = 0; t < 2; t++)
		if (st->t_generated[t])
			printf("  %-6s %" PRIu64 " programs, compared %" PRIu64 ", mismatches %" PRIu64
			       ", precision gaps %" PRIu64 "\n",
			       type_names[t], st->t_generated[t], st->t_compared[t],
			       st->t_mismatches[t], st->t_gaps[t]);
	if (st->var_generated)
		printf("  with stack_var %" PRIu64 " programs, kernel refused %" PRIu64 ", compared %" PRIu64
		       ", mismatches %" PRIu64 ", precision gaps %" PRIu64 "\n",
		       st->var_generated, st->var_kernel_refused, st->var_compared, st->var_mismatches,
		       st->var_gaps);
	fflush(stdout);
}

/* Mismatch classes seen in this run (dt_minimize()), with the first seed. */
static struct {
	long cls;
	uint64_t seed;
	uint64_t count;
} classes[256];
static int nclasses;

/* Minimize, then print and save the first of each class. */
static void on_mismatch(struct dt_env *env, struct dt_case *tc, const char *dir)
{
	size_t n0 = tc->n;
	long cls = dt_minimize(env, tc);
	if (cls < 0 && dt_clean(tc->insns, tc->n, tc->type == DT_SOCKET, NULL, NULL)) {
		printf("  it does not reproduce, or its results hang on addresses: not minimized\n");
		return;
	}
	bool whole = cls < 0;
	if (whole) {
		/* dt_minimize() takes only what dt_clean() follows, and it does
		 * not follow stack pointers at a variable offset (dgen.h's
		 * stack_var): such a program is kept whole, if it differs again,
		 * each one (without a class, nothing says two are one bug) */
		struct dt_outcome o;
		dt_case_check(env, tc, &o);
		bool again = o.diff != 0;
		dt_outcome_close(&o);
		if (!again) {
			printf("  it does not reproduce: not saved\n");
			return;
		}
		printf("  not minimized: dt_clean() does not follow its variable stack offsets\n");
	}
	for (int i = 0; i < nclasses && !whole; i++)
		if (classes[i].cls == cls) {
			classes[i].count++;
			printf("  minimized to %zu slots: class %#lx, as seed %#" PRIx64 " (not saved)\n",
			       tc->n, cls, classes[i].seed);
			return;
		}
	if (!whole && nclasses < (int)(sizeof(classes) / sizeof(classes[0]))) {
		classes[nclasses].cls = cls;
		classes[nclasses].seed = tc->seed;
		classes[nclasses].count = 1;
		nclasses++;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return;
	dt_regression_write(env, tc, n0, f);
	fclose(f);
	if (whole)
		printf("  kept whole (%zu slots):\n%s", tc->n, text);
	else
		printf("  minimized (%zu -> %zu slots), class %#lx:\n%s", n0, tc->n, cls, text);
	if (dir) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/seed-%016" PRIx64 ".txt", dir, tc->seed);
		FILE *out = fopen(path, "w");
		if (out) {
			fputs(text, out);
			fclose(out);
			printf("  saved as %s\n", path);
		} else {
			printf("  cannot write %s: %s\n", path, strerror(errno));
		}
	}
	free(text);
}

#define N_LEAVE (sizeof(dg_leave_out_names) / sizeof(dg_leave_out_names[0]))

/* Whether program tc has stack arrays at a variable index (dgen.h's
 * stack_var): it differs from its DG_VIEW_FIXED twin, made into *view
 * (the same program with those indexes 0, slot for slot). */
static bool has_stack_var(const struct dt_case *tc, unsigned feat, unsigned nohelp, int npkt,
			  struct dt_case *view)
{
	if (nohelp & DG_HB_STACKVAR ||
	    !dt_case_make(view, tc->seed, tc->type, feat, nohelp | DG_VIEW_FIXED, npkt))
		return false;
	return view->n != tc->n || memcmp(view->insns, tc->insns, tc->n * sizeof(tc->insns[0]));
}

/* The generator's invariants (dt_clean()). dt_clean() does not follow
 * stack pointers at a variable offset: a program with stack_var is
 * checked as its view, where every other invariant still shows. */
static bool gen_clean(const struct dt_case *tc, bool var, const struct dt_case *view,
		      long *bad_pc, int *rule)
{
	bool skb = tc->type == DT_SOCKET;
	if (!var)
		return dt_clean(tc->insns, tc->n, skb, bad_pc, rule);
	return view->n == tc->n && dt_clean(view->insns, view->n, skb, bad_pc, rule);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: difftest [--seed S|time] [--count N] [--seconds T|--hours H]\n"
		"                [--type xdp|socket|mixed] [--report SECS] [--save DIR]\n"
		"                [--packets K] [--leave-out LIST] [--check-gen] [--dump] [--quiet]\n"
		"       difftest --replay FILE|DIR...\n");
}

int main(int argc, char **argv)
{
	uint64_t seed = 1, count = 0;
	double seconds = 0, every = 0;
	const char *save = NULL;
	int npkt = 2;
	int type_opt = TYPE_MIXED;
	unsigned nohelp = 0;
	bool dump = false, quiet = false, replay = false, check_gen = false;
	int first_file = argc;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--replay")) {
			replay = true;
			first_file = i + 1;
			break;
		} else if (!strcmp(a, "--dump")) {
			dump = true;
		} else if (!strcmp(a, "--quiet")) {
			quiet = true;
		} else if (!strcmp(a, "--check-gen")) {
			check_gen = true;

		} else if (!v) {
			usage();
			return 2;
		} else if (!strcmp(a, "--seed")) {
			seed = !strcmp(v, "time") ? (uint64_t)time(NULL) * 1000003u
						  : strtoull(v, NULL, 0);
			i++;
		} else if (!strcmp(a, "--count")) {
			count = strtoull(v, NULL, 0), i++;
		} else if (!strcmp(a, "--seconds")) {
			seconds = strtod(v, NULL), i++;
		} else if (!strcmp(a, "--hours")) {
			seconds = strtod(v, NULL) * 3600, i++;
		} else if (!strcmp(a, "--type")) {
			type_opt = 0;
			while (type_opt <= TYPE_MIXED && strcmp(v, type_names[type_opt]))
				type_opt++;
			if (type_opt > TYPE_MIXED) {
				usage();
				return 2;
			}
			i++;
		} else if (!strcmp(a, "--report")) {
			every = strtod(v, NULL), i++;
		} else if (!strcmp(a, "--save")) {
			save = v, i++;
		} else if (!strcmp(a, "--leave-out")) {
			char list[256];
			snprintf(list, sizeof(list), "%s", v);
			for (char *t = strtok(list, ","); t; t = strtok(NULL, ",")) {
				unsigned b = 0;
				while (b < N_LEAVE && strcmp(t, dg_leave_out_names[b]))
					b++;
				if (b == N_LEAVE) {
					fprintf(stderr, "difftest: --leave-out takes a list of:");
					for (b = 0; b < N_LEAVE; b++)
						fprintf(stderr, " %s", dg_leave_out_names[b]);
					fprintf(stderr, "\n");
					return 2;
				}
				nohelp |= 1u << b;
			}
			i++;
		} else if (!strcmp(a, "--packets")) {
			npkt = atoi(v), i++;
			if (npkt < 1 || npkt > DT_NPKT) {
				usage();
				return 2;
			}
		} else {
			usage();
			return 2;
		}
	}

	struct dt_env env;
	bool kernel = dt_kernel_available();
	if (dt_env_init(&env, kernel) < 0) {
		fprintf(stderr, "difftest: cannot set up the maps\n");
		return 1;
	}
	if (replay) {
		int rc = dt_replay(&env, argv + first_file, argc - first_file);
		dt_env_fini(&env);
		return rc;
	}
	if (!kernel) {
		dt_env_fini(&env);
		return DT_SKIP;
	}
	if (!count && !seconds)
		count = 1000;
	printf("difftest: seed %#" PRIx64 ", %s%" PRIu64 " %s programs%s, %d packets each; "
	       "kernel features %#x%s\n",
	       seed, count ? "" : "up to ", count ? count : UINT64_MAX, type_names[type_opt],
	       seconds ? " (timed)" : "", npkt, env.feat, nohelp ? "; some helpers left out" : "");

	static struct dt_case tc, view;
	char gen_args[128] = "";
	for (unsigned b = 0; b < N_LEAVE; b++)
		if (nohelp & 1u << b)
			snprintf(gen_args + strlen(gen_args), sizeof(gen_args) - strlen(gen_args),
				 "%s%s", gen_args[0] ? "," : " --leave-out ", dg_leave_out_names[b]);
	if (npkt != 2)
		snprintf(gen_args + strlen(gen_args), sizeof(gen_args) - strlen(gen_args),
			 " --packets %d", npkt);
	struct stats st = { 0 };
	double t0 = now_s(), last = t0;
	int printed_gaps = 0;
	for (uint64_t i = 0; !count || i < count; i++) {
		if (seconds && now_s() - t0 >= seconds)
			break;
		if (every && now_s() - last >= every) {
			report(&st, t0, "progress");
			last = now_s();
		}
		uint64_t pseed = seed + i;
		enum dt_type type = type_opt == TYPE_MIXED ? mixed_type(pseed) : (enum dt_type)type_opt;
		if (!dt_case_make(&tc, pseed, type, env.feat, nohelp, npkt))
			continue;
		snprintf(tc.gen_args, sizeof(tc.gen_args), " --type %s%s", type_names[type], gen_args);
		st.generated++;
		st.t_generated[type]++;
		if (dump)
			dt_case_print(&tc, stdout);
		bool var = has_stack_var(&tc, env.feat, nohelp, npkt, &view);
		st.var_generated += var;
		long bad_pc;
		int rule;
		if (check_gen && !gen_clean(&tc, var, &view, &bad_pc, &rule)) {
			/* the generator broke one of its invariants (dgen.h) */
			if (st.unclean++ < 3) {
				printf("UNCLEAN seed %#" PRIx64 ": the generator leaks an address or "
				       "uninitialised stack at slot %ld (clean.c:%d):\n", pseed, bad_pc,
				       rule);
				dt_case_print(&tc, stdout);
			}
		}

		struct dt_outcome o;
		dt_case_check(&env, &tc, &o);
		if (o.kernel_fd < 0) {
			if (o.bpfvm_ok) {
				st.unsound++;
				printf("BPFVM-ONLY seed %#" PRIx64 ": bpfvm accepts what the kernel refuses: "
				       "%s\n",
				       pseed, o.kernel_msg);
				dt_case_print(&tc, stdout);
			} else {
				st.both_refuse++;
			}
			tally_add(krefuse_tally, o.kernel_msg, pseed);
			st.var_kernel_refused += var;
			continue;
		}
		st.kernel_ok++;
		if (!o.bpfvm_ok) {
			st.gaps++;
			st.t_gaps[type]++;
			st.var_gaps += var;
			tally_add(gap_tally, o.bpfvm_msg, pseed);
			if (printed_gaps++ < 3 && !quiet)
				printf("GAP seed %#" PRIx64 ": the kernel accepts, bpfvm refuses: %s\n",
				       pseed, o.bpfvm_msg);
			dt_outcome_close(&o);
			continue;
		}
		st.bpfvm_ok++;
		if (!o.jit_ok) {
			st.jit_refused++;
			printf("JIT seed %#" PRIx64 ": the interpreter's load works, the JIT's fails: "
			       "%s\n", pseed, o.jit_msg);
		} else {
			st.jit_ok++;
		}
		st.compared++;
		st.t_compared[type]++;
		st.var_compared += var;
		st.runs += (uint64_t)o.runs;
		st.kernel_run_err += (uint64_t)o.kernel_run_err;
		if (o.diff) {
			st.mismatches++;
			st.t_mismatches[type]++;
			st.var_mismatches += var;
			printf("MISMATCH seed %#" PRIx64 ":\n%s", pseed, o.report);
			dt_outcome_close(&o);
			on_mismatch(&env, &tc, save);
			continue;
		}
		dt_outcome_close(&o);
	}
	report(&st, t0, "difftest: done in");
	if (nclasses) {
		printf("mismatch classes (engines | place << 4 | helpers << 12, or engines | 1 << 11 | "
		       "errno << 12 | bpfvm's errno << 24; | 1 << 40 for socket filters; see "
		       "dt_minimize()):\n");
		for (int c = 0; c < nclasses; c++)
			printf("  %#8lx  %6" PRIu64 " mismatches, first: seed %#" PRIx64 "\n",
			       classes[c].cls, classes[c].count, classes[c].seed);
	}
	tally_print("precision gaps by bpfvm's message", gap_tally);
	if (!quiet)
		tally_print("kernel refusals by the kernel's message", krefuse_tally);
	if (st.unclean)
		printf("generated programs the leak check refuses: %" PRIu64 "\n", st.unclean);
	if (st.kernel_run_err)
		printf("kernel test runs that failed: %" PRIu64 "\n", st.kernel_run_err);
	dt_env_fini(&env);
	return st.mismatches || st.unsound || st.unclean ? 1 : 0;
}
