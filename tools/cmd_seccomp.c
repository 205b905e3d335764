/*
 * cmd_seccomp.c - `bpfvm seccomp`: check a seccomp policy with the
 * kernel's seccomp rules and print the action it returns for one system
 * call (struct seccomp_data built from the options).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf/cbpf.h"
#include "tool.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: bpfvm seccomp [OPTIONS] POLICY --syscall NAME|NR\n\n"
		   "Check the seccomp filter POLICY (a tcpdump -ddd file, raw struct\n"
		   "sock_filter bytes as libseccomp's seccomp_export_bpf writes them,\n"
		   "bpf_asm or tcpdump -d text) with the kernel's seccomp rules, run it\n"
		   "on a struct seccomp_data and print the action, e.g. \"ERRNO(1)\",\n"
		   "\"ALLOW\", \"KILL_PROCESS\", and the raw return value.\n\n"
		   "Options:\n"
		   "  -s, --syscall S      system call name (x86_64 names) or number\n"
		   "  -a, --arch A         x86_64 (default), i386, aarch64, arm, riscv64,\n"
		   "                       ppc64le, ppc64, s390x, mips, mipsel, loongarch64,\n"
		   "                       or an AUDIT_ARCH_* number\n"
		   "      --args A0,...    up to six arguments (numbers)\n"
		   "      --ip N           the instruction pointer\n"
		   "  -e, --engine E       jit (default: the translation, verified as a\n"
		   "                       seccomp program, as machine code; when the JIT\n"
		   "                       cannot take it, the eBPF interpreter runs it and\n"
		   "                       stderr says why), interp (the translation in the\n"
		   "                       eBPF interpreter; also spelt ebpf) or cbpf (the\n"
		   "                       classic interpreter)\n"
		   "  -j, --json           print a JSON object\n"
		   "  -h, --help           show this help\n\n"
		   "Exit status: 0 when the policy ran, 1 when it is invalid, 2 on wrong\n"
		   "usage.\n");
}

static int parse_u64(const char *s, char **end, uint64_t *out)
{
	errno = 0;
	if (*s == '-') {
		long long v = strtoll(s, end, 0);
		*out = (uint64_t)v;
	} else {
		*out = strtoull(s, end, 0);
	}
	return errno || *end == s ? -1 : 0;
}

struct sc_args {
	const char *policy, *syscall;
	struct cbpf_seccomp_data sd;
	bool json;
	enum cbpf_engine engine;
};

static int parse_args(int argc, char **argv, struct sc_args *a)
{
	enum { OPT_ARGS = 256, OPT_IP };
	static const struct option longopts[] = {
		{ "syscall", required_argument, NULL, 's' },
		{ "arch", required_argument, NULL, 'a' },
		{ "args", required_argument, NULL, OPT_ARGS },
		{ "ip", required_argument, NULL, OPT_IP },
		{ "engine", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;
	char *end;
	uint64_t v;
	a->sd.arch = cbpf_seccomp_arch("x86_64");
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:a:e:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			a->syscall = optarg;
			break;
		case 'a':
			a->sd.arch = cbpf_seccomp_arch(optarg);
			if (!a->sd.arch) {
				if (parse_u64(optarg, &end, &v) || *end || v > UINT32_MAX)
					return tool_usage_error(&cmd_seccomp, "unknown --arch '%s'",
								optarg);
				a->sd.arch = (uint32_t)v;
			}
			break;
		case OPT_ARGS: {
			const char *s = optarg;
			for (int i = 0;; i++) {
				if (i == 6 || parse_u64(s, &end, &v))
					return tool_usage_error(&cmd_seccomp,
								"--args wants up to six numbers, "
								"comma-separated, not '%s'", optarg);
				a->sd.args[i] = v;
				if (!*end)
					break;
				if (*end != ',')
					return tool_usage_error(&cmd_seccomp, "--args: bad '%s'", end);
				s = end + 1;
			}
			break;
		}
		case OPT_IP:
			if (parse_u64(optarg, &end, &v) || *end)
				return tool_usage_error(&cmd_seccomp, "--ip wants a number, not '%s'",
							optarg);
			a->sd.instruction_pointer = v;
			break;
		case 'e': {
			int e = cbpf_engine_parse(optarg);
			if (e < 0)
				return tool_usage_error(&cmd_seccomp,
							"--engine is jit, interp or cbpf, not '%s'",
							optarg);
			a->engine = (enum cbpf_engine)e;
			break;
		}
		case 'j':
			a->json = true;
			break;
		default:
			return tool_help_or_usage(&cmd_seccomp, c);
		}
	}
	if (optind != argc - 1)
		return tool_usage_error(&cmd_seccomp, "expected one POLICY file");
	a->policy = argv[optind];
	if (!a->syscall)
		return tool_usage_error(&cmd_seccomp, "expected --syscall NAME|NR");
	if (!parse_u64(a->syscall, &end, &v) && !*end) {
		a->sd.nr = (int32_t)v;
	} else {
		int nr = cbpf_seccomp_syscall_x86_64(a->syscall);
		if (nr < 0)
			return tool_usage_error(&cmd_seccomp,
						"unknown system call '%s' (give its number)",
						a->syscall);
		a->sd.nr = nr;
	}
	return -1;
}

/* Check, translate, verify and JIT (or the engine asked for), then run. */
static int run_policy(const struct cbpf_insn *prog, size_t n, enum cbpf_engine engine,
		      const struct cbpf_seccomp_data *sd, uint32_t *out)
{
	struct bpfvm_error err;
	int ret = -1;
	BPFVM_OPTS(bpfvm_vm_opts, vopts, .nr_cpus = 1);
	struct bpfvm_vm *vm = bpfvm_vm__new(&vopts);
	struct cbpf_filter *f = NULL;
	if (!vm) {
		fprintf(stderr, "bpfvm seccomp: %s\n", strerror(errno));
		goto out;
	}
	f = cbpf_filter_new(vm, prog, n, CBPF_SECCOMP, engine, true, &err);
	if (!f || cbpf_filter_run_seccomp(f, sd, out, &err)) {
		tool_print_error("seccomp", &err);
		goto out;
	}
	if (cbpf_filter_fallback(f))
		fprintf(stderr, "bpfvm seccomp: the JIT cannot take the translation, so the eBPF "
				"interpreter runs it: %s\n",
			cbpf_filter_fallback(f));
	ret = 0;
out:
	cbpf_filter_free(f);
	bpfvm_vm__free(vm);
	return ret;
}

