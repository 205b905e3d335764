/*
 * dgen.h - random XDP and socket-filter programs that the Linux verifier
 * accepts, for the execution differential against the running kernel
 * (difftest.c).
 *
 * Where vgen.h (tests/fuzz) writes programs near the verifier's safety
 * boundaries, to be refused or not, this generator writes programs that
 * are safe and deterministic by construction, so that the kernel accepts
 * nearly all of them and the run, not the verdict, is what gets compared.
 * It reads its choices from the same byte source (struct vgen_src, so a
 * fuzzer could drive it too) and builds slots with insn_build.h.
 *
 * The environment, identical in the kernel and in bpfvm:
 *   map 0 "vals": array, 4 entries of DG_VALS_SIZE bytes (random contents)
 *   map 1 "out":  array, 1 entry of DG_OUT_SIZE bytes (zero), where main's
 *                 epilogue dumps its scalar registers and its scratch stack
 * Map references are ld_imm64 with src 1 (map_by_fd) and imm = the map's
 * index; the kernel side puts the map fds in instead.
 *
 * Invariants the generator keeps, per frame (main and each subprogram):
 *   - r6 holds the context and r7 a pointer to a "vals" value; neither is
 *     ever written after the prologue (they are in `resv`);
 *   - `scal` is the set of registers that hold an initialised scalar on
 *     every path to the current point. Only those are read as operands
 *     (ALU sources, compared, stored, passed), so no pointer ever reaches
 *     r0, the packet, the stack or a map: the program is deterministic
 *     even though root may leak pointers;
 *   - the scratch stack [r10-64, r10) is initialised by the prologue, so
 *     every stack read is defined (root may read uninitialised stack);
 *   - blocks are structured: a forward jump skips a nested block, and the
 *     scalar set after it is the intersection of both paths'; loops count
 *     a constant down in a reserved callee-saved register, and their body
 *     re-initialises what it left non-scalar before the back edge;
 *   - packet accesses re-read data/data_end from ctx each time and sit
 *     behind their own bounds check (helpers may move the packet);
 *   - helper calls clear r1..r5; r0 is a scalar after integer helpers.
 * Stack per frame: scratch [-64, 0), map key at [-68, -64); main's epilogue
 * saves its registers at [-136, -72).
 *
 * Stack arrays at a variable index (stack_var, dg_stack_var; --leave-out
 * stack_var gives the programs of before, draw for draw): an array of
 * 16..64 bytes in the scratch stack or (main) in [-200, -136), every byte
 * written at fixed offsets first; an index from a register, the map value
 * or the packet, bounded by a mask or by a compare that skips the
 * accesses, aligned to the access size; loads and stores of 1..8 bytes at
 * r10 + fixed + index, folded into the map value, registers and the
 * scratch stack. A subprogram may take a pointer to 16..64 bytes of its
 * caller's scratch stack (dg.sub_ptr, after its scalar arguments) and
 * index it at its entry. dt_clean() does not follow variable stack
 * offsets: DG_VIEW_FIXED makes the same program with those indexes 0, for
 * it to check.
 *
 * Socket filters (dg.skb; ctx struct __sk_buff) have no direct packet
 * access: where an XDP program touches the packet, a socket filter uses
 * LD_ABS/LD_IND (B, H, W; in and out of the packet, at SKF_NET_OFF and
 * SKF_LL_OFF too; main only: the kernel refuses them in subprograms
 * without BTF) or bpf_skb_load_bytes, reads the __sk_buff fields a socket
 * filter may read (narrow loads too) and reads and writes cb[]. LD_ABS/LD_IND
 * clobber r1..r5 as a helper call does, and end the program with r0 = 0
 * outside the packet. No csum_diff (the kernel refuses it for the type), no
 * adjust or xdp helpers.
 */
#ifndef BPFVM_TESTS_DGEN_H
#define BPFVM_TESTS_DGEN_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "bpfvm.h"
#include "insn_build.h"
#include "vgen.h"

#define DG_MAX 4096          /* slots */
#define DG_VALS_SIZE 64
#define DG_VALS_ENTRIES 4
#define DG_OUT_SIZE 128
#define DG_MAP_VALS 0
#define DG_MAP_OUT 1
#define DG_MAX_SUB 3
#define DG_KEY_OFF (-68)
#define DG_SAVE_OFF (-72) /* main's register save slots: DG_SAVE_OFF - 8 * (i + 1) */

/* Helper ids (the kernel's). */
#define DG_H_LOOKUP 1
#define DG_H_UPDATE 2
#define DG_H_DELETE 3
#define DG_H_SKB_LOAD_BYTES 26
#define DG_H_CSUM_DIFF 28
#define DG_H_ADJUST_HEAD 44
#define DG_H_ADJUST_META 54
#define DG_H_ADJUST_TAIL 65
#define DG_H_BUFF_LEN 188
#define DG_H_LOAD_BYTES 189
#define DG_H_STORE_BYTES 190

/* Instruction families the kernel may not have; the driver probes them
 * and clears what the running kernel refuses. */
enum dg_feature {
	DG_F_SDIV = 1u << 0,    /* sdiv/smod (off 1) */
	DG_F_MOVSX = 1u << 1,   /* movsx */
	DG_F_BSWAP = 1u << 2,   /* ALU64 END (bswap) */
	DG_F_LDSX = 1u << 3,    /* sign-extending loads */
	DG_F_JA32 = 1u << 4,    /* gotol */
	DG_F_ACQREL = 1u << 5,  /* load-acquire / store-release */
	DG_F_XDPBYTES = 1u << 6, /* bpf_xdp_load_bytes / store_bytes / get_buff_len */
	DG_F_ALL = (1u << 7) - 1,
};

/* What a run can leave out (a known bug would flood it): bits of
 * dg.nohelp, named as difftest --leave-out takes them (dg_leave_out_names). */
enum dg_helper_bit {
	DG_HB_LOOKUP = 1u << 0,
	DG_HB_UPDATE = 1u << 1,
	DG_HB_DELETE = 1u << 2,
	DG_HB_CSUM = 1u << 3,
	DG_HB_ADJUST = 1u << 4,  /* adjust_head, _tail, _meta */
	DG_HB_XDPBYTES = 1u << 5, /* get_buff_len, load_bytes, store_bytes */
	DG_HB_UPDATE_LOCK = 1u << 6, /* update with BPF_F_LOCK (an array has no lock) */
	DG_HB_SKBBYTES = 1u << 7, /* socket filters: bpf_skb_load_bytes */
	DG_HB_LDABS = 1u << 8,    /* socket filters: LD_ABS / LD_IND */
	DG_HB_LDNEG = 1u << 9,    /* their offsets at SKF_NET_OFF / SKF_LL_OFF */
	DG_HB_CB = 1u << 10,      /* socket filters: stores into cb[] */
	DG_HB_STACKVAR = 1u << 11, /* stack arrays at a variable index (dg_stack_var) */
};

/* Not a part to leave out: the same program (the same draws) with every
 * variable stack index replaced by 0, so that dt_clean(), which follows
 * the stack at fixed offsets only, can check the rest of it (difftest
 * --check-gen). Its results are not those of the program. */
#define DG_VIEW_FIXED (1u << 31)

static const char *const dg_leave_out_names[] = {
	"lookup", "update", "delete", "csum_diff", "adjust", "xdp_bytes", "update_lock",
	"skb_bytes", "ld_abs", "ld_neg", "cb_store", "stack_var",
};

/* The bit of helper id, 0 for one the generator does not call. */
static inline unsigned dg_helper_bit(int id)
{
	switch (id) {
	case DG_H_LOOKUP: return DG_HB_LOOKUP;
	case DG_H_UPDATE: return DG_HB_UPDATE;
	case DG_H_DELETE: return DG_HB_DELETE;
	case DG_H_CSUM_DIFF: return DG_HB_CSUM;
	case DG_H_ADJUST_HEAD: case DG_H_ADJUST_TAIL: case DG_H_ADJUST_META: return DG_HB_ADJUST;
	case DG_H_BUFF_LEN: case DG_H_LOAD_BYTES: case DG_H_STORE_BYTES: return DG_HB_XDPBYTES;
	case DG_H_SKB_LOAD_BYTES: return DG_HB_SKBBYTES;
	default: return 0;
	}
}

/* Which register sets may be used. */
#define DG_REG(r) ((uint16_t)(1u << (r)))
#define DG_ARGS (DG_REG(1) | DG_REG(2) | DG_REG(3) | DG_REG(4) | DG_REG(5))

struct dg {
	struct vgen_src *s;
	struct bpfvm_insn *p; /* DG_MAX slots */
	size_t n;
	unsigned feat;
	unsigned nohelp; /* dg_helper_bit()s not to call */
	bool skb;       /* a socket filter (else XDP) */
	uint16_t scal;  /* registers holding an initialised scalar */
	uint16_t resv;  /* registers never written */
	uint16_t busy;  /* pointers a block still needs: not written either */
	int depth;      /* block nesting */
	int budget;     /* statements left in this frame */
	bool in_loop;
	int frame;      /* 0: main, i + 1: subprogram i */
	int nsub;       /* subprograms this program has */
	int sub_args[DG_MAX_SUB]; /* scalar arguments (r3..) each takes */
	int sub_ptr[DG_MAX_SUB];  /* 0, or -L: its next argument is the caller's r10 - L */
	struct { size_t at; int sub; } calls[128];
	int ncalls;
	size_t early[8]; /* main's jumps to its early exit */
	int nearly;
	bool full;      /* ran out of slots: the program is not usable */
};

