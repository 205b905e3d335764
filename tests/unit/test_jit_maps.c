/*
 * test_jit_maps.c - what the JIT does differently for verified programs:
 * map lookups without the helper bridge, and no stack zeroing.
 *
 *   - bpf_map_lookup_elem on a plain array is inline code: indexes at the
 *     edges, past the end (NULL), values updated in place and seen by the
 *     host, host updates seen by the program; both the shift and the
 *     multiply form of the element size
 *   - a per-CPU array is not inlined: the run's cpu picks the slot
 *   - a hash map is a direct call of its lookup
 *   - the map reached through a register move is still known; a map that
 *     depends on the path, and unverified programs, keep the helper bridge
 *     and give the same results
 *   - several threads adding through inlined lookups lose nothing
 *   - an unverified program never sees what a verified one left on the
 *     stack: neither in a later run nor after a tail call into it
 * Every result is also checked against the interpreter.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "prog/prog.h"
#include "insn_build.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NONE UINT64_MAX /* what the programs return for a NULL lookup */

static struct bpfvm_vm *vm;

enum path { INLINE, DIRECT, BRIDGE };

static struct bpfvm_prog *load(const struct bpfvm_insn *insns, size_t n,
			       struct bpfvm_map **maps, size_t n_maps, enum bpfvm_engine engine,
			       bool verify)
{
	struct bpfvm_prog *prog = NULL;
	struct bpfvm_error err;
	BPFVM_OPTS(bpfvm_load_opts, o, .maps = maps, .n_maps = n_maps, .engine = engine,
		   .unverified = !verify, .ctx_size = 8);
	if ((verify ? bpfvm_prog__load : prog_load_trusted)(vm, insns, n, &o, &prog, &err))
		fprintf(stderr, "load: insn %ld: %s\n", err.insn, err.msg);
	CHECK(prog);
	CHECK(bpfvm_prog__engine(prog) == engine);
	return prog;
}

static uint64_t run_cpu(const struct bpfvm_prog *prog, uint32_t a, uint32_t b, uint32_t cpu)
{
	uint32_t ctx[2] = { a, b };
	uint64_t r0 = 0;
	struct bpfvm_error err;
	BPFVM_OPTS(bpfvm_run_opts, ro, .cpu = cpu);
	int rc = bpfvm_prog__run(prog, ctx, sizeof(ctx), &ro, &r0, &err);
	if (rc)
		fprintf(stderr, "run: insn %ld: %s\n", err.insn, err.msg);
	CHECK(rc == 0);
	return r0;
}

static uint64_t run(const struct bpfvm_prog *prog, uint32_t a, uint32_t b)
{
	return run_cpu(prog, a, b, 0);
}

/* How the JIT lowered the call at pc, from the first bytes of its code. */
static enum path path_at(const struct bpfvm_prog *prog, size_t pc)
{
	struct bpfvm_jit_info info = { .sz = sizeof(info) };
	CHECK(bpfvm_prog__jit_info(prog, &info) == 0);
	const uint8_t *p = (const uint8_t *)info.code + info.insn_off[pc];
	if (p[0] == 0x8b && p[1] == 0x06) /* mov eax, [rsi] */
		return INLINE;
	if (p[0] == 0x48 && p[1] == 0xbf) /* movabs rdi, map */
		return DIRECT;
	CHECK(p[0] == 0x49 && p[1] == 0x89 && p[2] == 0x44); /* mov [r12 + d8], rax */
	return BRIDGE;
}

/*
 * ctx = { index, unused }: v = lookup(map, &index); NULL -> NONE, else
 * atomically v->counter += 1 and return it. The call is at slot 8.
 */
#define LOOKUP_CALL_PC 8
static const struct bpfvm_insn counter_prog[] = {
	I_MOV64_REG(6, 1),
	I_LDX(BI_W, 2, 6, 0),
	I_STX(BI_W, 10, 2, -4),
	I_LD_IMM64_RAW(7, 1, 0, 0), /* r7 = map 0 */
	I_MOV64_REG(2, 10),
	I_ALU64_IMM(BI_ADD, 2, -4),
	I_MOV64_REG(1, 7),          /* known through the move */
	I_CALL(1),
	I_JMP_IMM(BI_JEQ, 0, 0, 4),
	I_MOV64_IMM(1, 1),
	I_ATOMIC(BI_DW, BI_ADD, 0, 1, 0),
	I_LDX(BI_DW, 0, 0, 0),
	I_EXIT(),
	I_MOV64_IMM(0, -1),
	I_EXIT(),
};

