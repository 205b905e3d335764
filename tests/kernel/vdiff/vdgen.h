/*
 * vdgen.h - programs near the verifier's safety boundaries, for the
 * verdict differential against the kernel's verifier (vdiff.c).
 *
 * Where vgen.h (tests/fuzz) writes raw-typed programs for bpfvm alone,
 * these are XDP and socket-filter programs that both verifiers can load:
 * a prologue (r6 = ctx), one to three scenarios, and an epilogue (r0 = 2,
 * exit). Each scenario sits at one boundary and picks its parameter at
 * the edge, one past it or one short of it, so that about half of the
 * programs are safe and half are not, and the two verifiers must agree on
 * which is which. The scenarios (enum vd_scn, named in vd_scn_names):
 *
 *   pkt        data + N against data_end: checked with >, >=, <, <=
 *              either way round, 32-bit, or not at all; an access of
 *              size S at an offset where off + S is N - 1, N or N + 1
 *   pkt_var    the same after data += a masked packet byte
 *   meta       data_meta + N against data
 *   stack      r10 + off for off around -512, -8 and 0, any size
 *   stack_var  r10 - 64 + a bounded or unbounded scalar
 *   uninit     stack bytes read before (all of them are) written
 *   spill      pointers spilled and filled whole, in part, overwritten
 *   reg        registers read before they are set, or after a call
 *   map        map_lookup_elem, its value read or written around
 *              value_size (4, 8, 13, 48, 16), with and without the NULL
 *              check (or a check on a copy, or on the wrong side)
 *   map_direct ld_imm64 of a map value address at offsets around its end
 *   ptr        pointer arithmetic: + known/unknown/bounded scalars, ALU32,
 *              bitwise ops, pointer - pointer, scalar - pointer,
 *              pointer + pointer, comparisons, modified ctx
 *   range      a scalar bounded by JGT/JGE/JSGT/JLT/JSET/AND/shift/
 *              32-bit compare/mod, or not quite, then used as an offset
 *              into a map value, the stack or the packet
 *   ctx        ctx field loads and stores at valid and invalid offsets
 *              and sizes, writes to read-only fields, atomics on ctx
 *   helper     helper memory and size arguments at their edges
 *              (csum_diff, xdp_load_bytes/skb_load_bytes, map_update)
 *   atomic     atomics on the stack (written or not), map values, ctx
 *   arith      an unknown scalar through 1-5 random ALU ops and compares
 *              (both widths, signed and unsigned, sign extension, byte
 *              swaps) at edge constants, then used as an offset: the
 *              range analyses of the two verifiers, side by side
 *
 * r9 is never used: vdiff's rewrites (side.c) may take it as a temporary.
 *
 * Maps: ld_imm64 with src 1 (map_by_fd) or 2 (map value address) and imm
 * = the index into vd_maps[]; the kernel side puts the fds in. A byte
 * stream (struct vgen_src) drives every choice, so a seed gives the same
 * program everywhere.
 */
#ifndef BPFVM_TESTS_VDGEN_H
#define BPFVM_TESTS_VDGEN_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "bpfvm.h"
#include "insn_build.h"
#include "vgen.h"

#define VD_MAX 256 /* slots */
#define VD_XDP 6
#define VD_SOCKET 1

/* The maps both sides create, by index. */
struct vd_map {
	uint32_t type; /* BPFVM_MAP_TYPE_* = the kernel's */
	uint32_t key, value, entries;
};
static const struct vd_map vd_maps[] = {
	{ 2, 4, 4, 2 },  /* 0: array, value 4 */
	{ 2, 4, 8, 2 },  /* 1: array, value 8 */
	{ 2, 4, 13, 2 }, /* 2: array, value 13 (odd) */
	{ 2, 4, 48, 2 }, /* 3: array, value 48 */
	{ 1, 4, 16, 8 }, /* 4: hash, value 16 */
	{ 2, 4, 16, 1 }, /* 5: array, value 16, one entry */
};
#define VD_NMAPS (sizeof(vd_maps) / sizeof(vd_maps[0]))

enum vd_scn {
	VS_PKT, VS_PKT_VAR, VS_META, VS_STACK, VS_STACK_VAR, VS_UNINIT, VS_SPILL, VS_REG,
	VS_MAP, VS_MAP_DIRECT, VS_PTR, VS_RANGE, VS_CTX, VS_HELPER, VS_ATOMIC, VS_ARITH,
	VS__COUNT
};
static const char *const vd_scn_names[VS__COUNT] = {
	"pkt", "pkt_var", "meta", "stack", "stack_var", "uninit", "spill", "reg",
	"map", "map_direct", "ptr", "range", "ctx", "helper", "atomic", "arith",
};

/* Helper ids (the kernel's). */
#define VD_H_LOOKUP 1
#define VD_H_UPDATE 2
#define VD_H_PRANDOM 7
#define VD_H_SKB_LOAD_BYTES 26
#define VD_H_CSUM_DIFF 28
#define VD_H_XDP_LOAD_BYTES 189

struct vd {
	struct vgen_src *s;
	struct bpfvm_insn *p; /* VD_MAX slots */
	size_t n;
	uint32_t type;        /* VD_XDP or VD_SOCKET */
	bool full;
	unsigned scn_mask;    /* 1 << enum vd_scn, the scenarios it has */
	int first;            /* the first scenario */
};

static inline unsigned vd_u(struct vd *g, unsigned n)
{
	unsigned v = vgen_byte(g->s) | vgen_byte(g->s) << 8;
	return n ? v % n : 0;
}

static inline void vd_emit(struct vd *g, struct bpfvm_insn in)
{
	if (g->n < VD_MAX - 4)
		g->p[g->n++] = in;
	else
		g->full = true;
}
#define VE(g, ...) vd_emit(g, (struct bpfvm_insn)__VA_ARGS__)