/* ---- randomness ---- */

static inline unsigned dg_rand(struct dg *g, unsigned n)
{
	unsigned v = vgen_byte(g->s) | vgen_byte(g->s) << 8;
	return n ? v % n : 0;
}

static inline bool dg_chance(struct dg *g, unsigned num, unsigned den)
{
	return dg_rand(g, den) < num;
}

static inline uint32_t dg_u32(struct dg *g)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v = v << 8 | vgen_byte(g->s);
	return v;
}

/* 32-bit immediates: the edges of every width, some random. */
static inline int32_t dg_imm(struct dg *g)
{
	static const int32_t k[] = {
		0, 1, -1, 2, -2, 3, 7, 8, 15, 16, 31, 32, 33, 63, 64, 127, 128, 255, 256,
		0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, INT32_MIN, INT32_MIN + 1, -128, -129,
		-32768, -32769, 0x12345678, 0x55555555, (int32_t)0xaaaaaaaa, (int32_t)0xdeadbeef,
	};
	if (dg_chance(g, 1, 4))
		return (int32_t)(dg_u32(g) >> dg_rand(g, 32));
	return k[dg_rand(g, sizeof(k) / sizeof(k[0]))];
}

static inline uint64_t dg_imm64(struct dg *g)
{
	static const uint64_t k[] = {
		0, 1, ~0ull, 0x8000000000000000ull, 0x7fffffffffffffffull, 0xffffffffull,
		0x100000000ull, 0x80000000ull, 0x7fffffffull, 0xffffffff80000000ull,
		0x8000000000000001ull, 0x00000000ffff0000ull, 0xffff0000ffff0000ull,
		0x0123456789abcdefull, 0xfedcba9876543210ull, 0x00000001ffffffffull,
	};
	if (dg_chance(g, 1, 3))
		return ((uint64_t)dg_u32(g) << 32 | dg_u32(g)) >> dg_rand(g, 64);
	return k[dg_rand(g, sizeof(k) / sizeof(k[0]))];
}

/* A shift count that the kernel accepts as an immediate: the edges 0, 1,
 * 31, 32, 63 (and random ones), masked to the width. */
static inline int32_t dg_shift(struct dg *g, bool is64)
{
	static const int32_t k[] = { 0, 1, 7, 8, 15, 16, 31, 32, 33, 48, 63 };
	int32_t v = dg_chance(g, 1, 4) ? (int32_t)dg_rand(g, 64) : k[dg_rand(g, 11)];
	return v & (is64 ? 63 : 31);
}

/* ---- emission ---- */

static inline size_t dg_emit(struct dg *g, struct bpfvm_insn in)
{
	/* keep room for the epilogues and the early exit */
	if (g->n >= DG_MAX - 96) {
		g->full = true;
		return g->n ? g->n - 1 : 0;
	}
	g->p[g->n] = in;
	return g->n++;
}

#define DG_EMIT(g, ...) dg_emit((g), (struct bpfvm_insn)__VA_ARGS__)

static inline void dg_lddw(struct dg *g, unsigned dst, uint64_t v)
{
	struct bpfvm_insn two[] = { I_LD_IMM64(dst, v) };
	dg_emit(g, two[0]);
	dg_emit(g, two[1]);
}

static inline void dg_ldmap(struct dg *g, unsigned dst, int map)
{
	struct bpfvm_insn two[] = { I_LD_IMM64_RAW(dst, BI_PSEUDO_MAP_FD, map, 0) };
	dg_emit(g, two[0]);
	dg_emit(g, two[1]);
}

/* Point the jump at slot `at` to the current end. */
static inline void dg_patch(struct dg *g, size_t at)
{
	if (!g->full)
		g->p[at].off = (int16_t)(g->n - at - 1);
}

static inline int dg_count(uint16_t mask)
{
	int c = 0;
	for (; mask; mask &= (uint16_t)(mask - 1))
		c++;
	return c;
}

/* A random register of mask, or -1 when it is empty. */
static inline int dg_pick(struct dg *g, uint16_t mask)
{
	int c = dg_count(mask);
	if (!c)
		return -1;
	int k = (int)dg_rand(g, (unsigned)c);
	for (int r = 0; r < 11; r++)
		if (mask & DG_REG(r) && k-- == 0)
			return r;
	return -1;
}

static inline uint16_t dg_writable(const struct dg *g)
{
	return (uint16_t)(0x3ff & ~g->resv & ~g->busy);
}

/* A scalar to read; makes one (dst = imm) when there is none. */
static inline int dg_scalar(struct dg *g)
{
	int r = dg_pick(g, g->scal);
	if (r < 0) {
		r = dg_pick(g, dg_writable(g));
		DG_EMIT(g, I_MOV64_IMM(r, dg_imm(g)));
		g->scal |= DG_REG(r);
	}
	return r;
}

/* A scalar that may also be written (fetch atomics write their source). */
static inline int dg_scalar_w(struct dg *g)
{
	int r = dg_pick(g, (uint16_t)(g->scal & dg_writable(g)));
	if (r < 0) {
		r = dg_pick(g, dg_writable(g));
		DG_EMIT(g, I_MOV64_IMM(r, dg_imm(g)));
		g->scal |= DG_REG(r);
	}
	return r;
}

static inline int dg_dst(struct dg *g, uint16_t avoid)
{
	int r = dg_pick(g, (uint16_t)(dg_writable(g) & ~avoid));
	return r < 0 ? 0 : r;
}

/* ---- ALU ---- */

static inline void dg_alu(struct dg *g)
{
	static const uint8_t ops[] = { BI_ADD, BI_SUB, BI_MUL, BI_DIV, BI_OR, BI_AND, BI_LSH,
				       BI_RSH, BI_MOD, BI_XOR, BI_MOV, BI_ARSH };
	bool is64 = dg_chance(g, 1, 2);
	uint8_t op = ops[dg_rand(g, sizeof(ops))];
	uint8_t cls = is64 ? BI_ALU64 : BI_ALU;
	int16_t off = 0;
	int dst;
	if (op == BI_MOV) {
		dst = dg_dst(g, 0);
	} else {
		dst = dg_pick(g, (uint16_t)(g->scal & dg_writable(g)));
		if (dst < 0) {
			dst = dg_dst(g, 0);
			DG_EMIT(g, I_MOV64_IMM(dst, dg_imm(g)));
		}
	}
	if ((op == BI_DIV || op == BI_MOD) && g->feat & DG_F_SDIV && dg_chance(g, 1, 2))
		off = 1; /* sdiv / smod */
	if (dg_chance(g, 1, 2)) {
		int32_t imm = dg_imm(g);
		if (op == BI_LSH || op == BI_RSH || op == BI_ARSH)
			imm = dg_shift(g, is64);
		if ((op == BI_DIV || op == BI_MOD) && imm == 0)
			imm = dg_chance(g, 1, 2) ? 1 : -1;
		DG_EMIT(g, I_RAW(cls | op | BI_K, dst, 0, off, imm));
	} else {
		int src = dg_scalar(g);
		if (op == BI_MOV && g->feat & DG_F_MOVSX && dg_chance(g, 1, 3)) {
			static const int16_t w[] = { 8, 16, 32 };
			off = w[dg_rand(g, is64 ? 3 : 2)];
		}
		DG_EMIT(g, I_RAW(cls | op | BI_X, dst, src, off, 0));
	}
	g->scal |= DG_REG(dst);
}

/* neg, byte swaps, a 64-bit constant */
static inline void dg_unary(struct dg *g)
{
	int dst = dg_pick(g, (uint16_t)(g->scal & dg_writable(g)));
	unsigned k = dg_rand(g, 6);
	static const int32_t bits[] = { 16, 32, 64 };
	if (dst < 0 || k == 5) {
		dst = dg_dst(g, 0);
		dg_lddw(g, (unsigned)dst, dg_imm64(g));
	} else if (k == 0) {
		DG_EMIT(g, I_NEG64(dst));
	} else if (k == 1) {
		DG_EMIT(g, I_NEG32(dst));
	} else if (k == 2) {
		DG_EMIT(g, I_LE(dst, bits[dg_rand(g, 3)]));
	} else if (k == 3) {
		DG_EMIT(g, I_BE(dst, bits[dg_rand(g, 3)]));
	} else if (g->feat & DG_F_BSWAP) {
		DG_EMIT(g, I_BSWAP(dst, bits[dg_rand(g, 3)]));
	} else {
		DG_EMIT(g, I_BE(dst, bits[dg_rand(g, 3)]));
	}
	g->scal |= DG_REG(dst);
}

