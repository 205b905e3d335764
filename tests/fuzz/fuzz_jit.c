/*
 * fuzz_jit.c - libFuzzer target: the JIT against the interpreter.
 *
 * Input: one mode byte, 64 bytes of memory (repeated to JGEN_MEM bytes),
 * then the bytes that drive a program generator:
 *   mode bit 0 clear: jgen.h (every ALU, jump, load, store and atomic row
 *     of the ISA table with edge operands, LD_ABS/LD_IND (on a packet
 *     inside the memory, with headers for SKF_NET_OFF/SKF_LL_OFF), a helper,
 *     BPF-to-BPF calls, stores and atomics on a map value). The program
 *     runs unverified (the interpreter checks every access; the JIT takes
 *     it through the test-only prog_load_trusted()), and, when the
 *     verifier accepts it, verified too.
 *   mode bit 0 set: vgen.h (the verifier-soundness generator: pointers,
 *     bounds, loops near the edges); whatever the verifier accepts runs.
 * Each program runs in the interpreter, the JIT and the JIT with constant
 * blinding (harden), on copies of the same memory and a map value reset
 * to the same bytes; the error (code, instruction, message) must be
 * identical, and for jgen's programs also r0, the memory (which the
 * generated epilogue fills with r0..r9 and the top of the stack frame)
 * and the map value, else abort(). (vgen's programs may store bytes of
 * stack addresses, which differ between the engines' stacks.)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jgen.h"
#include "prog/prog.h"
#include "vgen.h"

#define MEM JGEN_MEM

struct outcome {
	int rc;
	uint64_t r0;
	long insn;
	char msg[BPFVM_ERR_MSG_MAX];
	uint8_t mem[MEM];
	uint8_t value[JGEN_VALUE];
};

static struct bpfvm_vm *vm;
static struct bpfvm_map *map;
static uint8_t value0[JGEN_VALUE];
/* the program being compared, for the report */
static const struct bpfvm_insn *cur;
static size_t cur_n;
static bool dump;

static uint64_t helper_mix(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			   struct bpfvm_call *call)
{
	(void)call;
	return r1 * 3 + r2 * 5 + r3 * 7 + r4 * 11 + r5 * 13;
}

static void run(const struct bpfvm_prog *p, const uint8_t *mem, struct outcome *o)
{
	static uint8_t work[MEM];
	struct bpfvm_error err;
	uint32_t key = 0;
	memset(o, 0, sizeof(*o));
	memcpy(work, mem, MEM);
	if (bpfvm_map__update(map, &key, value0, BPFVM_ANY))
		abort();
	/* LD_ABS/LD_IND read a packet 32 bytes into the memory, with a
	 * link-layer header 14 bytes before it and a network header 14 bytes
	 * in (SKF_LL_OFF, SKF_NET_OFF) */
	BPFVM_OPTS(bpfvm_run_opts, ro, .packet = work + 32, .packet_len = MEM - 32,
		   .headers = true, .net_off = 14, .ll_off = -14);
	o->rc = bpfvm_prog__run(p, work, MEM, &ro, &o->r0, &err);
	memcpy(o->mem, work, MEM);
	if (o->rc) {
		o->r0 = 0;
		o->insn = err.insn;
		snprintf(o->msg, sizeof(o->msg), "%s", err.msg);
	}
	if (bpfvm_map__lookup(map, &key, o->value))
		abort();
}

