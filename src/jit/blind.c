/*
 * blind.c - constant blinding: no immediate the program chose appears in
 * its machine code (bpfvm_load_opts.harden, the kernel's bpf_jit_harden).
 *
 * Unblinded, an immediate lands verbatim in executable memory: "r0 +=
 * 0x3c909090" becomes add rax, 0x3c909090, so the bytes 90 90 90 3c sit in
 * the image, and JIT spraying strings gadgets together from such bytes.
 * Hardened, every instruction whose immediate is a data operand is
 * lowered as
 *
 *   mov r10, imm ^ key        ; key: 32 random bits, new per instruction
 *   xor r10, key              ; r10 = imm, sign-extended to 64 bits
 *   <the register form of the instruction, with src = r10>
 *
 * (ALU_K -> ALU_X, JMP_K -> JMP_X, ST -> STX), so the image holds imm ^ key
 * and key, never imm. The register form gives the same result: a 64-bit
 * operation sees imm sign-extended, as its K form does; a 32-bit one sees
 * the low half; shift counts are masked the same way, and the division
 * rows decide 0 and -1 divisors at run time instead of at compile time.
 * Others:
 *   ld_imm64 of a constant    movabs dst, imm64 ^ key64 ; movabs r10, key64
 *                             xor dst, r10
 *   LD_ABS imm                mov r11, imm ^ key ; xor r11, key
 *                             <the packet load at offset r11 (lower_pkt.c)>
 *   LD_IND src, imm           mov r10, imm ^ key ; xor r10, key
 *                             mov r11d, src32 ; add r11d, r10d ;
 *                             movsxd r11, r11d ; test r11, r11 ; <the same>
 *
 * As the kernel does, this rewrites each instruction into the register
 * form plus an extra register BPF code cannot name (JIT_REG_AX, regs.h,
 * the kernel's BPF_REG_AX). Unlike the kernel, which rewrites the BPF
 * program before its JIT (bpf_jit_blind_constants: new instructions,
 * patched jump offsets), the rewrite happens inside the lowering of one
 * instruction. So the instruction count, the offsets table, jump targets,
 * the pc of a run-time error and the dump's BPF-to-x86 mapping all stay
 * those of the program as loaded, and the register-form lowering is
 * reused, not restated; which row is the register form comes from the
 * ISA table (jit_blind_init).
 *
 * Keys: a 64-bit seed per compile from the OS's random source, mixed with
 * the instruction's pc (splitmix64). Every layout pass must emit the same
 * sizes for an instruction (the encodings are the shortest for the
 * value), so the key of pc is the same in every pass of one compile, and
 * differs between instructions and between loads.
 *
 * Not blinded: immediates that are not data (helper ids, atomic operation
 * codes, JA32 and call offsets), 16-bit memory and jump offsets (as in
 * the kernel), zero immediates (they put no byte the program chose into
 * the code: the ordinary lowering emits xor, test or zero bytes), and
 * the addresses ld_imm64 pseudo forms resolve to (the loader's values,
 * not the program's).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "blind.h"
#include "prog/prog.h"

static uint64_t mix64(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* 64 random bits: getrandom(), else /dev/urandom, else (a last resort
 * that keeps the load working) the clock and ASLR'd addresses. */
static uint64_t random_seed(void)
{
	uint64_t seed = 0;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed))
		return seed;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t got = read(fd, &seed, sizeof(seed));
		close(fd);
		if (got == (ssize_t)sizeof(seed))
			return seed;
	}
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^
		     mix64((uint64_t)(uintptr_t)&seed));
}

/* The shape whose src register takes the place of a K shape's imm. */
static int x_shape(unsigned shape)
{
	switch (shape) {
	case ISA_SHAPE_ALU_K: return ISA_SHAPE_ALU_X;
	case ISA_SHAPE_JMP_K: return ISA_SHAPE_JMP_X;
	case ISA_SHAPE_ST: return ISA_SHAPE_STX;
	default: return -1;
	}
}

int jit_blind_init(struct jit_blind *b)
{
	b->seed = random_seed();
	for (unsigned id = 0; id < ISA__COUNT; id++) {
		const struct isa_desc *d = &isa_table[id];
		b->x_row[id] = ISA__COUNT;
		int want = x_shape(d->shape);
		if (want < 0)
			continue;
		unsigned found = 0;
		for (unsigned x = 0; x < ISA__COUNT; x++) {
			const struct isa_desc *e = &isa_table[x];
			if (e->shape == want && e->op == d->op && e->width == d->width &&
			    e->size == d->size) {
				b->x_row[id] = (uint16_t)x;
				found++;
			}
		}
		if (found != 1)
			return -EFAULT;
	}
	return 0;
}

