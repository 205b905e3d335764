/*
 * fuzz_asm.c - libFuzzer target: the assembler, in both syntaxes.
 *
 * The first byte picks the syntax (auto, ubpf, llvm); the rest is text.
 * Whatever assembles must also disassemble, and reassemble to the same
 * bytes: a crash, a leak, or a round-trip difference is a finding.
 */
#include <stdlib.h>
#include <string.h>

#include "bpfvm.h"

struct text {
	char *p;
	size_t len, cap;
	int oom;
};

static void add_line(void *ctx, size_t pc, const char *line)
{
	struct text *t = ctx;
	size_t n = strlen(line);
	(void)pc;
	if (t->len + n + 2 > t->cap) {
		size_t cap = (t->len + n + 2) * 2;
		char *p = realloc(t->p, cap);
		if (!p) {
			t->oom = 1;
			return;
		}
		t->p = p;
		t->cap = cap;
	}
	memcpy(t->p + t->len, line, n);
	t->len += n;
	t->p[t->len++] = '\n';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const enum bpfvm_syntax syntaxes[] = { BPFVM_SYNTAX_AUTO, BPFVM_SYNTAX_UBPF,
						      BPFVM_SYNTAX_LLVM };
	enum bpfvm_syntax syntax = syntaxes[data[0] % 3];
	BPFVM_OPTS(bpfvm_asm_opts, opts, .syntax = syntax, .filename = "fuzz");
	struct bpfvm_insn *insns = NULL, *again = NULL;
	size_t n = 0, n_again = 0;
	struct bpfvm_error err;

	if (bpfvm_asm((const char *)data + 1, size - 1, &opts, &insns, &n, &err)) {
		if (insns || !err.msg[0])
			abort(); /* failure must leave no output and say why */
		return 0;
	}
	/* Whatever assembled and decodes must round-trip through the text. */
	for (int out = BPFVM_SYNTAX_UBPF; out <= BPFVM_SYNTAX_LLVM; out++) {
		struct text t = { 0 };
		BPFVM_OPTS(bpfvm_disasm_opts, dopts, .syntax = (enum bpfvm_syntax)out);
		BPFVM_OPTS(bpfvm_asm_opts, aopts, .syntax = (enum bpfvm_syntax)out, .filename = "rt");
		if (!bpfvm_disasm(insns, n, &dopts, add_line, &t, &err) && !t.oom && t.p) {
			if (bpfvm_asm(t.p, t.len, &aopts, &again, &n_again, &err))
				abort();
			if (n_again != n || memcmp(again, insns, n * sizeof(*insns)))
				abort();
			free(again);
			again = NULL;
		}
		free(t.p);
	}
	free(insns);
	return 0;
}
