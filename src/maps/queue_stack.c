/*
 * queue_stack.c - BPF_MAP_TYPE_QUEUE (FIFO) and BPF_MAP_TYPE_STACK (LIFO),
 * as the kernel's queue_stack_maps.c: no keys, push/pop/peek of values.
 *
 * Invariants: a ring of max_entries + 1 value slots (one always empty, so
 * head == tail means empty) under one spinlock; values are copied in and
 * out, programs never get pointers into it (no regions). Pushing onto a
 * full map fails with -E2BIG unless BPF_EXIST, which drops the oldest
 * value to make room.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "map.h"

#define QS_VALUE_MAX (1u << 22)

struct qs_map {
	struct bpfvm_map map;
	int lock;
	uint32_t size;       /* max_entries + 1 */
	uint32_t head, tail; /* push at head; queue pops at tail, stack at head */
	char *elements;
};

static struct bpfvm_map *qs_alloc(const struct bpfvm_map *attr, struct bpfvm_error *err)
{
	if (map_check_flags(attr, MAP_F_NUMA_NODE | MAP_F_ACCESS_MASK, err))
		return NULL;
	if (attr->key_size != 0) {
		err_set(err, -EINVAL, "key_size must be 0 for %s maps",
			bpfvm_map_type_name(attr->type));
		return NULL;
	}
	if (attr->value_size == 0) {
		err_set(err, -EINVAL, "value_size must be > 0");
		return NULL;
	}
	if (attr->value_size > QS_VALUE_MAX || attr->max_entries == UINT32_MAX) {
		err_set(err, -E2BIG, "%s is too large",
			attr->value_size > QS_VALUE_MAX ? "value_size" : "max_entries");
		return NULL;
	}
	struct qs_map *q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->map = *attr;
	q->size = attr->max_entries + 1;
	q->elements = calloc(q->size, attr->value_size);
	if (!q->elements) {
		free(q);
		return NULL;
	}
	return &q->map;
}

static void qs_free(struct bpfvm_map *map)
{
	struct qs_map *q = (struct qs_map *)map;
	free(q->elements);
	free(q);
}

static char *at(struct qs_map *q, uint32_t i)
{
	return q->elements + (size_t)i * q->map.value_size;
}

static long qs_push(struct bpfvm_map *map, const void *value, uint64_t flags)
{
	struct qs_map *q = (struct qs_map *)map;
	if ((flags & BPFVM_NOEXIST) || flags > BPFVM_EXIST || !value)
		return -EINVAL;
	map_spin_lock(&q->lock);
	uint32_t next = q->head + 1 == q->size ? 0 : q->head + 1;
	if (next == q->tail) { /* full */
		if (!(flags & BPFVM_EXIST)) {
			map_spin_unlock(&q->lock);
			return -E2BIG;
		}
		/* Drop the oldest, as the kernel does for both types. */
		q->tail = q->tail + 1 == q->size ? 0 : q->tail + 1;
	}
	memcpy(at(q, q->head), value, map->value_size);
	q->head = next;
	map_spin_unlock(&q->lock);
	return 0;
}

static long qs_take(struct bpfvm_map *map, void *value, bool remove)
{
	struct qs_map *q = (struct qs_map *)map;
	bool stack = map->type == BPFVM_MAP_TYPE_STACK;
	if (!value)
		return -EINVAL;
	map_spin_lock(&q->lock);
	if (q->head == q->tail) {
		map_spin_unlock(&q->lock);
		return -ENOENT;
	}
	uint32_t i;
	if (stack) {
		i = q->head == 0 ? q->size - 1 : q->head - 1;
		if (remove)
			q->head = i;
	} else {
		i = q->tail;
		if (remove)
			q->tail = i + 1 == q->size ? 0 : i + 1;
	}
	memcpy(value, at(q, i), map->value_size);
	map_spin_unlock(&q->lock);
	return 0;
}

static long qs_pop(struct bpfvm_map *map, void *value)
{
	return qs_take(map, value, true);
}

static long qs_peek(struct bpfvm_map *map, void *value)
{
	return qs_take(map, value, false);
}

/* The kernel refuses these for queues and stacks with -EINVAL. */
static long qs_delete(struct bpfvm_map *map, const void *key)
{
	return -EINVAL;
}

static int qs_get_next_key(struct bpfvm_map *map, const void *key, void *next_key)
{
	return -EINVAL;
}

const struct map_ops queue_map_ops = {
	.alloc = qs_alloc,
	.free = qs_free,
	.delete = qs_delete,
	.push = qs_push,
	.pop = qs_pop,
	.peek = qs_peek,
	.get_next_key = qs_get_next_key,
};

const struct map_ops stack_map_ops = {
	.alloc = qs_alloc,
	.free = qs_free,
	.delete = qs_delete,
	.push = qs_push,
	.pop = qs_pop,
	.peek = qs_peek,
	.get_next_key = qs_get_next_key,
};
