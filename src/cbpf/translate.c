/*
 * translate.c - classic BPF to eBPF, after the kernel's bpf_convert_filter.
 *
 * Register map:
 *   A -> w0     X -> w7     context -> r6 (r1 at entry; written by the
 *               prologue only, and r1 only for the ancillary helper's
 *               argument: the JIT's filter entry keeps its loop's item
 *               in both, jit/filter.h)
 *   scratch -> r9 (callee-saved)
 *   M[i] -> the 32-bit stack word at r10 - 4 * (16 - i)
 * All arithmetic is 32-bit (ALU32), so A and X stay zero-extended and r0
 * is the u32 the classic program returns.
 *
 * The translation is an ordinary typed eBPF program and is verified as one
 * (the kernel trusts its own translations; bpfvm checks that the code it
 * emits is code its verifier, and the kernel's, would accept):
 * - Socket filters are BPF_PROG_TYPE_SOCKET_FILTER (1): r1 is a struct
 *   __sk_buff (bpfvm's struct bpfvm_skb_ctx, which cbpf_skb_ctx_init()
 *   fills from a packet and a struct cbpf_meta) and the packet is the run's
 *   LD_ABS packet (bpfvm_run_opts.packet). Packet bytes are read with eBPF
 *   LD_ABS/LD_IND, whose semantics (big-endian, out of bounds ends the
 *   program with 0) are the classic ones; the JIT inlines them as a bounds
 *   check and a load. BPF_LEN and the ancillary loads that are __sk_buff
 *   fields (protocol, pkttype, ifindex, mark, queue, rxhash, vlan_tci,
 *   vlan_avail, vlan_tpid) are single context loads, as the kernel's
 *   convert_bpf_extensions makes them; only hatype, cpu and rand, which
 *   __sk_buff lacks, call helper CBPF_HELPER_ANC, which reads the struct
 *   cbpf_meta given as bpfvm_run_opts.user.
 * - Seccomp filters are bpfvm's seccomp type (HOOK_TYPE_SECCOMP): r1 is a
 *   struct seccomp_data, read with 32-bit context loads.
 *
 * Every cBPF instruction becomes a short fixed sequence; jumps are emitted
 * with a placeholder offset and patched once every instruction's start is
 * known. Instructions are built from isa_table rows, never raw opcodes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cbpf.h"
#include "isa/isa.h"

enum { R0 = 0, R1 = 1, R6 = 6, R7 = 7, R9 = 9, R10 = 10 };
#define REG_A R0
#define REG_X R7
#define REG_CTX R6
#define REG_TMP R9

/* struct __sk_buff offsets (the UAPI layout the verifier checks and then
 * rewrites to struct bpfvm_skb_ctx). */
enum {
	SKB_LEN = 0, SKB_PKT_TYPE = 4, SKB_MARK = 8, SKB_QUEUE_MAPPING = 12, SKB_PROTOCOL = 16,
	SKB_VLAN_PRESENT = 20, SKB_VLAN_TCI = 24, SKB_VLAN_PROTO = 28, SKB_IFINDEX = 40,
	SKB_HASH = 68,
};

/* The __sk_buff field an ancillary load reads, and whether the kernel
 * swaps it from network order (ntohs); -1 when it has none. */
static int anc_field(uint32_t anc, bool *swap16)
{
	*swap16 = false;
	switch (anc) {
	case CBPF_AD_PROTOCOL: *swap16 = true; return SKB_PROTOCOL;
	case CBPF_AD_PKTTYPE: return SKB_PKT_TYPE;
	case CBPF_AD_IFINDEX: return SKB_IFINDEX;
	case CBPF_AD_MARK: return SKB_MARK;
	case CBPF_AD_QUEUE: return SKB_QUEUE_MAPPING;
	case CBPF_AD_RXHASH: return SKB_HASH;
	case CBPF_AD_VLAN_TAG: return SKB_VLAN_TCI;
	case CBPF_AD_VLAN_TAG_PRESENT: return SKB_VLAN_PRESENT;
	case CBPF_AD_VLAN_TPID: *swap16 = true; return SKB_VLAN_PROTO;
	default: return -1;
	}
}