/* ---- memory ---- */

static inline uint8_t dg_size_code(unsigned bytes)
{
	return bytes == 1 ? BI_B : bytes == 2 ? BI_H : bytes == 4 ? BI_W : BI_DW;
}

static inline unsigned dg_size(struct dg *g)
{
	return 1u << dg_rand(g, 4);
}

/*
 * One access to [base + off] of sz bytes (base a pointer register the
 * kernel knows the region of): a load (plain, sign-extending), a store of
 * a register or an immediate, or (atomic_ok, aligned W/DW) an atomic.
 * avoid: registers a load must not overwrite (the block's pointers).
 */
static inline void dg_access(struct dg *g, int base, int16_t off, unsigned sz, bool atomic_ok,
			     uint16_t avoid)
{
	uint8_t sc = dg_size_code(sz);
	unsigned k = dg_rand(g, atomic_ok && (sz == 4 || sz == 8) ? 10 : 7);
	if (k == 0 || k == 1) {
		int dst = dg_dst(g, avoid);
		DG_EMIT(g, I_LDX(sc, dst, base, off));
		g->scal |= DG_REG(dst);
	} else if (k == 2 && g->feat & DG_F_LDSX && sz < 8) {
		int dst = dg_dst(g, avoid);
		DG_EMIT(g, I_LDXSX(sc, dst, base, off));
		g->scal |= DG_REG(dst);
	} else if (k <= 4) {
		DG_EMIT(g, I_STX(sc, base, dg_scalar(g), off));
	} else if (k <= 6) {
		DG_EMIT(g, I_ST(sc, base, off, dg_imm(g)));
	} else if (k == 9 && g->feat & DG_F_ACQREL) {
		if (dg_chance(g, 1, 2)) {
			int dst = dg_dst(g, avoid);
			DG_EMIT(g, I_ATOMIC(sc, BI_LOAD_ACQ, dst, base, off));
			g->scal |= DG_REG(dst);
		} else {
			DG_EMIT(g, I_ATOMIC(sc, BI_STORE_REL, base, dg_scalar(g), off));
		}
	} else {
		static const int32_t aops[] = { BI_ADD, BI_OR, BI_AND, BI_XOR,
						BI_ADD | BI_FETCH, BI_OR | BI_FETCH,
						BI_AND | BI_FETCH, BI_XOR | BI_FETCH,
						BI_XCHG, BI_CMPXCHG };
		int32_t op = aops[dg_rand(g, 10)];
		/* cmpxchg compares with r0 and writes it: r0 must be a
		 * scalar, and not the base */
		if (op == BI_CMPXCHG && (base == 0 || (g->resv | g->busy) & DG_REG(0)))
			op = BI_XCHG;
		if (op == BI_CMPXCHG && !(g->scal & DG_REG(0))) {
			DG_EMIT(g, I_MOV64_IMM(0, dg_imm(g)));
			g->scal |= DG_REG(0);
		}
		int src = (op & BI_FETCH) ? dg_scalar_w(g) : dg_scalar(g);
		if (src == base) /* a fetch into the base kills it; avoid */
			src = dg_scalar(g);
		if (src == base || (op & BI_FETCH && (g->resv | g->busy) & DG_REG(src)))
			return;
		DG_EMIT(g, I_ATOMIC(sc, op, base, src, off));
	}
}

/* The scratch stack: aligned accesses of every size. */
static inline void dg_stack(struct dg *g)
{
	unsigned sz = dg_size(g);
	int16_t off = (int16_t)(-64 + (int)(sz * dg_rand(g, 64 / sz)));
	dg_access(g, 10, off, sz, true, 0);
}

/* The map value r7 points to: any offset (aligned for atomics), or a
 * bounded variable one through a copy of r7. */
static inline void dg_mapval(struct dg *g)
{
	unsigned sz = dg_size(g);
	bool aligned = dg_chance(g, 2, 3);
	if (dg_chance(g, 1, 4)) {
		static const int32_t masks[] = { 7, 15, 31, 0x18, 0x38 };
		int32_t mask = masks[dg_rand(g, 5)] & ~(int32_t)(sz - 1);
		int v = dg_scalar(g);
		int t = dg_dst(g, DG_REG(v));
		int u = dg_dst(g, DG_REG(v) | DG_REG(t));
		DG_EMIT(g, I_MOV64_REG(u, v));
		DG_EMIT(g, I_ALU64_IMM(BI_AND, u, mask));
		DG_EMIT(g, I_MOV64_REG(t, 7));
		DG_EMIT(g, I_ALU64_REG(BI_ADD, t, u));
		g->scal |= DG_REG(u);
		g->scal &= (uint16_t)~DG_REG(t);
		int room = DG_VALS_SIZE - (int)sz - mask;
		int16_t off = (int16_t)(room > 0 ? dg_rand(g, (unsigned)room + 1) : 0);
		off = (int16_t)(off & ~(int)(sz - 1));
		uint16_t busy = g->busy;
		g->busy |= DG_REG(t);
		dg_access(g, t, off, sz, true, DG_REG(t));
		g->busy = busy;
		return;
	}
	int16_t off = (int16_t)dg_rand(g, DG_VALS_SIZE - sz + 1);
	if (aligned)
		off = (int16_t)(off & ~(int)(sz - 1));
	dg_access(g, 7, off, sz, aligned, 0);
}

/* ---- blocks ---- */

static inline void dg_stmts(struct dg *g, int count);

/* A condition: if dst OP src/imm goto (off patched later). Returns the
 * jump's slot. */
static inline size_t dg_cond(struct dg *g)
{
	static const uint8_t ops[] = { BI_JEQ, BI_JGT, BI_JGE, BI_JSET, BI_JNE, BI_JSGT,
				       BI_JSGE, BI_JLT, BI_JLE, BI_JSLT, BI_JSLE };
	uint8_t op = ops[dg_rand(g, sizeof(ops))];
	uint8_t cls = dg_chance(g, 1, 2) ? BI_JMP : BI_JMP32;
	int dst = dg_scalar(g);
	if (dg_chance(g, 1, 2))
		return DG_EMIT(g, I_RAW(cls | op | BI_K, dst, 0, 0, dg_imm(g)));
	return DG_EMIT(g, I_RAW(cls | op | BI_X, dst, dg_scalar(g), 0, 0));
}

/* if (cond) skip { A }, or if/else { A } { B } */
static inline void dg_if(struct dg *g)
{
	size_t j = dg_cond(g);
	uint16_t before = g->scal;
	g->depth++;
	dg_stmts(g, 1 + (int)dg_rand(g, 5));
	if (dg_chance(g, 1, 3)) {
		uint16_t a = g->scal;
		size_t ja;
		bool wide = g->feat & DG_F_JA32 && dg_chance(g, 1, 4);
		ja = wide ? DG_EMIT(g, I_JA32(0)) : DG_EMIT(g, I_JA(0));
		dg_patch(g, j);
		g->scal = before;
		dg_stmts(g, 1 + (int)dg_rand(g, 5));
		if (!g->full) {
			if (wide)
				g->p[ja].imm = (int32_t)(g->n - ja - 1);
			else
				dg_patch(g, ja);
		}
		g->scal &= a;
	} else {
		dg_patch(g, j);
		g->scal &= before;
	}
	g->depth--;
}

/* A counted loop: rC = K; L: body; rC -= 1; if rC != 0 goto L. */
static inline void dg_loop(struct dg *g)
{
	int c = dg_pick(g, (uint16_t)((DG_REG(8) | DG_REG(9)) & dg_writable(g)));
	if (c < 0 || g->in_loop)
		return;
	DG_EMIT(g, I_MOV64_IMM(c, 1 + (int)dg_rand(g, 6)));
	g->scal |= DG_REG(c);
	g->resv |= DG_REG(c);
	g->in_loop = true;
	uint16_t head = g->scal;
	size_t top = g->n;
	g->depth++;
	dg_stmts(g, 1 + (int)dg_rand(g, 6));
	g->depth--;
	/* what the body left non-scalar is made scalar again */
	for (int r = 0; r < 10; r++)
		if (head & DG_REG(r) & ~g->scal) {
			DG_EMIT(g, I_MOV64_IMM(r, dg_imm(g)));
			g->scal |= DG_REG(r);
		}
	if (dg_chance(g, 1, 2))
		DG_EMIT(g, I_ALU64_IMM(BI_ADD, c, -1));
	else
		DG_EMIT(g, I_ALU32_IMM(BI_SUB, c, 1));
	unsigned k = dg_rand(g, 3);
	int16_t back = (int16_t)((int)top - (int)g->n - 1);
	if (k == 0)
		DG_EMIT(g, I_JMP_IMM(BI_JNE, c, 0, back));
	else if (k == 1)
		DG_EMIT(g, I_JMP32_IMM(BI_JNE, c, 0, back));
	else
		DG_EMIT(g, I_JMP_IMM(BI_JSGT, c, 0, back));
	g->in_loop = false;
	g->resv &= (uint16_t)~DG_REG(c);
}

