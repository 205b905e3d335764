/*
 * test_object.c - ELF objects built by clang, loaded into a vm and run:
 * global data, subprograms across sections, trace_printk output, BTF maps
 * with a prog array and tail calls, maps of maps, and map contents after
 * runs. Programs that need a context (reading __sk_buff or xdp_md fields)
 * wait for the program-type work; these do not touch theirs. CO-RE:
 * relocations resolved against bpfvm's types, and the refusals.
 */
#include <errno.h>

#include "bpfvm.h"
#include "bpfvm_ctx.h"
#include "check.h"
#include "hooks/kern_btf.h"

/* A context of every type these programs have (they do not read it): a
 * verified program runs only with the context it was verified for. */
static union {
	struct bpfvm_xdp_ctx xdp;
	struct bpfvm_skb_ctx skb;
} zero_ctx;

#ifndef BPFVM_PROGRAMS_DIR
#error "BPFVM_PROGRAMS_DIR must name the folder of the compiled test programs"
#endif

static char printed[256];
static size_t printed_len;

static void capture(void *ctx, const char *text, size_t len)
{
	(void)ctx;
	if (printed_len + len < sizeof(printed)) {
		memcpy(printed + printed_len, text, len);
		printed_len += len;
		printed[printed_len] = '\0';
	}
}

/* Open and load name; skip (unless NULL) is a program not to load. */
static struct bpfvm_object *open_with(struct bpfvm_vm *vm, const char *name,
				      const struct bpfvm_object_opts *opts, const char *skip)
{
	char path[512];
	struct bpfvm_error err;
	snprintf(path, sizeof(path), "%s/%s", BPFVM_PROGRAMS_DIR, name);
	struct bpfvm_object *obj = bpfvm_object__open_file(vm, path, opts, &err);
	if (obj && skip)
		CHECK(bpfvm_object__set_autoload(obj, skip, false) == 0);
	if (!obj || bpfvm_object__load(obj, &err)) {
		char msg[600];
		bpfvm_error__format(&err, msg, sizeof(msg));
		fprintf(stderr, "%s: %s\n", name, msg);
	}
	CHECK(obj);
	return obj;
}

static struct bpfvm_object *open_loaded(struct bpfvm_vm *vm, const char *name)
{
	return open_with(vm, name, NULL, NULL);
}

static uint64_t run(const struct bpfvm_object *obj, const char *prog_name)
{
	struct bpfvm_prog *prog = bpfvm_object__find_prog(obj, prog_name);
	struct bpfvm_error err;
	uint64_t r0 = 0;
	CHECK(prog);
	int rc = bpfvm_prog__run(prog, &zero_ctx, sizeof(zero_ctx), NULL, &r0, &err);
	if (rc)
		fprintf(stderr, "%s: insn %ld: %s\n", prog_name, err.insn, err.msg);
	CHECK(rc == 0);
	return r0;
}

static void test_globals(void)
{
	BPFVM_OPTS(bpfvm_vm_opts, vopts, .trace_print = capture);
	struct bpfvm_vm *vm = bpfvm_vm__new(&vopts);
	struct bpfvm_object *obj = open_loaded(vm, "globals.o");

	CHECK_EQ_U64(run(obj, "tc_first"), 30);
	CHECK_EQ_U64(run(obj, "tc_second"), 16);
	CHECK_EQ_U64(run(obj, "xdp_third"), 8);
	CHECK(!strcmp(printed, "hello"));
	CHECK(bpfvm_object__prog_type(obj, 0) == 3); /* sched_cls */

	/* tc_second wrote scratch[1] in .bss; .rodata is as compiled. */
	struct bpfvm_map *bss = bpfvm_object__find_map(obj, ".bss");
	struct bpfvm_map *ro = bpfvm_object__find_map(obj, ".rodata");
	CHECK(bss && ro);
	uint32_t zero = 0, v[4];
	CHECK(bpfvm_map__lookup(bss, &zero, v) == 0);
	CHECK(v[0] == 0 && v[1] == 5 && v[2] == 0 && v[3] == 0);
	CHECK(bpfvm_map__lookup(ro, &zero, v) == 0);
	CHECK(v[0] == 10 && v[1] == 20);

	/* Before load, a name; after close, nothing leaks (ASan checks). */
	CHECK(bpfvm_object__has_btf(obj));
	bpfvm_object__close(obj);
	bpfvm_vm__free(vm);
}

