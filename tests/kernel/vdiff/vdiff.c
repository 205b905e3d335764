/*
 * vdiff.c - the verdict differential: programs near the verifier's safety
 * boundaries (vdgen.h), loaded into the running kernel's verifier and
 * into bpfvm's, and the verdicts compared.
 *
 *   both accept      and then bpfvm's checked interpreter runs it on three
 *                    packets: a fault is a bpfvm verifier bug
 *   both refuse
 *   bpfvm only       bpfvm accepts what the kernel refuses: a soundness
 *                    case (the run fails), unless it is Linux 6.18's own
 *                    atomic-fetch precision bug (counted apart)
 *   kernel only      a precision gap: counted by class (classify.c)
 *
 *   vdiff [--seed S|time] [--count N] [--seconds T|--hours H]
 *         [--type xdp|socket|mixed] [--report SECS] [--save DIR]
 *         [--replay-dir DIR] [--no-run] [--dump] [--quiet]
 *   vdiff --replay FILE|DIR...
 *
 * Program i of a batch has seed S + i (with --type mixed, every fifth is a
 * socket filter); `--seed S+i --count 1 --dump` shows it again. With
 * --save, the first program of each mismatch class is minimized and
 * written to DIR (findings/). --replay-dir first replays the regression
 * files of DIR: bpfvm must refuse each, or accept those marked `#! expect
 * accept` and run them without a fault (no kernel needed). Prints the
 * agreement matrix, by scenario for the programs that have one, the
 * classes, and programs/s.
 *
 * Exit: 0; 1 on a soundness case, a fault in a checked run or a
 * regression bpfvm accepts; 77 when the kernel is not available (after
 * the replay and saying why).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../kernel_files.h"
#include "vdiff.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const char *const verdict_names[VDF__COUNT] = {
	"both accept", "both refuse", "kernel only (gap)", "bpfvm only (UNSOUND)",
};

/* Counts by class name, with the first program of each. */
struct tally {
	const char *cls;
	uint64_t count, seed;
	char msg[VDF_MSG];
	char other[VDF_MSG]; /* the other verifier's verdict */
};
#define MAX_TALLY 64

static struct tally *tally_add(struct tally *t, const char *cls, uint64_t seed, const char *msg,
			       const char *other, bool *first)
{
	*first = false;
	for (int i = 0; i < MAX_TALLY; i++) {
		if (!t[i].count) {
			t[i].cls = cls;
			t[i].count = 1;
			t[i].seed = seed;
			snprintf(t[i].msg, sizeof(t[i].msg), "%s", msg);
			snprintf(t[i].other, sizeof(t[i].other), "%s", other);
			*first = true;
			return &t[i];
		}
		if (!strcmp(t[i].cls, cls)) {
			t[i].count++;
			return &t[i];
		}
	}
	return NULL;
}

static void tally_print(const char *title, const struct tally *t)
{
	if (!t[0].count)
		return;
	printf("%s:\n", title);
	for (int i = 0; i < MAX_TALLY && t[i].count; i++)
		printf("  %8" PRIu64 "  %-16s first: seed %#" PRIx64 ": %s\n", t[i].count, t[i].cls,
		       t[i].seed, t[i].msg);
}

static struct tally gaps[MAX_TALLY], unsound[MAX_TALLY], kbug[MAX_TALLY], faults[MAX_TALLY],
	divergent[MAX_TALLY];

struct stats {
	uint64_t programs, verdicts[VDF__COUNT], kernel_other, runs_faulted, kernel_bug, not_safety;
	uint64_t by_scn[VS__COUNT][VDF__COUNT];
	uint64_t by_type[2][VDF__COUNT];
};

static void report(const struct stats *st, double t0, const char *tag)
{
	double dt = now_s() - t0;
	printf("%s %.0f s: %" PRIu64 " programs (%.0f/s): both accept %" PRIu64 ", both refuse %" PRIu64
	       ", gaps %" PRIu64 ", unsound %" PRIu64 ", not safety %" PRIu64 ", kernel bug %" PRIu64
	       ", run faults %" PRIu64 "\n",
	       tag, dt, st->programs, dt > 0 ? (double)st->programs / dt : 0.0,
	       st->verdicts[VDF_BOTH_ACCEPT], st->verdicts[VDF_BOTH_REFUSE], st->verdicts[VDF_GAP],
	       st->verdicts[VDF_UNSOUND], st->not_safety, st->kernel_bug, st->runs_faulted);
	fflush(stdout);
}

