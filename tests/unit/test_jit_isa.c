/*
 * test_jit_isa.c - the forms the JIT took last: callx, LD_ABS/LD_IND,
 * may_goto, tail calls, helper callbacks (bpf_loop,
 * bpf_for_each_map_elem), atomics shared between threads; and the image
 * as bpfvm_prog__jit_info() shows it.
 *
 * As in test_jit.c the interpreter is the reference: each program runs
 * under both engines, each in an environment of its own (fresh maps, tail
 * call targets loaded with the same engine, the same input bytes), and
 * the return code, r0, the error's instruction and message, the memory and
 * the maps' contents must come out identical. Every JIT load is made
 * without allow_fallback, so a program the JIT refused fails the test.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bpfvm.h"
#include "check.h"
#include "prog/prog.h"
#include "insn_build.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MEM_LEN 64

static struct bpfvm_vm *vm;
static size_t n_compared;

/* ---- environments ---- */

/* What a case puts into the prog array (maps[0]) before it runs. */
enum {
	SET_B0 = 1u << 0, /* slot 0: B, returns 42 */
	SET_C1 = 1u << 1, /* slot 1: C, counts its runs and tail-calls slot 1 */
	SET_T2 = 1u << 2, /* slot 2: T, returns what it sees of r1, r3, r6, r7 */
	SET_B0_INTERP = 1u << 3, /* slot 0: B, loaded for the interpreter */
};

/* maps: 0 the prog array (4 slots), 1 a counter (array, 1 x u64),
 * 2 an array of 4 x u64 starting 10, 20, 30, 40 */
struct env {
	struct bpfvm_map *maps[3];
	struct bpfvm_prog *aux[4];
	size_t n_aux;
};

static const struct bpfvm_insn prog_b[] = { I_MOV64_IMM(0, 42), I_EXIT() };
static const struct bpfvm_insn prog_c[] = {
	I_LD_IMM64_RAW(1, 6, 1, 0), /* r1 = &count[0] */
	I_MOV64_IMM(2, 1),
	I_ATOMIC(BI_DW, BI_ADD, 1, 2, 0),
	I_LD_IMM64_RAW(2, 5, 0, 0),
	I_MOV64_IMM(3, 1),
	I_CALL(12),
	I_LD_IMM64_RAW(1, 6, 1, 0),
	I_LDX(BI_DW, 0, 1, 0),
	I_EXIT(),
};
/* r0 = r6 * 1000 + r3 + r7 + ctx[0]: the registers a tail call keeps. */
static const struct bpfvm_insn prog_t[] = {
	I_MOV64_REG(0, 6), I_ALU64_IMM(BI_MUL, 0, 1000), I_ALU64_REG(BI_ADD, 0, 3),
	I_ALU64_REG(BI_ADD, 0, 7), I_LDX(BI_B, 2, 1, 0), I_ALU64_REG(BI_ADD, 0, 2), I_EXIT(),
};

/* The JIT's programs are compiled with constant blinding (diff_case's
 * third run). */
static bool harden;

static struct bpfvm_prog *env_load(struct env *e, const struct bpfvm_insn *insns, size_t n,
				   enum bpfvm_engine engine, const char *what)
{
	struct bpfvm_prog *p = NULL;
	struct bpfvm_error err;
	BPFVM_OPTS(bpfvm_load_opts, o, .name = what, .maps = e->maps, .n_maps = 3,
		   .engine = engine, .unverified = true, .harden = harden);
	if (prog_load_trusted(vm, insns, n, &o, &p, &err))
		fprintf(stderr, "%s: load: insn %ld: %s\n", what, err.insn, err.msg);
	CHECK(p != NULL);
	CHECK(bpfvm_prog__engine(p) == engine);
	return p;
}

static void env_slot(struct env *e, uint32_t slot, const struct bpfvm_insn *insns, size_t n,
		     enum bpfvm_engine engine)
{
	struct bpfvm_prog *p = env_load(e, insns, n, engine, "aux");
	e->aux[e->n_aux++] = p;
	uint32_t id = bpfvm_prog__id(p);
	CHECK(bpfvm_map__update(e->maps[0], &slot, &id, BPFVM_ANY) == 0);
}

static void env_new(struct env *e, unsigned set, enum bpfvm_engine engine)
{
	struct bpfvm_error err;
	memset(e, 0, sizeof(*e));
	e->maps[0] = bpfvm_map__create(vm, BPFVM_MAP_TYPE_PROG_ARRAY, "jmp", 4, 4, 4, NULL, &err);
	e->maps[1] = bpfvm_map__create(vm, BPFVM_MAP_TYPE_ARRAY, "count", 4, 8, 1, NULL, &err);
	e->maps[2] = bpfvm_map__create(vm, BPFVM_MAP_TYPE_ARRAY, "arr", 4, 8, 4, NULL, &err);
	CHECK(e->maps[0] && e->maps[1] && e->maps[2]);
	for (uint32_t k = 0; k < 4; k++) {
		uint64_t v = 10 * (k + 1);
		CHECK(bpfvm_map__update(e->maps[2], &k, &v, BPFVM_ANY) == 0);
	}
	if (set & SET_B0)
		env_slot(e, 0, prog_b, ARRAY_SIZE(prog_b), engine);
	if (set & SET_B0_INTERP)
		env_slot(e, 0, prog_b, ARRAY_SIZE(prog_b), BPFVM_ENGINE_INTERP);
	if (set & SET_C1)
		env_slot(e, 1, prog_c, ARRAY_SIZE(prog_c), engine);
	if (set & SET_T2)
		env_slot(e, 2, prog_t, ARRAY_SIZE(prog_t), engine);
}

static void env_free(struct env *e)
{
	for (size_t i = 0; i < e->n_aux; i++)
		bpfvm_prog__free(e->aux[i]);
	for (size_t i = 0; i < 3; i++)
		bpfvm_map__put(e->maps[i]);
}

