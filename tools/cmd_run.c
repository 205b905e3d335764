/*
 * cmd_run.c - `bpfvm run`: run a program in the checked interpreter on
 * input memory and print r0.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: bpfvm run [OPTIONS] PROGRAM\n"
		   "       bpfvm run [OPTIONS] -e 'ASSEMBLY'\n\n"
		   "Run an eBPF program in the checked interpreter with r1 = the input\n"
		   "memory and r2 = its length, and print r0 in hex. PROGRAM is assembly\n"
		   "text, raw instruction bytes or hex ('-' for stdin). Every memory access\n"
		   "is checked against the stack and the input memory.\n\n"
		   "Options:\n"
		   "  -f, --format F       program format: auto (default), asm, raw, hex\n"
		   "  -s, --syntax S       assembly syntax: auto (default), ubpf, llvm\n"
		   "  -e, --expr TEXT      the program as inline assembly text\n"
		   "  -m, --mem HEX        input memory as hex bytes (\"aa bb 01\")\n"
		   "  -M, --mem-file FILE  input memory from a file, as raw bytes\n"
		   "  -d, --dump-mem       print the input memory after the run, in hex\n"
		   "  -t, --trace          print each executed instruction and the registers\n"
		   "                       it changed (to stdout, before the result)\n"
		   "  -b, --budget N       stop after N executed instructions\n"
		   "      --engine E       interp (default) or jit: compile to x86-64 code\n"
		   "                       (the program is trusted as given; what the JIT\n"
		   "                       does not take runs in the interpreter, said on\n"
		   "                       stderr; --trace and --budget run the interpreter)\n"
		   "      --jit            the same as --engine jit\n"
		   "  -h, --help           show this help\n\n"
		   "Exit status: 0 when the program ran, 1 when it was refused or failed,\n"
		   "2 on wrong usage.\n");
}

struct trace_ctx {
	const struct bpfvm_prog *prog;
	enum bpfvm_syntax syntax;
};

static void trace_insn(void *ctx, size_t pc, const struct bpfvm_insn *insn,
		       const uint64_t before[BPFVM_NREGS], const uint64_t after[BPFVM_NREGS])
{
	const struct trace_ctx *t = ctx;
	char text[160];
	(void)insn;
	BPFVM_OPTS(bpfvm_disasm_opts, dopts, .syntax = t->syntax);
	bpfvm_disasm_insn(bpfvm_prog__insns(t->prog), bpfvm_prog__insn_cnt(t->prog), pc, &dopts,
			  text, sizeof(text));
	printf("%5zu: %-40s", pc, text);
	const char *sep = " ;";
	for (int r = 0; r < BPFVM_NREGS; r++) {
		if (before[r] == after[r])
			continue;
		printf("%s r%d=0x%" PRIx64, sep, r, after[r]);
		sep = "";
	}
	printf("\n");
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

struct run_args {
	const char *expr, *mem_hex, *mem_file, *path;
	enum tool_format format;
	enum bpfvm_syntax syntax;
	int trace, dump;
	uint64_t budget;
	bool jit;
};

/* Parse options into a; returns -1 to continue, else the exit status. */
static int parse_args(int argc, char **argv, struct run_args *a)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "syntax", required_argument, NULL, 's' },
		{ "expr", required_argument, NULL, 'e' },
		{ "mem", required_argument, NULL, 'm' },
		{ "mem-file", required_argument, NULL, 'M' },
		{ "dump-mem", no_argument, NULL, 'd' },
		{ "trace", no_argument, NULL, 't' },
		{ "budget", required_argument, NULL, 'b' },
		{ "engine", required_argument, NULL, 'E' },
		{ "jit", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:s:e:m:M:dtb:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (tool_opt_format(&cmd_run, optarg, &a->format))
				return TOOL_EXIT_USAGE;
			break;
		case 's':
			if (tool_opt_syntax(&cmd_run, optarg, 1, &a->syntax))
				return TOOL_EXIT_USAGE;
			break;
		case 'e':
			a->expr = optarg;
			break;
		case 'm':
			a->mem_hex = optarg;
			break;
		case 'M':
			a->mem_file = optarg;
			break;
		case 'd':
			a->dump = 1;
			break;
		case 't':
			a->trace = 1;
			break;
		case 'b':
			if (parse_u64(optarg, &a->budget) || !a->budget)
				return tool_usage_error(&cmd_run,
							"--budget wants a positive count, not '%s'",
							optarg);
			break;
		case 'E':
			if (strcmp(optarg, "interp") && strcmp(optarg, "jit"))
				return tool_usage_error(&cmd_run,
							"--engine wants interp or jit, not '%s'",
							optarg);
			a->jit = !strcmp(optarg, "jit");
			break;
		case 'J':
			a->jit = true;
			break;
		case 'h':
			usage(stdout);
			return TOOL_EXIT_OK;
		default:
			usage(stderr);
			return TOOL_EXIT_USAGE;
		}
	}
	if (a->mem_hex && a->mem_file)
		return tool_usage_error(&cmd_run, "give --mem or --mem-file, not both");
	if (a->expr ? optind != argc : optind != argc - 1)
		return tool_usage_error(&cmd_run, "expected one PROGRAM file or -e 'ASSEMBLY'");
	a->path = a->expr ? "<expr>" : argv[optind];
	return -1;
}

