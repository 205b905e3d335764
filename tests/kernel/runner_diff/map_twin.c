/*
 * map_twin.c - the same map on the kernel's side and on bpfvm's: updates
 * and comparisons (map_twin.h).
 *
 * A snapshot holds each map's contents as one byte string:
 * - keyed maps (arrays, hashes, LRU, per-CPU, LPM trie): every entry as
 *   key || value (per-CPU: every CPU's slot), sorted by key, because
 *   hash maps list their keys in an order that depends on a random seed
 *   per map (KERNEL-ORACLE.md);
 * - queues, stacks and ring buffers: the elements or records in the order
 *   they come out, each as a 4-byte length and its bytes.
 * Maps whose values are handles to other kernel objects (programs, maps,
 * devices, perf events) and bloom filters (which cannot be listed) are
 * not compared; the reason is kept for the report.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "map_twin.h"

enum snap_kind { SNAP_KEYED, SNAP_SEQ, SNAP_SKIP };

struct map_snap {
	char name[BPFVM_OBJ_NAME_LEN];
	const struct bpf_map *km;
	enum snap_kind kind;
	const char *why;      /* SNAP_SKIP: the reason */
	int err;              /* reading the kernel's map failed */
	uint32_t type, key_size, value_size;
	size_t vbuf;          /* bytes of one value as read (per-CPU: all slots) */
	size_t n;             /* entries */
	uint8_t *blob;
	size_t len, cap;
};

struct twin_snapshot {
	struct map_snap *maps;
	size_t n;
};

static bool is_percpu(uint32_t type)
{
	return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static size_t round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static void kind_of(struct map_snap *m)
{
	m->kind = SNAP_KEYED;
	switch (m->type) {
	case BPF_MAP_TYPE_HASH: case BPF_MAP_TYPE_ARRAY: case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_PERCPU_ARRAY: case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH: case BPF_MAP_TYPE_LPM_TRIE:
		return;
	case BPF_MAP_TYPE_QUEUE: case BPF_MAP_TYPE_STACK: case BPF_MAP_TYPE_RINGBUF:
		m->kind = SNAP_SEQ;
		return;
	case BPF_MAP_TYPE_PROG_ARRAY:
		m->why = "its values are program handles";
		break;
	case BPF_MAP_TYPE_ARRAY_OF_MAPS: case BPF_MAP_TYPE_HASH_OF_MAPS:
		m->why = "its values are map handles";
		break;
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
		m->why = "its records go to perf events, which neither side has here";
		break;
	case BPF_MAP_TYPE_DEVMAP: case BPF_MAP_TYPE_DEVMAP_HASH: case BPF_MAP_TYPE_CPUMAP:
	case BPF_MAP_TYPE_XSKMAP:
		m->why = "its values are devices, CPUs or sockets the host set";
		break;
	case BPF_MAP_TYPE_BLOOM_FILTER:
		m->why = "a bloom filter cannot be listed";
		break;
	default:
		m->why = "a map type this test does not read";
		break;
	}
	m->kind = SNAP_SKIP;
}

static int append(struct map_snap *m, const void *a, size_t alen, const void *b, size_t blen)
{
	if (m->len + alen + blen > m->cap) {
		size_t cap = m->cap ? m->cap : 4096;
		while (cap < m->len + alen + blen)
			cap *= 2;
		uint8_t *n = realloc(m->blob, cap);
		if (!n)
			return -ENOMEM;
		m->blob = n;
		m->cap = cap;
	}
	memcpy(m->blob + m->len, a, alen);
	memcpy(m->blob + m->len + alen, b, blen);
	m->len += alen + blen;
	m->n++;
	return 0;
}

static int append_record(struct map_snap *m, const void *data, size_t size)
{
	uint32_t len = (uint32_t)size;
	return append(m, &len, sizeof(len), data, size);
}

static int cmp_keys(const void *a, const void *b, void *key_size)
{
	return memcmp(a, b, *(const size_t *)key_size);
}

static void sort_entries(struct map_snap *m)
{
	size_t ks = m->key_size;
	if (m->kind == SNAP_KEYED && m->n > 1)
		qsort_r(m->blob, m->n, ks + m->vbuf, cmp_keys, &ks);
}

/* ------------------------------------------------------------------ */
/* The kernel's side                                                   */

static int ring_sample(void *ctx, void *data, size_t size)
{
	return append_record(ctx, data, size);
}

static int read_kernel(struct map_snap *m)
{
	int fd = bpf_map__fd(m->km);
	if (m->kind == SNAP_SKIP)
		return 0;
	if (m->type == BPF_MAP_TYPE_RINGBUF) {
		struct ring_buffer *rb = ring_buffer__new(fd, ring_sample, m, NULL);
		if (!rb)
			return -errno;
		int rc = ring_buffer__consume(rb);
		ring_buffer__free(rb);
		return rc < 0 ? rc : 0;
	}
	uint8_t *key = calloc(1, m->key_size + 1), *next = calloc(1, m->key_size + 1);
	uint8_t *val = calloc(1, m->vbuf + 1);
	int rc = key && next && val ? 0 : -ENOMEM;
	if (m->kind == SNAP_SEQ) {
		/* pop until empty (bounded: a queue holds max_entries) */
		for (uint32_t i = 0; !rc && i <= bpf_map__max_entries(m->km); i++) {
			if (bpf_map_lookup_and_delete_elem(fd, NULL, val))
				break;
			rc = append_record(m, val, m->vbuf);
		}
	} else {
		bool first = true;
		while (!rc && !bpf_map_get_next_key(fd, first ? NULL : key, next)) {
			first = false;
			memcpy(key, next, m->key_size);
			if (bpf_map_lookup_elem(fd, key, val))
				rc = -errno;
			else
				rc = append(m, key, m->key_size, val, m->vbuf);
		}
	}
	free(key);
	free(next);
	free(val);
	return rc;
}

struct twin_snapshot *twin_snapshot_kernel(struct bpf_object *kobj)
{
	struct twin_snapshot *s = calloc(1, sizeof(*s));
	struct bpf_map *km;
	size_t n = 0;
	bpf_object__for_each_map(km, kobj)
		n++;
	if (!s || !(s->maps = calloc(n + 1, sizeof(*s->maps)))) {
		free(s);
		return NULL;
	}
	int ncpus = libbpf_num_possible_cpus();
	bpf_object__for_each_map(km, kobj) {
		struct map_snap *m = &s->maps[s->n++];
		snprintf(m->name, sizeof(m->name), "%s", bpf_map__name(km));
		m->km = km;
		m->type = bpf_map__type(km);
		m->key_size = bpf_map__key_size(km);
		m->value_size = bpf_map__value_size(km);
		m->vbuf = is_percpu(m->type) ? (size_t)ncpus * round8(m->value_size)
					     : m->value_size;
		kind_of(m);
		m->err = read_kernel(m);
		sort_entries(m);
	}
	return s;
}

void twin_snapshot_free(struct twin_snapshot *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->maps[i].blob);
	free(s->maps);
	free(s);
}

