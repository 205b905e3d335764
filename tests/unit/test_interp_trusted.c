/*
 * test_interp_trusted.c - the interpreter's two loops agree on verified
 * programs.
 *
 * A verified program runs in the trusted loop (no memory checks, no
 * counting, fused instructions: src/interp/loop.h, code.h, fuse.h) unless
 * the run counts, traces or has a budget; then it runs in the checked
 * loop, which every unverified program uses. Here every verified program
 * of the test objects (tests/programs) and of the bench objects runs both
 * ways, each way in its own vm with fresh maps, over the same inputs in
 * the same order, a few times each (maps carry state from run to run):
 *   - the return code, r0, the error's instruction and message,
 *   - the whole packet frame and the context after each run,
 *   - every map's entries at the end
 * must be identical. The run that asks for insn_count takes the checked
 * loop; the plain run the trusted one (the program has its prepared form,
 * checked below). Hand-written programs then cover what the objects may
 * not: BPF-to-BPF calls with frames, fused pairs whose second slot is a
 * jump target, pairs that share registers, and a verified program whose
 * tail call leads into an unverified one (the rest runs checked).
 */
#include <errno.h>
#include <glob.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfvm.h"
#include "bpfvm_ctx.h"
#include "check.h"
#include "insn_build.h"
#include "prog/prog.h"

#define FRAME 4096
#define HEADROOM 256
#define RUNS 3

struct run_out {
	int rc;
	uint64_t r0;
	long insn;
	char msg[BPFVM_ERR_MSG_MAX];
	uint8_t frame[FRAME];
	union {
		struct bpfvm_xdp_ctx xdp;
		struct bpfvm_skb_ctx skb;
		uint8_t raw[512];
	} ctx;
	uint64_t count;
};

static size_t n_programs, n_runs;
static uint8_t packet[1500];
static size_t packet_len;

/* The inputs: the bench packet, shorter cuts of it, a flipped copy. */
static size_t make_input(unsigned k, uint8_t *out)
{
	static const size_t cuts[] = { 0, 60, 34, 14, 0 };
	size_t len = cuts[k % 5] ? cuts[k % 5] : packet_len;
	memcpy(out, packet, len);
	if (k == 4)
		for (size_t i = 14; i < len; i += 7)
			out[i] ^= 0x5a;
	return len;
}

/* One run of p (of type type) over input k; checked: through the checked
 * loop (insn_count asked for). */
static void run_one(struct bpfvm_prog *p, uint32_t type, unsigned k, bool checked,
		    struct run_out *o)
{
	memset(o, 0, sizeof(*o));
	uint8_t *pkt = o->frame + HEADROOM;
	size_t len = make_input(k, pkt);
	struct bpfvm_region region = { o->frame, FRAME, true };
	void *mem = o->ctx.raw;
	size_t mem_len = sizeof(o->ctx.raw);
	const void *ld_pkt = NULL;
	if (type == 6) { /* XDP */
		o->ctx.xdp = (struct bpfvm_xdp_ctx){
			.data = pkt, .data_end = pkt + len, .data_meta = pkt,
			.ingress_ifindex = 1, .data_hard_start = o->frame,
			.data_hard_end = o->frame + FRAME - BPFVM_XDP_TAILROOM,
		};
		mem_len = sizeof(o->ctx.xdp);
	} else if (type == 1 || type == 3 || type == 4) { /* socket filter, tc */
		o->ctx.skb = (struct bpfvm_skb_ctx){
			.data = pkt, .data_end = pkt + len, .data_meta = pkt,
			.len = (uint32_t)len, .protocol = len >= 14 ? (uint32_t)(pkt[12] | pkt[13] << 8) : 0,
			.data_hard_start = o->frame, .data_hard_end = o->frame + FRAME,
		};
		mem_len = sizeof(o->ctx.skb);
		ld_pkt = pkt;
	}
	struct bpfvm_error err = { 0 };
	BPFVM_OPTS(bpfvm_run_opts, ro, .regions = &region, .n_regions = 1, .packet = ld_pkt,
		   .packet_len = ld_pkt ? len : 0, .insn_count = checked ? &o->count : NULL);
	o->rc = bpfvm_prog__run(p, mem, mem_len, &ro, &o->r0, &err);
	if (o->rc) {
		o->r0 = 0;
		o->insn = err.insn;
		snprintf(o->msg, sizeof(o->msg), "%s", err.msg);
	}
	/* Pointers into the run's own frame differ between the two runs:
	 * compare them as offsets into it. */
	uint64_t *w = (uint64_t *)(void *)o->ctx.raw;
	for (size_t i = 0; i < sizeof(o->ctx.raw) / 8; i++)
		if (w[i] >= (uint64_t)(uintptr_t)o->frame &&
		    w[i] <= (uint64_t)(uintptr_t)(o->frame + FRAME))
			w[i] -= (uint64_t)(uintptr_t)o->frame;
	n_runs++;
}