/* Classic op -> eBPF row, with an immediate and with X. */
static const uint16_t alu_k[] = {
	[CBPF_OP_ADD] = ISA_ADD32_K, [CBPF_OP_SUB] = ISA_SUB32_K, [CBPF_OP_MUL] = ISA_MUL32_K,
	[CBPF_OP_DIV] = ISA_DIV32_K, [CBPF_OP_OR] = ISA_OR32_K,   [CBPF_OP_AND] = ISA_AND32_K,
	[CBPF_OP_LSH] = ISA_LSH32_K, [CBPF_OP_RSH] = ISA_RSH32_K, [CBPF_OP_MOD] = ISA_MOD32_K,
	[CBPF_OP_XOR] = ISA_XOR32_K,
};
static const uint16_t alu_x[] = {
	[CBPF_OP_ADD] = ISA_ADD32_X, [CBPF_OP_SUB] = ISA_SUB32_X, [CBPF_OP_MUL] = ISA_MUL32_X,
	[CBPF_OP_DIV] = ISA_DIV32_X, [CBPF_OP_OR] = ISA_OR32_X,   [CBPF_OP_AND] = ISA_AND32_X,
	[CBPF_OP_LSH] = ISA_LSH32_X, [CBPF_OP_RSH] = ISA_RSH32_X, [CBPF_OP_MOD] = ISA_MOD32_X,
	[CBPF_OP_XOR] = ISA_XOR32_X,
};
/* Jumps: taken-if-true, and the inverse for when only jf leaves. */
static const uint16_t jmp_k[] = {
	[CBPF_OP_JEQ] = ISA_JEQ32_K, [CBPF_OP_JGT] = ISA_JGT32_K,
	[CBPF_OP_JGE] = ISA_JGE32_K, [CBPF_OP_JSET] = ISA_JSET32_K,
};
static const uint16_t jmp_x[] = {
	[CBPF_OP_JEQ] = ISA_JEQ32_X, [CBPF_OP_JGT] = ISA_JGT32_X,
	[CBPF_OP_JGE] = ISA_JGE32_X, [CBPF_OP_JSET] = ISA_JSET32_X,
};
static const uint16_t jmp_k_inv[] = {
	[CBPF_OP_JEQ] = ISA_JNE32_K, [CBPF_OP_JGT] = ISA_JLE32_K, [CBPF_OP_JGE] = ISA_JLT32_K,
};
static const uint16_t jmp_x_inv[] = {
	[CBPF_OP_JEQ] = ISA_JNE32_X, [CBPF_OP_JGT] = ISA_JLE32_X, [CBPF_OP_JGE] = ISA_JLT32_X,
};
static const uint16_t ld_abs[5] = { [1] = ISA_LDABSB, [2] = ISA_LDABSH, [4] = ISA_LDABSW };
static const uint16_t ld_ind[5] = { [1] = ISA_LDINDB, [2] = ISA_LDINDH, [4] = ISA_LDINDW };

#define MAX_PER_INSN 8 /* longest sequence one classic instruction becomes */

struct fixup {
	size_t at;     /* eBPF slot of the jump */
	size_t target; /* classic index it goes to */
};

struct tx {
	struct bpfvm_insn *out;
	size_t n;
	struct fixup *fix;
	size_t n_fix;
};

static void emit(struct tx *t, unsigned id, unsigned dst, unsigned src, int16_t off,
		 int32_t imm)
{
	const struct isa_desc *d = &isa_table[id];
	struct bpfvm_insn in = { .code = d->code, .dst = dst & 0xf, .src = src & 0xf,
				 .off = off, .imm = imm };
	if (d->disc == ISA_DISC_OFF)
		in.off = (int16_t)d->dval;
	else if (d->disc == ISA_DISC_SRC)
		in.src = (uint8_t)d->dval & 0xf;
	else if (d->disc == ISA_DISC_IMM)
		in.imm = d->dval;
	t->out[t->n++] = in;
}

/* A jump (row id, operands) to classic instruction target. */
static void emit_jump(struct tx *t, unsigned id, unsigned dst, unsigned src, int32_t imm,
		      size_t target)
{
	t->fix[t->n_fix++] = (struct fixup){ .at = t->n, .target = target };
	emit(t, id, dst, src, 0, imm);
}

static int16_t mem_off(uint32_t k)
{
	return (int16_t)(-4 * (CBPF_MEMWORDS - (int)k));
}

static void translate_one(struct tx *t, const struct cbpf_insn *in, size_t pc,
			  enum cbpf_prog_kind kind)
{
	const struct cbpf_desc *d = cbpf_lookup(in->code);
	const uint32_t anc_lo = (uint32_t)CBPF_SKF_AD_OFF;
	int32_t k = (int32_t)in->k;

