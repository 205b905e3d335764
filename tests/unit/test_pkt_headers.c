/*
 * test_pkt_headers.c - LD_ABS/LD_IND at SKF_NET_OFF + k and SKF_LL_OFF + k.
 *
 * In the kernel these read k bytes into the network and the link-layer
 * header, up to the packet's end; bpfvm_run_opts.headers, net_off and
 * ll_off say where those are. Checked under the interpreter, the JIT and
 * the hardened JIT, single runs and batches: a frame whose LD_ABS packet
 * starts at its Ethernet header (ll 0, net 14) and one whose packet starts
 * at the network header with the Ethernet header before it (the kernel's
 * test run: net 0, ll -14); each header's last bytes and one past them;
 * offsets between SKF_AD_OFF and 0 and below SKF_LL_OFF, which fail; and
 * runs without headers, where every negative offset fails.
 */
#include <string.h>

#include "bpfvm.h"
#include "bpfvm_ctx.h"
#include "check.h"
#include "insn_build.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NET (-0x100000)
#define LL (-0x200000)
#define FAIL 0xdead /* what the probe returns when its load ended the run */

static struct bpfvm_vm *vm;

/* r0 = the SIZE-byte load at off, by LD_ABS (ind = false) or by LD_IND
 * with r7 = off - 5 and imm 5; a load outside ends the run with 0, which
 * the probe tells apart by storing FAIL in cb[0] first and 0 after. */
static struct bpfvm_prog *probe(unsigned size, int32_t off, bool ind, enum bpfvm_engine e,
				bool harden)
{
	unsigned bsize = size == 1 ? BI_B : size == 2 ? BI_H : BI_W;
	struct bpfvm_insn insns[] = {
		I_MOV64_REG(6, 1),
		I_ST(BI_W, 6, 48, FAIL),
		I_MOV64_IMM(7, (int32_t)((uint32_t)off - 5u)), /* the sum wraps at 32 bits */
		I_LD_ABS(bsize, off),
		I_ST(BI_W, 6, 48, 0),
		I_EXIT(),
	};
	if (ind)
		insns[3] = (struct bpfvm_insn)I_LD_IND(bsize, 7, 5);
	BPFVM_OPTS(bpfvm_load_opts, lo, .prog_type = 1, .engine = e, .harden = harden);
	struct bpfvm_prog *p = NULL;
	struct bpfvm_error err;
	if (bpfvm_prog__load(vm, insns, ARRAY_SIZE(insns), &lo, &p, &err))
		fprintf(stderr, "load: insn %ld: %s\n", err.insn, err.msg);
	CHECK(p);
	return p;
}

struct layout {
	const char *name;
	bool headers;
	int32_t net_off, ll_off;
	size_t at; /* the LD_ABS packet's start in the frame */
};

/* The frame: a 14-byte Ethernet header, then 20 bytes of "network" header
 * and payload; byte i holds 0x10 + i. */
#define FRAME_LEN 34
static uint8_t frame[FRAME_LEN];

/* What the load reads in the kernel's terms: the bytes at frame offset
 * hdr + k (hdr 0: the Ethernet header, 14: the network one), or FAIL. */
static uint64_t expect(const struct layout *l, unsigned size, int32_t off)
{
	if (!l->headers || off < LL)
		return FAIL;
	int64_t hdr = off >= NET ? 14 : 0;
	int64_t k = off >= NET ? (int64_t)off - NET : (int64_t)off - LL;
	if (hdr + k + size > FRAME_LEN)
		return FAIL;
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v = v << 8 | frame[hdr + k + i];
	return v;
}

static uint64_t run(const struct bpfvm_prog *p, const struct layout *l, bool batch)
{
	struct bpfvm_skb_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	const uint8_t *pkt = frame + l->at;
	size_t len = FRAME_LEN - l->at;
	BPFVM_OPTS(bpfvm_run_opts, ro, .packet = pkt, .packet_len = len, .headers = l->headers,
		   .net_off = l->net_off, .ll_off = l->ll_off);
	struct bpfvm_error err;
	uint64_t r0 = 1;
	if (batch) {
		struct bpfvm_run_item it[2] = {
			{ .mem = &ctx, .mem_len = sizeof(ctx), .packet = pkt, .packet_len = len },
			{ .mem = &ctx, .mem_len = sizeof(ctx), .packet = pkt, .packet_len = len },
		};
		CHECK(bpfvm_prog__run_batch(p, it, 2, &ro, NULL, &err) == 0);
		CHECK_EQ_U64(it[0].ret, it[1].ret);
		r0 = it[0].ret;
	} else {
		CHECK(bpfvm_prog__run(p, &ctx, sizeof(ctx), &ro, &r0, &err) == 0);
	}
	if (ctx.cb[0] != FAIL)
		return r0;
	CHECK_EQ_U64(r0, 0);
	return FAIL;
}

int main(void)
{
	vm = bpfvm_vm__new(NULL);
	CHECK(vm);
	for (int i = 0; i < FRAME_LEN; i++)
		frame[i] = (uint8_t)(0x10 + i);
	static const struct layout layouts[] = {
		{ "from the Ethernet header", true, 14, 0, 0 },
		{ "from the network header", true, 0, -14, 14 },
		{ "no headers", false, 0, 0, 0 },
	};
	/* k into a header: first bytes, last bytes, one past */
	static const int32_t offs[] = {
		NET, NET + 1, NET + 16, NET + 17, NET + 18, NET + 19, NET + 20,
		LL, LL + 2, LL + 12, LL + 30, LL + 31, LL + 32, LL + 33, LL + 34,
		-1, -0x1000, NET - 1, LL - 1, INT32_MIN,
	};
	static const unsigned sizes[] = { 1, 2, 4 };
	struct cfg {
		enum bpfvm_engine e;
		bool harden;
	} cfgs[] = { { BPFVM_ENGINE_INTERP, false }, { BPFVM_ENGINE_JIT, false },
		     { BPFVM_ENGINE_JIT, true } };
	unsigned cases = 0;
	for (size_t c = 0; c < ARRAY_SIZE(cfgs); c++)
		for (size_t s = 0; s < ARRAY_SIZE(sizes); s++)
			for (size_t o = 0; o < ARRAY_SIZE(offs); o++)
				for (int ind = 0; ind < 2; ind++) {
					struct bpfvm_prog *p = probe(sizes[s], offs[o], ind,
								     cfgs[c].e, cfgs[c].harden);
					for (size_t l = 0; l < ARRAY_SIZE(layouts); l++)
						for (int batch = 0; batch < 2; batch++) {
							uint64_t want =
								expect(&layouts[l], sizes[s], offs[o]);
							uint64_t got = run(p, &layouts[l], batch);
							if (got != want)
								fprintf(stderr,
									"engine %d harden %d size %u off %d %s "
									"%s: got %#llx, want %#llx\n",
									cfgs[c].e, cfgs[c].harden, sizes[s],
									offs[o], ind ? "ld_ind" : "ld_abs",
									layouts[l].name,
									(unsigned long long)got,
									(unsigned long long)want);
							CHECK_EQ_U64(got, want);
							cases++;
						}
					bpfvm_prog__free(p);
				}
	printf("test_pkt_headers: %u runs\n", cases);
	bpfvm_vm__free(vm);
	CHECK_DONE();
}