/* A packet access: reload data/data_end (or data_meta/data), maybe add a
 * bounded variable offset, check, then 1..3 accesses inside the checked
 * bytes. */
static inline void dg_packet(struct dg *g)
{
	bool meta = dg_chance(g, 1, 8);
	int a = dg_dst(g, 0);
	int b = dg_dst(g, DG_REG(a));
	int c = dg_dst(g, DG_REG(a) | DG_REG(b));
	int v = -1;
	uint16_t busy = g->busy;
	g->busy |= DG_REG(a) | DG_REG(b) | DG_REG(c);
	DG_EMIT(g, I_LDX(BI_W, a, 6, meta ? 8 : 0));
	g->scal &= (uint16_t)~DG_REG(a);
	if (dg_chance(g, 1, 4)) {
		static const int32_t masks[] = { 1, 7, 15, 31, 63, 255 };
		v = dg_scalar(g);
		if (v == b || v == c) { /* copy it out of the way */
			int u = dg_dst(g, DG_REG(a) | DG_REG(b) | DG_REG(c));
			DG_EMIT(g, I_MOV64_REG(u, v));
			g->scal |= DG_REG(u);
			v = u;
		}
		DG_EMIT(g, I_MOV64_REG(c, v));
		DG_EMIT(g, I_ALU64_IMM(BI_AND, c, masks[dg_rand(g, 6)]));
		DG_EMIT(g, I_ALU64_REG(BI_ADD, a, c));
	}
	static const int32_t spans[] = { 1, 2, 4, 8, 14, 15, 20, 34, 42, 54, 60, 64, 100, 128,
					 200, 1500 };
	int32_t span = dg_chance(g, 3, 4) ? (int32_t)(1 + dg_rand(g, 64))
					  : spans[dg_rand(g, sizeof(spans) / sizeof(spans[0]))];
	DG_EMIT(g, I_MOV64_REG(c, a));
	DG_EMIT(g, I_ALU64_IMM(BI_ADD, c, span));
	DG_EMIT(g, I_LDX(BI_W, b, 6, meta ? 0 : 4));
	size_t j = dg_chance(g, 1, 2) ? DG_EMIT(g, I_JMP_REG(BI_JGT, c, b, 0))
				      : DG_EMIT(g, I_JMP_REG(BI_JLT, b, c, 0));
	g->scal &= (uint16_t)~(DG_REG(a) | DG_REG(b) | DG_REG(c));
	uint16_t before = g->scal;
	int n = 1 + (int)dg_rand(g, 3);
	for (int i = 0; i < n; i++) {
		unsigned sz = dg_size(g);
		while (sz > (unsigned)span)
			sz >>= 1;
		int16_t off = (int16_t)dg_rand(g, (unsigned)span - sz + 1);
		dg_access(g, a, off, sz, false, DG_REG(a) | DG_REG(b) | DG_REG(c));
	}
	dg_patch(g, j);
	g->scal &= before;
	g->busy = busy;
}

/* r1..r5 are gone after a call; r0 holds an integer result. */
static inline void dg_after_call(struct dg *g)
{
	g->scal &= (uint16_t)~DG_ARGS;
	g->scal |= DG_REG(0);
}

/* The key at r10-68: a constant (4 means "no such entry") or a scalar. */
static inline void dg_key(struct dg *g)
{
	if (dg_chance(g, 3, 4))
		DG_EMIT(g, I_ST(BI_W, 10, DG_KEY_OFF, (int32_t)dg_rand(g, DG_VALS_ENTRIES + 1)));
	else
		DG_EMIT(g, I_STX(BI_W, 10, dg_scalar(g), DG_KEY_OFF));
}

static inline void dg_keyptr(struct dg *g, unsigned reg)
{
	DG_EMIT(g, I_MOV64_REG(reg, 10));
	DG_EMIT(g, I_ALU64_IMM(BI_ADD, reg, DG_KEY_OFF));
}

/* A size argument: mostly constant, sometimes a scalar the verifier does
 * not know (it must then be bounded: v & mask). */
static inline void dg_mov_arg(struct dg *g, unsigned reg, int32_t imm)
{
	if (dg_chance(g, 1, 4)) {
		int s = dg_scalar(g);
		if (s != (int)reg)
			DG_EMIT(g, I_MOV64_REG(reg, s));
		else
			return; /* already there */
	} else {
		DG_EMIT(g, I_MOV64_IMM(reg, imm));
	}
	g->scal |= DG_REG(reg);
}

/* A pointer into initialised memory of len bytes: the scratch stack or
 * the map value. */
static inline void dg_memarg(struct dg *g, unsigned reg, unsigned len)
{
	if (dg_chance(g, 1, 3)) {
		DG_EMIT(g, I_MOV64_REG(reg, 7));
		if (len < DG_VALS_SIZE)
			DG_EMIT(g, I_ALU64_IMM(BI_ADD, reg, (int32_t)dg_rand(g, DG_VALS_SIZE - len + 1)));
	} else {
		/* the kernel refuses even a 0-byte access at r10 + 0 */
		unsigned last = len ? (64 - len) / 4 : 15;
		DG_EMIT(g, I_MOV64_REG(reg, 10));
		DG_EMIT(g, I_ALU64_IMM(BI_ADD, reg, -64 + (int32_t)(4 * dg_rand(g, last + 1))));
	}
	g->scal &= (uint16_t)~DG_REG(reg);
}

/* Socket filters: bpf_skb_load_bytes(ctx, off, to, len) into the scratch
 * stack or the map value; off mostly inside the packet, some edges, some a
 * scalar (out of the packet, it zeroes `to` and returns -EFAULT). */
static inline void dg_skb_load_bytes(struct dg *g)
{
	static const int32_t offs[] = { 0, 1, 5, 6, 13, 14, 19, 20, 30, 40, 45, 46, 50, 86, 100,
					113, 114, 185, 186, 1485, 1486, 0xffff, -1, INT32_MAX,
					INT32_MIN };
	unsigned len = 1 + dg_rand(g, 32);
	uint16_t busy = g->busy;
	g->busy |= DG_ARGS;
	if (dg_chance(g, 1, 5)) {
		int s = dg_scalar(g);
		if (s != 2)
			DG_EMIT(g, I_MOV64_REG(2, s));
	} else if (dg_chance(g, 1, 2)) {
		DG_EMIT(g, I_MOV64_IMM(2, (int32_t)dg_rand(g, 48)));
	} else {
		DG_EMIT(g, I_MOV64_IMM(2, offs[dg_rand(g, sizeof(offs) / sizeof(offs[0]))]));
	}
	dg_memarg(g, 3, len);
	DG_EMIT(g, I_MOV64_IMM(4, (int32_t)len));
	DG_EMIT(g, I_MOV64_REG(1, 6));
	DG_EMIT(g, I_CALL(DG_H_SKB_LOAD_BYTES));
	g->busy = busy;
	dg_after_call(g);
}

