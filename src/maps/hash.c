/*
 * hash.c - the hash table core (see hash.h) and the hash, percpu_hash,
 * lru_hash and lru_percpu_hash map types, with the kernel's semantics:
 * BPF_ANY / NOEXIST (-EEXIST) / EXIST (-ENOENT), -E2BIG when a non-LRU map
 * is full, LRU maps evicting their least recently used element instead,
 * and get_next_key walking buckets in order (a missing key restarts at the
 * first key).
 *
 * Updates of a present key copy the new value in place (the kernel swaps
 * in a new element for non-per-CPU maps; either way a program holding the
 * old pointer keeps valid memory).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/murmur.h"
#include "hash.h"

#define HTAB_KEY_MAX 512u /* MAX_BPF_STACK: keys live on the program's stack */
#define HTAB_VALUE_MAX ((1u << 22) - 512u - 64u)
#define HTAB_PERCPU_VALUE_MAX (32u * 1024)

/* ---- helpers ---- */

/* murmur3's 32-bit mix over the key bytes: keys are short, and a fixed
 * seed keeps iteration order reproducible (the kernel's BPF_F_ZERO_SEED). */
static inline uint32_t htab_hash(const void *key, uint32_t len, uint32_t seed)
{
	const uint8_t *p = key;
	uint32_t h = seed ^ len;
	while (len >= 4) {
		uint32_t k;
		memcpy(&k, p, 4);
		h = murmur3_mix(h, k);
		p += 4;
		len -= 4;
	}
	uint32_t k = 0;
	for (uint32_t i = 0; i < len; i++)
		k |= (uint32_t)p[i] << (8 * i);
	h ^= k * 0xcc9e2d51u;
	return murmur3_fmix(h);
}

static struct htab_elem *elem(struct htab *h, uint32_t idx)
{
	return (struct htab_elem *)(h->elems + (size_t)idx * h->elem_size);
}

static char *value_of(struct htab *h, uint32_t idx)
{
	return h->values + (size_t)idx * h->value_stride;
}

static struct htab_bucket *bucket_of(struct htab *h, uint32_t hash)
{
	return &h->buckets[hash & (h->n_buckets - 1)];
}

/* Caller holds the bucket's lock. *prevp: the predecessor (HTAB_NONE if head). */
static uint32_t find(struct htab *h, struct htab_bucket *b, uint32_t hash, const void *key,
		     uint32_t *prevp)
{
	uint32_t prev = HTAB_NONE;
	for (uint32_t i = b->head; i != HTAB_NONE; prev = i, i = elem(h, i)->next) {
		struct htab_elem *e = elem(h, i);
		if (e->hash == hash && !memcmp(e->key, key, h->map.key_size)) {
			if (prevp)
				*prevp = prev;
			return i;
		}
	}
	return HTAB_NONE;
}

static void unlink_elem(struct htab *h, struct htab_bucket *b, uint32_t idx, uint32_t prev)
{
	/* atomic: lock-free readers (htab_fast_lookup) walk chains */
	uint32_t next = elem(h, idx)->next;
	if (prev == HTAB_NONE)
		__atomic_store_n(&b->head, next, __ATOMIC_RELEASE);
	else
		__atomic_store_n(&elem(h, prev)->next, next, __ATOMIC_RELEASE);
	__atomic_store_n(&elem(h, idx)->next, HTAB_NONE, __ATOMIC_RELEASE);
}

static uint32_t free_pop(struct htab *h)
{
	uint32_t idx = HTAB_NONE;
	map_spin_lock(&h->free_lock);
	if (h->n_free)
		idx = h->free_stack[--h->n_free];
	map_spin_unlock(&h->free_lock);
	return idx;
}

static void free_push(struct htab *h, uint32_t idx)
{
	map_spin_lock(&h->free_lock);
	h->free_stack[h->n_free++] = idx;
	map_spin_unlock(&h->free_lock);
}

/* Fill element idx's value for an update. memmove: a program may pass a
 * pointer to a value of this very map as the new value. */
static void store_value(struct htab *h, uint32_t idx, const void *value, uint32_t cpu,
			bool all_cpus, bool fresh)
{
	char *v = value_of(h, idx);
	if (!h->is_percpu) {
		memmove(v, value, h->vsize);
	} else if (all_cpus) {
		memmove(v, value, h->value_stride);
	} else {
		if (fresh)
			memset(v, 0, h->value_stride);
		memmove(v + (size_t)cpu * h->slot_size, value, h->vsize);
	}
}

