/*
 * hash.h - the hash table core shared by hash, percpu_hash, lru_hash,
 * lru_percpu_hash and hash_of_maps (the kernel's hashtab.c).
 *
 * Layout: max_entries elements preallocated at create, always (the
 * kernel's BPF_F_NO_PREALLOC is accepted and behaves the same). Element i
 * has a header with its key in `elems` and its value slot(s) in `values`
 * (kept apart so that a program writing a value cannot reach the chain
 * links). Buckets hold singly linked chains of element indexes, each
 * bucket with its own tiny spinlock. Free elements sit on a stack.
 *
 * Locking (never taken the other way round):
 *   lru.lock (LRU maps' updates and deletes) -> bucket lock -> free_lock.
 * Lookups take only their bucket's lock; the pointer they return stays
 * valid memory after the lock is dropped (values never move).
 */
#ifndef BPFVM_MAPS_HASH_H
#define BPFVM_MAPS_HASH_H

#include "lru.h"
#include "map.h"

#define HTAB_NONE UINT32_MAX

struct htab_bucket {
	int lock;
	uint32_t head; /* element index, HTAB_NONE for empty */
};

struct htab_elem {
	uint32_t next; /* next in the bucket chain */
	uint32_t hash;
	char key[];
};

struct htab {
	struct bpfvm_map map;
	bool is_percpu, is_lru;
	uint32_t n_buckets; /* power of 2 */
	uint32_t elem_size; /* header + key, rounded to 8 */
	uint32_t vsize;     /* stored value size (value_size, or 8 for map pointers) */
	uint32_t slot_size; /* round8(vsize) */
	uint32_t value_stride; /* slot_size * nr_cpus */
	uint32_t seed;
	struct htab_bucket *buckets;
	char *elems;
	char *values;
	int free_lock;
	uint32_t *free_stack, n_free;
	struct lru lru;
	/* hash_of_maps: called on a value about to be overwritten or deleted
	 * (with its bucket lock held), to drop what it references. */
	void (*release)(struct htab *h, void *value);
};

/* Check the attributes of a hash-type map and allocate it; value_size is
 * the stored size (hash_of_maps stores a pointer, not the host's u32). */
struct htab *htab_create(const struct bpfvm_map *attr, uint32_t value_size,
			 struct bpfvm_error *err);
void htab_destroy(struct htab *h);
/* The value of key (cpu's slot), or NULL; LRU maps mark it used. */
void *htab_lookup(struct htab *h, const void *key, uint32_t cpu);
/* Update with bpf(2) flags. all_cpus: value holds nr_cpus slots (host
 * side); otherwise value is one value for cpu (per-CPU maps zero the other
 * cpus' slots of a new element, as the kernel). */
long htab_update(struct htab *h, const void *key, const void *value, uint64_t flags,
		 uint32_t cpu, bool all_cpus);
/* Delete key; if value, copy the value (all cpus' slots) out first. */
long htab_delete(struct htab *h, const void *key, void *value);
int htab_get_next_key(struct htab *h, const void *key, void *next_key);

/* For the JIT: a lookup of key in a plain BPF_MAP_TYPE_HASH map (the
 * struct htab is the map), the same result as htab_lookup() with cpu 0,
 * lock-free on a hit (hash.c says why that is safe); NULL for other maps. */
typedef void *(*htab_fast_lookup_fn)(struct htab *h, const void *key);
htab_fast_lookup_fn htab_fast_lookup(const struct bpfvm_map *map);

#endif
