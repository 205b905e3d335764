/*
 * test_verifier_range.c - randomized soundness of the verifier's scalar
 * domain against the interpreter's arithmetic.
 *
 * For random abstract operands A and B (built from random bounds, then
 * scal_sync'ed) and random concrete members a of A and b of B, the
 * concrete result of every ALU op (interp/alu.h, 32 and 64 bits) must be a
 * member of scal_alu(op, A, B). Members must survive scal_sync too.
 * Branches: for every conditional jump row of the ISA table, a decided
 * outcome must agree with the concrete comparison, and the refinement of
 * the side the concrete values take must keep them (and not call it dead).
 */
#include "check.h"
#include "interp/alu.h"
#include "verifier/vfy.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Values with interesting shapes: small, near the sign bits, anything. */
static uint64_t rval(void)
{
	switch (rnd() % 6) {
	case 0: return rnd() % 64;
	case 1: return (uint64_t)-(int64_t)(rnd() % 64);
	case 2: return 0x80000000ull + rnd() % 64 - 32;
	case 3: return 0x8000000000000000ull + rnd() % 64 - 32;
	case 4: return rnd() & 0xffffffffull;
	default: return rnd();
	}
}

static bool member(const struct scal *s, uint64_t x)
{
	uint32_t w = (uint32_t)x;
	return x >= s->umin && x <= s->umax && (int64_t)x >= s->smin && (int64_t)x <= s->smax &&
	       w >= s->u32min && w <= s->u32max && (int32_t)w >= s->s32min &&
	       (int32_t)w <= s->s32max && (x & ~s->t.mask) == s->t.value;
}

/* A random abstract value and one of its members. */
static struct scal rscal(uint64_t *m)
{
	uint64_t x = rval(), y = rval();
	struct scal s = scal_unknown();
	switch (rnd() % 4) {
	case 0: /* unsigned range */
		s.umin = x < y ? x : y;
		s.umax = x < y ? y : x;
		if (s.umax - s.umin == ~0ull)
			*m = rnd();
		else
			*m = s.umin + rnd() % (s.umax - s.umin + 1);
		break;
	case 1: /* signed range */
		s.smin = (int64_t)x < (int64_t)y ? (int64_t)x : (int64_t)y;
		s.smax = (int64_t)x < (int64_t)y ? (int64_t)y : (int64_t)x;
		{
			uint64_t span = (uint64_t)s.smax - (uint64_t)s.smin;
			*m = (uint64_t)s.smin + (span == ~0ull ? rnd() : rnd() % (span + 1));
		}
		break;
	case 2: /* known bits */
		s.t = TNUM(x & ~y, y);
		*m = (x & ~y) | (rnd() & y);
		break;
	default:
		s = scal_const(x);
		*m = x;
		break;
	}
	CHECK(scal_sync(&s));
	if (!member(&s, *m)) {
		fprintf(stderr, "sync dropped member 0x%llx\n", (unsigned long long)*m);
		CHECK(0);
	}
	return s;
}

static uint64_t concrete(unsigned op, unsigned bits, uint64_t a, uint64_t b)
{
#define C(OP) case ISA_OP_##OP: return bits == 32 ? alu32_##OP(a, b) : alu64_##OP(a, b);
	switch (op) {
		C(ADD) C(SUB) C(MUL) C(DIV) C(SDIV) C(OR) C(AND) C(LSH) C(RSH) C(MOD) C(SMOD)
		C(XOR) C(MOV) C(ARSH)
	default: return 0;
	}
#undef C
}

static bool cond(unsigned op, unsigned bits, uint64_t a, uint64_t b)
{
#define J(OP) case ISA_OP_##OP: return bits == 32 ? jmp32_##OP(a, b) : jmp64_##OP(a, b);
	switch (op) {
		J(JEQ) J(JNE) J(JSET) J(JGT) J(JGE) J(JLT) J(JLE) J(JSGT) J(JSGE) J(JSLT) J(JSLE)
	default: return false;
	}
#undef J
}