/* ---- create and free ---- */

struct htab *htab_create(const struct bpfvm_map *attr, uint32_t value_size,
			 struct bpfvm_error *err)
{
	enum bpfvm_map_type t = attr->type;
	bool lru = t == BPFVM_MAP_TYPE_LRU_HASH || t == BPFVM_MAP_TYPE_LRU_PERCPU_HASH;
	bool percpu = t == BPFVM_MAP_TYPE_PERCPU_HASH || t == BPFVM_MAP_TYPE_LRU_PERCPU_HASH;
	uint32_t allowed = BPFVM_F_NO_PREALLOC | MAP_F_NUMA_NODE | MAP_F_ACCESS_MASK |
			   MAP_F_ZERO_SEED | MAP_F_INNER_MAP | (lru ? MAP_F_NO_COMMON_LRU : 0);
	if (map_check_flags(attr, allowed, err))
		return NULL;
	if (lru && (attr->map_flags & BPFVM_F_NO_PREALLOC)) {
		err_set(err, -ENOTSUP, "map_flags: BPF_F_NO_PREALLOC is not supported by %s maps",
			bpfvm_map_type_name(t));
		return NULL;
	}
	if (attr->key_size == 0 || attr->value_size == 0) {
		err_set(err, -EINVAL, "%s must be > 0 for %s maps",
			attr->key_size ? "value_size" : "key_size", bpfvm_map_type_name(t));
		return NULL;
	}
	if (attr->key_size > HTAB_KEY_MAX) {
		err_set(err, -E2BIG, "key_size %u is larger than %u (the BPF stack)",
			attr->key_size, HTAB_KEY_MAX);
		return NULL;
	}
	uint32_t vmax = percpu ? HTAB_PERCPU_VALUE_MAX : HTAB_VALUE_MAX;
	if (attr->value_size > vmax) {
		err_set(err, -E2BIG, "value_size %u is larger than %u", attr->value_size, vmax);
		return NULL;
	}
	if ((uint64_t)map_round8(value_size) * attr->nr_cpus > (1u << 30)) {
		err_set(err, -E2BIG, "value_size %u x %u cpus is too large", attr->value_size,
			attr->nr_cpus);
		return NULL;
	}
	if (attr->max_entries > (1u << 31)) {
		err_set(err, -E2BIG, "max_entries %u is too large for a hash map",
			attr->max_entries);
		return NULL;
	}
	struct htab *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->map = *attr;
	h->is_lru = lru;
	h->is_percpu = percpu;
	h->seed = 0x9747b28cu;
	h->elem_size = map_round8((uint32_t)sizeof(struct htab_elem) + attr->key_size);
	h->vsize = value_size;
	h->slot_size = map_round8(value_size);
	h->value_stride = h->slot_size * attr->nr_cpus;
	h->n_buckets = 1;
	while (h->n_buckets < attr->max_entries)
		h->n_buckets <<= 1;
	uint32_t n = attr->max_entries;
	h->buckets = malloc((size_t)h->n_buckets * sizeof(*h->buckets));
	h->elems = calloc(n, h->elem_size);
	h->values = calloc(n, h->value_stride);
	h->free_stack = malloc((size_t)n * sizeof(*h->free_stack));
	if (!h->buckets || !h->elems || !h->values || !h->free_stack ||
	    (lru && lru_init(&h->lru, n))) {
		free(h->buckets);
		free(h->elems);
		free(h->values);
		free(h->free_stack);
		free(h);
		err_set(err, -ENOMEM, "cannot allocate %u elements", n);
		return NULL;
	}
	for (uint32_t i = 0; i < h->n_buckets; i++)
		h->buckets[i] = (struct htab_bucket){ 0, HTAB_NONE };
	/* Pop order 0, 1, 2...: the stack holds the indexes reversed. */
	for (uint32_t i = 0; i < n; i++)
		h->free_stack[i] = n - 1 - i;
	h->n_free = n;
	map_add_region(&h->map, h->values, (size_t)n * h->value_stride);
	return h;
}