/* ---- one run, and the comparison ---- */

struct outcome {
	int rc;
	uint64_t r0;
	long insn;
	char msg[BPFVM_ERR_MSG_MAX];
	uint8_t mem[MEM_LEN];
	uint64_t counter, arr[4];
};

/* A case: the program, what the prog array holds, and the packet LD_ABS
 * reads (NULL: the input memory, as by default). */
struct tcase {
	const char *name;
	const struct bpfvm_insn *insns;
	size_t n;
	unsigned set;
	const uint8_t *pkt;
	size_t pkt_len;
};

static uint8_t pattern[MEM_LEN];

static void run_engine(const struct tcase *tc, enum bpfvm_engine engine, struct outcome *o)
{
	struct env e;
	struct bpfvm_error err;
	memset(o, 0, sizeof(*o));
	env_new(&e, tc->set, engine);
	struct bpfvm_prog *p = env_load(&e, tc->insns, tc->n, engine, tc->name);
	memcpy(o->mem, pattern, MEM_LEN);
	BPFVM_OPTS(bpfvm_run_opts, ro, .packet = tc->pkt, .packet_len = tc->pkt_len);
	o->rc = bpfvm_prog__run(p, o->mem, MEM_LEN, &ro, &o->r0, &err);
	if (o->rc) {
		o->r0 = 0;
		o->insn = err.insn;
		snprintf(o->msg, sizeof(o->msg), "%s", err.msg);
	}
	uint32_t k = 0;
	CHECK(bpfvm_map__lookup(e.maps[1], &k, &o->counter) == 0);
	for (k = 0; k < 4; k++)
		CHECK(bpfvm_map__lookup(e.maps[2], &k, &o->arr[k]) == 0);
	bpfvm_prog__free(p);
	env_free(&e);
}

/* Run tc under both engines, and the JIT again hardened (constant
 * blinding); returns the (common) outcome's r0. */
static uint64_t diff_case(const struct tcase *tc, struct outcome *out)
{
	struct outcome oi, oj;
	run_engine(tc, BPFVM_ENGINE_INTERP, &oi);
	for (int hard = 0; hard < 2; hard++) {
		harden = hard;
		run_engine(tc, BPFVM_ENGINE_JIT, &oj);
		harden = false;
		bool same = oi.rc == oj.rc && oi.r0 == oj.r0 && oi.insn == oj.insn &&
			    !strcmp(oi.msg, oj.msg) && !memcmp(oi.mem, oj.mem, MEM_LEN) &&
			    oi.counter == oj.counter && !memcmp(oi.arr, oj.arr, sizeof(oi.arr));
		if (!same) {
			fprintf(stderr,
				"%s%s:\n  interp: rc %d r0 0x%" PRIx64 " insn %ld \"%s\" count %" PRIu64
				"\n  jit:    rc %d r0 0x%" PRIx64 " insn %ld \"%s\" count %" PRIu64 "%s%s\n",
				tc->name, hard ? " (hardened)" : "", oi.rc, oi.r0, oi.insn, oi.msg,
				oi.counter, oj.rc, oj.r0, oj.insn, oj.msg, oj.counter,
				memcmp(oi.mem, oj.mem, MEM_LEN) ? " (memory differs)" : "",
				memcmp(oi.arr, oj.arr, sizeof(oi.arr)) ? " (array map differs)" : "");
			CHECK(0);
		}
	}
	n_compared++;
	if (out)
		*out = oi;
	return oi.r0;
}

#define CASE(NAME, SET, ...)                                                   \
	(&(struct tcase){ .name = (NAME), .insns = (const struct bpfvm_insn[]){ __VA_ARGS__ }, \
			  .n = sizeof((const struct bpfvm_insn[]){ __VA_ARGS__ }) /      \
			       sizeof(struct bpfvm_insn),                                \
			  .set = (SET) })

/* ---- helpers the programs call ---- */

static uint64_t helper_mix(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			   struct bpfvm_call *call)
{
	return r1 * 3 + r2 * 5 + r3 * 7 + r4 * 11 + r5 * 13 + bpfvm_call__reg(call, 0) * 17 +
	       bpfvm_call__reg(call, 6) * 19;
}

static uint64_t helper_fail(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			    struct bpfvm_call *call)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	if (r1 == 3)
		bpfvm_call__fail(call, -EPERM, "helper says no");
	return r1;
}

/* ---- callx ---- */

