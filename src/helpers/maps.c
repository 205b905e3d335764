/*
 * maps.c - the map helpers: bpf_map_{lookup,update,delete}_elem, the
 * queue/stack helpers and bpf_map_lookup_percpu_elem.
 *
 * A map argument is a pointer value; map_by_addr() accepts only live maps
 * of this vm, so a forged one stops the run (the kernel's verifier would
 * have refused it). Keys and values are checked for key_size / value_size
 * bytes before the map code sees them. Lookups return the address of the
 * value in the map's storage, which the interpreter lets programs access.
 */
#include <errno.h>
#include <string.h>
#include <stdio.h>

#include "helpers_impl.h"
#include "interp/call.h"
#include "maps/map.h"

static struct bpfvm_map *arg_map(struct bpfvm_call *call, const char *name, uint64_t addr)
{
	struct bpfvm_map *map = map_by_addr(call->vm, addr);
	if (!map) {
		char msg[96];
		snprintf(msg, sizeof(msg), "bpf_%s: r1 = 0x%llx is not a map", name,
			 (unsigned long long)addr);
		bpfvm_call__fail(call, -EINVAL, msg);
	}
	return map;
}

/* The slot of the running cpu: only per-CPU maps have more than slot 0. */
static uint32_t map_cpu(const struct bpfvm_map *map, const struct bpfvm_call *call)
{
	return map->nr_cpus > 1 ? call->cpu : 0;
}

HELPER_DECL(map_lookup_elem)
{
	struct bpfvm_map *map = arg_map(call, "map_lookup_elem", r1);
	if (!map)
		return 0;
	const void *key = helper_mem(call, "map_lookup_elem", 2, r2, map->key_size, false);
	if (!key)
		return 0;
	return (uint64_t)(uintptr_t)map_lookup_elem(map, key, map_cpu(map, call));
}

HELPER_DECL(map_update_elem)
{
	struct bpfvm_map *map = arg_map(call, "map_update_elem", r1);
	if (!map)
		return HELPER_ERR(-EINVAL);
	const void *key = helper_mem(call, "map_update_elem", 2, r2, map->key_size, false);
	if (!key)
		return HELPER_ERR(-EFAULT);
	const void *value = helper_mem(call, "map_update_elem", 3, r3, map->value_size, false);
	if (!value)
		return HELPER_ERR(-EFAULT);
	return HELPER_ERR(map_update_elem(map, key, value, r4, map_cpu(map, call)));
}

HELPER_DECL(map_delete_elem)
{
	struct bpfvm_map *map = arg_map(call, "map_delete_elem", r1);
	if (!map)
		return HELPER_ERR(-EINVAL);
	const void *key = helper_mem(call, "map_delete_elem", 2, r2, map->key_size, false);
	if (!key)
		return HELPER_ERR(-EFAULT);
	return HELPER_ERR(map_delete_elem(map, key));
}

HELPER_DECL(map_push_elem)
{
	struct bpfvm_map *map = arg_map(call, "map_push_elem", r1);
	if (!map)
		return HELPER_ERR(-EINVAL);
	const void *value = helper_mem(call, "map_push_elem", 2, r2, map->value_size, false);
	if (!value)
		return HELPER_ERR(-EFAULT);
	return HELPER_ERR(map_push_elem(map, value, r3));
}

/* pop and peek write value_size bytes into the program's buffer. */
HELPER_DECL(map_pop_elem)
{
	struct bpfvm_map *map = arg_map(call, "map_pop_elem", r1);
	if (!map)
		return HELPER_ERR(-EINVAL);
	void *value = helper_mem(call, "map_pop_elem", 2, r2, map->value_size, true);
	if (!value)
		return HELPER_ERR(-EFAULT);
	return HELPER_ERR(map_pop_elem(map, value));
}

HELPER_DECL(map_peek_elem)
{
	struct bpfvm_map *map = arg_map(call, "map_peek_elem", r1);
	if (!map)
		return HELPER_ERR(-EINVAL);
	void *value = helper_mem(call, "map_peek_elem", 2, r2, map->value_size, true);
	if (!value)
		return HELPER_ERR(-EFAULT);
	return HELPER_ERR(map_peek_elem(map, value));
}

/* The kernel returns NULL for a cpu past the last possible one. */
HELPER_DECL(map_lookup_percpu_elem)
{
	struct bpfvm_map *map = arg_map(call, "map_lookup_percpu_elem", r1);
	if (!map)
		return 0;
	const void *key = helper_mem(call, "map_lookup_percpu_elem", 2, r2, map->key_size, false);
	if (!key)
		return 0;
	uint32_t cpu = (uint32_t)r3;
	if (cpu >= bpfvm_vm__nr_cpus(call->vm))
		return 0;
	return (uint64_t)(uintptr_t)map_lookup_percpu_elem(map, key, cpu);
}

/*
 * bpf_tail_call(ctx, prog_array, index): continue in the program at index,
 * in the same frame, with the same registers (r1 is still the context).
 * Falls through (returns an error the program cannot read, as in the
 * kernel) when the slot is empty or out of range, or after 33 tail calls.
 */
HELPER_DECL(tail_call)
{
	(void)r1, (void)r4, (void)r5;
	struct bpfvm_map *map = arg_map(call, "tail_call", r2);
	if (!map)
		return 0;
	if (map->type != BPFVM_MAP_TYPE_PROG_ARRAY) {
		bpfvm_call__fail(call, -EINVAL, "bpf_tail_call: r2 is not a prog array");
		return 0;
	}
	const struct bpfvm_prog *prog = prog_array_get(map, (uint32_t)r3);
	if (!prog)
		return (uint64_t)-ENOENT;
	return (uint64_t)(int64_t)call_tail(call, prog);
}
