/*
 * maps.c - the map-type table: one row per kernel map type bpfvm knows,
 * with the kernel's name (as bpftool prints it) and the type's ops.
 *
 * Invariant: this is the only place a map type is tied to its ops; a type
 * with a name but no ops is known yet refused at create (-ENOTSUP).
 */
#include <stddef.h>

#include "map.h"

struct map_type_row {
	const char *name;
	const struct map_ops *ops;
	bool percpu;
};

static const struct map_type_row map_types[] = {
	[BPFVM_MAP_TYPE_HASH] = { "hash", &htab_map_ops, false },
	[BPFVM_MAP_TYPE_ARRAY] = { "array", &array_map_ops, false },
	[BPFVM_MAP_TYPE_PROG_ARRAY] = { "prog_array", &prog_array_map_ops, false },
	[BPFVM_MAP_TYPE_PERF_EVENT_ARRAY] = { "perf_event_array", &perf_event_array_map_ops, false },
	[BPFVM_MAP_TYPE_PERCPU_HASH] = { "percpu_hash", &htab_percpu_map_ops, true },
	[BPFVM_MAP_TYPE_PERCPU_ARRAY] = { "percpu_array", &percpu_array_map_ops, true },
	[7] = { "stack_trace", NULL, false },
	[8] = { "cgroup_array", NULL, false },
	[BPFVM_MAP_TYPE_LRU_HASH] = { "lru_hash", &htab_lru_map_ops, false },
	[BPFVM_MAP_TYPE_LRU_PERCPU_HASH] = { "lru_percpu_hash", &htab_lru_percpu_map_ops, true },
	[BPFVM_MAP_TYPE_LPM_TRIE] = { "lpm_trie", &trie_map_ops, false },
	[BPFVM_MAP_TYPE_ARRAY_OF_MAPS] = { "array_of_maps", &array_of_maps_map_ops, false },
	[BPFVM_MAP_TYPE_HASH_OF_MAPS] = { "hash_of_maps", &hash_of_maps_map_ops, false },
	[BPFVM_MAP_TYPE_DEVMAP] = { "devmap", &redirect_map_ops, false },
	[15] = { "sockmap", NULL, false },
	[BPFVM_MAP_TYPE_CPUMAP] = { "cpumap", &redirect_map_ops, false },
	[BPFVM_MAP_TYPE_XSKMAP] = { "xskmap", &redirect_map_ops, false },
	[18] = { "sockhash", NULL, false },
	[19] = { "cgroup_storage", NULL, false },
	[20] = { "reuseport_sockarray", NULL, false },
	[21] = { "percpu_cgroup_storage", NULL, false },
	[BPFVM_MAP_TYPE_QUEUE] = { "queue", &queue_map_ops, false },
	[BPFVM_MAP_TYPE_STACK] = { "stack", &stack_map_ops, false },
	[24] = { "sk_storage", NULL, false },
	[BPFVM_MAP_TYPE_DEVMAP_HASH] = { "devmap_hash", NULL, false },
	[26] = { "struct_ops", NULL, false },
	[BPFVM_MAP_TYPE_RINGBUF] = { "ringbuf", &ringbuf_map_ops, false },
	[28] = { "inode_storage", NULL, false },
	[29] = { "task_storage", NULL, false },
	[BPFVM_MAP_TYPE_BLOOM_FILTER] = { "bloom_filter", &bloom_filter_map_ops, false },
	[31] = { "user_ringbuf", NULL, false },
	[32] = { "cgrp_storage", NULL, false },
	[33] = { "arena", NULL, false },
};

#define N_MAP_TYPES (sizeof(map_types) / sizeof(map_types[0]))

const char *bpfvm_map_type_name(enum bpfvm_map_type type)
{
	return (unsigned)type < N_MAP_TYPES ? map_types[type].name : NULL;
}

const struct map_ops *map_type_ops(enum bpfvm_map_type type)
{
	return (unsigned)type < N_MAP_TYPES ? map_types[type].ops : NULL;
}

bool map_type_percpu(enum bpfvm_map_type type)
{
	return (unsigned)type < N_MAP_TYPES && map_types[type].percpu;
}
