/*
 * bpfvm.c - the bpfvm command: dispatch to one subcommand per file.
 *
 * Only the tool prints. Exit status: 0 success, 1 the work failed (bad
 * program, failed run), 2 wrong usage.
 */
#include <stdio.h>
#include <string.h>

#include "tool.h"

static const struct tool_cmd *const commands[] = {
	&cmd_asm,
	&cmd_disasm,
	&cmd_run,
	&cmd_prog,
	&cmd_map,
	&cmd_verify,
	&cmd_filter,
	&cmd_seccomp,
	&cmd_jit,
	&cmd_bench,
};

static void usage(FILE *f)
{
	fprintf(f, "usage: bpfvm [--help] [--version] COMMAND [ARGS...]\n\n"
		   "A userspace BPF system: assemble, disassemble and run eBPF programs.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f, "\nRun 'bpfvm COMMAND --help' for the options of a command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return TOOL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("bpfvm %s\n", BPFVM_TOOL_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i]->name))
			return commands[i]->main(argc - 1, argv + 1);
	fprintf(stderr, "bpfvm: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return TOOL_EXIT_USAGE;
}
