/*
 * lpm_trie.c - BPF_MAP_TYPE_LPM_TRIE: longest-prefix match on keys laid
 * out as the kernel's struct bpf_lpm_trie_key { u32 prefixlen; u8 data[]; }
 * (data in network order, compared from its first bit).
 *
 * Not a trie inside: one hash table keyed by (prefixlen, the prefix's
 * bits), plus the list of prefix lengths in use, longest first. A lookup
 * probes the table once per length in use (at most 33 for IPv4, 129 for
 * IPv6), longest first, so the first hit is the longest match; the
 * kernel's Patricia trie gives the same answers. Semantics follow the
 * kernel: a lookup matches entries whose prefixlen <= the key's; update
 * and delete work on the exact (prefixlen, prefix bits) pair (bits past
 * the prefix are ignored, and kept as given for get_next_key); a full map
 * refuses new entries with -ENOSPC.
 *
 * Invariants: keys and values live in preallocated slabs and never move;
 * one rwlock: lookups run in parallel, updates and deletes alone.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "map.h"

#define LPM_DATA_MAX 256u
#define LPM_VALUE_MAX (1u << 22)

struct lpm {
	struct bpfvm_map map;
	pthread_rwlock_t lock;
	uint32_t data_size, max_prefixlen, slot_size;
	uint32_t n;           /* entries in use */
	uint32_t n_buckets;   /* power of 2 */
	uint32_t *buckets;    /* chain heads, LPM_NONE when empty */
	uint32_t *next;       /* per slot: next in its chain */
	uint8_t *used;        /* per slot */
	uint32_t *free_ids;   /* max_entries - n free slots */
	uint32_t *plen_count; /* max_prefixlen + 1 counters */
	uint32_t *plens;      /* n_plens distinct prefix lengths in use, longest first */
	uint32_t n_plens;
	uint8_t *keys;        /* key_size per slot */
	char *values;         /* slot_size per slot */
};

#define LPM_NONE UINT32_MAX

static void lpm_release(struct lpm *t)
{
	free(t->buckets);
	free(t->next);
	free(t->used);
	free(t->free_ids);
	free(t->plen_count);
	free(t->plens);
	free(t->keys);
	free(t->values);
	free(t);
}

static struct bpfvm_map *lpm_alloc(const struct bpfvm_map *attr, struct bpfvm_error *err)
{
	if (map_check_flags(attr, BPFVM_F_NO_PREALLOC | MAP_F_NUMA_NODE | MAP_F_ACCESS_MASK, err))
		return NULL;
	if (!(attr->map_flags & BPFVM_F_NO_PREALLOC)) {
		err_set(err, -EINVAL, "map_flags: lpm_trie maps need BPF_F_NO_PREALLOC");
		return NULL;
	}
	if (attr->key_size < 5 || attr->key_size > 4 + LPM_DATA_MAX) {
		err_set(err, -EINVAL, "key_size %u: lpm_trie keys are a u32 prefixlen and 1..%u "
			"bytes of data", attr->key_size, LPM_DATA_MAX);
		return NULL;
	}
	if (attr->value_size == 0 || attr->value_size > LPM_VALUE_MAX) {
		err_set(err, -EINVAL, "value_size %u is out of range for lpm_trie maps",
			attr->value_size);
		return NULL;
	}
	if (attr->max_entries > (1u << 30)) {
		err_set(err, -E2BIG, "max_entries %u is too large", attr->max_entries);
		return NULL;
	}
	struct lpm *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->map = *attr;
	t->data_size = attr->key_size - 4;
	t->max_prefixlen = t->data_size * 8;
	t->slot_size = map_round8(attr->value_size);
	uint32_t m = attr->max_entries;
	t->n_buckets = 1;
	while (t->n_buckets < m)
		t->n_buckets <<= 1;
	t->buckets = malloc((size_t)t->n_buckets * sizeof(uint32_t));
	t->next = malloc((size_t)m * sizeof(uint32_t));
	t->used = calloc(m, 1);
	t->free_ids = malloc((size_t)m * sizeof(uint32_t));
	t->plen_count = calloc(t->max_prefixlen + 1, sizeof(uint32_t));
	t->plens = malloc((t->max_prefixlen + 1) * sizeof(uint32_t));
	t->keys = calloc(m, attr->key_size);
	t->values = calloc(m, t->slot_size);
	if (!t->buckets || !t->next || !t->used || !t->free_ids || !t->plen_count ||
	    !t->plens || !t->keys || !t->values || pthread_rwlock_init(&t->lock, NULL)) {
		lpm_release(t);
		err_set(err, -ENOMEM, "cannot allocate %u lpm_trie entries", m);
		return NULL;
	}
	for (uint32_t i = 0; i < t->n_buckets; i++)
		t->buckets[i] = LPM_NONE;
	for (uint32_t i = 0; i < m; i++)
		t->free_ids[i] = m - 1 - i;
	map_add_region(&t->map, t->values, (size_t)m * t->slot_size);
	return &t->map;
}

