/*
 * tool.h - what the bpfvm subcommands share: the command record, exit
 * codes, and input helpers (read a file, parse hex).
 */
#ifndef BPFVM_TOOL_H
#define BPFVM_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bpfvm.h"
#include "hex.h"

#define BPFVM_TOOL_VERSION "0.1.0"

enum {
	TOOL_EXIT_OK = 0,
	TOOL_EXIT_FAIL = 1,  /* the work failed: bad program, failed run */
	TOOL_EXIT_USAGE = 2, /* wrong arguments */
};

struct tool_cmd {
	const char *name;
	const char *summary;
	int (*main)(int argc, char **argv); /* argv[0] is the command name */
	void (*usage)(FILE *f);             /* the full --help text */
};

extern const struct tool_cmd cmd_asm;
extern const struct tool_cmd cmd_disasm;
extern const struct tool_cmd cmd_run;
extern const struct tool_cmd cmd_prog;
extern const struct tool_cmd cmd_map;
extern const struct tool_cmd cmd_verify;
extern const struct tool_cmd cmd_filter;
extern const struct tool_cmd cmd_seccomp;
extern const struct tool_cmd cmd_jit;
extern const struct tool_cmd cmd_bench;

/* Read a whole file ("-" for stdin) into a malloc()ed, NUL-terminated
 * buffer. Prints an error naming the file and returns NULL on failure. */
char *tool_read_file(const char *path, size_t *len);


/* How a program is given on the command line. */
enum tool_format {
	TOOL_FORMAT_AUTO, /* guess: binary -> raw, hex digits only -> hex, else asm */
	TOOL_FORMAT_ASM,
	TOOL_FORMAT_RAW,
	TOOL_FORMAT_HEX,
};

enum tool_format tool_guess_format(const char *data, size_t len);

/* Print "bpfvm CMD: <message>" and the command's usage on stderr; returns
 * TOOL_EXIT_USAGE, for `return tool_usage_error(...)`. */
int tool_usage_error(const struct tool_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The end of every getopt switch: for 'h' print the help on stdout and
 * return TOOL_EXIT_OK, for anything else the usage on stderr and
 * TOOL_EXIT_USAGE. */
int tool_help_or_usage(const struct tool_cmd *cmd, int c);

/* Option values: 0, or a usage error printed and TOOL_EXIT_USAGE. */
int tool_opt_syntax(const struct tool_cmd *cmd, const char *arg, int allow_auto,
		    enum bpfvm_syntax *out);
int tool_opt_format(const struct tool_cmd *cmd, const char *arg, enum tool_format *out);
/* --ctx-size: the bytes at r1 for a raw program, 0..UINT32_MAX. */
int tool_opt_ctx_size(const struct tool_cmd *cmd, const char *arg, uint32_t *out);

/*
 * Read the program file path ("-" for stdin) and turn it into slots as
 * tool_load_insns() does. Prints the error and returns -1 on failure.
 */
int tool_read_program(const struct tool_cmd *cmd, const char *path, enum tool_format format,
		      enum bpfvm_syntax syntax, struct bpfvm_insn **insns, size_t *n);

/* Turn program input (assembly text, raw bytes or hex) into instruction
 * slots; *insns is malloc()ed. Prints the error and returns -1 on failure. */
int tool_load_insns(const char *cmd, const char *name, const char *data, size_t len,
		    enum tool_format format, enum bpfvm_syntax syntax,
		    struct bpfvm_insn **insns, size_t *n);

/* Print an error record as "bpfvm CMD: where: msg" on stderr. */
void tool_print_error(const char *cmd, const struct bpfvm_error *err);
/* 1 when path is an ELF file, 0 when not (or "-"), -1 when it cannot be
 * read. */
int tool_is_elf(const char *path);

#endif