/* The key of the instruction at pc: 64 bits, neither half zero. */
static uint64_t key_of(const struct jit_ctx *c, size_t pc)
{
	uint64_t k = mix64(c->blind->seed ^ mix64(pc));
	if (!(uint32_t)k)
		k |= 0x5a5a5a5au;
	if (!(k >> 32))
		k |= 0xa5a5a5a5ull << 32;
	return k;
}

/*   mov reg, imm ^ key ; xor reg, key    (64-bit: reg = (s64)imm) */
static void emit_blinded_imm(struct jit_ctx *c, int reg, int32_t imm)
{
	int32_t key = (int32_t)(uint32_t)key_of(c, c->pc);
	emit_mov_imm32(&c->buf, true, reg, (int32_t)((uint32_t)imm ^ (uint32_t)key));
	emit_alu_ri(&c->buf, true, ALU_XOR, reg, key);
}

bool lower_blinded(struct jit_ctx *c, const struct isa_desc *d, const struct isa_insn *in,
		   int *rc)
{
	struct isa_insn x = *in;
	switch (d->shape) {
	case ISA_SHAPE_ALU_K:
	case ISA_SHAPE_JMP_K:
	case ISA_SHAPE_ST:
		if (in->imm == 0 || c->blind->x_row[in->id] >= ISA__COUNT)
			return false;
		if (d->shape == ISA_SHAPE_JMP_K &&
		    lower_falls_to(c, (size_t)((long)c->pc + 1 + in->off)))
			return false; /* jumps to where it falls: nothing emitted */
		emit_blinded_imm(c, jit_reg[JIT_REG_AX], in->imm);
		x.id = c->blind->x_row[in->id];
		x.src = JIT_REG_AX;
		x.imm = 0;
		x.imm64 = 0;
		if (d->shape == ISA_SHAPE_ALU_K)
			*rc = lower_alu(c, &isa_table[x.id], &x);
		else if (d->shape == ISA_SHAPE_JMP_K)
			*rc = lower_jmp(c, &isa_table[x.id], &x);
		else
			*rc = lower_mem(c, &isa_table[x.id], &x);
		return true;
	case ISA_SHAPE_LDDW: {
		/* only a constant of the program's own: the raw slot's src 0 */
		if (in->id != ISA_LDDW || c->prog->raw[c->pc].src != 0 || in->imm64 == 0)
			return false;
		uint64_t key = key_of(c, c->pc);
		int dst = jit_reg[in->dst], ax = jit_reg[JIT_REG_AX];
		emit_mov_imm64(&c->buf, dst, in->imm64 ^ key);   /* movabs dst, imm ^ key */
		emit_mov_imm64(&c->buf, ax, key);                /* movabs r10, key */
		emit_alu_rr(&c->buf, true, ALU_XOR, dst, ax);    /* xor dst, r10 */
		*rc = 0;
		return true;
	}
	case ISA_SHAPE_LD_ABS:
		if (in->imm == 0)
			return false;
		emit_blinded_imm(c, JIT_TMP, in->imm);           /* r11 = off; SF = off < 0 */
		lower_pkt_load_off(c, d->size);
		*rc = 0;
		return true;
	case ISA_SHAPE_LD_IND:
		if (in->imm == 0)
			return false;
		emit_blinded_imm(c, jit_reg[JIT_REG_AX], in->imm);
		/* the offset wraps at 32 bits, as in lower_pkt.c */
		emit_mov_rr(&c->buf, false, JIT_TMP, jit_reg[in->src]);            /* mov r11d, src32 */
		emit_alu_rr(&c->buf, false, ALU_ADD, JIT_TMP, jit_reg[JIT_REG_AX]); /* add r11d, r10d */
		emit_movsx_rr(&c->buf, true, 32, JIT_TMP, JIT_TMP);                /* movsxd r11, r11d */
		emit_test_rr(&c->buf, true, JIT_TMP, JIT_TMP);                     /* test r11, r11 */
		lower_pkt_load_off(c, d->size);
		*rc = 0;
		return true;
	default:
		return false;
	}
}
