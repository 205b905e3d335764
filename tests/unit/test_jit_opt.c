/*
 * test_jit_opt.c - the JIT's optimisations (issue 6) against the
 * interpreter:
 *   - dead code (jit/dead.c): in a verified program, slots no verifier path
 *     reached get no code, a branch with a dead side becomes a jmp or
 *     nothing, and the results are the interpreter's; a raw program (whose
 *     r2 the verifier takes as ctx_size, as the run does) keeps all
 *   - fused address chains (jit/fuse.c): `rA = rB; rA += K; rA += rY`
 *     then a load or store through rA, as [rB + rY + K + off], for every
 *     access shape and size, bases and indexes in the registers x86
 *     encodes specially (rbp = r10, r13 = r7, r12 is never a BPF register),
 *     with rA dead after and (not fusable) live after; 32-bit lea chains;
 *     `if cond goto +1; goto X`
 *   - a plain hash map's lock-free lookup from machine code (maps/hash.c)
 *     while other threads update and delete: a hit is always a value of
 *     the map, a miss is checked again under the lock (ASan checks reads)
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bpfvm.h"
#include "bpfvm_ctx.h"
#include "check.h"
#include "insn_build.h"
#include "prog/prog.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MEM_LEN 256

static struct bpfvm_vm *vm;
static size_t n_compared;

/* Run insns under the interpreter and the JIT (loaded as given, and
 * hardened) on copies of mem: r0, rc and memory must agree. */
static void diff_run(const struct bpfvm_insn *insns, size_t n, const uint8_t *mem,
		     const char *what)
{
	struct bpfvm_prog *pi = NULL, *pj = NULL;
	struct bpfvm_error err;
	CHECK(bpfvm_prog__load(vm, insns, n, UNVERIFIED, &pi, &err) == 0);
	uint8_t mi[MEM_LEN], mj[MEM_LEN];
	memcpy(mi, mem, MEM_LEN);
	uint64_t ri = 0, rj = 0;
	int ci = bpfvm_prog__run(pi, mi, MEM_LEN, NULL, &ri, &err);
	for (int hard = 0; hard < 2; hard++) {
		BPFVM_OPTS(bpfvm_load_opts, jo, .engine = BPFVM_ENGINE_JIT, .unverified = true,
			   .harden = hard);
		CHECK(prog_load_trusted(vm, insns, n, &jo, &pj, &err) == 0);
		memcpy(mj, mem, MEM_LEN);
		int cj = bpfvm_prog__run(pj, mj, MEM_LEN, NULL, &rj, &err);
		if (ci != cj || ri != rj || memcmp(mi, mj, MEM_LEN)) {
			fprintf(stderr, "%s%s: interp rc %d r0 0x%" PRIx64 ", jit rc %d r0 0x%" PRIx64
				"%s\n", what, hard ? " (hardened)" : "", ci, ri, cj, rj,
				memcmp(mi, mj, MEM_LEN) ? " (memory differs)" : "");
			CHECK(0);
		}
		bpfvm_prog__free(pj);
	}
	bpfvm_prog__free(pi);
	n_compared++;
}

/* Where slot pc's code is, and how long, in a JIT-compiled program. */
static uint32_t code_len(const struct bpfvm_prog *p, size_t pc)
{
	struct bpfvm_jit_info info = { .sz = sizeof(info) };
	CHECK(bpfvm_prog__jit_info(p, &info) == 0);
	return info.insn_off[pc + 1] - info.insn_off[pc];
}

