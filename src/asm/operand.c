/*
 * operand.c - print and read the operands a template placeholder stands for.
 *
 * Range rules (shared by every immediate, offset and raw field): a decimal
 * number must fit the signed field (int32 -2147483648..2147483647, int16
 * for offsets); a hex number may also spell the field's unsigned bit
 * pattern (0xffffffff is imm -1, 0xffff is off -1), so that both the
 * reference assembler's conformance tests and signed disassembly read back
 * exactly. Registers are r0..r10 in LLVM text, %r0..%r10 in uBPF text.
 */
#include "operand.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

static const char *const ph_names[PH__COUNT] = {
	[PH_D] = "d",  [PH_S] = "s", [PH_WD] = "wd", [PH_WS] = "ws", [PH_I] = "i",
	[PH_L] = "L",  [PH_I2] = "i2", [PH_O] = "o", [PH_T] = "t",   [PH_TI] = "T",
};

int tpl_ph_lookup(const char *name, size_t len)
{
	for (int i = 0; i < PH__COUNT; i++)
		if (strlen(ph_names[i]) == len && !memcmp(ph_names[i], name, len))
			return i;
	return -1;
}

unsigned ph_fields(int ph)
{
	static const unsigned fields[PH__COUNT] = {
		[PH_D] = FLD_DST, [PH_S] = FLD_SRC,  [PH_WD] = FLD_DST,
		[PH_WS] = FLD_SRC, [PH_I] = FLD_IMM, [PH_L] = FLD_IMM | FLD_IMM2,
		[PH_I2] = FLD_IMM2, [PH_O] = FLD_OFF, [PH_T] = FLD_OFF, [PH_TI] = FLD_IMM,
	};
	return ph >= 0 && ph < PH__COUNT ? fields[ph] : 0;
}

bool ph_is_target(int ph)
{
	return ph == PH_T || ph == PH_TI;
}

/* ------------------------------------------------------------ printing */

static uint64_t imm64_of(const struct tpl_vals *v)
{
	return (uint64_t)(uint32_t)v->imm | ((uint64_t)(uint32_t)v->imm2 << 32);
}

