/*
 * map.h - maps inside libbpfvm: the object every map type shares, the
 * map-ops table each type fills in (like the kernel's struct bpf_map_ops),
 * and the program-side operations helpers call.
 *
 * Invariants every map type keeps:
 * - Value storage is allocated when the map is created and never moves:
 *   a pointer a program got from a lookup stays valid memory for the life
 *   of the map (a deleted element's storage may be reused, as in the
 *   kernel's preallocated maps). map->regions lists that storage, so that
 *   the checked interpreter lets programs read and write it.
 * - Every operation is safe when programs run it from several threads at
 *   once: no torn state, no lost updates through the map's own API.
 * - Per-CPU maps keep map->nr_cpus slots per element; the program-side
 *   operations take the cpu (worker index) of the running program.
 */
#ifndef BPFVM_MAP_H
#define BPFVM_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfvm.h"

#define MAP_MAX_REGIONS 4

struct map_region {
	void *base;
	size_t len;
	bool writable; /* false for BPFVM_F_RDONLY_PROG maps */
};

struct map_ops;

struct bpfvm_map {
	const struct map_ops *ops;
	struct bpfvm_vm *vm;
	enum bpfvm_map_type type;
	uint32_t id;            /* unique in the vm, from 1, as the kernel's map ids */
	uint32_t key_size, value_size, max_entries, map_flags;
	uint64_t map_extra;
	uint32_t nr_cpus;       /* per-CPU slots (1 for other maps) */
	uint32_t btf_key_type_id, btf_value_type_id;
	char name[BPFVM_OBJ_NAME_LEN];
	int refcnt;             /* atomic (__atomic builtins) */
	struct bpfvm_map *inner_meta; /* map-in-map: the template (a reference) */
	struct map_region regions[MAP_MAX_REGIONS];
	unsigned n_regions;
};

/* One row per map type, in the map-type table (maps.c). Each type's file
 * defines its ops; an op a type does not have is NULL (-ENOTSUP). */
struct map_ops {
	/* Check attributes and allocate; returns the map (with the embedded
	 * struct bpfvm_map filled by the caller's attributes) or NULL with err. */
	struct bpfvm_map *(*alloc)(const struct bpfvm_map *attr, struct bpfvm_error *err);
	void (*free)(struct bpfvm_map *map);
	/* Program side. lookup returns a pointer into the map's storage (the
	 * cpu's slot for per-CPU maps), or NULL. */
	void *(*lookup)(struct bpfvm_map *map, const void *key, uint32_t cpu);
	long (*update)(struct bpfvm_map *map, const void *key, const void *value, uint64_t flags,
		       uint32_t cpu);
	long (*delete)(struct bpfvm_map *map, const void *key);
	long (*push)(struct bpfvm_map *map, const void *value, uint64_t flags);
	long (*pop)(struct bpfvm_map *map, void *value);
	long (*peek)(struct bpfvm_map *map, void *value);
	/* Host side (bpf(2) semantics; per-CPU values for all cpus). */
	int (*host_lookup)(struct bpfvm_map *map, const void *key, void *value);
	int (*host_update)(struct bpfvm_map *map, const void *key, const void *value,
			   uint64_t flags);
	int (*get_next_key)(struct bpfvm_map *map, const void *key, void *next_key);
	/* Host delete when it differs from the program's (prog/map arrays). */
	int (*host_delete)(struct bpfvm_map *map, const void *key);
	/* Host BPF_MAP_LOOKUP_AND_DELETE_ELEM for keyed maps (hash types). */
	int (*host_lookup_and_delete)(struct bpfvm_map *map, const void *key, void *value);
	/* Ringbuf / perf event array: hand records to the host. */
	int (*consume)(struct bpfvm_map *map, bpfvm_ringbuf_fn fn, void *ctx);
};

/* ---- shared by the map types (maps.c, map.c) ---- */

/* Map flags of the kernel's uapi that bpfvm.h does not name. */
#define MAP_F_NO_COMMON_LRU (1u << 1)
#define MAP_F_NUMA_NODE (1u << 2)
#define MAP_F_RDONLY (1u << 3)
#define MAP_F_WRONLY (1u << 4)
#define MAP_F_ZERO_SEED (1u << 6)
#define MAP_F_PRESERVE_ELEMS (1u << 11)
#define MAP_F_INNER_MAP (1u << 12)
/* The kernel's BPF_F_ACCESS_MASK. */
#define MAP_F_ACCESS_MASK \
	(MAP_F_RDONLY | MAP_F_WRONLY | BPFVM_F_RDONLY_PROG | BPFVM_F_WRONLY_PROG)

/* The ops of a map type, NULL if bpfvm does not have it (maps.c). */
const struct map_ops *map_type_ops(enum bpfvm_map_type type);
bool map_type_percpu(enum bpfvm_map_type type);

extern const struct map_ops array_map_ops, percpu_array_map_ops;
extern const struct map_ops htab_map_ops, htab_percpu_map_ops, htab_lru_map_ops,
	htab_lru_percpu_map_ops;
extern const struct map_ops prog_array_map_ops, perf_event_array_map_ops;
extern const struct map_ops ringbuf_map_ops, queue_map_ops, stack_map_ops;
extern const struct map_ops trie_map_ops, bloom_filter_map_ops;
extern const struct map_ops array_of_maps_map_ops, hash_of_maps_map_ops;
extern const struct map_ops redirect_map_ops; /* devmap, cpumap, xskmap */

/* Check the flags every type shares: only those in allowed, and not both
 * RDONLY_PROG and WRONLY_PROG (or RDONLY and WRONLY). 0 or -EINVAL + err. */
