/*
 * test_libseccomp.c - seccomp policies built with libseccomp, exported with
 * seccomp_export_bpf (raw struct sock_filter bytes), checked with the
 * kernel's seccomp rules and run by bpfvm (cBPF interpreter and translated
 * eBPF) on the calls each rule covers and does not cover. With root, a
 * child installs the same filter and makes the call, and the kernel's
 * action must match bpfvm's (skipped cleanly when the kernel refuses).
 */
#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../unit/check.h"
#include "cbpf/cbpf.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static struct bpfvm_vm *vm;
static const bool sanitized = SANITIZED;
static int kernel_checks, kernel_skipped;

static uint32_t decide(const struct cbpf_insn *p, size_t n, int nr, uint64_t a0, uint64_t a1,
		       uint64_t a2)
{
	struct cbpf_seccomp_data sd = { .nr = nr, .arch = seccomp_arch_native(),
					.instruction_pointer = 0x1000, .args = { a0, a1, a2 } };
	uint32_t want = cbpf_run(p, n, CBPF_SECCOMP, (const uint8_t *)&sd, sizeof(sd), NULL);
	/* the same decision from the verified translation, interpreted and JIT'd */
	static const enum cbpf_engine engines[] = { CBPF_ENGINE_INTERP, CBPF_ENGINE_JIT };
	for (size_t i = 0; i < 2; i++) {
		struct bpfvm_error err;
		uint32_t got = 0xdead;
		struct cbpf_filter *f = cbpf_filter_new(vm, p, n, CBPF_SECCOMP, engines[i], false,
							&err);
		if (!f)
			fprintf(stderr, "load (%s): insn %ld: %s\n", cbpf_engine_name(engines[i]),
				err.insn, err.msg);
		CHECK(f);
		CHECK(cbpf_filter_engine(f) == engines[i]);
		CHECK(bpfvm_prog__verified(cbpf_filter_prog(f), NULL));
		CHECK(cbpf_filter_run_seccomp(f, &sd, &got, &err) == 0);
		CHECK_EQ_U64(got, want);
		cbpf_filter_free(f);
	}
	return want;
}

static struct cbpf_insn *export(scmp_filter_ctx ctx, size_t *n)
{
	int fd = memfd_create("policy", 0);
	CHECK(fd >= 0);
	CHECK(seccomp_export_bpf(ctx, fd) == 0);
	off_t len = lseek(fd, 0, SEEK_END);
	CHECK(len > 0);
	uint8_t *buf = malloc((size_t)len);
	CHECK(pread(fd, buf, (size_t)len, 0) == len);
	close(fd);
	struct cbpf_insn *p;
	struct bpfvm_error err;
	CHECK(cbpf_parse_any((const char *)buf, (size_t)len, "policy", &p, n, &err) == 0);
	int r = cbpf_check(p, *n, CBPF_SECCOMP, &err);
	if (r)
		fprintf(stderr, "check: insn %ld: %s\n", err.insn, err.msg);
	CHECK(r == 0);
	free(buf);
	return p;
}

/*
 * Install ctx in a child and make the call: returns the kernel's outcome in
 * bpfvm's terms (ALLOW, ERRNO(n), or the SIGSYS of TRAP/KILL), or -1 when
 * the kernel does not let us install a filter.
 */
static long kernel_outcome(scmp_filter_ctx ctx, long nr, long a0, long a1, long a2)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || seccomp_load(ctx))
			_exit(200);
		errno = 0;
		long r = syscall(nr, a0, a1, a2);
		_exit(r < 0 ? (errno & 0x7f) : 0);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 200)
		return -1;
	if (WIFSIGNALED(st))
		return 1000 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

/* What the kernel outcome should be for bpfvm's decision ret. */
static long expected_outcome(uint32_t ret)
{
	switch (ret & 0xffff0000u) {
	case 0x7fff0000u: return 0;
	case 0x00050000u: return ret & 0x7f;
	case 0x00030000u: return 1000 + SIGSYS;
	case 0x80000000u: return 1000 + SIGSYS;
	case 0x00000000u: return 1000 + SIGSYS;
	default: return -2;
	}
}

static void kernel_compare(scmp_filter_ctx ctx, const struct cbpf_insn *p, size_t n, long nr,
			   long a0, long a1, long a2)
{
	/* a sanitizer runtime makes system calls of its own in the child,
	 * which a deny-by-default policy refuses */
	if (geteuid() != 0 || sanitized) {
		kernel_skipped++;
		return;
	}
	long got = kernel_outcome(ctx, nr, a0, a1, a2);
	if (got == -1) {
		kernel_skipped++;
		return;
	}
	uint32_t ret = decide(p, n, (int)nr, (uint64_t)a0, (uint64_t)a1, (uint64_t)a2);
	if (got != expected_outcome(ret))
		fprintf(stderr, "nr %ld: kernel %ld, bpfvm 0x%08x\n", nr, got, ret);
	CHECK(got == expected_outcome(ret));
	kernel_checks++;
}

