/*
 * test_object_globals.c - global variables by name
 * (bpfvm_object__find_global, bpfvm_object__set_global) on
 * tests/programs/globals.c: where BTF places each variable, setting
 * .data, .bss and const volatile .rodata before load (the programs, and
 * the verifier, then see the values), writing .data after load, and the
 * refusals: unknown names (with the names there are), wrong sizes,
 * .rodata after load, bad arguments.
 *
 * globals.c: int counter = 7 (.data); const volatile int limits[2] =
 * {10, 20} (.rodata); int scratch[4] (.bss).
 *   tc_first  = (counter + 3) * 2 + limits[0]
 *   xdp_third = (limits[1] + 3) * 2 - 40 + 2
 */
#include <errno.h>

#include "bpfvm.h"
#include "check.h"

#ifndef BPFVM_PROGRAMS_DIR
#error "BPFVM_PROGRAMS_DIR must name the folder of the compiled test programs"
#endif

static struct bpfvm_object *open_obj(struct bpfvm_vm *vm, const char *name, bool verify)
{
	char path[512];
	struct bpfvm_error err;
	snprintf(path, sizeof(path), "%s/%s", BPFVM_PROGRAMS_DIR, name);
	BPFVM_OPTS(bpfvm_object_opts, oo, .unverified = !verify);
	struct bpfvm_object *obj = bpfvm_object__open_file(vm, path, &oo, &err);
	if (!obj)
		fprintf(stderr, "%s: %s\n", name, err.msg);
	CHECK(obj);
	return obj;
}

static void load(struct bpfvm_object *obj)
{
	struct bpfvm_error err;
	int rc = bpfvm_object__load(obj, &err);
	if (rc)
		fprintf(stderr, "load: %s\n", err.msg);
	CHECK(rc == 0);
}

/* Run a program that does not read its context (a zeroed one of the
 * right size is passed, for verified loads). */
static uint64_t run(const struct bpfvm_object *obj, const char *prog_name)
{
	struct bpfvm_prog *prog = bpfvm_object__find_prog(obj, prog_name);
	struct bpfvm_error err;
	uint8_t ctx[512] = { 0 };
	uint64_t r0 = 0;
	CHECK(prog);
	int rc = bpfvm_prog__run(prog, ctx, sizeof(ctx), NULL, &r0, &err);
	if (rc)
		fprintf(stderr, "%s: %s\n", prog_name, err.msg);
	CHECK(rc == 0);
	return r0;
}

static void test_find(void)
{
	struct bpfvm_vm *vm = bpfvm_vm__new(NULL);
	struct bpfvm_object *obj = open_obj(vm, "globals.o", false);
	struct bpfvm_global_info gi;
	struct bpfvm_error err;

	CHECK(bpfvm_object__find_global(obj, "counter", &gi, &err) == 0);
	CHECK(!strcmp(gi.section, ".data") && gi.size == 4 && gi.offset == 0 && !gi.read_only);
	CHECK(!strcmp(bpfvm_object__map_name(obj, gi.map_idx), ".data"));
	CHECK(gi.btf_type_id != 0);
	CHECK(bpfvm_object__find_global(obj, "limits", &gi, &err) == 0);
	CHECK(!strcmp(gi.section, ".rodata") && gi.size == 8 && gi.read_only);
	CHECK(!strcmp(bpfvm_object__map_name(obj, gi.map_idx), ".rodata"));
	CHECK(bpfvm_object__find_global(obj, "scratch", &gi, &err) == 0);
	CHECK(!strcmp(gi.section, ".bss") && gi.size == 16 && !gi.read_only);

	CHECK(bpfvm_object__find_global(obj, "nosuch", &gi, &err) == -ENOENT);
	CHECK(err.code == -ENOENT);
	CHECK_STR_CONTAINS(err.msg, "no global variable 'nosuch'");
	CHECK_STR_CONTAINS(err.msg, "counter");
	CHECK_STR_CONTAINS(err.msg, "limits");
	/* functions and maps are not variables */
	CHECK(bpfvm_object__find_global(obj, "twice", &gi, &err) == -ENOENT);
	CHECK(bpfvm_object__find_global(NULL, "counter", &gi, &err) == -EINVAL);
	CHECK(bpfvm_object__find_global(obj, NULL, &gi, &err) == -EINVAL);
	CHECK(bpfvm_object__find_global(obj, "counter", NULL, &err) == -EINVAL);
	bpfvm_object__close(obj);

	/* An object without global data: the error says there are none. */
	obj = open_obj(vm, "xdp_parse.o", false);
	CHECK(bpfvm_object__find_global(obj, "counts", &gi, &err) == -ENOENT);
	CHECK_STR_CONTAINS(err.msg, "has none");
	bpfvm_object__close(obj);
	bpfvm_vm__free(vm);
	printf("globals: found by name through BTF\n");
}