void htab_destroy(struct htab *h)
{
	if (h->release)
		for (uint32_t b = 0; b < h->n_buckets; b++)
			for (uint32_t i = h->buckets[b].head; i != HTAB_NONE; i = elem(h, i)->next)
				h->release(h, value_of(h, i));
	if (h->is_lru)
		lru_destroy(&h->lru);
	free(h->buckets);
	free(h->elems);
	free(h->values);
	free(h->free_stack);
	free(h);
}

/* ---- operations ---- */

void *htab_lookup(struct htab *h, const void *key, uint32_t cpu)
{
	if (!key || cpu >= h->map.nr_cpus)
		return NULL;
	uint32_t hash = htab_hash(key, h->map.key_size, h->seed);
	struct htab_bucket *b = bucket_of(h, hash);
	map_spin_lock(&b->lock);
	uint32_t idx = find(h, b, hash, key, NULL);
	map_spin_unlock(&b->lock);
	if (idx == HTAB_NONE)
		return NULL;
	if (h->is_lru)
		lru_touch(&h->lru, idx);
	return value_of(h, idx) + (size_t)cpu * h->slot_size;
}

/* An element for a new key in an LRU map (lru.lock held): a free one, or
 * the least recently used one, taken out of its bucket. */
static uint32_t lru_alloc(struct htab *h)
{
	uint32_t idx = free_pop(h);
	if (idx != HTAB_NONE)
		return idx;
	idx = lru_victim(&h->lru);
	if (idx == HTAB_NONE)
		return HTAB_NONE;
	/* Listed elements are always in their bucket: inserts and deletes
	 * of LRU maps change both under lru.lock. */
	struct htab_elem *e = elem(h, idx);
	struct htab_bucket *b = bucket_of(h, e->hash);
	uint32_t prev;
	map_spin_lock(&b->lock);
	if (find(h, b, e->hash, e->key, &prev) == idx)
		unlink_elem(h, b, idx, prev);
	map_spin_unlock(&b->lock);
	lru_unlink(&h->lru, idx);
	return idx;
}

long htab_update(struct htab *h, const void *key, const void *value, uint64_t flags,
		 uint32_t cpu, bool all_cpus)
{
	if (!key || !value || flags > BPFVM_EXIST || cpu >= h->map.nr_cpus)
		return -EINVAL;
	uint32_t hash = htab_hash(key, h->map.key_size, h->seed);
	struct htab_bucket *b = bucket_of(h, hash);
	long ret = 0;
	if (h->is_lru)
		pthread_mutex_lock(&h->lru.lock);
	map_spin_lock(&b->lock);
	uint32_t idx = find(h, b, hash, key, NULL);
	if (idx != HTAB_NONE) {
		if (flags == BPFVM_NOEXIST) {
			ret = -EEXIST;
		} else {
			if (h->release)
				h->release(h, value_of(h, idx));
			store_value(h, idx, value, cpu, all_cpus, false);
			if (h->is_lru)
				lru_push_head(&h->lru, idx);
		}
		map_spin_unlock(&b->lock);
		goto out;
	}
	if (flags == BPFVM_EXIST) {
		map_spin_unlock(&b->lock);
		ret = -ENOENT;
		goto out;
	}
	if (h->is_lru) {
		/* Eviction takes the victim's bucket lock: drop ours first.
		 * lru.lock keeps every other update of this map out. */
		map_spin_unlock(&b->lock);
		idx = lru_alloc(h);
		if (idx == HTAB_NONE) {
			ret = -ENOMEM;
			goto out;
		}
		map_spin_lock(&b->lock);
	} else {
		idx = free_pop(h);
		if (idx == HTAB_NONE) {
			map_spin_unlock(&b->lock);
			ret = -E2BIG;
			goto out;
		}
	}
	struct htab_elem *e = elem(h, idx);
	__atomic_store_n(&e->hash, hash, __ATOMIC_RELAXED);
	memcpy(e->key, key, h->map.key_size);
	store_value(h, idx, value, cpu, all_cpus, true);
	__atomic_store_n(&e->next, b->head, __ATOMIC_RELAXED);
	/* release: a lock-free reader that sees idx sees its key and value */
	__atomic_store_n(&b->head, idx, __ATOMIC_RELEASE);
	if (h->is_lru)
		lru_push_head(&h->lru, idx);
	map_spin_unlock(&b->lock);
out:
	if (h->is_lru)
		pthread_mutex_unlock(&h->lru.lock);
	return ret;
}