static void lpm_free(struct bpfvm_map *map)
{
	struct lpm *t = (struct lpm *)map;
	pthread_rwlock_destroy(&t->lock);
	lpm_release(t);
}

static uint32_t prefixlen_of(const uint8_t *key)
{
	uint32_t p;
	memcpy(&p, key, 4);
	return p;
}

static const uint8_t *key_of(struct lpm *t, uint32_t id)
{
	return t->keys + (size_t)id * t->map.key_size;
}

/* Do the first bits bits of data a and b agree? */
static bool prefix_eq(const uint8_t *a, const uint8_t *b, uint32_t bits)
{
	uint32_t bytes = bits / 8, rest = bits % 8;
	if (memcmp(a, b, bytes))
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return ((a[bytes] ^ b[bytes]) & mask) == 0;
}

/* Hash of the first plen bits of data, and plen: equal prefixes collide. */
static uint32_t prefix_hash(const uint8_t *data, uint32_t plen)
{
	uint32_t h = 2166136261u ^ plen;
	uint32_t bytes = plen / 8, rest = plen % 8;
	for (uint32_t i = 0; i < bytes; i++)
		h = (h ^ data[i]) * 16777619u;
	if (rest)
		h = (h ^ (data[bytes] & (uint8_t)(0xff << (8 - rest)))) * 16777619u;
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h;
}

/* The slot holding exactly (plen, prefix of data), or LPM_NONE. *prevp:
 * its predecessor in the chain (LPM_NONE when it is the head). */
static uint32_t find_exact(struct lpm *t, const uint8_t *data, uint32_t plen, uint32_t *prevp)
{
	uint32_t b = prefix_hash(data, plen) & (t->n_buckets - 1), prev = LPM_NONE;
	for (uint32_t id = t->buckets[b]; id != LPM_NONE; prev = id, id = t->next[id]) {
		const uint8_t *k = key_of(t, id);
		if (prefixlen_of(k) == plen && prefix_eq(k + 4, data, plen)) {
			if (prevp)
				*prevp = prev;
			return id;
		}
	}
	return LPM_NONE;
}

/* Keep t->plens (the distinct lengths in use, longest first) in step. */
static void plen_add(struct lpm *t, uint32_t plen)
{
	if (t->plen_count[plen]++)
		return;
	uint32_t at = 0;
	while (at < t->n_plens && t->plens[at] > plen)
		at++;
	memmove(&t->plens[at + 1], &t->plens[at], (t->n_plens - at) * sizeof(uint32_t));
	t->plens[at] = plen;
	t->n_plens++;
}

static void plen_del(struct lpm *t, uint32_t plen)
{
	if (--t->plen_count[plen])
		return;
	uint32_t at = 0;
	while (t->plens[at] != plen)
		at++;
	memmove(&t->plens[at], &t->plens[at + 1], (t->n_plens - at - 1) * sizeof(uint32_t));
	t->n_plens--;
}