int map_check_flags(const struct bpfvm_map *attr, uint32_t allowed, struct bpfvm_error *err);

/* get_next_key for maps indexed by a u32 key 0..max_entries-1 (array,
 * prog array, map of maps, perf event array): NULL or an out-of-range
 * key gives 0, the last index gives -ENOENT. */
int map_index_get_next_key(struct bpfvm_map *map, const void *key, void *next_key);
/* Record [base, base + len) as value storage programs may access. */
void map_add_region(struct bpfvm_map *map, void *base, size_t len);
/* Values are stored in 8-byte slots, as the kernel's round_up(value_size, 8). */
static inline uint32_t map_round8(uint32_t n)
{
	return (n + 7u) & ~7u;
}

/* A tiny lock for buckets and queues: 4 bytes, so that a map can have one
 * per bucket; yields under contention (threads here are not pinned). */
void map_spin_lock_slow(int *lock);
static inline void map_spin_lock(int *lock)
{
	int zero = 0;
	if (!__atomic_compare_exchange_n(lock, &zero, 1, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		map_spin_lock_slow(lock);
}
static inline void map_spin_unlock(int *lock)
{
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

/* The map's ringbuf, if [sample - 8, sample) is a busy record header of a
 * live ringbuf of vm: lets helpers check bpf_ringbuf_submit's argument. */
struct bpfvm_map *ringbuf_map_of_sample(struct bpfvm_vm *vm, const void *sample);
/* The map whose value storage holds [addr, addr + size), or NULL. */
struct bpfvm_map *map_region_owner(struct bpfvm_vm *vm, uint64_t addr, uint64_t size);
/* Free a map whose last reference is gone (map.c). */
void map_destroy(struct bpfvm_map *map);

/* A plain BPF_MAP_TYPE_ARRAY's storage, for code that looks values up
 * itself (the JIT inlines array lookups, as the kernel does): index i <
 * max_entries is at values + i * elem_size, for the life of the map.
 * false for every other map, per-CPU arrays included. */
bool array_map_layout(const struct bpfvm_map *map, void **values, uint32_t *elem_size);

/* ---- program-side operations (the helpers call these) ---- */

void *map_lookup_elem(struct bpfvm_map *map, const void *key, uint32_t cpu);
long map_update_elem(struct bpfvm_map *map, const void *key, const void *value, uint64_t flags,
		     uint32_t cpu);
long map_delete_elem(struct bpfvm_map *map, const void *key);
long map_push_elem(struct bpfvm_map *map, const void *value, uint64_t flags);
long map_pop_elem(struct bpfvm_map *map, void *value);
long map_peek_elem(struct bpfvm_map *map, void *value);
/* Per-CPU maps: the slot of another cpu (bpf_map_lookup_percpu_elem). */
void *map_lookup_percpu_elem(struct bpfvm_map *map, const void *key, uint32_t cpu);

/* Ringbuf (the kernel's layout: consumer and producer positions, 8-byte
 * record headers with busy/discard bits, data area of max_entries bytes). */
void *ringbuf_reserve(struct bpfvm_map *map, uint64_t size, uint64_t flags);
/* submit/discard find the ring from the sample's header, as the kernel;
 * they trust sample to come from ringbuf_reserve(), so a helper must
 * check a program's pointer with ringbuf_map_of_sample() first. A sample
 * already committed is left alone. */
void ringbuf_submit(void *sample, uint64_t flags);
void ringbuf_discard(void *sample, uint64_t flags);
long ringbuf_output(struct bpfvm_map *map, const void *data, uint64_t size, uint64_t flags);
uint64_t ringbuf_query(struct bpfvm_map *map, uint64_t flags);

/* Perf event array: append a record to cpu's buffer (flags' index or
 * BPF_F_CURRENT_CPU resolved by the caller). */
long perf_event_output(struct bpfvm_map *map, uint32_t cpu, const void *data, uint64_t size);

/* Prog array: the program at index, or NULL. Map-in-map: the inner map
 * comes from map_lookup_elem. No reference is taken: like the kernel's
 * RCU-protected tail call, the program stays valid while the array holds
 * it (the host must not swap it out while a run may be using it). */
struct bpfvm_prog *prog_array_get(struct bpfvm_map *map, uint32_t index);
/* Empty a prog array (vm teardown: breaks prog -> map -> prog cycles). */
void prog_array_clear(struct bpfvm_map *map);

/* ---- the vm's map registry ---- */

/* Create and free the registry of a vm (vm->maps). */
int map_registry_init(struct bpfvm_vm *vm);
/* Register a new map in its vm (assigns map->id). 0 or -ENOMEM. */
int map_registry_add(struct bpfvm_vm *vm, struct bpfvm_map *map);
void map_registry_remove(struct bpfvm_vm *vm, struct bpfvm_map *map);
/* The live map whose address is addr (a value a program passes as a map
 * argument), or NULL: programs cannot forge map pointers. */
struct bpfvm_map *map_by_addr(struct bpfvm_vm *vm, uint64_t addr);
/* The live map with this id, or NULL. Neither lookup takes a reference:
 * the vm holds one on every registered map until map_registry_free(). */
struct bpfvm_map *map_by_id(struct bpfvm_vm *vm, uint32_t id);
/* Does [addr, addr + size) lie in the value storage of a live map of vm
 * (writable if write)? For the checked interpreter's slow path. */
bool map_region_find(struct bpfvm_vm *vm, uint64_t addr, uint64_t size, bool write);
/* Free every map still registered (vm teardown). */
void map_registry_free(struct bpfvm_vm *vm);

#endif /* BPFVM_MAP_H */
