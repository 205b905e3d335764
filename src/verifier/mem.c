/*
 * mem.c - memory access checks: loads, stores, atomics, and helper memory
 * arguments.
 *
 * An access of n bytes at pointer p + insn_off is allowed when every byte
 * of every address p may hold lies inside p's region:
 *   stack    [r10-512, r10) of p's frame, aligned to n; spills give back
 *            the register; bytes never written read as an unknown scalar
 *            (stack_uninit_read); at a variable offset, every byte the
 *            access may touch (stack_var_range);
 *   ctx      raw type: [0, ctx_size), at any offset (sized memory);
 *            typed contexts: field by field (ctx.c);
 *   packet   [off, range) proved by comparisons with data_end (pkt.c);
 *   map value [0, value_size): with a variable offset, the whole signed
 *            range of the offset must fit (the kernel's check_map_access);
 *   memory   [0, mem_size) (ringbuf records);
 *   BTF-typed pointers: read-only, member by member (btf_ptr.c).
 * NULL-able pointers must be checked first; scalars are not pointers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "maps/map.h"
#include "verifier/vfy.h"

#define MAX_VAR_OFF (1ll << 29)

static uint32_t region_size(const struct venv *env, const struct vreg *p, const char **name)
{
	switch (p->type) {
	case VT_PTR_TO_CTX: *name = "context"; return env->ctx_size;
	case VT_PTR_TO_MAP_VALUE: *name = "map value"; return p->map->value_size;
	case VT_PTR_TO_MEM: *name = "memory"; return p->mem_size;
	default: *name = "?"; return 0;
	}
}

/* Common refusals for a register that is not a usable pointer. */
static int not_a_pointer(struct venv *env, uint32_t pc, unsigned regno, const struct vreg *p,
			 const char *verb)
{
	char w[96];
	vreg_describe(p, w, sizeof(w));
	switch (p->type) {
	case VT_NOT_INIT:
		return vfy_err(env, -EACCES, pc, "r%u is not initialised", regno);
	case VT_SCALAR:
		return vfy_err(env, -EACCES, pc,
			       "r%u is a scalar, not a pointer: it cannot be used to %s memory",
			       regno, verb);
	case VT_PTR_TO_MAP_VALUE_OR_NULL:
	case VT_PTR_TO_MEM_OR_NULL:
	case VT_CONST_PTR_TO_MAP_OR_NULL:
		return vfy_err(env, -EACCES, pc,
			       "r%u may be NULL here (%s): check it against 0 (the helper that "
			       "returned it can fail) before you %s through it",
			       regno, w, verb);
	case VT_CONST_PTR_TO_MAP:
		return vfy_err(env, -EACCES, pc,
			       "r%u points to a map object (%s), which the program cannot %s "
			       "directly; use bpf_map_lookup_elem",
			       regno, w, verb);
	default:
		return vfy_err(env, -ENOTSUP, pc, "access through a %s (r%u) is not supported yet",
			       w, regno);
	}
}

/* Stack: the frame the pointer points into and the constant offset of the
 * access from that frame's r10. */
static int stack_offset(struct venv *env, struct vstate *s, uint32_t pc, unsigned regno,
			const struct vreg *p, int64_t insn_off, uint64_t size, const char *verb,
			struct vframe **frame, int64_t *abs)
{
	if (!scal_is_const(&p->s))
		return vfy_err(env, -EACCES, pc,
			       "r%u points into the stack at a variable offset; stack accesses "
			       "need constant offsets",
			       regno);
	int64_t a = (int64_t)p->off + (int64_t)p->s.t.value + insn_off;
	if (a < -BPFVM_STACK_SIZE)
		return vfy_err(env, -EACCES, pc,
			       "%s of %llu bytes at r10%+lld is below the %d-byte stack frame", verb,
			       (unsigned long long)size, (long long)a, BPFVM_STACK_SIZE);
	if (a >= 0 || a + (int64_t)size > 0) /* even 0 bytes at r10: the kernel's check */
		return vfy_err(env, -EACCES, pc,
			       "%s of %llu bytes at r10%+lld is above the stack frame (r10 is its "
			       "top; use negative offsets)",
			       verb, (unsigned long long)size, (long long)a);
	*frame = s->fr[p->frameno];
	*abs = a;
	struct vframe *f = *frame;
	uint32_t need = (uint32_t)((-a + 7) / 8);
	if (env->subprog_depth[f->subprog] < (uint32_t)-a)
		env->subprog_depth[f->subprog] = (uint32_t)-a;
	if (vframe_grow(f, need))
		return vfy_err(env, -ENOMEM, pc, "out of memory");
	return 0;
}

