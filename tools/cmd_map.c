/*
 * cmd_map.c - `bpfvm map show|dump OBJ`: the maps of an ELF object; dump
 * creates them with their initial contents (global data, prog arrays) and
 * prints every entry in bpftool's shape.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "map_dump.h"
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
	int dumped = map_dump_maps("map", o.obj, bpfvm_vm__nr_cpus(o.vm), name, json ? &j : NULL);
	if (dumped < 0)
		goto out;
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