static void test_callx(void)
{
	/* the id in a callee-saved register, in r0 (rax, also stored for the
	 * helper) and in r1 (an argument register) */
	CHECK_EQ_U64(diff_case(CASE("callx r7", 0,
		I_MOV64_IMM(1, 1), I_MOV64_IMM(2, 2), I_MOV64_IMM(3, 3), I_MOV64_IMM(4, 4),
		I_MOV64_IMM(5, 5), I_MOV64_IMM(0, 9), I_MOV64_IMM(6, 17), I_MOV64_IMM(7, 1000),
		I_CALLX(7), I_EXIT()), NULL),
		3 + 10 + 21 + 44 + 65 + 9 * 17 + 17 * 19);
	diff_case(CASE("callx r0", 0,
		I_MOV64_IMM(1, 1), I_MOV64_IMM(6, 2), I_MOV64_IMM(0, 1000), I_CALLX(0),
		I_EXIT()), NULL);
	diff_case(CASE("callx r1", 0,
		I_MOV64_IMM(1, 1000), I_MOV64_IMM(2, 0), I_CALLX(1), I_ALU64_IMM(BI_ADD, 0, 1),
		I_EXIT()), NULL);
	/* a built-in helper */
	diff_case(CASE("callx ktime_get_ns, r0 dropped", 0,
		I_MOV64_IMM(6, 5), I_CALLX(6), I_MOV64_IMM(0, 1), I_EXIT()), NULL);
	/* all 64 bits name the helper: 1000 + 2^36 is no helper */
	struct outcome o;
	diff_case(CASE("callx unknown id", 0,
		I_LD_IMM64(6, 1000 + (1ull << 36)), I_CALLX(6), I_EXIT()), &o);
	CHECK(o.rc == -EINVAL && o.insn == 2);
	CHECK_STR_CONTAINS(o.msg, "callx r6: no helper with id 68719477736");
	/* a helper failing the run through callx */
	diff_case(CASE("callx failing helper", 0,
		I_MOV64_IMM(1, 3), I_MOV64_IMM(6, 1001), I_CALLX(6), I_MOV64_IMM(0, 1),
		I_EXIT()), &o);
	CHECK(o.rc == -EPERM && o.insn == 2);
	/* callx of bpf_loop: the callback runs */
	CHECK_EQ_U64(diff_case(CASE("callx bpf_loop", 0,
		I_MOV64_IMM(1, 3), I_LD_IMM64_RAW(2, 4, 6, 0), I_MOV64_IMM(3, 0),
		I_MOV64_IMM(4, 0), I_MOV64_IMM(6, 181), I_CALLX(6), I_EXIT(),
		/* cb at 8 */ I_MOV64_IMM(0, 0), I_EXIT()), NULL), 3);
	printf("  callx: id in r0/r1/r7, 64-bit ids, failures, bpf_loop\n");
}

/* ---- LD_ABS / LD_IND ---- */

/* r0 = the load, then mixed with r2..r9, which the load must keep. */
static void pkt_case(const char *what, struct bpfvm_insn load, unsigned src, uint64_t src_val,
		     const uint8_t *pkt, size_t pkt_len)
{
	struct bpfvm_insn s[40];
	size_t n = 0;
	for (unsigned r = 2; r <= 9; r++) {
		struct bpfvm_insn two[] = { I_LD_IMM64(r, 0x0101010101010101ull * r) };
		s[n++] = two[0];
		s[n++] = two[1];
	}
	struct bpfvm_insn two[] = { I_LD_IMM64(src, src_val) };
	s[n++] = two[0];
	s[n++] = two[1];
	s[n++] = load;
	for (unsigned r = 2; r <= 9; r++) {
		s[n++] = (struct bpfvm_insn)I_ALU64_IMM(BI_MUL, 0, 31);
		s[n++] = (struct bpfvm_insn)I_ALU64_REG(BI_ADD, 0, r);
	}
	s[n++] = (struct bpfvm_insn)I_EXIT();
	struct tcase tc = { .name = what, .insns = s, .n = n, .pkt = pkt, .pkt_len = pkt_len };
	diff_case(&tc, NULL);
}

static void test_ld_pkt(void)
{
	static const int32_t abs_offs[] = { 0, 1, 30, 36, 37, 38, 39, 40, 60, 61, 62, 63, 64,
					    -1, -4, INT32_MAX, INT32_MIN, INT32_MAX - 3 };
	static const uint64_t ind_src[] = { 0, 5, (uint64_t)-5, 0xffffffff00000003ull, 0x7fffffff,
					    0x80000000, 59, 60, 0x100000000ull + 61 };
	static const int32_t ind_imm[] = { 0, 3, -3, -60, 60, INT32_MAX, INT32_MIN };
	static const uint8_t sizes[] = { BI_B, BI_H, BI_W };
	uint8_t side[40];
	for (size_t i = 0; i < sizeof(side); i++)
		side[i] = (uint8_t)(0xa0 + 3 * i);
	size_t n = 0;
	for (int pk = 0; pk < 2; pk++) { /* the input memory, then a separate packet */
		const uint8_t *pkt = pk ? side : NULL;
		size_t len = pk ? sizeof(side) : 0;
		for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
			for (size_t i = 0; i < ARRAY_SIZE(abs_offs); i++, n++)
				pkt_case("ld_abs", (struct bpfvm_insn)I_LD_ABS(sizes[s], abs_offs[i]), 2,
					 0x0202020202020202ull, pkt, len);
			for (size_t i = 0; i < ARRAY_SIZE(ind_src); i++)
				for (size_t k = 0; k < ARRAY_SIZE(ind_imm); k++, n++) {
					unsigned src = 2 + (unsigned)((i + k) % 8);
					pkt_case("ld_ind",
						 (struct bpfvm_insn)I_LD_IND(sizes[s], src, ind_imm[k]),
						 src, ind_src[i], pkt, len);
				}
		}
	}
	/* the source in r0 itself */
	diff_case(CASE("ld_ind r0", 0,
		I_MOV64_IMM(0, 6), I_LD_IND(BI_W, 0, 2), I_EXIT()), NULL);
	/* No packet at all: every load is out of bounds. */
	struct tcase none = { .name = "ld_abs without memory",
			      .insns = (const struct bpfvm_insn[]){ I_MOV64_IMM(0, 5),
								    I_LD_ABS(BI_B, 0), I_EXIT() },
			      .n = 3, .pkt = side, .pkt_len = 0 };
	CHECK_EQ_U64(diff_case(&none, NULL), 0);
	/* Out of bounds in a subprogram ends the whole program with 0. */
	CHECK_EQ_U64(diff_case(CASE("ld_abs oob in a subprogram", 0,
		I_CALL_LOCAL(2), I_ALU64_IMM(BI_ADD, 0, 100), I_EXIT(),
		I_LD_ABS(BI_W, 1000), I_MOV64_IMM(0, 5), I_EXIT()), NULL), 0);
	CHECK_EQ_U64(diff_case(CASE("ld_abs in a subprogram", 0,
		I_CALL_LOCAL(2), I_ALU64_IMM(BI_ADD, 0, 100), I_EXIT(),
		I_LD_ABS(BI_B, 0), I_EXIT()), NULL), pattern[0] + 100u);
	printf("  ld_abs/ld_ind: %zu loads (sizes, edges, signed offsets, a separate packet), "
	       "out of bounds from a subprogram\n", n);
}