static inline void dg_helper(struct dg *g)
{
	static const unsigned bit[] = { DG_HB_LOOKUP, DG_HB_LOOKUP, DG_HB_UPDATE, DG_HB_DELETE,
					DG_HB_CSUM, DG_HB_CSUM, DG_HB_ADJUST, DG_HB_ADJUST,
					DG_HB_ADJUST, DG_HB_XDPBYTES, DG_HB_XDPBYTES };
	unsigned k = dg_rand(g, 11);
	if (g->skb && k >= 4) {
		/* no csum_diff (refused for socket filters), adjust or xdp
		 * bytes: bpf_skb_load_bytes, or a map helper */
		if (k < 8) {
			if (g->nohelp & DG_HB_SKBBYTES)
				dg_alu(g);
			else
				dg_skb_load_bytes(g);
			return;
		}
		k -= 8;
	}
	if (g->nohelp & bit[k] || (bit[k] == DG_HB_XDPBYTES && !(g->feat & DG_F_XDPBYTES))) {
		dg_alu(g);
		return;
	}
	switch (k) {
	case 0:
	case 1: { /* lookup, then accesses through the result */
		dg_key(g);
		dg_ldmap(g, 1, DG_MAP_VALS);
		dg_keyptr(g, 2);
		DG_EMIT(g, I_CALL(DG_H_LOOKUP));
		dg_after_call(g);
		g->scal &= (uint16_t)~DG_REG(0);
		size_t j = DG_EMIT(g, I_JMP_IMM(BI_JEQ, 0, 0, 0));
		uint16_t before = g->scal, busy = g->busy;
		g->busy |= DG_REG(0);
		int n = 1 + (int)dg_rand(g, 3);
		for (int i = 0; i < n; i++) {
			unsigned sz = dg_size(g);
			int16_t off = (int16_t)(dg_rand(g, DG_VALS_SIZE / sz) * sz);
			dg_access(g, 0, off, sz, true, DG_REG(0));
		}
		dg_patch(g, j);
		g->scal &= before;
		g->busy = busy;
		break;
	}
	case 2: { /* update from the scratch stack */
		static const int32_t flags[] = { 0, 0, 1, 2, 4 };
		int32_t fl = flags[dg_rand(g, 5)];
		if (fl == 4 && g->nohelp & DG_HB_UPDATE_LOCK)
			fl = 2;
		dg_key(g);
		dg_ldmap(g, 1, DG_MAP_VALS);
		dg_keyptr(g, 2);
		DG_EMIT(g, I_MOV64_REG(3, 10));
		DG_EMIT(g, I_ALU64_IMM(BI_ADD, 3, -64));
		DG_EMIT(g, I_MOV64_IMM(4, fl));
		DG_EMIT(g, I_CALL(DG_H_UPDATE));
		dg_after_call(g);
		break;
	}
	case 3: /* delete: an array map refuses it */
		dg_key(g);
		dg_ldmap(g, 1, DG_MAP_VALS);
		dg_keyptr(g, 2);
		DG_EMIT(g, I_CALL(DG_H_DELETE));
		dg_after_call(g);
		break;
	case 4:
	case 5: { /* csum_diff over stack or map bytes (sizes not a multiple
		   * of 4 fail with -EINVAL); NULL with size 0 */
		unsigned fs = 4 * dg_rand(g, 5), ts = 4 * dg_rand(g, 5);
		uint16_t busy = g->busy;
		g->busy |= DG_ARGS;
		if (dg_chance(g, 1, 8))
			fs += 1 + dg_rand(g, 3);
		if (fs == 0 && dg_chance(g, 1, 2))
			DG_EMIT(g, I_MOV64_IMM(1, 0));
		else
			dg_memarg(g, 1, fs);
		DG_EMIT(g, I_MOV64_IMM(2, (int32_t)fs));
		if (ts == 0 && dg_chance(g, 1, 2))
			DG_EMIT(g, I_MOV64_IMM(3, 0));
		else
			dg_memarg(g, 3, ts);
		DG_EMIT(g, I_MOV64_IMM(4, (int32_t)ts));
		int seed = dg_scalar(g);
		if (seed >= 1 && seed <= 4)
			DG_EMIT(g, I_MOV64_IMM(5, dg_imm(g)));
		else
			DG_EMIT(g, I_MOV64_REG(5, seed));
		DG_EMIT(g, I_CALL(DG_H_CSUM_DIFF));
		g->busy = busy;
		dg_after_call(g);
		break;
	}
	case 6:
	case 7:
	case 8: { /* move the packet's head, tail or metadata */
		static const int32_t head[] = { 0, 1, -1, 4, -4, 14, -14, 20, -20, 34, 42, 50,
						-64, -100, -200, -216, -217, -256, 100, 1000,
						INT32_MIN, INT32_MAX };
		static const int32_t tail[] = { 0, 1, -1, 4, -4, 10, -10, -14, -20, -50, -64,
						-100, 64, 100, 1000, 3456, 3457, -1000, INT32_MIN,
						INT32_MAX };
		static const int32_t meta[] = { 0, -4, -8, -12, -32, -36, -252, -256, 4, 8, -3,
						-2, INT32_MIN };
		int id = k == 6 ? DG_H_ADJUST_HEAD : k == 7 ? DG_H_ADJUST_TAIL : DG_H_ADJUST_META;
		int32_t d = k == 6 ? head[dg_rand(g, sizeof(head) / 4)]
			  : k == 7 ? tail[dg_rand(g, sizeof(tail) / 4)]
				   : meta[dg_rand(g, sizeof(meta) / 4)];
		if (dg_chance(g, 1, 6)) { /* an unknown delta, bounded or not */
			int s = dg_scalar(g);
			if (s != 2)
				DG_EMIT(g, I_MOV64_REG(2, s));
			if (dg_chance(g, 1, 2))
				DG_EMIT(g, I_ALU64_IMM(BI_AND, 2, 63));
		} else {
			DG_EMIT(g, I_MOV64_IMM(2, d));
		}
		DG_EMIT(g, I_MOV64_REG(1, 6));
		DG_EMIT(g, I_CALL(id));
		dg_after_call(g);
		break;
	}
	case 9:
	case 10: /* xdp_get_buff_len, xdp_load_bytes, xdp_store_bytes */
		if (k == 9 && dg_chance(g, 1, 2)) {
			DG_EMIT(g, I_MOV64_REG(1, 6));
			DG_EMIT(g, I_CALL(DG_H_BUFF_LEN));
		} else {
			static const int32_t offs[] = { 0, 1, 13, 14, 20, 40, 50, 60, 63, 64, 100,
							1499, 0xffff, -1 };
			unsigned len = 1 + dg_rand(g, 32);
			if (dg_chance(g, 1, 4)) {
				int s = dg_scalar(g);
				if (s != 2)
					DG_EMIT(g, I_MOV64_REG(2, s));
			} else {
				DG_EMIT(g, I_MOV64_IMM(2, offs[dg_rand(g, sizeof(offs) / 4)]));
			}
			if (k == 9) { /* load into the scratch stack */
				DG_EMIT(g, I_MOV64_REG(3, 10));
				DG_EMIT(g, I_ALU64_IMM(BI_ADD, 3,
						       -64 + (int32_t)(8 * dg_rand(g, (64 - len) / 8 + 1))));
			} else {
				dg_memarg(g, 3, len);
			}
			DG_EMIT(g, I_MOV64_IMM(4, (int32_t)len));
			DG_EMIT(g, I_MOV64_REG(1, 6));
			DG_EMIT(g, I_CALL(k == 9 ? DG_H_LOAD_BYTES : DG_H_STORE_BYTES));
		}
		dg_after_call(g);
		break;
	}
}

/* A call of a later subprogram: r1 = ctx, r2 = the map value, r3.. its
 * scalar arguments. */
static inline void dg_call(struct dg *g)
{
	int first = g->frame; /* subprogram index frame - 1 may call index >= frame */
	if (first >= g->nsub || g->ncalls >= (int)(sizeof(g->calls) / sizeof(g->calls[0])))
		return;
	int sub = first + (int)dg_rand(g, (unsigned)(g->nsub - first));
	uint16_t busy = g->busy;
	for (int i = 0; i < g->sub_args[sub]; i++) {
		unsigned reg = (unsigned)(3 + i);
		if (dg_chance(g, 1, 3)) {
			DG_EMIT(g, I_MOV64_IMM(reg, dg_imm(g)));
		} else {
			int s = dg_scalar(g);
			if (s != (int)reg)
				DG_EMIT(g, I_MOV64_REG(reg, s));
		}
		g->scal |= DG_REG(reg);
		g->busy |= DG_REG(reg);
	}
	if (g->sub_ptr[sub]) { /* the pointer argument: this frame's scratch */
		int reg = 3 + g->sub_args[sub];
		DG_EMIT(g, I_MOV64_REG(reg, 10));
		DG_EMIT(g, I_ALU64_IMM(BI_ADD, reg, g->sub_ptr[sub]));
		g->scal &= (uint16_t)~DG_REG(reg);
	}
	g->busy = busy;
	DG_EMIT(g, I_MOV64_REG(1, 6));
	DG_EMIT(g, I_MOV64_REG(2, 7));
	size_t at = DG_EMIT(g, I_CALL_LOCAL(0));
	g->calls[g->ncalls].at = at;
	g->calls[g->ncalls].sub = sub;
	g->ncalls++;
	dg_after_call(g);
}

/* The context fields other than the packet pointers (1 and 0 under
 * BPF_PROG_TEST_RUN, and in difftest's bpfvm context). */
static inline void dg_ctx_field(struct dg *g)
{
	int dst = dg_dst(g, 0);
	DG_EMIT(g, I_LDX(BI_W, dst, 6, dg_chance(g, 1, 2) ? 12 : 16));
	g->scal |= DG_REG(dst);
}

/* Socket filters: a field of struct __sk_buff. cb[] is loaded (plain or
 * sign-extending) or stored at any aligned size (DW at cb[0] and cb[2]);
 * the others are loaded whole or narrow (1, 2 bytes inside). All hold the
 * same values in the kernel's test run and in difftest's bpfvm context
 * (harness.c). */
static inline void dg_skb_field(struct dg *g)
{
	static const int16_t fields[] = { 0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 68, 84,
					  164, 176 };
	int base = 6; /* the context, in main and in every subprogram */
	if (dg_chance(g, 2, 5)) {
		unsigned sz = dg_size(g);
		int16_t off = (int16_t)(48 + sz * dg_rand(g, 20 / sz));
		uint8_t sc = dg_size_code(sz);
		unsigned k = dg_rand(g, 5);
		if (k >= 3 && g->nohelp & DG_HB_CB)
			k = 0;
		if (k == 2 && (!(g->feat & DG_F_LDSX) || sz == 8))
			k = 1;
		if (k <= 2) {
			int dst = dg_dst(g, 0);
			if (k == 2)
				DG_EMIT(g, I_LDXSX(sc, dst, base, off));
			else
				DG_EMIT(g, I_LDX(sc, dst, base, off));
			g->scal |= DG_REG(dst);
		} else if (k == 3) {
			DG_EMIT(g, I_STX(sc, base, dg_scalar(g), off));
		} else {
			DG_EMIT(g, I_ST(sc, base, off, dg_imm(g)));
		}
		return;
	}
	unsigned sz = 1u << dg_rand(g, 3);
	int16_t off = (int16_t)(fields[dg_rand(g, sizeof(fields) / sizeof(fields[0]))] +
				(int)(sz * dg_rand(g, 4 / sz)));
	int dst = dg_dst(g, 0);
	DG_EMIT(g, I_LDX(dg_size_code(sz), dst, base, off));
	g->scal |= DG_REG(dst);
}