static void policy_allow_default(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	CHECK(ctx);
	CHECK(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(1), SCMP_SYS(getppid), 0) == 0);
	CHECK(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(77), SCMP_SYS(write), 1,
			       SCMP_A0(SCMP_CMP_EQ, 99, 0)) == 0);
	CHECK(seccomp_rule_add(ctx, SCMP_ACT_TRAP, SCMP_SYS(kill), 1,
			       SCMP_A1(SCMP_CMP_GT, 10, 0)) == 0);
	CHECK(seccomp_rule_add(ctx, SCMP_ACT_TRACE(5), SCMP_SYS(ptrace), 0) == 0);
	CHECK(seccomp_rule_add(ctx, SCMP_ACT_LOG, SCMP_SYS(mkdir), 1,
			       SCMP_A1(SCMP_CMP_MASKED_EQ, 0700, 0700)) == 0);
	CHECK(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(12), SCMP_SYS(mmap), 1,
			       SCMP_A1(SCMP_CMP_GE, 0x100000000ull, 0)) == 0);
	size_t n;
	struct cbpf_insn *p = export(ctx, &n);
	char buf[64];

	/* covered */
	CHECK_EQ_U64(decide(p, n, SCMP_SYS(getppid), 0, 0, 0), 0x00050001);
	CHECK_EQ_U64(decide(p, n, SCMP_SYS(write), 99, 0, 0), 0x0005004d);
	CHECK_EQ_U64(decide(p, n, SCMP_SYS(kill), 1, 11, 0), 0x00030000);
	CHECK_EQ_U64(decide(p, n, SCMP_SYS(ptrace), 0, 0, 0), 0x7ff00005);
	CHECK_EQ_U64(decide(p, n, SCMP_SYS(mkdir), 0, 0755, 0), 0x7ffc0000);
	CHECK_EQ_U64(decide(p, n, SCMP_SYS(mmap), 0, 0x100000000ull, 0), 0x0005000c);
	CHECK_EQ_U64(decide(p, n, SCMP_SYS(mmap), 0, 0x200000001ull, 0), 0x0005000c);
	cbpf_seccomp_action_format(decide(p, n, SCMP_SYS(write), 99, 0, 0), buf, sizeof(buf));
	CHECK(!strcmp(buf, "ERRNO(77)"));
	/* not covered */
	CHECK_EQ_U64(decide(p, n, SCMP_SYS(getpid), 0, 0, 0), 0x7fff0000);
	CHECK_EQ_U64(decide(p, n, SCMP_SYS(write), 1, 0, 0), 0x7fff0000);
	CHECK_EQ_U64(decide(p, n, SCMP_SYS(write), 99ull | 1ull << 32, 0, 0), 0x7fff0000);
	CHECK_EQ_U64(decide(p, n, SCMP_SYS(kill), 1, 10, 0), 0x7fff0000);
	CHECK_EQ_U64(decide(p, n, SCMP_SYS(mkdir), 0, 0600, 0), 0x7fff0000);
	CHECK_EQ_U64(decide(p, n, SCMP_SYS(mmap), 0, 0xffffffffull, 0), 0x7fff0000);

	kernel_compare(ctx, p, n, SCMP_SYS(getppid), 0, 0, 0);
	kernel_compare(ctx, p, n, SCMP_SYS(write), 99, 0, 0);
	kernel_compare(ctx, p, n, SCMP_SYS(getpid), 0, 0, 0);
	kernel_compare(ctx, p, n, SCMP_SYS(kill), 0, 12, 0);
	kernel_compare(ctx, p, n, SCMP_SYS(kill), 0, 0, 0);
	free(p);
	seccomp_release(ctx);
}

static void policy_deny_default(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(38));
	CHECK(ctx);
	int allowed[] = { SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(exit_group), SCMP_SYS(exit),
			  SCMP_SYS(getpid) };
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		CHECK(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0) == 0);
	CHECK(seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(execve), 0) == 0);
	CHECK(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
			       SCMP_A2(SCMP_CMP_MASKED_EQ, 3, 0)) == 0); /* O_RDONLY */
	size_t n;
	struct cbpf_insn *p = export(ctx, &n);
	CHECK_EQ_U64(decide(p, n, SCMP_SYS(read), 0, 0, 0), 0x7fff0000);
	CHECK_EQ_U64(decide(p, n, SCMP_SYS(getpid), 0, 0, 0), 0x7fff0000);
	CHECK_EQ_U64(decide(p, n, SCMP_SYS(execve), 0, 0, 0), 0x80000000);
	CHECK_EQ_U64(decide(p, n, SCMP_SYS(openat), 0, 0, 0), 0x7fff0000);
	CHECK_EQ_U64(decide(p, n, SCMP_SYS(openat), 0, 0, 1), 0x00050026);
	CHECK_EQ_U64(decide(p, n, SCMP_SYS(getppid), 0, 0, 0), 0x00050026);
	CHECK_EQ_U64(decide(p, n, SCMP_SYS(socket), 0, 0, 0), 0x00050026);
	/* another architecture: libseccomp's filter kills it */
	struct cbpf_seccomp_data sd = { .nr = 3, .arch = 0x40000003 };
	uint32_t r = cbpf_run(p, n, CBPF_SECCOMP, (const uint8_t *)&sd, sizeof(sd), NULL);
	CHECK(!strcmp(cbpf_seccomp_action_name(r), "KILL_THREAD") ||
	      !strcmp(cbpf_seccomp_action_name(r), "KILL_PROCESS"));

	kernel_compare(ctx, p, n, SCMP_SYS(getppid), 0, 0, 0);
	kernel_compare(ctx, p, n, SCMP_SYS(getpid), 0, 0, 0);
	free(p);
	seccomp_release(ctx);
}

int main(void)
{
	vm = bpfvm_vm__new(NULL);
	CHECK(vm);
	policy_allow_default();
	policy_deny_default();
	bpfvm_vm__free(vm);
	printf("kernel comparisons: %d made, %d skipped (%s%s)\n", kernel_checks, kernel_skipped,
	       geteuid() ? "not root" : "root", sanitized ? ", sanitizer build" : "");
	CHECK_DONE();
}
