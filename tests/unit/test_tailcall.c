/*
 * test_tailcall.c - bpf_tail_call through a prog array: the jump, the
 * fall-through on an empty or out-of-range slot, the kernel's limit of 33
 * tail calls per run, and a tail call from a BPF-to-BPF subprogram
 * returning to the caller's frame. Also bpf_redirect_map, the other
 * helper that hands control to a target named in a map, and bpf_loop's
 * callbacks, which must be functions the program named with code_addr.
 */
#include <errno.h>

#include "check.h"
#include "insn_build.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct bpfvm_vm *vm;
static struct bpfvm_map *maps[2]; /* 0: the prog array, 1: a counter array */

static struct bpfvm_prog *load(const struct bpfvm_insn *insns, size_t n)
{
	struct bpfvm_prog *prog = NULL;
	struct bpfvm_error err;
	BPFVM_OPTS(bpfvm_load_opts, opts, .maps = maps, .n_maps = 2, .unverified = true);
	if (bpfvm_prog__load(vm, insns, n, &opts, &prog, &err))
		fprintf(stderr, "load: insn %ld: %s\n", err.insn, err.msg);
	CHECK(prog);
	return prog;
}

static uint64_t run(const struct bpfvm_prog *prog)
{
	uint64_t r0 = 0;
	struct bpfvm_error err;
	int rc = bpfvm_prog__run(prog, NULL, 0, NULL, &r0, &err);
	if (rc)
		fprintf(stderr, "run: insn %ld: %s\n", err.insn, err.msg);
	CHECK(rc == 0);
	return r0;
}

static void set_slot(uint32_t slot, const struct bpfvm_prog *prog)
{
	uint32_t id = bpfvm_prog__id(prog);
	CHECK(bpfvm_map__update(maps[0], &slot, &id, BPFVM_ANY) == 0);
}