static inline struct vslot *slot_of(struct vframe *f, int64_t a, int *byte)
{
	int64_t i = (-a - 1) / 8;
	*byte = (int)(a + 8 * (i + 1));
	return &f->stack[i];
}

/* A spill leaves its slot: its bytes stay initialised, as MISC. */
static void spill_drop(struct vslot *sl)
{
	for (unsigned k = 0; k < sl->spill_size; k++)
		sl->b[k] = SB_MISC;
	sl->spill_size = 0;
	sl->spill = vreg_not_init();
}

/* Bytes [a, a+size) become written (MISC or ZERO); spills they touch are
 * dropped. */
static void stack_mark(struct vframe *f, int64_t a, uint64_t size, uint8_t kind)
{
	for (uint64_t k = 0; k < size; k++) {
		int byte;
		struct vslot *sl = slot_of(f, a + (int64_t)k, &byte);
		if (sl->spill_size)
			spill_drop(sl);
		sl->b[byte] = kind;
	}
}

/* Whether some byte of [a, a+size) was never written. */
static bool stack_has_invalid(struct vframe *f, int64_t a, uint64_t size)
{
	for (uint64_t k = 0; k < size; k++) {
		int byte;
		struct vslot *sl = slot_of(f, a + (int64_t)k, &byte);
		if (sl->b[byte] == SB_INVALID)
			return true;
	}
	return false;
}

/* Whether every byte of [a, a+size) is known zero. */
static bool stack_all_zero(struct vframe *f, int64_t a, uint64_t size)
{
	for (uint64_t k = 0; k < size; k++) {
		int byte;
		if (slot_of(f, a + (int64_t)k, &byte)->b[byte] != SB_ZERO)
			return false;
	}
	return true;
}

/* Whether storing size bytes of val writes zeros (a known scalar whose
 * low size bytes are 0); val NULL: unknown bytes (a helper's). */
static bool stores_zero(const struct vreg *val, uint64_t size)
{
	if (!val || val->type != VT_SCALAR || !scal_is_const(&val->s))
		return false;
	uint64_t v = val->s.t.value;
	return (size >= 8 ? v : v & ((1ull << (size * 8)) - 1)) == 0;
}

/* A read of stack bytes [a, a+size) of which some were never written: the
 * kernel allows it to privileged loaders (allow_uninit_stack), and real
 * programs do it (a struct with padding built on the stack and passed as a
 * map key), so bpfvm allows it too. The bytes read as an unknown scalar
 * here; at run time the program's frames are zeroed as they are entered
 * (prog_zero_frames), so that a run never sees what the host left there. */
static void stack_uninit_read(struct venv *env, uint32_t pc, struct vframe *f, int64_t a,
			      uint64_t size)
{
	if (!stack_has_invalid(f, a, size))
		return;
	if (!env->st.uninit_reads++)
		env->st.uninit_insn = pc;
}