/* ld_imm64 of map idx (src 1), or of its value's address + off (src 2). */
static inline void vd_ld_map(struct vd *g, unsigned dst, unsigned src, unsigned idx, int32_t off)
{
	VE(g, I_RAW(BI_LD | BI_DW | BI_IMM, dst, src, 0, idx));
	VE(g, I_RAW(0, 0, 0, 0, off));
}

/* A forward jump, landed later by vd_land(). */
static inline size_t vd_jmp(struct vd *g, struct bpfvm_insn in)
{
	vd_emit(g, in);
	return g->n - 1;
}
#define VJ(g, ...) vd_jmp(g, (struct bpfvm_insn)__VA_ARGS__)
static inline void vd_land(struct vd *g, size_t j)
{
	if (j < g->n)
		g->p[j].off = (int16_t)(g->n - j - 1);
}

/* An edge value: e itself or one past it most of the time, else a little
 * further either way. */
static inline int32_t vd_edge(struct vd *g, int32_t e)
{
	static const int8_t d[] = { 0, 0, 0, 1, 1, 1, -1, -1, 2, -2, 8, -8 };
	return e + d[vd_u(g, sizeof(d))];
}

static inline uint8_t vd_szcode(unsigned bytes)
{
	return bytes == 1 ? BI_B : bytes == 2 ? BI_H : bytes == 4 ? BI_W : BI_DW;
}
static inline unsigned vd_size(struct vd *g)
{
	return 1u << vd_u(g, 4);
}

/* A load of size bytes into dst, or a store of src (or of an immediate
 * when src < 0) at base + off. */
static inline void vd_access(struct vd *g, bool write, unsigned base, int16_t off,
			     unsigned size, unsigned dst, int src)
{
	uint8_t sz = vd_szcode(size);
	if (!write)
		VE(g, I_LDX(sz, dst, base, off));
	else if (src < 0)
		VE(g, I_ST(sz, base, off, 0x11));
	else
		VE(g, I_STX(sz, base, src, off));
}

/* Fill [r10 - bytes, r10) with zeros, 8 bytes a store. */
static inline void vd_stack_init(struct vd *g, unsigned bytes)
{
	for (unsigned o = 8; o <= bytes; o += 8)
		VE(g, I_ST(BI_DW, 10, -(int)o, 0));
}

/* dst = an unknown scalar: a ctx field (u32) or bpf_get_prandom_u32
 * (which sets r0..r5; dst should be callee-saved then). */
static inline void vd_unknown(struct vd *g, unsigned dst)
{
	if (vd_u(g, 2)) {
		VE(g, I_LDX(BI_W, dst, 6, g->type == VD_XDP ? 12 : 0));
	} else {
		VE(g, I_CALL(VD_H_PRANDOM));
		VE(g, I_MOV64_REG(dst, 0));
	}
	if (!vd_u(g, 4)) { /* signed 32-bit: negative values too */
		VE(g, I_ALU64_IMM(BI_LSH, dst, 32));
		VE(g, I_ALU64_IMM(BI_ARSH, dst, 32));
	}
}

/* r2 = data, r3 = data_end, and r4 = data + n checked against data_end
 * (XDP), in one of several ways; returns the jump to land at the
 * scenario's end (or VD_MAX when none), and sets *ok to what the check
 * proves: data + n <= data_end on the path that follows. */
static inline size_t vd_pkt_check(struct vd *g, int32_t n, bool *ok)
{
	VE(g, I_LDX(BI_W, 2, 6, 0));
	VE(g, I_LDX(BI_W, 3, 6, 4));
	VE(g, I_MOV64_REG(4, 2));
	VE(g, I_ALU64_IMM(BI_ADD, 4, n));
	size_t j = VD_MAX;
	*ok = true;
	switch (vd_u(g, 9)) {
	case 0: j = VJ(g, I_JMP_REG(BI_JGT, 4, 3, 0)); break;
	case 1: j = VJ(g, I_JMP_REG(BI_JLT, 3, 4, 0)); break;
	case 2: j = VJ(g, I_JMP_REG(BI_JGE, 4, 3, 0)); break; /* stricter */
	case 3: /* the other way round: the taken side is the good one */
		VE(g, I_JMP_REG(BI_JLE, 4, 3, 1));
		j = VJ(g, I_JA(0));
		break;
	case 4: /* one short: data + n - 1 checked, n used */
		VE(g, I_ALU64_IMM(BI_ADD, 4, -1));
		j = VJ(g, I_JMP_REG(BI_JGT, 4, 3, 0));
		*ok = false;
		break;
	case 5: /* the wrong side */
		j = VJ(g, I_JMP_REG(BI_JLE, 4, 3, 0));
		*ok = false;
		break;
	case 6: /* 32-bit compare: no bound */
		j = VJ(g, I_JMP32_REG(BI_JGT, 4, 3, 0));
		*ok = false;
		break;
	case 7: /* none */
		*ok = false;
		break;
	default: /* data_end > data + n: strict, then JGE the other way */
		j = VJ(g, I_JMP_REG(BI_JGE, 4, 3, 0));
		break;
	}
	return j;
}

static inline void vd_pkt(struct vd *g)
{
	static const int32_t ns[] = { 1, 2, 4, 8, 14, 20, 34, 64 };
	int32_t n = ns[vd_u(g, sizeof(ns) / sizeof(ns[0]))];
	bool ok;
	size_t j = vd_pkt_check(g, n, &ok);
	unsigned size = vd_size(g);
	int32_t off = vd_edge(g, n - (int32_t)size);
	bool write = vd_u(g, 3) == 0;
	if (vd_u(g, 4) == 0) /* through the end pointer: r4 - k */
		vd_access(g, write, 4, (int16_t)(off - n), size, 5, write && vd_u(g, 2) ? 7 : -1);
	else
		vd_access(g, write, 2, (int16_t)off, size, 5, -1);
	if (write && vd_u(g, 4) == 0) /* a pointer into the packet (root may) */
		VE(g, I_STX(BI_DW, 2, 6, (int16_t)(off > 0 ? 0 : off)));
	vd_land(g, j);
}

