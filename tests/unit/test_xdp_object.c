/*
 * test_xdp_object.c - clang-built XDP and tc programs (tests/programs/
 * xdp_parse.c) through the verifier as their program types, then run over
 * a few packets with real contexts: verdicts, map counts, skb fields.
 *
 * Object-level wiring today: bpfvm_object__load() loads without verify,
 * so the test re-loads each program's relocated instructions
 * (bpfvm_object__prog_insns) with the object's maps, verify = true and the
 * program's type.
 *
 * Then every object of Debian's libxdp (the .o files of /usr/lib/<arch>/
 * bpf, installed by scripts/install-deps) must open and load with every
 * program verified: part of the verifier's positive corpus. That includes
 * xdpdump_bpf.o, whose fentry/fexit programs read struct xdp_buff through CO-RE (resolved
 * against bpfvm's own types) and BTF-typed pointers; they verify as
 * tracing programs, and their runs are refused. Without libxdp1 the survey
 * is skipped.
 */
#include <errno.h>
#include <glob.h>

#include "bpfvm.h"
#include "check.h"

static struct bpfvm_prog *load_verified(struct bpfvm_vm *vm, struct bpfvm_object *obj, size_t i, struct bpfvm_error *err,
					int *ret)
{
	size_t n, nm = bpfvm_object__map_cnt(obj);
	const struct bpfvm_insn *insns = bpfvm_object__prog_insns(obj, i, &n);
	struct bpfvm_map *maps[64];
	for (size_t k = 0; k < nm && k < 64; k++)
		maps[k] = bpfvm_object__map(obj, k);
	BPFVM_OPTS(bpfvm_load_opts, lo, .name = bpfvm_object__prog_name(obj, i), .maps = maps,
		   .n_maps = nm < 64 ? nm : 64, .prog_type = bpfvm_object__prog_type(obj, i));
	struct bpfvm_prog *prog = NULL;
	*ret = bpfvm_prog__load(vm, insns, n, &lo, &prog, err);
	return prog;
}

/* Ethernet + IPv4 (+ UDP to dport) in buf; returns the length. */
static size_t packet(uint8_t *b, uint16_t ethertype, uint8_t proto, uint16_t dport, size_t len)
{
	memset(b, 0, 128);
	b[12] = (uint8_t)(ethertype >> 8);
	b[13] = (uint8_t)ethertype;
	b[14] = 0x45;
	b[23] = proto;
	b[36] = (uint8_t)(dport >> 8);
	b[37] = (uint8_t)dport;
	return len;
}

static uint64_t run_xdp(struct bpfvm_prog *prog, uint8_t *b, size_t len)
{
	struct bpfvm_region reg = { b, 128, true };
	BPFVM_OPTS(bpfvm_run_opts, ro, .regions = &reg, .n_regions = 1);
	struct bpfvm_xdp_ctx x = { .data = b, .data_end = b + len, .data_meta = b, .ingress_ifindex = 1 };
	struct bpfvm_error err;
	uint64_t r0 = ~0ull;
	int rc = bpfvm_prog__run(prog, &x, sizeof(x), &ro, &r0, &err);
	if (rc)
		fprintf(stderr, "run: insn %ld: %s\n", err.insn, err.msg);
	CHECK(rc == 0);
	return r0;
}

static void survey(struct bpfvm_vm *vm)
{
	glob_t g;
	if (glob("/usr/lib/*/bpf/*.o", 0, NULL, &g)) {
		printf("libxdp: no objects in /usr/lib/*/bpf (libxdp1 not installed); skipped\n");
		return;
	}
	int ok = 0, all = 0, tracing = 0;
	/* The object-level switch: every program verified as its type. */
	BPFVM_OPTS(bpfvm_object_opts, oo);
	for (size_t f = 0; f < g.gl_pathc; f++) {
		struct bpfvm_error err;
		struct bpfvm_object *obj = bpfvm_object__open_file(vm, g.gl_pathv[f], &oo, &err);
		if (!obj) {
			printf("libxdp: %s: cannot open: %s\n", g.gl_pathv[f], err.msg);
			CHECK(0);
			continue;
		}
		size_t n = bpfvm_object__prog_cnt(obj);
		all += (int)n;
		if (bpfvm_object__load(obj, &err)) {
			char msg[600];
			bpfvm_error__format(&err, msg, sizeof(msg));
			printf("libxdp: %s: refused: %s\n", g.gl_pathv[f], msg);
			CHECK(0);
		} else {
			for (size_t i = 0; i < n; i++) {
				struct bpfvm_verify_stats st;
				struct bpfvm_prog *p = bpfvm_object__prog(obj, i);
				bool v = bpfvm_prog__verified(p, &st);
				CHECK(v);
				ok += v;
				if (bpfvm_prog__type(p) == 26) { /* xdpdump's fentry/fexit */
					struct bpfvm_error re;
					uint64_t r0;
					uint64_t args[2] = { 0, 0 };
					CHECK(bpfvm_prog__run(p, args, sizeof(args), NULL, &r0, &re) ==
					      -ENOTSUP);
					tracing++;
				}
				printf("libxdp: %s %s: verified, %llu insns processed in %.2f ms\n",
				       g.gl_pathv[f], bpfvm_object__prog_name(obj, i),
				       (unsigned long long)st.insns_processed, st.time_ns / 1e6);
			}
		}
		bpfvm_object__close(obj);
	}
	printf("libxdp: %zu objects, %d of %d programs verified (%d fentry/fexit)\n", g.gl_pathc,
	       ok, all, tracing);
	CHECK(ok == all);
	globfree(&g);
}