long htab_delete(struct htab *h, const void *key, void *value)
{
	if (!key)
		return -EINVAL;
	uint32_t hash = htab_hash(key, h->map.key_size, h->seed);
	struct htab_bucket *b = bucket_of(h, hash);
	uint32_t prev;
	if (h->is_lru)
		pthread_mutex_lock(&h->lru.lock);
	map_spin_lock(&b->lock);
	uint32_t idx = find(h, b, hash, key, &prev);
	if (idx != HTAB_NONE) {
		if (value)
			memcpy(value, value_of(h, idx),
			       h->is_percpu ? h->value_stride : h->vsize);
		if (h->release)
			h->release(h, value_of(h, idx));
		unlink_elem(h, b, idx, prev);
	}
	map_spin_unlock(&b->lock);
	if (idx != HTAB_NONE) {
		if (h->is_lru)
			lru_unlink(&h->lru, idx);
		free_push(h, idx);
	}
	if (h->is_lru)
		pthread_mutex_unlock(&h->lru.lock);
	return idx == HTAB_NONE ? -ENOENT : 0;
}

int htab_get_next_key(struct htab *h, const void *key, void *next_key)
{
	uint32_t start = 0;
	if (key) {
		uint32_t hash = htab_hash(key, h->map.key_size, h->seed);
		struct htab_bucket *b = bucket_of(h, hash);
		map_spin_lock(&b->lock);
		uint32_t idx = find(h, b, hash, key, NULL);
		if (idx != HTAB_NONE && elem(h, idx)->next != HTAB_NONE) {
			memcpy(next_key, elem(h, elem(h, idx)->next)->key, h->map.key_size);
			map_spin_unlock(&b->lock);
			return 0;
		}
		map_spin_unlock(&b->lock);
		/* Found at the chain's end: go on with the next bucket. Not
		 * found: start over from the first key, as the kernel. */
		if (idx != HTAB_NONE)
			start = (hash & (h->n_buckets - 1)) + 1;
	}
	for (uint32_t i = start; i < h->n_buckets; i++) {
		struct htab_bucket *b = &h->buckets[i];
		map_spin_lock(&b->lock);
		if (b->head != HTAB_NONE) {
			memcpy(next_key, elem(h, b->head)->key, h->map.key_size);
			map_spin_unlock(&b->lock);
			return 0;
		}
		map_spin_unlock(&b->lock);
	}
	return -ENOENT;
}

/* ---- lock-free lookups for compiled programs ----
 *
 * The JIT (src/jit/lower_map.c) calls these for plain hash maps instead of
 * htab_lookup(): the hash is the same murmur3 steps with the key size a
 * constant (4, 8, 16; else any), the compare two or fewer loads, and a
 * hit takes no lock. That is safe because elements are never freed while
 * the map lives (they are preallocated; a deleted one goes back on the
 * free stack), so a reader racing with an update or a delete in another
 * thread reads only the map's own arrays; chain links are read and
 * written atomically, and always hold HTAB_NONE or an element index, and
 * the walk gives up after max_entries steps (a chain that elements moved
 * between buckets under it). A key that matched while the reader looked
 * is a hit, as in the kernel's RCU walk of a preallocated map (where, too,
 * an element deleted and reused meanwhile may be returned). Anything not
 * found that way is looked up again under the bucket lock: a miss is
 * exactly htab_lookup()'s.
 */
static inline bool key_eq(const char *a, const void *b, uint32_t ks)
{
	uint64_t x, y, x2, y2;
	uint32_t u, v;
	switch (ks) {
	case 4:
		memcpy(&u, a, 4);
		memcpy(&v, b, 4);
		return u == v;
	case 8:
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		return x == y;
	case 16:
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		memcpy(&x2, a + 8, 8);
		memcpy(&y2, (const char *)b + 8, 8);
		return ((x ^ y) | (x2 ^ y2)) == 0;
	default:
		return !memcmp(a, b, ks);
	}
}