/* ---- may_goto ---- */

static void test_may_goto(void)
{
	CHECK_EQ_U64(diff_case(CASE("may_goto budget", 0,
		I_MOV64_IMM(0, 0), I_MAY_GOTO(2), I_ALU64_IMM(BI_ADD, 0, 1), I_JA(-3),
		I_EXIT()), NULL), 8u * 1024 * 1024);
	/* two loops share the budget; may_goto +0 spends from it too */
	diff_case(CASE("may_goto shared", 0,
		I_MOV64_IMM(0, 0), I_MOV64_IMM(1, 100), I_MAY_GOTO(0), I_MAY_GOTO(4),
		I_ALU64_IMM(BI_ADD, 0, 1), I_ALU64_IMM(BI_SUB, 1, 1), I_JMP_IMM(BI_JNE, 1, 0, -4),
		I_JA(0), I_MOV64_IMM(2, 0), I_MAY_GOTO(2), I_ALU64_IMM(BI_ADD, 2, 1), I_JA(-3),
		I_ALU64_IMM(BI_LSH, 0, 32), I_ALU64_REG(BI_OR, 0, 2), I_EXIT()), NULL);
	/* in a subprogram called twice: the second call finds it spent */
	CHECK_EQ_U64(diff_case(CASE("may_goto in a subprogram", 0,
		I_MOV64_IMM(6, 0), I_CALL_LOCAL(4), I_ALU64_REG(BI_ADD, 6, 0), I_CALL_LOCAL(2),
		I_ALU64_REG(BI_ADD, 0, 6), I_EXIT(),
		I_MOV64_IMM(0, 0), I_MAY_GOTO(2), I_ALU64_IMM(BI_ADD, 0, 1), I_JA(-3),
		I_EXIT()), NULL), 8u * 1024 * 1024);
	printf("  may_goto: the per-run budget, shared by loops, functions and calls\n");
}

/* ---- tail calls ---- */

static const struct bpfvm_insn tail_a[] = {
	I_LD_IMM64_RAW(2, 5, 0, 0), I_MOV64_IMM(3, 0), I_CALL(12), I_MOV64_IMM(0, 7), I_EXIT(),
};
static const struct bpfvm_insn tail_d[] = {
	I_CALL_LOCAL(2), I_ALU64_IMM(BI_ADD, 0, 1), I_EXIT(),
	I_LD_IMM64_RAW(2, 5, 0, 0), I_MOV64_IMM(3, 0), I_CALL(12), I_MOV64_IMM(0, 99), I_EXIT(),
};

static void test_tail_calls(void)
{
	struct tcase tc = { .name = "tail call, empty slot", .insns = tail_a,
			    .n = ARRAY_SIZE(tail_a) };
	CHECK_EQ_U64(diff_case(&tc, NULL), 7);
	tc.name = "tail call";
	tc.set = SET_B0;
	CHECK_EQ_U64(diff_case(&tc, NULL), 42);
	CHECK_EQ_U64(diff_case(CASE("tail call out of range", SET_B0,
		I_LD_IMM64_RAW(2, 5, 0, 0), I_MOV64_IMM(3, 9), I_CALL(12), I_MOV64_IMM(0, 8),
		I_EXIT()), NULL), 8);
	/* 33 tail calls, then the fall-through */
	struct tcase c = { .name = "tail call limit", .insns = prog_c, .n = ARRAY_SIZE(prog_c),
			   .set = SET_C1 };
	struct outcome o;
	CHECK_EQ_U64(diff_case(&c, &o), 34);
	CHECK_EQ_U64(o.counter, 34);
	/* from a subprogram: the target's exit returns to the caller */
	struct tcase d = { .name = "tail call from a subprogram", .insns = tail_d,
			   .n = ARRAY_SIZE(tail_d), .set = SET_B0 };
	CHECK_EQ_U64(diff_case(&d, NULL), 43);
	d.set = 0;
	CHECK_EQ_U64(diff_case(&d, NULL), 100);
	/* the target sees r1 (ctx), r3 and r6..r9 as they were at the call */
	CHECK_EQ_U64(diff_case(CASE("tail call keeps registers", SET_T2,
		I_MOV64_IMM(6, 7), I_MOV64_IMM(7, 5), I_LD_IMM64_RAW(2, 5, 0, 0),
		I_MOV64_IMM(3, 2), I_CALL(12), I_MOV64_IMM(0, 1), I_EXIT()), NULL),
		7000 + 2 + 5 + pattern[0]);
	/* through callx */
	CHECK_EQ_U64(diff_case(CASE("tail call through callx", SET_B0,
		I_LD_IMM64_RAW(2, 5, 0, 0), I_MOV64_IMM(3, 0), I_MOV64_IMM(6, 12), I_CALLX(6),
		I_MOV64_IMM(0, 7), I_EXIT()), NULL), 42);
	/* from a callback: the target's exit ends the callback (42 stops the
	 * loop after one iteration) */
	const struct bpfvm_insn in_cb[] = {
		I_MOV64_IMM(1, 3), I_LD_IMM64_RAW(2, 4, 6, 0), I_MOV64_IMM(3, 0), I_MOV64_IMM(4, 0),
		I_CALL(181), I_ALU64_IMM(BI_ADD, 0, 100), I_EXIT(),
		/* cb at 8 */ I_LD_IMM64_RAW(2, 5, 0, 0), I_MOV64_IMM(3, 0), I_CALL(12),
		I_MOV64_IMM(0, 0), I_EXIT(),
	};
	struct tcase cb = { .name = "tail call from a callback", .insns = in_cb,
			    .n = ARRAY_SIZE(in_cb), .set = SET_B0 };
	CHECK_EQ_U64(diff_case(&cb, NULL), 101);
	cb.set = 0;
	CHECK_EQ_U64(diff_case(&cb, NULL), 103);
	/* After a subprogram tail-called away and returned, the caller is the
	 * running program again: its own callback is accepted. */
	CHECK_EQ_U64(diff_case(CASE("callback after a tail call returned", SET_B0,
		I_CALL_LOCAL(9), I_MOV64_REG(6, 0), I_MOV64_IMM(1, 2), I_LD_IMM64_RAW(2, 4, 12, 0),
		I_MOV64_IMM(3, 0), I_MOV64_IMM(4, 0), I_CALL(181), I_ALU64_REG(BI_ADD, 0, 6),
		I_EXIT(),
		/* S at 10 */ I_LD_IMM64_RAW(2, 5, 0, 0), I_MOV64_IMM(3, 0), I_CALL(12),
		I_MOV64_IMM(0, 5), I_EXIT(),
		/* cb at 16 */ I_MOV64_IMM(0, 0), I_EXIT()), NULL), 44);

	/* Machine code cannot continue in an interpreted program (the kernel
	 * refuses such prog arrays): the run fails, saying so. */
	struct outcome oj;
	struct tcase mixed = { .name = "tail call to an interpreted program", .insns = tail_a,
			       .n = ARRAY_SIZE(tail_a), .set = SET_B0_INTERP };
	run_engine(&mixed, BPFVM_ENGINE_JIT, &oj);
	CHECK(oj.rc == -ENOTSUP && oj.insn == 3);
	CHECK_STR_CONTAINS(oj.msg, "runs in the interpreter");
	run_engine(&mixed, BPFVM_ENGINE_INTERP, &oj);
	CHECK(oj.rc == 0 && oj.r0 == 42);
	printf("  tail calls: slots, the limit of 33, from subprograms, callbacks and callx, "
	       "registers kept\n");
}