static int stack_write(struct venv *env, uint32_t pc, struct vframe *f,
		       int64_t a, unsigned size, const struct vreg *val, int valreg)
{
	if (vreg_is_ptr(val)) {
		if (size != 8)
			return vfy_err(env, -EACCES, pc,
				       "invalid size of register spill: pointer r%d must be stored "
				       "with an 8-byte write",
				       valreg);
		if (val->type == VT_PTR_TO_STACK && val->frameno > f->frameno)
			return vfy_err(env, -EACCES, pc,
				       "r%d points into this function's stack and cannot be stored "
				       "in a caller's stack: it would dangle after return",
				       valreg);
	}
	int byte;
	struct vslot *sl = slot_of(f, a, &byte);
	/* A register spill keeps the register: all 8 bytes, or (the kernel's
	 * narrow spill) a scalar that fits in the 1, 2 or 4 bytes stored at
	 * the start of a slot, so loop counters kept on the stack as u32 keep
	 * their value and their precision. */
	bool narrow = size < 8 && valreg >= 0 && byte == 0 && val->type == VT_SCALAR &&
		      val->s.umax < (1ull << (8 * size));
	if (size == 8 || narrow) {
		if (sl->spill_size)
			spill_drop(sl);
		memset(sl->b, SB_SPILL, size);
		sl->spill_size = (uint8_t)size;
		sl->spill = *val;
		return 0;
	}
	stack_mark(f, a, size, stores_zero(val, size) ? SB_ZERO : SB_MISC);
	return 0;
}

static int stack_read(struct venv *env, uint32_t pc, struct vframe *f, int64_t a,
		      unsigned size, struct vreg *out)
{
	int byte;
	struct vslot *sl = slot_of(f, a, &byte);
	if (sl->spill_size) {
		if (byte == 0 && size == sl->spill_size) {
			*out = sl->spill; /* a fill: the register back */
			out->precise = 0;
			return 0;
		}
		if (sl->spill.type != VT_SCALAR)
			return vfy_err(env, -EACCES, pc,
				       "invalid size of register fill: r10%+lld holds a spilled "
				       "pointer; read it back with an 8-byte load",
				       (long long)(a - byte));
		if (byte + size <= sl->spill_size && scal_is_const(&sl->spill.s)) {
			uint64_t v = sl->spill.s.t.value >> (8 * byte);
			*out = vreg_const(size == 8 ? v : v & ((1ull << (8 * size)) - 1));
			return 0;
		}
	}
	stack_uninit_read(env, pc, f, a, size);
	*out = stack_all_zero(f, a, size) ? vreg_const(0) : vreg_scalar(scal_unknown_bits(8 * size));
	return 0;
}

/*
 * Stack at a variable offset: a[] indexed by a bounded scalar. The kernel
 * allows it to privileged loaders (check_stack_read_var_off,
 * check_stack_write_var_off): every byte it may touch must be inside the
 * frame, and for loads and stores (aligned), every address the pointer may
 * hold aligned to the access. The bytes [*lo, *hi) of frame *frame are
 * those it may touch.
 */
static int stack_var_range(struct venv *env, struct vstate *s, uint32_t pc, unsigned regno,
			   const struct vreg *p, int64_t insn_off, uint64_t size, bool aligned,
			   const char *verb, struct vframe **frame, int64_t *lo, int64_t *hi)
{
	char w[96];
	vreg_describe(p, w, sizeof(w));
	if (p->s.smin <= -MAX_VAR_OFF || p->s.smax >= MAX_VAR_OFF)
		return vfy_err(env, -EACCES, pc,
			       "r%u (%s) points into the stack at an unbounded variable offset: "
			       "bound the index with a comparison before the %s",
			       regno, w, verb);
	int64_t fixed = (int64_t)p->off + insn_off;
	uint64_t low = (p->s.t.value + (uint64_t)fixed) | p->s.t.mask;
	if (aligned && size > 1 && (low & (size - 1)))
		return vfy_err(env, -EACCES, pc,
			       "misaligned stack access: %llu bytes at r%u%+lld (%s) may not be "
			       "aligned to their size; mask the index's low bits",
			       (unsigned long long)size, regno, (long long)insn_off, w);
	*lo = fixed + p->s.smin;
	*hi = fixed + p->s.smax + (int64_t)size;
	if (*lo < -BPFVM_STACK_SIZE)
		return vfy_err(env, -EACCES, pc,
			       "%s of %llu bytes at r10%+lld..%+lld may fall below the %d-byte "
			       "stack frame (r%u: %s): bound the index",
			       verb, (unsigned long long)size, (long long)*lo,
			       (long long)(*hi - (int64_t)size), BPFVM_STACK_SIZE, regno, w);
	if (*hi > 0)
		return vfy_err(env, -EACCES, pc,
			       "%s of %llu bytes at r10%+lld..%+lld may fall above the stack frame "
			       "(r%u: %s): bound the index",
			       verb, (unsigned long long)size, (long long)*lo,
			       (long long)(*hi - (int64_t)size), regno, w);
	struct vframe *f = s->fr[p->frameno];
	*frame = f;
	if (env->subprog_depth[f->subprog] < (uint32_t)-*lo)
		env->subprog_depth[f->subprog] = (uint32_t)-*lo;
	if (vframe_grow(f, (uint32_t)((-*lo + 7) / 8)))
		return vfy_err(env, -ENOMEM, pc, "out of memory");
	return 0;
}