/* Longest match: one hash probe per prefix length in use, longest first. */
static void *lpm_lookup(struct bpfvm_map *map, const void *key, uint32_t cpu)
{
	struct lpm *t = (struct lpm *)map;
	const uint8_t *k = key;
	if (!k)
		return NULL;
	uint32_t plen = prefixlen_of(k);
	if (plen > t->max_prefixlen)
		plen = t->max_prefixlen;
	void *found = NULL;
	pthread_rwlock_rdlock(&t->lock);
	for (uint32_t i = 0; i < t->n_plens && !found; i++) {
		if (t->plens[i] > plen)
			continue;
		uint32_t id = find_exact(t, k + 4, t->plens[i], NULL);
		if (id != LPM_NONE)
			found = t->values + (size_t)id * t->slot_size;
	}
	pthread_rwlock_unlock(&t->lock);
	return found;
}

static long lpm_update(struct bpfvm_map *map, const void *key, const void *value,
		       uint64_t flags, uint32_t cpu)
{
	struct lpm *t = (struct lpm *)map;
	const uint8_t *k = key;
	if (!k || !value || flags > BPFVM_EXIST)
		return -EINVAL;
	uint32_t plen = prefixlen_of(k);
	if (plen > t->max_prefixlen)
		return -EINVAL;
	long ret = 0;
	pthread_rwlock_wrlock(&t->lock);
	uint32_t id = find_exact(t, k + 4, plen, NULL);
	if (id != LPM_NONE) {
		if (flags == BPFVM_NOEXIST)
			ret = -EEXIST;
		else /* memmove: value may point into this map */
			memmove(t->values + (size_t)id * t->slot_size, value, map->value_size);
		goto out;
	}
	if (flags == BPFVM_EXIST) {
		ret = -ENOENT;
		goto out;
	}
	if (t->n == map->max_entries) {
		ret = -ENOSPC;
		goto out;
	}
	id = t->free_ids[map->max_entries - t->n - 1];
	t->n++;
	memcpy(t->keys + (size_t)id * map->key_size, k, map->key_size);
	memcpy(t->values + (size_t)id * t->slot_size, value, map->value_size);
	uint32_t b = prefix_hash(k + 4, plen) & (t->n_buckets - 1);
	t->next[id] = t->buckets[b];
	t->buckets[b] = id;
	t->used[id] = 1;
	plen_add(t, plen);
out:
	pthread_rwlock_unlock(&t->lock);
	return ret;
}

static long lpm_delete(struct bpfvm_map *map, const void *key)
{
	struct lpm *t = (struct lpm *)map;
	const uint8_t *k = key;
	if (!k || prefixlen_of(k) > t->max_prefixlen)
		return -EINVAL;
	uint32_t plen = prefixlen_of(k), prev;
	pthread_rwlock_wrlock(&t->lock);
	uint32_t id = find_exact(t, k + 4, plen, &prev);
	if (id != LPM_NONE) {
		if (prev == LPM_NONE)
			t->buckets[prefix_hash(k + 4, plen) & (t->n_buckets - 1)] = t->next[id];
		else
			t->next[prev] = t->next[id];
		t->used[id] = 0;
		plen_del(t, plen);
		t->n--;
		t->free_ids[map->max_entries - t->n - 1] = id;
	}
	pthread_rwlock_unlock(&t->lock);
	return id != LPM_NONE ? 0 : -ENOENT;
}

/* Iteration walks the slots in order; a missing key restarts at the first. */
static int lpm_get_next_key(struct bpfvm_map *map, const void *key, void *next_key)
{
	struct lpm *t = (struct lpm *)map;
	const uint8_t *k = key;
	int ret = -ENOENT;
	pthread_rwlock_rdlock(&t->lock);
	uint32_t id = k && prefixlen_of(k) <= t->max_prefixlen
			      ? find_exact(t, k + 4, prefixlen_of(k), NULL)
			      : LPM_NONE;
	for (uint32_t i = id == LPM_NONE ? 0 : id + 1; i < map->max_entries; i++)
		if (t->used[i]) {
			memcpy(next_key, key_of(t, i), map->key_size);
			ret = 0;
			break;
		}
	pthread_rwlock_unlock(&t->lock);
	return ret;
}

const struct map_ops trie_map_ops = {
	.alloc = lpm_alloc,
	.free = lpm_free,
	.lookup = lpm_lookup,
	.update = lpm_update,
	.delete = lpm_delete,
	.get_next_key = lpm_get_next_key,
};
