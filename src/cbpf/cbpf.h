/*
 * cbpf.h - classic BPF (cBPF): the instruction table, the kernel's checker,
 * an interpreter, the translation to eBPF, and the text forms (bpf_asm,
 * tcpdump -d / -ddd, raw struct sock_filter bytes).
 *
 * A cBPF program is an array of struct cbpf_insn (the layout of the
 * kernel's struct sock_filter). Every function here reads opcode knowledge
 * from cbpf_table.def through cbpf_lookup(); nothing restates it.
 *
 * Two program kinds share the instruction set: socket filters (the data is
 * a packet, plus a struct cbpf_meta for the ancillary loads) and seccomp
 * filters (the data is a struct cbpf_seccomp_data, loads are 32-bit and
 * aligned). The kind picks the checker's rules.
 *
 * Errors follow bpfvm.h: a negative errno and a struct bpfvm_error that
 * names the instruction index or the line:column of the text.
 */
#ifndef BPFVM_CBPF_H
#define BPFVM_CBPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfvm.h"

/* One classic instruction (struct sock_filter). */
struct cbpf_insn {
	uint16_t code;
	uint8_t jt;
	uint8_t jf;
	uint32_t k;
};

#define CBPF_MAXINSNS 4096 /* BPF_MAXINSNS */
#define CBPF_MEMWORDS 16   /* BPF_MEMWORDS: M[0..15] */
#define CBPF_SKF_AD_OFF (-0x1000)

enum cbpf_id {
#define CBPF(ID, CODE, KIND, OP, SIZE, SECCOMP, MNEM, ASM, TCPD) CBPF_##ID,
#include "cbpf_table.def"
#undef CBPF
	CBPF__COUNT,
};

enum cbpf_kind {
	CBPF_K_LD_ABS, CBPF_K_LD_IND, CBPF_K_LD_LEN, CBPF_K_LD_IMM, CBPF_K_LD_MEM,
	CBPF_K_LDX_IMM, CBPF_K_LDX_MEM, CBPF_K_LDX_LEN, CBPF_K_LDX_MSH,
	CBPF_K_ST, CBPF_K_STX, CBPF_K_ALU_K, CBPF_K_ALU_X, CBPF_K_NEG,
	CBPF_K_JA, CBPF_K_JMP_K, CBPF_K_JMP_X, CBPF_K_RET_K, CBPF_K_RET_A,
	CBPF_K_TAX, CBPF_K_TXA,
};

enum cbpf_op {
	CBPF_OP_NONE,
	CBPF_OP_ADD, CBPF_OP_SUB, CBPF_OP_MUL, CBPF_OP_DIV, CBPF_OP_OR,
	CBPF_OP_AND, CBPF_OP_LSH, CBPF_OP_RSH, CBPF_OP_MOD, CBPF_OP_XOR,
	CBPF_OP_JEQ, CBPF_OP_JGT, CBPF_OP_JGE, CBPF_OP_JSET,
};

enum cbpf_seccomp_rule {
	CBPF_SECCOMP_N,   /* refused in seccomp filters */
	CBPF_SECCOMP_Y,   /* allowed as is */
	CBPF_SECCOMP_ABS, /* LD W ABS: aligned, inside struct seccomp_data */
	CBPF_SECCOMP_LEN, /* length: the size of struct seccomp_data */
};

struct cbpf_desc {
	const char *id_name;
	uint16_t code;
	uint8_t kind;    /* enum cbpf_kind */
	uint8_t op;      /* enum cbpf_op */
	uint8_t size;    /* packet access bytes */
	uint8_t seccomp; /* enum cbpf_seccomp_rule */
	const char *mnem;
	const char *asm_fmt;
	const char *tcpd_fmt;
};

extern const struct cbpf_desc cbpf_table[CBPF__COUNT];

/* The row for an opcode, or NULL when the kernel does not know it. */
const struct cbpf_desc *cbpf_lookup(uint16_t code);

