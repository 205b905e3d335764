/*
 * cpus.h - the CPUs test_kernel_runner runs packets on, one at a time:
 * the thread is pinned to one CPU, the kernel's BPF_PROG_TEST_RUN runs
 * the program on that CPU (its per-CPU map slots, what
 * bpf_get_smp_processor_id returns), and bpfvm runs as that CPU
 * (bpfvm_run_opts.cpu).
 */
#ifndef RUNNER_DIFF_CPUS_H
#define RUNNER_DIFF_CPUS_H

#include <stdint.h>

#define CPUS_MAX 64

struct cpus {
	uint32_t list[CPUS_MAX];
	int n;
	int cur; /* the CPU the thread is pinned to, -1 for none yet */
};

/* The CPUs this process may run on that the kernel has per-CPU slots
 * for. 0, or -1 when there is none. */
int cpus_init(struct cpus *c);
/* Pin the thread to cpu and wait until it runs there. 0, or -1. */
int cpus_pin(struct cpus *c, uint32_t cpu);

#endif
