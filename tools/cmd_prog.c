/*
 * cmd_prog.c - `bpfvm prog show|dump OBJ`: the programs of an ELF object,
 * as bpftool lists and dumps them.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "object_args.h"
#include "tool.h"

#define MAX_PROG_MAPS 64

static void usage(FILE *f)
{
	fprintf(f, "usage: bpfvm prog show [-j] OBJ\n"
		   "       bpfvm prog dump [-j] [-s SYNTAX] OBJ [PROG]\n\n"
		   "List the programs of an ELF object (type, instructions, maps, BTF), or\n"
		   "disassemble them with their source lines where the object has line info.\n\n"
		   "Options:\n"
		   "  -j, --json         JSON output\n"
		   "  -p, --pretty       pretty JSON (implies -j)\n"
		   "  -s, --syntax S     llvm (default) or ubpf\n"
		   "  -h, --help         show this help\n");
}

static const char *type_name(uint32_t type)
{
	const char *n = bpfvm_prog_type_name(type);
	return n ? n : "unknown";
}

static void show(const struct bpfvm_object *obj, struct json *j)
{
	size_t idx[MAX_PROG_MAPS];
	if (j)
		json_arr_begin(j);
	for (size_t i = 0; i < bpfvm_object__prog_cnt(obj); i++) {
		size_t n;
		bpfvm_object__prog_insns(obj, i, &n);
		size_t nm = bpfvm_object__prog_maps(obj, i, idx, MAX_PROG_MAPS);
		if (j) {
			json_obj_begin(j);
			json_key(j, "index"), json_u64(j, i);
			json_key(j, "name"), json_str(j, bpfvm_object__prog_name(obj, i));
			json_key(j, "type"), json_str(j, type_name(bpfvm_object__prog_type(obj, i)));
			json_key(j, "section"), json_str(j, bpfvm_object__prog_section(obj, i));
			json_key(j, "insns"), json_u64(j, n);
			json_key(j, "maps"), json_arr_begin(j);
			for (size_t k = 0; k < nm; k++)
				json_str(j, bpfvm_object__map_name(obj, idx[k]));
			json_arr_end(j);
			json_key(j, "btf"), json_bool(j, bpfvm_object__has_btf(obj));
			json_obj_end(j);
			continue;
		}
		printf("%zu: %s  name %s  section %s\n", i, type_name(bpfvm_object__prog_type(obj, i)),
		       bpfvm_object__prog_name(obj, i), bpfvm_object__prog_section(obj, i));
		printf("\tinsns %zu  btf %s", n, bpfvm_object__has_btf(obj) ? "yes" : "no");
		for (size_t k = 0; k < nm; k++)
			printf("%s%s", k ? "," : "  maps ", bpfvm_object__map_name(obj, idx[k]));
		printf("\n");
	}
	if (j) {
		json_arr_end(j);
		json_end(j);
	}
}

static void dump_one(const struct bpfvm_object *obj, size_t i, enum bpfvm_syntax syntax,
		     struct json *j)
{
	size_t n;
	const struct bpfvm_insn *insns = bpfvm_object__prog_insns(obj, i, &n);
	BPFVM_OPTS(bpfvm_disasm_opts, dopts, .syntax = syntax);
	char text[256];

	if (j) {
		json_obj_begin(j);
		json_key(j, "name"), json_str(j, bpfvm_object__prog_name(obj, i));
		json_key(j, "section"), json_str(j, bpfvm_object__prog_section(obj, i));
		json_key(j, "insns"), json_arr_begin(j);
	} else {
		printf("%s:  (section %s, %s)\n", bpfvm_object__prog_name(obj, i),
		       bpfvm_object__prog_section(obj, i), type_name(bpfvm_object__prog_type(obj, i)));
	}
	for (size_t pc = 0; pc < n;) {
		int used = bpfvm_disasm_insn(insns, n, pc, &dopts, text, sizeof(text));
		const struct bpfvm_source_line *src = bpfvm_object__prog_line(obj, i, pc);
		long map = bpfvm_object__insn_map(obj, i, pc);
		if (j) {
			json_obj_begin(j);
			json_key(j, "pc"), json_u64(j, pc);
			json_key(j, "text"), json_str(j, text);
			if (map >= 0)
				json_key(j, "map"), json_str(j, bpfvm_object__map_name(obj, (size_t)map));
			if (src) {
				json_key(j, "src"), json_obj_begin(j);
				json_key(j, "file"), json_str(j, src->file);
				json_key(j, "line"), json_u64(j, src->line);
				json_key(j, "column"), json_u64(j, src->column);
				json_key(j, "text"), json_str(j, src->text ? src->text : "");
				json_obj_end(j);
			}
			json_obj_end(j);
		} else {
			if (src) {
				const char *t = src->text ? src->text : "";
				while (*t == ' ' || *t == '\t')
					t++;
				/* Objects built without source text still name the line. */
				printf("; %s%s%s:%u:%u\n", t, *t ? " @ " : "",
				       src->file ? src->file : "?", src->line, src->column);
			}
			if (map >= 0) /* name the map, as bpftool does */
				printf("%5zu: %s ; %s\n", pc, text,
				       bpfvm_object__map_name(obj, (size_t)map));
			else
				printf("%5zu: %s\n", pc, text);
		}
		pc += used > 0 ? (size_t)used : 1;
	}
	if (j) {
		json_arr_end(j);
		json_obj_end(j);
	} else {
		printf("\n");
	}
}

static int main_prog(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "syntax", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	enum bpfvm_syntax syntax = BPFVM_SYNTAX_LLVM;
	int json = 0, pretty = 0, c;

	/* GNU getopt permutes: options may come before or after the verb. */
	optind = 1;
	while ((c = getopt_long(argc, argv, "jps:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'p':
			json = pretty = 1;
			break;
		case 's':
			if (tool_opt_syntax(&cmd_prog, optarg, 0, &syntax))
				return TOOL_EXIT_USAGE;
			break;
		default:
			return tool_help_or_usage(&cmd_prog, c);
		}
	}
	bool is_show;
	int usage_rc = tool_object_verb(&cmd_prog, argc, argv, "PROG", &is_show);
	if (usage_rc >= 0)
		return usage_rc;

	struct tool_object o;
	int ret = TOOL_EXIT_FAIL;
	if (tool_object_open(&cmd_prog, argv[optind], false, &o))
		goto out;
	struct json j;
	json_init(&j, stdout, pretty);
	if (is_show) {
		show(o.obj, json ? &j : NULL);
		ret = TOOL_EXIT_OK;
		goto out;
	}
	const char *name = optind + 1 < argc ? argv[optind + 1] : NULL;
	size_t dumped = 0;
	if (json)
		json_arr_begin(&j);
	for (size_t i = 0; i < bpfvm_object__prog_cnt(o.obj); i++) {
		if (name && strcmp(name, bpfvm_object__prog_name(o.obj, i)) &&
		    strcmp(name, bpfvm_object__prog_section(o.obj, i)))
			continue;
		dump_one(o.obj, i, syntax, json ? &j : NULL);
		dumped++;
	}
	if (json) {
		json_arr_end(&j);
		json_end(&j);
	}
	if (name && !dumped) {
		fprintf(stderr, "bpfvm prog: no program or section named '%s' in %s\n", name,
			argv[optind]);
		goto out;
	}
	ret = TOOL_EXIT_OK;
out:
	tool_object_close(&o);
	return ret;
}

const struct tool_cmd cmd_prog = { "prog", "list and disassemble the programs of an ELF object",
				   main_prog, usage };