/* An LD_ABS/IND offset: mostly inside the first bytes of the packet (the
 * kernel's test run starts it at the network header: 0 to 1486 bytes
 * here), some at its edges or far out, some at SKF_NET_OFF (the network
 * header) and SKF_LL_OFF (the Ethernet header) plus a little. */
static inline int32_t dg_ld_off(struct dg *g)
{
	static const int32_t edges[] = { 0, 1, 5, 6, 18, 19, 20, 26, 28, 38, 40, 44, 46, 47, 49,
					 50, 84, 86, 112, 114, 184, 186, 496, 498, 1484, 1486,
					 0xffff, 0x7fffffff, -1, -2, -4, -0x1000, INT32_MIN };
	static const int32_t neg[] = { -0x100000, -0x200000, -0x100001, -0x200001,
				       -0x100000 + 0xfffff, -0x1000 };
	unsigned k = dg_rand(g, 20);
	if (k < 3 && !(g->nohelp & DG_HB_LDNEG)) {
		if (k == 0)
			return neg[dg_rand(g, sizeof(neg) / sizeof(neg[0]))];
		/* SKF_LL_OFF + k: the Ethernet header from k = 0, the
		 * network header from k = 14 */
		return k == 1 ? -0x200000 + (int32_t)dg_rand(g, 40) : -0x100000 + (int32_t)dg_rand(g, 24);
	}
	if (k < 6)
		return edges[dg_rand(g, sizeof(edges) / sizeof(edges[0]))];
	return (int32_t)dg_rand(g, 24);
}

/* Socket filters: r0 = a packet load through LD_ABS or LD_IND (in main;
 * in a subprogram a context field instead). LD_IND's register is a
 * scalar, masked or not, and its offset wraps at 32 bits in the kernel. */
static inline void dg_ldabs(struct dg *g)
{
	if (g->frame || g->nohelp & DG_HB_LDABS) {
		dg_skb_field(g);
		return;
	}
	static const uint8_t sizes[] = { BI_B, BI_H, BI_W };
	uint8_t sc = sizes[dg_rand(g, 3)];
	if (dg_chance(g, 1, 2)) {
		DG_EMIT(g, I_LD_ABS(sc, dg_ld_off(g)));
	} else {
		static const int32_t masks[] = { 1, 7, 15, 31, 63, 0xff, 0xffff };
		static const int32_t wide[] = { INT32_MIN, INT32_MIN + 5, INT32_MAX, -1, -14,
						-0x100000, -0x200000, 0x7fe00001, 0x7ff00001 };
		int s = dg_scalar(g);
		int32_t imm;
		if (dg_chance(g, 2, 3)) {
			int u = dg_dst(g, 0);
			if (u != s)
				DG_EMIT(g, I_MOV64_REG(u, s));
			DG_EMIT(g, I_ALU64_IMM(BI_AND, u, masks[dg_rand(g, sizeof(masks) / 4)]));
			g->scal |= DG_REG(u);
			s = u;
			imm = dg_chance(g, 4, 5) ? (int32_t)dg_rand(g, 16) : dg_ld_off(g);
		} else {
			imm = dg_chance(g, 1, 2) || g->nohelp & DG_HB_LDNEG
				      ? dg_ld_off(g) : wide[dg_rand(g, sizeof(wide) / 4)];
		}
		DG_EMIT(g, I_LD_IND(sc, s, imm));
	}
	dg_after_call(g);
}

/* ---- stack arrays at a variable index (DG_HB_STACKVAR) ---- */

/*
 * An array on the stack indexed by a variable, as the kernel allows root
 * (check_stack_read_var_off, check_stack_write_var_off): every byte of
 * the array is written at fixed offsets first (the kernel's stack holds
 * garbage where nothing was written, bpfvm's zeros), then an index from a
 * register, the map value or the packet is bounded as real code bounds
 * it (a mask, or a compare that skips the accesses) and aligned to the
 * access size (the kernel checks the alignment of variable stack
 * offsets), then loads and stores at r10 + fixed + index, whose results
 * go on to registers (saved into "out"), the map value and the scratch
 * stack (dumped into "out"). In main the array is in the scratch stack
 * or in [-200, -136) (main's frame then takes 200 bytes: with three
 * subprograms of 68 below it, the kernel's 512 combined, rounded to 32
 * each); in a subprogram in its scratch stack; and a subprogram that
 * takes a pointer to its caller's scratch stack (dg.sub_ptr) indexes
 * that at its entry.
 */
#define DG_ARR_LOW (-200)

/* Fill [base, base + len) from base_reg with aligned stores of mixed
 * sizes, every byte once. */
static inline void dg_arr_fill(struct dg *g, int base_reg, int base, int len)
{
	int pos = base;
	while (pos < base + len && !g->full) {
		unsigned sz = dg_chance(g, 3, 4) ? 8 : dg_size(g);
		while (sz > 1 && ((pos & (int)(sz - 1)) || pos + (int)sz > base + len))
			sz >>= 1;
		int s = dg_pick(g, g->scal);
		if (s >= 0 && dg_chance(g, 1, 2))
			DG_EMIT(g, I_STX(dg_size_code(sz), base_reg, s, (int16_t)pos));
		else
			DG_EMIT(g, I_ST(dg_size_code(sz), base_reg, (int16_t)pos, dg_imm(g)));
		pos += (int)sz;
	}
}

static inline int dg_log2(unsigned v)
{
	int k = 0;
	while (v > 1u << k)
		k++;
	return k;
}

/*
 * A fresh scalar register holding an index into an array of len bytes
 * (a multiple of 8) read sz bytes at a time, a multiple of sz: in
 * [0, len - sz], or in [-*bias, 0] when *bias is set (the pointer's fixed
 * part then adds *bias). *skip: the slot of the compare that jumps over
 * the accesses when the index is too big (patch it after them), or
 * SIZE_MAX when a mask bounds it.
 */
static inline int dg_arr_index(struct dg *g, int len, unsigned sz, size_t *skip, int *bias)
{
	int v;
	unsigned from = dg_rand(g, 8);
	*skip = SIZE_MAX;
	*bias = 0;
	if (from == 0 && g->skb && !g->frame && !(g->nohelp & DG_HB_LDABS) &&
	    !((g->busy | g->resv) & (DG_ARGS | DG_REG(0)))) {
		/* packet bytes (a packet too short ends the program) */
		uint8_t sc = dg_chance(g, 1, 2) ? BI_B : BI_H;
		DG_EMIT(g, I_LD_ABS(sc, (int32_t)dg_rand(g, 12)));
		dg_after_call(g);
		v = 0;
	} else if (from <= 2) { /* map value bytes */
		unsigned s = dg_size(g);
		v = dg_dst(g, 0);
		DG_EMIT(g, I_LDX(dg_size_code(s), v, 7, (int16_t)(s * dg_rand(g, DG_VALS_SIZE / s))));
		g->scal |= DG_REG(v);
	} else { /* a register: packet bytes in main's r8, r9, results, arguments */
		v = dg_scalar(g);
	}
	int u = dg_dst(g, 0);
	if (u != v || dg_chance(g, 1, 2))
		DG_EMIT(g, I_MOV64_REG(u, v));
	g->scal |= DG_REG(u);
	int p2 = 16; /* the largest power of two <= len */
	while (p2 * 2 <= len)
		p2 *= 2;
	int shift = dg_log2(sz);
	unsigned k = dg_rand(g, 6);
	if (k <= 1) { /* idx &= mask (some bits of it); k == 1: then idx -= mask */
		int32_t mask = (p2 - 1) & ~(int32_t)(sz - 1);
		if (dg_chance(g, 1, 4))
			mask &= (int32_t)dg_rand(g, 256);
		if (dg_chance(g, 1, 4))
			DG_EMIT(g, I_ALU32_IMM(BI_AND, u, mask));
		else
			DG_EMIT(g, I_ALU64_IMM(BI_AND, u, mask));
		if (k == 1) {
			if (dg_chance(g, 1, 2))
				DG_EMIT(g, I_ALU64_IMM(BI_SUB, u, mask));
			else
				DG_EMIT(g, I_ALU64_IMM(BI_ADD, u, -mask));
			*bias = mask;
		}
	} else if (k == 2) { /* an element number masked, times the size */
		DG_EMIT(g, I_ALU64_IMM(BI_AND, u, (p2 >> shift) - 1));
		if (shift)
			DG_EMIT(g, I_ALU64_IMM(BI_LSH, u, shift));
	} else if (k == 3) { /* idx &= -sz; if idx > len - sz skip */
		if (sz > 1)
			DG_EMIT(g, I_ALU64_IMM(BI_AND, u, -(int32_t)sz));
		if (dg_chance(g, 1, 2))
			*skip = DG_EMIT(g, I_JMP_IMM(BI_JGT, u, len - (int)sz, 0));
		else
			*skip = DG_EMIT(g, I_JMP_IMM(BI_JGE, u, len - (int)sz + 1, 0));
	} else if (k == 4) { /* if element > count - 1 skip; idx = element * sz */
		*skip = DG_EMIT(g, I_JMP_IMM(BI_JGT, u, (len >> shift) - 1, 0));
		if (shift)
			DG_EMIT(g, I_ALU64_IMM(BI_LSH, u, shift));
	} else { /* 32 bits: w = w (zero-extended); w &= -sz; if w > len - sz skip */
		DG_EMIT(g, I_MOV32_REG(u, u));
		if (sz > 1)
			DG_EMIT(g, I_ALU32_IMM(BI_AND, u, -(int32_t)sz));
		*skip = DG_EMIT(g, I_JMP32_IMM(BI_JGT, u, len - (int)sz, 0));
	}
	return u;
}