static int main_seccomp(int argc, char **argv)
{
	struct sc_args a = { 0 };
	int ret = parse_args(argc, argv, &a);
	if (ret >= 0)
		return ret;
	ret = TOOL_EXIT_FAIL;
	size_t len, n = 0;
	struct cbpf_insn *prog = NULL;
	struct bpfvm_error err;
	uint32_t res;
	char *data = tool_read_file(a.policy, &len);
	if (!data)
		goto out;
	if (cbpf_parse_any(data, len, a.policy, &prog, &n, &err)) {
		tool_print_error("seccomp", &err);
		goto out;
	}
	if (run_policy(prog, n, a.engine, &a.sd, &res))
		goto out;
	char text[64];
	cbpf_seccomp_action_format(res, text, sizeof(text));
	if (a.json)
		printf("{\"action\": \"%s\", \"data\": %u, \"text\": \"%s\", \"ret\": %u, "
		       "\"nr\": %d, \"arch\": %u}\n",
		       cbpf_seccomp_action_name(res), res & 0xffff, text, res, a.sd.nr,
		       a.sd.arch);
	else
		printf("%s (ret 0x%08x)\n", text, res);
	ret = TOOL_EXIT_OK;
out:
	free(prog);
	free(data);
	return ret;
}

const struct tool_cmd cmd_seccomp = {
	.name = "seccomp",
	.summary = "print the action a seccomp policy takes for a system call",
	.main = main_seccomp,
	.usage = usage,
};
