/*
 * lower_map.c - bpf_map_lookup_elem without the helper bridge, for
 * verified programs.
 *
 * The generic helper call (lower_call.c) saves the BPF registers, finds the
 * helper by id, and the helper then re-checks its arguments: map_by_addr()
 * takes the map registry's lock to accept r1, and the key is checked
 * against the run's memory regions. For a verified program both were
 * proved at load: r1 is a map (CONST_PTR_TO_MAP) and r2 points to key_size
 * readable bytes. Where the JIT also knows which map r1 holds, it calls
 * the map type's lookup directly, or inlines it for plain arrays, as the
 * kernel's verifier and JIT do (array_map_gen_lookup):
 *
 *   plain array:    mov eax, [rsi]              ; the u32 index (r2 = key)
 *                   cmp eax, max_entries ; jae .null
 *                   imul rax, rax, elem_size | shl rax, log2(elem_size)
 *                   mov r11, values ; add rax, r11 ; jmp .done
 *           .null:  xor eax, eax
 *           .done:
 *   plain hash:     mov rdi, map                ; rsi = r2 = the key
 *                   mov rax, htab_fast_lookup(map) ; call rax
 *   other maps:     mov rdi, map ; xor edx, edx  ; cpu 0 (the helper's, too)
 *                   mov rax, map->ops->lookup ; call rax
 *   per-CPU maps:   mov rdi, map ; mov edx, [r12 + CPU]     ; nr_cpus > 1
 *                   mov rax, map_lookup_elem ; call rax
 *   write-only maps (BPF_F_WRONLY_PROG), maps without a lookup:
 *                   xor eax, eax                ; what the helper returns
 *
 * r1..r5 are clobbered (the verifier marks them unreadable after a call);
 * r6..r10 live in callee-saved registers and r12 is kept, as for any C
 * call. The map stays valid while the program lives: the program holds a
 * reference to each map it names. Lookups are the map type's own
 * (array lookups are lock-free; plain hash maps' are lock-free on a hit,
 * others take their bucket locks), so concurrency is that of the helper.
 *
 * When is the map known? The scan below walks back from the call inside
 * its basic block to the instruction that set r1, through 64-bit register
 * moves, and takes the call only when that is an ld_imm64 of one of the
 * program's maps. Every path to the call then runs that ld_imm64: a jump
 * target, a call, or an instruction that may write the register on the
 * way ends the walk (the call keeps the generic path). The helper must be
 * the built-in bpf_map_lookup_elem with its prototype, as registered at
 * load (the kernel, too, binds helpers at load).
 */
#include <errno.h>
#include <stdlib.h>

#include "helpers/helpers_impl.h"
#include "lower.h"
#include "maps/hash.h"
#include "maps/map.h"
#include "prog/prog.h"
#include "run.h"

/* How far back the scan looks for r1's ld_imm64. */
#define SCAN_MAX 64

/* Is id the built-in bpf_map_lookup_elem, with the prototype the verifier
 * checked the call against? */
static bool is_builtin_lookup(const struct bpfvm_vm *vm, int32_t id)
{
	const struct vm_helper *h = id >= 0 ? vm_helper(vm, (uint32_t)id) : NULL;
	return h && h->fn == helper_map_lookup_elem &&
	       h->proto.args[0] == BPFVM_ARG_CONST_MAP_PTR &&
	       h->proto.args[1] == BPFVM_ARG_PTR_TO_MAP_KEY;
}

/* The program's map whose address is addr, or NULL. */
static struct bpfvm_map *prog_map(const struct bpfvm_prog *prog, uint64_t addr)
{
	for (size_t i = 0; i < prog->n_maps; i++)
		if ((uint64_t)(uintptr_t)prog->maps[i] == addr)
			return prog->maps[i];
	return NULL;
}

/* The map r1 holds at the call at pc on every path, or NULL. */
static struct bpfvm_map *map_at_call(const struct jit_ctx *c, const uint8_t *target, size_t pc)
{
	unsigned reg = 1;
	size_t j = pc;
	for (int steps = 0; steps < SCAN_MAX && j > 0; steps++) {
		if (target[j])
			return NULL; /* j is also reached from elsewhere */
		size_t i = j - 1;
		if (c->insns[i].id == ISA__WIDE_HI) {
			if (i == 0)
				return NULL;
			i--;
		}
		const struct isa_insn *in = &c->insns[i];
		const struct isa_desc *d = &isa_table[in->id];
		switch (d->shape) {
		case ISA_SHAPE_JMP_K: case ISA_SHAPE_JMP_X: case ISA_SHAPE_MAY_GOTO:
		case ISA_SHAPE_ST: case ISA_SHAPE_STX: case ISA_SHAPE_ATOMIC:
		case ISA_SHAPE_STORE_REL:
			break; /* falls through to j, writes no register */
		case ISA_SHAPE_LDDW:
			if (in->dst == reg)
				return prog_map(c->prog, in->imm64);
			break;
		case ISA_SHAPE_ALU_X:
			if (in->dst == reg) {
				if (d->op != ISA_OP_MOV || d->width != 64)
					return NULL;
				reg = in->src; /* r<reg> = r<src> */
			}
			break;
		case ISA_SHAPE_ALU_K: case ISA_SHAPE_NEG: case ISA_SHAPE_MOVSX:
		case ISA_SHAPE_END_LE: case ISA_SHAPE_END_BE: case ISA_SHAPE_BSWAP:
		case ISA_SHAPE_LDX: case ISA_SHAPE_LDXSX: case ISA_SHAPE_LOAD_ACQ:
		case ISA_SHAPE_ATOMIC_FETCH: case ISA_SHAPE_XCHG: case ISA_SHAPE_CMPXCHG:
			/* write dst, src (fetching atomics) or r0 (cmpxchg) */
			if (in->dst == reg || in->src == reg || reg == 0)
				return NULL;
			break;
		default: /* calls, exits, jumps away, packet loads (clobber r0..r5) */
			return NULL;
		}
		j = i;
	}
	return NULL;
}

