/*
 * test_uninit_stack.c - programs that read stack they never wrote.
 *
 * The kernel lets privileged loaders read such bytes (they hold whatever
 * the stack held); real programs do it, typically by building a struct
 * with padding on the stack and passing it as a map key. bpfvm's verifier
 * accepts them as unknown scalars, counts them in the statistics, and such
 * a program's frames are zeroed as they are entered, so that each run
 * reads 0 there, whatever ran before. Checked under the interpreter and
 * the JIT: after a program that fills its frames, in a BPF-to-BPF callee,
 * across the items of a batch, after a tail call, for an atomic, for a map
 * key with padding, and after a store at a variable offset. A program that reads only what it wrote gets
 * no zeroing, and no count.
 */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "insn_build.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CTX 8

static struct bpfvm_vm *vm;
static struct bpfvm_map *maps[2]; /* 0: prog array, 1: hash key 8 value 8 */

static struct bpfvm_prog *load(const struct bpfvm_insn *insns, size_t n, enum bpfvm_engine e)
{
	BPFVM_OPTS(bpfvm_load_opts, lo, .maps = maps, .n_maps = 2, .ctx_size = CTX, .engine = e);
	struct bpfvm_prog *p = NULL;
	struct bpfvm_error err;
	if (bpfvm_prog__load(vm, insns, n, &lo, &p, &err))
		fprintf(stderr, "load: insn %ld: %s\n", err.insn, err.msg);
	CHECK(p);
	CHECK(bpfvm_prog__engine(p) == e);
	return p;
}

static uint64_t run(const struct bpfvm_prog *p)
{
	uint8_t ctx[CTX] = { 0 };
	uint64_t r0 = 0xdead;
	struct bpfvm_error err;
	int rc = bpfvm_prog__run(p, ctx, sizeof(ctx), NULL, &r0, &err);
	if (rc)
		fprintf(stderr, "run: insn %ld: %s\n", err.insn, err.msg);
	CHECK(rc == 0);
	return r0;
}

/* Fills 64 bytes of its frame and of a callee's with non-zero bytes. */
static const struct bpfvm_insn dirty[] = {
#define FILL I_ST(BI_DW, 10, -8, 0x5a5a5a5a), I_ST(BI_DW, 10, -16, 0x5a5a5a5a), \
	     I_ST(BI_DW, 10, -24, 0x5a5a5a5a), I_ST(BI_DW, 10, -32, 0x5a5a5a5a), \
	     I_ST(BI_DW, 10, -40, 0x5a5a5a5a), I_ST(BI_DW, 10, -48, 0x5a5a5a5a), \
	     I_ST(BI_DW, 10, -56, 0x5a5a5a5a), I_ST(BI_DW, 10, -64, 0x5a5a5a5a)
	FILL,
	I_CALL_LOCAL(2),
	I_MOV64_IMM(0, 0),
	I_EXIT(),
	FILL,
	I_MOV64_IMM(0, 0),
	I_EXIT(),
};

/* Returns the OR of r10-8 and r10-64 of its frame and of r10-8 of a
 * callee's, none of them written first; then writes r10-8, so that the
 * next item of a batch would read it if frames were not zeroed. */
static const struct bpfvm_insn reader[] = {
	I_LDX(BI_DW, 6, 10, -8),       /* 0: the first uninitialised read */
	I_LDX(BI_DW, 7, 10, -64),
	I_ALU64_REG(BI_OR, 6, 7),
	I_CALL_LOCAL(4),
	I_ALU64_REG(BI_OR, 0, 6),
	I_ST(BI_DW, 10, -8, 0x77),
	I_EXIT(),
	I_ST(BI_DW, 10, -16, 0x66),  /* 7: the callee */
	I_LDX(BI_DW, 0, 10, -8),
	I_EXIT(),
};

/* Writes r10-8, then tail-calls slot 0 (the reader), which reads r10-8:
 * under the interpreter, what the caller wrote (as in the kernel, where the
 * frame is the caller's); under the JIT, 0 (it zeroes the frame, since it
 * did not zero the caller's: jit/run.c). Never what the host left there. */
static const struct bpfvm_insn tail[] = {
	I_ST(BI_DW, 10, -8, 0x5a5a5a5a),
	I_LD_IMM64_RAW(2, BI_PSEUDO_MAP_FD, 0, 0),
	I_MOV64_IMM(3, 0),
	I_CALL(12),
	I_MOV64_IMM(0, 99),
	I_EXIT(),
};

/* An atomic add on stack never written: 0 + 5. */
static const struct bpfvm_insn atomic[] = {
	I_MOV64_IMM(1, 5),
	I_RAW(BI_STX | BI_DW | BI_ATOMIC, 10, 1, -16, BI_ADD),
	I_LDX(BI_DW, 0, 10, -16),
	I_EXIT(),
};

/* A key of 4 bytes and 4 of padding: map[key] = 1, the padding unwritten. */
static const struct bpfvm_insn padded_key[] = {
	I_ST(BI_W, 10, -8, 7),
	I_ST(BI_DW, 10, -16, 1),
	I_MOV64_REG(2, 10),
	I_ALU64_IMM(BI_ADD, 2, -8),
	I_MOV64_REG(3, 10),
	I_ALU64_IMM(BI_ADD, 3, -16),
	I_MOV64_IMM(4, 0),
	I_LD_IMM64_RAW(1, BI_PSEUDO_MAP_FD, 1, 0),
	I_CALL(2),
	I_MOV64_IMM(0, 0),
	I_EXIT(),
};

