/*
 * test_maps_concurrency.c - maps used by several threads at once, as
 * programs on several workers use them: atomic adds through lookup
 * pointers (array, hash, LRU hash) and per-CPU slots must add up exactly;
 * concurrent inserts and deletes of distinct keys must lose nothing; LRU
 * inserts under eviction must keep the map consistent; ringbuf producers
 * racing a consumer must deliver every record once.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>

#include "bpfvm.h"
#include "check.h"
#include "maps/map.h"

#define THREADS 4
#define OPS 100000
#define KEYS 8

static struct bpfvm_vm *vm;
static struct bpfvm_map *arr, *hash, *pcpu, *pcpu_hash, *lru, *ins, *lru_churn, *rb;
static int failures; /* atomic: counted, checked in main (CHECK is not thread-safe) */

static void fail(void)
{
	__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED);
}

static void add_through(struct bpfvm_map *m, uint32_t key, uint32_t cpu, bool atomic)
{
	uint64_t *p = map_lookup_elem(m, &key, cpu);
	if (!p) {
		fail();
		return;
	}
	if (atomic)
		__atomic_fetch_add(p, 1, __ATOMIC_RELAXED);
	else
		*p += 1; /* this cpu's own slot: no other thread writes it */
}

static void *counter_thread(void *arg)
{
	uint32_t cpu = (uint32_t)(uintptr_t)arg;
	for (uint32_t i = 0; i < OPS; i++) {
		uint32_t key = (i + cpu) % KEYS;
		add_through(arr, key, cpu, true);
		add_through(hash, key, cpu, true);
		add_through(lru, key, cpu, true);
		add_through(pcpu, key, cpu, false);
		add_through(pcpu_hash, key, cpu, false);
	}
	return NULL;
}

/* Each thread owns keys t * OPS + i: insert all, delete the odd ones. */
static void *insert_thread(void *arg)
{
	uint32_t t = (uint32_t)(uintptr_t)arg;
	for (uint32_t i = 0; i < OPS / 4; i++) {
		uint64_t key = (uint64_t)t * OPS + i, v = key * 2;
		if (map_update_elem(ins, &key, &v, BPFVM_NOEXIST, t))
			fail();
		uint64_t *p = map_lookup_elem(ins, &key, t);
		if (!p || *p != key * 2)
			fail();
		if ((i & 1) && map_delete_elem(ins, &key))
			fail();
	}
	return NULL;
}

static void *lru_churn_thread(void *arg)
{
	uint32_t t = (uint32_t)(uintptr_t)arg;
	for (uint32_t i = 0; i < OPS / 4; i++) {
		uint32_t key = t * OPS + i, v = key;
		if (map_update_elem(lru_churn, &key, &v, BPFVM_ANY, t))
			fail();
		uint32_t *p = map_lookup_elem(lru_churn, &key, t);
		/* Just inserted, but other threads may have evicted it and
		 * reused its storage since (as the kernel's preallocated
		 * maps do): the value is then some other key's, never junk. */
		if (p && __atomic_load_n(p, __ATOMIC_RELAXED) % OPS >= OPS / 4)
			fail();
		if ((i % 3) == 0)
			map_delete_elem(lru_churn, &key);
	}
	return NULL;
}

#define RB_RECORDS 20000

static void *rb_producer(void *arg)
{
	uint32_t t = (uint32_t)(uintptr_t)arg;
	for (uint32_t i = 0; i < RB_RECORDS; i++) {
		uint32_t rec[5] = { t, i, t ^ i, 7, 7 };
		uint32_t size = 12 + 4 * (i % 3);
		while (ringbuf_output(rb, rec, size, 0) == -EAGAIN)
			sched_yield();
	}
	return NULL;
}

struct rb_state {
	uint32_t next[THREADS];
	long count;
	int bad;
};

static int rb_check(void *ctx, const void *data, size_t size)
{
	struct rb_state *s = ctx;
	uint32_t rec[5] = { 0 };
	if (size < 12 || size > 20) {
		s->bad++;
		return 0;
	}
	memcpy(rec, data, size);
	/* Each producer's records arrive in its own order, complete. */
	if (rec[0] >= THREADS || rec[1] != s->next[rec[0]] || size != 12 + 4 * (rec[1] % 3) ||
	    rec[2] != (rec[0] ^ rec[1]))
		s->bad++;
	else
		s->next[rec[0]]++;
	s->count++;
	return 0;
}

static struct bpfvm_map *mk(enum bpfvm_map_type type, uint32_t ks, uint32_t vs, uint32_t n)
{
	struct bpfvm_map *m = bpfvm_map__create(vm, type, "c", ks, vs, n, NULL, NULL);
	CHECK(m != NULL);
	return m;
}

static void run(void *(*fn)(void *))
{
	pthread_t th[THREADS];
	for (uintptr_t t = 0; t < THREADS; t++)
		CHECK(pthread_create(&th[t], NULL, fn, (void *)t) == 0);
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
}

static int count_keys(struct bpfvm_map *m, uint32_t ks)
{
	uint8_t cur[16], next[16];
	int n = 0;
	int ret = bpfvm_map__get_next_key(m, NULL, next);
	while (ret == 0) {
		n++;
		memcpy(cur, next, ks);
		ret = bpfvm_map__get_next_key(m, cur, next);
	}
	return n;
}

