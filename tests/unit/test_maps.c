/*
 * test_maps.c - every map type through the host API (bpf(2) semantics)
 * and the program-side operations of src/maps/map.h: create-time checks
 * with their messages, update flags, iteration, in-place updates through
 * lookup pointers, LRU eviction, longest-prefix match, queue/stack order,
 * bloom filter, ringbuf layout and consumption, perf buffers, prog arrays,
 * map-in-map and the registry's pointer checks.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "bpfvm.h"
#include "check.h"
#include "insn_build.h"
#include "maps/map.h"

#define NR_CPUS 4

static struct bpfvm_vm *vm;

static struct bpfvm_map *mk(enum bpfvm_map_type type, uint32_t ks, uint32_t vs, uint32_t n,
			    uint32_t flags)
{
	BPFVM_OPTS(bpfvm_map_opts, o, .map_flags = flags);
	struct bpfvm_error err;
	struct bpfvm_map *m = bpfvm_map__create(vm, type, "m", ks, vs, n, &o, &err);
	if (!m)
		fprintf(stderr, "create %s: %s\n", bpfvm_map_type_name(type), err.msg);
	CHECK(m != NULL);
	return m;
}

/* Create must fail with code and a message containing what. */
static void refuse(enum bpfvm_map_type type, uint32_t ks, uint32_t vs, uint32_t n,
		   const struct bpfvm_map_opts *o, int code, const char *what)
{
	struct bpfvm_error err;
	errno = 0;
	CHECK(bpfvm_map__create(vm, type, "bad", ks, vs, n, o, &err) == NULL);
	CHECK_EQ_U64(errno, -code);
	CHECK_EQ_U64(err.code, code);
	CHECK_STR_CONTAINS(err.msg, what);
}

static void test_names_and_refusals(void)
{
	CHECK(!strcmp(bpfvm_map_type_name(BPFVM_MAP_TYPE_HASH), "hash"));
	CHECK(!strcmp(bpfvm_map_type_name(BPFVM_MAP_TYPE_PERCPU_ARRAY), "percpu_array"));
	CHECK(!strcmp(bpfvm_map_type_name(BPFVM_MAP_TYPE_LRU_PERCPU_HASH), "lru_percpu_hash"));
	CHECK(!strcmp(bpfvm_map_type_name(BPFVM_MAP_TYPE_LPM_TRIE), "lpm_trie"));
	CHECK(!strcmp(bpfvm_map_type_name(BPFVM_MAP_TYPE_RINGBUF), "ringbuf"));
	CHECK(bpfvm_map_type_name((enum bpfvm_map_type)1000) == NULL);

	BPFVM_OPTS(bpfvm_map_opts, noprealloc, .map_flags = BPFVM_F_NO_PREALLOC);
	BPFVM_OPTS(bpfvm_map_opts, badflag, .map_flags = 1u << 20);
	BPFVM_OPTS(bpfvm_map_opts, rw, .map_flags = BPFVM_F_RDONLY_PROG | BPFVM_F_WRONLY_PROG);
	BPFVM_OPTS(bpfvm_map_opts, extra, .map_extra = 16);
	refuse(BPFVM_MAP_TYPE_ARRAY, 8, 4, 4, NULL, -EINVAL, "key_size");
	refuse(BPFVM_MAP_TYPE_ARRAY, 4, 0, 4, NULL, -EINVAL, "value_size");
	refuse(BPFVM_MAP_TYPE_ARRAY, 4, 4, 0, NULL, -EINVAL, "max_entries");
	refuse(BPFVM_MAP_TYPE_ARRAY, 4, 4, 4, &badflag, -EINVAL, "map_flags");
	refuse(BPFVM_MAP_TYPE_ARRAY, 4, 4, 4, &rw, -EINVAL, "RDONLY_PROG");
	refuse(BPFVM_MAP_TYPE_HASH, 0, 4, 4, NULL, -EINVAL, "key_size");
	refuse(BPFVM_MAP_TYPE_HASH, 1000, 4, 4, NULL, -E2BIG, "key_size");
	refuse(BPFVM_MAP_TYPE_LRU_HASH, 4, 4, 4, &noprealloc, -ENOTSUP, "BPF_F_NO_PREALLOC");
	refuse(BPFVM_MAP_TYPE_QUEUE, 4, 4, 4, NULL, -EINVAL, "key_size");
	refuse(BPFVM_MAP_TYPE_STACK, 0, 0, 4, NULL, -EINVAL, "value_size");
	refuse(BPFVM_MAP_TYPE_BLOOM_FILTER, 4, 4, 4, NULL, -EINVAL, "key_size");
	refuse(BPFVM_MAP_TYPE_BLOOM_FILTER, 0, 4, 4, &extra, -EINVAL, "map_extra");
	refuse(BPFVM_MAP_TYPE_HASH, 4, 4, 4, &extra, -EINVAL, "map_extra");
	refuse(BPFVM_MAP_TYPE_RINGBUF, 0, 0, 1000, NULL, -EINVAL, "max_entries");
	refuse(BPFVM_MAP_TYPE_RINGBUF, 0, 0, 3 * 4096, NULL, -EINVAL, "power of 2");
	refuse(BPFVM_MAP_TYPE_RINGBUF, 4, 0, 4096, NULL, -EINVAL, "key_size");
	refuse(BPFVM_MAP_TYPE_RINGBUF, 0, 4, 4096, NULL, -EINVAL, "value_size");
	refuse(BPFVM_MAP_TYPE_LPM_TRIE, 8, 4, 4, NULL, -EINVAL, "BPF_F_NO_PREALLOC");
	refuse(BPFVM_MAP_TYPE_LPM_TRIE, 4, 4, 4, &noprealloc, -EINVAL, "key_size");
	refuse(BPFVM_MAP_TYPE_PROG_ARRAY, 4, 8, 4, NULL, -EINVAL, "value_size");
	refuse(BPFVM_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, NULL, -EINVAL, "inner_map");
	refuse(BPFVM_MAP_TYPE_HASH_OF_MAPS, 4, 4, 4, NULL, -EINVAL, "inner_map");
	refuse((enum bpfvm_map_type)15, 4, 4, 4, NULL, -ENOTSUP, "sockmap");
	refuse(BPFVM_MAP_TYPE_XSKMAP, 4, 8, 4, NULL, -EINVAL, "value_size 8");
	refuse(BPFVM_MAP_TYPE_DEVMAP, 8, 4, 4, NULL, -EINVAL, "key_size");
	refuse((enum bpfvm_map_type)99, 4, 4, 4, NULL, -EINVAL, "unknown");
	/* Not refused: NO_PREALLOC on plain hash maps (same behaviour). */
	bpfvm_map__put(mk(BPFVM_MAP_TYPE_HASH, 4, 4, 4, BPFVM_F_NO_PREALLOC));
}