static void matrix_print(const struct stats *st)
{
	printf("agreement matrix (%" PRIu64 " programs):\n", st->programs);
	printf("  %-22s %10s %10s %10s\n", "", "all", "xdp", "socket");
	for (int c = 0; c < VDF__COUNT; c++)
		printf("  %-22s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n", verdict_names[c],
		       st->verdicts[c], st->by_type[0][c], st->by_type[1][c]);
	printf("  %-22s %10" PRIu64 "   (bpfvm only, for no safety reason: see below)\n",
	       "bpfvm only (no safety)", st->not_safety);
	printf("  %-22s %10" PRIu64 "   (kernel only, by Linux 6.18's atomic-fetch bug)\n",
	       "kernel only (its bug)", st->kernel_bug);
	printf("by scenario (programs with that one scenario only):\n");
	printf("  %-12s %10s %10s %10s %10s\n", "", "both acc", "both ref", "gap", "unsound");
	for (int s = 0; s < VS__COUNT; s++)
		printf("  %-12s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n",
		       vd_scn_names[s], st->by_scn[s][0], st->by_scn[s][1], st->by_scn[s][2],
		       st->by_scn[s][3]);
}

/* Minimize tc and write it to dir/<kind>-<class>-<seed>.txt. */
static void save_case(struct vdf_env *env, struct vdf_case *tc, int cls, const char *name,
		      const char *kind, const char *dir)
{
	size_t n0 = tc->n;
	if (cls == VDF_GAP || cls == VDF_UNSOUND)
		vdf_minimize(env, tc, cls, name);
	struct vdf_verdict v;
	vdf_check(env, tc, false, &v);
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s-%s-%016" PRIx64 ".txt", dir, kind, name, tc->seed);
	FILE *f = fopen(path, "w");
	if (!f) {
		printf("  cannot write %s: %s\n", path, strerror(errno));
		return;
	}
	fprintf(f, "# vdiff: `vdiff --seed %#" PRIx64 " --count 1 --type %s` (minimized from %zu "
		   "to %zu slots)\n",
		tc->seed, tc->type == VD_XDP ? "xdp" : "socket", n0, tc->n);
	vdf_case_write(tc, &v, name, f);
	fclose(f);
	printf("  saved %s (%zu -> %zu slots)\n", path, n0, tc->n);
}

static void dump(const struct vdf_case *tc, const struct vdf_verdict *v)
{
	vdf_case_write(tc, v, NULL, stdout);
}

/* ------------------------------------------------------------------ */
/* Replay                                                              */

static int replay_one(struct vdf_env *env, const char *path, int *fails)
{
	static struct vdf_case tc;
	char why[VDF_MSG];
	if (vdf_case_read(path, &tc, why, sizeof(why))) {
		printf("FAIL %s: cannot read it: %s\n", path, why);
		(*fails)++;
		return 1;
	}
	struct vdf_verdict v;
	vdf_check(env, &tc, true, &v);
	const char *k = env->kernel ? (v.kernel_ok ? "accepts" : v.kernel_msg) : "not here";
	if (v.bpfvm_ok != tc.expect_accept) {
		printf("FAIL %s: bpfvm %s it: %s (the kernel: %s)\n", path,
		       v.bpfvm_ok ? "accepts" : "refuses", v.bpfvm_ok ? "it must refuse it" : v.bpfvm_msg,
		       k);
		(*fails)++;
	} else if (v.run_faults) {
		printf("FAIL %s: bpfvm accepts it, and its checked run faults: %s\n", path, v.run_msg);
		(*fails)++;
	} else {
		printf("ok   %s: bpfvm %s%s (the kernel: %s)\n", path,
		       v.bpfvm_ok ? "accepts" : "refuses: ", v.bpfvm_ok ? "" : v.bpfvm_msg, k);
	}
	return 1;
}