static inline void vd_pkt_var(struct vd *g)
{
	/* r5 = a packet byte behind a check, masked, added to data */
	bool ok;
	size_t j0 = vd_pkt_check(g, 1, &ok);
	VE(g, I_LDX(BI_B, 5, 2, 0));
	static const int32_t masks[] = { 0x0f, 0x3f, 0xff, 0x7fff, 0xffff, -1 };
	int32_t m = masks[vd_u(g, sizeof(masks) / sizeof(masks[0]))];
	if (vd_u(g, 4))
		VE(g, I_ALU64_IMM(BI_AND, 5, m));
	else if (vd_u(g, 2))
		VE(g, I_ALU64_IMM(BI_LSH, 5, vd_u(g, 2) ? 8 : 16)); /* wide */
	else
		VE(g, I_LDX(BI_DW, 5, 6, 12)); /* not a byte: a ctx u32 read as u64 (bad) */
	VE(g, I_ALU64_REG(BI_ADD, 2, 5));
	int32_t n = (int32_t)(1u << vd_u(g, 5));
	VE(g, I_MOV64_REG(4, 2));
	VE(g, I_ALU64_IMM(BI_ADD, 4, n));
	size_t j = vd_u(g, 5) ? VJ(g, I_JMP_REG(BI_JGT, 4, 3, 0)) : VD_MAX;
	unsigned size = vd_size(g);
	int16_t off = (int16_t)vd_edge(g, n - (int32_t)size);
	vd_access(g, vd_u(g, 3) == 0, 2, off, size, 0, -1);
	vd_land(g, j);
	vd_land(g, j0);
}

static inline void vd_meta(struct vd *g)
{
	VE(g, I_LDX(BI_W, 2, 6, 8)); /* data_meta */
	VE(g, I_LDX(BI_W, 3, 6, 0)); /* data */
	int32_t n = (int32_t)(1u << vd_u(g, 4));
	VE(g, I_MOV64_REG(4, 2));
	VE(g, I_ALU64_IMM(BI_ADD, 4, n));
	size_t j = VD_MAX;
	unsigned how = vd_u(g, 4);
	if (how == 0)
		j = VJ(g, I_JMP_REG(BI_JGT, 4, 3, 0));
	else if (how == 1)
		j = VJ(g, I_JMP_REG(BI_JLT, 3, 4, 0));
	else if (how == 2) { /* against data_end instead of data */
		VE(g, I_LDX(BI_W, 3, 6, 4));
		j = VJ(g, I_JMP_REG(BI_JGT, 4, 3, 0));
	}
	unsigned size = vd_size(g);
	vd_access(g, vd_u(g, 3) == 0, 2, (int16_t)vd_edge(g, n - (int32_t)size), size, 5, -1);
	vd_land(g, j);
}

static inline void vd_stack(struct vd *g)
{
	static const int16_t offs[] = { -512, -513, -511, -8, -4, -1, 0, 8, -16, -504, -520 };
	unsigned size = vd_size(g);
	int16_t off = offs[vd_u(g, sizeof(offs) / sizeof(offs[0]))];
	if (vd_u(g, 2))
		off = (int16_t)(off - (int16_t)size + (int16_t)vd_u(g, 2)); /* end at the edge */
	unsigned base = 10;
	if (vd_u(g, 3) == 0) { /* through a moved pointer */
		int16_t k = (int16_t)-(int16_t)(8 * vd_u(g, 66));
		VE(g, I_MOV64_REG(1, 10));
		VE(g, I_ALU64_IMM(BI_ADD, 1, k));
		off = (int16_t)(off - k);
		base = 1;
	}
	if (vd_u(g, 3)) /* written first, then read back */
		vd_access(g, true, (uint8_t)base, off, size, 0, vd_u(g, 2) ? -1 : 6);
	vd_access(g, vd_u(g, 4) == 0, (uint8_t)base, off, size, 0, -1);
}

static inline void vd_stack_var(struct vd *g)
{
	vd_unknown(g, 7);
	static const int32_t ks[] = { 7, 15, 56, 63, 64, 511, 512 };
	int32_t k = ks[vd_u(g, sizeof(ks) / sizeof(ks[0]))];
	size_t j = VD_MAX;
	switch (vd_u(g, 4)) {
	case 0: VE(g, I_ALU64_IMM(BI_AND, 7, k)); break;
	case 1: j = VJ(g, I_JMP_IMM(BI_JGT, 7, k, 0)); break;
	case 2: j = VJ(g, I_JMP_IMM(BI_JSGT, 7, k, 0)); break; /* no lower bound */
	default: break; /* unbounded */
	}
	if (vd_u(g, 2))
		vd_stack_init(g, (unsigned)(8 * (1 + vd_u(g, 64))));
	int32_t base = -vd_edge(g, 64);
	VE(g, I_MOV64_REG(1, 10));
	VE(g, I_ALU64_IMM(BI_ADD, 1, base));
	if (vd_u(g, 2))
		VE(g, I_ALU64_REG(BI_ADD, 1, 7));
	else
		VE(g, I_ALU64_REG(BI_SUB, 1, 7));
	unsigned size = vd_size(g);
	vd_access(g, vd_u(g, 2) == 0, 1, 0, size, 0, -1);
	vd_land(g, j);
}

