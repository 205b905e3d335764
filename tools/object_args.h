/*
 * object_args.h - what `bpfvm prog` and `bpfvm map` share: opening an
 * object file given on the command line, with errors printed.
 */
#ifndef BPFVM_OBJECT_ARGS_H
#define BPFVM_OBJECT_ARGS_H

#include <stdbool.h>

#include "bpfvm.h"
#include "tool.h"

struct tool_object {
	struct bpfvm_vm *vm;
	struct bpfvm_object *obj;
};

/* Open path (and load it when load is true). Prints the error and returns
 * -1 on failure; tool_object_close() either way. */
int tool_object_open(const struct tool_cmd *cmd, const char *path, bool load,
		     struct tool_object *out);
/* The same with object options (verify, engine; NULL for defaults). */
int tool_object_open_opts(const struct tool_cmd *cmd, const char *path,
			  const struct bpfvm_object_opts *opts, bool load,
			  struct tool_object *out);
void tool_object_close(struct tool_object *o);

/*
 * After the options of `bpfvm prog|map`: the verb (show or list, or dump)
 * and then OBJ, plus an optional NAME for dump (name_what says what it
 * names, for the usage message). On success returns -1 with *is_show set
 * and argv[optind] the object; else prints the usage error and returns
 * TOOL_EXIT_USAGE.
 */
int tool_object_verb(const struct tool_cmd *cmd, int argc, char **argv, const char *name_what,
		     bool *is_show);

#endif
