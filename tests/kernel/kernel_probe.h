/*
 * kernel_probe.h - what every kernel oracle asks first: may this process
 * use bpf() here? The oracles skip (exit 77, with the reason printed) when
 * not, and never fail for that reason.
 */
#ifndef BPFVM_TESTS_KERNEL_PROBE_H
#define BPFVM_TESTS_KERNEL_PROBE_H

#include <bpf/bpf.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define SKIP 77

/* True when bpf() works (root, and a map can be made); else prints why
 * the test is skipped. */
static inline bool kernel_available(void)
{
	if (geteuid() != 0) {
		printf("SKIP: the kernel oracle needs root (bpf() is open to root here)\n");
		return false;
	}
	int probe = bpf_map_create(BPF_MAP_TYPE_ARRAY, "probe", 4, 4, 1, NULL);
	if (probe < 0) {
		printf("SKIP: bpf() is not available: %s\n", strerror(-probe));
		return false;
	}
	close(probe);
	return true;
}

/* The line of a kernel verifier log that says why it refused: the last
 * one that is not a statistics line ("processed ...", "verification
 * time ...", "stack depth ..."); "(no log)" when there is none. */
static inline void kernel_log_reason(const char *log, char *out, size_t size)
{
	const char *end = log + strlen(log);
	snprintf(out, size, "(no log)");
	while (end > log) {
		while (end > log && end[-1] == '\n')
			end--;
		const char *start = end;
		while (start > log && start[-1] != '\n')
			start--;
		if (end > start && strncmp(start, "processed ", 10) &&
		    strncmp(start, "verification time", 17) && strncmp(start, "stack depth", 11)) {
			snprintf(out, size, "%.*s", (int)(end - start), start);
			return;
		}
		end = start;
	}
}

#endif