static void test_array(void)
{
	struct bpfvm_map *m = mk(BPFVM_MAP_TYPE_ARRAY, 4, 8, 10, 0);
	uint32_t k = 3, next;
	uint64_t v = 7, out = 0;
	CHECK_EQ_U64(bpfvm_map__value_buf_size(m), 8);
	CHECK_EQ_U64(bpfvm_map__update(m, &k, &v, BPFVM_ANY), 0);
	CHECK_EQ_U64(bpfvm_map__update(m, &k, &v, BPFVM_EXIST), 0);
	CHECK_EQ_U64(bpfvm_map__update(m, &k, &v, BPFVM_NOEXIST), -EEXIST);
	CHECK_EQ_U64(bpfvm_map__update(m, &k, &v, 3), -EINVAL);
	CHECK_EQ_U64(bpfvm_map__lookup(m, &k, &out), 0);
	CHECK_EQ_U64(out, 7);
	k = 10;
	CHECK_EQ_U64(bpfvm_map__update(m, &k, &v, BPFVM_ANY), -E2BIG);
	CHECK_EQ_U64(bpfvm_map__lookup(m, &k, &out), -ENOENT);
	CHECK_EQ_U64(bpfvm_map__delete(m, &k), -EINVAL);
	/* get_next_key: NULL and out-of-range keys give index 0. */
	CHECK_EQ_U64(bpfvm_map__get_next_key(m, NULL, &next), 0);
	CHECK_EQ_U64(next, 0);
	CHECK_EQ_U64(bpfvm_map__get_next_key(m, &k, &next), 0);
	CHECK_EQ_U64(next, 0);
	k = 4;
	CHECK_EQ_U64(bpfvm_map__get_next_key(m, &k, &next), 0);
	CHECK_EQ_U64(next, 5);
	k = 9;
	CHECK_EQ_U64(bpfvm_map__get_next_key(m, &k, &next), -ENOENT);
	/* In place: a program's pointer is the map's storage. */
	k = 3;
	uint64_t *p = map_lookup_elem(m, &k, 0);
	CHECK(p != NULL);
	__atomic_fetch_add(p, 5, __ATOMIC_RELAXED);
	CHECK_EQ_U64(bpfvm_map__lookup(m, &k, &out), 0);
	CHECK_EQ_U64(out, 12);
	CHECK(map_region_find(vm, (uint64_t)(uintptr_t)p, 8, true));
	CHECK(!map_region_find(vm, (uint64_t)(uintptr_t)p, 1000, false));
	k = 1;
	CHECK_EQ_U64(map_update_elem(m, &k, &v, BPFVM_ANY, 0), 0);
	CHECK_EQ_U64(*(uint64_t *)map_lookup_elem(m, &k, 0), 7);
	CHECK_EQ_U64(map_delete_elem(m, &k), -EINVAL);
	k = 10;
	CHECK(map_lookup_elem(m, &k, 0) == NULL);
	bpfvm_map__put(m);

	/* Read-only for programs: the region is not writable, updates fail. */
	m = mk(BPFVM_MAP_TYPE_ARRAY, 4, 4, 2, BPFVM_F_RDONLY_PROG);
	k = 0;
	p = map_lookup_elem(m, &k, 0);
	CHECK(p != NULL);
	CHECK(map_region_find(vm, (uint64_t)(uintptr_t)p, 4, false));
	CHECK(!map_region_find(vm, (uint64_t)(uintptr_t)p, 4, true));
	CHECK_EQ_U64(map_update_elem(m, &k, &v, 0, 0), -EPERM);
	CHECK_EQ_U64(bpfvm_map__update(m, &k, &v, 0), 0);
	bpfvm_map__put(m);
}

static void test_percpu_array(void)
{
	struct bpfvm_map *m = mk(BPFVM_MAP_TYPE_PERCPU_ARRAY, 4, 4, 3, 0);
	CHECK_EQ_U64(bpfvm_map__value_buf_size(m), NR_CPUS * 8);
	uint32_t k = 1, v = 42;
	CHECK_EQ_U64(map_update_elem(m, &k, &v, BPFVM_ANY, 2), 0);
	uint32_t *p = map_lookup_elem(m, &k, 3);
	*p = 9;
	CHECK(map_lookup_elem(m, &k, NR_CPUS) == NULL);
	CHECK_EQ_U64(*(uint32_t *)map_lookup_percpu_elem(m, &k, 2), 42);
	CHECK(map_lookup_percpu_elem(m, &k, NR_CPUS) == NULL);
	uint64_t buf[NR_CPUS];
	CHECK_EQ_U64(bpfvm_map__lookup(m, &k, buf), 0);
	CHECK_EQ_U64(buf[0], 0);
	CHECK_EQ_U64(buf[1], 0);
	CHECK_EQ_U64((uint32_t)buf[2], 42);
	CHECK_EQ_U64((uint32_t)buf[3], 9);
	for (int c = 0; c < NR_CPUS; c++)
		buf[c] = 100 + c;
	CHECK_EQ_U64(bpfvm_map__update(m, &k, buf, BPFVM_ANY), 0);
	for (uint32_t c = 0; c < NR_CPUS; c++)
		CHECK_EQ_U64(*(uint32_t *)map_lookup_elem(m, &k, c), 100 + c);
	bpfvm_map__put(m);
	/* Per-CPU maps have no mmapable storage, as the kernel. */
	BPFVM_OPTS(bpfvm_map_opts, mm, .map_flags = BPFVM_F_MMAPABLE);
	refuse(BPFVM_MAP_TYPE_PERCPU_ARRAY, 4, 4, 4, &mm, -EINVAL, "map_flags");
}