static int replay(struct vdf_env *env, char **paths, int n)
{
	int fails = 0, files = 0;
	for (int i = 0; i < n; i++) {
		char **names;
		size_t cnt;
		if (kernel_txt_files(paths[i], &names, &cnt)) {
			files += replay_one(env, paths[i], &fails);
			continue;
		}
		for (size_t k = 0; k < cnt; k++) {
			files += replay_one(env, names[k], &fails);
			free(names[k]);
		}
		free(names);
	}
	printf("vdiff replay: %d files, %d with the wrong verdict (or a fault)\n", files, fails);
	return fails ? 1 : 0;
}

/* ------------------------------------------------------------------ */

static void usage(void)
{
	fprintf(stderr,
		"usage: vdiff [--seed S|time] [--count N] [--seconds T|--hours H]\n"
		"             [--type xdp|socket|mixed] [--report SECS] [--save DIR]\n"
		"             [--replay-dir DIR] [--no-run] [--dump] [--quiet]\n"
		"       vdiff --replay FILE|DIR...\n");
}

static uint32_t type_of(uint64_t seed, int mode)
{
	if (mode)
		return mode == 1 ? VD_XDP : VD_SOCKET;
	return seed % 5 == 4 ? VD_SOCKET : VD_XDP;
}

int main(int argc, char **argv)
{
	uint64_t seed = 1, count = 0;
	double seconds = 0, every = 0;
	const char *save = NULL, *replay_dir = NULL;
	bool dumpit = false, quiet = false, run = true;
	int mode = 0, first_file = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--replay")) {
			first_file = i + 1;
			break;
		} else if (!strcmp(a, "--dump")) {
			dumpit = true;
		} else if (!strcmp(a, "--quiet")) {
			quiet = true;
		} else if (!strcmp(a, "--no-run")) {
			run = false;
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
		} else if (!strcmp(a, "--report")) {
			every = strtod(v, NULL), i++;
		} else if (!strcmp(a, "--save")) {
			save = v, i++;
		} else if (!strcmp(a, "--replay-dir")) {
			replay_dir = v, i++;
		} else if (!strcmp(a, "--type")) {
			mode = !strcmp(v, "xdp") ? 1 : !strcmp(v, "socket") ? 2 : 0;
			if (!mode && strcmp(v, "mixed")) {
				usage();
				return 2;
			}
			i++;
		} else {
			usage();
			return 2;
		}
	}

	struct vdf_env env;
	bool kernel = vdf_kernel_available();
	if (vdf_env_init(&env, kernel) < 0) {
		fprintf(stderr, "vdiff: cannot make the maps\n");
		vdf_env_fini(&env);
		return 1;
	}
	int rc = 0;
	if (first_file) {
		rc = replay(&env, argv + first_file, argc - first_file);
		vdf_env_fini(&env);
		return rc;
	}
	if (replay_dir)
		rc = replay(&env, &(char *){ (char *)replay_dir }, 1);
	if (!kernel) {
		vdf_env_fini(&env);
		return rc ? rc : VDF_SKIP;
	}
	if (!count && !seconds)
		count = 1000;
	printf("vdiff: seed %#" PRIx64 ", %s%" PRIu64 " programs%s, type %s\n", seed,
	       count ? "" : "up to ", count ? count : UINT64_MAX, seconds ? " (timed)" : "",
	       mode == 1 ? "xdp" : mode == 2 ? "socket" : "mixed (1 in 5 socket filters)");

	static struct vdf_case tc;
	struct stats st = { 0 };
	double t0 = now_s(), last = t0;
	for (uint64_t i = 0; !count || i < count; i++) {
		if (seconds && now_s() - t0 >= seconds)
			break;
		if (every && now_s() - last >= every) {
			report(&st, t0, "progress");
			last = now_s();
		}
		uint64_t pseed = seed + i;
		uint32_t type = type_of(pseed, mode);
		if (!vdf_case_make(&tc, pseed, type))
			continue;
		struct vdf_verdict v;
		int c = vdf_check(&env, &tc, run, &v);
		if (dumpit) {
			printf("# %s\n", verdict_names[c]);
			dump(&tc, &v);
		}
		if (!v.kernel_ok && v.kernel_errno != EACCES && v.kernel_errno != EINVAL) {
			/* refused before or beside its verifier (E2BIG, ENOMEM, ...) */
			st.kernel_other++;
			if (st.kernel_other <= 3)
				printf("KERNEL-OTHER seed %#" PRIx64 ": %s: %s\n", pseed,
				       v.kernel_errno == 524 ? "ENOTSUPP" : strerror(v.kernel_errno),
				       v.kernel_msg);
			continue;
		}
		st.programs++;
		bool first;
		const char *gcls = c == VDF_GAP ? vdf_class_bpfvm(v.bpfvm_msg) : "";
		if (c == VDF_GAP && strcmp(gcls, "atomic") && strcmp(gcls, "spill") &&
		    strcmp(gcls, "uninit-stack") && vdf_kernel_atomic_bug(&env, &tc)) {
			/* the kernel is wrong: not a gap of bpfvm's */
			st.kernel_bug++;
			tally_add(kbug, "atomic-fetch", pseed, v.bpfvm_msg, "", &first);
			if (first && save)
				save_case(&env, &tc, VDF__COUNT, "atomic-fetch", "kernel-bug", save);
			continue;
		}
		const char *why = c == VDF_UNSOUND ? vdf_not_safety(&env, &tc, &v) : NULL;
		if (why) {
			st.not_safety++;
			tally_add(divergent, why, pseed, v.kernel_msg, "", &first);
			if (first && save)
				save_case(&env, &tc, VDF__COUNT, why, "divergence", save);
			continue;
		}
		st.verdicts[c]++;
		st.by_type[type == VD_XDP ? 0 : 1][c]++;
		if (tc.scn_mask && !(tc.scn_mask & (tc.scn_mask - 1)))
			st.by_scn[tc.first][c]++;
		if (c == VDF_GAP) {
			const char *cls = vdf_class_bpfvm(v.bpfvm_msg);
			tally_add(gaps, cls, pseed, v.bpfvm_msg, "", &first);
			if (first && save)
				save_case(&env, &tc, c, cls, "gap", save);
		} else if (c == VDF_UNSOUND) {
			const char *cls = vdf_class_kernel(v.kernel_msg);
			tally_add(unsound, cls, pseed, v.kernel_msg, "", &first);
			printf("UNSOUND seed %#" PRIx64 " (%s): bpfvm accepts what the kernel refuses: "
			       "%s\n",
			       pseed, cls, v.kernel_msg);
			if (first && !quiet)
				dump(&tc, &v);
			if (first && save)
				save_case(&env, &tc, c, cls, "unsound", save);
		} else if (c == VDF_BOTH_ACCEPT && v.run_faults) {
			st.runs_faulted++;
			tally_add(faults, "run-fault", pseed, v.run_msg, "", &first);
			printf("RUN-FAULT seed %#" PRIx64 ": both accept, bpfvm's checked run faults: "
			       "%s\n",
			       pseed, v.run_msg);
			if (first && !quiet)
				dump(&tc, &v);
			if (first && save)
				save_case(&env, &tc, c, "run-fault", "fault", save);
		}
	}
	report(&st, t0, "vdiff: done in");
	matrix_print(&st);
	tally_print("precision gaps (kernel accepts, bpfvm refuses) by bpfvm's message", gaps);
	tally_print("SOUNDNESS (bpfvm accepts, the kernel refuses) by the kernel's message", unsound);
	tally_print("bpfvm accepts, the kernel refuses, for no safety reason: bpfvm's own rules, or "
		    "its better precision (shown by rewrites; `sampled`: by checked runs only)",
		    divergent);
	tally_print("the kernel's own bug (Linux 6.18 atomic fetch from the stack)", kbug);
	tally_print("faults in bpfvm's checked runs of programs both accept", faults);
	if (st.kernel_other)
		printf("refused outside the kernel's verifier (not compared): %" PRIu64 "\n",
		       st.kernel_other);
	vdf_env_fini(&env);
	return rc || st.verdicts[VDF_UNSOUND] || st.runs_faulted ? 1 : 0;
}
