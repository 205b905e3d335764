/*
 * test_jit.c - the x86-64 JIT against the interpreter.
 *
 * The interpreter is the reference: every program here runs under both
 * engines on copies of the same memory, and r0, the error code and the
 * memory must come out identical; the JIT runs each program twice, the
 * second time hardened (constant blinding, jit/blind.c).
 *   - every ALU row of the ISA table with edge operands (0, -1, INT_MIN,
 *     INT64_MIN, shift counts at the edges, div/mod by 0 and by -1), with
 *     operands in the registers the lowering treats specially (rax, rdx,
 *     rcx: r0, r3, r4); all registers are compared, not only dst
 *   - every conditional jump row with edge operands
 *   - loads, stores, sign-extending loads, atomics of every size
 *   - BPF-to-BPF calls, their stack frames and the depth limit
 *   - helper calls, and a helper that fails the run
 *   - a differential fuzz loop over random straight-line/branchy programs
 *     (forward jumps only) with fixed seeds
 *   - W^X of the image, fallback reporting, compile speed
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bpfvm.h"
#include "check.h"
#include "../fuzz/jgen.h"
#include "insn_build.h"
#include "isa/isa.h"
#include "jit/jit.h"
#include "prog/prog.h"

static struct bpfvm_vm *vm;
static size_t n_programs;

#define MEM_LEN 256

/* LD_ABS/LD_IND read a packet 32 bytes into the memory, with headers for
 * SKF_LL_OFF 14 bytes before it and SKF_NET_OFF 14 bytes in (as fuzz_jit). */
#define PKT_OPTS(name, mem)                                                          \
	BPFVM_OPTS(bpfvm_run_opts, name, .packet = (mem) + 32, .packet_len = MEM_LEN - 32, \
		   .headers = true, .net_off = 14, .ll_off = -14)

/* Load with the interpreter and with the JIT (plain, then hardened:
 * constant blinding), run all three, compare. */
static void diff_run(const struct bpfvm_insn *insns, size_t n, const uint8_t *mem_in,
		     const char *what)
{
	struct bpfvm_prog *pi = NULL, *pj = NULL;
	struct bpfvm_error err;
	CHECK(bpfvm_prog__load(vm, insns, n, UNVERIFIED, &pi, &err) == 0);
	uint8_t mi[MEM_LEN], mj[MEM_LEN];
	memcpy(mi, mem_in, MEM_LEN);
	uint64_t ri = 0xdead, rj = 0xbeef;
	PKT_OPTS(oi, mi);
	int ci = bpfvm_prog__run(pi, mi, MEM_LEN, &oi, &ri, &err);
	for (int hard = 0; hard < 2; hard++) {
		BPFVM_OPTS(bpfvm_load_opts, jo, .engine = BPFVM_ENGINE_JIT, .unverified = true,
			   .harden = hard);
		if (prog_load_trusted(vm, insns, n, &jo, &pj, &err)) {
			fprintf(stderr, "%s%s: JIT load failed: %s\n", what,
				hard ? " (hardened)" : "", err.msg);
			CHECK(0);
		}
		CHECK(bpfvm_prog__engine(pj) == BPFVM_ENGINE_JIT);
		memcpy(mj, mem_in, MEM_LEN);
		rj = 0xbeef;
		PKT_OPTS(oj, mj);
		int cj = bpfvm_prog__run(pj, mj, MEM_LEN, &oj, &rj, &err);
		if (ci != cj || (ci == 0 && ri != rj) || memcmp(mi, mj, MEM_LEN)) {
			fprintf(stderr, "%s%s: interp rc %d r0 0x%" PRIx64 ", jit rc %d r0 0x%" PRIx64
				"%s\n", what, hard ? " (hardened)" : "", ci, ri, cj, rj,
				memcmp(mi, mj, MEM_LEN) ? " (memory differs)" : "");
			for (size_t i = 0; i < MEM_LEN; i += 8) {
				uint64_t a, b;
				memcpy(&a, mi + i, 8);
				memcpy(&b, mj + i, 8);
				if (a != b)
					fprintf(stderr, "  mem[%zu]: 0x%" PRIx64 " vs 0x%" PRIx64 "\n",
						i, a, b);
			}
			CHECK(0);
		}
		bpfvm_prog__free(pj);
	}
	n_programs++;
	bpfvm_prog__free(pi);
}