static bool same(const struct run_out *a, const struct run_out *b, const char *what)
{
	if (a->rc == b->rc && a->r0 == b->r0 && a->insn == b->insn && !strcmp(a->msg, b->msg) &&
	    !memcmp(a->frame, b->frame, FRAME) && !memcmp(a->ctx.raw, b->ctx.raw, sizeof(a->ctx.raw)))
		return true;
	fprintf(stderr,
		"%s:\n  trusted: rc %d r0 0x%" PRIx64 " insn %ld \"%s\"\n"
		"  checked: rc %d r0 0x%" PRIx64 " insn %ld \"%s\"%s%s\n",
		what, a->rc, a->r0, a->insn, a->msg, b->rc, b->r0, b->insn, b->msg,
		memcmp(a->frame, b->frame, FRAME) ? " (packet differs)" : "",
		memcmp(a->ctx.raw, b->ctx.raw, sizeof(a->ctx.raw)) ? " (context differs)" : "");
	return false;
}

/* Every entry of map a (of a vm with nr_cpus CPUs) equals map b's. */
static bool same_maps(struct bpfvm_map *a, struct bpfvm_map *b, uint32_t nr_cpus)
{
	uint32_t ks = bpfvm_map__key_size(a);
	/* room for a per-CPU map's value: one 8-byte-aligned slot per CPU */
	size_t vs = (size_t)(bpfvm_map__value_size(a) + 7) / 8 * 8 * nr_cpus;
	if (!ks || ks > 512 || vs > (1u << 20))
		return true; /* no keys to walk (queues, ring buffers) */
	uint8_t *key = calloc(2, ks), *va = calloc(1, vs + 8), *vb = calloc(1, vs + 8);
	bool ok = key && va && vb;
	const void *prev = NULL;
	for (int n = 0; ok && n < 100000; n++) {
		if (bpfvm_map__get_next_key(a, prev, key + ks))
			break;
		memcpy(key, key + ks, ks);
		prev = key;
		int ra = bpfvm_map__lookup(a, key, va), rb = bpfvm_map__lookup(b, key, vb);
		ok = ra == rb && (ra || !memcmp(va, vb, vs));
	}
	free(key);
	free(va);
	free(vb);
	return ok;
}

/* Open the object at path in a new vm with only program `only` to load,
 * and load it; false (and nothing left open) when bpfvm refuses it. */
static bool open_one(const char *path, size_t only, struct bpfvm_vm **vm,
		     struct bpfvm_object **obj, struct bpfvm_error *err)
{
	BPFVM_OPTS(bpfvm_object_opts, oo, .engine = BPFVM_ENGINE_INTERP);
	*vm = bpfvm_vm__new(NULL);
	CHECK(*vm != NULL);
	*obj = bpfvm_object__open_file(*vm, path, &oo, err);
	if (*obj) {
		for (size_t i = 0; i < bpfvm_object__prog_cnt(*obj); i++)
			if (i != only)
				CHECK(bpfvm_object__set_autoload(
					      *obj, bpfvm_object__prog_name(*obj, i), false) == 0);
		if (!bpfvm_object__load(*obj, err))
			return true;
		bpfvm_object__close(*obj);
	}
	bpfvm_vm__free(*vm);
	return false;
}

/* Both loops over every verified program of the object at path, each
 * loaded on its own (a program bpfvm refuses is other tests' business). */
