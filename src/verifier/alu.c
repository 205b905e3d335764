/*
 * alu.c - transfer functions of the ALU instructions (and ld_imm64).
 *
 * Scalars: the result's range is computed in both widths by range.c from
 * the operands' ranges; both constants fold exactly with the interpreter's
 * own arithmetic (interp/alu.h), so the verifier and the machine agree on
 * every corner (x/0, INT_MIN/-1, shifts). A 32-bit op works on the low 32
 * bits and zero-extends.
 *
 * Pointers (the kernel's adjust_ptr_min_max_vals, privileged rules):
 *   ptr + scalar, scalar + ptr, ptr - scalar: a pointer of the same region;
 *     a constant moves the fixed offset, anything else the variable part,
 *     which must have a bounded minimum;
 *   ptr - ptr into the same region: an unknown scalar;
 *   64-bit mov copies a pointer;
 *   anything else on a pointer (other ops, 32-bit ops, NULL-able or map
 *   pointers) is refused.
 */
#include <errno.h>
#include <stdio.h>

#include "interp/alu.h"
#include "verifier/vfy.h"

#define MAX_VAR_OFF (1ll << 29) /* the kernel's BPF_MAX_VAR_OFF */

static const char *const op_sym[ISA_OP__COUNT] = {
	[ISA_OP_ADD] = "+", [ISA_OP_SUB] = "-", [ISA_OP_MUL] = "*", [ISA_OP_DIV] = "/",
	[ISA_OP_SDIV] = "s/", [ISA_OP_OR] = "|", [ISA_OP_AND] = "&", [ISA_OP_LSH] = "<<",
	[ISA_OP_RSH] = ">>", [ISA_OP_NEG] = "neg", [ISA_OP_MOD] = "%", [ISA_OP_SMOD] = "s%",
	[ISA_OP_XOR] = "^", [ISA_OP_MOV] = "=", [ISA_OP_MOVSX] = "(s)", [ISA_OP_ARSH] = "s>>",
};

/* Exact result of op on constants, with the interpreter's semantics. */
static uint64_t fold(unsigned op, unsigned bits, uint64_t a, uint64_t b)
{
#define FOLD_CASE(OP)                                                          \
	case ISA_OP_##OP:                                                      \
		return bits == 32 ? alu32_##OP(a, b) : alu64_##OP(a, b);
	switch (op) {
		FOLD_CASE(ADD) FOLD_CASE(SUB) FOLD_CASE(MUL) FOLD_CASE(DIV)
		FOLD_CASE(SDIV) FOLD_CASE(OR) FOLD_CASE(AND) FOLD_CASE(LSH)
		FOLD_CASE(RSH) FOLD_CASE(MOD) FOLD_CASE(SMOD) FOLD_CASE(XOR)
		FOLD_CASE(MOV) FOLD_CASE(ARSH)
	default:
		return 0;
	}
#undef FOLD_CASE
}

/* One width of a scalar op; the caller guarantees shift counts < bits. */
static struct vr vr_op(unsigned op, struct vr a, struct vr b, unsigned bits)
{
	switch (op) {
	case ISA_OP_ADD: return vr_add(a, b, bits);
	case ISA_OP_SUB: return vr_sub(a, b, bits);
	case ISA_OP_MUL: return vr_mul(a, b, bits);
	case ISA_OP_AND: return vr_and(a, b, bits);
	case ISA_OP_OR: return vr_or(a, b, bits);
	case ISA_OP_XOR: return vr_xor(a, b, bits);
	case ISA_OP_LSH: return vr_lsh(a, b, bits);
	case ISA_OP_RSH: return vr_rsh(a, b, bits);
	case ISA_OP_ARSH: return vr_arsh(a, b, bits);
	case ISA_OP_DIV: return vr_div(a, b, bits);
	case ISA_OP_MOD: return vr_mod(a, b, bits);
	default: return vr_unknown(bits); /* SDIV, SMOD: no range rule yet */
	}
}