static void differ(const char *what, const struct outcome *a, const struct outcome *b)
{
	fprintf(stderr, "fuzz_jit: %s differs from the interpreter:\n"
		"  interp: rc %d r0 0x%" PRIx64 " insn %ld \"%s\"\n"
		"  other:  rc %d r0 0x%" PRIx64 " insn %ld \"%s\"%s%s\n",
		what, a->rc, a->r0, a->insn, a->msg, b->rc, b->r0, b->insn, b->msg,
		memcmp(a->mem, b->mem, MEM) ? " (memory differs)" : "",
		memcmp(a->value, b->value, JGEN_VALUE) ? " (map value differs)" : "");
	for (size_t i = 0; i < MEM; i += 8)
		if (memcmp(a->mem + i, b->mem + i, 8)) {
			uint64_t x, y;
			memcpy(&x, a->mem + i, 8);
			memcpy(&y, b->mem + i, 8);
			fprintf(stderr, "  mem[%zu]: 0x%" PRIx64 " vs 0x%" PRIx64 "\n", i, x, y);
		}
	for (size_t i = 0; i < JGEN_VALUE; i++)
		if (a->value[i] != b->value[i])
			fprintf(stderr, "  value[%zu]: 0x%02x vs 0x%02x\n", i, a->value[i], b->value[i]);
	fprintf(stderr, "  the program (code dst src off imm):\n");
	for (size_t i = 0; i < cur_n; i++)
		fprintf(stderr, "  %3zu: %02x %u %u %d %d\n", i, cur[i].code, cur[i].dst, cur[i].src,
			cur[i].off, cur[i].imm);
	abort();
}

/* vgen's programs may spill the frame pointer into the memory, the map
 * value or r0 (verified programs may leak pointers, as the kernel's do
 * for privileged users); both engines' stacks live on this thread's C
 * stack at different depths, so such a word differs and means nothing.
 * The memory itself is one buffer for every run (work), so pointers to it
 * agree. */
static bool leak_ok;

static bool stack_like(uint64_t v)
{
	uintptr_t here = (uintptr_t)&v;
	return v - (here - (64u << 20)) < (128u << 20);
}

static bool word_same(const uint8_t *a, const uint8_t *b)
{
	uint64_t x, y;
	memcpy(&x, a, 8);
	memcpy(&y, b, 8);
	return x == y || (leak_ok && stack_like(x) && stack_like(y));
}

/* Equal, but for bytes inside stack-like words on both sides (spills
 * may be unaligned) when leak_ok. */
static bool bytes_same(const uint8_t *a, const uint8_t *b, size_t n)
{
	if (!memcmp(a, b, n))
		return true;
	bool excused[MEM] = { false };
	for (size_t j = 0; leak_ok && j + 8 <= n; j++)
		if (memcmp(a + j, b + j, 8) && word_same(a + j, b + j))
			memset(excused + j, 1, 8);
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i] && !excused[i])
			return false;
	return true;
}

static void same(const char *what, const struct outcome *a, const struct outcome *b)
{
	if (a->rc != b->rc || a->insn != b->insn || strcmp(a->msg, b->msg))
		differ(what, a, b);
	/* vgen programs may store any byte of a stack pointer (a narrow store
	 * of r10 + x), and load it back: their data is the stacks' addresses,
	 * not the engines'. Only the outcome is compared for them; jgen's
	 * programs, which leak nothing, have their data compared in full. */
	if (leak_ok)
		return;
	if (!word_same((const uint8_t *)&a->r0, (const uint8_t *)&b->r0) ||
	    !bytes_same(a->mem, b->mem, MEM) || !bytes_same(a->value, b->value, JGEN_VALUE))
		differ(what, a, b);
}

/*
 * Load insns with opts for the interpreter, then for the JIT plain and
 * hardened, and compare the runs with ref (the interpreter's, when NULL).
 * Returns whether the interpreter load succeeded (verified: accepted).
 */