	switch (d->kind) {
	case CBPF_K_LD_ABS:
		if (kind == CBPF_SECCOMP) {
			emit(t, ISA_LDXW, REG_A, REG_CTX, (int16_t)k, 0);
		} else if (in->k >= anc_lo && in->k - anc_lo == CBPF_AD_ALU_XOR_X) {
			emit(t, ISA_XOR32_X, REG_A, REG_X, 0, 0);
		} else if (in->k >= anc_lo) {
			bool swap16;
			int field = anc_field(in->k - anc_lo, &swap16);
			if (field >= 0) {
				emit(t, ISA_LDXW, REG_A, REG_CTX, (int16_t)field, 0);
				if (swap16)
					emit(t, ISA_BE16, REG_A, 0, 0, 0);
			} else {
				emit(t, ISA_MOV64_K, R1, 0, 0, (int32_t)(in->k - anc_lo));
				emit(t, ISA_CALL, 0, 0, 0, CBPF_HELPER_ANC);
			}
		} else {
			emit(t, ld_abs[d->size], 0, 0, 0, k);
		}
		break;
	case CBPF_K_LD_IND:
		emit(t, ld_ind[d->size], 0, REG_X, 0, k);
		break;
	case CBPF_K_LD_LEN:
		if (kind == CBPF_SECCOMP) {
			emit(t, ISA_MOV32_K, REG_A, 0, 0, (int32_t)sizeof(struct cbpf_seccomp_data));
			break;
		}
		/* skb->len: the wire length, which may differ from the captured bytes */
		emit(t, ISA_LDXW, REG_A, REG_CTX, SKB_LEN, 0);
		break;
	case CBPF_K_LDX_LEN:
		if (kind == CBPF_SECCOMP) {
			emit(t, ISA_MOV32_K, REG_X, 0, 0, (int32_t)sizeof(struct cbpf_seccomp_data));
			break;
		}
		emit(t, ISA_LDXW, REG_X, REG_CTX, SKB_LEN, 0);
		break;
	case CBPF_K_LD_IMM:
		emit(t, ISA_MOV32_K, REG_A, 0, 0, k);
		break;
	case CBPF_K_LDX_IMM:
		emit(t, ISA_MOV32_K, REG_X, 0, 0, k);
		break;
	case CBPF_K_LD_MEM:
		emit(t, ISA_LDXW, REG_A, R10, mem_off(in->k), 0);
		break;
	case CBPF_K_LDX_MEM:
		emit(t, ISA_LDXW, REG_X, R10, mem_off(in->k), 0);
		break;
	case CBPF_K_ST:
		emit(t, ISA_STXW, R10, REG_A, mem_off(in->k), 0);
		break;
	case CBPF_K_STX:
		emit(t, ISA_STXW, R10, REG_X, mem_off(in->k), 0);
		break;
	case CBPF_K_LDX_MSH:
		/* X = 4 * (pkt[k] & 0xf); LD_ABS writes r0 (= A), so keep A in r9 */
		emit(t, ISA_MOV64_X, REG_TMP, REG_A, 0, 0);
		emit(t, ISA_LDABSB, 0, 0, 0, k);
		emit(t, ISA_AND32_K, REG_A, 0, 0, 0xf);
		emit(t, ISA_LSH32_K, REG_A, 0, 0, 2);
		emit(t, ISA_MOV32_X, REG_X, REG_A, 0, 0);
		emit(t, ISA_MOV64_X, REG_A, REG_TMP, 0, 0);
		break;
	case CBPF_K_ALU_K:
		emit(t, alu_k[d->op], REG_A, 0, 0, k);
		break;
	case CBPF_K_ALU_X:
		if (d->op == CBPF_OP_DIV || d->op == CBPF_OP_MOD) {
			/* if (X != 0) skip; return 0 */
			emit(t, ISA_JNE32_K, REG_X, 0, 2, 0);
			emit(t, ISA_MOV32_K, REG_A, 0, 0, 0);
			emit(t, ISA_EXIT, 0, 0, 0, 0);
		}
		emit(t, alu_x[d->op], REG_A, REG_X, 0, 0);
		break;
	case CBPF_K_NEG:
		emit(t, ISA_NEG32, REG_A, 0, 0, 0);
		break;
	case CBPF_K_JA:
		emit_jump(t, ISA_JA, 0, 0, 0, pc + 1 + in->k);
		break;
	case CBPF_K_JMP_K:
	case CBPF_K_JMP_X: {
		bool x = d->kind == CBPF_K_JMP_X;
		size_t tt = pc + 1 + in->jt, tf = pc + 1 + in->jf;
		if (in->jt == 0 && in->jf != 0 && d->op != CBPF_OP_JSET) {
			/* only the false edge leaves: one inverted jump (JSET has none) */
			unsigned inv = x ? jmp_x_inv[d->op] : jmp_k_inv[d->op];
			emit_jump(t, inv, REG_A, x ? REG_X : 0, x ? 0 : k, tf);
			break;
		}
		emit_jump(t, x ? jmp_x[d->op] : jmp_k[d->op], REG_A, x ? REG_X : 0, x ? 0 : k, tt);
		if (in->jf != 0)
			emit_jump(t, ISA_JA, 0, 0, 0, tf);
		break;
	}
	case CBPF_K_RET_K:
		emit(t, ISA_MOV32_K, REG_A, 0, 0, k);
		emit(t, ISA_EXIT, 0, 0, 0, 0);
		break;
	case CBPF_K_RET_A:
		emit(t, ISA_EXIT, 0, 0, 0, 0);
		break;
	case CBPF_K_TAX:
		emit(t, ISA_MOV32_X, REG_X, REG_A, 0, 0);
		break;
	case CBPF_K_TXA:
		emit(t, ISA_MOV32_X, REG_A, REG_X, 0, 0);
		break;
	}
}

