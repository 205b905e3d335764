/*
 * map.c - what every map type shares: create (the generic checks, then the
 * type's own), references, getters, the host API with bpf(2) semantics,
 * and the program-side entry points the helpers call.
 *
 * Invariants:
 * - A map starts with two references, the vm's and the creator's; it is
 *   destroyed (unregistered, then freed by its type) with the last one.
 * - Every entry point distrusts its arguments: NULL maps, missing ops and
 *   out-of-range cpus give an error, never a crash.
 * - The access flags are enforced here, once: BPF_F_RDONLY / WRONLY for
 *   the host, BPFVM_F_RDONLY_PROG / WRONLY_PROG for programs (where the
 *   kernel's verifier would refuse the program; here the call fails).
 */
#include <errno.h>
#include <sched.h>
#include <string.h>

#include "common/error.h"
#include "map.h"
#include "prog/prog.h"

void map_spin_lock_slow(int *lock)
{
	for (unsigned spins = 0;; spins++) {
		int zero = 0;
		if (__atomic_load_n(lock, __ATOMIC_RELAXED) == 0 &&
		    __atomic_compare_exchange_n(lock, &zero, 1, false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return;
		/* Threads are not pinned: a holder may be descheduled, so
		 * give up the cpu instead of burning it. */
		if (spins > 64)
			sched_yield();
	}
}

int map_check_flags(const struct bpfvm_map *attr, uint32_t allowed, struct bpfvm_error *err)
{
	uint32_t bad = attr->map_flags & ~allowed;
	if (bad)
		return err_set(err, -EINVAL, "map_flags 0x%x: flag 0x%x is not allowed for %s maps",
			       attr->map_flags, bad & -bad, bpfvm_map_type_name(attr->type));
	if ((attr->map_flags & BPFVM_F_RDONLY_PROG) && (attr->map_flags & BPFVM_F_WRONLY_PROG))
		return err_set(err, -EINVAL,
			       "map_flags: BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG together");
	if ((attr->map_flags & MAP_F_RDONLY) && (attr->map_flags & MAP_F_WRONLY))
		return err_set(err, -EINVAL, "map_flags: BPF_F_RDONLY and BPF_F_WRONLY together");
	return 0;
}

void map_add_region(struct bpfvm_map *map, void *base, size_t len)
{
	if (map->n_regions >= MAP_MAX_REGIONS || !base || !len)
		return;
	map->regions[map->n_regions++] = (struct map_region){
		.base = base,
		.len = len,
		.writable = !(map->map_flags & BPFVM_F_RDONLY_PROG),
	};
}

/* ---- create and references ---- */

static struct bpfvm_map *create_fail(struct bpfvm_error *err, int code)
{
	(void)err;
	errno = -code;
	return NULL;
}

struct bpfvm_map *bpfvm_map__create(struct bpfvm_vm *vm, enum bpfvm_map_type type,
				    const char *name, uint32_t key_size, uint32_t value_size,
				    uint32_t max_entries, const struct bpfvm_map_opts *opts,
				    struct bpfvm_error *err)
{
	struct bpfvm_error local;
	if (!err)
		err = &local;
	err_clear(err);
	if (!vm)
		return create_fail(err, err_set(err, -EINVAL, "no vm"));
	if (!OPTS_CHECK(bpfvm_map_opts, opts))
		return create_fail(err, err_set(err, -EINVAL,
						"bpfvm_map_opts: bad sz or unknown non-zero fields"));
	const char *tname = bpfvm_map_type_name(type);
	const struct map_ops *ops = map_type_ops(type);
	if (!tname)
		return create_fail(err, err_set(err, -EINVAL, "map_type %u is unknown",
						(unsigned)type));
	if (!ops)
		return create_fail(err, err_set(err, -ENOTSUP,
						"map_type %s is not supported by bpfvm", tname));
	if (name && strlen(name) >= BPFVM_OBJ_NAME_LEN)
		return create_fail(err, err_set(err, -EINVAL,
						"map name \"%.16s...\" is longer than %d bytes",
						name, BPFVM_OBJ_NAME_LEN - 1));
	if (max_entries == 0)
		return create_fail(err, err_set(err, -EINVAL,
						"max_entries must be > 0 (%s map)", tname));

	struct bpfvm_map attr = {
		.ops = ops,
		.vm = vm,
		.type = type,
		.key_size = key_size,
		.value_size = value_size,
		.max_entries = max_entries,
		.map_flags = OPTS_GET(opts, map_flags, 0),
		.map_extra = OPTS_GET(opts, map_extra, 0),
		.nr_cpus = map_type_percpu(type) ? vm->nr_cpus : 1,
		.btf_key_type_id = OPTS_GET(opts, btf_key_type_id, 0),
		.btf_value_type_id = OPTS_GET(opts, btf_value_type_id, 0),
		.refcnt = 2, /* the vm's and the caller's */
		/* The type's alloc checks and takes the reference. */
		.inner_meta = (struct bpfvm_map *)OPTS_GET(opts, inner_map, NULL),
	};
	if (attr.nr_cpus == 0)
		attr.nr_cpus = 1;
	if (name)
		strcpy(attr.name, name);
	if (attr.inner_meta && type != BPFVM_MAP_TYPE_ARRAY_OF_MAPS &&
	    type != BPFVM_MAP_TYPE_HASH_OF_MAPS)
		return create_fail(err, err_set(err, -EINVAL,
						"inner_map is only for array_of_maps and hash_of_maps"));
	if (attr.map_extra && type != BPFVM_MAP_TYPE_BLOOM_FILTER)
		return create_fail(err, err_set(err, -EINVAL,
						"map_extra is only for bloom_filter maps"));

	struct bpfvm_map *map = ops->alloc(&attr, err);
	if (!map) {
		if (err->code == 0)
			err_set(err, -ENOMEM, "out of memory creating a %s map", tname);
		return create_fail(err, err->code);
	}
	int ret = map_registry_add(vm, map);
	if (ret) {
		struct bpfvm_map *meta = map->inner_meta;
		ops->free(map);
		bpfvm_map__put(meta);
		return create_fail(err, err_set(err, ret, "cannot register the map in its vm"));
	}
	return map;
}

void map_destroy(struct bpfvm_map *map)
{
	map_registry_remove(map->vm, map);
	struct bpfvm_map *meta = map->inner_meta;
	map->ops->free(map);
	bpfvm_map__put(meta);
}

struct bpfvm_map *bpfvm_map__get(struct bpfvm_map *map)
{
	if (map)
		__atomic_fetch_add(&map->refcnt, 1, __ATOMIC_RELAXED);
	return map;
}

void bpfvm_map__put(struct bpfvm_map *map)
{
	if (map && __atomic_sub_fetch(&map->refcnt, 1, __ATOMIC_ACQ_REL) == 0)
		map_destroy(map);
}

const char *bpfvm_map__name(const struct bpfvm_map *map)
{
	return map ? map->name : NULL;
}

enum bpfvm_map_type bpfvm_map__type(const struct bpfvm_map *map)
{
	return map ? map->type : 0;
}

uint32_t bpfvm_map__key_size(const struct bpfvm_map *map)
{
	return map ? map->key_size : 0;
}

uint32_t bpfvm_map__value_size(const struct bpfvm_map *map)
{
	return map ? map->value_size : 0;
}

uint32_t bpfvm_map__max_entries(const struct bpfvm_map *map)
{
	return map ? map->max_entries : 0;
}

uint32_t bpfvm_map__id(const struct bpfvm_map *map)
{
	return map ? map->id : 0;
}

uint32_t bpfvm_map__flags(const struct bpfvm_map *map)
{
	return map ? map->map_flags : 0;
}

/* ---- host API ---- */

size_t bpfvm_map__value_buf_size(const struct bpfvm_map *map)
{
	if (!map)
		return 0;
	if (map_type_percpu(map->type))
		return (size_t)map_round8(map->value_size) * map->nr_cpus;
	return map->value_size;
}

/* Maps without keys (queue, stack, bloom filter) take the value as the
 * operand of lookup (peek) and update (push), as bpf(2) does. */
static bool keyless(const struct bpfvm_map *map)
{
	return map->key_size == 0 && map->ops->peek;
}

int bpfvm_map__lookup(struct bpfvm_map *map, const void *key, void *value)
{
	if (!map || !value || (!key && map->key_size))
		return -EINVAL;
	if (map->map_flags & MAP_F_WRONLY)
		return -EPERM;
	if (keyless(map))
		return (int)map->ops->peek(map, value);
	if (map->ops->host_lookup)
		return map->ops->host_lookup(map, key, value);
	if (!map->ops->lookup)
		return -ENOTSUP;
	void *p = map->ops->lookup(map, key, 0);
	if (!p)
		return -ENOENT;
	memcpy(value, p, map->value_size);
	return 0;
}

int bpfvm_map__update(struct bpfvm_map *map, const void *key, const void *value,
		      uint64_t flags)
{
	if (!map || !value || (!key && map->key_size))
		return -EINVAL;
	if (map->map_flags & MAP_F_RDONLY)
		return -EPERM;
	if (keyless(map) && map->ops->push)
		return (int)map->ops->push(map, value, flags);
	if (map->ops->host_update)
		return map->ops->host_update(map, key, value, flags);
	if (!map->ops->update)
		return -ENOTSUP;
	return (int)map->ops->update(map, key, value, flags, 0);
}

int bpfvm_map__delete(struct bpfvm_map *map, const void *key)
{
	if (!map || (!key && map->key_size))
		return -EINVAL;
	if (map->map_flags & MAP_F_RDONLY)
		return -EPERM;
	if (map->ops->host_delete)
		return map->ops->host_delete(map, key);
	if (!map->ops->delete)
		return -ENOTSUP;
	return (int)map->ops->delete(map, key);
}

int map_index_get_next_key(struct bpfvm_map *map, const void *key, void *next_key)
{
	uint32_t index = 0, next;
	if (key)
		memcpy(&index, key, 4);
	if (!key || index >= map->max_entries)
		next = 0;
	else if (index == map->max_entries - 1)
		return -ENOENT;
	else
		next = index + 1;
	memcpy(next_key, &next, 4);
	return 0;
}

int bpfvm_map__get_next_key(struct bpfvm_map *map, const void *key, void *next_key)
{
	if (!map || !next_key)
		return -EINVAL;
	if (!map->ops->get_next_key)
		return -ENOTSUP;
	return map->ops->get_next_key(map, key, next_key);
}

int bpfvm_map__lookup_and_delete(struct bpfvm_map *map, const void *key, void *value)
{
	if (!map || !value || (!key && map->key_size))
		return -EINVAL;
	if (map->map_flags & (MAP_F_RDONLY | MAP_F_WRONLY))
		return -EPERM;
	if (keyless(map)) {
		if (!map->ops->pop)
			return -ENOTSUP;
		return (int)map->ops->pop(map, value);
	}
	if (!map->ops->host_lookup_and_delete)
		return -ENOTSUP;
	return map->ops->host_lookup_and_delete(map, key, value);
}

int bpfvm_map__ringbuf_consume(struct bpfvm_map *map, bpfvm_ringbuf_fn fn, void *ctx)
{
	if (!map || !fn)
		return -EINVAL;
	if (map->type != BPFVM_MAP_TYPE_RINGBUF)
		return -EINVAL;
	return map->ops->consume(map, fn, ctx);
}

int bpfvm_map__perf_consume(struct bpfvm_map *map, bpfvm_ringbuf_fn fn, void *ctx)
{
	if (!map || !fn)
		return -EINVAL;
	if (map->type != BPFVM_MAP_TYPE_PERF_EVENT_ARRAY)
		return -EINVAL;
	return map->ops->consume(map, fn, ctx);
}

/* ---- program side ---- */

void *map_lookup_elem(struct bpfvm_map *map, const void *key, uint32_t cpu)
{
	if (!map || !map->ops->lookup || (map->map_flags & BPFVM_F_WRONLY_PROG))
		return NULL;
	if (cpu >= map->nr_cpus) {
		if (map->nr_cpus > 1 || map_type_percpu(map->type))
			return NULL;
		cpu = 0; /* other maps ignore the cpu */
	}
	return map->ops->lookup(map, key, cpu);
}

void *map_lookup_percpu_elem(struct bpfvm_map *map, const void *key, uint32_t cpu)
{
	if (!map || !map_type_percpu(map->type) || cpu >= map->nr_cpus || !map->ops->lookup ||
	    (map->map_flags & BPFVM_F_WRONLY_PROG))
		return NULL;
	return map->ops->lookup(map, key, cpu);
}

long map_update_elem(struct bpfvm_map *map, const void *key, const void *value, uint64_t flags,
		     uint32_t cpu)
{
	if (!map)
		return -EINVAL;
	if (!map->ops->update)
		return -ENOTSUP;
	if (map->map_flags & BPFVM_F_RDONLY_PROG)
		return -EPERM;
	if (cpu >= map->nr_cpus) {
		if (map_type_percpu(map->type))
			return -EINVAL;
		cpu = 0; /* other maps ignore the cpu */
	}
	return map->ops->update(map, key, value, flags, cpu);
}

long map_delete_elem(struct bpfvm_map *map, const void *key)
{
	if (!map)
		return -EINVAL;
	if (!map->ops->delete)
		return -ENOTSUP;
	if (map->map_flags & BPFVM_F_RDONLY_PROG)
		return -EPERM;
	return map->ops->delete(map, key);
}

long map_push_elem(struct bpfvm_map *map, const void *value, uint64_t flags)
{
	if (!map)
		return -EINVAL;
	if (!map->ops->push)
		return -ENOTSUP;
	if (map->map_flags & BPFVM_F_RDONLY_PROG)
		return -EPERM;
	return map->ops->push(map, value, flags);
}

long map_pop_elem(struct bpfvm_map *map, void *value)
{
	if (!map)
		return -EINVAL;
	if (!map->ops->pop)
		return -ENOTSUP;
	if (map->map_flags & (BPFVM_F_RDONLY_PROG | BPFVM_F_WRONLY_PROG))
		return -EPERM;
	return map->ops->pop(map, value);
}

long map_peek_elem(struct bpfvm_map *map, void *value)
{
	if (!map)
		return -EINVAL;
	if (!map->ops->peek)
		return -ENOTSUP;
	if (map->map_flags & BPFVM_F_WRONLY_PROG)
		return -EPERM;
	return map->ops->peek(map, value);
}
