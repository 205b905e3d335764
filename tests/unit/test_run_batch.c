/*
 * test_run_batch.c - bpfvm_prog__run_batch(): the same results as one
 * bpfvm_prog__run() per input, under the interpreter and the JIT, with
 * each item's own memory and LD_ABS packet; a failure stops the batch at
 * its item, with *done and the error; bad arguments are refused.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bpfvm.h"
#include "bpfvm_ctx.h"
#include "check.h"
#include "insn_build.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define N_ITEMS 64

/* A socket filter: r0 = the packet's byte 1 (LD_ABS) + ctx->len, kept
 * in ctx->cb[0] too. */
static const struct bpfvm_insn prog[] = {
	I_MOV64_REG(6, 1),
	I_RAW(BI_LD | BI_B | BI_ABS, 0, 0, 0, 1),
	I_LDX(BI_W, 2, 6, 0),
	I_ALU64_REG(BI_ADD, 0, 2),
	I_STX(BI_W, 6, 0, 48),
	I_EXIT(),
};

static struct bpfvm_vm *vm;

static struct bpfvm_prog *load(enum bpfvm_engine engine)
{
	BPFVM_OPTS(bpfvm_load_opts, lo, .prog_type = 1, .engine = engine);
	struct bpfvm_prog *p = NULL;
	struct bpfvm_error err;
	if (bpfvm_prog__load(vm, prog, ARRAY_SIZE(prog), &lo, &p, &err))
		fprintf(stderr, "load: insn %ld: %s\n", err.insn, err.msg);
	CHECK(p);
	CHECK(bpfvm_prog__engine(p) == engine);
	return p;
}

static void test_same_as_single(enum bpfvm_engine engine)
{
	struct bpfvm_prog *p = load(engine);
	static struct bpfvm_skb_ctx ctx[N_ITEMS], single[N_ITEMS];
	uint8_t pkt[N_ITEMS][2];
	struct bpfvm_run_item items[N_ITEMS];
	struct bpfvm_error err;
	for (int i = 0; i < N_ITEMS; i++) {
		memset(&ctx[i], 0, sizeof(ctx[i]));
		ctx[i].len = (uint32_t)(3 * i);
		single[i] = ctx[i];
		pkt[i][0] = 0;
		pkt[i][1] = (uint8_t)(100 + i);
		items[i] = (struct bpfvm_run_item){ .mem = &ctx[i], .mem_len = sizeof(ctx[i]),
						    .packet = pkt[i], .packet_len = 2,
						    .ret = 0xdead };
	}
	items[5].packet_len = 1; /* too short: LD_ABS ends the run with r0 = 0 */
	size_t done = 99;
	CHECK(bpfvm_prog__run_batch(p, items, N_ITEMS, NULL, &done, &err) == 0);
	CHECK_EQ_U64(done, N_ITEMS);
	for (int i = 0; i < N_ITEMS; i++) {
		BPFVM_OPTS(bpfvm_run_opts, ro, .packet = pkt[i], .packet_len = i == 5 ? 1 : 2);
		uint64_t r0 = 0;
		CHECK(bpfvm_prog__run(p, &single[i], sizeof(single[i]), &ro, &r0, &err) == 0);
		CHECK_EQ_U64(items[i].ret, r0);
		CHECK_EQ_U64(items[i].ret, i == 5 ? 0 : 100u + 4u * (unsigned)i);
		CHECK(!memcmp(&ctx[i], &single[i], sizeof(ctx[i])));
	}
	/* bad inputs are refused before any runs */
	items[7].mem = NULL;
	CHECK(bpfvm_prog__run_batch(p, items, N_ITEMS, NULL, &done, &err) == -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "NULL argument");
	CHECK_EQ_U64(done, 0);
	items[7].mem = &ctx[7];
	items[7].mem_len = 4;
	CHECK(bpfvm_prog__run_batch(p, items, N_ITEMS, NULL, &done, &err) == -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "-byte context");
	items[7].mem_len = sizeof(ctx[7]);
	CHECK(bpfvm_prog__run_batch(p, NULL, 1, NULL, &done, &err) == -EINVAL);
	CHECK(bpfvm_prog__run_batch(p, items, 0, NULL, &done, &err) == 0 && done == 0);
	CHECK(bpfvm_prog__run_batch(NULL, items, 1, NULL, &done, &err) == -EINVAL);
	bpfvm_prog__free(p);
}

/* A run that fails in the middle (a helper stops it) stops the batch. */
static uint64_t helper_stop(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			    struct bpfvm_call *call)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	if (r1 == 3)
		bpfvm_call__fail(call, -EPERM, "item 3 stops here");
	return r1 * 10;
}

