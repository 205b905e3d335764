/*
 * object_args.c - opening objects for the prog and map commands.
 */
#include "object_args.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>

int tool_object_open(const struct tool_cmd *cmd, const char *path, bool load,
		     struct tool_object *out)
{
	return tool_object_open_opts(cmd, path, NULL, load, out);
}

int tool_object_open_opts(const struct tool_cmd *cmd, const char *path,
			  const struct bpfvm_object_opts *opts, bool load,
			  struct tool_object *out)
{
	struct bpfvm_error err;
	out->obj = NULL;
	out->vm = bpfvm_vm__new(NULL);
	if (!out->vm) {
		fprintf(stderr, "bpfvm %s: %s\n", cmd->name, strerror(errno));
		return -1;
	}
	out->obj = bpfvm_object__open_file(out->vm, path, opts, &err);
	if (!out->obj || (load && bpfvm_object__load(out->obj, &err))) {
		tool_print_error(cmd->name, &err);
		return -1;
	}
	return 0;
}

void tool_object_close(struct tool_object *o)
{
	bpfvm_object__close(o->obj);
	bpfvm_vm__free(o->vm);
	o->obj = NULL;
	o->vm = NULL;
}


int tool_object_verb(const struct tool_cmd *cmd, int argc, char **argv, const char *name_what,
		     bool *is_show)
{
	if (optind >= argc)
		return tool_usage_error(cmd, "expected 'show' or 'dump'");
	const char *verb = argv[optind++];
	*is_show = !strcmp(verb, "show") || !strcmp(verb, "list");
	if (!*is_show && strcmp(verb, "dump"))
		return tool_usage_error(cmd, "unknown verb '%s' (show, dump)", verb);
	if (argc - optind < 1 || argc - optind > (*is_show ? 1 : 2))
		return *is_show ? tool_usage_error(cmd, "expected OBJ")
				: tool_usage_error(cmd, "expected OBJ [%s]", name_what);
	return -1;
}