/* ---- callbacks ---- */

static void test_callbacks(void)
{
	/* bpf_loop(9, cb, &sum): cb adds i, reads its own fresh stack, stops
	 * at i == 5 */
	CHECK_EQ_U64(diff_case(CASE("bpf_loop", 0,
		I_ST(BI_DW, 10, -8, 0), I_MOV64_IMM(1, 9), I_LD_IMM64_RAW(2, 4, 9, 0),
		I_MOV64_REG(3, 10), I_ALU64_IMM(BI_ADD, 3, -8), I_MOV64_IMM(4, 0), I_CALL(181),
		I_ALU64_IMM(BI_MUL, 0, 1000), I_LDX(BI_DW, 1, 10, -8), I_ALU64_REG(BI_ADD, 0, 1),
		I_EXIT(),
		/* cb at 12 */ I_LDX(BI_DW, 3, 2, 0), I_ALU64_REG(BI_ADD, 3, 1), I_STX(BI_DW, 2, 3, 0),
		I_LDX(BI_DW, 0, 10, -16), I_STX(BI_DW, 10, 1, -16), I_JMP_IMM(BI_JEQ, 1, 5, 1),
		I_EXIT(), I_MOV64_IMM(0, 1), I_EXIT()), NULL), 6015);
	/* nested: each of 3 outer iterations runs 4 inner ones */
	CHECK_EQ_U64(diff_case(CASE("nested bpf_loop", 0,
		I_ST(BI_DW, 10, -8, 0), I_MOV64_IMM(1, 3), I_LD_IMM64_RAW(2, 4, 7, 0),
		I_MOV64_REG(3, 10), I_ALU64_IMM(BI_ADD, 3, -8), I_MOV64_IMM(4, 0), I_CALL(181),
		I_LDX(BI_DW, 0, 10, -8), I_EXIT(),
		/* outer at 10 */ I_MOV64_REG(3, 2), I_MOV64_IMM(1, 4), I_LD_IMM64_RAW(2, 4, 5, 0),
		I_MOV64_IMM(4, 0), I_CALL(181), I_MOV64_IMM(0, 0), I_EXIT(),
		/* inner at 18 */ I_LDX(BI_DW, 3, 2, 0), I_ALU64_IMM(BI_ADD, 3, 1),
		I_STX(BI_DW, 2, 3, 0), I_MOV64_IMM(0, 0), I_EXIT()), NULL), 12);
	/* a callback making a BPF-to-BPF call; i == 1 stops it */
	CHECK_EQ_U64(diff_case(CASE("callback calls a function", 0,
		I_MOV64_IMM(1, 5), I_LD_IMM64_RAW(2, 4, 5, 0), I_MOV64_IMM(3, 0), I_MOV64_IMM(4, 0),
		I_CALL(181), I_EXIT(),
		/* cb at 7 */ I_CALL_LOCAL(5), I_JMP_IMM(BI_JEQ, 0, 2, 2), I_MOV64_IMM(0, 0),
		I_EXIT(), I_MOV64_IMM(0, 1), I_EXIT(),
		/* g at 13 */ I_MOV64_REG(0, 1), I_ALU64_IMM(BI_LSH, 0, 1), I_EXIT()), NULL), 2);
	/* a helper failing inside the callback stops the whole run there */
	struct outcome o;
	diff_case(CASE("callback fails", 0,
		I_MOV64_IMM(1, 5), I_LD_IMM64_RAW(2, 4, 5, 0), I_MOV64_IMM(3, 0), I_MOV64_IMM(4, 0),
		I_CALL(181), I_EXIT(),
		/* cb at 7 */ I_CALL(1001), I_MOV64_IMM(0, 0), I_EXIT()), &o);
	CHECK(o.rc == -EPERM && o.insn == 7);
	/* callbacks recursing through bpf_loop run out of frames */
	diff_case(CASE("callback depth", 0,
		I_CALL_LOCAL(1), I_EXIT(),
		/* f at 2 */ I_MOV64_IMM(1, 1), I_LD_IMM64_RAW(2, 4, -2, 0), I_MOV64_IMM(3, 0),
		I_MOV64_IMM(4, 0), I_CALL(181), I_EXIT()), &o);
	CHECK(o.rc == -E2BIG && o.insn == 2);
	CHECK_STR_CONTAINS(o.msg, "call depth");
	/* BPF-to-BPF calls inside callbacks count against the same frames */
	diff_case(CASE("callback then calls", 0,
		I_MOV64_IMM(1, 1), I_LD_IMM64_RAW(2, 4, 5, 0), I_MOV64_IMM(3, 0), I_MOV64_IMM(4, 0),
		I_CALL(181), I_EXIT(),
		/* cb at 7: recurses */ I_CALL_LOCAL(-1), I_EXIT()), &o);
	CHECK(o.rc == -E2BIG);
	/* not a function of the program */
	diff_case(CASE("bad callback", 0,
		I_MOV64_IMM(1, 3), I_MOV64_REG(2, 10), I_MOV64_IMM(3, 0), I_MOV64_IMM(4, 0),
		I_CALL(181), I_EXIT()), &o);
	CHECK(o.rc == -EINVAL && o.insn == 4);
	/* bpf_for_each_map_elem over arr: value += key, sum += value, stop
	 * at key 2; the key is a read-only copy the callback may read */
	CHECK_EQ_U64(diff_case(CASE("for_each_map_elem", 0,
		I_ST(BI_DW, 10, -8, 0), I_LD_IMM64_RAW(1, 5, 2, 0), I_LD_IMM64_RAW(2, 4, 9, 0),
		I_MOV64_REG(3, 10), I_ALU64_IMM(BI_ADD, 3, -8), I_MOV64_IMM(4, 0), I_CALL(164),
		I_ALU64_IMM(BI_MUL, 0, 1000), I_LDX(BI_DW, 1, 10, -8), I_ALU64_REG(BI_ADD, 0, 1),
		I_EXIT(),
		/* cb at 13 */ I_LDX(BI_W, 5, 2, 0), I_LDX(BI_DW, 6, 3, 0), I_ALU64_REG(BI_ADD, 6, 5),
		I_STX(BI_DW, 3, 6, 0), I_LDX(BI_DW, 7, 4, 0), I_ALU64_REG(BI_ADD, 7, 6),
		I_STX(BI_DW, 4, 7, 0), I_MOV64_IMM(0, 0), I_JMP_IMM(BI_JNE, 5, 2, 1),
		I_MOV64_IMM(0, 1), I_EXIT()), &o), 3000 + 10 + 21 + 32);
	CHECK(o.arr[0] == 10 && o.arr[1] == 21 && o.arr[2] == 32 && o.arr[3] == 40);
	/* LD_ABS out of bounds in a callback ends the callback (r0 = 0), not
	 * the run */
	CHECK_EQ_U64(diff_case(CASE("ld_abs oob in a callback", 0,
		I_MOV64_IMM(1, 4), I_LD_IMM64_RAW(2, 4, 8, 0), I_MOV64_IMM(3, 0), I_MOV64_IMM(4, 0),
		I_CALL(181), I_MOV64_REG(6, 0), I_LD_ABS(BI_B, 0), I_ALU64_REG(BI_ADD, 0, 6),
		I_EXIT(),
		/* cb at 10 */ I_LD_ABS(BI_W, 1000), I_MOV64_IMM(0, 1), I_EXIT()), NULL),
		4u + pattern[0]);
	/* may_goto in a callback spends the run's budget */
	CHECK_EQ_U64(diff_case(CASE("may_goto in a callback", 0,
		I_ST(BI_DW, 10, -8, 0), I_MOV64_IMM(1, 3), I_LD_IMM64_RAW(2, 4, 8, 0),
		I_MOV64_REG(3, 10), I_ALU64_IMM(BI_ADD, 3, -8), I_MOV64_IMM(4, 0), I_CALL(181),
		I_LDX(BI_DW, 1, 10, -8), I_ALU64_REG(BI_ADD, 0, 1), I_EXIT(),
		/* cb at 11 */ I_MOV64_IMM(0, 0), I_MAY_GOTO(2), I_ALU64_IMM(BI_ADD, 0, 1), I_JA(-3),
		I_LDX(BI_DW, 3, 2, 0), I_ALU64_REG(BI_ADD, 3, 0), I_STX(BI_DW, 2, 3, 0),
		I_MOV64_IMM(0, 0), I_EXIT()), NULL), 3u + 8u * 1024 * 1024);
	printf("  callbacks: bpf_loop (nested, calls, failures, depth), for_each_map_elem, "
	       "packet exits and may_goto inside\n");
}