/* Programs are built with jgen.h (shared with the fuzz target fuzz_jit). */

static bool is_alu_shape(unsigned s)
{
	return jgen_is_alu(&(struct isa_desc){ .shape = (uint8_t)s });
}

/* dst/src pairs that hit rax, rdx, rcx (r0, r3, r4) in every role. */
static const uint8_t pairs[][2] = {
	{ 0, 1 }, { 1, 0 }, { 3, 4 }, { 4, 3 }, { 4, 0 }, { 0, 3 }, { 2, 4 }, { 6, 9 }, { 3, 3 },
};
#define N_PAIRS (sizeof(pairs) / sizeof(pairs[0]))

static uint8_t zero_mem[MEM_LEN];

static void test_alu_rows(void)
{
	size_t rows = 0;
	for (unsigned id = 0; id < ISA__COUNT; id++) {
		const struct isa_desc *d = &isa_table[id];
		if (!is_alu_shape(d->shape))
			continue;
		rows++;
		for (size_t pi = 0; pi < N_PAIRS; pi++) {
			unsigned dst = pairs[pi][0], src = pairs[pi][1];
			for (size_t a = 0; a < JGEN_N_EDGES; a++) {
				for (size_t b = 0; b < JGEN_N_EDGES; b++) {
					struct jgen p;
					jgen_begin(&p);
					for (unsigned r = 0; r < 10; r++)
						jgen_lddw(&p, r, 0x1111111111111111ull * (r + 1));
					jgen_lddw(&p, src, jgen_edges[b]);
					if (dst != src)
						jgen_lddw(&p, dst, jgen_edges[a]);
					jgen_add(&p, jgen_row(d, dst, src, 0, (int32_t)jgen_edges[b]));
					jgen_end(&p);
					char what[96];
					snprintf(what, sizeof(what), "%s r%u=0x%" PRIx64 " r%u=0x%" PRIx64,
						 d->id_name, dst, jgen_edges[a], src, jgen_edges[b]);
					diff_run(p.s, p.n, zero_mem, what);
					if (d->shape != ISA_SHAPE_ALU_X && d->shape != ISA_SHAPE_ALU_K &&
					    d->shape != ISA_SHAPE_MOVSX)
						break; /* unary: one operand is enough */
				}
			}
		}
	}
	printf("  alu: %zu rows with edge operands\n", rows);
}

static void test_jmp_rows(void)
{
	size_t rows = 0;
	for (unsigned id = 0; id < ISA__COUNT; id++) {
		const struct isa_desc *d = &isa_table[id];
		if (d->shape != ISA_SHAPE_JMP_K && d->shape != ISA_SHAPE_JMP_X)
			continue;
		rows++;
		for (size_t a = 0; a < JGEN_N_EDGES; a++)
			for (size_t b = 0; b < JGEN_N_EDGES; b++) {
				struct jgen p;
				p.n = 0;
				jgen_lddw(&p, 3, jgen_edges[a]);
				jgen_lddw(&p, 4, jgen_edges[b]);
				jgen_add(&p, (struct bpfvm_insn)I_MOV64_IMM(0, 1));
				jgen_add(&p, jgen_row(d, 3, 4, 1, (int32_t)jgen_edges[b]));
				jgen_add(&p, (struct bpfvm_insn)I_MOV64_IMM(0, 2));
				jgen_add(&p, (struct bpfvm_insn)I_EXIT());
				diff_run(p.s, p.n, zero_mem, d->id_name);
			}
	}
	/* ja / ja32 forward and backward (a counted loop) */
	struct bpfvm_insn loop[] = {
		I_MOV64_IMM(0, 0), I_MOV64_IMM(1, 10),
		I_ALU64_IMM(BI_ADD, 0, 3), I_ALU64_IMM(BI_SUB, 1, 1),
		I_JMP_IMM(BI_JEQ, 1, 0, 1), I_JA(-4), I_JA32(0), I_EXIT(),
	};
	diff_run(loop, sizeof(loop) / sizeof(loop[0]), zero_mem, "loop");
	printf("  jmp: %zu rows with edge operands, ja, ja32\n", rows);
}

