/*
 * time.c - clocks, the processor id and random numbers.
 *
 * The kernel's clocks map to the host's: ktime_get_ns is CLOCK_MONOTONIC,
 * ktime_get_boot_ns CLOCK_BOOTTIME, ktime_get_coarse_ns
 * CLOCK_MONOTONIC_COARSE and ktime_get_tai_ns CLOCK_TAI. jiffies64 counts
 * ticks of a HZ=250 kernel (a common distribution setting) since the
 * monotonic clock's origin, so it advances every 4 ms; the kernel's
 * INITIAL_JIFFIES offset is not modelled.
 */
#include <time.h>

#include "helpers_impl.h"
#include "interp/call.h"

#define HELPER_HZ 250
#define NSEC_PER_SEC 1000000000ull

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

HELPER_DECL(ktime_get_ns)
{
	return clock_ns(CLOCK_MONOTONIC);
}

HELPER_DECL(ktime_get_boot_ns)
{
	return clock_ns(CLOCK_BOOTTIME);
}

HELPER_DECL(ktime_get_coarse_ns)
{
	return clock_ns(CLOCK_MONOTONIC_COARSE);
}

HELPER_DECL(ktime_get_tai_ns)
{
	return clock_ns(CLOCK_TAI);
}

HELPER_DECL(jiffies64)
{
	return clock_ns(CLOCK_MONOTONIC) / (NSEC_PER_SEC / HELPER_HZ);
}

HELPER_DECL(get_smp_processor_id)
{
	return call->cpu;
}

/*
 * bpf_get_prandom_u32: the kernel keeps a per-CPU generator; bpfvm keeps
 * one per host thread (no locking, no sharing). splitmix64 is fast and
 * passes the usual statistical tests; the state starts from the clock and
 * the thread's own address, so threads get different sequences.
 */
static _Thread_local uint64_t prandom_state;

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

HELPER_DECL(get_prandom_u32)
{
	if (!prandom_state) {
		uint64_t seed = clock_ns(CLOCK_MONOTONIC) ^ (uint64_t)(uintptr_t)&prandom_state;
		prandom_state = splitmix64(&seed) | 1;
	}
	return (uint32_t)(splitmix64(&prandom_state) >> 32);
}