static void test_dead_code(void)
{
	/* r2 is 5 on every path: the verifier decides both branches. An XDP
	 * program: raw programs keep every slot (their r2 is ctx_size in the
	 * run as in the verifier, prog.c; left so to keep this simple). */
	static const struct bpfvm_insn prog[] = {
		I_MOV64_IMM(2, 5),                   /* 0 */
		I_MOV64_IMM(0, 0),                   /* 1 */
		I_JMP_IMM(BI_JEQ, 2, 5, 2),          /* 2: always to 5 */
		I_MOV64_IMM(0, 111),                 /* 3: dead */
		I_EXIT(),                            /* 4: dead */
		I_LDX(BI_W, 0, 1, 12),               /* 5: ingress_ifindex */
		I_JMP_IMM(BI_JNE, 2, 5, 2),          /* 6: never to 9 */
		I_ALU64_IMM(BI_AND, 0, 3),           /* 7 */
		I_EXIT(),                            /* 8 */
		I_MOV64_IMM(0, 222),                 /* 9: dead */
		I_EXIT(),                            /* 10: dead */
	};
	struct bpfvm_error err;
	struct bpfvm_prog *pj = NULL, *pi = NULL;
	BPFVM_OPTS(bpfvm_load_opts, jo, .engine = BPFVM_ENGINE_JIT, .prog_type = 6);
	BPFVM_OPTS(bpfvm_load_opts, io, .prog_type = 6);
	if (bpfvm_prog__load(vm, prog, ARRAY_SIZE(prog), &jo, &pj, &err))
		fprintf(stderr, "load: insn %ld: %s\n", err.insn, err.msg);
	CHECK(pj);
	CHECK(bpfvm_prog__load(vm, prog, ARRAY_SIZE(prog), &io, &pi, &err) == 0);
	CHECK(bpfvm_prog__engine(pj) == BPFVM_ENGINE_JIT);
	static const size_t no_code[] = { 2, 3, 4, 6, 9, 10 };
	for (size_t i = 0; i < ARRAY_SIZE(no_code); i++)
		CHECK(code_len(pj, no_code[i]) == 0);
	CHECK(code_len(pj, 5) > 0 && code_len(pj, 7) > 0 && code_len(pj, 8) > 0);
	static uint8_t pkt[64];
	for (uint32_t v = 0; v < 8; v++) {
		struct bpfvm_xdp_ctx ctx = { .data = pkt, .data_end = pkt + sizeof(pkt),
					     .data_meta = pkt, .ingress_ifindex = v };
		uint64_t rj = 0, ri = 1;
		CHECK(bpfvm_prog__run(pj, &ctx, sizeof(ctx), NULL, &rj, &err) == 0);
		CHECK(bpfvm_prog__run(pi, &ctx, sizeof(ctx), NULL, &ri, &err) == 0);
		CHECK_EQ_U64(rj, v & 3);
		CHECK_EQ_U64(ri, rj);
	}
	bpfvm_prog__free(pj);
	bpfvm_prog__free(pi);
	/* raw and unverified: every slot keeps its code. (A verified raw
	 * program runs with r2 = ctx_size whatever the memory, prog.c, so
	 * the run below with 16 bytes still sees 8.) */
	static const struct bpfvm_insn raw[] = {
		I_MOV64_IMM(0, 1),
		I_JMP_IMM(BI_JEQ, 2, 8, 1),          /* r2 is 8 when verified... */
		I_MOV64_IMM(0, 2),                   /* ...and in the run below */
		I_EXIT(),
	};
	BPFVM_OPTS(bpfvm_load_opts, ro, .engine = BPFVM_ENGINE_JIT, .ctx_size = 8);
	CHECK(bpfvm_prog__load(vm, raw, ARRAY_SIZE(raw), &ro, &pj, &err) == 0);
	CHECK(code_len(pj, 2) > 0);
	uint8_t mem16[16] = { 0 };
	uint64_t r0 = 0;
	CHECK(bpfvm_prog__run(pj, mem16, sizeof(mem16), NULL, &r0, &err) == 0);
	CHECK_EQ_U64(r0, 1);
	bpfvm_prog__free(pj);
	BPFVM_OPTS(bpfvm_load_opts, uo, .engine = BPFVM_ENGINE_JIT, .unverified = true);
	CHECK(prog_load_trusted(vm, prog, ARRAY_SIZE(prog), &uo, &pj, &err) == 0);
	CHECK(code_len(pj, 3) > 0 && code_len(pj, 9) > 0);
	bpfvm_prog__free(pj);
	printf("  dead code: no code for 6 of 11 slots, same results\n");
}

/* Access shapes to fuse: LDX, LDXSX, STX, ST of each size. */
enum acc { A_LDX, A_LDXSX, A_STX, A_ST };
static const uint8_t sizes[] = { BI_B, BI_H, BI_W, BI_DW };

/*
 * r0 = an access through an address chain on ra:
 *   rA = rB (or, !with_mov, rA = rB earlier and rA its own base)
 *   rA += K ; [rA += rY] ; r2 = 0x55 (between) ; the access at [rA + 5]
 * then rA read (live_after) or overwritten, and r0 ^= the stack's 64
 * bytes below r10 (stores through r10 land there; others in mem).
 */