static void test_mem_rows(void)
{
	uint8_t pattern[MEM_LEN];
	for (int i = 0; i < MEM_LEN; i++)
		pattern[i] = (uint8_t)(0x80 + i * 37);
	size_t rows = 0;
	static const int16_t offs[] = { 0, 8, 64, 200 };
	for (unsigned id = 0; id < ISA__COUNT; id++) {
		const struct isa_desc *d = &isa_table[id];
		bool atomic = d->shape == ISA_SHAPE_ATOMIC || d->shape == ISA_SHAPE_ATOMIC_FETCH ||
			      d->shape == ISA_SHAPE_XCHG || d->shape == ISA_SHAPE_CMPXCHG;
		bool load = d->shape == ISA_SHAPE_LDX || d->shape == ISA_SHAPE_LDXSX ||
			    d->shape == ISA_SHAPE_LOAD_ACQ;
		bool store = d->shape == ISA_SHAPE_ST || d->shape == ISA_SHAPE_STX ||
			     d->shape == ISA_SHAPE_STORE_REL;
		if (!atomic && !load && !store)
			continue;
		rows++;
		/* base register in mem; operand regs include r0 (rax) */
		static const uint8_t regs[][2] = { { 1, 2 }, { 0, 3 }, { 3, 0 }, { 5, 4 }, { 1, 0 } };
		for (size_t r = 0; r < sizeof(regs) / sizeof(regs[0]); r++)
			for (size_t o = 0; o < sizeof(offs) / sizeof(offs[0]); o++)
				for (size_t v = 0; v < JGEN_N_EDGES; v += 3) {
					unsigned base = regs[r][0], other = regs[r][1];
					struct jgen p;
					jgen_begin(&p);
					jgen_add(&p, (struct bpfvm_insn)I_MOV64_REG(6, 1));
					for (unsigned k = 0; k < 10; k++)
						if (k != 6)
							jgen_lddw(&p, k, jgen_edges[(v + k) % JGEN_N_EDGES]);
					jgen_add(&p, (struct bpfvm_insn)I_MOV64_REG(base, 6));
					if (d->shape == ISA_SHAPE_CMPXCHG && v % 2 == 0 && base != 0) {
						/* make the compare hit: r0 = the current value */
						jgen_add(&p, (struct bpfvm_insn)I_LDX(
							d->size == 8 ? BI_DW : BI_W, 0, base, offs[o]));
					}
					if (load)
						jgen_add(&p, jgen_row(d, other, base, offs[o], 0));
					else
						jgen_add(&p, jgen_row(d, base, other, offs[o],
								    (int32_t)jgen_edges[v]));
					/* keep mem for the epilogue; pointers differ between
					 * the two copies, so no register may hold one */
					jgen_add(&p, (struct bpfvm_insn)I_MOV64_REG(1, 6));
					jgen_add(&p, (struct bpfvm_insn)I_STX(BI_DW, 10, 1, -96));
					jgen_add(&p, (struct bpfvm_insn)I_MOV64_IMM(1, 0));
					jgen_add(&p, (struct bpfvm_insn)I_MOV64_IMM(6, 0));
					if (!load || base != other)
						jgen_add(&p, (struct bpfvm_insn)I_MOV64_IMM(base, 0));
					jgen_end(&p);
					diff_run(p.s, p.n, pattern, d->id_name);
				}
	}
	printf("  mem: %zu rows (loads, stores, atomics)\n", rows);
}

