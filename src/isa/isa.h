/*
 * isa.h - the eBPF instruction set as data.
 *
 * isa_table.def lists every instruction form once. This header expands it
 * into an enum of row ids (ISA_ADD64_K, ...) and a description struct per
 * row. Code that needs opcode knowledge reads struct isa_desc or expands
 * the .def itself (the interpreter does, to build its jump table); it never
 * switches on raw opcode bytes.
 *
 * Encoding of one slot (RFC 9669 section 3):
 *
 *   63       56 55  52 51  48 47            32 31                 0
 *   +----------+------+------+----------------+--------------------+
 *   |  opcode  | src  | dst  |     offset     |     immediate      |
 *   +----------+------+------+----------------+--------------------+
 *   (little-endian struct bpf_insn: code, dst:4 | src:4, off, imm)
 *
 * ld_imm64 takes two slots; the second has opcode 0 and carries the upper
 * 32 bits of the immediate.
 */
#ifndef BPFVM_ISA_H
#define BPFVM_ISA_H

#include <stddef.h>
#include <stdint.h>

#include "bpfvm.h"

/* Row ids. ISA__WIDE_HI marks the second slot of an ld_imm64. */
enum isa_id {
#define ISA(ID, CODE, DISC, DVAL, SHAPE, OP, WIDTH, SIZE, FIELDS, GROUP, UBPF, LLVM) ISA_##ID,
#include "isa_table.def"
#undef ISA
	ISA__COUNT,
	ISA__WIDE_HI = ISA__COUNT,
};

/* Which field tells apart the rows that share an opcode. */
enum isa_disc {
	ISA_DISC_NONE,
	ISA_DISC_OFF,
	ISA_DISC_IMM,
	ISA_DISC_SRC,
};

/* Execution templates. Every row has exactly one. */
enum isa_shape {
	ISA_SHAPE_ALU_K,        /* dst = dst OP imm */
	ISA_SHAPE_ALU_X,        /* dst = dst OP src */
	ISA_SHAPE_NEG,          /* dst = -dst */
	ISA_SHAPE_MOVSX,        /* dst = (sSIZE)src */
	ISA_SHAPE_END_LE,       /* dst = htole_SIZE(dst) */
	ISA_SHAPE_END_BE,       /* dst = htobe_SIZE(dst) */
	ISA_SHAPE_BSWAP,        /* dst = bswap_SIZE(dst) */
	ISA_SHAPE_JA,           /* pc += off */
	ISA_SHAPE_JA32,         /* pc += imm */
	ISA_SHAPE_JMP_K,        /* if (dst OP imm) pc += off */
	ISA_SHAPE_JMP_X,        /* if (dst OP src) pc += off */
	ISA_SHAPE_CALL_HELPER,  /* r0 = helper[imm](r1..r5) */
	ISA_SHAPE_CALL_LOCAL,   /* call pc + imm + 1 (BPF-to-BPF) */
	ISA_SHAPE_CALL_KFUNC,   /* call kernel function by BTF id imm */
	ISA_SHAPE_CALLX,        /* r0 = helper[dst](r1..r5) */
	ISA_SHAPE_EXIT,         /* return r0 */
	ISA_SHAPE_MAY_GOTO,     /* if loop budget exhausted pc += off */
	ISA_SHAPE_LDDW,         /* dst = imm64 (or a pseudo value, by src) */
	ISA_SHAPE_LD_ABS,       /* r0 = ntoh(*(uSIZE *)(pkt + imm)) */
	ISA_SHAPE_LD_IND,       /* r0 = ntoh(*(uSIZE *)(pkt + src + imm)) */
	ISA_SHAPE_LDX,          /* dst = *(uSIZE *)(src + off) */
	ISA_SHAPE_LDXSX,        /* dst = *(sSIZE *)(src + off) */
	ISA_SHAPE_ST,           /* *(uSIZE *)(dst + off) = imm */
	ISA_SHAPE_STX,          /* *(uSIZE *)(dst + off) = src */
	ISA_SHAPE_ATOMIC,       /* *(dst + off) OP= src, atomically */
	ISA_SHAPE_ATOMIC_FETCH, /* src = fetch_OP(dst + off, src) */
	ISA_SHAPE_XCHG,         /* src = xchg(dst + off, src) */
	ISA_SHAPE_CMPXCHG,      /* r0 = cmpxchg(dst + off, r0, src) */
	ISA_SHAPE_LOAD_ACQ,     /* dst = load_acquire(src + off) */
	ISA_SHAPE_STORE_REL,    /* store_release(dst + off, src) */
	ISA_SHAPE__COUNT,
};

/* Operations inside a shape. */
enum isa_op {
	ISA_OP_NONE,
	/* ALU */
	ISA_OP_ADD, ISA_OP_SUB, ISA_OP_MUL, ISA_OP_DIV, ISA_OP_SDIV,
	ISA_OP_OR, ISA_OP_AND, ISA_OP_LSH, ISA_OP_RSH, ISA_OP_NEG,
	ISA_OP_MOD, ISA_OP_SMOD, ISA_OP_XOR, ISA_OP_MOV, ISA_OP_MOVSX,
	ISA_OP_ARSH,
	/* conditional jumps */
	ISA_OP_JEQ, ISA_OP_JGT, ISA_OP_JGE, ISA_OP_JSET, ISA_OP_JNE,
	ISA_OP_JSGT, ISA_OP_JSGE, ISA_OP_JLT, ISA_OP_JLE, ISA_OP_JSLT,
	ISA_OP_JSLE,
	ISA_OP__COUNT,
};