/* The loaded register dst goes on to the map value, another scalar, or
 * stays where it is (the epilogue saves it, unless a call clobbers it). */
static inline void dg_arr_fold(struct dg *g, int dst, unsigned sz)
{
	unsigned k = dg_rand(g, 3);
	if (k == 0) {
		DG_EMIT(g, I_STX(dg_size_code(sz), 7, dst,
				 (int16_t)(sz * dg_rand(g, DG_VALS_SIZE / sz))));
	} else if (k == 1) {
		int acc = dg_pick(g, (uint16_t)(g->scal & dg_writable(g) & ~DG_REG(dst)));
		if (acc >= 0) {
			uint8_t op = dg_chance(g, 1, 2) ? BI_XOR : BI_ADD;
			DG_EMIT(g, I_ALU64_REG(op, acc, dst));
		}
	}
}

/* p += idx; under DG_VIEW_FIXED p += 0. */
static inline void dg_add_idx(struct dg *g, int p, int u, bool view)
{
	if (view)
		DG_EMIT(g, I_ALU64_IMM(BI_ADD, p, 0));
	else
		DG_EMIT(g, I_ALU64_REG(BI_ADD, p, u));
}

/*
 * Accesses to an array of len bytes at a variable index: at r10 + base of
 * this frame, or (ptr_reg >= 0) at the caller's pointer in ptr_reg + base.
 * Under DG_VIEW_FIXED the index added to the pointer is 0 and the
 * caller's array is the same bytes of this frame's scratch stack.
 */
static inline void dg_arr_use(struct dg *g, int ptr_reg, int base, int len)
{
	bool view = g->nohelp & DG_VIEW_FIXED;
	uint16_t busy = g->busy;
	if (ptr_reg >= 0)
		g->busy |= DG_REG(ptr_reg);
	unsigned sz = dg_size(g);
	size_t skip;
	int bias;
	int u = dg_arr_index(g, len, sz, &skip, &bias);
	uint16_t at_skip = g->scal;
	g->busy |= DG_REG(u);
	int p = dg_dst(g, 0);
	int16_t off;
	unsigned form = ptr_reg >= 0 ? 3 : dg_rand(g, 3);
	/* scalar += r10 in a subprogram meets a kernel bug
	 * (regressions/kernel-scalar-plus-fp-subprog-frame.txt) */
	if (form == 2 && g->frame)
		form = 0;
	if (form == 0) { /* p = r10; p += idx; [p + base] */
		DG_EMIT(g, I_MOV64_REG(p, 10));
		dg_add_idx(g, p, u, view);
		off = (int16_t)(base + bias);
	} else if (form == 1) { /* p = r10 + base; p += idx; [p + 0] */
		DG_EMIT(g, I_MOV64_REG(p, 10));
		DG_EMIT(g, I_ALU64_IMM(BI_ADD, p, base + bias));
		dg_add_idx(g, p, u, view);
		off = 0;
	} else if (form == 2) { /* p = idx; p += r10 (scalar += pointer) */
		if (view) {
			DG_EMIT(g, I_MOV64_REG(p, 10));
			DG_EMIT(g, I_ALU64_IMM(BI_ADD, p, 0));
		} else {
			DG_EMIT(g, I_MOV64_REG(p, u));
			DG_EMIT(g, I_ALU64_REG(BI_ADD, p, 10));
		}
		off = (int16_t)(base + bias);
	} else { /* the caller's: p = ptr; p += idx */
		if (view) {
			DG_EMIT(g, I_MOV64_REG(p, 10));
			DG_EMIT(g, I_ALU64_IMM(BI_ADD, p, -len));
		} else {
			DG_EMIT(g, I_MOV64_REG(p, ptr_reg));
			DG_EMIT(g, I_ALU64_REG(BI_ADD, p, u));
		}
		off = (int16_t)(base + bias);
	}
	g->scal &= (uint16_t)~DG_REG(p);
	g->busy |= DG_REG(p);
	int n = 1 + (int)dg_rand(g, 3);
	bool stored = false;
	for (int i = 0; i < n; i++) {
		/* a size up to sz, inside the sz bytes the index is aligned to */
		unsigned s = dg_chance(g, 2, 3) ? sz : 1u << dg_rand(g, (unsigned)dg_log2(sz) + 1);
		int16_t o = (int16_t)(off + (int)(s * dg_rand(g, sz / s)));
		uint8_t sc = dg_size_code(s);
		/* no atomics: the kernel refuses them at a variable stack
		 * offset (bpfvm too) */
		unsigned k = dg_rand(g, 8);
		if (k <= 3) {
			int dst = dg_dst(g, 0);
			if (k == 3 && g->feat & DG_F_LDSX && s < 8)
				DG_EMIT(g, I_LDXSX(sc, dst, p, o));
			else
				DG_EMIT(g, I_LDX(sc, dst, p, o));
			g->scal |= DG_REG(dst);
			dg_arr_fold(g, dst, s);
		} else if (k <= 5) {
			DG_EMIT(g, I_STX(sc, p, dg_scalar(g), o));
			stored = true;
		} else {
			DG_EMIT(g, I_ST(sc, p, o, dg_imm(g)));
			stored = true;
		}
	}
	if (skip != SIZE_MAX)
		dg_patch(g, skip);
	g->scal &= at_skip;
	g->busy = busy;
	/* what was stored, back at a fixed offset of this frame's array */
	if (stored && ptr_reg < 0 && dg_chance(g, 2, 3)) {
		int dst = dg_dst(g, 0);
		DG_EMIT(g, I_LDX(BI_DW, dst, 10, (int16_t)(base + 8 * (int)dg_rand(g, (unsigned)len / 8))));
		g->scal |= DG_REG(dst);
		dg_arr_fold(g, dst, 8);
	}
}

/* An array of 16..64 bytes in this frame: filled, then used. */
static inline void dg_stack_var(struct dg *g)
{
	int len = 16 + 8 * (int)dg_rand(g, 7);
	int region = g->frame == 0 && dg_chance(g, 1, 2) ? DG_ARR_LOW : -64;
	int base = region + 8 * (int)dg_rand(g, (unsigned)(64 - len) / 8 + 1);
	dg_arr_fill(g, 10, base, len);
	dg_arr_use(g, -1, base, len);
}

/* A subprogram's entry: its caller's scratch bytes [r10 - len, r10),
 * passed in ptr_reg, refilled or not through the pointer, then used. */
static inline void dg_stack_var_caller(struct dg *g, int ptr_reg, int len)
{
	if (dg_chance(g, 1, 2)) {
		if (g->nohelp & DG_VIEW_FIXED)
			dg_arr_fill(g, 10, -len, len);
		else
			dg_arr_fill(g, ptr_reg, 0, len);
	}
	dg_arr_use(g, ptr_reg, 0, len);
}

static inline void dg_stmt(struct dg *g)
{
	unsigned k = dg_rand(g, 100);
	if (k < 30)
		dg_alu(g);
	else if (k < 37)
		dg_unary(g);
	else if (k < 45 || (k < 47 && g->nohelp & DG_HB_STACKVAR))
		dg_stack(g); /* stack_var left out: the programs of before */
	else if (k < 47)
		dg_stack_var(g);
	else if (k < 57)
		dg_mapval(g);
	else if (k < 64 && g->skb)
		dg_ldabs(g);
	else if (k < 67 && g->skb)
		dg_skb_field(g);
	else if (k < 67)
		dg_packet(g);
	else if (k < 77 && g->depth < 3)
		dg_if(g);
	else if (k < 81 && g->depth < 2)
		dg_loop(g);
	else if (k < 84 && g->depth < 3)
		dg_call(g);
	else if (k < 96)
		dg_helper(g);
	else if (k < 97 && g->skb)
		dg_skb_field(g);
	else if (k < 97)
		dg_ctx_field(g);
	else
		dg_alu(g);
}