/* The counter program under the verified JIT, the unverified JIT and the
 * interpreter, on the same map: each run adds one. */
struct engines {
	struct bpfvm_prog *jit, *bridge, *interp;
};

static struct engines load_all(const struct bpfvm_insn *insns, size_t n, struct bpfvm_map **maps,
			       size_t n_maps)
{
	struct engines e = {
		.jit = load(insns, n, maps, n_maps, BPFVM_ENGINE_JIT, true),
		.bridge = load(insns, n, maps, n_maps, BPFVM_ENGINE_JIT, false),
		.interp = load(insns, n, maps, n_maps, BPFVM_ENGINE_INTERP, true),
	};
	return e;
}

static void free_all(struct engines *e)
{
	bpfvm_prog__free(e->jit);
	bpfvm_prog__free(e->bridge);
	bpfvm_prog__free(e->interp);
}

/* Each engine in turn adds one to the value at index; NONE for all when
 * the index is out of range. Returns the value after the three runs. */
static uint64_t add3(struct engines *e, uint32_t index, uint64_t before)
{
	uint64_t a = run(e->jit, index, 0), b = run(e->bridge, index, 0),
		 c = run(e->interp, index, 0);
	if (before == NONE) {
		CHECK_EQ_U64(a, NONE);
		CHECK_EQ_U64(b, NONE);
		CHECK_EQ_U64(c, NONE);
		return NONE;
	}
	CHECK_EQ_U64(a, before + 1);
	CHECK_EQ_U64(b, before + 2);
	CHECK_EQ_U64(c, before + 3);
	return c;
}

static void test_array(uint32_t value_size)
{
	struct bpfvm_error err;
	const uint32_t max = 5;
	struct bpfvm_map *m = bpfvm_map__create(vm, BPFVM_MAP_TYPE_ARRAY, "arr", 4, value_size,
						max, NULL, &err);
	CHECK(m);
	struct engines e = load_all(counter_prog, ARRAY_SIZE(counter_prog), &m, 1);
	CHECK(path_at(e.jit, LOOKUP_CALL_PC) == INLINE);
	CHECK(path_at(e.bridge, LOOKUP_CALL_PC) == BRIDGE);

	/* The host's value is what the program sees. */
	uint8_t val[64] = { 0 };
	uint32_t key = max - 1;
	uint64_t start = 1000;
	memcpy(val, &start, 8);
	CHECK(bpfvm_map__update(m, &key, val, BPFVM_ANY) == 0);
	CHECK_EQ_U64(add3(&e, 0, 0), 3);
	CHECK_EQ_U64(add3(&e, max - 1, start), start + 3);
	CHECK_EQ_U64(add3(&e, max, NONE), NONE);
	CHECK_EQ_U64(add3(&e, max + 1, NONE), NONE);
	CHECK_EQ_U64(add3(&e, UINT32_MAX, NONE), NONE);
	CHECK_EQ_U64(add3(&e, 0x80000000u, NONE), NONE);
	/* Updated in place: the host reads the program's increments, and
	 * the neighbours are untouched (the element size is right). */
	for (uint32_t i = 0; i < max; i++) {
		uint64_t want = i == 0 ? 3 : i == max - 1 ? start + 3 : 0, got;
		CHECK(bpfvm_map__lookup(m, &i, val) == 0);
		memcpy(&got, val, 8);
		CHECK_EQ_U64(got, want);
	}
	free_all(&e);
	bpfvm_map__put(m);
	printf("  array (value %u bytes): inline; edges, out of range, in place, host\n",
	       value_size);
}

static void test_percpu_array(void)
{
	struct bpfvm_error err;
	struct bpfvm_map *m = bpfvm_map__create(vm, BPFVM_MAP_TYPE_PERCPU_ARRAY, "pcpu", 4, 8, 3,
						NULL, &err);
	CHECK(m);
	struct engines e = load_all(counter_prog, ARRAY_SIZE(counter_prog), &m, 1);
	CHECK(path_at(e.jit, LOOKUP_CALL_PC) == DIRECT);
	for (uint32_t cpu = 0; cpu < 4; cpu++) {
		for (uint32_t n = 0; n <= cpu; n++) {
			CHECK_EQ_U64(run_cpu(e.jit, 2, 0, cpu), 2 * n + 1);
			CHECK_EQ_U64(run_cpu(e.interp, 2, 0, cpu), 2 * n + 2);
		}
		CHECK_EQ_U64(run_cpu(e.jit, 3, 0, cpu), NONE);
	}
	uint64_t vals[4];
	uint32_t key = 2;
	CHECK(bpfvm_map__lookup(m, &key, vals) == 0);
	for (uint32_t cpu = 0; cpu < 4; cpu++)
		CHECK_EQ_U64(vals[cpu], 2 * (cpu + 1));
	free_all(&e);
	bpfvm_map__put(m);
	printf("  per-CPU array: not inlined, the run's cpu picks the slot\n");
}