/* A read that may touch [lo, hi): an unknown scalar of size bytes (0 when
 * every byte there is known zero), as the kernel's mark_reg_stack_read.
 * Spilled registers there are read as bytes: pointers leak, which is
 * allowed to privileged loaders. */
static struct vreg stack_var_read(struct venv *env, uint32_t pc, struct vframe *f, int64_t lo,
				  int64_t hi, unsigned size, bool sx)
{
	stack_uninit_read(env, pc, f, lo, (uint64_t)(hi - lo));
	if (stack_all_zero(f, lo, (uint64_t)(hi - lo)))
		return vreg_const(0);
	return vreg_scalar(sx ? scal_unknown_sbits(8 * size) : scal_unknown_bits(8 * size));
}

/* A write that may touch [lo, hi): each byte there may now hold what was
 * written, or what it held. So spills there end, and bytes become MISC
 * (ZERO where a zero is written over zero), as in the kernel. A byte never
 * written counts as read uninitialised: it may still be unwritten when a
 * later read takes it for written, so the program's frames are zeroed. */
static void stack_var_write(struct venv *env, uint32_t pc, struct vframe *f, int64_t lo,
			    int64_t hi, const struct vreg *val, uint64_t size)
{
	stack_uninit_read(env, pc, f, lo, (uint64_t)(hi - lo));
	bool zero = stores_zero(val, size);
	for (int64_t a = lo; a < hi; a++) {
		int byte;
		struct vslot *sl = slot_of(f, a, &byte);
		if (sl->spill_size)
			spill_drop(sl);
		if (!(zero && sl->b[byte] == SB_ZERO))
			sl->b[byte] = SB_MISC;
	}
}

/* Map value / ctx / mem bounds for the byte range [lo, hi) offsets of
 * the access, given the pointer's variable part. */
static int region_check(struct venv *env, uint32_t pc, unsigned regno, const struct vreg *p,
			int64_t insn_off, uint64_t size, const char *verb)
{
	const char *name;
	char w[96];
	uint32_t limit = region_size(env, p, &name);
	vreg_describe(p, w, sizeof(w));
	if (p->s.smin <= -MAX_VAR_OFF || p->s.smax >= MAX_VAR_OFF)
		return vfy_err(env, -EACCES, pc,
			       "r%u (%s) has an unbounded variable offset: bound the index "
			       "with a comparison before the %s",
			       regno, w, verb);
	/* The kernel's check_mem_region_access() also bounds the variable
	 * part unsigned (umax < 2^29), so a part that may be negative is
	 * refused even where the fixed offset makes up for it: vdiff found
	 * bpfvm accepting such accesses, which the kernel refuses. */
	if (p->s.umax >= MAX_VAR_OFF)
		return vfy_err(env, -EACCES, pc,
			       "r%u (%s) has a variable offset that may be negative (down to "
			       "%lld): use an unsigned index, or check it with if (index >= 0), "
			       "before the %s",
			       regno, w, (long long)p->s.smin, verb);
	int64_t lo = (int64_t)p->off + insn_off + p->s.smin;
	int64_t hi = (int64_t)p->off + insn_off + p->s.smax + (int64_t)size;
	if (lo < 0 || hi > (int64_t)limit) {
		if (scal_is_const(&p->s))
			return vfy_err(env, -EACCES, pc,
				       "%s of %llu bytes at offset %lld is outside the %u-byte %s "
				       "(r%u: %s)",
				       verb, (unsigned long long)size, (long long)lo, limit, name,
				       regno, w);
		return vfy_err(env, -EACCES, pc,
			       "%s of %llu bytes at offset %lld..%lld may fall outside the "
			       "%u-byte %s (r%u: %s): bound the index",
			       verb, (unsigned long long)size, (long long)lo,
			       (long long)(hi - (int64_t)size), limit, name, regno, w);
	}
	return 0;
}