int main(void)
{
	struct bpfvm_error err;
	vm = bpfvm_vm__new(NULL);
	CHECK(vm);
	maps[0] = bpfvm_map__create(vm, BPFVM_MAP_TYPE_PROG_ARRAY, "jmp", 4, 4, 4, NULL, &err);
	maps[1] = bpfvm_map__create(vm, BPFVM_MAP_TYPE_ARRAY, "count", 4, 8, 1, NULL, &err);
	CHECK(maps[0] && maps[1]);

	/* B: returns 42. */
	struct bpfvm_insn b[] = { I_MOV64_IMM(0, 42), I_EXIT() };
	struct bpfvm_prog *pb = load(b, ARRAY_SIZE(b));

	/* A: tail call slot 0, else 7. */
	struct bpfvm_insn a[] = {
		I_LD_IMM64_RAW(2, 5, 0, 0), /* r2 = map_by_idx(0) */
		I_MOV64_IMM(3, 0),
		I_CALL(12),
		I_MOV64_IMM(0, 7),
		I_EXIT(),
	};
	struct bpfvm_prog *pa = load(a, ARRAY_SIZE(a));
	CHECK_EQ_U64(run(pa), 7); /* empty slot: falls through */
	set_slot(0, pb);
	CHECK_EQ_U64(run(pa), 42);

	/* Out of range: index 9 of 4 slots falls through. */
	struct bpfvm_insn far[] = {
		I_LD_IMM64_RAW(2, 5, 0, 0), I_MOV64_IMM(3, 9), I_CALL(12), I_MOV64_IMM(0, 8), I_EXIT(),
	};
	struct bpfvm_prog *pfar = load(far, ARRAY_SIZE(far));
	CHECK_EQ_U64(run(pfar), 8);

	/* C: counts its runs, then tail-calls itself (slot 1): the kernel
	 * allows 33 tail calls, so it runs 34 times, then falls through. */
	struct bpfvm_insn c[] = {
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
	struct bpfvm_prog *pc = load(c, ARRAY_SIZE(c));
	set_slot(1, pc);
	CHECK_EQ_U64(run(pc), 34);

	/* D: a subprogram tail-calls; the new program's exit returns to D. */
	struct bpfvm_insn d[] = {
		I_CALL_LOCAL(2),
		I_ALU64_IMM(BI_ADD, 0, 1),
		I_EXIT(),
		I_LD_IMM64_RAW(2, 5, 0, 0), /* the subprogram */
		I_MOV64_IMM(3, 0),
		I_CALL(12),
		I_MOV64_IMM(0, 99),
		I_EXIT(),
	};
	struct bpfvm_prog *pd = load(d, ARRAY_SIZE(d));
	CHECK_EQ_U64(run(pd), 43);
	uint32_t slot = 0;
	CHECK(bpfvm_map__delete(maps[0], &slot) == 0);
	CHECK_EQ_U64(run(pd), 100); /* empty now: the subprogram falls through */

	/* A forged map pointer is refused at the call, not followed. */
	struct bpfvm_insn forged[] = {
		I_MOV64_REG(2, 10), I_MOV64_IMM(3, 0), I_CALL(12), I_EXIT(),
	};
	struct bpfvm_prog *pf = load(forged, ARRAY_SIZE(forged));
	uint64_t r0;
	CHECK(bpfvm_prog__run(pf, NULL, 0, NULL, &r0, &err) == -EINVAL);
	CHECK(err.insn == 2);
	CHECK_STR_CONTAINS(err.msg, "is not a map");

	/* bpf_redirect_map: XDP_REDIRECT (4) for a filled xskmap slot, the
	 * fallback action in flags' low bits for an empty one. */
	struct bpfvm_map *xsk =
		bpfvm_map__create(vm, BPFVM_MAP_TYPE_XSKMAP, "xsks", 4, 4, 4, NULL, &err);
	CHECK(xsk);
	struct bpfvm_map *rmaps[1] = { xsk };
	struct bpfvm_insn redir[] = {
		I_LD_IMM64_RAW(1, 5, 0, 0), I_MOV64_IMM(2, 2), I_MOV64_IMM(3, 2 /* XDP_PASS */),
		I_CALL(51), I_EXIT(),
	};
	struct bpfvm_prog *pr = NULL;
	BPFVM_OPTS(bpfvm_load_opts, ropts, .maps = rmaps, .n_maps = 1, .unverified = true);
	CHECK(bpfvm_prog__load(vm, redir, ARRAY_SIZE(redir), &ropts, &pr, &err) == 0);
	CHECK_EQ_U64(run(pr), 2);
	uint32_t k2 = 2, sock = 17;
	CHECK(bpfvm_map__update(xsk, &k2, &sock, BPFVM_ANY) == 0);
	CHECK_EQ_U64(run(pr), 4);
	bpfvm_prog__free(pr);
	bpfvm_map__put(xsk);

	/* bpf_loop with a callback that is not one of the program's functions
	 * (a stack address, then a code_addr-free instruction address) stops. */
	struct bpfvm_insn badcb[] = {
		I_MOV64_IMM(1, 3), I_MOV64_REG(2, 10), I_MOV64_IMM(3, 0), I_MOV64_IMM(4, 0),
		I_CALL(181), I_EXIT(),
	};
	struct bpfvm_prog *pbad = load(badcb, ARRAY_SIZE(badcb));
	CHECK(bpfvm_prog__run(pbad, NULL, 0, NULL, &r0, &err) == -EINVAL);
	CHECK(err.insn == 4);
	CHECK_STR_CONTAINS(err.msg, "not a function of this program");
	bpfvm_prog__free(pbad);
	/* And a real one: code_addr names the callback (r0 = i, so it stops
	 * when i == 1 after 2 iterations). */
	struct bpfvm_insn goodcb[] = {
		I_MOV64_IMM(1, 9), I_LD_IMM64_RAW(2, 4, 5, 0), I_MOV64_IMM(3, 0),
		I_MOV64_IMM(4, 0), I_CALL(181), I_EXIT(),
		I_MOV64_REG(0, 1), I_EXIT(), /* the callback at slot 7 */
	};
	struct bpfvm_prog *pgood = load(goodcb, ARRAY_SIZE(goodcb));
	CHECK_EQ_U64(run(pgood), 2);
	bpfvm_prog__free(pgood);

	bpfvm_prog__free(pf);
	bpfvm_prog__free(pd);
	bpfvm_prog__free(pc);
	bpfvm_prog__free(pfar);
	bpfvm_prog__free(pa);
	bpfvm_prog__free(pb);
	bpfvm_map__put(maps[0]);
	bpfvm_map__put(maps[1]);
	bpfvm_vm__free(vm);
	CHECK_DONE();
}