int lower_map_scan(struct jit_ctx *c)
{
	c->lookup_map = NULL;
	if (!c->prog->verified || !c->prog->n_maps)
		return 0;
	bool any = false;
	for (size_t pc = 0; pc < c->n && !any; pc++) {
		const struct isa_insn *in = &c->insns[pc];
		any = in->id != ISA__WIDE_HI && isa_table[in->id].shape == ISA_SHAPE_CALL_HELPER &&
		      is_builtin_lookup(c->prog->vm, in->imm);
	}
	if (!any)
		return 0;
	uint8_t *target = calloc(c->n + 1, 1);
	c->lookup_map = calloc(c->n, sizeof(*c->lookup_map));
	if (!target || !c->lookup_map) {
		free(target);
		free(c->lookup_map);
		c->lookup_map = NULL;
		return -ENOMEM;
	}
	lower_mark_targets(c, target);
	for (size_t pc = 0; pc < c->n; pc++) {
		const struct isa_insn *in = &c->insns[pc];
		if (in->id != ISA__WIDE_HI && isa_table[in->id].shape == ISA_SHAPE_CALL_HELPER &&
		    is_builtin_lookup(c->prog->vm, in->imm))
			c->lookup_map[pc] = map_at_call(c, target, pc);
	}
	free(target);
	return 0;
}

/* rax = &values[index] or NULL, for index = *(u32 *)r2. */
static void inline_array(struct jit_buf *b, const struct bpfvm_map *map, void *values,
			 uint32_t elem_size)
{
	emit_load(b, 4, RAX, jit_reg[2], 0);                          /* mov eax, [rsi] */
	emit_alu_ri(b, false, ALU_CMP, RAX, (int32_t)map->max_entries); /* cmp eax, max */
	emit_jcc8(b, CC_AE, 0);
	size_t to_null = b->len;
	if ((elem_size & (elem_size - 1)) == 0) {
		uint8_t shift = 0;
		while ((1u << shift) < elem_size)
			shift++;
		if (shift)
			emit_shift_ri(b, X_W, SH_SHL, RAX, shift);    /* shl rax, log2 */
	} else {
		emit_imul_ri(b, true, RAX, (int32_t)elem_size);       /* imul rax, rax, size */
	}
	emit_mov_imm64(b, JIT_TMP, (uint64_t)(uintptr_t)values);     /* mov r11, values */
	emit_alu_rr(b, true, ALU_ADD, RAX, JIT_TMP);                  /* add rax, r11 */
	emit_jmp8(b, 0);
	size_t to_done = b->len;
	patch1(b, to_null - 1, (uint8_t)(b->len - to_null));
	emit_mov_imm32(b, false, RAX, 0);                             /* xor eax, eax */
	patch1(b, to_done - 1, (uint8_t)(b->len - to_done));
}

bool lower_map_lookup(struct jit_ctx *c)
{
	struct bpfvm_map *map = c->lookup_map ? c->lookup_map[c->pc] : NULL;
	if (!map)
		return false;
	struct jit_buf *b = &c->buf;
	void *values;
	uint32_t elem_size;
	if (!map->ops->lookup || (map->map_flags & BPFVM_F_WRONLY_PROG)) {
		emit_mov_imm32(b, false, RAX, 0); /* map_lookup_elem() gives NULL */
		return true;
	}
	if (array_map_layout(map, &values, &elem_size)) {
		inline_array(b, map, values, elem_size);
		return true;
	}
	emit_mov_imm64(b, RDI, (uint64_t)(uintptr_t)map);
	htab_fast_lookup_fn fast = htab_fast_lookup(map);
	if (fast) {
		/* a plain hash map: its lock-free lookup (maps/hash.c) */
		emit_mov_imm64(b, RAX, (uint64_t)(uintptr_t)fast);
	} else if (map->nr_cpus > 1) {
		/* map_lookup_elem() picks the slot and refuses a cpu past the
		 * map's, as the helper does with the run's cpu. */
		emit_load(b, 4, RDX, JIT_CTX, JIT_RUN_CPU);
		emit_mov_imm64(b, RAX, (uint64_t)(uintptr_t)&map_lookup_elem);
	} else {
		emit_mov_imm32(b, false, RDX, 0);
		emit_mov_imm64(b, RAX, (uint64_t)(uintptr_t)map->ops->lookup);
	}
	emit_call_reg(b, RAX);
	return true;
}