static void test_calls(void)
{
	/* main: r6 = 7, call f(r1 = 5), r0 += r6; f: uses its own stack and
	 * clobbers r6, calls g; g: reads an uninitialised stack slot (zero). */
	struct bpfvm_insn prog[] = {
		I_MOV64_IMM(6, 7), I_MOV64_IMM(1, 5), I_ST(BI_DW, 10, -8, 100),
		I_CALL_LOCAL(3), I_ALU64_REG(BI_ADD, 0, 6), I_LDX(BI_DW, 1, 10, -8),
		I_ALU64_REG(BI_ADD, 0, 1), I_EXIT(),
		/* f */ I_MOV64_IMM(6, 1000), I_STX(BI_DW, 10, 1, -8), I_CALL_LOCAL(3),
		I_LDX(BI_DW, 1, 10, -8), I_ALU64_REG(BI_ADD, 0, 1), I_EXIT(),
		/* g */ I_LDX(BI_DW, 0, 10, -16), I_ALU64_IMM(BI_ADD, 0, 40), I_EXIT(),
	};
	/* the file's numbering: f starts at 8, g at 14 */
	prog[3].imm = 4;  /* 3 + 1 + 4 = 8 */
	prog[10].imm = 3; /* 10 + 1 + 3 = 14 */
	diff_run(prog, sizeof(prog) / sizeof(prog[0]), zero_mem, "calls");

	/* Unbounded recursion: both stop with -E2BIG at the depth limit. */
	struct bpfvm_insn rec[] = { I_CALL_LOCAL(-1), I_EXIT() };
	diff_run(rec, 2, zero_mem, "recursion");
	printf("  calls: frames, callee-saved r6, depth limit\n");
}

static uint64_t helper_mix(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			   struct bpfvm_call *call)
{
	return r1 * 3 + r2 * 5 + r3 * 7 + r4 * 11 + r5 * 13 + bpfvm_call__reg(call, 0) +
	       bpfvm_call__reg(call, 6);
}

static uint64_t helper_fail(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			    struct bpfvm_call *call)
{
	if (r1 == 3)
		bpfvm_call__fail(call, -EPERM, "helper says no");
	return r1;
}

static void test_helpers(void)
{
	CHECK(bpfvm_vm__add_helper(vm, 1000, "mix", helper_mix) == 0);
	CHECK(bpfvm_vm__add_helper(vm, 1001, "failer", helper_fail) == 0);
	struct bpfvm_insn prog[] = {
		I_MOV64_IMM(0, 9), I_MOV64_IMM(6, 17), I_MOV64_IMM(1, 1), I_MOV64_IMM(2, 2),
		I_MOV64_IMM(3, 3), I_MOV64_IMM(4, 4), I_MOV64_IMM(5, 5), I_CALL(1000),
		I_ALU64_REG(BI_ADD, 0, 6), I_MOV64_IMM(1, 1), I_CALL(1001), I_MOV64_IMM(1, 3),
		I_CALL(1001), I_MOV64_IMM(0, 77), I_EXIT(),
	};
	diff_run(prog, sizeof(prog) / sizeof(prog[0]), zero_mem, "helpers");
	struct bpfvm_prog *pj;
	struct bpfvm_error err;
	BPFVM_OPTS(bpfvm_load_opts, jo, .engine = BPFVM_ENGINE_JIT, .unverified = true);
	CHECK(prog_load_trusted(vm, prog, sizeof(prog) / sizeof(prog[0]), &jo, &pj, &err) == 0);
	uint64_t r0;
	CHECK(bpfvm_prog__run(pj, NULL, 0, NULL, &r0, &err) == -EPERM);
	CHECK(err.insn == 12);
	CHECK_STR_CONTAINS(err.msg, "helper says no");
	bpfvm_prog__free(pj);
	printf("  helpers: r1..r5, r0/r6 seen by the helper, failure at the call\n");
}

/* ---- differential fuzz ---- */

static uint64_t rng;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* One program from jgen.h over bytes from the PRNG: ALU rows, stack
 * loads/stores/atomics, forward jumps, LD_ABS/LD_IND, the helper "mix",
 * BPF-to-BPF calls. */
static void fuzz_one(void)
{
	uint8_t bytes[1024];
	for (size_t i = 0; i < sizeof(bytes); i += 8) {
		uint64_t v = rnd();
		memcpy(bytes + i, &v, 8);
	}
	struct vgen_src src = { bytes, sizeof(bytes), 0 };
	static struct jgen p;
	const struct jgen_opts o = { .helper = true, .pkt = true, .calls = true };
	jgen_program(&src, &p, &o);
	char what[64];
	snprintf(what, sizeof(what), "fuzz seed state 0x%" PRIx64, rng);
	/* memory of distinct bytes, so that a load from the wrong place
	 * (a header at the wrong offset, say) reads something else */
	static uint8_t mem[MEM_LEN];
	for (size_t i = 0; i < MEM_LEN; i++)
		mem[i] = (uint8_t)(i * 37 + 11);
	diff_run(p.s, p.n, mem, what);
}