/* Low 32 result bits depend only on the low 32 input bits. */
static bool low_bits_local(unsigned op)
{
	return op == ISA_OP_ADD || op == ISA_OP_SUB || op == ISA_OP_MUL || op == ISA_OP_AND ||
	       op == ISA_OP_OR || op == ISA_OP_XOR;
}

struct scal scal_alu(unsigned op, const struct scal *a, const struct scal *b, unsigned bits)
{
	if (scal_is_const(a) && scal_is_const(b))
		return scal_const(fold(op, bits, a->t.value, b->t.value));
	bool shift = op == ISA_OP_LSH || op == ISA_OP_RSH || op == ISA_OP_ARSH;
	if (bits == 32) {
		struct vr b32 = scal_vr32(b);
		if (shift && b32.umax >= 32)
			return scal_unknown_bits(32); /* count is masked at run time */
		struct vr r = vr_op(op, scal_vr32(a), b32, 32);
		return scal_from_vr32(&r);
	}
	struct vr b64 = scal_vr64(b);
	if (shift && b64.umax >= 64)
		return scal_unknown();
	struct vr r = vr_op(op, scal_vr64(a), b64, 64);
	if (low_bits_local(op)) {
		struct vr r32 = vr_op(op, scal_vr32(a), scal_vr32(b), 32);
		return scal_from_vr(&r, &r32);
	}
	return scal_from_vr(&r, NULL);
}

bool vfy_same_region(const struct vreg *a, const struct vreg *b)
{
	/* data_end - data, data - data_meta: the packet is one region */
	if ((vfy_is_pkt(a) || a->type == VT_PTR_TO_PACKET_END) &&
	    (vfy_is_pkt(b) || b->type == VT_PTR_TO_PACKET_END))
		return true;
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case VT_PTR_TO_STACK: return a->frameno == b->frameno;
	case VT_PTR_TO_MAP_VALUE: return a->map == b->map;
	case VT_PTR_TO_MEM: return a->ref_id == b->ref_id && a->mem_size == b->mem_size;
	case VT_PTR_TO_CTX: return true;
	default: return false;
	}
}