static void test_btf_maps(void)
{
	struct bpfvm_vm *vm = bpfvm_vm__new(NULL);
	struct bpfvm_object *obj = open_loaded(vm, "btf_maps.o");

	CHECK_EQ_U64(run(obj, "xdp_drop_all"), 1);
	CHECK_EQ_U64(run(obj, "xdp_tx_all"), 3);
	/* jmp[1] = xdp_drop_all from __array(values): the tail call lands. */
	for (int i = 0; i < 5; i++)
		CHECK_EQ_U64(run(obj, "xdp_entry"), 1);
	struct bpfvm_map *counts = bpfvm_object__find_map(obj, "counts");
	uint32_t key = 0;
	uint64_t n = 0;
	CHECK(bpfvm_map__lookup(counts, &key, &n) == 0);
	CHECK_EQ_U64(n, 5);

	/* With jmp[1] emptied, xdp_entry falls through to XDP_PASS. */
	struct bpfvm_map *jmp = bpfvm_object__find_map(obj, "jmp");
	key = 1;
	CHECK(bpfvm_map__delete(jmp, &key) == 0);
	CHECK_EQ_U64(run(obj, "xdp_entry"), 2);

	/* outer[1] = inner_b; its slot 0 holds what the host put there. */
	CHECK_EQ_U64(run(obj, "xdp_inner"), 0);
	struct bpfvm_map *inner_b = bpfvm_object__find_map(obj, "inner_b");
	uint32_t zero = 0, val = 77;
	CHECK(bpfvm_map__update(inner_b, &zero, &val, BPFVM_ANY) == 0);
	CHECK_EQ_U64(run(obj, "xdp_inner"), 77);

	bpfvm_object__close(obj);
	bpfvm_vm__free(vm);
}

/* Objects with context-reading programs still load whole: every map is
 * created with the definition the object gives. */
static void test_legacy_layouts(void)
{
	static const char *const names[] = { "legacy_maps.o", "iproute2_maps.o" };
	for (size_t i = 0; i < 2; i++) {
		struct bpfvm_vm *vm = bpfvm_vm__new(NULL);
		struct bpfvm_object *obj = open_loaded(vm, names[i]);
		CHECK(bpfvm_object__prog_cnt(obj) >= 2);
		for (size_t m = 0; m < bpfvm_object__map_cnt(obj); m++) {
			struct bpfvm_map_info mi;
			CHECK(bpfvm_object__map_info(obj, m, &mi) == 0);
			struct bpfvm_map *map = bpfvm_object__map(obj, m);
			CHECK(map && bpfvm_map__type(map) == mi.type);
			CHECK(bpfvm_map__max_entries(map) == mi.max_entries);
		}
		bpfvm_object__close(obj);
		bpfvm_vm__free(vm);
	}
}

