/*
 * seccomp.c - what a seccomp filter's numbers mean: the SECCOMP_RET_*
 * actions (include/uapi/linux/seccomp.h: the top 16 bits pick the action,
 * the low 16 bits are its data), AUDIT_ARCH_* values, and the numbers of
 * the common x86_64 system calls.
 */
#include <stdio.h>
#include <string.h>

#include "cbpf.h"

#define RET_ACTION_FULL 0xffff0000u
#define RET_DATA 0x0000ffffu

static const struct {
	uint32_t action;
	const char *name;
	bool has_data;
} actions[] = {
	{ 0x80000000u, "KILL_PROCESS", false },
	{ 0x00000000u, "KILL_THREAD", false },
	{ 0x00030000u, "TRAP", true },
	{ 0x00050000u, "ERRNO", true },
	{ 0x7fc00000u, "USER_NOTIF", false },
	{ 0x7ff00000u, "TRACE", true },
	{ 0x7ffc0000u, "LOG", false },
	{ 0x7fff0000u, "ALLOW", false },
};

const char *cbpf_seccomp_action_name(uint32_t ret)
{
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (actions[i].action == (ret & RET_ACTION_FULL))
			return actions[i].name;
	/* the kernel treats an unknown action as KILL_PROCESS */
	return "KILL_PROCESS";
}

int cbpf_seccomp_action_format(uint32_t ret, char *buf, size_t size)
{
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (actions[i].action == (ret & RET_ACTION_FULL)) {
			if (actions[i].has_data)
				return snprintf(buf, size, "%s(%u)", actions[i].name, ret & RET_DATA);
			return snprintf(buf, size, "%s", actions[i].name);
		}
	return snprintf(buf, size, "KILL_PROCESS");
}

static const struct {
	const char *name;
	uint32_t arch;
} arches[] = {
	{ "x86_64", 0xc000003eu },  { "i386", 0x40000003u },    { "x86", 0x40000003u },
	{ "aarch64", 0xc00000b7u }, { "arm", 0x40000028u },     { "riscv64", 0xc00000f3u },
	{ "ppc64le", 0xc0000015u }, { "ppc64", 0x80000015u },   { "s390x", 0x80000016u },
	{ "mips", 0x00000008u },    { "mipsel", 0x40000008u },  { "loongarch64", 0xc0000102u },
};

uint32_t cbpf_seccomp_arch(const char *name)
{
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (!strcmp(arches[i].name, name))
			return arches[i].arch;
	return 0;
}

const char *cbpf_seccomp_arch_name(uint32_t arch)
{
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		if (arches[i].arch == arch)
			return arches[i].name;
	return NULL;
}

static const struct {
	const char *name;
	int nr;
} x86_64_calls[] = {
	{ "read", 0 },	       { "write", 1 },	       { "open", 2 },	      { "close", 3 },
	{ "stat", 4 },	       { "fstat", 5 },	       { "lstat", 6 },	      { "poll", 7 },
	{ "lseek", 8 },	       { "mmap", 9 },	       { "mprotect", 10 },    { "munmap", 11 },
	{ "brk", 12 },	       { "rt_sigaction", 13 }, { "rt_sigprocmask", 14 },
	{ "rt_sigreturn", 15 }, { "ioctl", 16 },       { "pread64", 17 },     { "pwrite64", 18 },
	{ "readv", 19 },       { "writev", 20 },       { "access", 21 },      { "pipe", 22 },
	{ "select", 23 },      { "sched_yield", 24 },  { "mremap", 25 },      { "madvise", 28 },
	{ "dup", 32 },	       { "dup2", 33 },	       { "pause", 34 },	      { "nanosleep", 35 },
	{ "getpid", 39 },      { "sendfile", 40 },     { "socket", 41 },      { "connect", 42 },
	{ "accept", 43 },      { "sendto", 44 },       { "recvfrom", 45 },    { "sendmsg", 46 },
	{ "recvmsg", 47 },     { "shutdown", 48 },     { "bind", 49 },	      { "listen", 50 },
	{ "clone", 56 },       { "fork", 57 },	       { "vfork", 58 },	      { "execve", 59 },
	{ "exit", 60 },	       { "wait4", 61 },	       { "kill", 62 },	      { "uname", 63 },
	{ "fcntl", 72 },       { "flock", 73 },	       { "fsync", 74 },	      { "truncate", 76 },
	{ "ftruncate", 77 },   { "getcwd", 79 },       { "chdir", 80 },	      { "rename", 82 },
	{ "mkdir", 83 },       { "rmdir", 84 },	       { "link", 86 },	      { "unlink", 87 },
	{ "symlink", 88 },     { "readlink", 89 },     { "chmod", 90 },	      { "chown", 92 },
	{ "umask", 95 },       { "getuid", 102 },      { "ptrace", 101 },     { "getgid", 104 },
	{ "setuid", 105 },     { "setgid", 106 },      { "geteuid", 107 },    { "getegid", 108 },
	{ "getppid", 110 },    { "setsid", 112 },      { "personality", 135 }, { "prctl", 157 },
	{ "mount", 165 },      { "umount2", 166 },     { "reboot", 169 },     { "gettid", 186 },
	{ "futex", 202 },      { "clock_gettime", 228 }, { "exit_group", 231 }, { "openat", 257 },
	{ "mkdirat", 258 },    { "unlinkat", 263 },    { "seccomp", 317 },    { "getrandom", 318 },
	{ "memfd_create", 319 }, { "bpf", 321 },       { "execveat", 322 },   { "statx", 332 },
	{ "clone3", 435 },
};

int cbpf_seccomp_syscall_x86_64(const char *name)
{
	for (size_t i = 0; i < sizeof(x86_64_calls) / sizeof(x86_64_calls[0]); i++)
		if (!strcmp(x86_64_calls[i].name, name))
			return x86_64_calls[i].nr;
	return -1;
}
