/*
 * test_kernel_maps.c - the running kernel as the judge of map semantics.
 *
 * For each map type, the same deterministic sequence of host operations
 * (update with BPF_ANY/NOEXIST/EXIST, lookup, delete, get_next_key, push
 * and pop) goes to a kernel map (through libbpf's bpf() wrappers) and to
 * a bpfvm map with the same attributes. Every return code must agree, and
 * every value read; at the end, the two maps must hold the same set of
 * entries (hash maps iterate in a per-map random order in the kernel, so
 * contents are compared as sets).
 *
 * Needs root and a working bpf(); skips (exit 77) with a message when the
 * kernel is not available, never fails for that reason.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfvm.h"
#include "kernel_probe.h"

#define OPS 3000
#define MAX_VALUE 64

static int failures;
static unsigned long long checks;

#define EXPECT(cond, ...)                                                   \
	do {                                                                \
		checks++;                                                   \
		if (!(cond)) {                                              \
			fprintf(stderr, "MISMATCH %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                       \
			fprintf(stderr, "\n");                              \
			if (++failures > 20)                                \
				exit(1);                                    \
		}                                                           \
	} while (0)

/* xorshift64*: the same sequence on every run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ull;
}

static int kernel_errno(int ret)
{
	/* libbpf 1.x returns -errno from these wrappers. */
	return ret < 0 ? ret : 0;
}

struct pair {
	const char *name;
	int fd;
	struct bpfvm_map *vm_map;
	enum bpfvm_map_type type;
	uint32_t key_size, value_size, max_entries;
	size_t vbuf; /* host value buffer: value_size, or per-CPU layout */
};

static int make_pair(struct bpfvm_vm *vm, struct pair *p, enum bpfvm_map_type type,
		     uint32_t ks, uint32_t vs, uint32_t n, uint32_t flags, const char *name)
{
	LIBBPF_OPTS(bpf_map_create_opts, ko, .map_flags = flags);
	struct bpfvm_error err;
	BPFVM_OPTS(bpfvm_map_opts, vo, .map_flags = flags);
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->type = type;
	p->key_size = ks;
	p->value_size = vs;
	p->max_entries = n;
	p->fd = bpf_map_create((enum bpf_map_type)type, name, ks, vs, n, &ko);
	if (p->fd < 0) {
		fprintf(stderr, "%s: the kernel refuses to create it (%s); skipped\n", name,
			strerror(-p->fd));
		return -1;
	}
	p->vm_map = bpfvm_map__create(vm, type, name, ks, vs, n, &vo, &err);
	EXPECT(p->vm_map, "%s: bpfvm refuses what the kernel creates: %s", name, err.msg);
	if (!p->vm_map) {
		close(p->fd);
		return -1;
	}
	p->vbuf = bpfvm_map__value_buf_size(p->vm_map);
	return 0;
}

static void free_pair(struct pair *p)
{
	close(p->fd);
	bpfvm_map__put(p->vm_map);
}

/* A key from a small space (range distinct values in its first bytes),
 * so that updates hit existing entries and maps fill up. */
static void random_key(void *buf, size_t n, unsigned range)
{
	uint32_t v = (uint32_t)(rnd() % range);
	memset(buf, 0, n);
	memcpy(buf, &v, n < 4 ? n : 4);
}

/* An LPM key: prefix length 0..32 and an IPv4 address from a few /8s,
 * so that prefixes nest and lookups have several candidates. */
static void random_lpm_key(uint8_t *key)
{
	uint32_t plen = (uint32_t)(rnd() % 33);
	memcpy(key, &plen, 4);
	key[4] = (uint8_t)(10 + rnd() % 3);
	key[5] = (uint8_t)(rnd() % 4);
	key[6] = (uint8_t)(rnd() % 4);
	key[7] = (uint8_t)rnd();
}

