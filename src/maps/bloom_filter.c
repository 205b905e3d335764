/*
 * bloom_filter.c - BPF_MAP_TYPE_BLOOM_FILTER, as the kernel's
 * bloom_filter.c: no keys; push adds a value, peek answers "maybe
 * present" (0) or "certainly absent" (-ENOENT). map_extra's low 4 bits are
 * the number of hash functions (0 means 5).
 *
 * Invariants: the bit array is sized as the kernel's (max_entries *
 * hashes / ln 2, rounded up to a power of 2, at least 64 bits, at most
 * 2^31) and only ever gains bits, with atomic ORs, so readers need no
 * lock and there are no false negatives. Values cannot be deleted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/murmur.h"
#include "map.h"

#define BLOOM_VALUE_MAX (1u << 22)

struct bloom {
	struct bpfvm_map map;
	uint32_t nr_hashes;
	uint32_t mask; /* bits - 1 */
	uint64_t *bits;
};

static uint32_t bloom_hash(const void *value, uint32_t len, uint32_t seed)
{
	/* FNV-1a with the seed folded in, then a murmur finalizer so that
	 * the low bits (the ones the mask keeps) depend on every byte. */
	const uint8_t *p = value;
	uint32_t h = 2166136261u ^ (seed * 0x9e3779b9u);
	for (uint32_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return murmur3_fmix(h);
}

static struct bpfvm_map *bloom_alloc(const struct bpfvm_map *attr, struct bpfvm_error *err)
{
	if (map_check_flags(attr, MAP_F_NUMA_NODE | MAP_F_ACCESS_MASK, err))
		return NULL;
	if (attr->key_size != 0) {
		err_set(err, -EINVAL, "key_size must be 0 for bloom_filter maps");
		return NULL;
	}
	if (attr->value_size == 0 || attr->value_size > BLOOM_VALUE_MAX) {
		err_set(err, attr->value_size ? -E2BIG : -EINVAL,
			"value_size %u is out of range for bloom_filter maps", attr->value_size);
		return NULL;
	}
	if (attr->map_extra & ~0xfull) {
		err_set(err, -EINVAL, "map_extra 0x%llx: a bloom filter takes 1..15 hash "
			"functions in the low 4 bits", (unsigned long long)attr->map_extra);
		return NULL;
	}
	uint32_t nr_hashes = attr->map_extra & 0xf;
	if (!nr_hashes)
		nr_hashes = 5;
	/* bits = entries * hashes * 7/5 (~ 1/ln 2), as the kernel. */
	uint64_t want = (uint64_t)attr->max_entries * nr_hashes / 5 * 7;
	uint64_t nbits = 64;
	while (nbits < want && nbits < (1ull << 31))
		nbits <<= 1;
	struct bloom *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->map = *attr;
	b->nr_hashes = nr_hashes;
	b->mask = (uint32_t)(nbits - 1);
	b->bits = calloc(nbits / 64, sizeof(uint64_t));
	if (!b->bits) {
		free(b);
		return NULL;
	}
	return &b->map;
}

static void bloom_free(struct bpfvm_map *map)
{
	struct bloom *b = (struct bloom *)map;
	free(b->bits);
	free(b);
}

static long bloom_push(struct bpfvm_map *map, const void *value, uint64_t flags)
{
	struct bloom *b = (struct bloom *)map;
	if (flags != BPFVM_ANY || !value)
		return -EINVAL;
	for (uint32_t i = 0; i < b->nr_hashes; i++) {
		uint32_t bit = bloom_hash(value, map->value_size, i) & b->mask;
		__atomic_fetch_or(&b->bits[bit / 64], 1ull << (bit % 64), __ATOMIC_RELAXED);
	}
	return 0;
}

static long bloom_peek(struct bpfvm_map *map, void *value)
{
	struct bloom *b = (struct bloom *)map;
	if (!value)
		return -EINVAL;
	for (uint32_t i = 0; i < b->nr_hashes; i++) {
		uint32_t bit = bloom_hash(value, map->value_size, i) & b->mask;
		if (!(__atomic_load_n(&b->bits[bit / 64], __ATOMIC_RELAXED) & (1ull << (bit % 64))))
			return -ENOENT;
	}
	return 0;
}

const struct map_ops bloom_filter_map_ops = {
	.alloc = bloom_alloc,
	.free = bloom_free,
	.push = bloom_push,
	.peek = bloom_peek,
};