int main(void)
{
	struct bpfvm_vm *vm = bpfvm_vm__new(NULL);
	struct bpfvm_error err;
	CHECK(vm);
	struct bpfvm_object *obj =
		bpfvm_object__open_file(vm, BPFVM_PROGRAMS_DIR "/xdp_parse.o", NULL, &err);
	if (!obj)
		fprintf(stderr, "open: %s\n", err.msg);
	CHECK(obj);
	CHECK(bpfvm_object__load(obj, &err) == 0);
	size_t ix = 0, it = 0;
	for (size_t i = 0; i < bpfvm_object__prog_cnt(obj); i++) {
		if (!strcmp(bpfvm_object__prog_name(obj, i), "xdp_parse"))
			ix = i;
		if (!strcmp(bpfvm_object__prog_name(obj, i), "tc_mark"))
			it = i;
	}
	int ret;
	struct bpfvm_prog *xdp = load_verified(vm, obj, ix, &err, &ret);
	if (ret)
		fprintf(stderr, "xdp_parse refused: insn %ld: %s\n", err.insn, err.msg);
	CHECK(ret == 0);
	struct bpfvm_prog *tc = load_verified(vm, obj, it, &err, &ret);
	if (ret)
		fprintf(stderr, "tc_mark refused: insn %ld: %s\n", err.insn, err.msg);
	CHECK(ret == 0);

	uint8_t b[128];
	CHECK_EQ_U64(run_xdp(xdp, b, packet(b, 0x0800, 17, 9, 64)), 1);  /* DROP */
	CHECK_EQ_U64(run_xdp(xdp, b, packet(b, 0x0800, 17, 53, 64)), 2); /* PASS */
	CHECK_EQ_U64(run_xdp(xdp, b, packet(b, 0x0800, 6, 80, 64)), 2);
	CHECK_EQ_U64(run_xdp(xdp, b, packet(b, 0x86dd, 17, 9, 64)), 2);
	CHECK_EQ_U64(run_xdp(xdp, b, packet(b, 0x0800, 17, 9, 36)), 0);  /* truncated UDP */
	CHECK_EQ_U64(run_xdp(xdp, b, packet(b, 0x0800, 17, 9, 10)), 0);  /* truncated Ethernet */
	struct bpfvm_map *counts = bpfvm_object__find_map(obj, "counts");
	CHECK(counts);
	uint64_t want[4] = { 1, 1, 1, 1 };
	for (uint32_t k = 0; k < 4; k++) {
		uint64_t v = 0;
		CHECK(bpfvm_map__lookup(counts, &k, &v) == 0);
		CHECK_EQ_U64(v, want[k]);
	}

	struct bpfvm_skb_ctx s;
	memset(&s, 0, sizeof(s));
	size_t len = packet(b, 0x0800, 17, 9, 64);
	s.data = b;
	s.data_end = b + len;
	s.data_meta = b;
	s.len = (uint32_t)len;
	struct bpfvm_region reg = { b, 128, true };
	BPFVM_OPTS(bpfvm_run_opts, ro, .regions = &reg, .n_regions = 1, .packet = b,
		   .packet_len = len);
	uint64_t r0 = 1;
	CHECK(bpfvm_prog__run(tc, &s, sizeof(s), &ro, &r0, &err) == 0);
	CHECK(r0 == 0 && s.mark == 17 && s.cb[0] == 64);
	printf("xdp_parse: 6 packets, verdicts and counts as expected; tc_mark: mark 17\n");
	bpfvm_prog__free(xdp);
	bpfvm_prog__free(tc);
	bpfvm_object__close(obj);
	survey(vm);
	bpfvm_vm__free(vm);
	CHECK_DONE();
}
