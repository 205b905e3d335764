/*
 * interp.c - the classic BPF interpreter, with the kernel's semantics.
 *
 * A and X are 32-bit, M[] holds 16 words. Packet loads are big-endian and
 * bounds-checked: a load outside the data ends the program with 0, and so
 * does a division or modulo by a zero X. The offset of an indirect load is
 * X + k in 32-bit signed arithmetic, as the eBPF LD_IND the translation
 * uses. Seccomp filters read struct seccomp_data words in host order.
 * The program must have passed cbpf_check(): jumps and M[] indexes are
 * trusted.
 */
#include <string.h>

#include "cbpf.h"

/* Big-endian load of size bytes at off; false when outside [0, len). */
static bool load_be(const uint8_t *data, size_t len, int64_t off, unsigned size, uint32_t *out)
{
	if (off < 0 || (uint64_t)off > len || len - (uint64_t)off < size)
		return false;
	const uint8_t *p = data + off;
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v = v << 8 | p[i];
	*out = v;
	return true;
}

static uint32_t alu(unsigned op, uint32_t a, uint32_t b)
{
	switch (op) {
	case CBPF_OP_ADD: return a + b;
	case CBPF_OP_SUB: return a - b;
	case CBPF_OP_MUL: return a * b;
	case CBPF_OP_DIV: return a / b; /* b != 0: checked by the caller */
	case CBPF_OP_MOD: return a % b;
	case CBPF_OP_OR: return a | b;
	case CBPF_OP_AND: return a & b;
	case CBPF_OP_XOR: return a ^ b;
	case CBPF_OP_LSH: return a << (b & 31); /* the eBPF/x86 masking */
	case CBPF_OP_RSH: return a >> (b & 31);
	default: return 0;
	}
}

static bool cond(unsigned op, uint32_t a, uint32_t b)
{
	switch (op) {
	case CBPF_OP_JEQ: return a == b;
	case CBPF_OP_JGT: return a > b;
	case CBPF_OP_JGE: return a >= b;
	case CBPF_OP_JSET: return (a & b) != 0;
	default: return false;
	}
}

/*
 * One body per KIND; the switch below expands cbpf_table.def into one case
 * per opcode, so OP and SIZE are constants the compiler folds.
 */
#define BODY_LD_ABS(OP, SIZE)                                                   \
	if (kind == CBPF_SECCOMP) {                                             \
		if (k > len || len - k < 4)                                     \
			return 0;                                               \
		memcpy(&A, data + k, 4);                                        \
	} else if (k >= anc_lo) {                                               \
		A = k - anc_lo == CBPF_AD_ALU_XOR_X ? A ^ X                     \
						    : cbpf_anc_value(meta, k - anc_lo); \
	} else if (!load_be(data, len, (int32_t)k, SIZE, &A)) {                 \
		return 0;                                                       \
	}
/* X + k wraps at 32 bits: the kernel passes the sum to its load helper as
 * an int (and so does the eBPF LD_IND this translates to). */
#define BODY_LD_IND(OP, SIZE)                                                   \
	if (!load_be(data, len, (int32_t)(X + k), SIZE, &A))                    \
		return 0;
#define BODY_LD_LEN(OP, SIZE) A = wirelen;
#define BODY_LDX_LEN(OP, SIZE) X = wirelen;
#define BODY_LD_IMM(OP, SIZE) A = k;
#define BODY_LDX_IMM(OP, SIZE) X = k;
#define BODY_LD_MEM(OP, SIZE) A = M[k];
#define BODY_LDX_MEM(OP, SIZE) X = M[k];
#define BODY_LDX_MSH(OP, SIZE)                          \
	if (!load_be(data, len, (int32_t)k, 1, &v))     \
		return 0;                               \
	X = (v & 0xf) << 2;
#define BODY_ST(OP, SIZE) M[k] = A;
#define BODY_STX(OP, SIZE) M[k] = X;
#define BODY_ALU_K(OP, SIZE) A = alu(CBPF_OP_##OP, A, k);
#define BODY_ALU_X(OP, SIZE)                                                      \
	if ((CBPF_OP_##OP == CBPF_OP_DIV || CBPF_OP_##OP == CBPF_OP_MOD) && X == 0) \
		return 0;                                                         \
	A = alu(CBPF_OP_##OP, A, X);
#define BODY_NEG(OP, SIZE) A = -A;
#define BODY_JA(OP, SIZE) pc += k;
#define BODY_JMP_K(OP, SIZE) pc += cond(CBPF_OP_##OP, A, k) ? in->jt : in->jf;
#define BODY_JMP_X(OP, SIZE) pc += cond(CBPF_OP_##OP, A, X) ? in->jt : in->jf;
#define BODY_RET_K(OP, SIZE) return k;
#define BODY_RET_A(OP, SIZE) return A;
#define BODY_TAX(OP, SIZE) X = A;
#define BODY_TXA(OP, SIZE) A = X;

uint32_t cbpf_run(const struct cbpf_insn *prog, size_t n, enum cbpf_prog_kind kind,
		  const uint8_t *data, size_t len, const struct cbpf_meta *meta)
{
	uint32_t A = 0, X = 0, M[CBPF_MEMWORDS] = { 0 }, v;
	const uint32_t anc_lo = (uint32_t)CBPF_SKF_AD_OFF;
	/* BPF_LEN: the wire length for socket filters when the caller knows it */
	const uint32_t wirelen = kind == CBPF_SOCKET_FILTER && meta && meta->len ? meta->len
										 : (uint32_t)len;
	(void)v;

	for (size_t pc = 0; pc < n; pc++) {
		const struct cbpf_insn *in = &prog[pc];
		uint32_t k = in->k;
		switch (in->code) {
#define CBPF(ID, CODE, KIND, OP, SIZE, SECCOMP, MNEM, ASM, TCPD) \
		case CODE: {                                     \
			BODY_##KIND(OP, SIZE)                    \
			break;                                   \
		}
#include "cbpf_table.def"
#undef CBPF
		default:
			return 0; /* not checked: unknown opcode */
		}
	}
	return 0;
}
