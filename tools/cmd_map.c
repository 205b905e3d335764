/*
 * cmd_map.c - `bpfvm map show|dump OBJ`: the maps of an ELF object; dump
 * creates them with their initial contents (global data, prog arrays) and
 * prints every entry in bpftool's shape.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "btf_fmt.h"
#include "json.h"
#include "object_args.h"
#include "tool.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: bpfvm map show [-j] OBJ\n"
		   "       bpfvm map dump [-j] OBJ [MAP]\n\n"
		   "List the maps an ELF object defines, or create them (with global data\n"
		   "and initial slots) and dump every entry as bpftool does.\n\n"
		   "Options:\n"
		   "  -j, --json      JSON output: [{\"key\": [...], \"value\": [...]}]\n"
		   "  -p, --pretty    pretty JSON (implies -j)\n"
		   "  -h, --help      show this help\n");
}

static const char *map_type(enum bpfvm_map_type t)
{
	const char *n = bpfvm_map_type_name(t);
	return n ? n : "unknown";
}

static void show(const struct bpfvm_object *obj, struct json *j)
{
	if (j)
		json_arr_begin(j);
	for (size_t i = 0; i < bpfvm_object__map_cnt(obj); i++) {
		struct bpfvm_map_info mi;
		bpfvm_object__map_info(obj, i, &mi);
		const char *name = bpfvm_object__map_name(obj, i);
		if (j) {
			json_obj_begin(j);
			json_key(j, "index"), json_u64(j, i);
			json_key(j, "name"), json_str(j, name);
			json_key(j, "type"), json_str(j, map_type(mi.type));
			json_key(j, "key"), json_u64(j, mi.key_size);
			json_key(j, "value"), json_u64(j, mi.value_size);
			json_key(j, "max_entries"), json_u64(j, mi.max_entries);
			json_key(j, "flags"), json_u64(j, mi.map_flags);
			json_key(j, "section"), json_str(j, mi.section);
			json_obj_end(j);
			continue;
		}
		printf("%zu: %s  name %s  flags 0x%x\n", i, map_type(mi.type), name, mi.map_flags);
		printf("\tkey %uB  value %uB  max_entries %u  section %s\n", mi.key_size,
		       mi.value_size, mi.max_entries, mi.section ? mi.section : "?");
	}
	if (j) {
		json_arr_end(j);
		json_end(j);
	}
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
 * types; plain output prints the formatted form alone. */
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
	ret = bpfvm_map__get_next_key(map, NULL, next);
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

static int main_map(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int json = 0, pretty = 0, c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jph", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'p':
			json = pretty = 1;
			break;
		default:
			return tool_help_or_usage(&cmd_map, c);
		}
	}
	bool is_show;
	int usage_rc = tool_object_verb(&cmd_map, argc, argv, "MAP", &is_show);
	if (usage_rc >= 0)
		return usage_rc;

	struct tool_object o;
	int ret = TOOL_EXIT_FAIL;
	struct json j;
	json_init(&j, stdout, pretty);
	if (tool_object_open(&cmd_map, argv[optind], !is_show, &o))
		goto out;
	if (is_show) {
		show(o.obj, json ? &j : NULL);
		ret = TOOL_EXIT_OK;
		goto out;
	}
	const char *name = optind + 1 < argc ? argv[optind + 1] : NULL;
	size_t dumped = 0;
	if (json && !name)
		json_arr_begin(&j);
	for (size_t i = 0; i < bpfvm_object__map_cnt(o.obj); i++) {
		if (name && strcmp(name, bpfvm_object__map_name(o.obj, i)))
			continue;
		struct bpfvm_map *map = bpfvm_object__map(o.obj, i);
		if (json && !name) {
			json_obj_begin(&j);
			json_key(&j, "name"), json_str(&j, bpfvm_object__map_name(o.obj, i));
			json_key(&j, "entries");
		} else if (!json && !name) {
			printf("%s:\n", bpfvm_object__map_name(o.obj, i));
		}
		if (json)
			json_arr_begin(&j);
		struct bpfvm_map_info mi;
		bpfvm_object__map_info(o.obj, i, &mi);
		struct typed ty = { bpfvm_object__btf(o.obj), mi.btf_key_type_id,
				    mi.btf_value_type_id };
		int rc = dump_map(map, bpfvm_vm__nr_cpus(o.vm), &ty, json ? &j : NULL);
		if (json)
			json_arr_end(&j);
		if (json && !name)
			json_obj_end(&j);
		if (rc == -ENOTSUP && !json)
			printf("(%s maps cannot be iterated)\n", map_type(bpfvm_map__type(map)));
		else if (rc && rc != -ENOTSUP) {
			fprintf(stderr, "bpfvm map: %s: %s\n", bpfvm_object__map_name(o.obj, i),
				strerror(-rc));
			goto out;
		}
		dumped++;
	}
	if (json && !name)
		json_arr_end(&j);
	if (json)
		json_end(&j);
	if (name && !dumped) {
		fprintf(stderr, "bpfvm map: no map named '%s' in %s\n", name, argv[optind]);
		goto out;
	}
	ret = TOOL_EXIT_OK;
out:
	tool_object_close(&o);
	return ret;
}

const struct tool_cmd cmd_map = { "map", "list and dump the maps of an ELF object", main_map,
				  usage };