int main(void)
{
	BPFVM_OPTS(bpfvm_vm_opts, vo, .nr_cpus = THREADS);
	vm = bpfvm_vm__new(&vo);
	CHECK(vm != NULL);
	arr = mk(BPFVM_MAP_TYPE_ARRAY, 4, 8, KEYS);
	hash = mk(BPFVM_MAP_TYPE_HASH, 4, 8, KEYS);
	lru = mk(BPFVM_MAP_TYPE_LRU_HASH, 4, 8, 2 * KEYS);
	pcpu = mk(BPFVM_MAP_TYPE_PERCPU_ARRAY, 4, 8, KEYS);
	pcpu_hash = mk(BPFVM_MAP_TYPE_PERCPU_HASH, 4, 8, KEYS);
	uint64_t zero[THREADS] = { 0 };
	for (uint32_t k = 0; k < KEYS; k++) {
		CHECK_EQ_U64(bpfvm_map__update(hash, &k, zero, BPFVM_NOEXIST), 0);
		CHECK_EQ_U64(bpfvm_map__update(lru, &k, zero, BPFVM_NOEXIST), 0);
		CHECK_EQ_U64(bpfvm_map__update(pcpu_hash, &k, zero, BPFVM_NOEXIST), 0);
	}

	run(counter_thread);
	CHECK_EQ_U64(failures, 0);
	uint64_t sum_arr = 0, sum_hash = 0, sum_lru = 0, per_cpu[THREADS] = { 0 },
		 per_cpu_h[THREADS] = { 0 };
	for (uint32_t k = 0; k < KEYS; k++) {
		uint64_t v, vs[THREADS];
		CHECK_EQ_U64(bpfvm_map__lookup(arr, &k, &v), 0);
		sum_arr += v;
		CHECK_EQ_U64(bpfvm_map__lookup(hash, &k, &v), 0);
		sum_hash += v;
		CHECK_EQ_U64(bpfvm_map__lookup(lru, &k, &v), 0);
		sum_lru += v;
		CHECK_EQ_U64(bpfvm_map__lookup(pcpu, &k, vs), 0);
		for (int c = 0; c < THREADS; c++)
			per_cpu[c] += vs[c];
		CHECK_EQ_U64(bpfvm_map__lookup(pcpu_hash, &k, vs), 0);
		for (int c = 0; c < THREADS; c++)
			per_cpu_h[c] += vs[c];
	}
	CHECK_EQ_U64(sum_arr, (uint64_t)THREADS * OPS);
	CHECK_EQ_U64(sum_hash, (uint64_t)THREADS * OPS);
	CHECK_EQ_U64(sum_lru, (uint64_t)THREADS * OPS);
	for (int c = 0; c < THREADS; c++) {
		CHECK_EQ_U64(per_cpu[c], OPS);
		CHECK_EQ_U64(per_cpu_h[c], OPS);
	}

	/* Inserts and deletes of distinct keys: nothing lost. */
	ins = mk(BPFVM_MAP_TYPE_HASH, 8, 8, THREADS * OPS / 4);
	run(insert_thread);
	CHECK_EQ_U64(failures, 0);
	CHECK_EQ_U64(count_keys(ins, 8), THREADS * OPS / 8);
	for (uint32_t t = 0; t < THREADS; t++)
		for (uint32_t i = 0; i < OPS / 4; i++) {
			uint64_t key = (uint64_t)t * OPS + i, v;
			int ret = bpfvm_map__lookup(ins, &key, &v);
			CHECK_EQ_U64(ret, (i & 1) ? -ENOENT : 0);
			if (!ret)
				CHECK_EQ_U64(v, key * 2);
		}

	/* LRU under eviction from all threads: stays full and consistent. */
	lru_churn = mk(BPFVM_MAP_TYPE_LRU_HASH, 4, 4, 1000);
	run(lru_churn_thread);
	CHECK_EQ_U64(failures, 0);
	int n = count_keys(lru_churn, 4);
	CHECK(n > 0 && n <= 1000);
	uint32_t k, v;
	int ret = bpfvm_map__get_next_key(lru_churn, NULL, &k);
	while (ret == 0) {
		CHECK_EQ_U64(bpfvm_map__lookup(lru_churn, &k, &v), 0);
		CHECK_EQ_U64(v, k);
		uint32_t cur = k;
		ret = bpfvm_map__get_next_key(lru_churn, &cur, &k);
	}

	/* Ringbuf: producers race the consumer. */
	rb = mk(BPFVM_MAP_TYPE_RINGBUF, 0, 0, 1 << 14);
	pthread_t th[THREADS];
	for (uintptr_t t = 0; t < THREADS; t++)
		CHECK(pthread_create(&th[t], NULL, rb_producer, (void *)t) == 0);
	struct rb_state st = { { 0 }, 0, 0 };
	while (st.count < (long)THREADS * RB_RECORDS) {
		int got = bpfvm_map__ringbuf_consume(rb, rb_check, &st);
		CHECK(got >= 0);
		if (got == 0)
			sched_yield();
	}
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	CHECK_EQ_U64(st.bad, 0);
	CHECK_EQ_U64(st.count, (uint64_t)THREADS * RB_RECORDS);
	CHECK_EQ_U64(ringbuf_query(rb, 0), 0);

	bpfvm_map__put(arr);
	bpfvm_map__put(hash);
	bpfvm_map__put(lru);
	bpfvm_map__put(pcpu);
	bpfvm_map__put(pcpu_hash);
	bpfvm_map__put(ins);
	bpfvm_map__put(lru_churn);
	bpfvm_map__put(rb);
	bpfvm_vm__free(vm);
	CHECK_DONE();
}