static inline void *fast_lookup(struct htab *h, const void *key, uint32_t ks)
{
	uint32_t hash = htab_hash(key, ks, h->seed);
	struct htab_bucket *b = bucket_of(h, hash);
	uint32_t i = __atomic_load_n(&b->head, __ATOMIC_ACQUIRE);
	for (uint32_t steps = 0; i != HTAB_NONE && steps < h->map.max_entries; steps++) {
		struct htab_elem *e = elem(h, i);
		if (__atomic_load_n(&e->hash, __ATOMIC_RELAXED) == hash && key_eq(e->key, key, ks))
			return value_of(h, i);
		i = __atomic_load_n(&e->next, __ATOMIC_ACQUIRE);
	}
	return htab_lookup(h, key, 0);
}

static void *fast_lookup_k4(struct htab *h, const void *key)
{
	return fast_lookup(h, key, 4);
}

static void *fast_lookup_k8(struct htab *h, const void *key)
{
	return fast_lookup(h, key, 8);
}

static void *fast_lookup_k16(struct htab *h, const void *key)
{
	return fast_lookup(h, key, 16);
}

static void *fast_lookup_any(struct htab *h, const void *key)
{
	return fast_lookup(h, key, h->map.key_size);
}

htab_fast_lookup_fn htab_fast_lookup(const struct bpfvm_map *map)
{
	if (map->ops != &htab_map_ops)
		return NULL; /* LRU (marks use), per-CPU, maps of maps: the usual path */
	switch (map->key_size) {
	case 4: return fast_lookup_k4;
	case 8: return fast_lookup_k8;
	case 16: return fast_lookup_k16;
	default: return fast_lookup_any;
	}
}

/* ---- the map types ---- */

static struct bpfvm_map *htab_alloc(const struct bpfvm_map *attr, struct bpfvm_error *err)
{
	struct htab *h = htab_create(attr, attr->value_size, err);
	return h ? &h->map : NULL;
}

static void htab_free(struct bpfvm_map *map)
{
	htab_destroy((struct htab *)map);
}

static void *htab_map_lookup(struct bpfvm_map *map, const void *key, uint32_t cpu)
{
	return htab_lookup((struct htab *)map, key, cpu);
}

static long htab_map_update(struct bpfvm_map *map, const void *key, const void *value,
			    uint64_t flags, uint32_t cpu)
{
	return htab_update((struct htab *)map, key, value, flags, cpu, false);
}

static long htab_map_delete(struct bpfvm_map *map, const void *key)
{
	return htab_delete((struct htab *)map, key, NULL);
}

static int htab_host_lookup(struct bpfvm_map *map, const void *key, void *value)
{
	struct htab *h = (struct htab *)map;
	uint32_t hash = htab_hash(key, map->key_size, h->seed);
	struct htab_bucket *b = bucket_of(h, hash);
	map_spin_lock(&b->lock);
	uint32_t idx = find(h, b, hash, key, NULL);
	if (idx != HTAB_NONE)
		memcpy(value, value_of(h, idx), h->is_percpu ? h->value_stride : h->vsize);
	map_spin_unlock(&b->lock);
	return idx == HTAB_NONE ? -ENOENT : 0;
}

static int htab_host_update(struct bpfvm_map *map, const void *key, const void *value,
			    uint64_t flags)
{
	return (int)htab_update((struct htab *)map, key, value, flags, 0, true);
}

static int htab_host_lookup_and_delete(struct bpfvm_map *map, const void *key, void *value)
{
	return (int)htab_delete((struct htab *)map, key, value);
}

static int htab_map_get_next_key(struct bpfvm_map *map, const void *key, void *next_key)
{
	return htab_get_next_key((struct htab *)map, key, next_key);
}

#define HTAB_OPS                                                \
	.alloc = htab_alloc, .free = htab_free, .lookup = htab_map_lookup, \
	.update = htab_map_update, .delete = htab_map_delete,            \
	.host_lookup = htab_host_lookup, .host_update = htab_host_update, \
	.host_lookup_and_delete = htab_host_lookup_and_delete,           \
	.get_next_key = htab_map_get_next_key

const struct map_ops htab_map_ops = { HTAB_OPS };
const struct map_ops htab_percpu_map_ops = { HTAB_OPS };
const struct map_ops htab_lru_map_ops = { HTAB_OPS };
const struct map_ops htab_lru_percpu_map_ops = { HTAB_OPS };