static void branches(void)
{
	struct venv env;
	memset(&env, 0, sizeof(env));
	long trials = 0;
	for (int i = 0; i < 2000000; i++) {
		uint16_t id = (uint16_t)(rnd() % ISA__COUNT);
		const struct isa_desc *d = &isa_table[id];
		if (d->shape != ISA_SHAPE_JMP_X)
			continue;
		uint64_t a, b;
		struct scal A = rscal(&a), B = rscal(&b);
		if (rnd() % 4 == 0) { /* share values sometimes */
			B = A;
			b = a;
		}
		struct vstate st;
		memset(&st, 0, sizeof(st));
		st.fr[0] = vframe_new(0, 0, 0);
		CHECK(st.fr[0]);
		st.fr[0]->regs[1] = vreg_scalar(A);
		st.fr[0]->regs[2] = vreg_scalar(B);
		struct isa_insn in = { .id = id, .dst = 1, .src = 2 };
		int outcome;
		CHECK(vfy_branch_outcome(&env, &st, &in, d, 0, &outcome) == 0);
		bool c = cond(d->op, d->width, a, b);
		if (outcome >= 0 && outcome != (int)c) {
			fprintf(stderr, "%s: outcome %d but 0x%llx ? 0x%llx is %d\n", d->id_name,
				outcome, (unsigned long long)a, (unsigned long long)b, c);
			CHECK(0);
		}
		bool dead;
		vfy_branch_refine(&env, &st, &in, d, c, &dead);
		if (dead || !member(&st.fr[0]->regs[1].s, a) || !member(&st.fr[0]->regs[2].s, b)) {
			fprintf(stderr, "%s side %d: lost a=0x%llx or b=0x%llx (dead %d)\n",
				d->id_name, c, (unsigned long long)a, (unsigned long long)b, dead);
			CHECK(0);
		}
		trials++;
		vstate_free(&st);
	}
	printf("branch refinement: %ld random comparisons sound\n", trials);
}

int main(void)
{
	branches();
	static const unsigned ops[] = { ISA_OP_ADD, ISA_OP_SUB, ISA_OP_MUL, ISA_OP_DIV,
					ISA_OP_SDIV, ISA_OP_OR, ISA_OP_AND, ISA_OP_LSH,
					ISA_OP_RSH, ISA_OP_MOD, ISA_OP_SMOD, ISA_OP_XOR,
					ISA_OP_MOV, ISA_OP_ARSH };
	long trials = 0;
	for (int i = 0; i < 1000000; i++) {
		uint64_t a, b;
		struct scal A = rscal(&a), B = rscal(&b);
		unsigned op = ops[rnd() % (sizeof(ops) / sizeof(ops[0]))];
		unsigned bits = rnd() % 2 ? 32 : 64;
		struct scal R = scal_alu(op, &A, &B, bits);
		uint64_t r = concrete(op, bits, a, b);
		bool shift = op == ISA_OP_LSH || op == ISA_OP_RSH || op == ISA_OP_ARSH;
		if (shift && (bits == 32 ? (uint32_t)b : b) >= bits)
			continue; /* the verifier gives unknown; alu.h masks */
		trials++;
		if (!member(&R, r)) {
			fprintf(stderr,
				"op %u/%u: a=0x%llx in [%llx..%llx], b=0x%llx in [%llx..%llx] -> "
				"0x%llx not in u[%llx..%llx] s[%lld..%lld] u32[%x..%x] t=%llx/%llx\n",
				op, bits, (unsigned long long)a, (unsigned long long)A.umin,
				(unsigned long long)A.umax, (unsigned long long)b,
				(unsigned long long)B.umin, (unsigned long long)B.umax,
				(unsigned long long)r, (unsigned long long)R.umin,
				(unsigned long long)R.umax, (long long)R.smin, (long long)R.smax,
				R.u32min, R.u32max, (unsigned long long)R.t.value,
				(unsigned long long)R.t.mask);
			CHECK(0);
		}
	}
	printf("scalar domain: %ld random operations sound\n", trials);
	CHECK_DONE();
}