static int read_mem(const struct run_args *a, uint8_t **mem, size_t *len)
{
	char msg[160];
	*mem = NULL;
	*len = 0;
	if (a->mem_hex) {
		if (hex_decode(a->mem_hex, strlen(a->mem_hex), mem, len, msg, sizeof(msg))) {
			fprintf(stderr, "bpfvm run: --mem: %s\n", msg);
			return -1;
		}
	} else if (a->mem_file) {
		*mem = (uint8_t *)tool_read_file(a->mem_file, len);
		if (!*mem)
			return -1;
	}
	return 0;
}

static int main_run(int argc, char **argv)
{
	struct run_args a = { .format = TOOL_FORMAT_AUTO, .syntax = BPFVM_SYNTAX_AUTO };
	int ret = parse_args(argc, argv, &a);
	if (ret >= 0)
		return ret;

	ret = TOOL_EXIT_FAIL;
	size_t n = 0, mem_len = 0;
	struct bpfvm_insn *insns = NULL;
	struct bpfvm_vm *vm = NULL;
	struct bpfvm_prog *prog = NULL;
	uint8_t *mem = NULL;
	struct bpfvm_error err;

	if (read_mem(&a, &mem, &mem_len))
		goto out;
	if (a.expr ? tool_load_insns("run", a.path, a.expr, strlen(a.expr),
				     a.format == TOOL_FORMAT_AUTO ? TOOL_FORMAT_ASM : a.format,
				     a.syntax, &insns, &n)
		   : tool_read_program(&cmd_run, a.path, a.format, a.syntax, &insns, &n))
		goto out;
	vm = bpfvm_vm__new(NULL);
	if (!vm) {
		fprintf(stderr, "bpfvm run: %s\n", strerror(errno));
		goto out;
	}
	/* --jit: the program is trusted as given (jit_unverified); what the
	 * JIT does not take falls back to the interpreter, said on stderr. */
	BPFVM_OPTS(bpfvm_load_opts, lopts, .name = a.path,
		   .engine = a.jit ? BPFVM_ENGINE_JIT : BPFVM_ENGINE_INTERP,
		   .jit_unverified = a.jit, .allow_fallback = a.jit);
	if (bpfvm_prog__load(vm, insns, n, &lopts, &prog, &err)) {
		tool_print_error("run", &err);
		goto out;
	}
	if (a.jit && bpfvm_prog__engine(prog) != BPFVM_ENGINE_JIT)
		fprintf(stderr, "bpfvm run: running in the interpreter: %s\n",
			bpfvm_prog__fallback_reason(prog));
	struct trace_ctx tctx = {
		.prog = prog,
		.syntax = a.syntax == BPFVM_SYNTAX_UBPF ? BPFVM_SYNTAX_UBPF : BPFVM_SYNTAX_LLVM,
	};
	uint64_t r0 = 0, executed = 0;
	BPFVM_OPTS(bpfvm_run_opts, ropts, .insn_budget = a.budget,
		   .trace = a.trace ? trace_insn : NULL, .trace_ctx = &tctx,
		   .insn_count = &executed);
	int rc = bpfvm_prog__run(prog, mem, mem_len, &ropts, &r0, &err);
	fflush(stdout);
	if (rc) {
		tool_print_error("run", &err);
		goto out;
	}
	printf("0x%" PRIx64 "\n", r0);
	if (a.dump) {
		for (size_t i = 0; i < mem_len; i++)
			printf("%02x%s", mem[i], (i + 1) % 16 == 0 || i + 1 == mem_len ? "\n" : " ");
	}
	ret = TOOL_EXIT_OK;
out:
	bpfvm_prog__free(prog);
	bpfvm_vm__free(vm);
	free(insns);
	free(mem);
	return ret;
}

const struct tool_cmd cmd_run = { "run", "run a program in the checked interpreter", main_run,
				  usage };