/* Ancillary loads (SKF_AD_*), offsets from SKF_AD_OFF. */
enum cbpf_anc {
#define CBPF_ANC(ID, OFF, ASM, SUP) CBPF_AD_##ID = OFF,
#define CBPF(...)
#include "cbpf_table.def"
#undef CBPF
#undef CBPF_ANC
	CBPF_AD_MAX = 64,
};

/* The bpf_asm name of ancillary load off ("proto"), NULL when unknown;
 * *supported tells whether bpfvm implements it. */
const char *cbpf_anc_name(uint32_t off, bool *supported);
/* The offset for a bpf_asm ancillary name, or -1. */
int cbpf_anc_lookup(const char *name, size_t len);

/*
 * Packet metadata for the ancillary loads (the fields of the kernel's
 * sk_buff that a socket filter can read). Zero is a fine default.
 */
struct cbpf_meta {
	uint32_t len;        /* BPF_LEN: length on the wire; 0 = the data length */
	uint16_t protocol;   /* SKF_AD_PROTOCOL: ethertype, host order */
	uint8_t pkttype;     /* SKF_AD_PKTTYPE: PACKET_HOST, ... */
	uint32_t ifindex;    /* SKF_AD_IFINDEX */
	uint32_t mark;       /* SKF_AD_MARK */
	uint16_t queue;      /* SKF_AD_QUEUE */
	uint16_t hatype;     /* SKF_AD_HATYPE: ARPHRD_* */
	uint32_t rxhash;     /* SKF_AD_RXHASH */
	uint32_t cpu;        /* SKF_AD_CPU */
	uint16_t vlan_tci;   /* SKF_AD_VLAN_TAG */
	bool vlan_present;   /* SKF_AD_VLAN_TAG_PRESENT */
	uint16_t vlan_tpid;  /* SKF_AD_VLAN_TPID */
	uint32_t random;     /* SKF_AD_RANDOM returns this (deterministic) */
};

/* The value of ancillary load off (not ALU_XOR_X) for meta (NULL: all 0). */
uint32_t cbpf_anc_value(const struct cbpf_meta *meta, uint32_t off);

/* struct seccomp_data, as the kernel lays it out (host byte order). */
struct cbpf_seccomp_data {
	int32_t nr;
	uint32_t arch;
	uint64_t instruction_pointer;
	uint64_t args[6];
};

enum cbpf_prog_kind {
	CBPF_SOCKET_FILTER,
	CBPF_SECCOMP,
};

/*
 * Check prog[0..n) with the kernel's rules (bpf_check_classic, plus
 * seccomp_check_filter for CBPF_SECCOMP): 1..4096 instructions, known
 * opcodes, jumps forward and inside, M[] index < 16 and read only after
 * written on every path, no constant division or modulo by zero, constant
 * shifts < 32, known ancillary loads, last instruction RET. Returns 0 or
 * -EINVAL with err naming the instruction and the rule.
 */
int cbpf_check(const struct cbpf_insn *prog, size_t n, enum cbpf_prog_kind kind,
	       struct bpfvm_error *err);

/*
 * Run a checked program on data[0..len) (a packet, or a struct
 * cbpf_seccomp_data for seccomp filters) and return its u32 result.
 * Out-of-data loads and division by a zero X end the program with 0.
 */
uint32_t cbpf_run(const struct cbpf_insn *prog, size_t n, enum cbpf_prog_kind kind,
		  const uint8_t *data, size_t len, const struct cbpf_meta *meta);

/* The helper id translated socket filters call for the ancillary loads
 * that struct __sk_buff has no field for (hatype, cpu, rand): r1 = the
 * SKF_AD offset, r0 = its value, read from the struct cbpf_meta given as
 * bpfvm_run_opts.user (NULL: all zero). */
#define CBPF_HELPER_ANC 1023u

/* Register the ancillary-load helper (with its prototype) with vm. */
int cbpf_add_helpers(struct bpfvm_vm *vm);