static inline void vd_uninit(struct vd *g)
{
	/* some bytes written, then a read that may reach past them */
	unsigned wsize = vd_size(g), rsize = vd_size(g);
	int16_t woff = (int16_t)(-8 * (1 + (int)vd_u(g, 4)) + (int)(vd_u(g, 2) ? 0 : 8 - wsize));
	if (vd_u(g, 4))
		VE(g, I_ST(vd_szcode(wsize), 10, woff, 1));
	int16_t roff = (int16_t)(-8 * (1 + (int)vd_u(g, 4)) + (int)(vd_u(g, 2) ? 0 : 8 - rsize));
	VE(g, I_LDX(vd_szcode(rsize), 0, 10, roff));
	if (vd_u(g, 2)) /* and use it: a branch on what was read */
		VE(g, I_JMP_IMM(BI_JEQ, 0, 0, 0));
}

static inline void vd_spill(struct vd *g)
{
	/* spill a pointer (ctx, stack, map value after a check: ctx here) */
	unsigned p = vd_u(g, 2) ? 6 : 10;
	int16_t off = (int16_t)(-8 * (1 + (int)vd_u(g, 3)));
	unsigned ssize = vd_u(g, 4) ? 8 : vd_size(g);
	VE(g, I_STX(vd_szcode(ssize), 10, p, off));
	switch (vd_u(g, 4)) {
	case 0: /* overwrite one byte of it */
		VE(g, I_ST(BI_B, 10, (int16_t)(off + (int16_t)vd_u(g, 8)), 0));
		break;
	case 1: /* a scalar over it */
		VE(g, I_ST(BI_DW, 10, off, 0));
		break;
	default:
		break;
	}
	unsigned fsize = vd_u(g, 3) ? 8 : vd_size(g);
	int16_t foff = (int16_t)(off + (int16_t)(vd_u(g, 4) == 0 ? 8 - fsize : 0));
	VE(g, I_LDX(vd_szcode(fsize), 1, 10, foff));
	/* use it as the pointer it was */
	if (p == 6)
		VE(g, I_LDX(BI_W, 0, 1, g->type == VD_XDP ? 12 : 0));
	else
		VE(g, I_LDX(BI_DW, 0, 1, -8));
}

static inline void vd_reg(struct vd *g)
{
	unsigned r = vd_u(g, 9); /* r0..r8: r9 is vdiff's */
	if (r == 6)
		r = 0;
	if (vd_u(g, 2)) { /* after a helper call r1..r5 are gone */
		VE(g, I_CALL(VD_H_PRANDOM));
		r = 1 + vd_u(g, 5);
	}
	switch (vd_u(g, 5)) {
	case 0: VE(g, I_MOV64_REG(0, r)); break;
	case 1: VE(g, I_ALU64_REG(BI_ADD, 0, r)); break;
	case 2: VE(g, I_JMP_IMM(BI_JGT, r, 3, 0)); break;
	case 3: VE(g, I_STX(BI_DW, 10, r, -8)); break;
	default: VE(g, I_LDX(BI_B, 0, r, 0)); break;
	}
}

/* r0 = map_lookup_elem(map idx, key at r10 - 4); the key written or not. */
static inline void vd_lookup(struct vd *g, unsigned idx, bool edgy)
{
	int16_t koff = -4;
	if (edgy && vd_u(g, 8) == 0) {
		static const int16_t k[] = { -2, -3, -8, -512, -514 };
		koff = k[vd_u(g, sizeof(k) / sizeof(k[0]))];
	}
	if (!edgy || vd_u(g, 8))
		VE(g, I_ST(BI_W, 10, -4, (int32_t)vd_u(g, 3)));
	else if (vd_u(g, 2))
		VE(g, I_ST(BI_H, 10, -4, 0)); /* half the key */
	vd_ld_map(g, 1, BI_PSEUDO_MAP_FD, idx, 0);
	VE(g, I_MOV64_REG(2, 10));
	VE(g, I_ALU64_IMM(BI_ADD, 2, koff));
	VE(g, I_CALL(VD_H_LOOKUP));
}

static inline void vd_map(struct vd *g)
{
	unsigned idx = vd_u(g, VD_NMAPS);
	int32_t vs = (int32_t)vd_maps[idx].value;
	vd_lookup(g, idx, true);
	size_t j = VD_MAX, j2 = VD_MAX;
	unsigned ptr = 0;
	switch (vd_u(g, 7)) {
	case 0: case 1: case 2: j = VJ(g, I_JMP_IMM(BI_JEQ, 0, 0, 0)); break;
	case 3: /* != 0 to the access, else out */
		VE(g, I_JMP_IMM(BI_JNE, 0, 0, 1));
		j = VJ(g, I_JA(0));
		break;
	case 4: /* checked on a copy: the check marks both */
		VE(g, I_MOV64_REG(7, 0));
		j = VJ(g, I_JMP_IMM(BI_JEQ, 7, 0, 0));
		ptr = vd_u(g, 2) ? 7 : 0;
		break;
	case 5: /* the wrong side: the access on the NULL path */
		j = VJ(g, I_JMP_IMM(BI_JNE, 0, 0, 0));
		break;
	default: /* no check, or against 1 */
		if (vd_u(g, 2))
			j = VJ(g, I_JMP_IMM(BI_JEQ, 0, 1, 0));
		break;
	}
	unsigned size = vd_size(g);
	bool write = vd_u(g, 2);
	int16_t off = vd_u(g, 6) ? (int16_t)vd_edge(g, vs - (int32_t)size) : (int16_t)-(int)vd_u(g, 2);
	vd_access(g, write, (uint8_t)ptr, off, size, 1, write && vd_u(g, 3) == 0 ? 6 : -1);
	vd_land(g, j);
	vd_land(g, j2);
}