/* A read (dst != NULL) or write (val) of size bytes at regs[regno] + off. */
static int access(struct venv *env, struct vstate *s, uint32_t pc, unsigned regno,
		  int64_t off, unsigned size, bool write, const struct vreg *val, int valreg,
		  struct vreg *dst, bool atomic, bool sx)
{
	struct vreg *p = &vcur(s)->regs[regno];
	const char *verb = write ? "write" : "read";
	int err;
	if (env->ht && p->type != VT_PTR_TO_CTX && (err = vfy_note_access(env, pc, false)))
		return err;
	switch (p->type) {
	case VT_PTR_TO_PACKET:
	case VT_PTR_TO_PACKET_META:
		if (atomic)
			return vfy_err(env, -EACCES, pc,
				       "atomic operations on packet memory are not allowed");
		if ((err = vfy_pkt_access(env, pc, regno, p, off, size, write, verb)))
			return err;
		if (dst)
			*dst = vreg_scalar(sx ? scal_unknown_sbits(8 * size)
					      : scal_unknown_bits(8 * size));
		return 0;
	case VT_PTR_TO_PACKET_END:
		return vfy_err(env, -EACCES, pc,
			       "r%u is data_end, the end of the packet: it can only be compared "
			       "with packet pointers, not %s through",
			       regno, write ? "written" : "read");
	case VT_PTR_TO_BTF_ID:
		return vfy_btf_access(env, s, pc, regno, off, size, write || atomic, sx, dst);
	case VT_PTR_TO_CTX:
		if (!env->ht)
			goto region;
		if (atomic)
			return vfy_err(env, -EACCES, pc, "atomic operations on ctx are not allowed");
		return vfy_ctx_access(env, s, pc, regno, off, size, write, sx, dst);
	case VT_PTR_TO_STACK: {
		struct vframe *f;
		int64_t a, hi;
		if (!scal_is_const(&p->s) && !atomic) {
			if ((err = stack_var_range(env, s, pc, regno, p, off, size, true, verb, &f,
						   &a, &hi)))
				return err;
			if (write) {
				if (val && vreg_is_ptr(val) && val->type == VT_PTR_TO_STACK &&
				    val->frameno > f->frameno)
					return vfy_err(env, -EACCES, pc,
						       "r%d points into this function's stack and "
						       "cannot be stored in a caller's stack: it "
						       "would dangle after return",
						       valreg);
				stack_var_write(env, pc, f, a, hi, val, size);
			} else {
				*dst = stack_var_read(env, pc, f, a, hi, size, sx);
			}
			return 0;
		}
		if ((err = stack_offset(env, s, pc, regno, p, off, size, verb, &f, &a)))
			return err;
		if (a % size)
			return vfy_err(env, -EACCES, pc,
				       "misaligned stack access: %u bytes at r10%+lld (stack "
				       "accesses must be aligned to their size)",
				       size, (long long)a);
		vfy_hist_stack(s, p->frameno, (uint32_t)((-a - 1) / 8));
		if (atomic) {
			int byte;
			struct vslot *sl = slot_of(f, a, &byte);
			if (sl->spill_size && sl->spill.type != VT_SCALAR)
				return vfy_err(env, -EACCES, pc,
					       "atomic operation on a spilled pointer at r10%+lld",
					       (long long)a);
			stack_uninit_read(env, pc, f, a, size);
			stack_mark(f, a, size, SB_MISC);
			return 0;
		}
		if (write)
			return stack_write(env, pc, f, a, size, val, valreg);
		return stack_read(env, pc, f, a, size, dst);
	}
	region:
	case VT_PTR_TO_MAP_VALUE:
	case VT_PTR_TO_MEM:
		if (atomic && p->type == VT_PTR_TO_CTX)
			return vfy_err(env, -EACCES, pc, "atomic operations on ctx are not allowed");
		if ((err = region_check(env, pc, regno, p, off, size, verb)))
			return err;
		if (write && p->rdonly)
			return vfy_err(env, -EACCES, pc,
				       "write through r%u, which points to read-only memory (the key "
				       "bpf_for_each_map_elem passes its callback)",
				       regno);
		if (p->type == VT_PTR_TO_MAP_VALUE) {
			if (write && (p->map->map_flags & BPFVM_F_RDONLY_PROG))
				return vfy_err(env, -EACCES, pc,
					       "write into map '%s', which is read-only for programs",
					       p->map->name);
			if (!write && (p->map->map_flags & BPFVM_F_WRONLY_PROG))
				return vfy_err(env, -EACCES, pc,
					       "read from map '%s', which is write-only for programs",
					       p->map->name);
		}
		if (dst)
			*dst = vreg_scalar(scal_unknown_bits(8 * size));
		return 0;
	default:
		return not_a_pointer(env, pc, regno, p, verb);
	}
}