/* a[i] = 0x11 at r10-16 + (ctx[0] & 8), then a[0] + a[1]: one of them
 * was never written. The write at a variable offset counts, since the
 * bytes it may write are then taken as written. */
static const struct bpfvm_insn var_off[] = {
	I_LDX(BI_B, 3, 1, 0),
	I_ALU64_IMM(BI_AND, 3, 8),
	I_MOV64_REG(2, 10),
	I_ALU64_IMM(BI_ADD, 2, -16),
	I_ALU64_REG(BI_ADD, 2, 3),
	I_ST(BI_DW, 2, 0, 0x11),     /* 5 */
	I_LDX(BI_DW, 0, 10, -16),
	I_LDX(BI_DW, 1, 10, -8),
	I_ALU64_REG(BI_ADD, 0, 1),
	I_EXIT(),
};

static void check_stats(const struct bpfvm_prog *p, bool reads, uint32_t insn)
{
	struct bpfvm_verify_stats st;
	CHECK(bpfvm_prog__verified(p, &st));
	CHECK_EQ_U64(st.uninit_reads != 0, reads);
	if (reads)
		CHECK_EQ_U64(st.uninit_insn, insn);
}

static void test_engine(enum bpfvm_engine e)
{
	struct bpfvm_prog *pd = load(dirty, ARRAY_SIZE(dirty), e);
	struct bpfvm_prog *pr = load(reader, ARRAY_SIZE(reader), e);
	struct bpfvm_prog *pt = load(tail, ARRAY_SIZE(tail), e);
	struct bpfvm_prog *pa = load(atomic, ARRAY_SIZE(atomic), e);
	struct bpfvm_prog *pk = load(padded_key, ARRAY_SIZE(padded_key), e);
	check_stats(pd, false, 0);
	check_stats(pr, true, 0);
	check_stats(pt, false, 0);
	check_stats(pa, true, 1);
	check_stats(pk, true, 9);
	struct bpfvm_prog *pv = load(var_off, ARRAY_SIZE(var_off), e);
	check_stats(pv, true, 5);
	CHECK_EQ_U64(run(pd), 0);
	CHECK_EQ_U64(run(pv), 0x11);
	bpfvm_prog__free(pv);

	/* One run after another that filled the same frames. */
	for (int i = 0; i < 3; i++) {
		CHECK_EQ_U64(run(pd), 0);
		CHECK_EQ_U64(run(pr), 0);
		CHECK_EQ_U64(run(pd), 0);
		CHECK_EQ_U64(run(pa), 5);
	}

	/* A batch: each item starts with a zeroed frame. */
	uint8_t ctx[16][CTX];
	struct bpfvm_run_item items[16];
	for (int i = 0; i < 16; i++) {
		memset(ctx[i], 0, CTX);
		items[i] = (struct bpfvm_run_item){ .mem = ctx[i], .mem_len = CTX, .ret = 0xdead };
	}
	size_t done = 0;
	struct bpfvm_error err;
	CHECK_EQ_U64(run(pd), 0);
	CHECK(bpfvm_prog__run_batch(pr, items, 16, NULL, &done, &err) == 0);
	CHECK_EQ_U64(done, 16);
	for (int i = 0; i < 16; i++)
		CHECK_EQ_U64(items[i].ret, 0);

	/* A tail call into the reader. */
	uint32_t slot = 0, id = bpfvm_prog__id(pr);
	CHECK(bpfvm_map__update(maps[0], &slot, &id, BPFVM_ANY) == 0);
	CHECK_EQ_U64(run(pd), 0);
	CHECK_EQ_U64(run(pt), e == BPFVM_ENGINE_JIT ? 0 : 0x5a5a5a5a);
	CHECK(bpfvm_map__delete(maps[0], &slot) == 0);

	/* The key's padding is 0: the host finds it as {7, 0}. */
	CHECK_EQ_U64(run(pd), 0);
	CHECK_EQ_U64(run(pk), 0);
	uint32_t key[2] = { 7, 0 };
	uint64_t val = 0;
	CHECK(bpfvm_map__lookup(maps[1], key, &val) == 0);
	CHECK_EQ_U64(val, 1);
	CHECK(bpfvm_map__delete(maps[1], key) == 0);

	bpfvm_prog__free(pd);
	bpfvm_prog__free(pr);
	bpfvm_prog__free(pt);
	bpfvm_prog__free(pa);
	bpfvm_prog__free(pk);
}

int main(void)
{
	struct bpfvm_error err;
	vm = bpfvm_vm__new(NULL);
	CHECK(vm);
	maps[0] = bpfvm_map__create(vm, BPFVM_MAP_TYPE_PROG_ARRAY, "jmp", 4, 4, 1, NULL, &err);
	maps[1] = bpfvm_map__create(vm, BPFVM_MAP_TYPE_HASH, "keys", 8, 8, 16, NULL, &err);
	CHECK(maps[0] && maps[1]);
	test_engine(BPFVM_ENGINE_INTERP);
	test_engine(BPFVM_ENGINE_JIT);
	for (int i = 0; i < 2; i++)
		bpfvm_map__put(maps[i]);
	bpfvm_vm__free(vm);
	CHECK_DONE();
}