static void test_hash(void)
{
	struct bpfvm_error err;
	struct bpfvm_map *m = bpfvm_map__create(vm, BPFVM_MAP_TYPE_HASH, "hash", 4, 8, 16, NULL,
						&err);
	CHECK(m);
	struct engines e = load_all(counter_prog, ARRAY_SIZE(counter_prog), &m, 1);
	CHECK(path_at(e.jit, LOOKUP_CALL_PC) == DIRECT);
	uint32_t key = 7;
	uint64_t v = 100;
	CHECK(bpfvm_map__update(m, &key, &v, BPFVM_ANY) == 0);
	CHECK_EQ_U64(add3(&e, 7, 100), 103);
	CHECK_EQ_U64(add3(&e, 8, NONE), NONE);
	CHECK(bpfvm_map__lookup(m, &key, &v) == 0);
	CHECK_EQ_U64(v, 103);
	free_all(&e);
	bpfvm_map__put(m);
	printf("  hash: direct call of its lookup\n");
}

/* r1 is one map or the other depending on ctx[1]: the bridge decides. */
static void test_map_by_path(void)
{
	struct bpfvm_error err;
	struct bpfvm_map *m[2];
	for (int i = 0; i < 2; i++) {
		m[i] = bpfvm_map__create(vm, BPFVM_MAP_TYPE_ARRAY, i ? "b" : "a", 4, 8, 2, NULL,
					 &err);
		CHECK(m[i]);
	}
	struct bpfvm_insn prog[] = {
		I_LDX(BI_W, 2, 1, 0),
		I_LDX(BI_W, 3, 1, 4),
		I_STX(BI_W, 10, 2, -4),
		I_LD_IMM64_RAW(1, 1, 0, 0),
		I_JMP_IMM(BI_JEQ, 3, 0, 2),
		I_LD_IMM64_RAW(1, 1, 1, 0),
		I_MOV64_REG(2, 10),          /* 8: a jump target */
		I_ALU64_IMM(BI_ADD, 2, -4),
		I_CALL(1),
		I_JMP_IMM(BI_JEQ, 0, 0, 4),
		I_MOV64_IMM(1, 1),
		I_ATOMIC(BI_DW, BI_ADD, 0, 1, 0),
		I_LDX(BI_DW, 0, 0, 0),
		I_EXIT(),
		I_MOV64_IMM(0, -1),
		I_EXIT(),
	};
	struct engines e = load_all(prog, ARRAY_SIZE(prog), m, 2);
	CHECK(path_at(e.jit, 10) == BRIDGE);
	CHECK_EQ_U64(run(e.jit, 1, 0), 1);
	CHECK_EQ_U64(run(e.jit, 1, 1), 1);
	CHECK_EQ_U64(run(e.interp, 1, 1), 2);
	CHECK_EQ_U64(run(e.jit, 1, 0), 2);
	CHECK_EQ_U64(run(e.jit, 2, 1), NONE);
	free_all(&e);
	bpfvm_map__put(m[0]);
	bpfvm_map__put(m[1]);
	printf("  map depending on the path: the helper bridge\n");
}

#define THREADS 4
#define RUNS 20000

/* No CHECK here: check.h is not thread-safe. */
static void *adder(void *arg)
{
	const struct bpfvm_prog *prog = arg;
	for (int i = 0; i < RUNS; i++) {
		uint32_t ctx[2] = { 1, 0 };
		uint64_t r0 = NONE;
		if (bpfvm_prog__run(prog, ctx, sizeof(ctx), NULL, &r0, NULL) || r0 == NONE)
			return arg; /* failure: seen by the caller */
	}
	return NULL;
}

