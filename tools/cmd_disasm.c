/*
 * cmd_disasm.c - `bpfvm disasm`: instruction bytes to text, in either
 * syntax, through the library's one disassembler.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: bpfvm disasm [OPTIONS] FILE\n\n"
		   "Disassemble eBPF instruction slots ('-' for stdin). The input is raw\n"
		   "little-endian bytes or hex text; assembly text is assembled first.\n\n"
		   "Options:\n"
		   "  -f, --format F   input format: auto (default), raw, hex, asm\n"
		   "  -s, --syntax S   llvm (default; as llvm-objdump and bpftool print) or ubpf\n"
		   "  -n, --no-addr    omit slot numbers, so that the output assembles again\n"
		   "  -h, --help       show this help\n");
}

struct print_ctx {
	int addr;
};

static void print_line(void *ctx, size_t pc, const char *line)
{
	const struct print_ctx *p = ctx;
	if (p->addr)
		printf("%5zu: %s\n", pc, line);
	else
		printf("%s\n", line);
}

static int main_disasm(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "syntax", required_argument, NULL, 's' },
		{ "no-addr", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	enum tool_format format = TOOL_FORMAT_AUTO;
	enum bpfvm_syntax syntax = BPFVM_SYNTAX_LLVM;
	struct print_ctx pctx = { .addr = 1 };
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:s:nh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (tool_opt_format(&cmd_disasm, optarg, &format))
				return TOOL_EXIT_USAGE;
			break;
		case 's':
			if (tool_opt_syntax(&cmd_disasm, optarg, 0, &syntax))
				return TOOL_EXIT_USAGE;
			break;
		case 'n':
			pctx.addr = 0;
			break;
		default:
			return tool_help_or_usage(&cmd_disasm, c);
		}
	}
	if (optind != argc - 1)
		return tool_usage_error(&cmd_disasm, "expected exactly one input file");
	struct bpfvm_insn *insns = NULL;
	size_t n;
	int ret = TOOL_EXIT_FAIL;
	if (!tool_read_program(&cmd_disasm, argv[optind], format, BPFVM_SYNTAX_AUTO, &insns, &n)) {
		BPFVM_OPTS(bpfvm_disasm_opts, dopts, .syntax = syntax);
		struct bpfvm_error err;
		if (bpfvm_disasm(insns, n, &dopts, print_line, &pctx, &err))
			tool_print_error("disasm", &err);
		else
			ret = TOOL_EXIT_OK;
	}
	free(insns);
	return ret;
}

const struct tool_cmd cmd_disasm = { "disasm", "disassemble instruction bytes into text",
				     main_disasm, usage };
