/*
 * callbacks.c - helpers that call back into the program: bpf_loop and
 * bpf_for_each_map_elem.
 *
 * The callback runs in the interpreter as a BPF-to-BPF call would, in a
 * frame of its own (call_callback); an error inside it ends the whole run
 * with that error, located at the faulting instruction of the callback.
 */
#include <errno.h>
#include <string.h>

#include "helpers_impl.h"
#include "interp/call.h"
#include "maps/map.h"

/* The kernel's BPF_MAX_LOOPS: the most iterations bpf_loop runs. */
#define MAX_LOOPS (1u << 23)

/*
 * bpf_loop(nr_loops, callback_fn, callback_ctx, flags): callback(i, ctx)
 * for i = 0 .. nr_loops-1, stopping early when it returns non-zero.
 * Returns the number of iterations run; -EINVAL for flags, -E2BIG over
 * BPF_MAX_LOOPS (the kernel's answers).
 */
HELPER_DECL(loop)
{
	(void)r5;
	if (r4)
		return (uint64_t)-EINVAL;
	if (r1 > MAX_LOOPS)
		return (uint64_t)-E2BIG;
	for (uint64_t i = 0; i < r1; i++) {
		uint64_t args[5] = { i, r3, 0, 0, 0 }, ret;
		if (call_callback(call, r2, args, &ret))
			return 0; /* the run is stopping */
		if (ret)
			return i + 1;
	}
	return r1;
}

/* Largest key for_each_map_elem shows a callback (the kernel's maps keep
 * keys far smaller; lpm keys are the longest in practice). */
#define MAX_KEY 512

/*
 * bpf_for_each_map_elem(map, callback_fn, callback_ctx, flags):
 * callback(map, &key, &value, ctx) for each element, in get_next_key
 * order, stopping when it returns non-zero. The key is a read-only copy
 * the callback may read; the value is the element itself (this cpu's slot
 * for per-CPU maps), so the callback updates it in place. Returns the
 * number of elements visited, as the kernel.
 */
HELPER_DECL(for_each_map_elem)
{
	(void)r5;
	struct bpfvm_map *map = map_by_addr(call->vm, r1);
	if (!map) {
		bpfvm_call__fail(call, -EINVAL, "bpf_for_each_map_elem: r1 is not a map");
		return 0;
	}
	if (r4)
		return (uint64_t)-EINVAL;
	if (map->key_size > MAX_KEY || !map->ops->get_next_key)
		return (uint64_t)-ENOTSUP;
	uint8_t key[MAX_KEY], next[MAX_KEY];
	uint32_t cpu = map->nr_cpus > 1 ? call->cpu : 0;
	uint64_t visited = 0;
	int rc = map->ops->get_next_key(map, NULL, next);
	while (rc == 0) {
		memcpy(key, next, map->key_size);
		void *value = map_lookup_elem(map, key, cpu);
		if (value) {
			uint64_t args[5] = { r1, (uint64_t)(uintptr_t)key,
					     (uint64_t)(uintptr_t)value, r3, 0 };
			uint64_t ret;
			visited++;
			if (call_callback_ro(call, r2, args, key, map->key_size, &ret))
				return 0; /* the run is stopping */
			if (ret)
				break;
		}
		rc = map->ops->get_next_key(map, key, next);
	}
	return visited;
}
