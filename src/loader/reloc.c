/*
 * reloc.c - one program's final code: its entry function, then every
 * function it reaches by BPF-to-BPF calls (or takes the address of),
 * appended once each, with relocations applied (libbpf's model).
 *
 * A function is placed by copying its slots to the end of the program;
 * its relocations are applied as it is copied (maps and global data) and
 * its calls are fixed up afterwards, once the callee's place is known.
 * Call targets, in the kernel's arithmetic:
 * - R_BPF_64_32 against symbol S: slot S.value/8 + imm + 1 of S's section
 *   (imm is -1 for a global function, the offset for a static one called
 *   through the section symbol);
 * - a pseudo call with no relocation: pc + imm + 1 in the same section;
 * - ld_imm64 R_BPF_64_64 against a code symbol (a callback): slot
 *   (S.value + imm)/8, emitted as src=4 (BPF_PSEUDO_FUNC).
 * The target must be the first slot of a function.
 *
 * Instructions are recognised through the ISA table (isa_lookup), never
 * by opcode values.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "isa/isa.h"
#include "loader/elf_internal.h"

struct placed {
	const struct elf_fn *fn;
	size_t base; /* first slot in the program */
};

struct linker {
	struct elf_ctx *c;
	struct elf_prog *prog;
	size_t insns_cap, lines_cap, funcs_cap;
	struct placed *placed;
	size_t n_placed, placed_cap;
};

static int shape_of(const struct bpfvm_insn *insn)
{
	const struct isa_desc *d = isa_lookup(insn);
	return d ? d->shape : -1;
}

static const char *prog_sec(const struct linker *l, const struct elf_fn *fn)
{
	return l->c->secs[fn->sec].name;
}

/* R_BPF_64_64 on an ld_imm64: a map, global data, or a function address. */
static int reloc_ld64(struct linker *l, const struct elf_fn *fn, size_t slot, size_t out,
		      const struct elf_rel *r, long *call_target)
{
	struct elf_ctx *c = l->c;
	struct bpfvm_insn *insn = &l->prog->insns[out];
	const struct elf_sym *y = &c->syms[r->sym];
	const struct elf_sec *ts;
	int idx;

	if (shape_of(insn) != ISA_SHAPE_LDDW || slot + 1 >= fn->end || insn->src)
		return err_set(c->err, -EINVAL,
			       "section '%s' offset %zu: R_BPF_64_64 on an instruction that is not ld_imm64",
			       prog_sec(l, fn), slot * 8);
	if (y->shndx == SHN_UNDEF || y->shndx >= c->n_secs)
		return err_set(c->err, -ENOTSUP,
			       "section '%s' offset %zu: extern '%s' is not supported",
			       prog_sec(l, fn), slot * 8, y->name);
	ts = &c->secs[y->shndx];
	switch (ts->kind) {
	case ELF_SEC_MAPS:
	case ELF_SEC_BTF_MAPS:
		idx = elf_map_by_offset(c, y->shndx, y->value + (uint64_t)(int64_t)insn->imm);
		if (idx < 0)
			return err_set(c->err, -EINVAL,
				       "section '%s' offset %zu: '%s' is not a map definition",
				       prog_sec(l, fn), slot * 8, y->name);
		insn[0].src = ELF_PSEUDO_MAP_IDX;
		insn[0].imm = idx;
		insn[1].imm = 0;
		return 0;
	case ELF_SEC_DATA: {
		int64_t off = (int64_t)y->value + insn->imm;
		if (off < 0 || (uint64_t)off > ts->size)
			return err_set(c->err, -EINVAL,
				       "section '%s' offset %zu: '%s' + %d is outside '%s'",
				       prog_sec(l, fn), slot * 8, y->name, insn->imm, ts->name);
		insn[0].src = ELF_PSEUDO_MAP_IDX_VALUE;
		insn[0].imm = ts->map_idx;
		insn[1].imm = (int32_t)off;
		return 0;
	}
	case ELF_SEC_CODE: {
		int64_t off = (int64_t)y->value + insn->imm;
		if (off < 0 || off % 8 || (uint64_t)off >= ts->size)
			return err_set(c->err, -EINVAL,
				       "section '%s' offset %zu: function address '%s' + %d is not an instruction",
				       prog_sec(l, fn), slot * 8, y->name, insn->imm);
		insn[0].src = ELF_PSEUDO_FUNC;
		*call_target = off / 8;
		return 0;
	}
	default:
		return err_set(c->err, -EINVAL,
			       "section '%s' offset %zu: ld_imm64 refers to '%s' in section '%s', which is neither maps nor data",
			       prog_sec(l, fn), slot * 8, y->name, ts->name);
	}
}

