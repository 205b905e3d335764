/*
 * registry.c - every live map of a vm, by address and by id.
 *
 * Programs pass maps to helpers as plain integers; map_by_addr() accepts
 * only the address of a map registered here, so a forged pointer gives
 * NULL and is never dereferenced. The registry keeps its maps in an array
 * sorted by address (binary search on the helpers' hot path) behind a
 * rwlock: readers (helpers, the interpreter's region checks) run in
 * parallel, map creation and destruction take it for writing.
 *
 * Invariants:
 * - A map is in the registry from bpfvm_map__create() until map_destroy();
 *   the vm holds one reference to each, dropped by map_registry_free().
 * - Ids grow from 1 and are never reused within a vm.
 * - No map operation is called with the registry lock held, so map locks
 *   and the registry lock never nest the wrong way round.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "map.h"
#include "prog/prog.h"

struct map_registry {
	pthread_rwlock_t lock;
	struct bpfvm_map **maps; /* sorted by address */
	size_t n, cap;
	uint32_t next_id;
};

int map_registry_init(struct bpfvm_vm *vm)
{
	if (vm->maps)
		return 0;
	struct map_registry *reg = calloc(1, sizeof(*reg));
	if (!reg)
		return -ENOMEM;
	if (pthread_rwlock_init(&reg->lock, NULL)) {
		free(reg);
		return -ENOMEM;
	}
	reg->next_id = 1;
	vm->maps = reg;
	return 0;
}

