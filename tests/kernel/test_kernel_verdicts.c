/*
 * test_kernel_verdicts.c - the kernel's verifier as the judge of bpfvm's:
 * every program of the given objects (and of Debian's libxdp objects) is
 * loaded on its own into the kernel through libbpf and into bpfvm with the
 * verifier, and the verdicts are compared.
 *
 *   both accept, both refuse           agreement
 *   bpfvm refuses, the kernel accepts  a precision gap: listed, counted
 *   bpfvm accepts, the kernel refuses  a soundness bug when the kernel's
 *                                      verifier refused it (EACCES, EINVAL):
 *                                      the test fails
 *
 * A program the kernel cannot load for reasons outside its verifier (a
 * program type or attach target it does not offer: ENOTSUPP, ESRCH,
 * ENOENT; libbpf refusing the object) and objects bpfvm cannot open are
 * listed apart. Prints the agreement matrix.
 *
 * Needs root and a working bpf(); skips (exit 77) with a message when the
 * kernel is not available, never fails for that reason.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfvm.h"
#include "kernel_probe.h"


static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level, (void)fmt, (void)ap;
	return 0;
}

struct tally {
	int both_accept, both_refuse, gap, unsound, kernel_other, bpfvm_cannot_open;
};

/* The kernel verifier's log of the last refusal (its last line). */
static char klog[1 << 20];

/* One load of prog alone (pinning off: libxdp's objects pin maps), with
 * the verifier's log in klog when log is set. */
static int kernel_load(const char *path, const char *prog, bool log)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return -errno ? -errno : -EINVAL;
	struct bpf_map *m;
	bpf_object__for_each_map(m, obj)
		bpf_map__set_pin_path(m, NULL);
	struct bpf_program *p;
	bpf_object__for_each_program(p, obj) {
		bool mine = !strcmp(bpf_program__name(p), prog);
		bpf_program__set_autoload(p, mine);
		if (mine && log) {
			klog[0] = 0;
			bpf_program__set_log_buf(p, klog, sizeof(klog));
			bpf_program__set_log_level(p, 1);
		}
	}
	int rc = bpf_object__load(obj);
	bpf_object__close(obj);
	return rc < 0 ? rc : 0;
}

/* 0 accepted; 1 refused by the kernel's verifier (klog holds why); or the
 * negative errno of a load that failed before the verifier had a say
 * (libbpf, map creation, a type the kernel does not offer). */
static int kernel_verdict(const char *path, const char *prog)
{
	klog[0] = 0;
	if (!kernel_load(path, prog, false))
		return 0;
	/* again with the log: the verifier refused it when it wrote why */
	int rc = kernel_load(path, prog, true);
	return rc && klog[0] && (rc == -EACCES || rc == -EINVAL || rc == -E2BIG) ? 1 : rc;
}

/* The verifier's reason (kernel_probe.h), for one message at a time. */
static const char *last_line(const char *log)
{
	static char line[256];
	kernel_log_reason(log, line, sizeof(line));
	return line;
}

/* 0 accepted, 1 refused (err filled), -1 cannot open (err filled). */
static int bpfvm_verdict(const char *path, const char *prog, struct bpfvm_error *err)
{
	struct bpfvm_vm *vm = bpfvm_vm__new(NULL);
	BPFVM_OPTS(bpfvm_object_opts, oo);
	struct bpfvm_object *obj = vm ? bpfvm_object__open_file(vm, path, &oo, err) : NULL;
	int rc = -1;
	if (obj) {
		for (size_t i = 0; i < bpfvm_object__prog_cnt(obj); i++)
			bpfvm_object__set_autoload(obj, bpfvm_object__prog_name(obj, i),
						   !strcmp(bpfvm_object__prog_name(obj, i), prog));
		rc = bpfvm_object__load(obj, err) ? 1 : 0;
	}
	bpfvm_object__close(obj);
	bpfvm_vm__free(vm);
	return rc;
}

static void one_object(const char *path, struct tally *t)
{
	struct bpfvm_error err;
	struct bpfvm_vm *vm = bpfvm_vm__new(NULL);
	struct bpfvm_object *obj = vm ? bpfvm_object__open_file(vm, path, NULL, &err) : NULL;
	if (!obj) {
		printf("  %s: bpfvm cannot open it: %s\n", path, err.msg);
		t->bpfvm_cannot_open++;
		bpfvm_vm__free(vm);
		return;
	}
	for (size_t i = 0; i < bpfvm_object__prog_cnt(obj); i++) {
		const char *name = bpfvm_object__prog_name(obj, i);
		int k = kernel_verdict(path, name);
		int b = bpfvm_verdict(path, name, &err);
		const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		if (k < 0) {
			printf("  %s %s: the kernel cannot load it (%s) before its verifier "
			       "runs, not a verdict\n",
			       base, name, strerror(-k));
			t->kernel_other++;
		} else if (!k && !b) {
			t->both_accept++;
		} else if (k && b) {
			printf("  %s %s: both refuse: the kernel: %s\n      bpfvm: %s\n", base, name,
			       last_line(klog), err.msg);
			t->both_refuse++;
		} else if (!k) {
			printf("  %s %s: GAP: the kernel accepts, bpfvm refuses: %s\n", base, name,
			       err.msg);
			t->gap++;
		} else {
			printf("  %s %s: UNSOUND: bpfvm accepts what the kernel's verifier refuses: "
			       "%s\n",
			       base, name, last_line(klog));
			t->unsound++;
		}
	}
	bpfvm_object__close(obj);
	bpfvm_vm__free(vm);
}

int main(int argc, char **argv)
{
	libbpf_set_print(silent);
	if (!kernel_available())
		return SKIP;

	struct tally t = { 0 };
	for (int i = 1; i < argc; i++)
		one_object(argv[i], &t);
	glob_t g;
	if (!glob("/usr/lib/*/bpf/*.o", 0, NULL, &g)) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			one_object(g.gl_pathv[i], &t);
		globfree(&g);
	}
	int total = t.both_accept + t.both_refuse + t.gap + t.unsound;
	printf("verdicts on %d programs: both accept %d, both refuse %d, kernel only accepts "
	       "(precision gaps) %d, bpfvm only accepts (soundness bugs) %d; not compared: %d "
	       "the kernel cannot load, %d objects bpfvm cannot open\n",
	       total, t.both_accept, t.both_refuse, t.gap, t.unsound, t.kernel_other,
	       t.bpfvm_cannot_open);
	return t.unsound ? 1 : 0;
}
