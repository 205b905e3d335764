/*
 * redirect_maps.c - devmap, devmap_hash... the maps XDP programs redirect
 * through: devmap (ifindexes), cpumap (queue sizes) and xskmap (AF_XDP
 * sockets), as arrays of their u32 (or struct bpf_devmap_val /
 * bpf_cpumap_val) values.
 *
 * bpfvm has no devices, CPUs to steer to, or sockets: these maps hold what
 * the host puts in them, so objects that declare them load, dump and run,
 * and bpf_redirect_map can name a target that a runner records. The
 * storage and the key rules are the array's; only the checks at create,
 * delete (which empties a slot, as the kernel does) and a program's
 * lookup (NULL for an empty slot, as the kernel's) differ.
 */
#include <errno.h>
#include <string.h>

#include "common/error.h"
#include "map.h"

static struct bpfvm_map *redirect_alloc(const struct bpfvm_map *attr, struct bpfvm_error *err)
{
	const char *name = bpfvm_map_type_name(attr->type);
	if (map_check_flags(attr, MAP_F_NUMA_NODE | MAP_F_RDONLY | MAP_F_WRONLY, err))
		return NULL;
	if (attr->key_size != 4) {
		err_set(err, -EINVAL, "key_size %u: %s maps have 4-byte keys", attr->key_size, name);
		return NULL;
	}
	/* u32 target, or the 8-byte struct with a program fd (devmap, cpumap). */
	bool ok = attr->value_size == 4 ||
		  (attr->value_size == 8 && attr->type != BPFVM_MAP_TYPE_XSKMAP);
	if (!ok) {
		err_set(err, -EINVAL, "value_size %u: %s values are 4%s bytes", attr->value_size,
			name, attr->type != BPFVM_MAP_TYPE_XSKMAP ? " or 8" : "");
		return NULL;
	}
	return array_map_ops.alloc(attr, err);
}

/* Deleting empties the slot (the kernel drops the device or socket). */
static long redirect_delete(struct bpfvm_map *map, const void *key)
{
	uint32_t index;
	memcpy(&index, key, sizeof(index));
	if (index >= map->max_entries)
		return -EINVAL;
	void *value = array_map_ops.lookup(map, key, 0);
	if (!value)
		return -ENOENT;
	memset(value, 0, map->value_size);
	return 0;
}

/* The rest is the array's (called through its ops: C cannot copy another
 * table's members into a static initializer). */
static void redirect_free(struct bpfvm_map *map)
{
	array_map_ops.free(map);
}

/* A program's lookup finds only a slot that holds a target: the kernel's
 * devmap and xskmap lookups return NULL for an empty slot (no device or
 * socket there), and programs test that before bpf_redirect_map (libxdp's
 * xsk_def_xdp_prog_5.3.o does; tests/kernel/test_kernel_runner.c keeps
 * the reduced case). Empty is a zero target, as bpf_redirect_map reads
 * it (helpers/redirect.c). */
static void *redirect_lookup(struct bpfvm_map *map, const void *key, uint32_t cpu)
{
	uint32_t target;
	void *slot = array_map_ops.lookup(map, key, cpu);
	if (!slot)
		return NULL;
	memcpy(&target, slot, sizeof(target));
	return target ? slot : NULL;
}

/* The host still reads every slot, empty ones as zeros. */
static int redirect_host_lookup(struct bpfvm_map *map, const void *key, void *value)
{
	void *slot = array_map_ops.lookup(map, key, 0);
	if (!slot)
		return -ENOENT;
	memcpy(value, slot, map->value_size);
	return 0;
}

static long redirect_update(struct bpfvm_map *map, const void *key, const void *value,
			    uint64_t flags, uint32_t cpu)
{
	return array_map_ops.update(map, key, value, flags, cpu);
}

const struct map_ops redirect_map_ops = {
	.alloc = redirect_alloc,
	.free = redirect_free,
	.lookup = redirect_lookup,
	.host_lookup = redirect_host_lookup,
	.update = redirect_update,
	.delete = redirect_delete,
	.get_next_key = map_index_get_next_key,
};