/* bpf_loop calling back into static functions of the object. */
static void test_callbacks(void)
{
	struct bpfvm_vm *vm = bpfvm_vm__new(NULL);
	/* each_poke writes to the key its callback gets: see below */
	struct bpfvm_object *obj = open_with(vm, "callbacks.o", NULL, "each_poke");
	CHECK_EQ_U64(run(obj, "sum_loop"), 4950 * 1000 + 100);
	CHECK_EQ_U64(run(obj, "stop_loop"), 55011);
	CHECK_EQ_U64(run(obj, "map_loop"), 5);
	uint32_t zero = 0;
	uint64_t hits = 0;
	CHECK(bpfvm_map__lookup(bpfvm_object__find_map(obj, "hits"), &zero, &hits) == 0);
	CHECK_EQ_U64(hits, 10);

	/* for_each_map_elem: keys readable, values updated in place. */
	struct bpfvm_map *table = bpfvm_object__find_map(obj, "table");
	for (uint32_t k = 1; k <= 4; k++) {
		uint64_t v = k * 10;
		CHECK(bpfvm_map__update(table, &k, &v, BPFVM_NOEXIST) == 0);
	}
	CHECK_EQ_U64(run(obj, "each_sum"), 10100);
	for (uint32_t k = 1; k <= 4; k++) {
		uint64_t v = 0;
		CHECK(bpfvm_map__lookup(table, &k, &v) == 0);
		CHECK_EQ_U64(v, k * 20);
	}
	CHECK_EQ_U64(run(obj, "each_stop"), 3);
	{
		/* The verifier refuses each_poke; unverified, the interpreter
		 * stops it at the write. */
		struct bpfvm_error e;
		uint64_t r;
		struct bpfvm_object *v = bpfvm_object__open_file(
			vm, BPFVM_PROGRAMS_DIR "/callbacks.o", NULL, &e);
		CHECK(v && bpfvm_object__load(v, &e) == -EACCES);
		CHECK_STR_CONTAINS(e.msg, "each_poke");
		CHECK_STR_CONTAINS(e.msg, "read-only memory");
		bpfvm_object__close(v);
		BPFVM_OPTS(bpfvm_object_opts, uo, .unverified = true);
		struct bpfvm_object *u = open_with(vm, "callbacks.o", &uo, NULL);
		CHECK(bpfvm_prog__run(bpfvm_object__find_prog(u, "each_poke"), &zero_ctx,
				      sizeof(zero_ctx), NULL, &r, &e) == -EFAULT);
		CHECK_STR_CONTAINS(e.msg, "write of 4 bytes to read-only memory at r2+0");
		bpfvm_object__close(u);
	}

	/* The budget counts the callback's instructions too. */
	struct bpfvm_error err;
	uint64_t r0, used = 0;
	BPFVM_OPTS(bpfvm_run_opts, opts, .insn_count = &used);
	CHECK(bpfvm_prog__run(bpfvm_object__find_prog(obj, "sum_loop"), &zero_ctx,
			      sizeof(zero_ctx), &opts, &r0, &err) == 0);
	CHECK(used > 100 * 4);
	BPFVM_OPTS(bpfvm_run_opts, tight, .insn_budget = 200);
	CHECK(bpfvm_prog__run(bpfvm_object__find_prog(obj, "sum_loop"), &zero_ctx,
			      sizeof(zero_ctx), &tight, &r0, &err) == -E2BIG);
	CHECK_STR_CONTAINS(err.msg, "budget");
	bpfvm_object__close(obj);
	bpfvm_vm__free(vm);
}

/* Instructions of program i of obj that load or store with offset off
 * (memory) or hold imm off (ALU with an immediate); the loader's relocated
 * form (before the verifier's context rewriting). */
static int count_insns(struct bpfvm_object *obj, const char *prog, bool mem, int32_t off)
{
	int n = 0;
	for (size_t i = 0; i < bpfvm_object__prog_cnt(obj); i++) {
		if (strcmp(bpfvm_object__prog_name(obj, i), prog))
			continue;
		size_t k;
		const struct bpfvm_insn *in = bpfvm_object__prog_insns(obj, i, &k);
		for (size_t j = 0; j < k; j++) {
			unsigned cls = in[j].code & 7;
			bool is_mem = cls == 1 || cls == 2 || cls == 3; /* LDX, ST, STX */
			bool is_alu_k = (cls == 4 || cls == 7) && !(in[j].code & 8);
			if (in[j].code == 0x18) /* ld_imm64: skip its second slot */
				j++;
			else if (mem ? is_mem && in[j].off == off : is_alu_k && in[j].imm == off)
				n++;
		}
	}
	return n;
}

/* CO-RE resolved against bpfvm's own types (src/hooks/kern_btf.h):
 * tests/programs/core_xdp.c. */