static void check_object(const char *path)
{
	const char *file = strrchr(path, '/') + 1;
	struct bpfvm_vm *vm[2];
	struct bpfvm_object *obj[2];
	struct bpfvm_error err;
	BPFVM_OPTS(bpfvm_object_opts, oo, .engine = BPFVM_ENGINE_INTERP);
	struct bpfvm_vm *probe_vm = bpfvm_vm__new(NULL);
	CHECK(probe_vm != NULL);
	struct bpfvm_object *probe = bpfvm_object__open_file(probe_vm, path, &oo, &err);
	size_t n = probe ? bpfvm_object__prog_cnt(probe) : 0;
	bpfvm_object__close(probe);
	bpfvm_vm__free(probe_vm);
	if (!n) {
		printf("    %s: not opened (%s), skipped\n", file, err.msg);
		return;
	}

	size_t progs = 0, refused = 0;
	for (size_t i = 0; i < n; i++) {
		if (!open_one(path, i, &vm[0], &obj[0], &err)) {
			refused++;
			continue;
		}
		CHECK(open_one(path, i, &vm[1], &obj[1], &err));
		struct bpfvm_prog *pt = bpfvm_object__prog(obj[0], i);
		struct bpfvm_prog *pc = bpfvm_object__prog(obj[1], i);
		CHECK(pt && pc);
		if (bpfvm_prog__verified(pt, NULL)) {
			CHECK(pt->interp != NULL); /* the trusted loop's form exists */
			uint32_t type = bpfvm_object__prog_type(obj[0], i);
			for (unsigned k = 0; k < 5; k++) {
				for (int r = 0; r < RUNS; r++) {
					static struct run_out a, b;
					run_one(pt, type, k, false, &a);
					run_one(pc, type, k, true, &b);
					char what[300];
					snprintf(what, sizeof(what), "%s: %s, input %u, run %d", file,
						 bpfvm_prog__name(pt), k, r);
					CHECK(same(&a, &b, what));
					CHECK(b.rc || b.count > 0); /* the checked loop ran it */
				}
			}
			for (size_t m = 0; m < bpfvm_object__map_cnt(obj[0]); m++)
				CHECK(same_maps(bpfvm_object__map(obj[0], m),
						bpfvm_object__map(obj[1], m),
						bpfvm_vm__nr_cpus(vm[0])));
			progs++;
			n_programs++;
		}
		for (int j = 0; j < 2; j++) {
			bpfvm_object__close(obj[j]);
			bpfvm_vm__free(vm[j]);
		}
	}
	printf("    %s: %zu verified program%s", file, progs, progs == 1 ? "" : "s");
	if (refused)
		printf(" (%zu refused at load, skipped)", refused);
	printf("\n");
}

static void check_objects(const char *pattern)
{
	glob_t g;
	if (glob(pattern, 0, NULL, &g)) {
		printf("  %s: no objects (not built here), skipped\n", pattern);
		return;
	}
	printf("  %s\n", pattern);
	for (size_t i = 0; i < g.gl_pathc; i++)
		check_object(g.gl_pathv[i]);
	globfree(&g);
}

/* ------------------------------------------------------------------ */
/* Hand-written programs                                               */

static struct bpfvm_vm *hvm;

/* Load insns verified (raw program type, a 64-byte context). */
static struct bpfvm_prog *load_verified(const struct bpfvm_insn *insns, size_t n,
					struct bpfvm_map **maps, size_t n_maps)
{
	struct bpfvm_prog *p = NULL;
	struct bpfvm_error err;
	BPFVM_OPTS(bpfvm_load_opts, lo, .ctx_size = 64, .maps = maps, .n_maps = n_maps);
	if (bpfvm_prog__load(hvm, insns, n, &lo, &p, &err))
		fprintf(stderr, "load: insn %ld: %s\n", err.insn, err.msg);
	CHECK(p != NULL && bpfvm_prog__verified(p, NULL) && p->interp != NULL);
	return p;
}

