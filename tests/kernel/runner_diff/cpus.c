/*
 * cpus.c - pinning the test to one CPU at a time (cpus.h).
 * sched_setaffinity() to a single CPU moves the thread there; the test
 * checks with sched_getcpu() before it relies on it.
 */
#include <bpf/libbpf.h>
#include <sched.h>

#include "cpus.h"

int cpus_init(struct cpus *c)
{
	cpu_set_t set;
	int possible = libbpf_num_possible_cpus();
	c->n = 0;
	c->cur = -1;
	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (int cpu = 0; cpu < CPU_SETSIZE && cpu < possible && c->n < CPUS_MAX; cpu++)
		if (CPU_ISSET(cpu, &set))
			c->list[c->n++] = (uint32_t)cpu;
	return c->n ? 0 : -1;
}

int cpus_pin(struct cpus *c, uint32_t cpu)
{
	if (c->cur == (int)cpu)
		return 0;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return -1;
	for (int i = 0; i < 1000 && sched_getcpu() != (int)cpu; i++)
		sched_yield();
	if (sched_getcpu() != (int)cpu)
		return -1;
	c->cur = (int)cpu;
	return 0;
}