/* Index of the first map whose address is >= map (insertion point). */
static size_t lower_bound(const struct map_registry *reg, uintptr_t addr)
{
	size_t lo = 0, hi = reg->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if ((uintptr_t)reg->maps[mid] < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int map_registry_add(struct bpfvm_vm *vm, struct bpfvm_map *map)
{
	struct map_registry *reg = vm->maps;
	if (!reg)
		return -EINVAL; /* the vm was not made by bpfvm_vm__new() */
	int ret = 0;
	pthread_rwlock_wrlock(&reg->lock);
	if (reg->next_id == 0) { /* 2^32 - 1 maps made in this vm */
		ret = -ENOSPC;
		goto out;
	}
	if (reg->n == reg->cap) {
		size_t cap = reg->cap ? reg->cap * 2 : 16;
		struct bpfvm_map **maps = realloc(reg->maps, cap * sizeof(*maps));
		if (!maps) {
			ret = -ENOMEM;
			goto out;
		}
		reg->maps = maps;
		reg->cap = cap;
	}
	size_t at = lower_bound(reg, (uintptr_t)map);
	memmove(&reg->maps[at + 1], &reg->maps[at], (reg->n - at) * sizeof(*reg->maps));
	reg->maps[at] = map;
	reg->n++;
	map->id = reg->next_id++;
out:
	pthread_rwlock_unlock(&reg->lock);
	return ret;
}

void map_registry_remove(struct bpfvm_vm *vm, struct bpfvm_map *map)
{
	struct map_registry *reg = vm->maps;
	if (!reg)
		return;
	pthread_rwlock_wrlock(&reg->lock);
	size_t at = lower_bound(reg, (uintptr_t)map);
	if (at < reg->n && reg->maps[at] == map) {
		memmove(&reg->maps[at], &reg->maps[at + 1], (reg->n - at - 1) * sizeof(*reg->maps));
		reg->n--;
	}
	pthread_rwlock_unlock(&reg->lock);
}

struct bpfvm_map *map_by_addr(struct bpfvm_vm *vm, uint64_t addr)
{
	struct map_registry *reg = vm ? vm->maps : NULL;
	struct bpfvm_map *found = NULL;
	if (!reg || addr > UINTPTR_MAX)
		return NULL;
	pthread_rwlock_rdlock(&reg->lock);
	size_t at = lower_bound(reg, (uintptr_t)addr);
	if (at < reg->n && (uintptr_t)reg->maps[at] == (uintptr_t)addr)
		found = reg->maps[at];
	pthread_rwlock_unlock(&reg->lock);
	return found;
}

struct bpfvm_map *map_by_id(struct bpfvm_vm *vm, uint32_t id)
{
	struct map_registry *reg = vm ? vm->maps : NULL;
	struct bpfvm_map *found = NULL;
	if (!reg || !id)
		return NULL;
	pthread_rwlock_rdlock(&reg->lock);
	for (size_t i = 0; i < reg->n && !found; i++)
		if (reg->maps[i]->id == id)
			found = reg->maps[i];
	pthread_rwlock_unlock(&reg->lock);
	return found;
}

static bool region_holds(const struct map_region *r, uint64_t addr, uint64_t size)
{
	uint64_t base = (uint64_t)(uintptr_t)r->base;
	return addr >= base && size <= r->len && addr - base <= r->len - size;
}

/* Caller holds the read lock. */
static struct bpfvm_map *owner_locked(struct map_registry *reg, uint64_t addr, uint64_t size,
				      bool write, bool any_access)
{
	for (size_t i = 0; i < reg->n; i++) {
		struct bpfvm_map *map = reg->maps[i];
		for (unsigned r = 0; r < map->n_regions; r++)
			if (region_holds(&map->regions[r], addr, size) &&
			    (any_access || !write || map->regions[r].writable))
				return map;
	}
	return NULL;
}

bool map_region_find(struct bpfvm_vm *vm, uint64_t addr, uint64_t size, bool write)
{
	struct map_registry *reg = vm ? vm->maps : NULL;
	if (!reg || size == 0)
		return false;
	pthread_rwlock_rdlock(&reg->lock);
	bool found = owner_locked(reg, addr, size, write, false) != NULL;
	pthread_rwlock_unlock(&reg->lock);
	return found;
}

struct bpfvm_map *map_region_owner(struct bpfvm_vm *vm, uint64_t addr, uint64_t size)
{
	struct map_registry *reg = vm ? vm->maps : NULL;
	if (!reg || size == 0)
		return NULL;
	pthread_rwlock_rdlock(&reg->lock);
	struct bpfvm_map *map = owner_locked(reg, addr, size, false, true);
	pthread_rwlock_unlock(&reg->lock);
	return map;
}

/* Pick a map to free at teardown: outer map-in-map maps first, so that
 * the references they hold on inner maps are dropped while those live. */
static struct bpfvm_map *pick_leftover(struct map_registry *reg)
{
	struct bpfvm_map *pick = NULL;
	pthread_rwlock_rdlock(&reg->lock);
	for (size_t i = 0; i < reg->n; i++) {
		pick = reg->maps[i];
		if (pick->inner_meta)
			break;
	}
	pthread_rwlock_unlock(&reg->lock);
	return pick;
}

void map_registry_free(struct bpfvm_vm *vm)
{
	struct map_registry *reg = vm ? vm->maps : NULL;
	if (!reg)
		return;
	/* Drop the vm's reference of every map, from a snapshot: putting a
	 * map may destroy it and, through it, inner maps. */
	pthread_rwlock_rdlock(&reg->lock);
	size_t n = reg->n;
	struct bpfvm_map **snap = n ? malloc(n * sizeof(*snap)) : NULL;
	if (snap)
		memcpy(snap, reg->maps, n * sizeof(*snap));
	pthread_rwlock_unlock(&reg->lock);
	/* Programs in prog arrays may hold references to the arrays
	 * themselves (a program tail-calling through its own array): empty
	 * them first, as the kernel does when the last user reference goes,
	 * so that no cycle outlives the vm. Nothing runs any more. */
	for (size_t i = 0; snap && i < n; i++)
		prog_array_clear(snap[i]);
	for (size_t i = 0; snap && i < n; i++)
		bpfvm_map__put(snap[i]);
	free(snap);
	/* What is left was leaked by its users (or the snapshot failed):
	 * free it anyway, the vm is going away. */
	struct bpfvm_map *map;
	while ((map = pick_leftover(reg)) != NULL)
		map_destroy(map);
	pthread_rwlock_destroy(&reg->lock);
	free(reg->maps);
	free(reg);
	vm->maps = NULL;
}