/* dst (a pointer) += / -= off (a scalar). */
static int ptr_add(struct venv *env, uint32_t pc, unsigned op, struct vreg *dst,
		   const struct vreg *off, unsigned dregno, int sregno)
{
	char what[96];
	vreg_describe(dst, what, sizeof(what));
	switch (dst->type) {
	case VT_PTR_TO_PACKET:
	case VT_PTR_TO_PACKET_META:
		return vfy_pkt_add(env, pc, op, dst, off, dregno);
	case VT_PTR_TO_PACKET_END:
		return vfy_err(env, -EACCES, pc,
			       "r%u is data_end: arithmetic on the packet end is not allowed; "
			       "move the packet pointer and compare it with data_end instead",
			       dregno);
	case VT_PTR_TO_CTX:
	case VT_PTR_TO_STACK:
	case VT_PTR_TO_MAP_VALUE:
	case VT_PTR_TO_MEM:
	case VT_PTR_TO_BTF_ID:  /* reads need a constant offset (btf_ptr.c) */
		break;
	case VT_PTR_TO_MAP_VALUE_OR_NULL:
	case VT_PTR_TO_MEM_OR_NULL:
	case VT_CONST_PTR_TO_MAP_OR_NULL:
		return vfy_err(env, -EACCES, pc,
			       "r%u may be NULL (%s): check it against 0 before pointer arithmetic",
			       dregno, what);
	default:
		return vfy_err(env, -EACCES, pc, "pointer arithmetic on r%u (%s) is not allowed",
			       dregno, what);
	}
	if (scal_is_const(&off->s)) {
		int64_t v = (int64_t)off->s.t.value;
		if (v >= MAX_VAR_OFF || v <= -MAX_VAR_OFF)
			return vfy_err(env, -EACCES, pc,
				       "adding %lld to r%u (%s) moves it far out of bounds",
				       (long long)(op == ISA_OP_SUB ? -v : v), dregno, what);
		int64_t noff = (int64_t)dst->off + (op == ISA_OP_SUB ? -v : v);
		if (noff >= MAX_VAR_OFF || noff <= -MAX_VAR_OFF)
			return vfy_err(env, -EACCES, pc, "r%u (%s) offset %lld is out of bounds",
				       dregno, what, (long long)noff);
		dst->off = (int32_t)noff;
		return 0;
	}
	if (off->s.smin == INT64_MIN)
		return vfy_err(env, -EACCES, pc,
			       "r%u %s= r%d: r%d has no lower bound, so the %s could point "
			       "anywhere; compare r%d with limits first",
			       dregno, op_sym[op], sregno, sregno, what, sregno);
	/* The kernel's check_reg_sane_offset() refuses at the arithmetic,
	 * before any access, an offset whose least value is 2^29 or more
	 * away, and a result whose variable part is: the kernel refuses
	 * these programs even when the pointer is never used (vdiff found
	 * bpfvm accepting them). */
	if (off->s.smin <= -MAX_VAR_OFF || off->s.smin >= MAX_VAR_OFF)
		return vfy_err(env, -EACCES, pc,
			       "r%u %s= r%d: r%d may be %lld, which moves the %s far out of bounds; "
			       "compare r%d with limits first",
			       dregno, op_sym[op], sregno, sregno, (long long)off->s.smin, what,
			       sregno);
	dst->s = scal_alu(op, &dst->s, &off->s, 64);
	if (dst->s.smin == INT64_MIN || dst->s.smin <= -MAX_VAR_OFF || dst->s.smin >= MAX_VAR_OFF)
		return vfy_err(env, -EACCES, pc,
			       "r%u %s= r%d moves the %s far out of bounds: its variable offset "
			       "may be %lld",
			       dregno, op_sym[op], sregno, what, (long long)dst->s.smin);
	return 0;
}

static int ptr_alu(struct venv *env, uint32_t pc, unsigned op, unsigned bits, struct vreg *dst,
		   const struct vreg *src, unsigned dregno, int sregno)
{
	char dw[96], sw[96];
	bool dp = vreg_is_ptr(dst), sp = vreg_is_ptr(src);
	vreg_describe(dst, dw, sizeof(dw));
	vreg_describe(src, sw, sizeof(sw));
	const struct vreg *p = dp ? dst : src;
	unsigned preg = dp ? dregno : (unsigned)sregno;
	if (bits == 32)
		return vfy_err(env, -EACCES, pc,
			       "32-bit arithmetic on pointer r%u (%s) is not allowed: it would "
			       "cut the address",
			       preg, dp ? dw : sw);
	if (dp && sp) {
		if (op == ISA_OP_SUB) {
			if (!vfy_same_region(dst, src))
				return vfy_err(env, -EACCES, pc,
					       "r%u -= r%d subtracts pointers into different "
					       "regions (%s and %s)",
					       dregno, sregno, dw, sw);
			*dst = vreg_unknown();
			return 0;
		}
		return vfy_err(env, -EACCES, pc,
			       "r%u %s= r%d combines two pointers (%s and %s); only pointer - "
			       "pointer of one region is allowed",
			       dregno, op_sym[op], sregno, dw, sw);
	}
	if (op != ISA_OP_ADD && op != ISA_OP_SUB)
		return vfy_err(env, -EACCES, pc,
			       "operator %s on pointer r%u (%s) is not allowed; only adding or "
			       "subtracting a scalar is",
			       op_sym[op], preg, vreg_is_ptr(p) ? (dp ? dw : sw) : "");
	if (sp) { /* scalar OP pointer */
		if (op == ISA_OP_SUB)
			return vfy_err(env, -EACCES, pc,
				       "r%u -= r%d subtracts a pointer (%s) from a scalar", dregno,
				       sregno, sw);
	} else if (op == ISA_OP_SUB && dst->type == VT_PTR_TO_STACK) {
		/* The kernel's adjust_ptr_min_max_vals() refuses it, constant
		 * or not (for JITs of old); clang always adds instead. */
		return vfy_err(env, -EACCES, pc,
			       "subtraction from the stack pointer r%u (%s) is not allowed, as in "
			       "the kernel: add the negated value instead (r%u += -N)",
			       dregno, dw, dregno);
	}
	if (sp) {
		struct vreg off = *dst;
		*dst = *src;
		return ptr_add(env, pc, op, dst, &off, dregno, sregno);
	}
	return ptr_add(env, pc, op, dst, src, dregno, sregno);
}