/* ------------------------------------------------------------------ */
/* bpfvm's side                                                        */

struct bpfvm_map *twin_find(const struct bpfvm_object *obj, const struct bpf_map *km)
{
	const char *name = bpf_map__name(km);
	struct bpfvm_map *m = bpfvm_object__find_map(obj, name);
	const char *dot = strchr(name, '.');
	if (!m && dot && dot != name)
		m = bpfvm_object__find_map(obj, dot);
	return m;
}

static int record_cb(void *ctx, const void *data, size_t size)
{
	return append_record(ctx, data, size);
}

/* bpfvm's map read into out, laid out as the kernel's snapshot k. */
static int read_bpfvm(struct bpfvm_map *vm, const struct map_snap *k, struct map_snap *out)
{
	out->kind = k->kind;
	out->key_size = k->key_size;
	out->vbuf = k->vbuf;
	if (k->type == BPF_MAP_TYPE_RINGBUF) {
		int rc = bpfvm_map__ringbuf_consume(vm, record_cb, out);
		return rc < 0 ? rc : 0;
	}
	if (bpfvm_map__value_buf_size(vm) != k->vbuf)
		return -EMSGSIZE;
	uint8_t *key = calloc(1, k->key_size + 1), *next = calloc(1, k->key_size + 1);
	uint8_t *val = calloc(1, k->vbuf + 1);
	int rc = key && next && val ? 0 : -ENOMEM;
	if (k->kind == SNAP_SEQ) {
		for (uint32_t i = 0; !rc && i <= bpfvm_map__max_entries(vm); i++) {
			if (bpfvm_map__lookup_and_delete(vm, NULL, val))
				break;
			rc = append_record(out, val, k->vbuf);
		}
	} else {
		bool first = true;
		while (!rc && !bpfvm_map__get_next_key(vm, first ? NULL : key, next)) {
			first = false;
			memcpy(key, next, k->key_size);
			rc = bpfvm_map__lookup(vm, key, val);
			if (!rc)
				rc = append(out, key, k->key_size, val, k->vbuf);
		}
	}
	free(key);
	free(next);
	free(val);
	sort_entries(out);
	return rc;
}

