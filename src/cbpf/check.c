/*
 * check.c - the kernel's rules for classic programs: bpf_check_classic and
 * check_load_and_stores (net/core/filter.c), and for seccomp filters
 * seccomp_check_filter (kernel/seccomp.c).
 *
 * The scratch-memory rule is the kernel's forward pass: a mask of written
 * M[] words flows down the program; a jump ANDs it into its targets' masks
 * and the fall-through after a jump starts from "all written", since only
 * jumps reach it. A read of a word not in the mask is refused.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cbpf.h"

static int fail(struct bpfvm_error *err, long pc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct bpfvm_error *err, long pc, const char *fmt, ...)
{
	if (err) {
		*err = (struct bpfvm_error){ .code = -EINVAL, .insn = pc };
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int check_seccomp(const struct cbpf_insn *in, const struct cbpf_desc *d, size_t pc,
			 struct bpfvm_error *err)
{
	switch (d->seccomp) {
	case CBPF_SECCOMP_Y:
	case CBPF_SECCOMP_LEN:
		return 0;
	case CBPF_SECCOMP_ABS:
		if (in->k >= sizeof(struct cbpf_seccomp_data) || (in->k & 3))
			return fail(err, (long)pc,
				    "seccomp: ld [%u] is not an aligned 32-bit word of "
				    "struct seccomp_data (%zu bytes)",
				    in->k, sizeof(struct cbpf_seccomp_data));
		return 0;
	default:
		return fail(err, (long)pc, "seccomp: %s (opcode 0x%02x) is not allowed in a seccomp filter",
			    d->mnem, in->code);
	}
}

static int check_mem(const struct cbpf_insn *prog, size_t n, struct bpfvm_error *err)
{
	uint16_t *masks = malloc(n * sizeof(*masks));
	uint16_t valid = 0;
	int ret = 0;
	if (!masks) {
		if (err)
			*err = (struct bpfvm_error){ .code = -ENOMEM, .insn = -1,
						     .msg = "out of memory" };
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		masks[i] = 0xffff;
	for (size_t pc = 0; pc < n && !ret; pc++) {
		const struct cbpf_desc *d = cbpf_lookup(prog[pc].code);
		uint32_t k = prog[pc].k;
		valid &= masks[pc];
		switch (d->kind) {
		case CBPF_K_ST:
		case CBPF_K_STX:
			valid |= (uint16_t)(1u << k);
			break;
		case CBPF_K_LD_MEM:
		case CBPF_K_LDX_MEM:
			if (!(valid & (1u << k)))
				ret = fail(err, (long)pc,
					   "%s M[%u] reads scratch memory that is not written "
					   "on every path to it", d->mnem, k);
			break;
		case CBPF_K_JA:
			masks[pc + 1 + k] &= valid;
			valid = 0xffff;
			break;
		case CBPF_K_JMP_K:
		case CBPF_K_JMP_X:
			masks[pc + 1 + prog[pc].jt] &= valid;
			masks[pc + 1 + prog[pc].jf] &= valid;
			valid = 0xffff;
			break;
		default:
			break;
		}
	}
	free(masks);
	return ret;
}

int cbpf_check(const struct cbpf_insn *prog, size_t n, enum cbpf_prog_kind kind,
	       struct bpfvm_error *err)
{
	if (n == 0 || n > CBPF_MAXINSNS)
		return fail(err, -1, "a classic program has 1 to %d instructions, not %zu",
			    CBPF_MAXINSNS, n);
	if (!prog)
		return fail(err, -1, "no program");
	for (size_t pc = 0; pc < n; pc++) {
		const struct cbpf_insn *in = &prog[pc];
		const struct cbpf_desc *d = cbpf_lookup(in->code);
		if (!d)
			return fail(err, (long)pc, "unknown opcode 0x%04x", in->code);
		switch (d->kind) {
		case CBPF_K_ALU_K:
			if ((d->op == CBPF_OP_DIV || d->op == CBPF_OP_MOD) && in->k == 0)
				return fail(err, (long)pc, "%s #0: division by constant zero",
					    d->mnem);
			if ((d->op == CBPF_OP_LSH || d->op == CBPF_OP_RSH) && in->k >= 32)
				return fail(err, (long)pc, "%s #%u: shift of 32 or more", d->mnem,
					    in->k);
			break;
		case CBPF_K_LD_MEM:
		case CBPF_K_LDX_MEM:
		case CBPF_K_ST:
		case CBPF_K_STX:
			if (in->k >= CBPF_MEMWORDS)
				return fail(err, (long)pc, "%s M[%u]: scratch memory has %d words",
					    d->mnem, in->k, CBPF_MEMWORDS);
			break;
		case CBPF_K_JA:
			if (in->k >= n - pc - 1)
				return fail(err, (long)pc,
					    "ja +%u jumps to %zu, past the last instruction %zu",
					    in->k, pc + 1 + (size_t)in->k, n - 1);
			break;
		case CBPF_K_JMP_K:
		case CBPF_K_JMP_X:
			if (pc + in->jt + 1 >= n || pc + in->jf + 1 >= n)
				return fail(err, (long)pc,
					    "%s: jump target %zu is past the last instruction %zu",
					    d->mnem, pc + 1 + (pc + in->jt + 1 >= n ? in->jt : in->jf),
					    n - 1);
			break;
		case CBPF_K_LD_ABS:
			if (in->k >= (uint32_t)CBPF_SKF_AD_OFF && kind == CBPF_SOCKET_FILTER) {
				bool sup;
				uint32_t off = in->k - (uint32_t)CBPF_SKF_AD_OFF;
				const char *name = cbpf_anc_name(off, &sup);
				if (!name)
					return fail(err, (long)pc, "unknown ancillary load SKF_AD_OFF + %u",
						    off);
				if (!sup)
					return fail(err, (long)pc,
						    "ancillary load #%s needs the kernel; bpfvm does not "
						    "support it", name);
			}
			break;
		default:
			break;
		}
		if (kind == CBPF_SECCOMP) {
			int r = check_seccomp(in, d, pc, err);
			if (r)
				return r;
		}
	}
	const struct cbpf_desc *last = cbpf_lookup(prog[n - 1].code);
	if (last->kind != CBPF_K_RET_K && last->kind != CBPF_K_RET_A)
		return fail(err, (long)n - 1, "the last instruction is %s, not ret", last->mnem);
	return check_mem(prog, n, err);
}