/*
 * Translate a checked program to eBPF, as the kernel's bpf_convert_filter:
 * A = w0, X = w7, r6 = the context (r1 at entry), M[i] = the 32-bit stack
 * slot at r10 - 4 * (16 - i). The result is a typed program for the
 * verifier (cbpf_prog_type()): a socket filter reads the packet with
 * LD_ABS/LD_IND and BPF_LEN and most ancillary loads from its struct
 * __sk_buff; a seccomp filter reads struct seccomp_data through r1. *out
 * is malloc()ed.
 */
int cbpf_translate(const struct cbpf_insn *prog, size_t n, enum cbpf_prog_kind kind,
		   struct bpfvm_insn **out, size_t *out_n, struct bpfvm_error *err);

/* The program type a translation of kind loads as: 1 (socket filter) or
 * HOOK_TYPE_SECCOMP. */
uint32_t cbpf_prog_type(enum cbpf_prog_kind kind);

/*
 * Fill the struct __sk_buff (bpfvm_ctx.h) a translated socket filter runs
 * on for a packet of caplen captured bytes at data: len = meta->len (the
 * wire length; caplen when 0), and the fields behind the ancillary loads
 * from meta (NULL: zero). Every other field is zero.
 */
void cbpf_skb_ctx_init(struct bpfvm_skb_ctx *ctx, const uint8_t *data, size_t caplen,
		       const struct cbpf_meta *meta);

/* ---- a classic program ready to run: filter.c ---- */

/* What runs a classic program. */
enum cbpf_engine {
	CBPF_ENGINE_JIT = 0, /* the eBPF translation, verified, as machine code */
	CBPF_ENGINE_INTERP,  /* the eBPF translation, verified, in the interpreter */
	CBPF_ENGINE_CBPF,    /* the classic interpreter (cbpf_run) */
};

/* "jit", "interp" ("ebpf" too), "cbpf" -> the engine; -1 when unknown. */
int cbpf_engine_parse(const char *name);
const char *cbpf_engine_name(enum cbpf_engine engine);

struct cbpf_filter;

/*
 * Check prog[0..n) as kind, translate it, and load the translation into
 * vm (which needs cbpf_add_helpers()) with the verifier on, for engine.
 * With allow_fallback, a translation the JIT cannot take runs in the eBPF
 * interpreter and cbpf_filter_fallback() says why; without it the load
 * fails. The classic program is copied. NULL + errno on failure, err
 * naming the instruction (classic for the checker, eBPF for the
 * verifier).
 */
struct cbpf_filter *cbpf_filter_new(struct bpfvm_vm *vm, const struct cbpf_insn *prog,
				    size_t n, enum cbpf_prog_kind kind, enum cbpf_engine engine,
				    bool allow_fallback, struct bpfvm_error *err);
void cbpf_filter_free(struct cbpf_filter *f);
/* The engine that runs it (the interpreter after a fallback). */
enum cbpf_engine cbpf_filter_engine(const struct cbpf_filter *f);
/* Why the JIT was asked for and not used, or NULL. */
const char *cbpf_filter_fallback(const struct cbpf_filter *f);
/* The translation, and the loaded program (rewritten by the verifier). */
const struct bpfvm_insn *cbpf_filter_ebpf(const struct cbpf_filter *f, size_t *n);
const struct bpfvm_prog *cbpf_filter_prog(const struct cbpf_filter *f);

/*
 * Run a socket filter on caplen captured bytes at data (meta: the wire
 * length and ancillary values; may be NULL), or a seccomp filter on sd.
 * 0 with *ret = the classic return value, or the run's negative errno.
 */
int cbpf_filter_run(const struct cbpf_filter *f, const uint8_t *data, size_t caplen,
		    const struct cbpf_meta *meta, uint32_t *ret, struct bpfvm_error *err);
int cbpf_filter_run_seccomp(const struct cbpf_filter *f, const struct cbpf_seccomp_data *sd,
			    uint32_t *ret, struct bpfvm_error *err);

/* One packet of cbpf_filter_run_batch() (32 bytes: the layout of the
 * JIT's filter entry, jit/filter.h, so that it runs the array as is). */