static void test_fuzz(void)
{
	static const uint64_t seeds[] = { 0x9e3779b97f4a7c15ull, 42, 0xdeadbeefcafef00dull };
	size_t each = 1500;
	for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		rng = seeds[s];
		for (size_t i = 0; i < each; i++)
			fuzz_one();
	}
	printf("  fuzz: %zu random programs, 3 fixed seeds\n", each * 3);
}

/* ---- image, fallback, speed ---- */

static void test_wx(void)
{
	struct bpfvm_insn prog[] = { I_MOV64_IMM(0, 1), I_EXIT() };
	struct bpfvm_prog *pj;
	struct bpfvm_error err;
	BPFVM_OPTS(bpfvm_load_opts, jo, .engine = BPFVM_ENGINE_JIT, .unverified = true);
	CHECK(prog_load_trusted(vm, prog, 2, &jo, &pj, &err) == 0);
	CHECK(pj->jit && pj->jit->code);
	uintptr_t addr = (uintptr_t)pj->jit->code;
	FILE *f = fopen("/proc/self/maps", "r");
	CHECK(f != NULL);
	char line[512], perms[8] = "";
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char pr[8];
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, pr) == 3 && addr >= lo && addr < hi) {
			strcpy(perms, pr);
			break;
		}
	}
	fclose(f);
	CHECK(perms[0] == 'r' && perms[1] == '-' && perms[2] == 'x');
	bpfvm_prog__free(pj);
	printf("  W^X: the image is %s\n", perms);
}