static void test_hash(void)
{
	enum { N = 100 };
	struct bpfvm_map *m = mk(BPFVM_MAP_TYPE_HASH, 8, 4, N, 0);
	uint64_t k;
	uint32_t v, out;
	for (k = 0; k < N; k++) {
		v = (uint32_t)k * 3;
		CHECK_EQ_U64(bpfvm_map__update(m, &k, &v, BPFVM_NOEXIST), 0);
	}
	CHECK_EQ_U64(bpfvm_map__update(m, &k, &v, BPFVM_ANY), -E2BIG);
	k = 5;
	CHECK_EQ_U64(bpfvm_map__update(m, &k, &v, BPFVM_NOEXIST), -EEXIST);
	v = 555;
	CHECK_EQ_U64(bpfvm_map__update(m, &k, &v, BPFVM_EXIST), 0); /* full, but present */
	CHECK_EQ_U64(bpfvm_map__lookup(m, &k, &out), 0);
	CHECK_EQ_U64(out, 555);
	k = 1000;
	CHECK_EQ_U64(bpfvm_map__update(m, &k, &v, BPFVM_EXIST), -ENOENT);
	CHECK_EQ_U64(bpfvm_map__lookup(m, &k, &out), -ENOENT);
	CHECK_EQ_U64(bpfvm_map__delete(m, &k), -ENOENT);
	CHECK_EQ_U64(bpfvm_map__update(m, &k, &v, 4), -EINVAL);

	/* Iteration visits every key once; a missing key restarts. */
	static uint8_t seen[N];
	memset(seen, 0, sizeof(seen));
	uint64_t cur, nk;
	int count = 0;
	int ret = bpfvm_map__get_next_key(m, NULL, &nk);
	while (ret == 0) {
		CHECK(nk < N);
		CHECK(!seen[nk]);
		seen[nk] = 1;
		count++;
		cur = nk;
		ret = bpfvm_map__get_next_key(m, &cur, &nk);
	}
	CHECK_EQ_U64(ret, -ENOENT);
	CHECK_EQ_U64(count, N);
	uint64_t first, missing = 12345;
	CHECK_EQ_U64(bpfvm_map__get_next_key(m, NULL, &first), 0);
	CHECK_EQ_U64(bpfvm_map__get_next_key(m, &missing, &nk), 0);
	CHECK_EQ_U64(nk, first);

	/* Delete frees room; lookup_and_delete returns the value. */
	k = 7;
	CHECK_EQ_U64(bpfvm_map__lookup_and_delete(m, &k, &out), 0);
	CHECK_EQ_U64(out, 21);
	CHECK_EQ_U64(bpfvm_map__lookup(m, &k, &out), -ENOENT);
	k = 2000;
	CHECK_EQ_U64(bpfvm_map__update(m, &k, &v, BPFVM_ANY), 0);
	k = 8;
	CHECK_EQ_U64(map_delete_elem(m, &k), 0);
	CHECK_EQ_U64(map_delete_elem(m, &k), -ENOENT);

	/* Program side: in-place updates, regions. */
	k = 9;
	uint32_t *p = map_lookup_elem(m, &k, 0);
	CHECK(p != NULL);
	CHECK_EQ_U64(*p, 27);
	*p += 1;
	CHECK_EQ_U64(bpfvm_map__lookup(m, &k, &out), 0);
	CHECK_EQ_U64(out, 28);
	CHECK(map_region_find(vm, (uint64_t)(uintptr_t)p, 4, true));
	CHECK_EQ_U64(map_update_elem(m, &k, p, BPFVM_EXIST, 0), 0); /* its own value */
	CHECK_EQ_U64(*p, 28);
	k = 3000;
	CHECK_EQ_U64(map_update_elem(m, &k, &v, BPFVM_NOEXIST, 0), 0);
	CHECK_EQ_U64(map_update_elem(m, &k, &v, BPFVM_NOEXIST, 0), -EEXIST);
	k = 3001;
	CHECK_EQ_U64(map_update_elem(m, &k, &v, BPFVM_ANY, 0), -E2BIG);
	bpfvm_map__put(m);
}

static void test_percpu_hash(void)
{
	struct bpfvm_map *m = mk(BPFVM_MAP_TYPE_PERCPU_HASH, 4, 8, 4, 0);
	CHECK_EQ_U64(bpfvm_map__value_buf_size(m), NR_CPUS * 8);
	uint32_t k = 1;
	uint64_t v = 5, buf[NR_CPUS];
	/* A new element from a program: this cpu's value, zero elsewhere. */
	CHECK_EQ_U64(map_update_elem(m, &k, &v, BPFVM_ANY, 1), 0);
	CHECK_EQ_U64(bpfvm_map__lookup(m, &k, buf), 0);
	CHECK_EQ_U64(buf[0], 0);
	CHECK_EQ_U64(buf[1], 5);
	CHECK_EQ_U64(buf[2], 0);
	uint64_t *p = map_lookup_elem(m, &k, 2);
	*p = 77;
	CHECK_EQ_U64(*(uint64_t *)map_lookup_percpu_elem(m, &k, 2), 77);
	for (int c = 0; c < NR_CPUS; c++)
		buf[c] = 10 * (uint64_t)c;
	CHECK_EQ_U64(bpfvm_map__update(m, &k, buf, BPFVM_EXIST), 0);
	for (uint32_t c = 0; c < NR_CPUS; c++)
		CHECK_EQ_U64(*(uint64_t *)map_lookup_elem(m, &k, c), 10 * c);
	CHECK(map_lookup_elem(m, &k, NR_CPUS) == NULL);
	uint64_t all[NR_CPUS];
	CHECK_EQ_U64(bpfvm_map__lookup_and_delete(m, &k, all), 0);
	CHECK_EQ_U64(all[3], 30);
	bpfvm_map__put(m);
}

static int count_keys(struct bpfvm_map *m, uint32_t ks)
{
	uint8_t cur[64], next[64];
	int n = 0;
	int ret = bpfvm_map__get_next_key(m, NULL, next);
	while (ret == 0 && n < 100000) {
		n++;
		memcpy(cur, next, ks);
		ret = bpfvm_map__get_next_key(m, cur, next);
	}
	return n;
}