/* One random operation on both maps; compares the outcome. */
static void step(struct pair *p, unsigned key_range)
{
	uint8_t key[64], val[8 * 64 * 4], kv[sizeof(val)], vv[sizeof(val)], kn[64], vn[64];
	if (p->type == BPFVM_MAP_TYPE_LPM_TRIE)
		random_lpm_key(key);
	else
		random_key(key, p->key_size, key_range);
	for (size_t i = 0; i < p->vbuf; i++)
		val[i] = (uint8_t)rnd();
	unsigned op = (unsigned)(rnd() % 6);
	const void *k = p->key_size ? key : NULL;
	int kr, vr;

	switch (op) {
	case 0:
	case 1: {
		uint64_t flags = rnd() % 3; /* ANY, NOEXIST, EXIST */
		kr = kernel_errno(bpf_map_update_elem(p->fd, k, val, flags));
		vr = bpfvm_map__update(p->vm_map, k, val, flags);
		EXPECT(kr == vr, "%s: update flags %llu: kernel %d, bpfvm %d", p->name,
		       (unsigned long long)flags, kr, vr);
		break;
	}
	case 2:
		memset(kv, 0, sizeof(kv));
		memset(vv, 0, sizeof(vv));
		if (p->type == BPFVM_MAP_TYPE_QUEUE || p->type == BPFVM_MAP_TYPE_STACK) {
			kr = kernel_errno(bpf_map_lookup_and_delete_elem(p->fd, NULL, kv));
			vr = bpfvm_map__lookup_and_delete(p->vm_map, NULL, vv);
		} else {
			kr = kernel_errno(bpf_map_lookup_elem(p->fd, k, kv));
			vr = bpfvm_map__lookup(p->vm_map, k, vv);
		}
		EXPECT(kr == vr, "%s: lookup: kernel %d, bpfvm %d", p->name, kr, vr);
		if (kr == 0 && vr == 0 && p->type != BPFVM_MAP_TYPE_BLOOM_FILTER)
			EXPECT(!memcmp(kv, vv, p->vbuf), "%s: lookup: values differ", p->name);
		break;
	case 3:
		kr = kernel_errno(bpf_map_delete_elem(p->fd, k));
		vr = bpfvm_map__delete(p->vm_map, k);
		EXPECT(kr == vr, "%s: delete: kernel %d, bpfvm %d", p->name, kr, vr);
		break;
	case 4:
		/* get_next_key from a key: only its error class is comparable
		 * for hash maps (the order differs); arrays must agree exactly. */
		kr = kernel_errno(bpf_map_get_next_key(p->fd, k, kn));
		vr = bpfvm_map__get_next_key(p->vm_map, k, vn);
		if (p->type == BPFVM_MAP_TYPE_LPM_TRIE)
			break; /* the kernel walks its trie; bpfvm its own order */
		if (p->type == BPFVM_MAP_TYPE_ARRAY || p->type == BPFVM_MAP_TYPE_PERCPU_ARRAY) {
			EXPECT(kr == vr, "%s: get_next_key: kernel %d, bpfvm %d", p->name, kr, vr);
			if (!kr && !vr)
				EXPECT(!memcmp(kn, vn, p->key_size), "%s: next keys differ", p->name);
		} else {
			EXPECT((kr == 0) == (vr == 0) || kr == -ENOENT || vr == -ENOENT,
			       "%s: get_next_key: kernel %d, bpfvm %d", p->name, kr, vr);
		}
		break;
	default: /* a push for queues and stacks, else another update */
		kr = kernel_errno(bpf_map_update_elem(p->fd, k, val, 0));
		vr = bpfvm_map__update(p->vm_map, k, val, 0);
		EXPECT(kr == vr, "%s: update: kernel %d, bpfvm %d", p->name, kr, vr);
		break;
	}
}