static size_t build_chain(struct bpfvm_insn *p, unsigned base, int index, unsigned ra,
			  enum acc acc, unsigned size, unsigned v, size_t *chain, size_t *access)
{
	bool into_ra = v & 4, live_after = (v & 1) && !into_ra, with_mov = !(v & 2);
	size_t n = 0;
	/* indexes 3, 9, 17 in r6, r8, r9; r7 = r1 (r13: always a disp) */
	p[n++] = (struct bpfvm_insn)I_MOV64_IMM(6, 3);
	p[n++] = (struct bpfvm_insn)I_MOV64_IMM(8, 9);
	p[n++] = (struct bpfvm_insn)I_MOV64_IMM(9, 17);
	p[n++] = (struct bpfvm_insn)I_MOV64_REG(7, 1);
	/* the stack gets known bytes for r10-based loads */
	struct bpfvm_insn wide[] = { I_LD_IMM64(2, 0x8899aabbccddeeffull) };
	p[n++] = wide[0];
	p[n++] = wide[1];
	for (int off = -64; off < 0; off += 8)
		p[n++] = (struct bpfvm_insn)I_STX(BI_DW, 10, 2, off);
	int32_t k = base == 10 ? -64 : 16;
	unsigned mem_base = base == 10 ? 10 : 7; /* rA - this is the same in both engines */
	if (!with_mov) { /* rA is its own base: the chain starts at the add */
		p[n++] = (struct bpfvm_insn)I_MOV64_REG(ra, base);
		p[n++] = (struct bpfvm_insn)I_MOV64_IMM(2, 1);
	} else {
		p[n++] = (struct bpfvm_insn)I_MOV64_REG(ra, base);
	}
	*chain = n - 1;
	p[n++] = (struct bpfvm_insn)I_ALU64_IMM(BI_ADD, ra, k);
	if (index >= 0)
		p[n++] = (struct bpfvm_insn)I_ALU64_REG(BI_ADD, ra, index);
	p[n++] = (struct bpfvm_insn)I_MOV64_IMM(2, 0x55); /* between: another register */
	unsigned dst = into_ra ? ra : ra == 0 ? 3 : 0;
	*access = n;
	switch (acc) {
	case A_LDX: p[n++] = (struct bpfvm_insn)I_LDX(size, dst, ra, 5); break;
	case A_LDXSX: p[n++] = (struct bpfvm_insn)I_LDXSX(size, dst, ra, 5); break;
	case A_STX: p[n++] = (struct bpfvm_insn)I_STX(size, ra, 9, 5); break;
	case A_ST: p[n++] = (struct bpfvm_insn)I_ST(size, ra, 5, -77); break;
	}
	unsigned keep = ra == 0 ? 4 : 0; /* r0 unless rA is r0 */
	if (acc == A_LDX || acc == A_LDXSX)
		p[n++] = (struct bpfvm_insn)I_MOV64_REG(keep, dst);
	else
		p[n++] = (struct bpfvm_insn)I_MOV64_IMM(keep, 1);
	if (live_after) { /* rA is read: the chain must be computed */
		p[n++] = (struct bpfvm_insn)I_ALU64_REG(BI_SUB, ra, mem_base); /* an offset */
		p[n++] = (struct bpfvm_insn)I_ALU64_REG(BI_XOR, keep, ra);
	}
	for (int off = -64; off < 0; off += 8) {
		p[n++] = (struct bpfvm_insn)I_LDX(BI_DW, 2, 10, off);
		p[n++] = (struct bpfvm_insn)I_ALU64_REG(BI_XOR, keep, 2);
	}
	p[n++] = (struct bpfvm_insn)I_MOV64_REG(0, keep);
	p[n++] = (struct bpfvm_insn)I_EXIT();
	return n;
}