static inline void vd_map_direct(struct vd *g)
{
	/* the kernel takes value addresses of one-entry arrays only: map 5;
	 * now and then another, which it refuses before verifying */
	unsigned idx = vd_u(g, 8) ? 5 : vd_u(g, VD_NMAPS);
	int32_t vs = (int32_t)vd_maps[idx].value;
	int32_t off = vd_u(g, 2) ? vd_edge(g, vs) : (int32_t)vd_u(g, (unsigned)vs);
	vd_ld_map(g, 1, 2, idx, off);
	unsigned size = vd_size(g);
	int16_t aoff = (int16_t)vd_edge(g, vs - off - (int32_t)size);
	vd_access(g, vd_u(g, 2), 1, aoff, size, 0, -1);
}

/* r<dst> = some pointer: 0 ctx, 1 stack, 2 map value (checked), 3 packet
 * (8 bytes checked). *end: its region's size from there; the jump to
 * land at the scenario's end in *j. */
static inline unsigned vd_some_ptr(struct vd *g, unsigned dst, int32_t *end, size_t *j)
{
	unsigned kind = vd_u(g, g->type == VD_XDP ? 4 : 3);
	*j = VD_MAX;
	switch (kind) {
	case 0:
		VE(g, I_MOV64_REG(dst, 6));
		*end = g->type == VD_XDP ? 24 : 192;
		break;
	case 1:
		vd_stack_init(g, 64);
		VE(g, I_MOV64_REG(dst, 10));
		VE(g, I_ALU64_IMM(BI_ADD, dst, -64));
		*end = 64;
		break;
	case 2:
		vd_lookup(g, 3, false);
		*j = VJ(g, I_JMP_IMM(BI_JEQ, 0, 0, 0));
		VE(g, I_MOV64_REG(dst, 0));
		*end = 48;
		break;
	default: {
		bool ok;
		*j = vd_pkt_check(g, 8, &ok);
		VE(g, I_MOV64_REG(dst, 2));
		*end = 8;
		break;
	}
	}
	return kind;
}

static inline void vd_ptr(struct vd *g)
{
	int32_t end;
	size_t j;
	unsigned kind = vd_some_ptr(g, 8, &end, &j);
	unsigned size = vd_size(g);
	bool access = true;
	switch (vd_u(g, 12)) {
	case 0: case 1: /* + a known constant near the end */
		VE(g, I_ALU64_IMM(BI_ADD, 8, vd_edge(g, end - (int32_t)size)));
		break;
	case 2: /* + an unknown scalar */
		vd_unknown(g, 7);
		VE(g, I_ALU64_REG(BI_ADD, 8, 7));
		break;
	case 3: /* + a bounded scalar */
		vd_unknown(g, 7);
		VE(g, I_ALU64_IMM(BI_AND, 7, vd_edge(g, end - (int32_t)size)));
		VE(g, I_ALU64_REG(BI_ADD, 8, 7));
		break;
	case 4: /* 32-bit arithmetic on a pointer */
		VE(g, I_ALU32_IMM(BI_ADD, 8, 1));
		break;
	case 5: { /* bitwise and multiplicative ops */
		static const uint8_t ops[] = { BI_MUL, BI_OR, BI_AND, BI_LSH, BI_RSH, BI_XOR,
					       BI_NEG, BI_DIV, BI_ARSH };
		uint8_t op = ops[vd_u(g, sizeof(ops))];
		VE(g, I_ALU64_IMM(op, 8, op == BI_AND ? -8 : 1));
		break;
	}
	case 6: /* pointer - pointer: the same region or another */
		VE(g, I_MOV64_REG(7, vd_u(g, 2) ? 8 : 10));
		if (vd_u(g, 2))
			VE(g, I_ALU64_IMM(BI_ADD, 7, -8));
		VE(g, I_ALU64_REG(BI_SUB, 8, 7));
		VE(g, I_MOV64_REG(0, 8)); /* the difference, as a scalar */
		access = vd_u(g, 2);
		break;
	case 7: /* scalar - pointer */
		VE(g, I_MOV64_IMM(7, 64));
		VE(g, I_ALU64_REG(BI_SUB, 7, 8));
		VE(g, I_MOV64_REG(8, 7));
		break;
	case 8: /* pointer + pointer */
		VE(g, I_MOV64_REG(7, 8));
		VE(g, I_ALU64_REG(BI_ADD, 8, 7));
		break;
	case 9: /* a comparison of two pointers, then on */
		VE(g, I_JMP_REG(vd_u(g, 2) ? BI_JGT : BI_JEQ, 8, vd_u(g, 2) ? 10 : 6, 0));
		break;
	case 10: /* moved, then moved back */
		VE(g, I_ALU64_IMM(BI_ADD, 8, 1 << 20));
		VE(g, I_ALU64_IMM(BI_ADD, 8, -(1 << 20)));
		break;
	default: /* mov32 of a pointer */
		VE(g, I_MOV32_REG(8, 8));
		break;
	}
	if (access) {
		int16_t off = (int16_t)(kind == 0 ? 4 * vd_u(g, 3) : 0);
		unsigned asz = kind == 0 ? 4 : size;
		vd_access(g, kind != 0 && vd_u(g, 3) == 0, 8, off, asz, 0, -1);
	}
	vd_land(g, j);
}

/* Bound r7 by k: r7 <= k after it, if the bound is right; returns the
 * jump to land at the scenario's end (and in *j2 maybe another). */
