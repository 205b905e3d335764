/*
 * perf_event_array.c - BPF_MAP_TYPE_PERF_EVENT_ARRAY: one record buffer per
 * index (a cpu), filled by bpf_perf_event_output() and drained by the host
 * with bpfvm_map__perf_consume().
 *
 * In the kernel each index holds a perf event fd whose mmapped ring gets
 * the records. Userspace has no perf events, so every index owns a FIFO
 * of records here, and the host cannot update the slots (-ENOTSUP).
 *
 * Invariants: one mutex per index; a FIFO never holds more than
 * PERF_BUF_MAX bytes of samples (past that, output fails with -ENOSPC and
 * the record is lost, as when a perf ring is full); consume drains index
 * 0 first, each index in output order.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "map.h"

#define PERF_BUF_MAX (1u << 20)
#define PERF_RECORD_MAX (1u << 16) /* perf records carry a u16-sized header */

struct perf_rec {
	struct perf_rec *next;
	uint32_t size;
	char data[];
};

struct perf_buf {
	pthread_mutex_t lock;
	struct perf_rec *head, **tail;
	size_t bytes;
};

struct perf_array {
	struct bpfvm_map map;
	struct perf_buf *bufs;
};

static struct bpfvm_map *perf_alloc(const struct bpfvm_map *attr, struct bpfvm_error *err)
{
	if (map_check_flags(attr, MAP_F_NUMA_NODE | MAP_F_ACCESS_MASK | MAP_F_PRESERVE_ELEMS, err))
		return NULL;
	if (attr->key_size != 4 || attr->value_size != 4) {
		err_set(err, -EINVAL, "%s %u: perf_event_array maps have 4-byte keys and values",
			attr->key_size != 4 ? "key_size" : "value_size",
			attr->key_size != 4 ? attr->key_size : attr->value_size);
		return NULL;
	}
	if (attr->max_entries > 4096) {
		err_set(err, -E2BIG, "max_entries %u: one perf buffer per cpu, at most 4096",
			attr->max_entries);
		return NULL;
	}
	struct perf_array *pa = calloc(1, sizeof(*pa));
	if (!pa)
		return NULL;
	pa->map = *attr;
	pa->bufs = calloc(attr->max_entries, sizeof(*pa->bufs));
	if (!pa->bufs) {
		free(pa);
		return NULL;
	}
	for (uint32_t i = 0; i < attr->max_entries; i++) {
		pthread_mutex_init(&pa->bufs[i].lock, NULL);
		pa->bufs[i].tail = &pa->bufs[i].head;
	}
	return &pa->map;
}

static void perf_free(struct bpfvm_map *map)
{
	struct perf_array *pa = (struct perf_array *)map;
	for (uint32_t i = 0; i < map->max_entries; i++) {
		struct perf_rec *r = pa->bufs[i].head;
		while (r) {
			struct perf_rec *next = r->next;
			free(r);
			r = next;
		}
		pthread_mutex_destroy(&pa->bufs[i].lock);
	}
	free(pa->bufs);
	free(pa);
}

long perf_event_output(struct bpfvm_map *map, uint32_t cpu, const void *data, uint64_t size)
{
	if (!map || map->type != BPFVM_MAP_TYPE_PERF_EVENT_ARRAY || (!data && size))
		return -EINVAL;
	if (cpu >= map->max_entries)
		return -E2BIG;
	if (size > PERF_RECORD_MAX)
		return -E2BIG;
	struct perf_buf *b = &((struct perf_array *)map)->bufs[cpu];
	struct perf_rec *r = malloc(sizeof(*r) + size);
	if (!r)
		return -ENOMEM;
	r->next = NULL;
	r->size = (uint32_t)size;
	if (size)
		memcpy(r->data, data, size);
	pthread_mutex_lock(&b->lock);
	if (b->bytes + size > PERF_BUF_MAX) {
		pthread_mutex_unlock(&b->lock);
		free(r);
		return -ENOSPC;
	}
	*b->tail = r;
	b->tail = &r->next;
	b->bytes += size;
	pthread_mutex_unlock(&b->lock);
	return 0;
}

static int perf_consume(struct bpfvm_map *map, bpfvm_ringbuf_fn fn, void *ctx)
{
	struct perf_array *pa = (struct perf_array *)map;
	int count = 0;
	for (uint32_t i = 0; i < map->max_entries; i++) {
		struct perf_buf *b = &pa->bufs[i];
		/* Take the whole list, then call fn unlocked: fn may be slow,
		 * and programs keep writing meanwhile. */
		pthread_mutex_lock(&b->lock);
		struct perf_rec *r = b->head;
		b->head = NULL;
		b->tail = &b->head;
		b->bytes = 0;
		pthread_mutex_unlock(&b->lock);
		int ret = 0;
		while (r) {
			struct perf_rec *next = r->next;
			if (ret >= 0) {
				ret = fn(ctx, r->data, r->size);
				count++;
			}
			free(r); /* after an error, the rest is dropped */
			r = next;
		}
		if (ret < 0)
			return ret;
	}
	return count;
}

const struct map_ops perf_event_array_map_ops = {
	.alloc = perf_alloc,
	.free = perf_free,
	.consume = perf_consume,
	.get_next_key = map_index_get_next_key,
};