/* RFC 9669 conformance groups (section 2.4), plus Linux extensions. */
enum isa_group {
	ISA_GROUP_BASE32,
	ISA_GROUP_BASE64,
	ISA_GROUP_ATOMIC32,
	ISA_GROUP_ATOMIC64,
	ISA_GROUP_DIVMUL32,
	ISA_GROUP_DIVMUL64,
	ISA_GROUP_PACKET,
	ISA_GROUP_LINUX,
	ISA_GROUP__COUNT,
};

/* FIELDS flags. */
enum isa_field {
	ISA_F_DST = 1u << 0,   /* dst register is an operand */
	ISA_F_SRC = 1u << 1,   /* src register is an operand */
	ISA_F_OFF = 1u << 2,   /* offset is an operand */
	ISA_F_IMM = 1u << 3,   /* immediate is an operand */
	ISA_F_DST_W = 1u << 4, /* dst register is written */
	ISA_F_SRC_W = 1u << 5, /* src register is written */
	ISA_F_R0_W = 1u << 6,  /* r0 is written implicitly */
	ISA_F_BR = 1u << 7,    /* off is a jump offset */
	ISA_F_BRI = 1u << 8,   /* imm is a jump offset */
	ISA_F_WIDE = 1u << 9,  /* two slots (ld_imm64) */
	ISA_F_CALL = 1u << 10, /* a call */
	ISA_F_HI = 1u << 11,   /* ld_imm64: the second slot's imm is an operand */
};

struct isa_desc {
	const char *id_name;    /* "ADD64_K" */
	uint8_t code;           /* opcode byte */
	uint8_t disc;           /* enum isa_disc */
	int32_t dval;           /* value of the DISC field */
	uint8_t shape;          /* enum isa_shape */
	uint8_t op;             /* enum isa_op */
	uint8_t width;          /* 32 or 64 (0 when not an ALU/JMP op) */
	uint8_t size;           /* access bytes, or bits for END/BSWAP/MOVSX */
	uint16_t fields;        /* enum isa_field bits */
	uint8_t group;          /* enum isa_group */
	const char *ubpf;       /* uBPF-syntax template */
	const char *llvm;       /* LLVM-syntax template */
};

/* The table, indexed by enum isa_id (ISA__COUNT rows). */
extern const struct isa_desc isa_table[ISA__COUNT];

/* Opcode class (low 3 bits) names, and group names, for messages. */
const char *isa_group_name(unsigned group);

/* The short mnemonic of a row for messages, from its uBPF template
 * ("add32", "lock fetch add"); writes into buf and returns buf. */
const char *isa_mnemonic(const struct isa_desc *d, char *buf, size_t size);

/*
 * The row that matches slot *raw (opcode and DISC field), or NULL. Only
 * the opcode and the distinguishing field are examined; reserved fields
 * are checked by isa_decode().
 */
const struct isa_desc *isa_lookup(const struct bpfvm_insn *raw);

/* All rows that use opcode byte code: *count rows starting at the
 * returned pointer (NULL and 0 when the opcode is unknown). */
const struct isa_desc *isa_rows_for_code(uint8_t code, size_t *count);

/* A decoded slot: the row id plus operands, with ld_imm64 widened. */
struct isa_insn {
	uint16_t id;    /* enum isa_id, ISA__WIDE_HI for ld_imm64's 2nd slot */
	uint8_t dst;
	uint8_t src;
	int16_t off;
	int32_t imm;
	uint64_t imm64; /* ld_imm64: the full immediate; else (u64)(s64)imm */
};

/*
 * Decode and check n slots into out[0..n). Rules: every slot matches a row;
 * fields that row does not use are zero; registers are r0..r10 and written
 * registers are not r10; jump and call targets land inside the program and
 * not on the second slot of an ld_imm64; ld_imm64 has a well-formed second
 * slot; the last instruction is an exit or an unconditional jump.
 * Returns 0 or -EINVAL with err naming the instruction and the field.
 */
int isa_decode(const struct bpfvm_insn *raw, size_t n, struct isa_insn *out,
	       struct bpfvm_error *err);

/* Check one slot against the table (fields and registers only; no jump
 * targets). For the assembler and the disassembler. */
int isa_check_slot(const struct bpfvm_insn *raw, size_t pc,
		   const struct isa_desc **desc, struct bpfvm_error *err);

/* The jump target of a decoded branch row at pc (off or imm based). */
static inline long isa_branch_target(const struct isa_desc *d,
				     const struct bpfvm_insn *raw, size_t pc)
{
	long delta = (d->fields & ISA_F_BRI) ? (long)raw->imm : (long)raw->off;
	return (long)pc + 1 + delta;
}

#endif /* BPFVM_ISA_H */
