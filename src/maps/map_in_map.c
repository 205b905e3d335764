/*
 * map_in_map.c - BPF_MAP_TYPE_ARRAY_OF_MAPS and BPF_MAP_TYPE_HASH_OF_MAPS
 * (the kernel's map_in_map.c with the fd arrays of arraymap.c and
 * hashtab.c): values are maps.
 *
 * The host reads and writes u32 map ids (map_by_id; no fds in userspace);
 * programs' lookups return the inner struct bpfvm_map *, as the kernel's
 * return a map pointer. Every inner map must match the template given at
 * create (opts->inner_map): type, key and value size, flags and, unless
 * the template has BPF_F_INNER_MAP, max_entries.
 *
 * Invariants: each stored map pointer holds one reference, taken at
 * update and dropped on replace, delete and free. Stored pointers are not
 * value storage programs may touch (no regions): a program writing one
 * could forge a map. Inner maps outlive any pointer a program got, since
 * the vm holds a reference to every map until it is freed itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "hash.h"

static int check_meta(const struct bpfvm_map *attr, struct bpfvm_error *err)
{
	const struct bpfvm_map *meta = attr->inner_meta;
	if (!meta)
		return err_set(err, -EINVAL, "inner_map is required for %s maps",
			       bpfvm_map_type_name(attr->type));
	if (meta->vm != attr->vm)
		return err_set(err, -EINVAL, "inner_map belongs to another vm");
	if (meta->inner_meta)
		return err_set(err, -EINVAL, "inner_map is itself a map-in-map (one level only)");
	if (attr->value_size != 4)
		return err_set(err, -EINVAL, "value_size %u: %s values are 4-byte map ids",
			       attr->value_size, bpfvm_map_type_name(attr->type));
	return 0;
}

/* May inner be stored in map? (the kernel's bpf_map_meta_equal) */
static bool meta_equal(const struct bpfvm_map *map, const struct bpfvm_map *inner)
{
	const struct bpfvm_map *meta = map->inner_meta;
	return inner->vm == map->vm && inner->type == meta->type &&
	       inner->key_size == meta->key_size && inner->value_size == meta->value_size &&
	       inner->map_flags == meta->map_flags &&
	       ((meta->map_flags & MAP_F_INNER_MAP) || inner->max_entries == meta->max_entries);
}

/* The map the host names by id, with a reference, if it may go in map. */
static struct bpfvm_map *inner_from_id(struct bpfvm_map *map, const void *value, int *ret)
{
	uint32_t id;
	memcpy(&id, value, 4);
	struct bpfvm_map *inner = map_by_id(map->vm, id);
	if (!inner) {
		*ret = -EBADF; /* the kernel's answer to a bad map fd */
		return NULL;
	}
	if (!meta_equal(map, inner)) {
		*ret = -EINVAL;
		return NULL;
	}
	return bpfvm_map__get(inner);
}

/* ---- array of maps ---- */

struct map_array {
	struct bpfvm_map map;
	struct bpfvm_map **slots;
};

static struct bpfvm_map *aom_alloc(const struct bpfvm_map *attr, struct bpfvm_error *err)
{
	if (map_check_flags(attr, MAP_F_NUMA_NODE | MAP_F_ACCESS_MASK, err) ||
	    check_meta(attr, err))
		return NULL;
	if (attr->key_size != 4) {
		err_set(err, -EINVAL, "key_size %u: array_of_maps maps have 4-byte keys",
			attr->key_size);
		return NULL;
	}
	struct map_array *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->map = *attr;
	a->slots = calloc(attr->max_entries, sizeof(*a->slots));
	if (!a->slots) {
		free(a);
		return NULL;
	}
	bpfvm_map__get(a->map.inner_meta);
	return &a->map;
}

static void aom_free(struct bpfvm_map *map)
{
	struct map_array *a = (struct map_array *)map;
	for (uint32_t i = 0; i < map->max_entries; i++)
		bpfvm_map__put(a->slots[i]);
	free(a->slots);
	free(a);
}

static struct bpfvm_map **aom_slot(struct bpfvm_map *map, const void *key)
{
	uint32_t index;
	if (!key)
		return NULL;
	memcpy(&index, key, 4);
	return index < map->max_entries ? &((struct map_array *)map)->slots[index] : NULL;
}

