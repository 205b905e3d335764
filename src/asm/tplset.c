/*
 * tplset.c - the templates the assembler matches: the ISA table, plus
 * aliases.
 *
 * The alias list is deliberately small: spellings other assemblers and
 * disassemblers emit for an instruction the table already has. Each one
 * names its table row; a row's opcode, DISC value and fields still come
 * from the table.
 */
#include "tplset.h"

#include <errno.h>
#include <stdlib.h>

#include "isa/isa.h"

struct alias {
	unsigned row;
	int syntax;
	const char *text;
};

#define U BPFVM_SYNTAX_UBPF
#define L BPFVM_SYNTAX_LLVM

static const struct alias aliases[] = {
	/* uBPF and bpf_conformance: byte swaps by their older name. */
	{ ISA_BSWAP16, U, "swap16 {d}" },
	{ ISA_BSWAP32, U, "swap32 {d}" },
	{ ISA_BSWAP64, U, "swap64 {d}" },
	/* bpf_conformance's call modes: helper, local, runtime. */
	{ ISA_CALL, U, "call helper {i}" },
	{ ISA_CALL_KFUNC, U, "call runtime {i}" },
	/* LLVM with alu32 names the 32-bit view of the loaded or stored
	 * register (same encoding as the r form). */
	{ ISA_LDXB, L, "{wd} = *(u8 *)({s} {o})" },
	{ ISA_LDXH, L, "{wd} = *(u16 *)({s} {o})" },
	{ ISA_LDXW, L, "{wd} = *(u32 *)({s} {o})" },
	{ ISA_STXB, L, "*(u8 *)({d} {o}) = {ws}" },
	{ ISA_STXH, L, "*(u16 *)({d} {o}) = {ws}" },
	{ ISA_STXW, L, "*(u32 *)({d} {o}) = {ws}" },
	/* LLVM without alu32 prints the 32-bit atomic add with an r source. */
	{ ISA_ATOMIC32_ADD, L, "lock *(u32 *)({d} {o}) += {s}" },
	/* llvm-objdump omits a zero immediate in indirect packet loads. */
	{ ISA_LDINDW, L, "r0 = *(u32 *)skb[{s}]" },
	{ ISA_LDINDH, L, "r0 = *(u16 *)skb[{s}]" },
	{ ISA_LDINDB, L, "r0 = *(u8 *)skb[{s}]" },
};

#undef U
#undef L

#define N_ALIASES (sizeof(aliases) / sizeof(aliases[0]))

size_t tpl_alias_count(void)
{
	return N_ALIASES;
}

void tpl_alias_get(size_t i, unsigned *row, int *syntax, const char **text)
{
	*row = aliases[i].row;
	*syntax = aliases[i].syntax;
	*text = aliases[i].text;
}

int tpl_set_init(struct tpl_set *set)
{
	size_t total = 2 * ISA__COUNT + N_ALIASES;

	set->n = 0;
	set->t = calloc(total, sizeof(*set->t));
	if (!set->t)
		return -ENOMEM;
	for (unsigned row = 0; row < ISA__COUNT; row++) {
		if (tpl_compile(isa_table[row].ubpf, row, BPFVM_SYNTAX_UBPF, &set->t[set->n++]) ||
		    tpl_compile(isa_table[row].llvm, row, BPFVM_SYNTAX_LLVM, &set->t[set->n++]))
			goto bad;
	}
	for (size_t i = 0; i < N_ALIASES; i++)
		if (tpl_compile(aliases[i].text, aliases[i].row, aliases[i].syntax,
				&set->t[set->n++]))
			goto bad;
	return 0;
bad:
	tpl_set_free(set);
	return -EINVAL;
}

void tpl_set_free(struct tpl_set *set)
{
	free(set->t);
	set->t = NULL;
	set->n = 0;
}