/* ---- atomics shared between threads ---- */

#define THREADS 4
#define ITERS 20000

struct thread_arg {
	const struct bpfvm_prog *prog;
	uint64_t *mem;
	int rc;
};

static void *thread_main(void *p)
{
	struct thread_arg *a = p;
	uint64_t r0;
	struct bpfvm_error err;
	a->rc = bpfvm_prog__run(a->prog, a->mem, 64, NULL, &r0, &err);
	return NULL;
}

static void test_atomics_threads(void)
{
	/* ITERS times: lock add [r1], 1; fetch add [r1+8], 2 (r3 = old);
	 * a cmpxchg loop incrementing [r1+16]; 32-bit lock add [r1+24]; xchg
	 * and store-release / load-acquire on [r1+32] */
	const struct bpfvm_insn prog[] = {
		I_MOV64_IMM(2, ITERS),
		/* loop at 1 */ I_MOV64_IMM(3, 1), I_ATOMIC(BI_DW, BI_ADD, 1, 3, 0),
		I_MOV64_IMM(3, 2), I_ATOMIC(BI_DW, BI_ADD | BI_FETCH, 1, 3, 8),
		/* retry at 5 */ I_LDX(BI_DW, 0, 1, 16), I_MOV64_REG(4, 0), I_ALU64_IMM(BI_ADD, 4, 1),
		I_MOV64_REG(5, 0), I_ATOMIC(BI_DW, BI_CMPXCHG, 1, 4, 16),
		I_JMP_REG(BI_JNE, 0, 5, -6),
		I_MOV64_IMM(3, 1), I_ATOMIC(BI_W, BI_ADD, 1, 3, 24),
		I_MOV64_IMM(3, 7), I_ATOMIC(BI_DW, BI_XCHG, 1, 3, 32), I_MOV64_IMM(3, 7),
		I_ATOMIC(BI_DW, BI_STORE_REL, 1, 3, 40), I_ATOMIC(BI_DW, BI_LOAD_ACQ, 3, 1, 40),
		I_ALU64_IMM(BI_SUB, 2, 1), I_JMP_IMM(BI_JNE, 2, 0, -19),
		I_MOV64_IMM(0, 0), I_EXIT(),
	};
	struct bpfvm_prog *p = NULL;
	struct bpfvm_error err;
	BPFVM_OPTS(bpfvm_load_opts, o, .engine = BPFVM_ENGINE_JIT, .unverified = true);
	if (prog_load_trusted(vm, prog, ARRAY_SIZE(prog), &o, &p, &err))
		fprintf(stderr, "atomics: insn %ld: %s\n", err.insn, err.msg);
	CHECK(p && bpfvm_prog__engine(p) == BPFVM_ENGINE_JIT);
	_Alignas(8) uint64_t mem[8] = { 0 };
	pthread_t th[THREADS];
	struct thread_arg args[THREADS];
	for (int i = 0; i < THREADS; i++) {
		args[i] = (struct thread_arg){ .prog = p, .mem = mem };
		CHECK(pthread_create(&th[i], NULL, thread_main, &args[i]) == 0);
	}
	for (int i = 0; i < THREADS; i++) {
		CHECK(pthread_join(th[i], NULL) == 0);
		CHECK(args[i].rc == 0);
	}
	CHECK_EQ_U64(mem[0], (uint64_t)THREADS * ITERS);
	CHECK_EQ_U64(mem[1], 2ull * THREADS * ITERS);
	CHECK_EQ_U64(mem[2], (uint64_t)THREADS * ITERS);
	CHECK_EQ_U64(mem[3] & 0xffffffff, (uint64_t)THREADS * ITERS);
	CHECK_EQ_U64(mem[4], 7);
	CHECK_EQ_U64(mem[5], 7);
	bpfvm_prog__free(p);
	/* and one thread against the interpreter */
	struct tcase tc = { .name = "atomics", .insns = prog, .n = ARRAY_SIZE(prog) };
	diff_case(&tc, NULL);
	printf("  atomics: %d threads x %d of add, fetch add, a cmpxchg loop, add32, xchg, "
	       "release/acquire\n", THREADS, ITERS);
}