static void test_lru(enum bpfvm_map_type type)
{
	enum { N = 16 };
	struct bpfvm_map *m = mk(type, 4, 8, N, 0);
	size_t vbuf = bpfvm_map__value_buf_size(m);
	uint64_t val[NR_CPUS] = { 0 };
	CHECK(vbuf <= sizeof(val));
	uint32_t k;
	for (k = 0; k < N; k++)
		CHECK_EQ_U64(bpfvm_map__update(m, &k, val, BPFVM_NOEXIST), 0);
	CHECK_EQ_U64(count_keys(m, 4), N);
	/* Keep 0..3 hot while 200 new keys come in: eviction, not E2BIG. */
	for (k = 1000; k < 1200; k++) {
		for (uint32_t hot = 0; hot < 4; hot++)
			CHECK(map_lookup_elem(m, &hot, 0) != NULL);
		val[0] = k;
		CHECK_EQ_U64(bpfvm_map__update(m, &k, val, BPFVM_ANY), 0);
		CHECK(map_lookup_elem(m, &k, 0) != NULL);
	}
	CHECK_EQ_U64(count_keys(m, 4), N);
	for (uint32_t hot = 0; hot < 4; hot++)
		CHECK(bpfvm_map__lookup(m, &hot, val) == 0);
	k = 1199;
	CHECK_EQ_U64(bpfvm_map__lookup(m, &k, val), 0);
	CHECK_EQ_U64(val[0], 1199);
	k = 1000; /* long since evicted */
	CHECK_EQ_U64(bpfvm_map__lookup(m, &k, val), -ENOENT);
	CHECK_EQ_U64(bpfvm_map__update(m, &k, val, BPFVM_EXIST), -ENOENT);
	k = 0;
	CHECK_EQ_U64(bpfvm_map__update(m, &k, val, BPFVM_NOEXIST), -EEXIST);
	CHECK_EQ_U64(bpfvm_map__delete(m, &k), 0);
	CHECK_EQ_U64(count_keys(m, 4), N - 1);
	CHECK_EQ_U64(map_update_elem(m, &k, val, BPFVM_ANY, 0), 0);
	CHECK_EQ_U64(count_keys(m, 4), N);
	bpfvm_map__put(m);
}

struct lpm_key4 {
	uint32_t prefixlen;
	uint8_t data[4];
};

static struct lpm_key4 ip(uint32_t plen, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	return (struct lpm_key4){ plen, { a, b, c, d } };
}

static uint32_t lpm_get(struct bpfvm_map *m, struct lpm_key4 k)
{
	uint32_t *v = map_lookup_elem(m, &k, 0);
	return v ? *v : 0;
}

static void test_lpm(void)
{
	struct bpfvm_map *m = mk(BPFVM_MAP_TYPE_LPM_TRIE, 8, 4, 8, BPFVM_F_NO_PREALLOC);
	struct lpm_key4 k;
	uint32_t v;
	v = 8, k = ip(8, 10, 0, 0, 0);
	CHECK_EQ_U64(bpfvm_map__update(m, &k, &v, BPFVM_ANY), 0);
	v = 24, k = ip(24, 10, 1, 2, 0);
	CHECK_EQ_U64(bpfvm_map__update(m, &k, &v, BPFVM_ANY), 0);
	v = 16, k = ip(16, 10, 1, 0, 0);
	CHECK_EQ_U64(bpfvm_map__update(m, &k, &v, BPFVM_NOEXIST), 0);
	/* Bits past the prefix do not matter for equality. */
	k = ip(16, 10, 1, 99, 99);
	CHECK_EQ_U64(bpfvm_map__update(m, &k, &v, BPFVM_NOEXIST), -EEXIST);
	CHECK_EQ_U64(lpm_get(m, ip(32, 10, 1, 2, 3)), 24);
	CHECK_EQ_U64(lpm_get(m, ip(32, 10, 1, 3, 3)), 16);
	CHECK_EQ_U64(lpm_get(m, ip(32, 10, 2, 0, 1)), 8);
	CHECK_EQ_U64(lpm_get(m, ip(32, 11, 0, 0, 1)), 0);
	/* The lookup key's prefixlen caps the match. */
	CHECK_EQ_U64(lpm_get(m, ip(20, 10, 1, 2, 3)), 16);
	CHECK_EQ_U64(bpfvm_map__lookup(m, &(struct lpm_key4){ 32, { 10, 1, 2, 200 } }, &v), 0);
	CHECK_EQ_U64(v, 24);
	k = ip(33, 10, 0, 0, 0);
	CHECK_EQ_U64(bpfvm_map__update(m, &k, &v, BPFVM_ANY), -EINVAL);
	CHECK_EQ_U64(count_keys(m, 8), 3);
	k = ip(16, 10, 1, 0, 0);
	CHECK_EQ_U64(bpfvm_map__delete(m, &k), 0);
	CHECK_EQ_U64(bpfvm_map__delete(m, &k), -ENOENT);
	CHECK_EQ_U64(lpm_get(m, ip(32, 10, 1, 3, 3)), 8);
	CHECK_EQ_U64(lpm_get(m, ip(32, 10, 1, 2, 3)), 24);
	/* A default route and a full map. */
	v = 1, k = ip(0, 0, 0, 0, 0);
	CHECK_EQ_U64(bpfvm_map__update(m, &k, &v, BPFVM_ANY), 0);
	CHECK_EQ_U64(lpm_get(m, ip(32, 192, 168, 0, 1)), 1);
	for (uint8_t i = 0; i < 5; i++) {
		k = ip(32, 1, 1, 1, i);
		CHECK_EQ_U64(bpfvm_map__update(m, &k, &v, BPFVM_ANY), 0);
	}
	k = ip(32, 2, 2, 2, 2);
	CHECK_EQ_U64(bpfvm_map__update(m, &k, &v, BPFVM_ANY), -ENOSPC);
	CHECK_EQ_U64(count_keys(m, 8), 8);
	bpfvm_map__put(m);
}

/* Random prefixes against a brute-force longest match. */
static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 1;
}

static bool in_prefix(uint32_t addr, uint32_t net, uint32_t plen)
{
	return plen == 0 || ((addr ^ net) >> (32 - plen)) == 0;
}