static void test_fused_access(void)
{
	uint8_t mem[MEM_LEN];
	for (size_t i = 0; i < MEM_LEN; i++)
		mem[i] = (uint8_t)(i * 37 + 11);
	static const unsigned bases[] = { 1, 7, 10 };
	static const int indexes[] = { -1, 6, 8, 9 };
	static const unsigned ras[] = { 0, 3, 4, 5 };
	size_t before = n_compared;
	for (size_t b = 0; b < ARRAY_SIZE(bases); b++)
		for (size_t x = 0; x < ARRAY_SIZE(indexes); x++)
			for (size_t r = 0; r < ARRAY_SIZE(ras); r++)
				for (int acc = A_LDX; acc <= A_ST; acc++)
					for (size_t s = 0; s < ARRAY_SIZE(sizes); s++)
						for (unsigned v = 0; v < 8; v++) {
		if (acc == A_LDXSX && sizes[s] == BI_DW)
			continue;
		if ((v & 4) && acc != A_LDX && acc != A_LDXSX)
			continue;
		struct bpfvm_insn p[80];
		size_t chain, access;
		size_t n = build_chain(p, bases[b], indexes[x], ras[r], (enum acc)acc, sizes[s], v,
				       &chain, &access);
		CHECK(n <= ARRAY_SIZE(p));
		if (v == 0) { /* fused: the chain has no code of its own */
			struct bpfvm_prog *pj = NULL;
			struct bpfvm_error err;
			BPFVM_OPTS(bpfvm_load_opts, jo, .engine = BPFVM_ENGINE_JIT,
				   .unverified = true);
			CHECK(prog_load_trusted(vm, p, n, &jo, &pj, &err) == 0);
			for (size_t i = chain; i < access; i++)
				if (p[i].dst == ras[r])
					CHECK(code_len(pj, i) == 0);
			CHECK(code_len(pj, access) > 0);
			bpfvm_prog__free(pj);
		}
		char what[96];
		snprintf(what, sizeof(what), "chain base r%u index r%d rA r%u acc %d size %u v %u",
			 bases[b], indexes[x], ras[r], acc, sizes[s], v);
		diff_run(p, n, mem, what);
	}
	/* index r7 = 3 with base r10: r13 as the SIB index */
	struct bpfvm_insn q[] = {
		I_LD_IMM64(2, 0x0123456789abcdefull),
		I_STX(BI_DW, 10, 2, -16),
		I_STX(BI_DW, 10, 2, -8),
		I_MOV64_IMM(7, 3),
		I_MOV64_REG(4, 10),
		I_ALU64_IMM(BI_ADD, 4, -16),
		I_ALU64_REG(BI_ADD, 4, 7),
		I_LDX(BI_W, 0, 4, 1),
		I_EXIT(),
	};
	diff_run(q, ARRAY_SIZE(q), mem, "index r13");
	printf("  fused address chains: %zu programs agree\n", n_compared - before);
}

static void test_lea_and_jcc(void)
{
	uint8_t mem[MEM_LEN];
	for (size_t i = 0; i < MEM_LEN; i++)
		mem[i] = (uint8_t)(i * 13 + 1);
	/* 32-bit and 64-bit lea chains whose result stays live, with
	 * wrapping sums, and `if cond goto +1; goto X` loops */
	static const int32_t ks[] = { 0, 1, -65, INT32_MAX, INT32_MIN };
	for (size_t i = 0; i < ARRAY_SIZE(ks); i++) {
		for (int w = 0; w < 2; w++) {
			struct bpfvm_insn p[] = {
				I_LDX(BI_DW, 3, 1, 0),
				I_LDX(BI_DW, 4, 1, 8),
				w ? (struct bpfvm_insn)I_MOV32_REG(0, 3)
				  : (struct bpfvm_insn)I_MOV64_REG(0, 3),
				w ? (struct bpfvm_insn)I_ALU32_IMM(BI_ADD, 0, ks[i])
				  : (struct bpfvm_insn)I_ALU64_IMM(BI_ADD, 0, ks[i]),
				w ? (struct bpfvm_insn)I_ALU32_REG(BI_ADD, 0, 4)
				  : (struct bpfvm_insn)I_ALU64_REG(BI_ADD, 0, 4),
				I_ALU64_REG(BI_ADD, 3, 4), /* no mov: rA += rY */
				I_ALU64_IMM(BI_ADD, 3, ks[i]),
				I_ALU64_REG(BI_XOR, 0, 3),
				/* count r5 to 40 by 3: `if r5 > 40 goto +1; goto loop` */
				I_MOV64_IMM(5, 0),
				I_ALU64_IMM(BI_ADD, 5, 3),
				I_JMP_IMM(BI_JGT, 5, 40, 1),
				I_JA(-3),
				I_ALU64_REG(BI_ADD, 0, 5),
				I_EXIT(),
			};
			diff_run(p, ARRAY_SIZE(p), mem, "lea chain");
		}
	}
	printf("  lea chains and inverted branches agree\n");
}

/* ---- hash lookups from machine code, racing with updates ---- */

#define HKEYS 64
#define HROUNDS 4000
#define TAG 0x5a5a000000000000ull

struct hkey {
	uint32_t a, b, c, d;
};

/* ctx = { a }: key = { a, ~a, a * 3, 7 } on the stack; lookup; NULL ->
 * 0, else the value's first u64. */