int vfy_mem(struct venv *env, struct vstate *s, const struct isa_insn *in,
	    const struct isa_desc *d, uint32_t pc)
{
	struct vframe *f = vcur(s);
	unsigned size = d->size;
	struct vreg val, out;
	int err;

	switch (d->shape) {
	case ISA_SHAPE_LDX:
	case ISA_SHAPE_LDXSX:
	case ISA_SHAPE_LOAD_ACQ:
		if ((err = vfy_check_init(env, s, pc, in->src)))
			return err;
		if ((err = access(env, s, pc, in->src, in->off, size, false, NULL, -1, &out, false,
				  d->shape == ISA_SHAPE_LDXSX)))
			return err;
		if (d->shape == ISA_SHAPE_LDXSX && size < 8 && out.type == VT_SCALAR) {
			if (vreg_is_const(&out)) {
				uint64_t v = out.s.t.value, sign = 1ull << (8 * size - 1);
				v &= (sign << 1) - 1;
				out = vreg_const((v ^ sign) - sign);
			} else {
				out = vreg_scalar(scal_unknown_sbits(8 * size));
			}
		}
		vcur(s)->regs[in->dst] = out;
		return 0;
	case ISA_SHAPE_ST:
		if ((err = vfy_check_init(env, s, pc, in->dst)))
			return err;
		val = vreg_const((uint64_t)(int64_t)in->imm);
		return access(env, s, pc, in->dst, in->off, size, true, &val, -1, NULL, false, false);
	case ISA_SHAPE_STX:
	case ISA_SHAPE_STORE_REL:
		if ((err = vfy_check_init(env, s, pc, in->dst)) ||
		    (err = vfy_check_init(env, s, pc, in->src)))
			return err;
		val = f->regs[in->src];
		return access(env, s, pc, in->dst, in->off, size, true, &val, in->src, NULL, false,
			      false);
	case ISA_SHAPE_ATOMIC:
	case ISA_SHAPE_ATOMIC_FETCH:
	case ISA_SHAPE_XCHG:
	case ISA_SHAPE_CMPXCHG:
		if ((err = vfy_check_init(env, s, pc, in->dst)) ||
		    (err = vfy_check_init(env, s, pc, in->src)))
			return err;
		if (d->shape == ISA_SHAPE_CMPXCHG && (err = vfy_check_init(env, s, pc, 0)))
			return err;
		if (vreg_is_ptr(&f->regs[in->src]))
			return vfy_err(env, -EACCES, pc,
				       "the operand of an atomic operation (r%u) must be a scalar",
				       in->src);
		if ((err = access(env, s, pc, in->dst, in->off, size, true, NULL, -1, NULL, true, false)))
			return err;
		if (d->shape == ISA_SHAPE_CMPXCHG)
			vcur(s)->regs[0] = vreg_scalar(scal_unknown_bits(8 * size));
		else if (d->shape != ISA_SHAPE_ATOMIC)
			vcur(s)->regs[in->src] = vreg_scalar(scal_unknown_bits(8 * size));
		return 0;
	case ISA_SHAPE_LD_ABS:
	case ISA_SHAPE_LD_IND:
		return vfy_ld_abs(env, s, in, d, pc);
	default:
		return vfy_err(env, -EINVAL, pc, "not a memory instruction");
	}
}