static void test_fallback(void)
{
	/* A kfunc call: bpfvm has no kernel functions, so the interpreter
	 * fails it at run time and the JIT refuses it at load. */
	struct bpfvm_insn prog[] = {
		I_MOV64_IMM(0, 1), I_JMP_IMM(BI_JEQ, 0, 1, 1), I_CALL_KFUNC(7), I_EXIT(),
	};
	size_t n = sizeof(prog) / sizeof(prog[0]);
	struct bpfvm_prog *p = NULL;
	struct bpfvm_error err;
	BPFVM_OPTS(bpfvm_load_opts, fo, .engine = BPFVM_ENGINE_JIT, .unverified = true,
		   .allow_fallback = true);
	CHECK(prog_load_trusted(vm, prog, n, &fo, &p, &err) == 0);
	CHECK(bpfvm_prog__engine(p) == BPFVM_ENGINE_INTERP);
	CHECK(bpfvm_prog__fallback_reason(p) != NULL);
	CHECK_STR_CONTAINS(bpfvm_prog__fallback_reason(p), "insn 2: ");
	CHECK_STR_CONTAINS(bpfvm_prog__fallback_reason(p), "kfunc");
	uint64_t r0;
	CHECK(bpfvm_prog__run(p, NULL, 0, NULL, &r0, &err) == 0);
	CHECK_EQ_U64(r0, 1);
	printf("  fallback: %s\n", bpfvm_prog__fallback_reason(p));
	bpfvm_prog__free(p);

	BPFVM_OPTS(bpfvm_load_opts, no, .engine = BPFVM_ENGINE_JIT, .unverified = true);
	CHECK(prog_load_trusted(vm, prog, n, &no, &p, &err) != 0);
	CHECK(err.insn == 2);
	CHECK_STR_CONTAINS(err.msg, "kfunc");

	/* Unverified and not vouched for: refused. */
	BPFVM_OPTS(bpfvm_load_opts, uv, .engine = BPFVM_ENGINE_JIT, .unverified = true);
	struct bpfvm_insn tiny[] = { I_MOV64_IMM(0, 1), I_EXIT() };
	CHECK(bpfvm_prog__load(vm, tiny, 2, &uv, &p, &err) != 0);
	CHECK_STR_CONTAINS(err.msg, "verified");
	/* A plain interpreter load reports no fallback. */
	CHECK(bpfvm_prog__load(vm, tiny, 2, NULL, &p, &err) == 0);
	CHECK(bpfvm_prog__fallback_reason(p) == NULL);
	CHECK(bpfvm_prog__verified(p, NULL));
	bpfvm_prog__free(p);
	/* Verified by default: the JIT takes it. */
	BPFVM_OPTS(bpfvm_load_opts, vj, .engine = BPFVM_ENGINE_JIT);
	CHECK(bpfvm_prog__load(vm, tiny, 2, &vj, &p, &err) == 0);
	CHECK(bpfvm_prog__engine(p) == BPFVM_ENGINE_JIT);
	bpfvm_prog__free(p);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void test_speed(void)
{
	enum { N = 10000 };
	static struct bpfvm_insn big[N];
	rng = 7;
	size_t n = 0;
	big[n++] = (struct bpfvm_insn)I_MOV64_IMM(0, 0);
	while (n < N - 1) {
		unsigned k = (unsigned)(rnd() % 4), d = (unsigned)(rnd() % 10);
		if (k == 0)
			big[n++] = (struct bpfvm_insn)I_STX(BI_DW, 10, d, -8);
		else if (k == 1 && n + 3 < N - 1)
			big[n++] = (struct bpfvm_insn)I_JMP_IMM(BI_JGT, d, 5, 2);
		else
			big[n++] = (struct bpfvm_insn)I_ALU64_IMM(BI_ADD, d, (int32_t)(rnd() % 100));
	}
	big[n++] = (struct bpfvm_insn)I_EXIT();
	struct bpfvm_prog *p;
	struct bpfvm_error err;
	BPFVM_OPTS(bpfvm_load_opts, jo, .engine = BPFVM_ENGINE_JIT, .unverified = true);
	double best_jit = 1e9, best_interp = 1e9;
	for (int i = 0; i < 5; i++) {
		double t0 = now_s();
		CHECK(bpfvm_prog__load(vm, big, n, UNVERIFIED, &p, &err) == 0);
		double t1 = now_s();
		bpfvm_prog__free(p);
		double t2 = now_s();
		CHECK(prog_load_trusted(vm, big, n, &jo, &p, &err) == 0);
		double t3 = now_s();
		CHECK(bpfvm_prog__engine(p) == BPFVM_ENGINE_JIT);
		bpfvm_prog__free(p);
		if (t1 - t0 < best_interp)
			best_interp = t1 - t0;
		if (t3 - t2 < best_jit)
			best_jit = t3 - t2;
	}
	BPFVM_OPTS(bpfvm_load_opts, ho, .engine = BPFVM_ENGINE_JIT, .unverified = true,
		   .harden = true);
	double best_hard = 1e9;
	for (int i = 0; i < 5; i++) {
		double t0 = now_s();
		CHECK(prog_load_trusted(vm, big, n, &ho, &p, &err) == 0);
		double t1 = now_s();
		bpfvm_prog__free(p);
		if (t1 - t0 < best_hard)
			best_hard = t1 - t0;
	}
	double hard_only = best_hard - best_interp;
	double jit_only = best_jit - best_interp;
	printf("  compile: %d insns in %.3f ms (load %.3f ms with JIT, %.3f ms without): "
	       "%.1f M insns/s\n", N, jit_only * 1e3, best_jit * 1e3, best_interp * 1e3,
	       N / (jit_only > 0 ? jit_only : 1e-9) / 1e6);
	printf("  compile hardened: %d insns in %.3f ms (constant blinding)\n", N, hard_only * 1e3);
}

int main(void)
{
	vm = bpfvm_vm__new(NULL);
	CHECK(vm != NULL);
	printf("test_jit:\n");
	test_alu_rows();
	test_jmp_rows();
	test_mem_rows();
	test_calls();
	test_helpers();
	test_fuzz();
	test_wx();
	test_fallback();
	test_speed();
	bpfvm_vm__free(vm);
	printf("test_jit: %zu programs compared, %d checks passed\n", n_programs, check_count);
	return 0;
}