static void test_lpm_random(void)
{
	enum { N = 300 };
	struct bpfvm_map *m = mk(BPFVM_MAP_TYPE_LPM_TRIE, 8, 4, N, BPFVM_F_NO_PREALLOC);
	static uint32_t nets[N], plens[N];
	static bool live[N];
	int n = 0;
	while (n < N) {
		uint32_t plen = rnd() % 33, net = rnd() & (plen ? ~0u << (32 - plen) : 0);
		struct lpm_key4 k = ip(plen, net >> 24, net >> 16, net >> 8, net);
		uint32_t v = (uint32_t)n + 1;
		int ret = bpfvm_map__update(m, &k, &v, BPFVM_NOEXIST);
		if (ret == -EEXIST)
			continue;
		CHECK_EQ_U64(ret, 0);
		nets[n] = net, plens[n] = plen, live[n] = true;
		n++;
	}
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 3000; i++) {
			/* Half the probes start from a stored prefix. */
			uint32_t a = rnd();
			if (i & 1) {
				int j = (int)(rnd() % N);
				a = nets[j] | (plens[j] < 32 ? a >> plens[j] : 0);
			}
			int best = -1;
			for (int j = 0; j < N; j++)
				if (live[j] && in_prefix(a, nets[j], plens[j]) &&
				    (best < 0 || plens[j] > plens[best]))
					best = j;
			CHECK_EQ_U64(lpm_get(m, ip(32, a >> 24, a >> 16, a >> 8, a)),
				     best < 0 ? 0 : (uint32_t)best + 1);
		}
		/* Then delete every other prefix and check again. */
		for (int j = 0; j < N; j += 2) {
			struct lpm_key4 k = ip(plens[j], nets[j] >> 24, nets[j] >> 16, nets[j] >> 8,
					       nets[j]);
			CHECK_EQ_U64(bpfvm_map__delete(m, &k), round == 0 ? 0 : -ENOENT);
			live[j] = false;
		}
	}
	CHECK_EQ_U64(count_keys(m, 8), N / 2);
	bpfvm_map__put(m);

	/* 16-byte data (IPv6), odd prefix lengths. */
	struct k6 {
		uint32_t plen;
		uint8_t d[16];
	} k = { 13, { 0x20, 0x01 } }, q = { 128, { 0x20, 0x07, 0xff } };
	m = mk(BPFVM_MAP_TYPE_LPM_TRIE, 20, 8, 4, BPFVM_F_NO_PREALLOC);
	uint64_t v = 13, out;
	CHECK_EQ_U64(bpfvm_map__update(m, &k, &v, 0), 0);
	k.plen = 16, v = 16;
	CHECK_EQ_U64(bpfvm_map__update(m, &k, &v, 0), 0);
	CHECK_EQ_U64(bpfvm_map__lookup(m, &q, &out), 0); /* 0x2007 shares 13 bits */
	CHECK_EQ_U64(out, 13);
	q.d[1] = 0x01;
	CHECK_EQ_U64(bpfvm_map__lookup(m, &q, &out), 0);
	CHECK_EQ_U64(out, 16);
	q.d[1] = 0x08; /* 0x2008: differs in bit 12 */
	CHECK_EQ_U64(bpfvm_map__lookup(m, &q, &out), -ENOENT);
	k.plen = 129;
	CHECK_EQ_U64(bpfvm_map__update(m, &k, &v, 0), -EINVAL);
	bpfvm_map__put(m);
}

static void test_queue_stack(void)
{
	struct bpfvm_map *q = mk(BPFVM_MAP_TYPE_QUEUE, 0, 4, 3, 0);
	struct bpfvm_map *s = mk(BPFVM_MAP_TYPE_STACK, 0, 4, 3, 0);
	uint32_t v, out;
	for (v = 1; v <= 3; v++) {
		CHECK_EQ_U64(bpfvm_map__update(q, NULL, &v, BPFVM_ANY), 0);
		CHECK_EQ_U64(map_push_elem(s, &v, BPFVM_ANY), 0);
	}
	CHECK_EQ_U64(bpfvm_map__update(q, NULL, &v, BPFVM_ANY), -E2BIG);
	CHECK_EQ_U64(map_push_elem(s, &v, BPFVM_ANY), -E2BIG);
	CHECK_EQ_U64(map_push_elem(s, &v, BPFVM_NOEXIST), -EINVAL);
	/* BPF_EXIST overwrites the oldest. */
	v = 4;
	CHECK_EQ_U64(map_push_elem(q, &v, BPFVM_EXIST), 0);
	CHECK_EQ_U64(map_push_elem(s, &v, BPFVM_EXIST), 0);
	CHECK_EQ_U64(map_peek_elem(q, &out), 0);
	CHECK_EQ_U64(out, 2);
	CHECK_EQ_U64(bpfvm_map__lookup(s, NULL, &out), 0);
	CHECK_EQ_U64(out, 4);
	uint32_t qorder[] = { 2, 3, 4 }, sorder[] = { 4, 3, 2 };
	for (int i = 0; i < 3; i++) {
		CHECK_EQ_U64(bpfvm_map__lookup_and_delete(q, NULL, &out), 0);
		CHECK_EQ_U64(out, qorder[i]);
		CHECK_EQ_U64(map_pop_elem(s, &out), 0);
		CHECK_EQ_U64(out, sorder[i]);
	}
	CHECK_EQ_U64(map_pop_elem(q, &out), -ENOENT);
	CHECK_EQ_U64(bpfvm_map__lookup_and_delete(s, NULL, &out), -ENOENT);
	CHECK_EQ_U64(map_peek_elem(s, &out), -ENOENT);
	CHECK_EQ_U64(bpfvm_map__delete(q, NULL), -EINVAL);
	CHECK_EQ_U64(bpfvm_map__get_next_key(q, NULL, &out), -EINVAL);
	/* Wrap around the ring a few times. */
	for (v = 0; v < 20; v++) {
		CHECK_EQ_U64(map_push_elem(q, &v, 0), 0);
		CHECK_EQ_U64(map_pop_elem(q, &out), 0);
		CHECK_EQ_U64(out, v);
	}
	bpfvm_map__put(q);
	bpfvm_map__put(s);
}

static void test_bloom(void)
{
	BPFVM_OPTS(bpfvm_map_opts, o, .map_extra = 3);
	struct bpfvm_map *b = bpfvm_map__create(vm, BPFVM_MAP_TYPE_BLOOM_FILTER, "b", 0, 8,
						1000, &o, NULL);
	CHECK(b != NULL);
	for (uint64_t v = 0; v < 1000; v++)
		CHECK_EQ_U64(map_push_elem(b, &v, BPFVM_ANY), 0);
	for (uint64_t v = 0; v < 1000; v++)
		CHECK_EQ_U64(bpfvm_map__lookup(b, NULL, &v), 0);
	int fp = 0;
	for (uint64_t v = 1000000; v < 1010000; v++)
		fp += map_peek_elem(b, &v) == 0;
	CHECK(fp < 1000); /* ~3% expected with 3 hashes */
	uint64_t v = 1;
	CHECK_EQ_U64(map_push_elem(b, &v, BPFVM_EXIST), -EINVAL);
	CHECK_EQ_U64(map_pop_elem(b, &v), -ENOTSUP);
	CHECK_EQ_U64(bpfvm_map__delete(b, NULL), -ENOTSUP);
	bpfvm_map__put(b);
}

struct rec_log {
	int n;
	size_t sizes[16];
	uint8_t first[16];
};

static int log_rec(void *ctx, const void *data, size_t size)
{
	struct rec_log *l = ctx;
	if (l->n < 16) {
		l->sizes[l->n] = size;
		l->first[l->n] = size ? *(const uint8_t *)data : 0;
	}
	l->n++;
	return 0;
}

#define RB_BUSY (1u << 31)
#define RB_DISCARD (1u << 30)