static inline size_t vd_bound(struct vd *g, int32_t k, size_t *j2)
{
	size_t j = VD_MAX;
	*j2 = VD_MAX;
	switch (vd_u(g, 12)) {
	case 0: j = VJ(g, I_JMP_IMM(BI_JGT, 7, k, 0)); break;
	case 1: j = VJ(g, I_JMP_IMM(BI_JGE, 7, k + 1, 0)); break;
	case 2: /* signed: bounded above, and below by 0 or not */
		if (vd_u(g, 2))
			*j2 = VJ(g, I_JMP_IMM(BI_JSLT, 7, 0, 0));
		j = VJ(g, I_JMP_IMM(BI_JSGT, 7, k, 0));
		break;
	case 3: /* JLT to the body, else out */
		VE(g, I_JMP_IMM(BI_JLT, 7, k + 1, 1));
		j = VJ(g, I_JA(0));
		break;
	case 4: /* JSET: out when a bit above the mask is set */
		j = VJ(g, I_JMP_IMM(BI_JSET, 7, ~k, 0));
		break;
	case 5: VE(g, I_ALU64_IMM(BI_AND, 7, k)); break;
	case 6: { /* a right shift: r7 is a u32 (or a signed one) */
		unsigned sh = 32;
		while (sh > 1 && (1ll << (32 - sh + 1)) - 1 <= k)
			sh--;
		VE(g, I_ALU64_IMM(BI_RSH, 7, (int32_t)sh));
		break;
	}
	case 7: /* a 32-bit compare: bounds the low half only */
		j = VJ(g, I_JMP32_IMM(BI_JGT, 7, k, 0));
		break;
	case 8: /* w7 = w7 then a 32-bit compare: both halves */
		VE(g, I_MOV32_REG(7, 7));
		j = VJ(g, I_JMP32_IMM(BI_JGT, 7, k, 0));
		break;
	case 9: VE(g, I_ALU64_IMM(BI_MOD, 7, k + 1)); break;
	case 10: /* through a register */
		VE(g, I_MOV64_IMM(8, k));
		j = VJ(g, I_JMP_REG(BI_JGT, 7, 8, 0));
		break;
	default: /* left shift after a mask */
		VE(g, I_ALU64_IMM(BI_AND, 7, 7));
		VE(g, I_ALU64_IMM(BI_LSH, 7, (int32_t)vd_u(g, 4)));
		break;
	}
	return j;
}

static inline void vd_range(struct vd *g)
{
	vd_unknown(g, 7);
	unsigned size = vd_size(g);
	unsigned target = vd_u(g, g->type == VD_XDP ? 3 : 2);
	int32_t end = target == 0 ? 48 : target == 1 ? 64 : 32;
	size_t j3;
	size_t j = vd_bound(g, vd_edge(g, end - (int32_t)size), &j3);
	size_t j2 = VD_MAX;
	unsigned base;
	if (target == 0) {
		vd_lookup(g, 3, false);
		j2 = VJ(g, I_JMP_IMM(BI_JEQ, 0, 0, 0));
		base = 0;
	} else if (target == 1) {
		if (vd_u(g, 3))
			vd_stack_init(g, 64);
		VE(g, I_MOV64_REG(1, 10));
		VE(g, I_ALU64_IMM(BI_ADD, 1, -64));
		base = 1;
	} else {
		bool ok;
		j2 = vd_pkt_check(g, 32, &ok);
		base = 2;
	}
	VE(g, I_ALU64_REG(BI_ADD, (uint8_t)base, 7));
	if (target == 2 && vd_u(g, 2)) { /* and checked again after the move */
		VE(g, I_MOV64_REG(4, 2));
		VE(g, I_ALU64_IMM(BI_ADD, 4, (int32_t)size));
		VE(g, I_JMP_REG(BI_JGT, 4, 3, 1));
	}
	vd_access(g, vd_u(g, 3) == 0, (uint8_t)base, 0, size, 5, -1);
	vd_land(g, j2);
	vd_land(g, j);
	vd_land(g, j3);
}

static inline void vd_ctx(struct vd *g)
{
	int16_t off;
	if (g->type == VD_XDP) {
		static const int16_t o[] = { 0, 4, 8, 12, 16, 20, 24, 28, 1, 2, 22, -4 };
		off = o[vd_u(g, sizeof(o) / sizeof(o[0]))];
	} else {
		/* __sk_buff: len, mark (8), cb[] (48..68), data (76), the end */
		static const int16_t o[] = { 0, 4, 8, 12, 16, 44, 48, 52, 64, 66, 68, 76,
					     80, 140, 144, 168, 176, 184, 188, 190, 192, 2 };
		off = o[vd_u(g, sizeof(o) / sizeof(o[0]))];
	}
	unsigned size = vd_u(g, 2) ? 4 : vd_size(g);
	switch (vd_u(g, 6)) {
	case 0: case 1: case 2:
		vd_access(g, false, 6, off, size, 0, -1);
		break;
	case 3: /* store a register */
		VE(g, I_MOV64_IMM(1, 7));
		vd_access(g, true, 6, off, size, 0, 1);
		break;
	case 4: /* store an immediate */
		vd_access(g, true, 6, off, size, 0, -1);
		break;
	default: /* an atomic add */
		VE(g, I_MOV64_IMM(1, 1));
		VE(g, I_ATOMIC(size == 8 ? BI_DW : BI_W, BI_ADD, 6, 1, off));
		break;
	}
}

