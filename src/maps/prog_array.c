/*
 * prog_array.c - BPF_MAP_TYPE_PROG_ARRAY, the table of bpf_tail_call(): u32
 * index -> program, as the kernel's prog_array in arraymap.c.
 *
 * There are no file descriptors in userspace: the host writes program ids
 * (bpfvm_prog__id()) and reads them back, as the kernel's syscall lookup
 * returns the program's id. Programs cannot update the array.
 *
 * Invariants: each slot is an atomic pointer holding one reference to its
 * program (prog_get at update, prog_put when replaced, deleted or when the
 * map is freed). Slots are swapped with atomic exchanges, so a reader sees
 * either the old or the new program, never a torn pointer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "map.h"
#include "prog/prog.h"

struct prog_array {
	struct bpfvm_map map;
	struct bpfvm_prog **slots;
};

static struct bpfvm_map *prog_array_alloc(const struct bpfvm_map *attr, struct bpfvm_error *err)
{
	if (map_check_flags(attr, MAP_F_NUMA_NODE | MAP_F_ACCESS_MASK, err))
		return NULL;
	if (attr->key_size != 4 || attr->value_size != 4) {
		err_set(err, -EINVAL, "%s %u: prog_array maps have 4-byte keys and values "
			"(index -> program id)", attr->key_size != 4 ? "key_size" : "value_size",
			attr->key_size != 4 ? attr->key_size : attr->value_size);
		return NULL;
	}
	struct prog_array *pa = calloc(1, sizeof(*pa));
	if (!pa)
		return NULL;
	pa->map = *attr;
	pa->slots = calloc(attr->max_entries, sizeof(*pa->slots));
	if (!pa->slots) {
		free(pa);
		return NULL;
	}
	return &pa->map;
}

static void prog_array_free(struct bpfvm_map *map)
{
	struct prog_array *pa = (struct prog_array *)map;
	for (uint32_t i = 0; i < map->max_entries; i++)
		prog_put(pa->slots[i]);
	free(pa->slots);
	free(pa);
}

static int read_index(struct bpfvm_map *map, const void *key, uint32_t *index)
{
	memcpy(index, key, 4);
	return *index < map->max_entries ? 0 : -E2BIG;
}

static int prog_array_host_lookup(struct bpfvm_map *map, const void *key, void *value)
{
	struct prog_array *pa = (struct prog_array *)map;
	uint32_t index;
	if (read_index(map, key, &index))
		return -ENOENT;
	struct bpfvm_prog *prog = __atomic_load_n(&pa->slots[index], __ATOMIC_ACQUIRE);
	if (!prog)
		return -ENOENT;
	memcpy(value, &prog->id, 4);
	return 0;
}

static int prog_array_host_update(struct bpfvm_map *map, const void *key, const void *value,
				  uint64_t flags)
{
	struct prog_array *pa = (struct prog_array *)map;
	uint32_t index, id;
	if (flags != BPFVM_ANY)
		return -EINVAL; /* as the kernel's fd arrays */
	int ret = read_index(map, key, &index);
	if (ret)
		return ret;
	memcpy(&id, value, 4);
	struct bpfvm_prog *prog = prog_get_by_id(map->vm, id);
	if (!prog)
		return -EINVAL; /* the kernel's bad fd */
	prog_put(__atomic_exchange_n(&pa->slots[index], prog, __ATOMIC_ACQ_REL));
	return 0;
}

static int prog_array_host_delete(struct bpfvm_map *map, const void *key)
{
	struct prog_array *pa = (struct prog_array *)map;
	uint32_t index;
	int ret = read_index(map, key, &index);
	if (ret)
		return -ENOENT;
	struct bpfvm_prog *old = __atomic_exchange_n(&pa->slots[index], NULL, __ATOMIC_ACQ_REL);
	if (!old)
		return -ENOENT;
	prog_put(old);
	return 0;
}

struct bpfvm_prog *prog_array_get(struct bpfvm_map *map, uint32_t index)
{
	if (!map || map->type != BPFVM_MAP_TYPE_PROG_ARRAY || index >= map->max_entries)
		return NULL;
	struct prog_array *pa = (struct prog_array *)map;
	return __atomic_load_n(&pa->slots[index], __ATOMIC_ACQUIRE);
}

void prog_array_clear(struct bpfvm_map *map)
{
	if (!map || map->type != BPFVM_MAP_TYPE_PROG_ARRAY)
		return;
	struct prog_array *pa = (struct prog_array *)map;
	for (uint32_t i = 0; i < map->max_entries; i++)
		prog_put(__atomic_exchange_n(&pa->slots[i], NULL, __ATOMIC_ACQ_REL));
}

const struct map_ops prog_array_map_ops = {
	.alloc = prog_array_alloc,
	.free = prog_array_free,
	.host_lookup = prog_array_host_lookup,
	.host_update = prog_array_host_update,
	.host_delete = prog_array_host_delete,
	.get_next_key = map_index_get_next_key,
};