static int do_lddw(struct venv *env, struct vstate *s, const struct isa_insn *in, uint32_t pc)
{
	const struct bpfvm_insn *raw = &env->prog->raw[pc];
	struct vreg *dst = &vcur(s)->regs[in->dst];
	unsigned src = raw->src;
	if (src == 0) {
		*dst = vreg_const(in->imm64);
		return 0;
	}
	if (src == 4) { /* code_addr: a callback for a helper */
		*dst = vreg_not_init();
		dst->type = VT_PTR_TO_FUNC;
		dst->off = (int32_t)((int64_t)pc + 1 + raw->imm);
		dst->s = scal_const(0);
		return 0;
	}
	if ((uint32_t)raw->imm >= env->prog->n_maps)
		return vfy_err(env, -EINVAL, pc, "ld_imm64 refers to a map the program lacks");
	const struct bpfvm_map *map = env->prog->maps[(uint32_t)raw->imm];
	*dst = vreg_not_init();
	dst->map = map;
	dst->s = scal_const(0);
	if (src == 1 || src == 5) {
		dst->type = VT_CONST_PTR_TO_MAP;
	} else if (src == 2 || src == 6) {
		dst->type = VT_PTR_TO_MAP_VALUE;
		dst->off = raw[1].imm;
	} else {
		return vfy_err(env, -ENOTSUP, pc, "ld_imm64 with src %u is not supported", src);
	}
	return 0;
}

static int unary_ptr_err(struct venv *env, uint32_t pc, const struct isa_desc *d, unsigned r,
			 const struct vreg *reg)
{
	char w[96], m[32];
	vreg_describe(reg, w, sizeof(w));
	isa_mnemonic(d, m, sizeof(m));
	return vfy_err(env, -EACCES, pc, "%s on pointer r%u (%s) is not allowed", m, r, w);
}