static inline void vd_helper(struct vd *g)
{
	bool init = vd_u(g, 4) != 0;
	if (init)
		vd_stack_init(g, 64);
	unsigned h = vd_u(g, 3);
	int32_t buf = 8 * (int32_t)(1 + vd_u(g, 8)); /* a buffer at r10 - buf */
	int32_t size = vd_u(g, 3) ? vd_edge(g, buf) : (int32_t)vd_u(g, 3) - 1;
	bool var = vd_u(g, 4) == 0;
	if (var) { /* a variable size, bounded above and maybe below */
		vd_unknown(g, 7);
		VE(g, I_ALU64_IMM(BI_AND, 7, vd_edge(g, buf)));
		if (vd_u(g, 2))
			VE(g, I_ALU64_IMM(BI_ADD, 7, vd_u(g, 2)));
	}
	if (h == 0) { /* csum_diff(from, from_size, to, to_size, seed) */
		if (vd_u(g, 5) == 0)
			VE(g, I_MOV64_IMM(1, 0)); /* NULL from (with size 0 only) */
		else {
			VE(g, I_MOV64_REG(1, 10));
			VE(g, I_ALU64_IMM(BI_ADD, 1, -buf));
		}
		if (var)
			VE(g, I_MOV64_REG(2, 7));
		else
			VE(g, I_MOV64_IMM(2, size & ~3));
		VE(g, I_MOV64_REG(3, 10));
		VE(g, I_ALU64_IMM(BI_ADD, 3, -64));
		VE(g, I_MOV64_IMM(4, 4 * (int32_t)vd_u(g, 18)));
		VE(g, I_MOV64_IMM(5, 0));
		VE(g, I_CALL(VD_H_CSUM_DIFF));
	} else if (h == 1) { /* xdp/skb_load_bytes(ctx, off, buf, len) */
		VE(g, I_MOV64_REG(1, 6));
		VE(g, I_MOV64_IMM(2, (int32_t)vd_u(g, 20)));
		VE(g, I_MOV64_REG(3, 10));
		VE(g, I_ALU64_IMM(BI_ADD, 3, -buf));
		if (var)
			VE(g, I_MOV64_REG(4, 7));
		else
			VE(g, I_MOV64_IMM(4, size));
		VE(g, I_CALL(g->type == VD_XDP ? VD_H_XDP_LOAD_BYTES : VD_H_SKB_LOAD_BYTES));
		/* read what it wrote */
		VE(g, I_LDX(BI_B, 0, 10, (int16_t)-buf));
	} else { /* map_update_elem(map, key, value on the stack, 0) */
		unsigned idx = vd_u(g, VD_NMAPS);
		VE(g, I_ST(BI_W, 10, -4, 0));
		vd_ld_map(g, 1, BI_PSEUDO_MAP_FD, idx, 0);
		VE(g, I_MOV64_REG(2, 10));
		VE(g, I_ALU64_IMM(BI_ADD, 2, -4));
		VE(g, I_MOV64_REG(3, 10));
		VE(g, I_ALU64_IMM(BI_ADD, 3, -vd_edge(g, (int32_t)vd_maps[idx].value)));
		VE(g, I_MOV64_IMM(4, 0));
		VE(g, I_CALL(VD_H_UPDATE));
	}
}

static inline void vd_atomic(struct vd *g)
{
	static const int32_t ops[] = { BI_ADD, BI_ADD | BI_FETCH, BI_OR | BI_FETCH, BI_XCHG,
				       BI_CMPXCHG, BI_AND };
	int32_t op = ops[vd_u(g, sizeof(ops) / sizeof(ops[0]))];
	uint8_t sz = vd_u(g, 2) ? BI_DW : BI_W;
	unsigned bytes = sz == BI_DW ? 8 : 4;
	VE(g, I_MOV64_IMM(1, 3));
	if (op == BI_CMPXCHG && vd_u(g, 4))
		VE(g, I_MOV64_IMM(0, 0));
	size_t j = VD_MAX;
	unsigned base = 10;
	int16_t off;
	switch (vd_u(g, 4)) {
	case 0: case 1: /* the stack, written or not, maybe a pointer there */
		off = (int16_t)(-8 * (int)(1 + vd_u(g, 3)) + (vd_u(g, 4) == 0 ? 4 : 0));
		if (vd_u(g, 3))
			VE(g, I_ST(BI_DW, 10, (int16_t)(off & ~7), 5));
		else if (vd_u(g, 3) == 0)
			VE(g, I_STX(BI_DW, 10, 6, (int16_t)(off & ~7)));
		if (vd_u(g, 8) == 0)
			off = -512 - (int16_t)vd_u(g, 2) * 4;
		break;
	case 2: /* a map value near its end */
		vd_lookup(g, 3, false);
		j = VJ(g, I_JMP_IMM(BI_JEQ, 0, 0, 0));
		VE(g, I_MOV64_REG(2, 0));
		base = 2;
		off = (int16_t)(vd_edge(g, 48 - (int32_t)bytes) & ~3);
		break;
	default: /* the ctx */
		base = 6;
		off = 0;
		break;
	}
	VE(g, I_ATOMIC(sz, op, (uint8_t)base, 1, off));
	if (op & BI_FETCH) /* use the fetched value as an offset */
		VE(g, I_JMP_IMM(BI_JEQ, op == BI_CMPXCHG ? 0 : 1, 0, 0));
	vd_land(g, j);
}

/* A constant for vd_arith: edges of 8, 16, 32 and 64 bits, small ones. */
static inline int32_t vd_arith_const(struct vd *g)
{
	static const int32_t k[] = { 0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 47, 48, 63, 64, 255, 256,
				     0x7fff, 0xffff, 0x10000, 0x7fffffff, (int32_t)0x80000000, -1,
				     -2, -8, -48, -64, -256 };
	return k[vd_u(g, sizeof(k) / sizeof(k[0]))];
}