static void test_ringbuf(void)
{
	struct bpfvm_map *rb = mk(BPFVM_MAP_TYPE_RINGBUF, 0, 0, 4096, 0);
	CHECK_EQ_U64(ringbuf_query(rb, 1), 4096);
	uint8_t *a = ringbuf_reserve(rb, 10, 0);
	CHECK(a != NULL);
	CHECK_EQ_U64((uintptr_t)a % 8, 0);
	uint32_t *hdr = (uint32_t *)(a - 8);
	CHECK_EQ_U64(hdr[0], 10 | RB_BUSY);
	CHECK_EQ_U64(hdr[1], 3); /* page offset: meta, consumer, producer pages before */
	CHECK(ringbuf_map_of_sample(vm, a) == rb);
	CHECK(ringbuf_map_of_sample(vm, a + 8) == NULL);
	CHECK(map_region_find(vm, (uint64_t)(uintptr_t)a, 10, true));
	CHECK_EQ_U64(ringbuf_query(rb, 0), 24); /* 8 + 10, rounded to 8 */
	CHECK_EQ_U64(ringbuf_query(rb, 3), 24);
	memset(a, 0xaa, 10);
	uint8_t *b = ringbuf_reserve(rb, 20, 0);
	CHECK(b != NULL);
	CHECK(b == a + 24);
	/* Nothing is consumed past a busy record. */
	struct rec_log log = { 0 };
	CHECK_EQ_U64(bpfvm_map__ringbuf_consume(rb, log_rec, &log), 0);
	ringbuf_submit(a, 0);
	CHECK_EQ_U64(hdr[0], 10);
	ringbuf_discard(b, 0);
	CHECK_EQ_U64(((uint32_t *)(b - 8))[0], 20 | RB_DISCARD);
	uint8_t c = 0x55;
	CHECK_EQ_U64(ringbuf_output(rb, &c, 1, 0), 0);
	CHECK_EQ_U64(ringbuf_output(rb, &c, 1, 4), -EINVAL);
	CHECK(ringbuf_reserve(rb, 8, 1) == NULL);
	CHECK(ringbuf_reserve(rb, 4096, 0) == NULL);
	CHECK_EQ_U64(bpfvm_map__ringbuf_consume(rb, log_rec, &log), 2);
	CHECK_EQ_U64(log.n, 2);
	CHECK_EQ_U64(log.sizes[0], 10);
	CHECK_EQ_U64(log.first[0], 0xaa);
	CHECK_EQ_U64(log.sizes[1], 1);
	CHECK_EQ_U64(log.first[1], 0x55);
	CHECK_EQ_U64(ringbuf_query(rb, 0), 0);
	CHECK_EQ_U64(ringbuf_query(rb, 2), ringbuf_query(rb, 3));
	/* Fill it up: reserve fails instead of overwriting. */
	int n = 0;
	void *s;
	while ((s = ringbuf_reserve(rb, 100, 0)) != NULL) {
		memset(s, n, 100);
		ringbuf_submit(s, 0);
		n++;
	}
	CHECK(n >= 30 && n <= 37); /* 4096 / 112 */
	CHECK_EQ_U64(ringbuf_output(rb, &c, 1, 0) == 0 || true, 1);
	memset(&log, 0, sizeof(log));
	int got = bpfvm_map__ringbuf_consume(rb, log_rec, &log);
	CHECK(got == n || got == n + 1);
	/* The next records wrap around the end and stay contiguous. */
	for (int i = 0; i < 50; i++) {
		uint8_t big[300];
		memset(big, i, sizeof(big));
		CHECK_EQ_U64(ringbuf_output(rb, big, sizeof(big), 0), 0);
		memset(&log, 0, sizeof(log));
		CHECK_EQ_U64(bpfvm_map__ringbuf_consume(rb, log_rec, &log), 1);
		CHECK_EQ_U64(log.sizes[0], 300);
		CHECK_EQ_U64(log.first[0], (uint8_t)i);
	}
	CHECK_EQ_U64(bpfvm_map__lookup(rb, NULL, &c), -ENOTSUP);
	CHECK_EQ_U64(bpfvm_map__perf_consume(rb, log_rec, &log), -EINVAL);
	bpfvm_map__put(rb);
}

static void test_perf(void)
{
	struct bpfvm_map *m = mk(BPFVM_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, NR_CPUS, 0);
	uint8_t d[3] = { 1, 2, 3 };
	CHECK_EQ_U64(perf_event_output(m, 1, d, 3), 0);
	CHECK_EQ_U64(perf_event_output(m, 0, d + 1, 2), 0);
	CHECK_EQ_U64(perf_event_output(m, 1, d + 2, 1), 0);
	CHECK_EQ_U64(perf_event_output(m, NR_CPUS, d, 1), -E2BIG);
	struct rec_log log = { 0 };
	CHECK_EQ_U64(bpfvm_map__perf_consume(m, log_rec, &log), 3);
	CHECK_EQ_U64(log.sizes[0], 2);
	CHECK_EQ_U64(log.first[0], 2);
	CHECK_EQ_U64(log.sizes[1], 3);
	CHECK_EQ_U64(log.first[1], 1);
	CHECK_EQ_U64(log.sizes[2], 1);
	CHECK_EQ_U64(log.first[2], 3);
	CHECK_EQ_U64(bpfvm_map__perf_consume(m, log_rec, &log), 0);
	bpfvm_map__put(m);
}

static void test_registry(void)
{
	struct bpfvm_map *m = mk(BPFVM_MAP_TYPE_ARRAY, 4, 4, 1, 0);
	uint64_t addr = (uint64_t)(uintptr_t)m;
	CHECK(map_by_addr(vm, addr) == m);
	CHECK(map_by_addr(vm, addr + 8) == NULL);
	CHECK(map_by_addr(vm, 0x1234) == NULL);
	CHECK(map_by_addr(vm, 0) == NULL);
	CHECK(map_by_addr(vm, UINT64_MAX) == NULL);
	CHECK(bpfvm_map__id(m) != 0);
	CHECK(map_by_id(vm, bpfvm_map__id(m)) == m);
	CHECK(map_by_id(vm, 0) == NULL);
	CHECK(map_by_id(vm, 999999) == NULL);
	CHECK(!strcmp(bpfvm_map__name(m), "m"));
	CHECK_EQ_U64(bpfvm_map__type(m), BPFVM_MAP_TYPE_ARRAY);
	CHECK_EQ_U64(bpfvm_map__max_entries(m), 1);
	/* Still alive: the vm holds a reference. */
	bpfvm_map__put(m);
	CHECK(map_by_addr(vm, addr) == m);
	CHECK(!map_region_find(vm, 0x1000, 8, false));
	/* Maps with two ids grow: ids are distinct. */
	struct bpfvm_map *m2 = mk(BPFVM_MAP_TYPE_ARRAY, 4, 4, 1, 0);
	CHECK(bpfvm_map__id(m2) > bpfvm_map__id(m));
	bpfvm_map__put(m2);
}

