/*
 * plugin.c - bpfvm-conformance-plugin: bpfvm behind the public
 * bpf_conformance plugin protocol.
 *
 *   bpfvm-conformance-plugin [MEM] [--interpret|--jit] [--no-fallback]
 *                            [--verify] [--report-engine]
 *
 * --verify runs the static verifier first, with the program as the raw
 * type (r1 = the memory, r2 its length); a refusal is the result line.
 * --jit loads the program with engine JIT; conformance vectors are trusted
 * test programs, so the JIT takes them unverified (prog_load_trusted(), a
 * test-only entry: the library's JIT takes verified programs only), with
 * allow_fallback: a program the JIT does not take runs in the interpreter. --no-fallback makes such
 * a program fail instead (the load error is the result line), so that a
 * run proves every program ran as machine code. --report-engine prints a
 * second line after r0, "engine: jit" or "engine: interpreter (REASON)",
 * for the runner to count (plain bpf_conformance reads only the first).
 *
 * The program arrives on stdin as hex bytes (two digits a byte, separated
 * by whitespace), 8-byte little-endian struct bpf_insn slots. MEM, when
 * present, is one argument in the same encoding. The program runs with
 * r1 = a private writable copy of MEM (NULL when there is none) and r2 =
 * its length. On success r0 is printed in hex and the exit status is 0; on
 * failure one line gives the reason and the exit status is 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "hex.h"

static char *read_stdin(size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n, stdin);
		if (n < cap)
			break;
		char *p = cap >= (1u << 28) ? NULL : realloc(buf, cap * 2);
		if (!p) {
			free(buf);
			return NULL;
		}
		buf = p;
		cap *= 2;
	}
	*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	const char *mem_arg = NULL;
	bool jit = false, report = false, fallback = true, verify = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--interpret")) {
			jit = false;
			continue;
		}
		if (!strcmp(argv[i], "--jit")) {
			jit = true;
			continue;
		}
		if (!strcmp(argv[i], "--no-fallback")) {
			fallback = false;
			continue;
		}
		if (!strcmp(argv[i], "--verify")) {
			verify = true;
			continue;
		}
		if (!strcmp(argv[i], "--report-engine")) {
			report = true;
			continue;
		}
		if (!strncmp(argv[i], "--", 2)) {
			printf("unknown option %s (expected --interpret or --jit)\n", argv[i]);
			return 1;
		}
		if (mem_arg) {
			printf("more than one memory argument\n");
			return 1;
		}
		mem_arg = argv[i];
	}

	size_t text_len, n_bytes = 0, mem_len = 0;
	uint8_t *bytes = NULL, *mem = NULL;
	char *text = read_stdin(&text_len);
	int ret = 1;
	struct bpfvm_vm *vm = NULL;
	if (!text) {
		printf("cannot read the program from stdin\n");
		goto out;
	}
	char why[128];
	if (hex_decode(text, text_len, &bytes, &n_bytes, why, sizeof(why))) {
		printf("the program on stdin is not hex bytes: %s\n", why);
		goto out;
	}
	if (n_bytes % sizeof(struct bpfvm_insn) || !n_bytes) {
		printf("the program is %zu bytes, not a non-empty whole number of 8-byte slots\n",
		       n_bytes);
		goto out;
	}
	if (mem_arg && hex_decode(mem_arg, strlen(mem_arg), &mem, &mem_len, why, sizeof(why))) {
		printf("the memory argument is not hex bytes: %s\n", why);
		goto out;
	}
	vm = harness_vm();
	if (!vm) {
		printf("cannot create a vm\n");
		goto out;
	}
	uint64_t r0;
	bool at_load;
	struct bpfvm_error err;
	char engine[BPFVM_ERR_MSG_MAX + 32] = "engine: interpreter";
	/* Without --verify: the conformance vectors are trusted test programs
	 * (some break a rule on purpose), run unverified, under the JIT too. */
	BPFVM_OPTS(bpfvm_load_opts, lopts, .unverified = true,
		   .engine = jit ? BPFVM_ENGINE_JIT : BPFVM_ENGINE_INTERP,
		   .allow_fallback = fallback);
	/* --verify: the static verifier first, the program as the raw type
	 * (r1 -> the memory, r2 its length) */
	BPFVM_OPTS(bpfvm_load_opts, vopts, .ctx_size = (uint32_t)mem_len,
		   .engine = jit ? BPFVM_ENGINE_JIT : BPFVM_ENGINE_INTERP,
		   .allow_fallback = fallback);
	int rc = harness_run(vm, (const struct bpfvm_insn *)bytes,
			     n_bytes / sizeof(struct bpfvm_insn),
			     verify ? &vopts : &lopts, !verify && jit, mem, mem_len,
			     &r0, &at_load, engine, sizeof(engine), &err);
	if (rc) {
		char msg[BPFVM_ERR_MSG_MAX + 32];
		bpfvm_error__format(&err, msg, sizeof(msg));
		printf("%s\n", msg);
		goto out;
	}
	printf("%" PRIx64 "\n", r0);
	if (report)
		printf("%s\n", engine);
	ret = 0;
out:
	bpfvm_vm__free(vm);
	free(text);
	free(bytes);
	free(mem);
	return ret;
}
