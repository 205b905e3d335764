/*
 * cmd_asm.c - `bpfvm asm`: assembly text to instruction bytes.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: bpfvm asm [OPTIONS] FILE\n\n"
		   "Assemble eBPF text (uBPF or kernel/LLVM syntax, '-' for stdin) into\n"
		   "8-byte instruction slots.\n\n"
		   "Options:\n"
		   "  -o, --output FILE   write raw little-endian bytes to FILE\n"
		   "                      (default: hex, one slot per line, to stdout)\n"
		   "  -s, --syntax S      auto (default: decided per line), ubpf, llvm\n"
		   "  -x, --hex           write hex even with --output\n"
		   "  -h, --help          show this help\n");
}

static int write_output(const char *path, const struct bpfvm_insn *insns, size_t n, int hex)
{
	FILE *f = path ? fopen(path, hex ? "w" : "wb") : stdout;
	if (!f) {
		perror(path);
		return TOOL_EXIT_FAIL;
	}
	if (hex) {
		for (size_t i = 0; i < n; i++) {
			const uint8_t *b = (const uint8_t *)&insns[i];
			for (int j = 0; j < 8; j++)
				fprintf(f, "%02x%s", b[j], j < 7 ? " " : "\n");
		}
	} else {
		fwrite(insns, sizeof(*insns), n, f);
	}
	int bad = ferror(f);
	if (f != stdout)
		bad |= fclose(f);
	if (bad) {
		fprintf(stderr, "bpfvm asm: cannot write '%s'\n", path ? path : "stdout");
		return TOOL_EXIT_FAIL;
	}
	return TOOL_EXIT_OK;
}

static int main_asm(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "syntax", required_argument, NULL, 's' },
		{ "hex", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *output = NULL;
	enum bpfvm_syntax syntax = BPFVM_SYNTAX_AUTO;
	int hex = 0, c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:s:xh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 's':
			if (tool_opt_syntax(&cmd_asm, optarg, 1, &syntax))
				return TOOL_EXIT_USAGE;
			break;
		case 'x':
			hex = 1;
			break;
		default:
			return tool_help_or_usage(&cmd_asm, c);
		}
	}
	if (optind != argc - 1)
		return tool_usage_error(&cmd_asm, "expected exactly one input file");
	struct bpfvm_insn *insns = NULL;
	size_t n;
	int ret = TOOL_EXIT_FAIL;
	if (!tool_read_program(&cmd_asm, argv[optind], TOOL_FORMAT_ASM, syntax, &insns, &n))
		ret = write_output(output, insns, n, hex || !output);
	free(insns);
	return ret;
}

const struct tool_cmd cmd_asm = { "asm", "assemble text into instruction bytes", main_asm, usage };