static void test_prog_array(void)
{
	struct bpfvm_insn insns[] = { I_MOV64_IMM(0, 1), I_EXIT() };
	struct bpfvm_prog *prog = NULL;
	struct bpfvm_error err;
	int ret = bpfvm_prog__load(vm, insns, 2, UNVERIFIED, &prog, &err);
	if (ret)
		fprintf(stderr, "load: %s\n", err.msg);
	CHECK_EQ_U64(ret, 0);
	struct bpfvm_map *pa = mk(BPFVM_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0);
	uint32_t k = 2, id = bpfvm_prog__id(prog), out = 0, bad = 999999;
	CHECK_EQ_U64(bpfvm_map__update(pa, &k, &bad, BPFVM_ANY), -EINVAL);
	CHECK_EQ_U64(bpfvm_map__update(pa, &k, &id, BPFVM_NOEXIST), -EINVAL);
	CHECK_EQ_U64(bpfvm_map__update(pa, &k, &id, BPFVM_ANY), 0);
	CHECK_EQ_U64(bpfvm_map__lookup(pa, &k, &out), 0);
	CHECK_EQ_U64(out, id);
	CHECK(prog_array_get(pa, 2) == prog);
	CHECK(prog_array_get(pa, 1) == NULL);
	CHECK(prog_array_get(pa, 4) == NULL);
	/* The array keeps the program alive after its owner lets go. */
	bpfvm_prog__free(prog);
	CHECK(prog_array_get(pa, 2) == prog);
	CHECK(map_lookup_elem(pa, &k, 0) == NULL);
	CHECK_EQ_U64(map_update_elem(pa, &k, &id, 0, 0), -ENOTSUP);
	k = 7;
	CHECK_EQ_U64(bpfvm_map__update(pa, &k, &id, BPFVM_ANY), -E2BIG);
	k = 2;
	CHECK_EQ_U64(bpfvm_map__delete(pa, &k), 0);
	CHECK_EQ_U64(bpfvm_map__delete(pa, &k), -ENOENT);
	CHECK(prog_array_get(pa, 2) == NULL);
	bpfvm_map__put(pa);
}

static void test_map_in_map(void)
{
	struct bpfvm_map *tmpl = mk(BPFVM_MAP_TYPE_ARRAY, 4, 8, 2, 0);
	struct bpfvm_map *in1 = mk(BPFVM_MAP_TYPE_ARRAY, 4, 8, 2, 0);
	struct bpfvm_map *odd = mk(BPFVM_MAP_TYPE_ARRAY, 4, 4, 2, 0);
	BPFVM_OPTS(bpfvm_map_opts, o, .inner_map = tmpl);
	struct bpfvm_error err;
	struct bpfvm_map *aom = bpfvm_map__create(vm, BPFVM_MAP_TYPE_ARRAY_OF_MAPS, "aom", 4, 4,
						  3, &o, &err);
	struct bpfvm_map *hom = bpfvm_map__create(vm, BPFVM_MAP_TYPE_HASH_OF_MAPS, "hom", 8, 4,
						  3, &o, &err);
	CHECK(aom && hom);
	refuse(BPFVM_MAP_TYPE_ARRAY_OF_MAPS, 4, 8, 3, &o, -EINVAL, "value_size");
	BPFVM_OPTS(bpfvm_map_opts, o2, .inner_map = aom);
	refuse(BPFVM_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 3, &o2, -EINVAL, "map-in-map");
	uint32_t k = 1, id = bpfvm_map__id(in1), oddid = bpfvm_map__id(odd), out, none = 0;
	uint64_t hk = 77;
	CHECK_EQ_U64(bpfvm_map__update(aom, &k, &oddid, BPFVM_ANY), -EINVAL);
	CHECK_EQ_U64(bpfvm_map__update(aom, &k, &none, BPFVM_ANY), -EBADF);
	CHECK_EQ_U64(bpfvm_map__update(aom, &k, &id, BPFVM_ANY), 0);
	CHECK_EQ_U64(bpfvm_map__update(hom, &hk, &id, BPFVM_NOEXIST), 0);
	CHECK_EQ_U64(bpfvm_map__update(hom, &hk, &id, BPFVM_NOEXIST), -EEXIST);
	CHECK_EQ_U64(bpfvm_map__update(hom, &hk, &oddid, BPFVM_ANY), -EINVAL);
	CHECK_EQ_U64(bpfvm_map__lookup(aom, &k, &out), 0);
	CHECK_EQ_U64(out, id);
	CHECK_EQ_U64(bpfvm_map__lookup(hom, &hk, &out), 0);
	CHECK_EQ_U64(out, id);
	CHECK(map_lookup_elem(aom, &k, 0) == in1);
	CHECK(map_lookup_elem(hom, &hk, 0) == in1);
	CHECK(map_lookup_elem(aom, &none, 0) == NULL);
	/* The outer maps' references keep in1 going: drop the creator's,
	 * then use it through the outer map. */
	bpfvm_map__put(in1);
	struct bpfvm_map *inner = map_lookup_elem(aom, &k, 0);
	uint32_t ik = 0;
	uint64_t *v = map_lookup_elem(inner, &ik, 0);
	CHECK(v != NULL);
	*v = 5;
	CHECK(map_region_find(vm, (uint64_t)(uintptr_t)v, 8, true));
	CHECK(map_region_owner(vm, (uint64_t)(uintptr_t)v, 8) == in1);
	CHECK_EQ_U64(bpfvm_map__delete(aom, &k), 0);
	CHECK_EQ_U64(bpfvm_map__delete(aom, &k), -ENOENT);
	CHECK_EQ_U64(bpfvm_map__delete(hom, &hk), 0);
	CHECK_EQ_U64(bpfvm_map__lookup(hom, &hk, &out), -ENOENT);
	/* Leave one in place for the teardown to release. */
	CHECK_EQ_U64(bpfvm_map__update(hom, &hk, &id, BPFVM_ANY), 0);
	bpfvm_map__put(aom);
	bpfvm_map__put(hom);
	bpfvm_map__put(odd);
	bpfvm_map__put(tmpl);
}