int vfy_alu(struct venv *env, struct vstate *s, const struct isa_insn *in,
	    const struct isa_desc *d, uint32_t pc)
{
	struct vframe *f = vcur(s);
	struct vreg *dst = &f->regs[in->dst];
	unsigned bits = d->width;
	unsigned op = d->op;
	struct vreg src;
	int err;

	switch (d->shape) {
	case ISA_SHAPE_LDDW:
		return do_lddw(env, s, in, pc);
	case ISA_SHAPE_NEG:
	case ISA_SHAPE_END_LE:
	case ISA_SHAPE_END_BE:
	case ISA_SHAPE_BSWAP: {
		if ((err = vfy_check_init(env, s, pc, in->dst)))
			return err;
		if (vreg_is_ptr(dst))
			return unary_ptr_err(env, pc, d, in->dst, dst);
		if (d->shape == ISA_SHAPE_NEG) {
			struct scal zero = scal_const(0);
			dst->s = scal_alu(ISA_OP_SUB, &zero, &dst->s, bits);
			return 0;
		}
		unsigned n = d->size;
		if (scal_is_const(&dst->s)) {
			uint64_t v = dst->s.t.value, r;
			if (d->shape == ISA_SHAPE_BSWAP)
				r = n == 16 ? alu_bswap16(v) : n == 32 ? alu_bswap32(v) : alu_bswap64(v);
			else if (d->shape == ISA_SHAPE_END_LE)
				r = n == 16 ? alu_le16(v) : n == 32 ? alu_le32(v) : alu_le64(v);
			else
				r = n == 16 ? alu_be16(v) : n == 32 ? alu_be32(v) : alu_be64(v);
			*dst = vreg_const(r);
		} else if (d->shape == ISA_SHAPE_END_LE && !ALU_HOST_BIG_ENDIAN) {
			/* a truncation on this host */
			if (n < 64 && dst->s.umax >= (1ull << n))
				*dst = vreg_scalar(scal_unknown_bits(n));
		} else {
			*dst = vreg_scalar(scal_unknown_bits(n));
		}
		return 0;
	}
	case ISA_SHAPE_MOVSX: {
		if ((err = vfy_check_init(env, s, pc, in->src)))
			return err;
		src = f->regs[in->src];
		if (vreg_is_ptr(&src))
			return unary_ptr_err(env, pc, d, in->src, &src);
		unsigned n = d->size;
		struct scal r;
		if (scal_is_const(&src.s)) {
			uint64_t v = alu_sext(src.s.t.value, n);
			r = scal_const(bits == 32 ? alu_zext32(v) : v);
		} else if (src.s.umax < (1ull << (n - 1))) {
			r = src.s; /* already a small non-negative value */
			if (bits == 32)
				scal_zext32(&r);
		} else if (bits == 64) {
			r = scal_unknown_sbits(n);
		} else {
			struct vr v = vr_unknown(32);
			v.smin = -(int64_t)(1ull << (n - 1));
			v.smax = (int64_t)(1ull << (n - 1)) - 1;
			r = scal_from_vr32(&v);
		}
		*dst = vreg_scalar(r);
		return 0;
	}
	case ISA_SHAPE_ALU_K:
		src = vreg_const((uint64_t)(int64_t)in->imm);
		if ((op == ISA_OP_LSH || op == ISA_OP_RSH || op == ISA_OP_ARSH) &&
		    (in->imm < 0 || (unsigned)in->imm >= bits))
			return vfy_err(env, -EINVAL, pc,
				       "invalid shift %d: a %u-bit shift count must be 0..%u",
				       in->imm, bits, bits - 1);
		break;
	case ISA_SHAPE_ALU_X:
		if ((err = vfy_check_init(env, s, pc, in->src)))
			return err;
		src = f->regs[in->src];
		break;
	default:
		return vfy_err(env, -EINVAL, pc, "not an ALU instruction");
	}

	if (op == ISA_OP_MOV) {
		if (bits == 64) {
			*dst = src;
			return 0;
		}
		if (vreg_is_ptr(&src))
			return vfy_err(env, -EACCES, pc,
				       "32-bit move of pointer r%u would keep only half of it",
				       in->src);
		struct scal r = src.s;
		scal_zext32(&r);
		*dst = vreg_scalar(r);
		return 0;
	}
	if ((err = vfy_check_init(env, s, pc, in->dst)))
		return err;
	int sregno = d->shape == ISA_SHAPE_ALU_X ? (int)in->src : -1;
	if (vreg_is_ptr(dst) || vreg_is_ptr(&src)) {
		/* the scalar moves a pointer: its value matters */
		if (!vreg_is_ptr(dst))
			vfy_mark_precise(env, s, in->dst);
		else if (sregno >= 0 && !vreg_is_ptr(&src))
			vfy_mark_precise(env, s, (unsigned)sregno);
		return ptr_alu(env, pc, op, bits, dst, &src, in->dst, sregno);
	}
	*dst = vreg_scalar(scal_alu(op, &dst->s, &src.s, bits));
	return 0;
}
