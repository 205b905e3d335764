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
void tool_object_close(struct tool_object *o);

#endif