static bool diff(const struct bpfvm_insn *insns, size_t n, struct bpfvm_load_opts *lo,
		 bool trusted, const uint8_t *mem, struct outcome *ref)
{
	struct bpfvm_prog *p = NULL;
	struct bpfvm_error err;
	struct outcome oi, oj;
	cur = insns;
	cur_n = n;
	if (dump) { /* FUZZ_JIT_DUMP=1: print each program before it loads */
		fprintf(stderr, "fuzz_jit: %s program, %zu slots:\n",
			lo->unverified ? "unverified" : "verified", n);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "  %3zu: %02x %u %u %d %d\n", i, insns[i].code, insns[i].dst,
				insns[i].src, insns[i].off, insns[i].imm);
	}
	lo->engine = BPFVM_ENGINE_INTERP;
	lo->harden = false;
	if (bpfvm_prog__load(vm, insns, n, lo, &p, &err))
		return false;
	run(p, mem, &oi);
	bpfvm_prog__free(p);
	if (ref)
		same("the verified interpreter", ref, &oi);
	for (int hard = 0; hard < 2; hard++) {
		lo->engine = BPFVM_ENGINE_JIT;
		lo->harden = hard;
		p = NULL;
		int rc = trusted ? prog_load_trusted(vm, insns, n, lo, &p, &err)
				 : bpfvm_prog__load(vm, insns, n, lo, &p, &err);
		if (rc || bpfvm_prog__engine(p) != BPFVM_ENGINE_JIT) {
			fprintf(stderr, "fuzz_jit: the JIT%s refused a program the interpreter "
				"took: insn %ld: %s\n", hard ? " (hardened)" : "", err.insn, err.msg);
			abort();
		}
		run(p, mem, &oj);
		bpfvm_prog__free(p);
		same(hard ? (trusted ? "the hardened JIT (unverified)" : "the hardened JIT")
			  : (trusted ? "the JIT (unverified)" : "the JIT"), &oi, &oj);
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bpfvm_error err;
	if (!vm) {
		vm = bpfvm_vm__new(NULL);
		map = vm ? bpfvm_map__create(vm, BPFVM_MAP_TYPE_ARRAY, "value", 4, JGEN_VALUE, 1,
					     NULL, &err)
			 : NULL;
		if (!map || bpfvm_vm__add_helper(vm, JGEN_HELPER, "mix", helper_mix))
			abort();
		for (size_t i = 0; i < JGEN_VALUE; i++)
			value0[i] = (uint8_t)(0x5a + 11 * i);
		dump = getenv("FUZZ_JIT_DUMP") != NULL;
	}
	if (size < 1 + 64)
		return 0;
	unsigned mode = data[0];
	uint8_t mem[MEM];
	for (size_t i = 0; i < MEM; i++)
		mem[i] = data[1 + i % 64];
	struct vgen_src src = { data + 65, size - 65, 0 };
	struct bpfvm_map *maps[1] = { map };

	if (mode & 1) {
		struct bpfvm_insn insns[VGEN_MAX];
		size_t n = vgen_program(&src, insns);
		leak_ok = true;
		BPFVM_OPTS(bpfvm_load_opts, lo, .maps = maps, .n_maps = 1, .ctx_size = VGEN_CTX);
		diff(insns, n, &lo, false, mem, NULL);
		return 0;
	}
	leak_ok = false;
	static struct jgen p;
	const struct jgen_opts o = { .map = true, .helper = true, .pkt = true, .calls = true };
	jgen_program(&src, &p, &o);
	struct outcome ref;
	BPFVM_OPTS(bpfvm_load_opts, uo, .maps = maps, .n_maps = 1, .unverified = true);
	if (!diff(p.s, p.n, &uo, true, mem, NULL))
		return 0; /* the decoder refused it: not a JIT matter */
	/* the reference: the unverified interpreter's run */
	BPFVM_OPTS(bpfvm_load_opts, ro, .maps = maps, .n_maps = 1, .unverified = true);
	struct bpfvm_prog *pi = NULL;
	if (bpfvm_prog__load(vm, p.s, p.n, &ro, &pi, &err))
		abort();
	run(pi, mem, &ref);
	bpfvm_prog__free(pi);
	/* verified as the raw type over the memory, where the verifier agrees */
	BPFVM_OPTS(bpfvm_load_opts, vo, .maps = maps, .n_maps = 1, .ctx_size = MEM);
	diff(p.s, p.n, &vo, false, mem, &ref);
	return 0;
}