/* ---- the image, as bpfvm_prog__jit_info() shows it ---- */

static void test_jit_info(void)
{
	const struct bpfvm_insn prog[] = {
		I_MOV64_IMM(0, 1), I_LD_IMM64(1, 0x123456789ull), I_JA(0), I_CALL(5), I_EXIT(),
	};
	size_t n = ARRAY_SIZE(prog);
	struct bpfvm_prog *p = NULL, *pi = NULL;
	struct bpfvm_error err;
	BPFVM_OPTS(bpfvm_load_opts, o, .engine = BPFVM_ENGINE_JIT, .unverified = true);
	CHECK(prog_load_trusted(vm, prog, n, &o, &p, &err) == 0);
	BPFVM_OPTS(bpfvm_jit_info, ji);
	CHECK(bpfvm_prog__jit_info(p, &ji) == 0);
	CHECK(!strcmp(ji.arch, "x86_64"));
	CHECK(ji.code && ji.code_len > 0 && ji.insn_cnt == n && ji.passes >= 2);
	CHECK(ji.compile_ns > 0);
	CHECK(ji.insn_off[0] > 0); /* the entry comes first */
	for (size_t i = 0; i < n; i++)
		CHECK(ji.insn_off[i] <= ji.insn_off[i + 1]);
	CHECK(ji.insn_off[n] == ji.code_len);
	CHECK(ji.insn_off[2] == ji.insn_off[3]); /* ld_imm64's second slot */
	CHECK(ji.insn_off[3] == ji.insn_off[4]); /* ja +0: no code */
	CHECK(ji.code[ji.insn_off[5]] == 0xc3);  /* exit: ret */
	/* An older, shorter struct gets only what it has room for. */
	struct bpfvm_jit_info small;
	memset(&small, 0xab, sizeof(small));
	small.sz = offsetof(struct bpfvm_jit_info, code_len);
	CHECK(bpfvm_prog__jit_info(p, &small) == 0);
	CHECK(small.code == ji.code && small.code_len == (size_t)0xabababababababab);
	/* Bad arguments, and a program without machine code. */
	small.sz = 0;
	CHECK(bpfvm_prog__jit_info(p, &small) == -EINVAL);
	CHECK(bpfvm_prog__jit_info(NULL, &ji) == -EINVAL);
	CHECK(bpfvm_prog__jit_info(p, NULL) == -EINVAL);
	CHECK(bpfvm_prog__load(vm, prog, n, UNVERIFIED, &pi, &err) == 0);
	CHECK(bpfvm_prog__jit_info(pi, &ji) == -ENOENT);
	bpfvm_prog__free(pi);
	bpfvm_prog__free(p);
	printf("  jit_info: code, per-instruction offsets, short structs, errors\n");
}