static void test_failure(enum bpfvm_engine engine)
{
	static const struct bpfvm_insn calls[] = {
		I_LDX(BI_B, 1, 1, 0), I_CALL(300), I_EXIT(),
	};
	BPFVM_OPTS(bpfvm_load_opts, lo, .ctx_size = 1, .engine = engine);
	struct bpfvm_prog *p = NULL;
	struct bpfvm_error err;
	if (bpfvm_prog__load(vm, calls, ARRAY_SIZE(calls), &lo, &p, &err))
		fprintf(stderr, "load: insn %ld: %s\n", err.insn, err.msg);
	CHECK(p);
	uint8_t in[6] = { 0, 1, 2, 3, 4, 5 };
	struct bpfvm_run_item items[6];
	for (int i = 0; i < 6; i++)
		items[i] = (struct bpfvm_run_item){ .mem = &in[i], .mem_len = 1 };
	size_t done = 0;
	CHECK(bpfvm_prog__run_batch(p, items, 6, NULL, &done, &err) == -EPERM);
	CHECK_EQ_U64(done, 3);
	CHECK_STR_CONTAINS(err.msg, "item 3 stops here");
	CHECK_EQ_U64(items[2].ret, 20);
	bpfvm_prog__free(p);
}

/* Helpers that check memory see each input's own: the regions are built
 * again for every item. */
static uint64_t helper_peek(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			    struct bpfvm_call *call)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	if (bpfvm_call__check_mem(call, r1, 1, false))
		return 0xbad;
	return *(const uint8_t *)(uintptr_t)r1;
}

static void test_helper_regions(enum bpfvm_engine engine)
{
	static const struct bpfvm_insn peek[] = { I_CALL(301), I_EXIT() };
	BPFVM_OPTS(bpfvm_load_opts, lo, .ctx_size = 1, .engine = engine);
	struct bpfvm_prog *p = NULL;
	struct bpfvm_error err;
	if (bpfvm_prog__load(vm, peek, ARRAY_SIZE(peek), &lo, &p, &err))
		fprintf(stderr, "load: insn %ld: %s\n", err.insn, err.msg);
	CHECK(p);
	uint8_t in[N_ITEMS];
	struct bpfvm_run_item items[N_ITEMS];
	for (int i = 0; i < N_ITEMS; i++) {
		in[i] = (uint8_t)(7 * i);
		items[i] = (struct bpfvm_run_item){ .mem = &in[i], .mem_len = 1 };
	}
	CHECK(bpfvm_prog__run_batch(p, items, N_ITEMS, NULL, NULL, &err) == 0);
	for (int i = 0; i < N_ITEMS; i++)
		CHECK_EQ_U64(items[i].ret, (uint8_t)(7 * i));
	bpfvm_prog__free(p);
}

/* A raw-type program is verified with r2 = its ctx_size (the verifier
 * decides branches on it): a run with more memory must not take the other
 * side, which the verifier never checked. Here it would load 4 KiB past
 * the memory. Runs and batches see ctx_size bytes, both engines. */
static void test_raw_r2(enum bpfvm_engine engine)
{
	static const struct bpfvm_insn raw[] = {
		I_JMP_IMM(BI_JNE, 2, 8, 2),
		I_MOV64_REG(0, 2),
		I_EXIT(),
		I_LDX(BI_DW, 0, 1, 4096), /* never verified */
		I_EXIT(),
	};
	BPFVM_OPTS(bpfvm_load_opts, lo, .ctx_size = 8, .engine = engine);
	struct bpfvm_prog *p = NULL;
	struct bpfvm_error err;
	CHECK(bpfvm_prog__load(vm, raw, ARRAY_SIZE(raw), &lo, &p, &err) == 0);
	uint8_t mem[64] = { 0 };
	uint64_t r0 = 0;
	CHECK(bpfvm_prog__run(p, mem, sizeof(mem), NULL, &r0, &err) == 0);
	CHECK_EQ_U64(r0, 8);
	struct bpfvm_run_item items[3] = {
		{ .mem = mem, .mem_len = 8 }, { .mem = mem, .mem_len = 64 }, { .mem = mem, .mem_len = 9 },
	};
	size_t done = 0;
	CHECK(bpfvm_prog__run_batch(p, items, 3, NULL, &done, &err) == 0 && done == 3);
	for (int i = 0; i < 3; i++)
		CHECK_EQ_U64(items[i].ret, 8);
	CHECK(items[1].mem_len == 64); /* the caller's items stay as given */
	bpfvm_prog__free(p);
}

int main(void)
{
	vm = bpfvm_vm__new(NULL);
	CHECK(vm);
	static const struct bpfvm_helper_proto stop_proto = { .args = { BPFVM_ARG_ANYTHING } };
	CHECK(bpfvm_vm__add_helper_proto(vm, 300, "stop", helper_stop, &stop_proto) == 0);
	test_same_as_single(BPFVM_ENGINE_INTERP);
	test_same_as_single(BPFVM_ENGINE_JIT);
	static const struct bpfvm_helper_proto peek_proto = { .args = { BPFVM_ARG_ANYTHING } };
	CHECK(bpfvm_vm__add_helper_proto(vm, 301, "peek", helper_peek, &peek_proto) == 0);
	test_helper_regions(BPFVM_ENGINE_INTERP);
	test_helper_regions(BPFVM_ENGINE_JIT);
	test_failure(BPFVM_ENGINE_INTERP);
	test_failure(BPFVM_ENGINE_JIT);
	test_raw_r2(BPFVM_ENGINE_INTERP);
	test_raw_r2(BPFVM_ENGINE_JIT);
	printf("  batches: per-item memory and packets, helper regions, failures, arguments; "
	       "both engines\n");
	bpfvm_vm__free(vm);
	CHECK_DONE();
}
