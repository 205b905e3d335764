/*
 * test_verifier_soundness.c - the verifier's soundness check on programs
 * generated near the safety boundaries (tests/fuzz/vgen.h), with fixed
 * seeds: every program the verifier accepts runs in the checked
 * interpreter on several ctx contents, and no memory check may fire
 * there. fuzz_verifier runs the same check on fuzzer-chosen programs.
 *
 * VGEN_PROGRAMS=N sets the number of programs (default 20,000).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../fuzz/vgen.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void dump(const struct bpfvm_insn *insns, size_t n)
{
	char line[128];
	for (size_t pc = 0; pc < n; pc++) {
		int k = bpfvm_disasm_insn(insns, n, pc, NULL, line, sizeof(line));
		fprintf(stderr, "  %3zu: %s\n", pc, line);
		if (k == 2)
			pc++;
	}
}

int main(void)
{
	const char *env = getenv("VGEN_PROGRAMS");
	long total = env ? strtol(env, NULL, 10) : 20000;
	struct bpfvm_error err;
	struct bpfvm_vm *vm = bpfvm_vm__new(NULL);
	CHECK(vm != NULL);
	struct bpfvm_map *map = bpfvm_map__create(vm, BPFVM_MAP_TYPE_ARRAY, "value", 4, VGEN_VALUE,
						  1, NULL, &err);
	CHECK(map != NULL);
	long accepted = 0, bugs = 0;
	uint8_t bytes[512], ctx[VGEN_CTX];
	struct bpfvm_insn insns[VGEN_MAX];
	for (long i = 0; i < total; i++) {
		for (size_t k = 0; k < sizeof(bytes); k++)
			bytes[k] = (uint8_t)next();
		struct vgen_src src = { bytes, sizeof(bytes), 0 };
		size_t n = vgen_program(&src, insns);
		/* ctx contents: zeros, all ones, and random */
		for (int c = 0; c < 3; c++) {
			for (size_t k = 0; k < VGEN_CTX; k++)
				ctx[k] = c == 0 ? 0 : c == 1 ? 0xff : (uint8_t)next();
			int acc;
			if (vgen_check(vm, map, insns, n, ctx, &acc, &err)) {
				if (bugs++ < 3) {
					fprintf(stderr, "program %ld (ctx %d) accepted but the run failed: "
							"insn %ld: %s\n", i, c, err.insn, err.msg);
					dump(insns, n);
				}
				break;
			}
			if (!acc)
				break;
			accepted += c == 0;
		}
	}
	printf("verifier soundness: %ld programs, %ld accepted and run clean on 3 ctx "
	       "contents each, %ld verifier bugs\n", total, accepted - bugs, bugs);
	bpfvm_map__put(map);
	bpfvm_vm__free(vm);
	CHECK(bugs == 0);
	CHECK(accepted > total / 20); /* the generator reaches accepted programs */
	return 0;
}