static int place(struct linker *l, const struct elf_fn *fn)
{
	struct elf_ctx *c = l->c;
	struct elf_prog *p = l->prog;
	const struct elf_sec *s = &c->secs[fn->sec];
	size_t n = fn->end - fn->start, base = p->n_insns;

	if (base + n > BPFVM_MAX_INSNS)
		return err_set(c->err, -E2BIG, "program '%s': more than %d instructions with subprograms",
			       p->name, BPFVM_MAX_INSNS);
	if (elf_grow((void **)&p->insns, &l->insns_cap, base + n, sizeof(*p->insns)) ||
	    elf_grow((void **)&l->placed, &l->placed_cap, l->n_placed + 1, sizeof(*l->placed)) ||
	    elf_grow((void **)&p->funcs, &l->funcs_cap, p->n_funcs + 1, sizeof(*p->funcs)))
		return err_set(c->err, -ENOMEM, "out of memory");
	memcpy(&p->insns[base], s->data + fn->start * 8, n * 8);
	elf_core_apply(s, fn->start, fn->end, &p->insns[base]);
	p->n_insns += n;
	l->placed[l->n_placed++] = (struct placed){fn, base};
	p->funcs[p->n_funcs].insn = (uint32_t)base;
	p->funcs[p->n_funcs].name = strdup(fn->name);
	if (!p->funcs[p->n_funcs].name)
		return err_set(c->err, -ENOMEM, "out of memory");
	p->n_funcs++;

	/* Source lines of the function, moved to its place. */
	for (size_t i = 0; i < s->n_lines; i++) {
		const struct elf_raw_line *rl = &s->lines[i];
		if (rl->insn < fn->start || rl->insn >= fn->end)
			continue;
		if (elf_grow((void **)&p->lines, &l->lines_cap, p->n_lines + 1, sizeof(*p->lines)))
			return err_set(c->err, -ENOMEM, "out of memory");
		p->lines[p->n_lines++] = (struct elf_line){
			.insn = (uint32_t)(base + rl->insn - fn->start), .file = rl->file,
			.text = rl->text, .line = rl->line, .column = rl->column,
		};
	}
	return 0;
}

static long find_placed(const struct linker *l, const struct elf_fn *fn)
{
	for (size_t i = 0; i < l->n_placed; i++)
		if (l->placed[i].fn == fn)
			return (long)l->placed[i].base;
	return -1;
}

/* Relocate and link the slots of placed function k. May place more. */
static int link_placed(struct linker *l, size_t k)
{
	struct elf_ctx *c = l->c;
	const struct elf_fn *fn = l->placed[k].fn;
	const struct elf_sec *s = &c->secs[fn->sec];
	size_t base = l->placed[k].base;

	for (size_t slot = fn->start; slot < fn->end; slot++) {
		size_t out = base + slot - fn->start;
		struct bpfvm_insn *insn = &l->prog->insns[out];
		int32_t ri = s->rel_at[slot];
		const struct elf_rel *r = ri >= 0 ? &s->rels[ri] : NULL;
		long target = -1;         /* slot in tsec of a callee, if any */
		uint32_t tsec = fn->sec;
		int shape = shape_of(insn), ret;

		if (r && r->type == ELF_R_BPF_64_64) {
			ret = reloc_ld64(l, fn, slot, out, r, &target);
			if (ret)
				return ret;
			if (target >= 0)
				tsec = c->syms[r->sym].shndx;
		} else if (r && r->type == ELF_R_BPF_64_32) {
			const struct elf_sym *y = &c->syms[r->sym];
			if (shape != ISA_SHAPE_CALL_LOCAL)
				return err_set(c->err, -EINVAL,
					       "section '%s' offset %zu: R_BPF_64_32 on an instruction that is not a BPF-to-BPF call",
					       s->name, slot * 8);
			if (y->shndx >= c->n_secs || c->secs[y->shndx].kind != ELF_SEC_CODE ||
			    y->value % 8)
				return err_set(c->err, -EINVAL,
					       "section '%s' offset %zu: call to '%s', which is not code",
					       s->name, slot * 8, y->name);
			tsec = y->shndx;
			target = (long)(y->value / 8) + insn->imm + 1;
		} else if (r && r->type != ELF_R_BPF_NONE) {
			return err_set(c->err, -EINVAL,
				       "section '%s' offset %zu: relocation type %u is not supported",
				       s->name, slot * 8, r->type);
		} else if (shape == ISA_SHAPE_CALL_LOCAL) {
			target = (long)slot + insn->imm + 1;
		} else if (shape == ISA_SHAPE_LDDW) {
			slot++; /* the second slot is not an instruction */
			continue;
		}
		if (target < 0 && (shape == ISA_SHAPE_CALL_LOCAL || tsec != fn->sec))
			return err_set(c->err, -EINVAL,
				       "section '%s' offset %zu: call target %ld is before the section",
				       s->name, slot * 8, target);
		if (target < 0) {
			if (shape == ISA_SHAPE_LDDW)
				slot++;
			continue;
		}
		const struct elf_fn *callee = elf_fn_at(c, tsec, (size_t)target);
		if (!callee)
			return err_set(c->err, -EINVAL,
				       "section '%s' offset %zu: call target slot %ld of '%s' is not the start of a function",
				       s->name, slot * 8, target, c->secs[tsec].name);
		long at = find_placed(l, callee);
		if (at < 0) {
			at = (long)l->prog->n_insns;
			ret = place(l, callee);
			if (ret)
				return ret;
			insn = &l->prog->insns[out]; /* place() may have moved insns */
		}
		insn->imm = (int32_t)(at - (long)out - 1);
		if (shape == ISA_SHAPE_LDDW) {
			insn[1].imm = 0;
			slot++;
		}
	}
	return 0;
}

int elf_link_prog(struct elf_ctx *c, const struct elf_fn *entry, struct elf_prog *prog)
{
	struct linker l = {.c = c, .prog = prog};
	int ret = place(&l, entry);

	for (size_t k = 0; !ret && k < l.n_placed; k++)
		ret = link_placed(&l, k);
	free(l.placed);
	return ret;
}
