/*
 * lru.h - the approximate LRU list of LRU hash maps (the kernel's
 * bpf_lru_list.c, simplified to one common list).
 *
 * Nodes are indexes into a parallel array (one per preallocated element),
 * listed from the most recently inserted or updated (head) to the least
 * (tail). Lookups must not take a lock, so, like the kernel's
 * bpf_lru_node_set_ref(), a lookup only stamps its node with the list's
 * clock (a counter that inserts and updates advance). Eviction samples the
 * LRU_SAMPLE nodes nearest the tail and takes the one with the oldest
 * stamp: a key used since it was inserted survives colder ones, and an
 * eviction costs O(LRU_SAMPLE) whatever the map's size. Every list
 * operation is made with the owner's lock held (struct lru.lock).
 */
#ifndef BPFVM_MAPS_LRU_H
#define BPFVM_MAPS_LRU_H

#include <pthread.h>
#include <stdint.h>

#define LRU_NONE UINT32_MAX

struct lru_node {
	uint32_t prev, next; /* LRU_NONE at the ends / when not listed */
	uint32_t listed;
	uint64_t stamp;      /* atomic: the clock when last used */
};

struct lru {
	pthread_mutex_t lock;
	struct lru_node *nodes;
	uint32_t head, tail; /* head: most recently inserted */
	uint64_t clock;      /* atomic; advanced with lock held */
};

#define LRU_SAMPLE 64

int lru_init(struct lru *lru, uint32_t n);
void lru_destroy(struct lru *lru);
/* Mark idx used (lock-free; skips the store, and its cache-line traffic,
 * when the stamp is already current). */
static inline void lru_touch(struct lru *lru, uint32_t idx)
{
	uint64_t now = __atomic_load_n(&lru->clock, __ATOMIC_RELAXED);
	if (__atomic_load_n(&lru->nodes[idx].stamp, __ATOMIC_RELAXED) != now)
		__atomic_store_n(&lru->nodes[idx].stamp, now, __ATOMIC_RELAXED);
}
/* With lru->lock held: */
void lru_push_head(struct lru *lru, uint32_t idx);
void lru_unlink(struct lru *lru, uint32_t idx);
/* The least recently used node of the sample, or LRU_NONE if the list is
 * empty. Not unlinked. */
uint32_t lru_victim(struct lru *lru);

#endif