static inline void vd_arith(struct vd *g)
{
	vd_unknown(g, 7);
	if (vd_u(g, 2))
		vd_unknown(g, 8);
	else
		VE(g, I_MOV64_IMM(8, vd_arith_const(g)));
	size_t outs[8];
	unsigned nout = 0;
	unsigned steps = 1 + vd_u(g, 5);
	static const uint8_t ops[] = { BI_ADD, BI_SUB, BI_MUL, BI_OR, BI_AND, BI_LSH, BI_RSH,
				       BI_ARSH, BI_XOR, BI_DIV, BI_MOD, BI_NEG, BI_MOV, BI_END };
	static const uint8_t jops[] = { BI_JEQ, BI_JNE, BI_JGT, BI_JGE, BI_JLT, BI_JLE, BI_JSGT,
					BI_JSGE, BI_JSLT, BI_JSLE, BI_JSET };
	for (unsigned i = 0; i < steps; i++) {
		unsigned d = vd_u(g, 4) ? 7 : 8;
		if (vd_u(g, 3) == 0 && nout < 8) { /* a compare that leaves */
			uint8_t op = jops[vd_u(g, sizeof(jops))];
			uint8_t cls = vd_u(g, 3) ? BI_JMP : BI_JMP32;
			if (vd_u(g, 3))
				outs[nout++] = VJ(g, I_RAW(cls | op | BI_K, d, 0, 0, vd_arith_const(g)));
			else
				outs[nout++] = VJ(g, I_RAW(cls | op | BI_X, d, 15 - d, 0, 0));
			continue;
		}
		uint8_t op = ops[vd_u(g, sizeof(ops))];
		uint8_t cls = vd_u(g, 3) ? BI_ALU64 : BI_ALU;
		unsigned bits = cls == BI_ALU64 ? 64 : 32;
		if (op == BI_NEG) {
			VE(g, I_RAW(cls | op, d, 0, 0, 0));
		} else if (op == BI_END) {
			static const int32_t w[] = { 16, 32, 64 };
			VE(g, I_RAW(BI_ALU | op | (vd_u(g, 2) ? BI_TO_BE : BI_TO_LE), d, 0, 0,
				    w[vd_u(g, 3)]));
		} else if (op == BI_MOV && vd_u(g, 2)) { /* sign extension */
			static const int16_t w[] = { 8, 16, 32 };
			VE(g, I_RAW(cls | op | BI_X, d, 15 - d, w[vd_u(g, cls == BI_ALU64 ? 3 : 2)],
				    0));
		} else if (op == BI_LSH || op == BI_RSH || op == BI_ARSH) {
			VE(g, I_RAW(cls | op | BI_K, d, 0, 0, (int32_t)vd_u(g, bits)));
		} else if (vd_u(g, 3)) {
			int32_t k = vd_arith_const(g);
			if ((op == BI_DIV || op == BI_MOD) && !k)
				k = 3;
			VE(g, I_RAW(cls | op | BI_K, d, 0, 0, k));
		} else if (op != BI_DIV && op != BI_MOD) {
			VE(g, I_RAW(cls | op | BI_X, d, 15 - d, 0, 0));
		}
	}
	/* r7 as an offset into: a map value (48), the stack (64), the packet */
	unsigned size = vd_size(g);
	unsigned target = vd_u(g, g->type == VD_XDP ? 3 : 2);
	size_t j2 = VD_MAX;
	unsigned base;
	if (target == 0) {
		vd_lookup(g, 3, false);
		j2 = VJ(g, I_JMP_IMM(BI_JEQ, 0, 0, 0));
		base = 0;
	} else if (target == 1) {
		vd_stack_init(g, 64);
		VE(g, I_MOV64_REG(1, 10));
		VE(g, I_ALU64_IMM(BI_ADD, 1, -64));
		base = 1;
	} else {
		bool ok;
		j2 = vd_pkt_check(g, 48, &ok);
		base = 2;
	}
	VE(g, I_ALU64_REG(BI_ADD, (uint8_t)base, 7));
	int16_t off = (int16_t)(vd_u(g, 2) ? 0 : vd_edge(g, 0));
	vd_access(g, vd_u(g, 3) == 0, (uint8_t)base, off, size, 5, -1);
	vd_land(g, j2);
	for (unsigned i = 0; i < nout; i++)
		vd_land(g, outs[i]);
}

/* One program into out (VD_MAX slots); returns its length, 0 when it ran
 * out of room. type: VD_XDP or VD_SOCKET. *gen keeps what the generator
 * knows of it (its scenarios). */
static inline size_t vd_program_g(struct vgen_src *s, struct bpfvm_insn *out, uint32_t type,
				  struct vd *gen)
{
	struct vd g = { .s = s, .p = out, .type = type, .first = -1 };
	VE(&g, I_MOV64_REG(6, 1));
	unsigned k3 = vd_u(&g, 10), n = k3 < 6 ? 1 : k3 < 9 ? 2 : 3;
	for (unsigned i = 0; i < n; i++) {
		unsigned k = vd_u(&g, VS__COUNT);
		if (type != VD_XDP && (k == VS_PKT || k == VS_PKT_VAR || k == VS_META))
			k = VS_RANGE;
		if (g.first < 0)
			g.first = (int)k;
		g.scn_mask |= 1u << k;
		switch (k) {
		case VS_PKT: vd_pkt(&g); break;
		case VS_PKT_VAR: vd_pkt_var(&g); break;
		case VS_META: vd_meta(&g); break;
		case VS_STACK: vd_stack(&g); break;
		case VS_STACK_VAR: vd_stack_var(&g); break;
		case VS_UNINIT: vd_uninit(&g); break;
		case VS_SPILL: vd_spill(&g); break;
		case VS_REG: vd_reg(&g); break;
		case VS_MAP: vd_map(&g); break;
		case VS_MAP_DIRECT: vd_map_direct(&g); break;
		case VS_PTR: vd_ptr(&g); break;
		case VS_RANGE: vd_range(&g); break;
		case VS_CTX: vd_ctx(&g); break;
		case VS_HELPER: vd_helper(&g); break;
		case VS_ARITH: vd_arith(&g); break;
		default: vd_atomic(&g); break;
		}
	}
	/* r0 = XDP_PASS (or accept the packet), except now and then: then r0
	 * is whatever the scenarios left, maybe nothing */
	if (vd_u(&g, 16))
		VE(&g, I_MOV64_IMM(0, 2));
	VE(&g, I_EXIT());
	*gen = g;
	return g.full ? 0 : g.n;
}

#endif
