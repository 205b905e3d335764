/*
 * map_dump.c - the entries of an object's maps, as bpftool prints them;
 * see map_dump.h.
 */
#include "map_dump.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf_fmt.h"

static const char *map_type(enum bpfvm_map_type t)
{
	const char *n = bpfvm_map_type_name(t);
	return n ? n : "unknown";
}

static void hex_bytes(struct json *j, const uint8_t *p, size_t n)
{
	char b[8];
	if (j) {
		json_arr_begin(j);
		for (size_t i = 0; i < n; i++) {
			snprintf(b, sizeof(b), "0x%02x", p[i]);
			json_str(j, b);
		}
		json_arr_end(j);
		return;
	}
	for (size_t i = 0; i < n; i++)
		printf("%s%02x", i ? " " : "", p[i]);
}

static bool is_percpu(enum bpfvm_map_type t)
{
	return t == BPFVM_MAP_TYPE_PERCPU_ARRAY || t == BPFVM_MAP_TYPE_PERCPU_HASH ||
	       t == BPFVM_MAP_TYPE_LRU_PERCPU_HASH;
}

/* How to format a map's entries through BTF, when the object has it. */
struct typed {
	const struct btf *btf;
	uint32_t key_id, value_id;
};

/* bpftool adds "formatted": {"key": ..., "value": ...} when BTF knows the
 * types. */
static void formatted(const struct typed *ty, const uint8_t *key, size_t ks, const uint8_t *val,
		      size_t vs, struct json *j)
{
	if (!ty->btf || !ty->value_id)
		return;
	json_key(j, "formatted");
	json_obj_begin(j);
	if (ks && ty->key_id) {
		json_key(j, "key");
		btf_fmt_json(ty->btf, ty->key_id, key, ks, j);
	}
	json_key(j, "value");
	btf_fmt_json(ty->btf, ty->value_id, val, vs, j);
	json_obj_end(j);
}

/* Every entry of map; returns 0 or a negative errno. */
static int dump_map(struct bpfvm_map *map, uint32_t nr_cpus, const struct typed *ty,
		    struct json *j)
{
	uint32_t ks = bpfvm_map__key_size(map), vs = bpfvm_map__value_size(map);
	size_t vbuf = bpfvm_map__value_buf_size(map);
	uint8_t *key = calloc(1, ks + 1), *next = calloc(1, ks + 1), *val = calloc(1, vbuf + 1);
	bool percpu = is_percpu(bpfvm_map__type(map));
	int ret = -ENOMEM, count = 0;

	if (!key || !next || !val)
		goto out;
	/* Maps without keys (queue, stack, bloom filter, ringbuf) have no
	 * entries to walk, as in the kernel. */
	ret = ks ? bpfvm_map__get_next_key(map, NULL, next) : -ENOTSUP;
	while (ret == 0) {
		memcpy(key, next, ks);
		ret = bpfvm_map__lookup(map, key, val);
		if (ret == 0) {
			if (j) {
				json_obj_begin(j);
				json_key(j, "key"), hex_bytes(j, key, ks);
			} else {
				printf("key: "), hex_bytes(NULL, key, ks);
			}
			if (!percpu) {
				if (j) {
					json_key(j, "value"), hex_bytes(j, val, vs);
					formatted(ty, key, ks, val, vs, j);
					json_obj_end(j);
				} else
					printf("  value: "), hex_bytes(NULL, val, vs), printf("\n");
			} else {
				size_t stride = (vs + 7) / 8 * 8;
				if (j)
					json_key(j, "values"), json_arr_begin(j);
				else
					printf("\n");
				for (uint32_t cpu = 0; cpu < nr_cpus; cpu++) {
					if (j) {
						json_obj_begin(j);
						json_key(j, "cpu"), json_u64(j, cpu);
						json_key(j, "value"), hex_bytes(j, val + cpu * stride, vs);
						json_obj_end(j);
					} else {
						printf("\tcpu%u: ", cpu);
						hex_bytes(NULL, val + cpu * stride, vs);
						printf("\n");
					}
				}
				if (j)
					json_arr_end(j), json_obj_end(j);
			}
			count++;
		} else if (ret != -ENOENT) {
			break; /* deleted under us is fine; anything else is not */
		}
		ret = bpfvm_map__get_next_key(map, key, next);
	}
	if (ret == -ENOENT)
		ret = 0;
	if (!j && !ret)
		printf("Found %d element%s\n", count, count == 1 ? "" : "s");
out:
	free(key);
	free(next);
	free(val);
	return ret;
}

int map_dump_maps(const char *cmd, const struct bpfvm_object *obj, uint32_t nr_cpus,
		  const char *name, struct json *j)
{
	int dumped = 0;
	if (j && !name)
		json_arr_begin(j);
	for (size_t i = 0; i < bpfvm_object__map_cnt(obj); i++) {
		const char *mname = bpfvm_object__map_name(obj, i);
		if (name && strcmp(name, mname))
			continue;
		struct bpfvm_map *map = bpfvm_object__map(obj, i);
		if (!map) {
			fprintf(stderr, "bpfvm %s: %s: the object is not loaded\n", cmd, mname);
			return -1;
		}
		if (j && !name) {
			json_obj_begin(j);
			json_key(j, "name"), json_str(j, mname);
			json_key(j, "entries");
		} else if (!j && !name) {
			printf("%s:\n", mname);
		}
		if (j)
			json_arr_begin(j);
		struct bpfvm_map_info mi;
		bpfvm_object__map_info(obj, i, &mi);
		struct typed ty = { bpfvm_object__btf(obj), mi.btf_key_type_id,
				    mi.btf_value_type_id };
		int rc = dump_map(map, nr_cpus, &ty, j);
		if (j)
			json_arr_end(j);
		if (j && !name)
			json_obj_end(j);
		if (rc == -ENOTSUP && !j)
			printf("(%s maps cannot be iterated)\n", map_type(bpfvm_map__type(map)));
		else if (rc && rc != -ENOTSUP) {
			fprintf(stderr, "bpfvm %s: %s: %s\n", cmd, mname, strerror(-rc));
			return -1;
		}
		dumped++;
	}
	if (j && !name)
		json_arr_end(j);
	return dumped;
}
