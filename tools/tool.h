/*
 * tool.h - what the bpfvm subcommands share: the command record, exit
 * codes, and input helpers (read a file, parse hex).
 */
#ifndef BPFVM_TOOL_H
#define BPFVM_TOOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bpfvm.h"

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
};

extern const struct tool_cmd cmd_asm;
extern const struct tool_cmd cmd_disasm;
extern const struct tool_cmd cmd_run;

/* Read a whole file ("-" for stdin) into a malloc()ed, NUL-terminated
 * buffer. Prints an error naming the file and returns NULL on failure. */
char *tool_read_file(const char *path, size_t *len);

/*
 * Parse hex bytes: pairs of hex digits, optionally separated by
 * whitespace, commas or "0x" prefixes per byte. Returns 0, or -1 with a
 * message in errbuf naming the offending position.
 */
int tool_parse_hex(const char *text, size_t len, uint8_t **out, size_t *out_len,
		   char *errbuf, size_t errsize);

/* How a program is given on the command line. */
enum tool_format {
	TOOL_FORMAT_AUTO, /* guess: binary -> raw, hex digits only -> hex, else asm */
	TOOL_FORMAT_ASM,
	TOOL_FORMAT_RAW,
	TOOL_FORMAT_HEX,
};

enum tool_format tool_guess_format(const char *data, size_t len);
int tool_parse_format(const char *s, enum tool_format *out);
int tool_parse_syntax(const char *s, enum bpfvm_syntax *out);

/* Turn program input (assembly text, raw bytes or hex) into instruction
 * slots; *insns is malloc()ed. Prints the error and returns -1 on failure. */
int tool_load_insns(const char *cmd, const char *name, const char *data, size_t len,
		    enum tool_format format, enum bpfvm_syntax syntax,
		    struct bpfvm_insn **insns, size_t *n);

/* Print an error record as "bpfvm CMD: where: msg" on stderr. */
void tool_print_error(const char *cmd, const struct bpfvm_error *err);

#endif