static void test_bad_args(void)
{
	uint32_t k = 0, v = 0;
	CHECK_EQ_U64(bpfvm_map__lookup(NULL, &k, &v), -EINVAL);
	CHECK_EQ_U64(bpfvm_map__update(NULL, &k, &v, 0), -EINVAL);
	CHECK(map_lookup_elem(NULL, &k, 0) == NULL);
	CHECK_EQ_U64(map_update_elem(NULL, &k, &v, 0, 0), -EINVAL);
	CHECK(ringbuf_reserve(NULL, 8, 0) == NULL);
	CHECK_EQ_U64(ringbuf_query(NULL, 0), 0);
	CHECK(prog_array_get(NULL, 0) == NULL);
	bpfvm_map__put(NULL);
	CHECK(bpfvm_map__create(NULL, BPFVM_MAP_TYPE_ARRAY, "x", 4, 4, 1, NULL, NULL) == NULL);
	CHECK_EQ_U64(errno, EINVAL);
	/* An unknown non-zero tail in the opts is refused. */
	struct {
		struct bpfvm_map_opts o;
		uint64_t extra;
	} big = { .o = { .sz = sizeof(big) }, .extra = 1 };
	CHECK(bpfvm_map__create(vm, BPFVM_MAP_TYPE_ARRAY, "x", 4, 4, 1, &big.o, NULL) == NULL);
}

/* Maps their users never put are freed with the vm (ASan checks), outer
 * map-in-map maps before the inner maps they hold. */
static void test_teardown(void)
{
	struct bpfvm_vm *v2 = bpfvm_vm__new(NULL);
	CHECK(v2 != NULL);
	struct bpfvm_map *inner = bpfvm_map__create(v2, BPFVM_MAP_TYPE_HASH, "i", 4, 4, 4, NULL,
						    NULL);
	BPFVM_OPTS(bpfvm_map_opts, o, .inner_map = inner);
	struct bpfvm_map *outer = bpfvm_map__create(v2, BPFVM_MAP_TYPE_ARRAY_OF_MAPS, "o", 4, 4,
						    2, &o, NULL);
	struct bpfvm_map *rb = bpfvm_map__create(v2, BPFVM_MAP_TYPE_RINGBUF, "r", 0, 0, 8192,
						 NULL, NULL);
	CHECK(inner && outer && rb);
	uint32_t k = 0, id = bpfvm_map__id(inner);
	CHECK_EQ_U64(bpfvm_map__update(outer, &k, &id, 0), 0);
	CHECK(ringbuf_reserve(rb, 16, 0) != NULL); /* never submitted */
	/* A map of another vm cannot be an inner map here. */
	BPFVM_OPTS(bpfvm_map_opts, o2, .inner_map = inner);
	struct bpfvm_error err;
	CHECK(bpfvm_map__create(vm, BPFVM_MAP_TYPE_ARRAY_OF_MAPS, "x", 4, 4, 2, &o2, &err) == NULL);
	CHECK_STR_CONTAINS(err.msg, "another vm");
	/* A program in a prog array it refers to itself: a cycle that
	 * teardown breaks. */
	struct bpfvm_map *pa = bpfvm_map__create(v2, BPFVM_MAP_TYPE_PROG_ARRAY, "pa", 4, 4, 2,
						 NULL, NULL);
	CHECK(pa != NULL);
	struct bpfvm_insn insns[] = { I_MOV64_IMM(0, 0), I_EXIT() };
	struct bpfvm_map *maps[] = { pa };
	BPFVM_OPTS(bpfvm_load_opts, lo, .maps = maps, .n_maps = 1);
	struct bpfvm_prog *prog;
	CHECK_EQ_U64(bpfvm_prog__load(v2, insns, 2, &lo, &prog, &err), 0);
	id = bpfvm_prog__id(prog);
	CHECK_EQ_U64(bpfvm_map__update(pa, &k, &id, 0), 0);
	bpfvm_prog__free(prog);
	bpfvm_map__put(pa);
	bpfvm_vm__free(v2); /* no bpfvm_map__put for the others */
}

/* devmap, cpumap, xskmap: arrays of redirect targets the host fills. */
static void test_redirect_maps(void)
{
	static const enum bpfvm_map_type types[] = { BPFVM_MAP_TYPE_DEVMAP, BPFVM_MAP_TYPE_CPUMAP,
						     BPFVM_MAP_TYPE_XSKMAP };
	for (size_t t = 0; t < 3; t++) {
		struct bpfvm_map *m = mk(types[t], 4, 4, 8, 0);
		uint32_t k = 3, v = 42, out = 0, next;
		CHECK(bpfvm_map__update(m, &k, &v, BPFVM_ANY) == 0);
		CHECK(bpfvm_map__lookup(m, &k, &out) == 0 && out == 42);
		CHECK(*(uint32_t *)map_lookup_elem(m, &k, 0) == 42);
		CHECK(bpfvm_map__delete(m, &k) == 0);
		CHECK(bpfvm_map__lookup(m, &k, &out) == 0 && out == 0);
		k = 8;
		CHECK(bpfvm_map__delete(m, &k) == -EINVAL);
		CHECK(bpfvm_map__get_next_key(m, NULL, &next) == 0 && next == 0);
		bpfvm_map__put(m);
	}
	/* devmap and cpumap also take the 8-byte value with a program. */
	bpfvm_map__put(mk(BPFVM_MAP_TYPE_DEVMAP, 4, 8, 8, 0));
	bpfvm_map__put(mk(BPFVM_MAP_TYPE_CPUMAP, 4, 8, 8, 0));
}

int main(void)
{
	BPFVM_OPTS(bpfvm_vm_opts, vo, .nr_cpus = NR_CPUS);
	vm = bpfvm_vm__new(&vo);
	CHECK(vm != NULL);
	CHECK_EQ_U64(bpfvm_vm__nr_cpus(vm), NR_CPUS);
	test_names_and_refusals();
	test_array();
	test_percpu_array();
	test_hash();
	test_percpu_hash();
	test_lru(BPFVM_MAP_TYPE_LRU_HASH);
	test_lru(BPFVM_MAP_TYPE_LRU_PERCPU_HASH);
	test_lpm();
	test_lpm_random();
	test_queue_stack();
	test_bloom();
	test_ringbuf();
	test_perf();
	test_registry();
	test_prog_array();
	test_map_in_map();
	test_redirect_maps();
	test_bad_args();
	test_teardown();
	bpfvm_vm__free(vm);
	CHECK_DONE();
}