static void hex(char *buf, size_t size, const uint8_t *p, size_t n)
{
	size_t o = 0;
	buf[0] = 0;
	for (size_t i = 0; i < n && o + 4 < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%02x", p[i]);
	if (o + 4 >= size)
		snprintf(buf + size - 4, 4, "...");
}

/* Where a and b first differ, as "entry I: key K: kernel V, bpfvm W". */
static void first_difference(const struct map_snap *a, const struct map_snap *b, char *buf,
			     size_t size)
{
	char k[64], va[96], vb[96];
	if (a->kind == SNAP_KEYED) {
		size_t esz = a->key_size + a->vbuf;
		for (size_t i = 0; i < a->n && i < b->n; i++) {
			const uint8_t *ea = a->blob + i * esz, *eb = b->blob + i * esz;
			if (!memcmp(ea, eb, esz))
				continue;
			hex(k, sizeof(k), ea, a->key_size);
			if (memcmp(ea, eb, a->key_size)) {
				hex(va, sizeof(va), eb, a->key_size);
				snprintf(buf, size, "entry %zu: key %s in the kernel, %s in bpfvm", i,
					 k, va);
				return;
			}
			/* the first differing byte's 8-byte slot and its surroundings */
			size_t at = 0;
			while (ea[a->key_size + at] == eb[a->key_size + at])
				at++;
			at &= ~(size_t)7;
			size_t show = a->vbuf - at < 32 ? a->vbuf - at : 32;
			hex(va, sizeof(va), ea + a->key_size + at, show);
			hex(vb, sizeof(vb), eb + a->key_size + at, show);
			snprintf(buf, size, "key %s, value bytes from %zu: kernel %s, bpfvm %s", k, at,
				 va, vb);
			return;
		}
		snprintf(buf, size, "%zu entries in the kernel, %zu in bpfvm", a->n, b->n);
		return;
	}
	size_t at = 0;
	while (at < a->len && at < b->len && a->blob[at] == b->blob[at])
		at++;
	snprintf(buf, size, "%zu elements/records in the kernel, %zu in bpfvm; first byte "
		 "differing at %zu", a->n, b->n, at);
}

void twin_compare(const struct twin_snapshot *s, struct bpfvm_object *obj, const char *label,
		  bool list_skipped, struct twin_tally *t)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct map_snap *k = &s->maps[i];
		if (k->kind == SNAP_SKIP) {
			if (list_skipped)
				printf("  %s map %s: not compared: %s\n", label, k->name, k->why);
			t->not_compared++;
			continue;
		}
		struct bpfvm_map *vm = twin_find(obj, k->km);
		if (!vm) {
			printf("  MISMATCH %s map %s: bpfvm has no such map\n", label, k->name);
			t->differ++;
			continue;
		}
		if (k->err) {
			printf("  MISMATCH %s map %s: cannot read the kernel's map: %s\n", label,
			       k->name, strerror(-k->err));
			t->differ++;
			continue;
		}
		struct map_snap v = { .type = k->type };
		int rc = read_bpfvm(vm, k, &v);
		if (rc) {
			printf("  MISMATCH %s map %s: cannot read bpfvm's map: %s\n", label, k->name,
			       rc == -EMSGSIZE ? "its values are laid out differently"
					       : strerror(-rc));
			t->differ++;
		} else if (v.n != k->n || v.len != k->len ||
			   (k->len && memcmp(v.blob, k->blob, k->len))) {
			char where[320];
			first_difference(k, &v, where, sizeof(where));
			printf("  MISMATCH %s map %s (%s): %s\n", label, k->name,
			       bpfvm_map_type_name((enum bpfvm_map_type)k->type), where);
			t->differ++;
		} else {
			t->same++;
			t->entries += k->n;
		}
		free(v.blob);
	}
}

int twin_update(struct bpf_object *kobj, struct bpfvm_object *const *objs, size_t n,
		const char *name, const void *key, const void *value, char *why, size_t why_size)
{
	struct bpf_map *km = bpf_object__find_map_by_name(kobj, name);
	if (!km)
		return -ENOENT;
	uint32_t type = bpf_map__type(km), vs = bpf_map__value_size(km);
	size_t slot = round8(vs), ncpus = is_percpu(type) ? (size_t)libbpf_num_possible_cpus() : 1;
	uint8_t *buf = calloc(ncpus, slot);
	if (!buf)
		return -ENOMEM;
	for (size_t c = 0; c < ncpus; c++)
		memcpy(buf + c * slot, value, vs);
	int rc = bpf_map_update_elem(bpf_map__fd(km), key, buf, BPF_ANY) ? -errno : 0;
	if (rc)
		snprintf(why, why_size, "the kernel's map %s: %s", name, strerror(-rc));
	for (size_t i = 0; !rc && i < n; i++) {
		struct bpfvm_map *vm = bpfvm_object__find_map(objs[i], name);
		if (!vm || bpfvm_map__value_buf_size(vm) != ncpus * (is_percpu(type) ? slot : vs)) {
			snprintf(why, why_size, "bpfvm's map %s is missing or laid out differently",
				 name);
			rc = -EINVAL;
			break;
		}
		rc = bpfvm_map__update(vm, key, buf, BPFVM_ANY);
		if (rc)
			snprintf(why, why_size, "bpfvm's map %s: %s", name, strerror(-rc));
	}
	free(buf);
	return rc;
}