/* Run p on a 64-byte context both ways; the results must agree. */
static uint64_t both(struct bpfvm_prog *p, const char *what)
{
	uint8_t ca[64], cb[64];
	for (int i = 0; i < 64; i++)
		ca[i] = cb[i] = (uint8_t)(i * 37 + 11);
	uint64_t ra = 0, rb = 0, count = 0;
	struct bpfvm_error ea = { 0 }, eb = { 0 };
	BPFVM_OPTS(bpfvm_run_opts, counted, .insn_count = &count);
	int a = bpfvm_prog__run(p, ca, sizeof(ca), NULL, &ra, &ea);
	int b = bpfvm_prog__run(p, cb, sizeof(cb), &counted, &rb, &eb);
	if (a != b || ra != rb || memcmp(ca, cb, sizeof(ca)) || (a && strcmp(ea.msg, eb.msg))) {
		fprintf(stderr, "%s: trusted rc %d r0 0x%" PRIx64 " (%s), checked rc %d r0 0x%" PRIx64
				" (%s)%s\n", what, a, ra, a ? ea.msg : "", b, rb, b ? eb.msg : "",
			memcmp(ca, cb, sizeof(ca)) ? " (context differs)" : "");
		CHECK(0);
	}
	CHECK(a == 0 && count > 0);
	n_runs += 2;
	return ra;
}

/* A subprogram called in a loop; its frame; a jump into the second slot of
 * a fused pair; pairs that share registers. */
static void check_calls_and_pairs(void)
{
	struct bpfvm_insn prog[] = {
		I_MOV64_IMM(6, 0),               /* 0: r6 = 0 (sum) */
		I_MOV64_IMM(7, 5),               /* 1: r7 = 5 (counter) */
		I_MOV64_REG(1, 7),               /* 2: r1 = r7 */
		I_CALL_LOCAL(10),                /* 3: r0 = f(r1), f at 14 */
		I_ALU64_REG(BI_ADD, 6, 0),       /* 4: r6 += r0 */
		I_ALU64_IMM(BI_ADD, 7, -1),      /* 5: r7 -= 1 */
		I_JMP_IMM(BI_JNE, 7, 0, -5),     /* 6: loop to 2 */
		I_MOV64_REG(0, 6),               /* 7: r0 = r6 (fused with 8) */
		I_ALU64_IMM(BI_LSH, 0, 3),       /* 8: r0 <<= 3, also reached from 12 */
		I_JMP_IMM(BI_JGT, 0, 5000, 3),   /* 9: if r0 > 5000 goto 13 */
		I_ALU64_IMM(BI_LSH, 6, 2),       /* 10: r6 <<= 2 */
		I_MOV64_REG(0, 6),               /* 11: r0 = r6 */
		I_JA(-5),                        /* 12: goto 8 */
		I_EXIT(),                        /* 13 */
		/* f(x): 2x, plus 100 when that is at most 6; through a stack
		 * slot, with pairs that share their register */
		I_STX(BI_DW, 10, 1, -8),         /* 14: *(u64 *)(r10 - 8) = r1 */
		I_MOV64_REG(2, 10),              /* 15: r2 = r10 */
		I_ALU64_IMM(BI_ADD, 2, -8),      /* 16: r2 += -8 */
		I_LDX(BI_DW, 2, 2, 0),           /* 17: r2 = *(u64 *)(r2 + 0) */
		I_MOV64_REG(0, 2),               /* 18: r0 = r2 */
		I_ALU64_REG(BI_ADD, 0, 0),       /* 19: r0 += r0 */
		I_JMP_IMM(BI_JGT, 0, 6, 1),      /* 20: if r0 > 6 goto 22 */
		I_ALU64_IMM(BI_ADD, 0, 100),     /* 21: r0 += 100 */
		I_EXIT(),                        /* 22 */
	};
	struct bpfvm_prog *p = load_verified(prog, sizeof(prog) / sizeof(prog[0]), NULL, 0);
	/* f(5..1) = 10, 8, 106, 104, 102: 330; (330 << 3) <= 5000, so
	 * ((330 << 2) << 3) */
	CHECK_EQ_U64(both(p, "calls and pairs"), (330u << 2) << 3);
	bpfvm_prog__free(p);
}

/* A verified program tail-calls an unverified one: the run leaves the
 * trusted loop for the checked one, whose program sees its frame as the
 * checked interpreter always showed it: what the caller wrote, and zeros
 * where it wrote nothing. Also from a subprogram, whose exit must return
 * into the verified caller. */
