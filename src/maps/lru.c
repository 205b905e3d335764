/*
 * lru.c - the approximate LRU list (see lru.h): a doubly linked list of
 * element indexes, stamped by lookups, sampled from the tail on eviction.
 */
#include <errno.h>
#include <stdlib.h>

#include "lru.h"

int lru_init(struct lru *lru, uint32_t n)
{
	lru->nodes = malloc((size_t)n * sizeof(*lru->nodes));
	if (!lru->nodes)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		lru->nodes[i] = (struct lru_node){ LRU_NONE, LRU_NONE, 0, 0 };
	lru->head = lru->tail = LRU_NONE;
	if (pthread_mutex_init(&lru->lock, NULL)) {
		free(lru->nodes);
		return -ENOMEM;
	}
	return 0;
}

void lru_destroy(struct lru *lru)
{
	pthread_mutex_destroy(&lru->lock);
	free(lru->nodes);
}

void lru_push_head(struct lru *lru, uint32_t idx)
{
	struct lru_node *n = &lru->nodes[idx];
	if (n->listed)
		lru_unlink(lru, idx);
	n->prev = LRU_NONE;
	n->next = lru->head;
	if (lru->head != LRU_NONE)
		lru->nodes[lru->head].prev = idx;
	lru->head = idx;
	if (lru->tail == LRU_NONE)
		lru->tail = idx;
	n->listed = 1;
	uint64_t now = __atomic_add_fetch(&lru->clock, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&n->stamp, now, __ATOMIC_RELAXED);
}

void lru_unlink(struct lru *lru, uint32_t idx)
{
	struct lru_node *n = &lru->nodes[idx];
	if (!n->listed)
		return;
	if (n->prev != LRU_NONE)
		lru->nodes[n->prev].next = n->next;
	else
		lru->head = n->next;
	if (n->next != LRU_NONE)
		lru->nodes[n->next].prev = n->prev;
	else
		lru->tail = n->prev;
	n->prev = n->next = LRU_NONE;
	n->listed = 0;
}

uint32_t lru_victim(struct lru *lru)
{
	uint32_t best = LRU_NONE;
	uint64_t best_stamp = UINT64_MAX;
	uint32_t idx = lru->tail;
	for (unsigned i = 0; i < LRU_SAMPLE && idx != LRU_NONE; i++, idx = lru->nodes[idx].prev) {
		uint64_t stamp = __atomic_load_n(&lru->nodes[idx].stamp, __ATOMIC_RELAXED);
		if (stamp < best_stamp) { /* ties: the one nearer the tail */
			best = idx;
			best_stamp = stamp;
		}
	}
	return best;
}
