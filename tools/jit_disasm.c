/*
 * jit_disasm.c - capstone behind jit_disasm.h.
 */
#include <capstone/capstone.h>
#include <stdio.h>
#include <stdlib.h>

#include "jit_disasm.h"

struct jit_disasm {
	csh cs;
	cs_insn *insn; /* one instruction, reused (cs_disasm_iter) */
};

struct jit_disasm *jit_disasm_new(bool att, const char **why)
{
	struct jit_disasm *d = calloc(1, sizeof(*d));
	if (!d) {
		*why = "out of memory";
		return NULL;
	}
	cs_err e = cs_open(CS_ARCH_X86, CS_MODE_64, &d->cs);
	if (e != CS_ERR_OK) {
		*why = cs_strerror(e);
		free(d);
		return NULL;
	}
	if (att)
		cs_option(d->cs, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
	d->insn = cs_malloc(d->cs);
	if (!d->insn) {
		*why = "out of memory";
		cs_close(&d->cs);
		free(d);
		return NULL;
	}
	return d;
}

void jit_disasm_free(struct jit_disasm *d)
{
	if (!d)
		return;
	cs_free(d->insn, 1);
	cs_close(&d->cs);
	free(d);
}

void jit_disasm_range(struct jit_disasm *d, const uint8_t *code, size_t start, size_t end,
		      jit_disasm_fn fn, void *ctx)
{
	const uint8_t *p = code + start;
	size_t left = end - start;
	uint64_t addr = start;
	char text[192];
	while (left) {
		const uint8_t *at = p;
		if (cs_disasm_iter(d->cs, &p, &left, &addr, d->insn)) {
			snprintf(text, sizeof(text), "%s%s%s", d->insn->mnemonic,
				 d->insn->op_str[0] ? " " : "", d->insn->op_str);
			fn(ctx, (size_t)(at - code), at, (size_t)(p - at), text);
			continue;
		}
		/* Not an instruction capstone knows: show the byte, go on. */
		snprintf(text, sizeof(text), ".byte 0x%02x", *at);
		fn(ctx, (size_t)(at - code), at, 1, text);
		p = at + 1;
		left--;
		addr++;
	}
}