static void test_set_before_load(bool verify)
{
	struct bpfvm_vm *vm = bpfvm_vm__new(NULL);
	struct bpfvm_object *obj = open_obj(vm, "globals.o", verify);
	struct bpfvm_error err;
	int32_t limits[2] = { 100, 200 }, counter = 1, scratch[4] = { 1, 2, 3, 4 };

	CHECK(bpfvm_object__set_global(obj, "limits", limits, sizeof(limits), &err) == 0);
	CHECK(bpfvm_object__set_global(obj, "counter", &counter, sizeof(counter), &err) == 0);
	CHECK(bpfvm_object__set_global(obj, "scratch", scratch, sizeof(scratch), &err) == 0);
	/* set twice: the last value wins */
	counter = 2;
	CHECK(bpfvm_object__set_global(obj, "counter", &counter, sizeof(counter), &err) == 0);
	/* wrong size, unknown name, NULL data */
	CHECK(bpfvm_object__set_global(obj, "counter", &counter, 8, &err) == -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "global variable 'counter' (.data) is 4 bytes, not 8");
	CHECK(bpfvm_object__set_global(obj, "nosuch", &counter, 4, &err) == -ENOENT);
	CHECK(bpfvm_object__set_global(obj, "counter", NULL, 4, &err) == -EINVAL);
	load(obj);

	/* The programs see the values, the .rodata ones included. */
	CHECK_EQ_U64(run(obj, "tc_first"), (2 + 3) * 2 + 100);
	CHECK_EQ_U64(run(obj, "xdp_third"), (200 + 3) * 2 - 40 + 2);
	/* So do the maps. */
	uint32_t zero = 0;
	int32_t bss[4], ro[2];
	CHECK(bpfvm_map__lookup(bpfvm_object__find_map(obj, ".bss"), &zero, bss) == 0);
	CHECK(bss[0] == 1 && bss[3] == 4);
	CHECK(bpfvm_map__lookup(bpfvm_object__find_map(obj, ".rodata"), &zero, ro) == 0);
	CHECK(ro[0] == 100 && ro[1] == 200);

	/* After load: .data is written through its map, .rodata is frozen. */
	counter = 10;
	CHECK(bpfvm_object__set_global(obj, "counter", &counter, sizeof(counter), &err) == 0);
	CHECK_EQ_U64(run(obj, "tc_first"), (10 + 3) * 2 + 100);
	scratch[2] = 30;
	CHECK(bpfvm_object__set_global(obj, "scratch", scratch, sizeof(scratch), &err) == 0);
	CHECK(bpfvm_map__lookup(bpfvm_object__find_map(obj, ".bss"), &zero, bss) == 0);
	CHECK(bss[2] == 30 && bss[0] == 1);
	CHECK(bpfvm_object__set_global(obj, "limits", limits, sizeof(limits), &err) == -EPERM);
	CHECK_STR_CONTAINS(err.msg, "frozen");
	CHECK_EQ_U64(run(obj, "xdp_third"), (200 + 3) * 2 - 40 + 2);
	bpfvm_object__close(obj);
	bpfvm_vm__free(vm);
	printf("globals: set before load (%s), .data after load, .rodata frozen\n",
	       verify ? "verified" : "unverified");
}

/* A fresh object keeps the file's values: setting one object's globals
 * does not leak into another opened from the same file. */
static void test_fresh(void)
{
	struct bpfvm_vm *vm = bpfvm_vm__new(NULL);
	struct bpfvm_object *a = open_obj(vm, "globals.o", false);
	struct bpfvm_object *b = open_obj(vm, "globals.o", false);
	struct bpfvm_error err;
	int32_t limits[2] = { 1, 2 };
	CHECK(bpfvm_object__set_global(a, "limits", limits, sizeof(limits), &err) == 0);
	load(a);
	load(b);
	CHECK_EQ_U64(run(a, "tc_first"), (7 + 3) * 2 + 1);
	CHECK_EQ_U64(run(b, "tc_first"), (7 + 3) * 2 + 10);
	bpfvm_object__close(a);
	bpfvm_object__close(b);
	bpfvm_vm__free(vm);
	printf("globals: objects are independent\n");
}

int main(void)
{
	test_find();
	test_set_before_load(false);
	test_set_before_load(true);
	test_fresh();
	CHECK_DONE();
}