static void test_core_resolved(void)
{
	struct bpfvm_vm *vm = bpfvm_vm__new(NULL);
	struct bpfvm_error err;
	struct bpfvm_object *obj = open_loaded(vm, "core_xdp.o");

	/* xdp_md through a reordered local flavour: loads at the UAPI
	 * offsets of ingress_ifindex (12) and rx_queue_index (16), none at
	 * the local 0 and 4; a missing field's existence is 0, the type's
	 * size bpfvm's 24 */
	CHECK_EQ_U64(count_insns(obj, "core_xdp_md", true, 12), 1);
	CHECK_EQ_U64(count_insns(obj, "core_xdp_md", true, 16), 1);
	CHECK_EQ_U64(count_insns(obj, "core_xdp_md", true, 4), 0);
	CHECK_EQ_U64(count_insns(obj, "core_xdp_md", false, 24), 1);
	struct bpfvm_prog *xp = bpfvm_object__find_prog(obj, "core_xdp_md");
	CHECK(xp && bpfvm_prog__verified(xp, NULL));
	struct bpfvm_xdp_ctx x = { .ingress_ifindex = 3, .rx_queue_index = 7 };
	uint64_t r0 = 0;
	CHECK(bpfvm_prog__run(xp, &x, sizeof(x), NULL, &r0, &err) == 0);
	CHECK_EQ_U64(r0, 703); /* 7 * 100 + 3, no field that does not exist */

	/* fentry on xdp_buff, declared with the kernel's layout (rxq at 32):
	 * rxq, rxq->dev, dev->ifindex and rxq->queue_index at bpfvm's
	 * offsets, directly and through BPF_CORE_READ's offset constants */
	int32_t rxq = (int32_t)offsetof(struct kbtf_xdp_buff, rxq);
	int32_t data_end = (int32_t)offsetof(struct kbtf_xdp_buff, ctx.data_end);
	int32_t queue = (int32_t)offsetof(struct kbtf_xdp_rxq_info, queue_index);
	CHECK(rxq != 32);
	CHECK(count_insns(obj, "core_fentry", true, rxq) >= 2);
	CHECK_EQ_U64(count_insns(obj, "core_fentry", true, 32), 0);
	CHECK_EQ_U64(count_insns(obj, "core_fentry", false, rxq), 1);
	CHECK(count_insns(obj, "core_fentry", true, data_end) >= 1);
	CHECK(count_insns(obj, "core_fentry", true, queue) >= 1);
	struct bpfvm_prog *fp = bpfvm_object__find_prog(obj, "core_fentry");
	CHECK(fp && bpfvm_prog__verified(fp, NULL));
	CHECK_EQ_U64(bpfvm_prog__type(fp), 26);
	/* verified, but nothing to attach it to: a run is refused */
	struct kbtf_trace_xdp_ctx tc = { 0 };
	CHECK(bpfvm_prog__run(fp, &tc, sizeof(tc), NULL, &r0, &err) == -ENOTSUP);
	CHECK_STR_CONTAINS(err.msg, "fentry/fexit programs cannot run in bpfvm");
	printf("core_xdp: xdp_md and xdp_buff relocations resolved to bpfvm's layout\n");
	bpfvm_object__close(obj);
	bpfvm_vm__free(vm);
}

/* CO-RE that bpfvm cannot resolve is refused with a message naming the
 * section, the instruction, the program, the type, the access string and
 * what bpfvm lacks: a type (core_reloc.c), a field (core_missing_field.c). */
static void test_core_refused(void)
{
	struct bpfvm_vm *vm = bpfvm_vm__new(NULL);
	struct bpfvm_error err;
	struct bpfvm_object *obj =
		bpfvm_object__open_file(vm, BPFVM_PROGRAMS_DIR "/core_reloc.o", NULL, &err);
	CHECK(!obj);
	CHECK_STR_CONTAINS(err.msg, "section 'kprobe/core' insn 0: CO-RE relocation in 'core_read'");
	CHECK_STR_CONTAINS(err.msg, "access '0:1'");
	CHECK_STR_CONTAINS(err.msg, "bpfvm has no struct task");
	obj = bpfvm_object__open_file(vm, BPFVM_PROGRAMS_DIR "/core_missing_field.o", NULL, &err);
	CHECK(!obj);
	CHECK(err.code == -ENOTSUP);
	CHECK_STR_CONTAINS(err.msg, "section 'fexit/func' insn ");
	CHECK_STR_CONTAINS(err.msg, "in 'read_mtu' (field byte offset, type 'net_device', "
				    "access '0:1')");
	CHECK_STR_CONTAINS(err.msg, "bpfvm's struct net_device has no field 'mtu'");
	bpfvm_vm__free(vm);
}

int main(void)
{
	test_globals();
	test_btf_maps();
	test_legacy_layouts();
	test_callbacks();
	test_core_resolved();
	test_core_refused();
	CHECK_DONE();
}
