/*
 * files.c - a program as a text file (findings/, regressions/): bpfvm's
 * LLVM-syntax assembly, which its assembler reads back, after `#!` lines
 * (comments to the assembler):
 *   #! seed 0x...       vdiff --seed S --count 1 [--type T] made it
 *   #! type xdp|socket  the program type both verifiers load it as
 *   #! class NAME       its class (classify.c)
 *   #! kernel MSG       the kernel verifier's verdict
 *   #! bpfvm MSG        bpfvm's
 *   #! bytes HEX        the exact slots; when present, the replay loads
 *                       these rather than assembling the text
 *   #! expect accept    (regressions) bpfvm must accept it; without the
 *                       line, it must refuse it
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "vdiff.h"

static void print_line(void *ctx, size_t pc, const char *line)
{
	fprintf(ctx, "%s\t# %zu\n", line, pc);
}

void vdf_case_write(const struct vdf_case *tc, const struct vdf_verdict *v, const char *cls,
		    FILE *f)
{
	fprintf(f, "#! seed %#" PRIx64 "\n", tc->seed);
	fprintf(f, "#! type %s\n", tc->type == VD_XDP ? "xdp" : "socket");
	if (cls)
		fprintf(f, "#! class %s\n", cls);
	if (v) {
		fprintf(f, "#! kernel %s\n", v->kernel_ok ? "accepts" : v->kernel_msg);
		fprintf(f, "#! bpfvm %s\n", v->bpfvm_ok ? "accepts" : v->bpfvm_msg);
	}
	fprintf(f, "#! bytes ");
	const uint8_t *b = (const uint8_t *)tc->insns;
	for (size_t i = 0; i < tc->n * sizeof(tc->insns[0]); i++)
		fprintf(f, "%02x", b[i]);
	fprintf(f, "\n");
	BPFVM_OPTS(bpfvm_disasm_opts, dopts, .syntax = BPFVM_SYNTAX_LLVM);
	bpfvm_disasm(tc->insns, tc->n, &dopts, print_line, f, NULL);
}

int vdf_case_read(const char *path, struct vdf_case *tc, char *why, size_t size)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(why, size, "%s", strerror(errno));
		return -1;
	}
	memset(tc, 0, sizeof(*tc));
	tc->type = VD_XDP;
	tc->first = -1;
	char *text = NULL;
	size_t cap = 0, len = 0;
	static char line[1 << 14];
	bool bytes = false;
	while (fgets(line, sizeof(line), f)) {
		size_t l = strlen(line);
		if (len + l + 1 > cap) {
			cap = (len + l + 1) * 2;
			char *t = realloc(text, cap);
			if (!t)
				break;
			text = t;
		}
		memcpy(text + len, line, l + 1);
		len += l;
		if (!strncmp(line, "#! seed ", 8)) {
			tc->seed = strtoull(line + 8, NULL, 0);
		} else if (!strncmp(line, "#! expect accept", 16)) {
			tc->expect_accept = true;
		} else if (!strncmp(line, "#! type ", 8)) {
			tc->type = strncmp(line + 8, "socket", 6) ? VD_XDP : VD_SOCKET;
		} else if (!strncmp(line, "#! bytes ", 9)) {
			uint8_t *b = (uint8_t *)tc->insns;
			size_t k = 0;
			unsigned v;
			for (const char *s = line + 9; k < sizeof(tc->insns) && sscanf(s, "%2x", &v) == 1;
			     s += 2)
				b[k++] = (uint8_t)v;
			tc->n = k / sizeof(tc->insns[0]);
			bytes = true;
		}
	}
	fclose(f);
	if (!bytes) {
		struct bpfvm_insn *insns = NULL;
		size_t n = 0;
		struct bpfvm_error err;
		BPFVM_OPTS(bpfvm_asm_opts, ao, .filename = path);
		int rc = text ? bpfvm_asm(text, len, &ao, &insns, &n, &err) : -EINVAL;
		if (rc || n > VD_MAX || !n) {
			if (rc)
				bpfvm_error__format(&err, why, size);
			else
				snprintf(why, size, "no program, or more than %d slots", VD_MAX);
			free(insns);
			free(text);
			return -1;
		}
		memcpy(tc->insns, insns, n * sizeof(insns[0]));
		tc->n = n;
		free(insns);
	}
	free(text);
	if (!tc->n) {
		snprintf(why, size, "no program");
		return -1;
	}
	return 0;
}