/* ---- constant blinding: the program's immediates leave the image ---- */

static bool has_bytes(const uint8_t *code, size_t len, const void *pat, size_t n)
{
	for (size_t i = 0; i + n <= len; i++)
		if (!memcmp(code + i, pat, n))
			return true;
	return false;
}

/* Load prog under the JIT (hardened or not); does its code contain pat? */
static bool code_has(const struct bpfvm_insn *prog, size_t n, bool hard, const void *pat,
		     size_t pat_len, uint64_t *r0)
{
	struct bpfvm_prog *p = NULL;
	struct bpfvm_error err;
	uint8_t mem[64] = { 0 };
	BPFVM_OPTS(bpfvm_load_opts, o, .engine = BPFVM_ENGINE_JIT, .unverified = true,
		   .harden = hard);
	CHECK(prog_load_trusted(vm, prog, n, &o, &p, &err) == 0);
	CHECK(bpfvm_prog__engine(p) == BPFVM_ENGINE_JIT);
	BPFVM_OPTS(bpfvm_jit_info, ji);
	CHECK(bpfvm_prog__jit_info(p, &ji) == 0);
	CHECK(ji.insn_cnt == n); /* blinding keeps the instruction mapping */
	bool found = has_bytes(ji.code, ji.code_len, pat, pat_len);
	CHECK(bpfvm_prog__run(p, mem, sizeof(mem), NULL, r0, &err) == 0);
	bpfvm_prog__free(p);
	return found;
}

static void test_harden(void)
{
	const uint8_t k4[] = { 0x41, 0x41, 0x41, 0x41 };
	const uint8_t k8[] = { 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 };
	/* Each program carries 0x41414141 in one place the JIT would encode
	 * it: an ALU operand of every kind, a compare, a store, a packet
	 * offset; and one 64-bit constant. */
	const struct tcase *cases[8];
	size_t n_cases = 0;
	cases[n_cases++] = CASE("harden alu", 0, I_MOV64_IMM(0, 0x41414141),
				I_ALU32_IMM(BI_ADD, 0, 0x41414141), I_ALU64_IMM(BI_XOR, 0, 0x41414141),
				I_ALU64_IMM(BI_MUL, 0, 0x41414141), I_ALU64_IMM(BI_OR, 0, 0x41414141),
				I_ALU64_IMM(BI_AND, 0, 0x41414141), I_ALU64_IMM(BI_SUB, 0, 0x41414141),
				I_ALU64_IMM(BI_DIV, 0, 0x41414141), I_ALU32_IMM(BI_MOD, 0, 0x41414141),
				I_EXIT());
	cases[n_cases++] = CASE("harden jmp", 0, I_MOV64_IMM(0, 1),
				I_JMP_IMM(BI_JEQ, 1, 0x41414141, 1), I_MOV64_IMM(0, 2),
				I_JMP32_IMM(BI_JSGT, 1, 0x41414141, 1), I_MOV64_IMM(0, 3), I_EXIT());
	cases[n_cases++] = CASE("harden st", 0, I_ST(BI_W, 10, -8, 0x41414141),
				I_ST(BI_DW, 1, 8, 0x41414141), I_LDX(BI_DW, 0, 10, -8), I_EXIT());
	cases[n_cases++] = CASE("harden ld_abs", 0, I_MOV64_REG(6, 1), I_MOV64_IMM(7, 3),
				I_LD_ABS(BI_W, 0x41414141), I_LD_IND(BI_B, 7, 0x41414141), I_EXIT());
	size_t n_lddw = 0;
	struct bpfvm_insn lddw[] = { I_LD_IMM64(0, 0x1122334455667788ull), I_EXIT() };
	n_lddw = ARRAY_SIZE(lddw);
	for (size_t i = 0; i < n_cases; i++) {
		uint64_t r_plain, r_hard;
		CHECK(code_has(cases[i]->insns, cases[i]->n, false, k4, 4, &r_plain));
		CHECK(!code_has(cases[i]->insns, cases[i]->n, true, k4, 4, &r_hard));
		CHECK_EQ_U64(r_plain, r_hard);
		diff_case(cases[i], NULL);
	}
	uint64_t r_plain, r_hard;
	CHECK(code_has(lddw, n_lddw, false, k8, 8, &r_plain));
	CHECK(!code_has(lddw, n_lddw, true, k8, 8, &r_hard));
	CHECK(!code_has(lddw, n_lddw, true, k8, 4, &r_hard));     /* neither half */
	CHECK(!code_has(lddw, n_lddw, true, k8 + 4, 4, &r_hard));
	CHECK_EQ_U64(r_plain, 0x1122334455667788ull);
	CHECK_EQ_U64(r_hard, 0x1122334455667788ull);
	printf("  harden: 0x41414141 in alu, jmp, st, ld_abs/ld_ind and a 64-bit constant: in the "
	       "plain image, not in the hardened one; same results\n");
}

int main(void)
{
	vm = bpfvm_vm__new(NULL);
	CHECK(vm != NULL);
	CHECK(bpfvm_vm__add_helper(vm, 1000, "mix", helper_mix) == 0);
	CHECK(bpfvm_vm__add_helper(vm, 1001, "failer", helper_fail) == 0);
	for (int i = 0; i < MEM_LEN; i++)
		pattern[i] = (uint8_t)(0x31 + 7 * i);
	printf("test_jit_isa:\n");
	test_callx();
	test_ld_pkt();
	test_may_goto();
	test_tail_calls();
	test_callbacks();
	test_atomics_threads();
	test_jit_info();
	test_harden();
	bpfvm_vm__free(vm);
	printf("test_jit_isa: %zu programs compared under both engines, %d checks passed\n",
	       n_compared, check_count);
	return 0;
}