static void test_threads(void)
{
	struct bpfvm_error err;
	struct bpfvm_map *m = bpfvm_map__create(vm, BPFVM_MAP_TYPE_ARRAY, "shared", 4, 8, 2, NULL,
						&err);
	CHECK(m);
	struct bpfvm_prog *p = load(counter_prog, ARRAY_SIZE(counter_prog), &m, 1,
				    BPFVM_ENGINE_JIT, true);
	pthread_t t[THREADS];
	for (int i = 0; i < THREADS; i++)
		CHECK(pthread_create(&t[i], NULL, adder, p) == 0);
	/* The host reads and writes another element meanwhile. */
	for (uint64_t i = 0; i < RUNS; i++) {
		uint32_t key = 0;
		CHECK(bpfvm_map__update(m, &key, &i, BPFVM_ANY) == 0);
	}
	for (int i = 0; i < THREADS; i++) {
		void *res;
		CHECK(pthread_join(t[i], &res) == 0);
		CHECK(res == NULL);
	}
	uint32_t key = 1;
	uint64_t v;
	CHECK(bpfvm_map__lookup(m, &key, &v) == 0);
	CHECK_EQ_U64(v, (uint64_t)THREADS * RUNS);
	bpfvm_prog__free(p);
	bpfvm_map__put(m);
	printf("  %d threads through inline lookups: %d adds, none lost\n", THREADS,
	       THREADS * RUNS);
}

/* A verified program fills its frame with 0x5a..; unverified code must
 * still find its stack zeroed, in a later run or after a tail call. */
static void test_stack(void)
{
	struct bpfvm_error err;
	struct bpfvm_map *pa = bpfvm_map__create(vm, BPFVM_MAP_TYPE_PROG_ARRAY, "jmp", 4, 4, 1,
						 NULL, &err);
	CHECK(pa);
	struct bpfvm_insn tail[] = {
		I_LD_IMM64_RAW(2, 1, 0, 0), I_MOV64_IMM(3, 0), I_CALL(12), I_MOV64_IMM(0, 7),
		I_EXIT(),
	};
	struct bpfvm_insn dirty[2 + 64 + ARRAY_SIZE(tail)];
	const struct bpfvm_insn fill[] = { I_LD_IMM64_RAW(2, 0, 0x5a5a5a5a, 0x5a5a5a5a) };
	const struct bpfvm_insn st[] = { I_STX(BI_DW, 10, 2, 0) };
	size_t n = 0;
	dirty[n++] = fill[0];
	dirty[n++] = fill[1];
	for (int i = 1; i <= 64; i++) {
		dirty[n] = st[0];
		dirty[n++].off = (int16_t)(-8 * i);
	}
	memcpy(&dirty[n], tail, sizeof(tail));
	n += ARRAY_SIZE(tail);
	struct bpfvm_prog *pd = load(dirty, n, &pa, 1, BPFVM_ENGINE_JIT, true);
	/* Unverified: returns the OR of its whole (never written) frame. */
	struct bpfvm_insn reader[1 + 2 * 64 + 1];
	const struct bpfvm_insn rd[] = { I_MOV64_IMM(0, 0), I_LDX(BI_DW, 1, 10, 0),
					 I_ALU64_REG(BI_OR, 0, 1), I_EXIT() };
	n = 0;
	reader[n++] = rd[0];
	for (int i = 1; i <= 64; i++) {
		reader[n] = rd[1];
		reader[n++].off = (int16_t)(-8 * i);
		reader[n++] = rd[2];
	}
	reader[n++] = rd[3];
	struct bpfvm_prog *pr = load(reader, n, NULL, 0, BPFVM_ENGINE_JIT, false);
	CHECK_EQ_U64(run(pd, 0, 0), 7); /* empty slot: falls through */
	CHECK_EQ_U64(run(pr, 0, 0), 0);
	uint32_t slot = 0, id = bpfvm_prog__id(pr);
	CHECK(bpfvm_map__update(pa, &slot, &id, BPFVM_ANY) == 0);
	CHECK_EQ_U64(run(pd, 0, 0), 0); /* the reader ran in pd's frame */
	CHECK_EQ_U64(run(pr, 0, 0), 0);
	CHECK(bpfvm_map__delete(pa, &slot) == 0);
	bpfvm_prog__free(pd);
	bpfvm_prog__free(pr);
	bpfvm_map__put(pa);
	printf("  stack: unverified code sees zeroes after a verified run and a tail call\n");
}

int main(void)
{
	BPFVM_OPTS(bpfvm_vm_opts, vo, .nr_cpus = 4);
	vm = bpfvm_vm__new(&vo);
	CHECK(vm);
	printf("test_jit_maps:\n");
	test_array(8);
	test_array(20);
	test_percpu_array();
	test_hash();
	test_map_by_path();
	test_threads();
	test_stack();
	bpfvm_vm__free(vm);
	printf("test_jit_maps: %d checks passed\n", check_count);
	return 0;
}
