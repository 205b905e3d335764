/*
 * cmd_verify.c - `bpfvm verify`: run the static verifier on a program and
 * print its verdict and statistics.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "tool.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: bpfvm verify [OPTIONS] PROGRAM\n\n"
		   "Verify an eBPF program (assembly text, raw bytes or hex; '-' for stdin)\n"
		   "as the raw program type: r1 points to --ctx-size bytes the program may\n"
		   "read and write, r2 holds that size. Prints the verdict, and on refusal\n"
		   "the instruction and what could go wrong.\n\n"
		   "Options:\n"
		   "  -c, --ctx-size N   bytes at r1 (default 0)\n"
		   "  -f, --format F     program format: auto (default), asm, raw, hex\n"
		   "  -s, --syntax S     assembly syntax: auto (default), ubpf, llvm\n"
		   "  -j, --json         JSON output\n"
		   "  -h, --help         show this help\n\n"
		   "Exit status: 0 accepted, 1 refused (or unreadable), 2 wrong usage.\n");
}

static int main_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ctx-size", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "syntax", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	enum tool_format format = TOOL_FORMAT_AUTO;
	enum bpfvm_syntax syntax = BPFVM_SYNTAX_AUTO;
	unsigned long ctx_size = 0;
	int json = 0, c;
	char *end;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:f:s:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			errno = 0;
			ctx_size = strtoul(optarg, &end, 0);
			if (errno || *end || optarg[0] == '-' || ctx_size > UINT32_MAX)
				return tool_usage_error(&cmd_verify, "--ctx-size wants a size, not '%s'",
							optarg);
			break;
		case 'f':
			if (tool_opt_format(&cmd_verify, optarg, &format))
				return TOOL_EXIT_USAGE;
			break;
		case 's':
			if (tool_opt_syntax(&cmd_verify, optarg, 1, &syntax))
				return TOOL_EXIT_USAGE;
			break;
		case 'j':
			json = 1;
			break;
		default:
			return tool_help_or_usage(&cmd_verify, c);
		}
	}
	if (optind != argc - 1)
		return tool_usage_error(&cmd_verify, "expected exactly one PROGRAM");

	struct bpfvm_insn *insns = NULL;
	size_t n;
	if (tool_read_program(&cmd_verify, argv[optind], format, syntax, &insns, &n))
		return TOOL_EXIT_FAIL;
	struct bpfvm_vm *vm = bpfvm_vm__new(NULL);
	if (!vm) {
		fprintf(stderr, "bpfvm verify: %s\n", strerror(errno));
		free(insns);
		return TOOL_EXIT_FAIL;
	}
	struct bpfvm_prog *prog = NULL;
	struct bpfvm_error err;
	BPFVM_OPTS(bpfvm_load_opts, lo, .name = argv[optind], .verify = true,
		   .ctx_size = (uint32_t)ctx_size);
	int rc = bpfvm_prog__load(vm, insns, n, &lo, &prog, &err);
	struct bpfvm_verify_stats st;
	bpfvm_prog__verified(prog, &st);
	if (json) {
		struct json j;
		char msg[BPFVM_ERR_MSG_MAX + 32];
		json_init(&j, stdout, false);
		json_obj_begin(&j);
		json_key(&j, "accepted"), json_bool(&j, rc == 0);
		if (rc) {
			bpfvm_error__format(&err, msg, sizeof(msg));
			json_key(&j, "insn"), json_i64(&j, err.insn);
			json_key(&j, "error"), json_str(&j, msg);
		} else {
			json_key(&j, "insns"), json_u64(&j, n);
			json_key(&j, "insns_processed"), json_u64(&j, st.insns_processed);
			json_key(&j, "states"), json_u64(&j, st.states);
			json_key(&j, "peak_states"), json_u64(&j, st.peak_states);
			json_key(&j, "pruned"), json_u64(&j, st.pruned);
			json_key(&j, "stack"), json_u64(&j, st.max_stack);
			json_key(&j, "time_ns"), json_u64(&j, st.time_ns);
		}
		json_obj_end(&j);
		json_end(&j);
	} else if (rc) {
		tool_print_error("verify", &err);
	} else {
		printf("accepted: %zu instructions, %" PRIu64 " processed, %u states "
		       "(peak %u, %u pruned), stack %u bytes, %.3f ms\n",
		       n, st.insns_processed, st.states, st.peak_states, st.pruned, st.max_stack,
		       (double)st.time_ns / 1e6);
	}
	bpfvm_prog__free(prog);
	bpfvm_vm__free(vm);
	free(insns);
	return rc ? TOOL_EXIT_FAIL : TOOL_EXIT_OK;
}

const struct tool_cmd cmd_verify = { "verify", "check a program with the static verifier",
				     main_verify, usage };
