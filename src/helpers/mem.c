/*
 * mem.c - how helpers reach program memory: every pointer argument goes
 * through bpfvm_call__check_mem() before a byte is touched.
 */
#include <errno.h>
#include <stdio.h>

#include "helpers_impl.h"

void *helper_mem(struct bpfvm_call *call, const char *name, int argno, uint64_t addr,
		 uint64_t size, bool write)
{
	static char empty; /* what an empty range at address 0 points to */
	if (bpfvm_call__check_mem(call, addr, size, write) == 0)
		return !size && !addr ? &empty : (void *)(uintptr_t)addr;
	/* The kernel's verifier would have refused the program: stop it. */
	char msg[128];
	snprintf(msg, sizeof(msg), "bpf_%s: arg%d (r%d = 0x%llx, %llu bytes) is not %s memory",
		 name, argno, argno, (unsigned long long)addr, (unsigned long long)size,
		 write ? "writable" : "readable");
	bpfvm_call__fail(call, -EFAULT, msg);
	return NULL;
}

long helper_copy_str(struct bpfvm_call *call, uint64_t addr, char *dst, size_t count)
{
	for (size_t k = 0; k < count; k++) {
		if (bpfvm_call__check_mem(call, addr + k, 1, false) != 0)
			return -EFAULT;
		dst[k] = *(const char *)(uintptr_t)(addr + k);
		if (!dst[k])
			return (long)k + 1;
	}
	if (count)
		dst[count - 1] = '\0';
	return (long)count;
}

const char *helper_str(struct bpfvm_call *call, const char *name, int argno, uint64_t addr)
{
	for (uint64_t k = 0;; k++) {
		const char *c = helper_mem(call, name, argno, addr + k, 1, false);
		if (!c)
			return NULL;
		if (!*c)
			return (const char *)(uintptr_t)addr;
	}
}