int cbpf_translate(const struct cbpf_insn *prog, size_t n, enum cbpf_prog_kind kind,
		   struct bpfvm_insn **out, size_t *out_n, struct bpfvm_error *err)
{
	*out = NULL;
	*out_n = 0;
	int ret = cbpf_check(prog, n, kind, err);
	if (ret)
		return ret;

	struct tx t = { 0 };
	size_t *start = malloc((n + 1) * sizeof(*start));
	t.out = malloc((n * MAX_PER_INSN + 4) * sizeof(*t.out));
	t.fix = malloc(n * 2 * sizeof(*t.fix));
	if (!start || !t.out || !t.fix) {
		ret = -ENOMEM;
		if (err)
			*err = (struct bpfvm_error){ .code = ret, .insn = -1, .msg = "out of memory" };
		goto fail;
	}

	/* prologue: keep the context, A = X = 0 */
	emit(&t, ISA_MOV64_X, REG_CTX, R1, 0, 0);
	emit(&t, ISA_MOV32_K, REG_A, 0, 0, 0);
	emit(&t, ISA_MOV32_K, REG_X, 0, 0, 0);
	for (size_t pc = 0; pc < n; pc++) {
		start[pc] = t.n;
		translate_one(&t, &prog[pc], pc, kind);
	}
	start[n] = t.n;
	for (size_t i = 0; i < t.n_fix; i++) {
		long delta = (long)start[t.fix[i].target] - (long)t.fix[i].at - 1;
		if (delta > INT16_MAX) {
			ret = -E2BIG;
			if (err) {
				*err = (struct bpfvm_error){ .code = ret, .insn = -1 };
				snprintf(err->msg, sizeof(err->msg),
					 "translated jump of %ld slots does not fit eBPF's 16-bit offset",
					 delta);
			}
			goto fail;
		}
		t.out[t.fix[i].at].off = (int16_t)delta;
	}
	free(start);
	free(t.fix);
	*out = t.out;
	*out_n = t.n;
	return 0;
fail:
	free(start);
	free(t.out);
	free(t.fix);
	return ret;
}

static uint64_t anc_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			   struct bpfvm_call *call)
{
	(void)r2, (void)r3, (void)r4, (void)r5;
	return cbpf_anc_value(bpfvm_call__user(call), (uint32_t)r1);
}

int cbpf_add_helpers(struct bpfvm_vm *vm)
{
	/* r1: the SKF_AD offset, a plain number; r0: a u32 */
	static const struct bpfvm_helper_proto proto = {
		.ret = BPFVM_RET_INTEGER, .args = { BPFVM_ARG_ANYTHING },
	};
	return bpfvm_vm__add_helper_proto(vm, CBPF_HELPER_ANC, "cbpf_ancillary", anc_helper,
					  &proto);
}
