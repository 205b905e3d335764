/*
 * misc.c - bpf_csum_diff, the current-task helpers (answered for the host
 * thread running the program), the probe_read family and the spin locks.
 */
#include <errno.h>
#include <string.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helpers_impl.h"

/*
 * bpf_csum_diff(from, from_size, to, to_size, seed), as Linux computes it
 * since 6.13 (and 6.18, the kernel the differential tests run against):
 * any sizes; the seeded partial sum of to[] less that of from[] (either
 * may be absent), folded to 16 bits (csum_from32to16). The partial sum is
 * x86-64's csum_partial(): little-endian 64-bit words added with
 * end-around carry, the tail zero-padded, then the two 32-bit halves
 * added the same way; its 32-bit value, not just its class modulo
 * 0xffff, matters before the fold.
 */
static uint64_t add64_carry(uint64_t a, uint64_t b)
{
	uint64_t r = a + b;
	return r + (r < b);
}

static uint32_t csum_partial(const unsigned char *p, uint32_t len, uint32_t sum)
{
	uint64_t acc = sum, w;
	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		acc = add64_carry(acc, w);
	}
	if (len) {
		w = 0;
		memcpy(&w, p, len);
		acc = add64_carry(acc, w);
	}
	uint64_t folded = acc + (acc >> 32 | acc << 32); /* from64to32 */
	return (uint32_t)(folded >> 32);
}

static uint32_t csum_sub32(uint32_t a, uint32_t b)
{
	uint32_t r = a + ~b;
	return r + (r < ~b);
}

static uint16_t csum_from32to16(uint32_t sum)
{
	sum += sum >> 16 | sum << 16;
	return (uint16_t)(sum >> 16);
}

HELPER_DECL(csum_diff)
{
	uint32_t from_size = (uint32_t)r2, to_size = (uint32_t)r4;
	const unsigned char *from = helper_mem(call, "csum_diff", 1, r1, from_size, false);
	const unsigned char *to = helper_mem(call, "csum_diff", 3, r3, to_size, false);
	if ((from_size && !from) || (to_size && !to))
		return HELPER_ERR(-EFAULT);
	uint32_t ret = (uint32_t)r5;
	if (from_size && to_size)
		ret = csum_sub32(csum_partial(to, to_size, ret), csum_partial(from, from_size, 0));
	else if (to_size)
		ret = csum_partial(to, to_size, ret);
	else if (from_size)
		ret = ~csum_partial(from, from_size, ~ret);
	return csum_from32to16(ret);
}

/* tgid << 32 | pid, in the kernel's words: process id and thread id. */
HELPER_DECL(get_current_pid_tgid)
{
	uint64_t tid = (uint64_t)syscall(SYS_gettid);
	return (uint64_t)(uint32_t)getpid() << 32 | (uint32_t)tid;
}

HELPER_DECL(get_current_uid_gid)
{
	return (uint64_t)getgid() << 32 | (uint32_t)getuid();
}

/*
 * bpf_get_current_comm(buf, size): the thread's name (the kernel's
 * task->comm is per thread too), truncated to size - 1 bytes and padded
 * with NULs to size, as strscpy_pad().
 */
HELPER_DECL(get_current_comm)
{
	char comm[17] = { 0 }; /* PR_GET_NAME writes up to 16 bytes */
	uint32_t size = (uint32_t)r2;
	char *buf = helper_mem(call, "get_current_comm", 1, r1, size, true);
	if (!buf)
		return HELPER_ERR(-EFAULT);
	if (!size)
		return HELPER_ERR(-EINVAL);
	if (prctl(PR_GET_NAME, comm, 0, 0, 0) != 0) {
		memset(buf, 0, size);
		return HELPER_ERR(-EINVAL);
	}
	size_t n = strnlen(comm, size - 1);
	memcpy(buf, comm, n);
	memset(buf + n, 0, size - n);
	return 0;
}

/*
 * The probe_read family: "user" and "kernel" memory are both the memory
 * the program may read (bpfvm_call__check_mem()). A source outside it
 * gives -EFAULT and a zeroed destination, as in the kernel; a destination
 * the program may not write stops the run (the verifier's job).
 */
static uint64_t probe_read(struct bpfvm_call *call, const char *name, uint64_t dst_addr,
			   uint64_t size, uint64_t src)
{
	uint32_t n = (uint32_t)size;
	void *dst = helper_mem(call, name, 1, dst_addr, n, true);
	if (!dst)
		return HELPER_ERR(-EFAULT);
	if (bpfvm_call__check_mem(call, src, n, false) != 0) {
		memset(dst, 0, n);
		return HELPER_ERR(-EFAULT);
	}
	if (n) /* (a zero size may come with NULL pointers) */
		memmove(dst, (const void *)(uintptr_t)src, n);
	return 0;
}

/* The string variants return the length copied including the NUL. */
static uint64_t probe_read_str(struct bpfvm_call *call, const char *name, uint64_t dst_addr,
			       uint64_t size, uint64_t src)
{
	uint32_t n = (uint32_t)size;
	char *dst = helper_mem(call, name, 1, dst_addr, n, true);
	if (!dst)
		return HELPER_ERR(-EFAULT);
	long rc = helper_copy_str(call, src, dst, n);
	if (rc < 0)
		memset(dst, 0, n);
	return HELPER_ERR(rc);
}

HELPER_DECL(probe_read)
{
	return probe_read(call, "probe_read", r1, r2, r3);
}

HELPER_DECL(probe_read_user)
{
	return probe_read(call, "probe_read_user", r1, r2, r3);
}

HELPER_DECL(probe_read_kernel)
{
	return probe_read(call, "probe_read_kernel", r1, r2, r3);
}

HELPER_DECL(probe_read_str)
{
	return probe_read_str(call, "probe_read_str", r1, r2, r3);
}

HELPER_DECL(probe_read_user_str)
{
	return probe_read_str(call, "probe_read_user_str", r1, r2, r3);
}

HELPER_DECL(probe_read_kernel_str)
{
	return probe_read_str(call, "probe_read_kernel_str", r1, r2, r3);
}

/*
 * bpf_spin_lock / bpf_spin_unlock on a struct bpf_spin_lock (one aligned
 * 32-bit word, 0 = free) in memory the program may write. A test-and-test-
 * and-set lock: programs hold it only for a few instructions.
 */
static uint32_t *lock_word(struct bpfvm_call *call, const char *name, uint64_t addr)
{
	if (addr & 3) {
		bpfvm_call__fail(call, -EINVAL, "bpf_spin_lock: lock is not 4-byte aligned");
		return NULL;
	}
	return helper_mem(call, name, 1, addr, 4, true);
}

HELPER_DECL(spin_lock)
{
	uint32_t *lock = lock_word(call, "spin_lock", r1);
	if (!lock)
		return 0;
	while (__atomic_exchange_n(lock, 1u, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(lock, __ATOMIC_RELAXED))
			sched_yield();
	}
	return 0;
}

HELPER_DECL(spin_unlock)
{
	uint32_t *lock = lock_word(call, "spin_unlock", r1);
	if (lock)
		__atomic_store_n(lock, 0u, __ATOMIC_RELEASE);
	return 0;
}