static const struct bpfvm_insn hash_prog[] = {
	I_LDX(BI_W, 2, 1, 0),
	I_STX(BI_W, 10, 2, -16),
	I_MOV64_REG(3, 2),
	I_ALU32_IMM(BI_XOR, 3, -1),
	I_STX(BI_W, 10, 3, -12),
	I_MOV64_REG(3, 2),
	I_ALU32_IMM(BI_MUL, 3, 3),
	I_STX(BI_W, 10, 3, -8),
	I_ST(BI_W, 10, -4, 7),
	I_LD_IMM64_RAW(1, 1, 0, 0), /* map 0 */
	I_MOV64_REG(2, 10),
	I_ALU64_IMM(BI_ADD, 2, -16),
	I_CALL(1),
	I_JMP_IMM(BI_JEQ, 0, 0, 2),
	I_LDX(BI_DW, 0, 0, 0),
	I_EXIT(),
	I_MOV64_IMM(0, 0),
	I_EXIT(),
};

static struct hkey hkey_of(uint32_t a)
{
	return (struct hkey){ a, ~a, a * 3, 7 };
}

static struct bpfvm_map *hmap;
static volatile int hstop;

static void *hash_writer(void *arg)
{
	(void)arg;
	for (uint32_t r = 0; !hstop && r < HROUNDS * 4; r++) {
		uint32_t a = r % HKEYS;
		struct hkey k = hkey_of(a);
		uint64_t v[2] = { TAG | a, 0 };
		if (r & 1)
			bpfvm_map__delete(hmap, &k);
		else
			bpfvm_map__update(hmap, &k, v, BPFVM_ANY);
	}
	return NULL;
}

static void test_hash_race(void)
{
	struct bpfvm_error err;
	/* 16-byte keys (the specialised compare), fewer elements than keys
	 * so that deleted elements are reused at once */
	hmap = bpfvm_map__create(vm, BPFVM_MAP_TYPE_HASH, "h", 16, 16, HKEYS / 2, NULL, &err);
	CHECK(hmap);
	struct bpfvm_prog *p = NULL;
	BPFVM_OPTS(bpfvm_load_opts, o, .maps = &hmap, .n_maps = 1, .engine = BPFVM_ENGINE_JIT,
		   .ctx_size = 8);
	CHECK(bpfvm_prog__load(vm, hash_prog, ARRAY_SIZE(hash_prog), &o, &p, &err) == 0);
	/* without a race: every key in the map found, the others not */
	for (uint32_t a = 0; a < HKEYS; a++) {
		struct hkey k = hkey_of(a);
		uint64_t v[2] = { TAG | a, 0 };
		if (a % 3 == 0)
			CHECK(bpfvm_map__update(hmap, &k, v, BPFVM_ANY) == 0);
	}
	for (uint32_t a = 0; a < HKEYS; a++) {
		uint32_t ctx[2] = { a, 0 };
		uint64_t r0 = 1;
		CHECK(bpfvm_prog__run(p, ctx, sizeof(ctx), NULL, &r0, &err) == 0);
		CHECK_EQ_U64(r0, a % 3 == 0 ? (TAG | a) : 0);
	}
	pthread_t t[2];
	hstop = 0;
	for (int i = 0; i < 2; i++)
		CHECK(pthread_create(&t[i], NULL, hash_writer, NULL) == 0);
	uint64_t hits = 0;
	for (uint32_t r = 0; r < HROUNDS; r++) {
		uint32_t ctx[2] = { r % HKEYS, 0 };
		uint64_t r0 = 1;
		CHECK(bpfvm_prog__run(p, ctx, sizeof(ctx), NULL, &r0, &err) == 0);
		/* a hit is a value of this map: some key's tag */
		CHECK(r0 == 0 || (r0 & ~0xffffull) == TAG);
		hits += r0 != 0;
	}
	hstop = 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	bpfvm_prog__free(p);
	bpfvm_map__put(hmap);
	printf("  hash lookups racing with updates and deletes: %" PRIu64 " hits of %d\n", hits,
	       HROUNDS);
}

int main(void)
{
	vm = bpfvm_vm__new(NULL);
	CHECK(vm != NULL);
	printf("test_jit_opt:\n");
	test_dead_code();
	test_fused_access();
	test_lea_and_jcc();
	test_hash_race();
	bpfvm_vm__free(vm);
	printf("test_jit_opt: %zu programs compared, %d checks passed\n", n_compared, check_count);
	return 0;
}
