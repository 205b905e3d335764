/*
 * test_object_maps.c - the map types through a clang-built object
 * (tests/programs/map_types.c): each program's result and the maps'
 * contents afterwards, and one program run on several threads at once
 * against array, hash, LRU and per-CPU maps, with exact counts.
 */
#include <errno.h>
#include <pthread.h>

#include "bpfvm.h"
#include "bpfvm_ctx.h"
#include "check.h"

/* A context of every type these programs have (they do not read it): a
 * verified program runs only with the context it was verified for. */
static union {
	struct bpfvm_xdp_ctx xdp;
	struct bpfvm_skb_ctx skb;
} zero_ctx;

#define THREADS 4
#define RUNS 20000

static struct bpfvm_vm *vm;
static struct bpfvm_object *obj;

static struct bpfvm_map *map(const char *name)
{
	struct bpfvm_map *m = bpfvm_object__find_map(obj, name);
	CHECK(m);
	return m;
}

static int64_t run_on(const char *name, uint32_t cpu)
{
	struct bpfvm_prog *prog = bpfvm_object__find_prog(obj, name);
	struct bpfvm_error err;
	uint64_t r0 = 0;
	CHECK(prog);
	BPFVM_OPTS(bpfvm_run_opts, opts, .cpu = cpu);
	int rc = bpfvm_prog__run(prog, &zero_ctx, sizeof(zero_ctx), &opts, &r0, &err);
	if (rc)
		fprintf(stderr, "%s: insn %ld: %s\n", name, err.insn, err.msg);
	CHECK(rc == 0);
	return (int32_t)r0;
}

static int64_t run(const char *name)
{
	return run_on(name, 0);
}

struct record_log {
	int n;
	size_t sizes[8];
	uint64_t first[8];
};

static int on_record(void *ctx, const void *data, size_t size)
{
	struct record_log *log = ctx;
	if (log->n < 8) {
		log->sizes[log->n] = size;
		memcpy(&log->first[log->n], data, 8);
		log->n++;
	}
	return 0;
}

static void test_each_type(void)
{
	struct { uint32_t prefixlen; uint8_t addr[4]; } r8 = { 8, { 10 } },
		r16 = { 16, { 10, 1 } }, r24 = { 24, { 10, 1, 2 } };
	uint32_t v1 = 1, v2 = 2, v3 = 3;
	CHECK(bpfvm_map__update(map("routes"), &r8, &v1, BPFVM_ANY) == 0);
	CHECK(bpfvm_map__update(map("routes"), &r16, &v2, BPFVM_ANY) == 0);
	CHECK(run("lpm_match") == 2); /* before /24 exists: /16 wins */
	CHECK(bpfvm_map__update(map("routes"), &r24, &v3, BPFVM_ANY) == 0);
	CHECK(run("lpm_match") == 3);

	CHECK(run("queue_fifo") == 10);
	CHECK(run("stack_lifo") == 30);
	/* What is left: queue 20, 30; stack 20, 10 (top first). */
	uint32_t v;
	CHECK(bpfvm_map__lookup_and_delete(map("fifo"), NULL, &v) == 0 && v == 20);
	CHECK(bpfvm_map__lookup_and_delete(map("lifo"), NULL, &v) == 0 && v == 20);

	CHECK(run("bloom_check") == 3);

	struct record_log log = { 0 };
	CHECK(run("ring_emit") == 0);
	CHECK(bpfvm_map__ringbuf_consume(map("events"), on_record, &log) == 2);
	CHECK(log.sizes[0] == 16 && log.first[0] == 1);
	CHECK(log.sizes[1] == 8 && log.first[1] == 0x1122334455667788ull);

	struct record_log plog = { 0 };
	CHECK(run_on("perf_emit", 1) == 0);
	CHECK(bpfvm_map__perf_consume(map("perf"), on_record, &plog) == 1);
	CHECK(plog.sizes[0] == 8 && plog.first[0] == 0xabcdef);

	/* outer_hash[7] = inner (by map id, as the kernel takes an fd). */
	CHECK(run("inner_value") == -1);
	uint32_t key = 7, id = bpfvm_map__id(map("inner")), zero = 0, val = 1234;
	CHECK(bpfvm_map__update(map("outer_hash"), &key, &id, BPFVM_ANY) == 0);
	CHECK(bpfvm_map__update(map("inner"), &zero, &val, BPFVM_ANY) == 0);
	CHECK(run("inner_value") == 1234);
}

static void *worker(void *arg)
{
	uint32_t cpu = (uint32_t)(uintptr_t)arg;
	for (int i = 0; i < RUNS; i++)
		run_on("count", cpu);
	return NULL;
}

static void test_concurrent_counts(void)
{
	uint32_t key = 0;
	uint64_t zero = 0, n;
	CHECK(bpfvm_map__update(map("hsh"), &key, &zero, BPFVM_NOEXIST) == 0);
	uint64_t pzero[THREADS] = { 0 };
	CHECK(bpfvm_map__update(map("phash"), &key, pzero, BPFVM_NOEXIST) == 0);

	pthread_t th[THREADS];
	for (uintptr_t t = 0; t < THREADS; t++)
		CHECK(pthread_create(&th[t], NULL, worker, (void *)t) == 0);
	for (int t = 0; t < THREADS; t++)
		CHECK(pthread_join(th[t], NULL) == 0);

	const uint64_t total = (uint64_t)THREADS * RUNS;
	CHECK(bpfvm_map__lookup(map("arr"), &key, &n) == 0);
	CHECK_EQ_U64(n, total);
	CHECK(bpfvm_map__lookup(map("hsh"), &key, &n) == 0);
	CHECK_EQ_U64(n, total);
	CHECK(bpfvm_map__lookup(map("lru"), &key, &n) == 0);
	CHECK_EQ_U64(n, total);
	uint64_t per[THREADS];
	CHECK(bpfvm_map__value_buf_size(map("pcpu")) == sizeof(per));
	CHECK(bpfvm_map__lookup(map("pcpu"), &key, per) == 0);
	for (int t = 0; t < THREADS; t++)
		CHECK_EQ_U64(per[t], RUNS);
	CHECK(bpfvm_map__lookup(map("phash"), &key, per) == 0);
	for (int t = 0; t < THREADS; t++)
		CHECK_EQ_U64(per[t], RUNS);
	printf("concurrency: %d threads x %d runs, exact counts in array, hash, lru, "
	       "percpu_array, percpu_hash\n", THREADS, RUNS);
}

int main(void)
{
	struct bpfvm_error err;
	BPFVM_OPTS(bpfvm_vm_opts, vopts, .nr_cpus = THREADS);
	vm = bpfvm_vm__new(&vopts);
	CHECK(vm);
	obj = bpfvm_object__open_file(vm, BPFVM_PROGRAMS_DIR "/map_types.o", NULL, &err);
	if (!obj || bpfvm_object__load(obj, &err))
		fprintf(stderr, "map_types.o: %s\n", err.msg);
	CHECK(obj && bpfvm_object__prog(obj, 0));
	test_each_type();
	test_concurrent_counts();
	bpfvm_object__close(obj);
	bpfvm_vm__free(vm);
	CHECK_DONE();
}
