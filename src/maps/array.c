/*
 * array.c - BPF_MAP_TYPE_ARRAY and BPF_MAP_TYPE_PERCPU_ARRAY, as the
 * kernel's arraymap.c: u32 keys 0..max_entries-1, every element exists
 * from creation (zeroed), delete is refused.
 *
 * Invariants:
 * - One zeroed block holds all values, each in an 8-byte-rounded slot
 *   (elem_size); per-CPU arrays keep nr_cpus consecutive slots per index.
 *   It never moves, so lookups are lock-free: an index check and an
 *   address computation. Concurrent writers race as in the kernel (no
 *   torn pointers, but a value copy is not atomic); programs that need
 *   atomicity use atomic instructions on the value.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "map.h"

/* The kernel's limits: KMALLOC_MAX_SIZE for a value, PCPU_MIN_UNIT_SIZE
 * for a per-CPU one. */
#define ARRAY_VALUE_MAX (1u << 22)
#define PERCPU_VALUE_MAX (32u * 1024)

struct bpf_array {
	struct bpfvm_map map;
	uint32_t elem_size; /* round8(value_size) */
	char *values;
};

static struct bpf_array *to_array(struct bpfvm_map *map)
{
	return (struct bpf_array *)map;
}

static struct bpfvm_map *array_alloc(const struct bpfvm_map *attr, struct bpfvm_error *err)
{
	bool percpu = attr->type == BPFVM_MAP_TYPE_PERCPU_ARRAY;
	uint32_t allowed = MAP_F_NUMA_NODE | MAP_F_ACCESS_MASK | MAP_F_INNER_MAP |
			   (percpu ? 0 : BPFVM_F_MMAPABLE);
	if (map_check_flags(attr, allowed, err))
		return NULL;
	if (attr->key_size != 4) {
		err_set(err, -EINVAL, "key_size %u: %s maps have 4-byte (u32) keys",
			attr->key_size, bpfvm_map_type_name(attr->type));
		return NULL;
	}
	if (attr->value_size == 0) {
		err_set(err, -EINVAL, "value_size must be > 0");
		return NULL;
	}
	uint32_t vmax = percpu ? PERCPU_VALUE_MAX : ARRAY_VALUE_MAX;
	if (attr->value_size > vmax) {
		err_set(err, -E2BIG, "value_size %u is larger than %u", attr->value_size, vmax);
		return NULL;
	}
	struct bpf_array *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->map = *attr;
	a->elem_size = map_round8(attr->value_size);
	/* elem_size * nr_cpus < 2^54: the product with max_entries is checked
	 * by division, so it cannot wrap. */
	uint64_t per_index = (uint64_t)a->elem_size * attr->nr_cpus;
	uint64_t total = per_index * attr->max_entries;
	if (per_index > (SIZE_MAX / 2) / attr->max_entries ||
	    !(a->values = calloc(1, (size_t)total))) {
		err_set(err, -ENOMEM, "cannot allocate %llu bytes of values",
			(unsigned long long)total);
		free(a);
		return NULL;
	}
	map_add_region(&a->map, a->values, (size_t)total);
	return &a->map;
}

static void array_free(struct bpfvm_map *map)
{
	struct bpf_array *a = to_array(map);
	free(a->values);
	free(a);
}

static char *slot(struct bpf_array *a, uint32_t index, uint32_t cpu)
{
	return a->values + ((size_t)index * a->map.nr_cpus + cpu) * a->elem_size;
}

static void *array_lookup(struct bpfvm_map *map, const void *key, uint32_t cpu)
{
	struct bpf_array *a = to_array(map);
	uint32_t index;
	if (!key)
		return NULL;
	memcpy(&index, key, 4);
	if (index >= map->max_entries || cpu >= map->nr_cpus)
		return NULL;
	return slot(a, index, cpu);
}

bool array_map_layout(const struct bpfvm_map *map, void **values, uint32_t *elem_size)
{
	if (map->ops != &array_map_ops || map->type != BPFVM_MAP_TYPE_ARRAY || map->nr_cpus != 1)
		return false;
	const struct bpf_array *a = (const struct bpf_array *)map;
	*values = a->values;
	*elem_size = a->elem_size;
	return true;
}

/* BPF_F_LOCK, for short. */
#define F_LOCK BPFVM_F_LOCK

/* The kernel's order of checks in array_map_update_elem(). */
static long check_update(struct bpfvm_map *map, const void *key, uint64_t flags, uint32_t *index)
{
	if (!key)
		return -EINVAL;
	if ((flags & ~F_LOCK) > BPFVM_EXIST) /* unknown flags */
		return -EINVAL;
	memcpy(index, key, 4);
	if (*index >= map->max_entries)
		return -E2BIG;
	if (flags & BPFVM_NOEXIST)
		return -EEXIST; /* every element always exists */
	if (flags & F_LOCK) /* needs a bpf_spin_lock in the value's BTF */
		return -EINVAL;
	return 0;
}

static long array_update(struct bpfvm_map *map, const void *key, const void *value,
			 uint64_t flags, uint32_t cpu)
{
	uint32_t index;
	long ret = check_update(map, key, flags, &index);
	if (ret)
		return ret;
	if (!value || cpu >= map->nr_cpus)
		return -EINVAL;
	/* memmove: the value may be a pointer into this very map. */
	memmove(slot(to_array(map), index, cpu), value, map->value_size);
	return 0;
}

static long array_delete(struct bpfvm_map *map, const void *key)
{
	return -EINVAL;
}

static int percpu_host_lookup(struct bpfvm_map *map, const void *key, void *value)
{
	struct bpf_array *a = to_array(map);
	uint32_t index;
	memcpy(&index, key, 4);
	if (index >= map->max_entries)
		return -ENOENT;
	for (uint32_t cpu = 0; cpu < map->nr_cpus; cpu++)
		memcpy((char *)value + (size_t)cpu * a->elem_size, slot(a, index, cpu),
		       a->elem_size);
	return 0;
}

static int percpu_host_update(struct bpfvm_map *map, const void *key, const void *value,
			      uint64_t flags)
{
	struct bpf_array *a = to_array(map);
	uint32_t index;
	long ret = check_update(map, key, flags, &index);
	if (ret)
		return (int)ret;
	for (uint32_t cpu = 0; cpu < map->nr_cpus; cpu++)
		memcpy(slot(a, index, cpu), (const char *)value + (size_t)cpu * a->elem_size,
		       a->elem_size);
	return 0;
}

const struct map_ops array_map_ops = {
	.alloc = array_alloc,
	.free = array_free,
	.lookup = array_lookup,
	.update = array_update,
	.delete = array_delete,
	.get_next_key = map_index_get_next_key,
};

const struct map_ops percpu_array_map_ops = {
	.alloc = array_alloc,
	.free = array_free,
	.lookup = array_lookup,
	.update = array_update,
	.delete = array_delete,
	.host_lookup = percpu_host_lookup,
	.host_update = percpu_host_update,
	.get_next_key = map_index_get_next_key,
};