int vfy_helper_mem(struct venv *env, struct vstate *s, uint32_t pc, unsigned regno,
		   uint64_t size_umin, uint64_t size_umax, bool write, const char *what)
{
	struct vreg *p = &vcur(s)->regs[regno];
	int err;
	if (size_umax == 0 && p->type == VT_SCALAR)
		return 0; /* no bytes: NULL is fine */
	switch (p->type) {
	case VT_PTR_TO_STACK: {
		struct vframe *f;
		int64_t a, hi;
		if (!scal_is_const(&p->s)) {
			if ((err = stack_var_range(env, s, pc, regno, p, 0, size_umax ? size_umax : 1,
						   false, what, &f, &a, &hi)))
				return err;
			if (write)
				stack_var_write(env, pc, f, a, hi, NULL, 0);
			else
				stack_uninit_read(env, pc, f, a, (uint64_t)(hi - a));
			return 0;
		}
		if ((err = stack_offset(env, s, pc, regno, p, 0, size_umax, what, &f, &a)))
			return err;
		if (!write) {
			stack_uninit_read(env, pc, f, a, size_umax);
			/* a helper reading spilled pointers would leak them as bytes:
			 * fine for this (privileged) model */
		} else {
			/* The helper writes the size it is given, which may be
			 * less: the bytes past the least are maybe unwritten. */
			stack_uninit_read(env, pc, f, a + (int64_t)size_umin,
					  size_umax - (size_umin < size_umax ? size_umin : size_umax));
			stack_mark(f, a, size_umax, SB_MISC);
		}
		return 0;
	}
	case VT_PTR_TO_PACKET:
	case VT_PTR_TO_PACKET_META:
		return vfy_pkt_access(env, pc, regno, p, 0, size_umax, write, what);
	case VT_PTR_TO_CTX:
		if (env->ht)
			return vfy_err(env, -EACCES, pc,
				       "%s (r%u) is the context; helpers take stack, map value or "
				       "packet memory here",
				       what, regno);
		/* fall through */
	case VT_PTR_TO_MAP_VALUE:
	case VT_PTR_TO_MEM:
		if ((err = region_check(env, pc, regno, p, 0, size_umax, what)))
			return err;
		if (write && p->rdonly)
			return vfy_err(env, -EACCES, pc, "%s (r%u) points to read-only memory", what,
				       regno);
		if (write && p->type == VT_PTR_TO_MAP_VALUE &&
		    (p->map->map_flags & BPFVM_F_RDONLY_PROG))
			return vfy_err(env, -EACCES, pc,
				       "%s (r%u) points into map '%s', which is read-only for "
				       "programs",
				       what, regno, p->map->name);
		return 0;
	default:
		return not_a_pointer(env, pc, regno, p, write ? "write" : "read");
	}
}