static inline void dg_stmts(struct dg *g, int count)
{
	while (count-- > 0 && g->budget > 0 && !g->full) {
		g->budget--;
		dg_stmt(g);
	}
}

/* Fill the scratch stack [-64, 0): eight 8-byte stores. */
static inline void dg_init_scratch(struct dg *g)
{
	for (int i = 0; i < 8; i++) {
		int16_t off = (int16_t)(-64 + 8 * i);
		int s = dg_pick(g, g->scal);
		if (s >= 0 && dg_chance(g, 1, 2))
			DG_EMIT(g, I_STX(BI_DW, 10, s, off));
		else
			DG_EMIT(g, I_ST(BI_DW, 10, off, dg_imm(g)));
	}
}

/* main: ctx in r6, packet bytes as unknown scalars, r7 = &vals[key]. */
static inline void dg_main_prologue(struct dg *g)
{
	DG_EMIT(g, I_MOV64_REG(6, 1));
	if (g->skb) {
		/* r8: packet bytes through LD_ABS (a packet too short ends the
		 * program here, with 0) or the length; r9: a context field */
		if (!(g->nohelp & DG_HB_LDABS) && dg_chance(g, 3, 4)) {
			static const uint8_t sizes[] = { BI_B, BI_H, BI_W };
			DG_EMIT(g, I_LD_ABS(sizes[dg_rand(g, 3)], (int32_t)dg_rand(g, 9)));
			DG_EMIT(g, I_MOV64_REG(8, 0));
		} else {
			DG_EMIT(g, I_LDX(BI_W, 8, 6, 0));
		}
		static const int16_t f[] = { 0, 4, 16, 48, 52, 64 };
		DG_EMIT(g, I_LDX(BI_W, 9, 6, f[dg_rand(g, sizeof(f) / sizeof(f[0]))]));
	} else {
		DG_EMIT(g, I_LDX(BI_W, 2, 6, 0));
		DG_EMIT(g, I_LDX(BI_W, 3, 6, 4));
		DG_EMIT(g, I_MOV64_REG(4, 2));
		DG_EMIT(g, I_ALU64_IMM(BI_ADD, 4, 14));
		g->early[g->nearly++] = DG_EMIT(g, I_JMP_REG(BI_JGT, 4, 3, 0));
		/* r8, r9: packet bytes (unknown to the verifier) */
		DG_EMIT(g, I_LDX(BI_DW, 8, 2, (int16_t)dg_rand(g, 7)));
		DG_EMIT(g, I_LDX(dg_size_code(1u << dg_rand(g, 3)), 9, 2, (int16_t)dg_rand(g, 10)));
	}
	g->scal = DG_REG(8) | DG_REG(9);
	DG_EMIT(g, I_ST(BI_W, 10, DG_KEY_OFF, (int32_t)dg_rand(g, DG_VALS_ENTRIES)));
	dg_ldmap(g, 1, DG_MAP_VALS);
	dg_keyptr(g, 2);
	DG_EMIT(g, I_CALL(DG_H_LOOKUP));
	g->early[g->nearly++] = DG_EMIT(g, I_JMP_IMM(BI_JEQ, 0, 0, 0));
	DG_EMIT(g, I_MOV64_REG(7, 0));
	g->resv = DG_REG(6) | DG_REG(7) | DG_REG(10);
	/* r0..r5: constants, or map bytes */
	for (int r = 0; r <= 5; r++) {
		unsigned k = dg_rand(g, 4);
		if (k == 0)
			dg_lddw(g, (unsigned)r, dg_imm64(g));
		else if (k == 1)
			DG_EMIT(g, I_LDX(BI_DW, r, 7, (int16_t)(8 * dg_rand(g, 8))));
		else
			DG_EMIT(g, I_MOV64_IMM(r, dg_imm(g)));
		g->scal |= DG_REG(r);
	}
	dg_init_scratch(g);
}

/* main's epilogue: save the scalars, dump them and the scratch stack into
 * "out", return the saved r0 (XDP: the action; a socket filter: the bytes
 * to keep). */
static inline void dg_main_epilogue(struct dg *g)
{
	static const int regs[] = { 0, 1, 2, 3, 4, 5, 8, 9 };
	for (int i = 0; i < 8; i++) {
		int16_t off = (int16_t)(DG_SAVE_OFF - 8 * (i + 1));
		if (g->scal & DG_REG(regs[i]))
			DG_EMIT(g, I_STX(BI_DW, 10, regs[i], off));
		else
			DG_EMIT(g, I_ST(BI_DW, 10, off, 0));
	}
	DG_EMIT(g, I_ST(BI_W, 10, DG_KEY_OFF, 0));
	dg_ldmap(g, 1, DG_MAP_OUT);
	dg_keyptr(g, 2);
	DG_EMIT(g, I_CALL(DG_H_LOOKUP));
	size_t j = DG_EMIT(g, I_JMP_IMM(BI_JEQ, 0, 0, 0));
	for (int i = 0; i < 16; i++) {
		int16_t from = (int16_t)(i < 8 ? DG_SAVE_OFF - 8 * (i + 1) : -64 + 8 * (i - 8));
		DG_EMIT(g, I_LDX(BI_DW, 1, 10, from));
		DG_EMIT(g, I_STX(BI_DW, 0, 1, (int16_t)(8 * i)));
	}
	dg_patch(g, j);
	DG_EMIT(g, I_LDX(BI_DW, 0, 10, DG_SAVE_OFF - 8));
	DG_EMIT(g, I_EXIT());
	/* the early exit: XDP_ABORTED; a socket filter drops */
	size_t early = DG_EMIT(g, I_MOV64_IMM(0, 0));
	DG_EMIT(g, I_EXIT());
	for (int i = 0; i < g->nearly && !g->full; i++)
		g->p[g->early[i]].off = (int16_t)(early - g->early[i] - 1);
}

/*
 * Generate one program into out[DG_MAX] from the byte source; returns the
 * slot count, or 0 when the program did not fit (the caller draws another).
 * feat: the dg_feature bits the kernel has; nohelp: the dg_helper_bits
 * to leave out; skb: a socket filter, else an XDP program.
 */
static inline size_t dg_program(struct vgen_src *s, struct bpfvm_insn *out, unsigned feat,
				unsigned nohelp, bool skb)
{
	struct dg g;
	memset(&g, 0, sizeof(g));
	g.s = s, g.p = out, g.feat = feat, g.nohelp = nohelp, g.skb = skb;
	g.nsub = (int)dg_rand(&g, DG_MAX_SUB + 1);
	if (g.nsub && dg_chance(&g, 1, 2))
		g.nsub = 0;
	for (int i = 0; i < g.nsub; i++) {
		g.sub_args[i] = (int)dg_rand(&g, 4);
		if (!(nohelp & DG_HB_STACKVAR) && dg_chance(&g, 1, 3)) {
			/* a pointer to 16..64 bytes of the caller's scratch stack */
			g.sub_ptr[i] = -16 * (1 + (int)dg_rand(&g, 4));
			if (g.sub_args[i] > 2)
				g.sub_args[i] = 2;
		}
	}
	g.budget = 8 + (int)dg_rand(&g, 72);
	dg_main_prologue(&g);
	while (g.budget > 0 && !g.full)
		dg_stmts(&g, g.budget);
	dg_main_epilogue(&g);
	size_t start[DG_MAX_SUB] = { 0 };
	for (int i = 0; i < g.nsub && !g.full; i++) {
		bool called = false; /* the kernel refuses unreachable code */
		for (int c = 0; c < g.ncalls; c++)
			called |= g.calls[c].sub == i;
		if (!called)
			continue;
		start[i] = g.n;
		g.frame = i + 1;
		g.depth = 0;
		g.in_loop = false;
		g.resv = DG_REG(6) | DG_REG(7) | DG_REG(10);
		DG_EMIT(&g, I_MOV64_REG(6, 1));
		DG_EMIT(&g, I_MOV64_REG(7, 2));
		g.scal = 0;
		for (int a = 0; a < g.sub_args[i]; a++)
			g.scal |= DG_REG(3 + a);
		dg_init_scratch(&g);
		if (g.sub_ptr[i]) /* before anything overwrites the pointer */
			dg_stack_var_caller(&g, 3 + g.sub_args[i], -g.sub_ptr[i]);
		g.budget = 2 + (int)dg_rand(&g, 16);
		while (g.budget > 0 && !g.full)
			dg_stmts(&g, g.budget);
		int r = dg_pick(&g, g.scal);
		if (r < 0 || dg_chance(&g, 1, 5))
			DG_EMIT(&g, I_MOV64_IMM(0, dg_imm(&g)));
		else if (r != 0)
			DG_EMIT(&g, I_MOV64_REG(0, r));
		DG_EMIT(&g, I_EXIT());
	}
	if (g.full)
		return 0;
	for (int i = 0; i < g.ncalls; i++)
		out[g.calls[i].at].imm = (int32_t)(start[g.calls[i].sub] - g.calls[i].at - 1);
	return g.n;
}

#endif