struct cbpf_packet {
	const uint8_t *data;          /* caplen captured bytes (any when 0) */
	uint32_t caplen;
	uint32_t ret;                 /* out: the classic return value */
	const struct cbpf_meta *meta; /* the ancillary values; may be NULL
				       * (meta->len is not read: len is) */
	uint32_t len;                 /* BPF_LEN: the length on the wire;
				       * 0 = caplen (the call may write
				       * caplen there) */
	uint32_t reserved;            /* 0 */
};

/*
 * Run a socket filter on n packets, as n cbpf_filter_run() calls would
 * (with meta->len = len), at a lower cost per packet: the JIT runs the
 * array in one loop of machine code when the program reads no ancillary
 * value (its filter entry), the eBPF engines take other programs in
 * batches (bpfvm_prog__run_batch). 0, or the first failing run's negative
 * errno.
 */
int cbpf_filter_run_batch(const struct cbpf_filter *f, struct cbpf_packet *pkts, size_t n,
			  struct bpfvm_error *err);

/* ---- text ---- */

/* Called once per output line (no newline). */
typedef void (*cbpf_print_fn)(void *ctx, const char *line);

/* One instruction as bpf_asm text (jump targets as labels "L<index>"),
 * and a whole program with labels on the targets. */
int cbpf_asm_insn(const struct cbpf_insn *prog, size_t n, size_t pc, char *buf, size_t size);
void cbpf_asm_print(const struct cbpf_insn *prog, size_t n, cbpf_print_fn print, void *ctx);
/* Parse bpf_asm text (labels, `ldh [12]`, `jeq #0x800, L1, L2`, ...). */
int cbpf_asm_parse(const char *text, size_t len, const char *filename,
		   struct cbpf_insn **out, size_t *n, struct bpfvm_error *err);

/* tcpdump -d: "(000) ldh      [12]" lines, both directions. */
int cbpf_tcpdump_insn(const struct cbpf_insn *prog, size_t n, size_t pc, char *buf,
		      size_t size);
void cbpf_tcpdump_print(const struct cbpf_insn *prog, size_t n, cbpf_print_fn print,
			void *ctx);
int cbpf_tcpdump_parse(const char *text, size_t len, const char *filename,
		       struct cbpf_insn **out, size_t *n, struct bpfvm_error *err);

/* tcpdump -ddd: a count line, then "code jt jf k" in decimal. */
void cbpf_ddd_print(const struct cbpf_insn *prog, size_t n, cbpf_print_fn print, void *ctx);
int cbpf_ddd_parse(const char *text, size_t len, const char *filename,
		   struct cbpf_insn **out, size_t *n, struct bpfvm_error *err);
/* tcpdump -dd: "{ 0x28, 0, 0, 0x0000000c }," lines. */
void cbpf_dd_print(const struct cbpf_insn *prog, size_t n, cbpf_print_fn print, void *ctx);

/* Raw struct sock_filter bytes (8 each, little-endian). */
int cbpf_raw_parse(const uint8_t *data, size_t len, struct cbpf_insn **out, size_t *n,
		   struct bpfvm_error *err);
void cbpf_raw_write(const struct cbpf_insn *prog, size_t n, uint8_t *out);

/* Guess the form of a program text/bytes and parse it: raw bytes (binary),
 * -ddd (digits only), tcpdump -d ("(000)") or bpf_asm. */
int cbpf_parse_any(const char *data, size_t len, const char *filename,
		   struct cbpf_insn **out, size_t *n, struct bpfvm_error *err);

/* ---- seccomp ---- */

/* SECCOMP_RET_* action of a return value, as a name ("ERRNO"), and the
 * whole decision as text ("ERRNO(1)", "ALLOW"). */
const char *cbpf_seccomp_action_name(uint32_t ret);
int cbpf_seccomp_action_format(uint32_t ret, char *buf, size_t size);
/* AUDIT_ARCH_* for a name ("x86_64"), 0 when unknown; and back. */
uint32_t cbpf_seccomp_arch(const char *name);
const char *cbpf_seccomp_arch_name(uint32_t arch);
/* x86_64 syscall number for a common name, -1 when not in the table. */
int cbpf_seccomp_syscall_x86_64(const char *name);

#endif /* BPFVM_CBPF_H */