/* Every kernel entry is in bpfvm with the same value, and the counts match. */
static void compare_contents(struct pair *p)
{
	if (p->type == BPFVM_MAP_TYPE_QUEUE || p->type == BPFVM_MAP_TYPE_STACK ||
	    p->type == BPFVM_MAP_TYPE_BLOOM_FILTER) {
		/* Drain both in order: queues and stacks are ordered. */
		uint8_t kv[sizeof(uint64_t) * 64 * 4], vv[sizeof(kv)];
		for (;;) {
			if (p->type == BPFVM_MAP_TYPE_BLOOM_FILTER)
				return;
			int kr = kernel_errno(bpf_map_lookup_and_delete_elem(p->fd, NULL, kv));
			int vr = bpfvm_map__lookup_and_delete(p->vm_map, NULL, vv);
			EXPECT(kr == vr, "%s: drain: kernel %d, bpfvm %d", p->name, kr, vr);
			if (kr || vr)
				return;
			EXPECT(!memcmp(kv, vv, p->vbuf), "%s: drained values differ", p->name);
		}
	}
	uint8_t key[64], next[64], kv[8 * 64 * 4], vv[sizeof(kv)];
	unsigned kcount = 0, vcount = 0;
	int r = bpf_map_get_next_key(p->fd, NULL, next);
	while (r == 0) {
		memcpy(key, next, p->key_size);
		if (bpf_map_lookup_elem(p->fd, key, kv) == 0) {
			kcount++;
			int vr = bpfvm_map__lookup(p->vm_map, key, vv);
			EXPECT(vr == 0, "%s: a key the kernel has is missing in bpfvm", p->name);
			if (vr == 0)
				EXPECT(!memcmp(kv, vv, p->vbuf), "%s: final values differ", p->name);
		}
		r = bpf_map_get_next_key(p->fd, key, next);
	}
	r = bpfvm_map__get_next_key(p->vm_map, NULL, next);
	while (r == 0) {
		memcpy(key, next, p->key_size);
		if (bpfvm_map__lookup(p->vm_map, key, vv) == 0)
			vcount++;
		r = bpfvm_map__get_next_key(p->vm_map, key, next);
	}
	/* The kernel's LRU frees entries in batches when it is full, so it may
	 * hold fewer than bpfvm; what it holds, bpfvm must hold too. */
	if (p->type == BPFVM_MAP_TYPE_LRU_HASH)
		EXPECT(kcount <= vcount && vcount <= p->max_entries,
		       "%s: kernel holds %u entries, bpfvm %u", p->name, kcount, vcount);
	else
		EXPECT(kcount == vcount, "%s: kernel holds %u entries, bpfvm %u", p->name, kcount,
		       vcount);
}

int main(void)
{
	if (!kernel_available())
		return SKIP;

	int cpus = libbpf_num_possible_cpus();
	BPFVM_OPTS(bpfvm_vm_opts, vopts, .nr_cpus = cpus > 0 ? (uint32_t)cpus : 1);
	struct bpfvm_vm *vm = bpfvm_vm__new(&vopts);
	if (!vm)
		return 1;

	static const struct {
		enum bpfvm_map_type type;
		uint32_t ks, vs, n, flags;
		unsigned key_range;
		const char *name;
	} cases[] = {
		{ BPFVM_MAP_TYPE_HASH, 4, 8, 16, 0, 24, "hash" },
		{ BPFVM_MAP_TYPE_HASH, 6, 12, 64, BPFVM_F_NO_PREALLOC, 80, "hash_noprealloc" },
		{ BPFVM_MAP_TYPE_ARRAY, 4, 16, 8, 0, 12, "array" },
		{ BPFVM_MAP_TYPE_PERCPU_ARRAY, 4, 12, 8, 0, 12, "percpu_array" },
		{ BPFVM_MAP_TYPE_PERCPU_HASH, 4, 8, 16, 0, 24, "percpu_hash" },
		{ BPFVM_MAP_TYPE_QUEUE, 0, 8, 8, 0, 1, "queue" },
		{ BPFVM_MAP_TYPE_STACK, 0, 8, 8, 0, 1, "stack" },
		{ BPFVM_MAP_TYPE_LRU_HASH, 4, 8, 1024, 0, 600, "lru_hash" },
		{ BPFVM_MAP_TYPE_LPM_TRIE, 8, 8, 256, BPFVM_F_NO_PREALLOC, 0, "lpm_trie" },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct pair p;
		if (make_pair(vm, &p, cases[c].type, cases[c].ks, cases[c].vs, cases[c].n,
			      cases[c].flags, cases[c].name))
			continue;
		int before = failures;
		for (int i = 0; i < OPS; i++)
			step(&p, cases[c].key_range);
		compare_contents(&p);
		printf("%-16s %d operations: %s\n", cases[c].name, OPS,
		       failures == before ? "same as the kernel" : "DIFFERS");
		free_pair(&p);
	}
	bpfvm_vm__free(vm);
	printf("test_kernel_maps: %llu comparisons, %d mismatches\n", checks, failures);
	return failures ? 1 : 0;
}