void ph_format(int ph, int syntax, const struct tpl_vals *v, struct sbuf *out)
{
	bool ubpf = syntax == BPFVM_SYNTAX_UBPF;

	if (!v) {
		/* Usage text for messages: "lddw %rD, imm64". */
		static const char *const ubpf_use[PH__COUNT] = {
			"%rD", "%rS", "wD", "wS", "imm", "imm64", "imm", "+off", "target", "target",
		};
		static const char *const llvm_use[PH__COUNT] = {
			"rD", "rS", "wD", "wS", "imm", "imm64", "imm", "+ off", "target", "target",
		};
		if (ph >= 0 && ph < PH__COUNT)
			sbuf_puts(out, ubpf ? ubpf_use[ph] : llvm_use[ph]);
		return;
	}
	switch (ph) {
	case PH_D:
		sbuf_printf(out, ubpf ? "%%r%u" : "r%u", v->dst);
		break;
	case PH_S:
		sbuf_printf(out, ubpf ? "%%r%u" : "r%u", v->src);
		break;
	case PH_WD:
		sbuf_printf(out, "w%u", v->dst);
		break;
	case PH_WS:
		sbuf_printf(out, "w%u", v->src);
		break;
	case PH_I:
		sbuf_printf(out, "%" PRId32, v->imm);
		break;
	case PH_I2:
		sbuf_printf(out, "%" PRId32, v->imm2);
		break;
	case PH_L:
		/* uBPF tests write 64-bit constants in hex; llvm-objdump prints
		 * them as signed decimal. */
		if (ubpf)
			sbuf_printf(out, "0x%" PRIx64, imm64_of(v));
		else
			sbuf_printf(out, "%" PRId64, (int64_t)imm64_of(v));
		break;
	case PH_O:
		if (ubpf)
			sbuf_printf(out, "%+d", v->off);
		else
			sbuf_printf(out, "%c %d", v->off < 0 ? '-' : '+', v->off < 0 ? -v->off : v->off);
		break;
	case PH_T:
		sbuf_printf(out, "%+d", v->off);
		break;
	case PH_TI:
		sbuf_printf(out, "%+" PRId32, v->imm);
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------- failures */

const char *tok_quote(const struct asm_tok *tok, char *buf, size_t size)
{
	if (!tok)
		snprintf(buf, size, "end of line");
	else if (tok->len > 40)
		snprintf(buf, size, "'%.40s...'", tok->s);
	else
		snprintf(buf, size, "'%.*s'", (int)tok->len, tok->s);
	return buf;
}

void fail_weak(struct asm_fail *f, size_t tok, const char *want)
{
	f->tok = tok;
	f->strong = false;
	f->want = want;
	f->lit = NULL;
	f->lit_len = 0;
}

void fail_lit(struct asm_fail *f, size_t tok, const char *lit, size_t len)
{
	f->tok = tok;
	f->strong = false;
	f->want = NULL;
	f->lit = lit;
	f->lit_len = len;
}

void fail_strong(struct asm_fail *f, size_t tok, const char *fmt, ...)
{
	va_list ap;
	f->tok = tok;
	f->strong = true;
	f->want = NULL;
	f->lit = NULL;
	f->lit_len = 0;
	va_start(ap, fmt);
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------- numbers */

struct num_rule {
	const char *what;
	unsigned bits;
	bool is_signed;
};

static const struct num_rule num_rules[] = {
	[NUM_IMM32] = { "immediate", 32, true },
	[NUM_IMM64] = { "immediate", 64, true },
	[NUM_OFF16] = { "offset", 16, true },
	[NUM_JMP16] = { "jump offset", 16, true },
	[NUM_JMP32] = { "jump offset", 32, true },
	[NUM_OPCODE] = { "opcode", 8, false },
	[NUM_REGNO] = { "register number", 4, false },
};

static bool is_sign(const struct asm_tok *t)
{
	return t->kind == TK_PUNCT && t->len == 1 && (t->s[0] == '-' || t->s[0] == '+');
}

/* Is magnitude mag (negated when neg) inside the rule's range? */
static bool in_range(const struct num_rule *r, uint64_t mag, bool neg, bool hex)
{
	uint64_t half = r->bits < 64 ? (uint64_t)1 << (r->bits - 1) : (uint64_t)1 << 63;
	uint64_t full = r->bits < 64 ? ((uint64_t)1 << r->bits) - 1 : UINT64_MAX;

	if (!r->is_signed)
		return neg ? mag == 0 : mag <= full;
	if (neg)
		return mag <= half;
	/* 64-bit values have no wider field to overflow into: any positive
	 * number that parsed is a valid bit pattern. */
	return (hex || r->bits == 64) ? mag <= full : mag <= half - 1;
}

static void range_message(const struct num_rule *r, const struct asm_tok *t, bool neg, bool hex,
			  size_t tok, struct asm_fail *f)
{
	const char *sign = neg ? "-" : "";
	int len = (int)(t->len > 40 ? 40 : t->len);

	if (!r->is_signed) {
		fail_strong(f, tok, "%s %s%.*s is out of range (0..%" PRIu64 ")", r->what, sign, len,
			    t->s, ((uint64_t)1 << r->bits) - 1);
	} else if (r->bits == 64) {
		fail_strong(f, tok, "%s %s%.*s does not fit in 64 bits", r->what, sign, len, t->s);
	} else if (hex) {
		fail_strong(f, tok, "%s %s%.*s does not fit in %u bits (hex range -0x%" PRIx64 "..0x%" PRIx64 ")",
			    r->what, sign, len, t->s, r->bits, (uint64_t)1 << (r->bits - 1),
			    ((uint64_t)1 << r->bits) - 1);
	} else {
		int64_t lo = -(int64_t)((uint64_t)1 << (r->bits - 1));
		fail_strong(f, tok, "%s %s%.*s does not fit in %u bits (decimal range %" PRId64 "..%" PRId64 ")",
			    r->what, sign, len, t->s, r->bits, lo, -(lo + 1));
	}
}

bool num_parse(enum num_kind k, const char *want, const struct asm_tok *line, size_t n,
	       size_t *j, int64_t *out, struct asm_fail *f)
{
	const struct num_rule *r = &num_rules[k];
	size_t i = *j;
	bool neg = false, hex;
	uint64_t mag;

	if (i < n && is_sign(&line[i])) {
		neg = line[i].s[0] == '-';
		i++;
		if (i >= n || line[i].kind != TK_NUM) {
			fail_weak(f, i, neg ? "a number after '-'" : "a number after '+'");
			return false;
		}
	}
	if (i >= n || line[i].kind != TK_NUM) {
		fail_weak(f, i, want);
		return false;
	}
	/* Errors point at the number as printed: "-5" from its sign, "+5" from the 5. */
	const struct asm_tok *t = &line[i];
	size_t at = neg ? *j : i;
	int ret = asm_parse_num(t, &mag, &hex);
	if (ret == -EINVAL) {
		fail_strong(f, at, "invalid number '%.*s'", (int)(t->len > 40 ? 40 : t->len), t->s);
		return false;
	}
	if (ret || !in_range(r, mag, neg, hex)) {
		range_message(r, t, neg, hex, at, f);
		return false;
	}
	uint64_t bits = neg ? (uint64_t)0 - mag : mag;
	if (r->bits < 64) {
		uint64_t mask = ((uint64_t)1 << r->bits) - 1;
		bits &= mask;
		if (r->is_signed && (bits >> (r->bits - 1)))
			bits |= ~mask;
	}
	memcpy(out, &bits, sizeof(*out)); /* two's complement, no UB */
	*j = i + 1;
	return true;
}

/* ----------------------------------------------------------- registers */

static bool parse_reg(int ph, int syntax, const struct asm_tok *line, size_t n, size_t *j,
		      struct tpl_vals *v, unsigned *bound, struct asm_fail *f)
{
	bool w = ph == PH_WD || ph == PH_WS;
	bool ubpf = syntax == BPFVM_SYNTAX_UBPF;
	const char *want = ubpf ? "a register %r0..%r10"
			   : w  ? "a 32-bit register w0..w10"
				: "a register r0..r10";
	char q[64];

	if (*j >= n || line[*j].kind != TK_IDENT) {
		fail_weak(f, *j, want);
		return false;
	}
	const struct asm_tok *t = &line[*j];
	size_t p = 0;
	/* uBPF: anything with '%' can only be meant as a register. LLVM: a
	 * letter and digits; "w1" where "r1" is wanted is just another form. */
	if (ubpf) {
		if (t->s[0] != '%') {
			fail_weak(f, *j, want);
			return false;
		}
		p = 1;
	}
	char letter = t->len > p ? t->s[p] : 0;
	char want_letter = w ? 'w' : 'r';
	bool digits = t->len > p + 1;
	for (size_t i = p + 1; i < t->len; i++)
		digits = digits && t->s[i] >= '0' && t->s[i] <= '9';
	if (letter >= 'A' && letter <= 'Z')
		letter = (char)(letter - 'A' + 'a');
	if (!ubpf && (!digits || letter != want_letter)) {
		fail_weak(f, *j, want);
		return false;
	}
	unsigned num = 0;
	for (size_t i = p + 1; digits && i < t->len && num <= 10; i++)
		num = num * 10 + (unsigned)(t->s[i] - '0');
	if (!digits || letter != want_letter || num > 10) {
		fail_strong(f, *j, "expected %s, found %s", want, tok_quote(t, q, sizeof(q)));
		return false;
	}

	bool dst = ph == PH_D || ph == PH_WD;
	unsigned field = dst ? FLD_DST : FLD_SRC;
	uint8_t *slot = dst ? &v->dst : &v->src;
	if ((*bound & field) && *slot != num) {
		fail_strong(f, *j, "expected %s%s%u again (this instruction names it twice), found %s",
			    ubpf ? "%" : "", w ? "w" : "r", *slot, tok_quote(t, q, sizeof(q)));
		return false;
	}
	*slot = (uint8_t)num;
	*bound |= field;
	(*j)++;
	return true;
}

/* --------------------------------------------------------------- parse */

bool ph_parse(int ph, int syntax, const struct asm_tok *line, size_t n, size_t *j,
	      struct tpl_vals *v, unsigned *bound, const struct asm_tok **label,
	      struct asm_fail *f)
{
	int64_t x;

	switch (ph) {
	case PH_D:
	case PH_S:
	case PH_WD:
	case PH_WS:
		return parse_reg(ph, syntax, line, n, j, v, bound, f);
	case PH_I:
	case PH_I2:
		if (!num_parse(NUM_IMM32, "an immediate", line, n, j, &x, f))
			return false;
		*(ph == PH_I ? &v->imm : &v->imm2) = (int32_t)x;
		break;
	case PH_L:
		if (!num_parse(NUM_IMM64, "a 64-bit immediate", line, n, j, &x, f))
			return false;
		v->imm = (int32_t)(uint32_t)((uint64_t)x & 0xffffffffu);
		v->imm2 = (int32_t)(uint32_t)((uint64_t)x >> 32);
		break;
	case PH_O:
		/* No sign: no offset, as in "[%r1]". */
		if (*j < n && is_sign(&line[*j])) {
			if (!num_parse(NUM_OFF16, "an offset", line, n, j, &x, f))
				return false;
			v->off = (int16_t)x;
		}
		break;
	case PH_T:
	case PH_TI:
		if (*j < n && line[*j].kind == TK_IDENT && line[*j].s[0] != '%') {
			*label = &line[*j];
			(*j)++;
			break;
		}
		if (!num_parse(ph == PH_T ? NUM_JMP16 : NUM_JMP32,
			       "a jump target (+N, -N or a label)", line, n, j, &x, f))
			return false;
		if (ph == PH_T)
			v->off = (int16_t)x;
		else
			v->imm = (int32_t)x;
		break;
	default:
		fail_weak(f, *j, "nothing (bad template)");
		return false;
	}
	*bound |= ph_fields(ph);
	return true;
}