static void *aom_lookup(struct bpfvm_map *map, const void *key, uint32_t cpu)
{
	struct bpfvm_map **slot = aom_slot(map, key);
	return slot ? __atomic_load_n(slot, __ATOMIC_ACQUIRE) : NULL;
}

static int aom_host_lookup(struct bpfvm_map *map, const void *key, void *value)
{
	struct bpfvm_map *inner = aom_lookup(map, key, 0);
	if (!inner)
		return -ENOENT;
	memcpy(value, &inner->id, 4);
	return 0;
}

static int aom_host_update(struct bpfvm_map *map, const void *key, const void *value,
			   uint64_t flags)
{
	struct bpfvm_map **slot = aom_slot(map, key);
	int ret = 0;
	if (flags != BPFVM_ANY)
		return -EINVAL;
	if (!slot)
		return -E2BIG;
	struct bpfvm_map *inner = inner_from_id(map, value, &ret);
	if (!inner)
		return ret;
	bpfvm_map__put(__atomic_exchange_n(slot, inner, __ATOMIC_ACQ_REL));
	return 0;
}

static int aom_host_delete(struct bpfvm_map *map, const void *key)
{
	struct bpfvm_map **slot = aom_slot(map, key);
	struct bpfvm_map *old = slot ? __atomic_exchange_n(slot, NULL, __ATOMIC_ACQ_REL) : NULL;
	if (!old)
		return -ENOENT;
	bpfvm_map__put(old);
	return 0;
}

const struct map_ops array_of_maps_map_ops = {
	.alloc = aom_alloc,
	.free = aom_free,
	.lookup = aom_lookup,
	.host_lookup = aom_host_lookup,
	.host_update = aom_host_update,
	.host_delete = aom_host_delete,
	.get_next_key = map_index_get_next_key,
};

/* ---- hash of maps: the hash core storing map pointers ---- */

static void hom_release(struct htab *h, void *value)
{
	struct bpfvm_map *inner;
	memcpy(&inner, value, sizeof(inner));
	bpfvm_map__put(inner);
}

static struct bpfvm_map *hom_alloc(const struct bpfvm_map *attr, struct bpfvm_error *err)
{
	if (check_meta(attr, err))
		return NULL;
	struct htab *h = htab_create(attr, sizeof(struct bpfvm_map *), err);
	if (!h)
		return NULL;
	h->release = hom_release;
	h->map.n_regions = 0; /* pointers, not program data */
	bpfvm_map__get(h->map.inner_meta);
	return &h->map;
}

static void hom_free(struct bpfvm_map *map)
{
	htab_destroy((struct htab *)map);
}

static void *hom_lookup(struct bpfvm_map *map, const void *key, uint32_t cpu)
{
	struct bpfvm_map **p = htab_lookup((struct htab *)map, key, 0);
	return p ? __atomic_load_n(p, __ATOMIC_ACQUIRE) : NULL;
}

static int hom_host_lookup(struct bpfvm_map *map, const void *key, void *value)
{
	struct bpfvm_map *inner = hom_lookup(map, key, 0);
	if (!inner)
		return -ENOENT;
	memcpy(value, &inner->id, 4);
	return 0;
}

static int hom_host_update(struct bpfvm_map *map, const void *key, const void *value,
			   uint64_t flags)
{
	int ret = 0;
	if (flags > BPFVM_EXIST)
		return -EINVAL;
	struct bpfvm_map *inner = inner_from_id(map, value, &ret);
	if (!inner)
		return ret;
	ret = (int)htab_update((struct htab *)map, key, &inner, flags, 0, false);
	if (ret)
		bpfvm_map__put(inner);
	return ret;
}

static int hom_host_delete(struct bpfvm_map *map, const void *key)
{
	return (int)htab_delete((struct htab *)map, key, NULL);
}

static int hom_get_next_key(struct bpfvm_map *map, const void *key, void *next_key)
{
	return htab_get_next_key((struct htab *)map, key, next_key);
}

const struct map_ops hash_of_maps_map_ops = {
	.alloc = hom_alloc,
	.free = hom_free,
	.lookup = hom_lookup,
	.host_lookup = hom_host_lookup,
	.host_update = hom_host_update,
	.host_delete = hom_host_delete,
	.get_next_key = hom_get_next_key,
};
