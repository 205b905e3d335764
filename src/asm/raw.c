/*
 * raw.c - the ".insn CODE, DST, SRC, OFF, IMM" directive, both directions.
 *
 * Fields follow the same range rules as operands (operand.c): OFF and IMM
 * are signed decimal or hex bit patterns, CODE is 0..255 and DST/SRC are
 * the raw 4-bit fields 0..15, so even slots no table row accepts can be
 * written down.
 */
#include "raw.h"

#include <inttypes.h>

static const char directive[] = ".insn";

bool raw_is_directive(const struct asm_tok *line, size_t n)
{
	return n > 0 && line[0].kind == TK_IDENT && asm_tok_is(&line[0], directive);
}

bool raw_parse(const struct asm_tok *line, size_t n, struct bpfvm_insn *out,
	       struct asm_fail *f)
{
	static const struct {
		enum num_kind kind;
		const char *want;
	} fields[5] = {
		{ NUM_OPCODE, "an opcode (.insn CODE, DST, SRC, OFF, IMM)" },
		{ NUM_REGNO, "a dst field 0..15" },
		{ NUM_REGNO, "a src field 0..15" },
		{ NUM_OFF16, "an offset" },
		{ NUM_IMM32, "an immediate" },
	};
	int64_t v[5];
	size_t j = 1;

	for (int i = 0; i < 5; i++) {
		if (i > 0) {
			if (j >= n || !asm_tok_is(&line[j], ",")) {
				fail_lit(f, j, ",", 1);
				return false;
			}
			j++;
		}
		if (!num_parse(fields[i].kind, fields[i].want, line, n, &j, &v[i], f))
			return false;
	}
	if (j < n) {
		fail_weak(f, j, "end of line");
		return false;
	}
	*out = (struct bpfvm_insn){
		.code = (uint8_t)v[0],
		.dst = (uint8_t)(v[1] & 0xf),
		.src = (uint8_t)(v[2] & 0xf),
		.off = (int16_t)v[3],
		.imm = (int32_t)v[4],
	};
	return true;
}

void raw_format(const struct bpfvm_insn *insn, struct sbuf *out)
{
	sbuf_printf(out, "%s 0x%02x, %u, %u, %d, %" PRId32, directive, insn->code, insn->dst,
		    insn->src, insn->off, insn->imm);
}