static void check_tail_into_unverified(void)
{
	struct bpfvm_error err;
	struct bpfvm_map *jmp =
		bpfvm_map__create(hvm, BPFVM_MAP_TYPE_PROG_ARRAY, "jmp", 4, 4, 1, NULL, &err);
	CHECK(jmp != NULL);

	/* B (unverified): r0 = *(r10 - 16) + *(r10 - 8) + 1 */
	struct bpfvm_insn b[] = {
		I_LDX(BI_DW, 0, 10, -16), I_LDX(BI_DW, 1, 10, -8),
		I_ALU64_REG(BI_ADD, 0, 1), I_ALU64_IMM(BI_ADD, 0, 1), I_EXIT(),
	};
	struct bpfvm_prog *pb = NULL;
	BPFVM_OPTS(bpfvm_load_opts, uo, .unverified = true);
	CHECK(bpfvm_prog__load(hvm, b, sizeof(b) / sizeof(b[0]), &uo, &pb, &err) == 0);
	CHECK(!bpfvm_prog__verified(pb, NULL) && pb->interp == NULL);
	uint32_t slot = 0, id = bpfvm_prog__id(pb);
	CHECK(bpfvm_map__update(jmp, &slot, &id, BPFVM_ANY) == 0);

	/* A (verified): *(r10 - 16) = 1000; tail call slot 0; else 7. */
	struct bpfvm_insn a[] = {
		I_ST(BI_DW, 10, -16, 1000),
		I_LD_IMM64_RAW(2, 5, 0, 0), /* r2 = map_by_idx(0) */
		I_MOV64_IMM(3, 0),
		I_CALL(12),
		I_MOV64_IMM(0, 7),
		I_EXIT(),
	};
	struct bpfvm_prog *pa = load_verified(a, sizeof(a) / sizeof(a[0]), &jmp, 1);
	CHECK_EQ_U64(both(pa, "tail call into an unverified program"), 1001);

	/* D (verified): a subprogram does A's tail call; B's exit returns to
	 * D, which adds 10. */
	struct bpfvm_insn d[] = {
		I_CALL_LOCAL(3),
		I_ALU64_IMM(BI_ADD, 0, 10),
		I_EXIT(),
		I_MOV64_IMM(0, 0),
		I_ST(BI_DW, 10, -16, 2000),
		I_LD_IMM64_RAW(2, 5, 0, 0),
		I_MOV64_IMM(3, 0),
		I_CALL(12),
		I_MOV64_IMM(0, 7),
		I_EXIT(),
	};
	struct bpfvm_prog *pd = load_verified(d, sizeof(d) / sizeof(d[0]), &jmp, 1);
	CHECK_EQ_U64(both(pd, "tail call from a subprogram"), 2011);

	bpfvm_prog__free(pa);
	bpfvm_prog__free(pd);
	bpfvm_prog__free(pb);
	bpfvm_map__put(jmp);
}

int main(void)
{
	printf("test_interp_trusted:\n");
	char path[4096];
	snprintf(path, sizeof(path), "%s/bench/packet.bin", BPFVM_SHARED_DIR);
	FILE *f = fopen(path, "rb");
	if (f) {
		packet_len = fread(packet, 1, sizeof(packet), f);
		fclose(f);
	}
	if (packet_len < 64) { /* no shared dir: a made-up IPv4/TCP frame */
		packet_len = 128;
		for (size_t i = 0; i < packet_len; i++)
			packet[i] = (uint8_t)(i * 13 + 7);
		packet[12] = 0x08, packet[13] = 0x00, packet[14] = 0x45, packet[23] = 6;
	}

	snprintf(path, sizeof(path), "%s/tests/programs/*.o", BPFVM_BUILD_DIR);
	check_objects(path);
	snprintf(path, sizeof(path), "%s/bench/obj/*/*.bpf.o", BPFVM_BUILD_DIR);
	check_objects(path);
	printf("  objects: %zu verified programs, %zu runs, both loops identical\n", n_programs,
	       n_runs);

	hvm = bpfvm_vm__new(NULL);
	CHECK(hvm != NULL);
	check_calls_and_pairs();
	printf("  hand-written: calls, frames, fused pairs entered in the middle\n");
	check_tail_into_unverified();
	printf("  tail calls from verified into unverified code, from a subprogram too\n");
	bpfvm_vm__free(hvm);

	printf("test_interp_trusted: %zu runs compared\n", n_runs);
	return 0;
}
