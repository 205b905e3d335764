/*
 * test_verifier_ctx.c - program types: typed contexts, packet pointers and
 * return ranges (XDP, tc, socket filter, seccomp), loaded through
 * bpfvm_prog__load with verify and the program type.
 *
 * Each row is a program, its type, and the expected verdict: accepted, or
 * refused with an errno at an exact instruction with a key phrase. Every
 * accepted row is then run in the checked interpreter with a real context
 * (include/bpfvm_ctx.h) whose data points into a packet passed as a run
 * region, and must return the expected r0 without a fault.
 *
 * The packet (64 bytes, 8 bytes of metadata before it): Ethernet with
 * ethertype 0x0800 at 12, IPv4 at 14 (protocol 17 at 23), UDP at 34.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <stddef.h>

#include "check.h"
#include "hooks/kern_btf.h"
#include "insn_build.h"
#include "prog/prog.h"

#define P(...)                                                   \
	(const struct bpfvm_insn[]){ __VA_ARGS__ },              \
		sizeof((const struct bpfvm_insn[]){ __VA_ARGS__ }) / \
			sizeof(struct bpfvm_insn)

enum { XDP = 6, TC = 3, SF = 1, SECCOMP = 0x7fff0001, RAW = 0, TRACE = 26 };

struct ct {
	const char *name;
	uint32_t type;
	const struct bpfvm_insn *insns;
	size_t n;
	int code;        /* 0: accepted */
	long insn;       /* refused at */
	const char *msg; /* key phrase */
	int64_t ret;     /* accepted: expected r0 */
};

#define OK(NAME, TYPE, RET, ...) { NAME, TYPE, P(__VA_ARGS__), 0, -1, NULL, RET }
#define NO(NAME, TYPE, INSN, MSG, ...) { NAME, TYPE, P(__VA_ARGS__), -EACCES, INSN, MSG, 0 }

#define MOV(d, i) I_MOV64_IMM(d, i)
#define MOVR(d, s) I_MOV64_REG(d, s)
#define ADD(d, i) I_ALU64_IMM(BI_ADD, d, i)
#define EXIT I_EXIT()
#define LDW(d, s, o) I_LDX(BI_W, d, s, o)
/* r2 = data, r3 = data_end (xdp_md / __sk_buff) */
#define XDP_PKT LDW(2, 1, 0), LDW(3, 1, 4)
#define TC_PKT LDW(2, 1, 76), LDW(3, 1, 80)
/* r4 = r2 + N */
#define END(N) MOVR(4, 2), ADD(4, N)

static const struct ct tests[] = {
	/* ---- XDP: bounds checks in all forms */
	OK("xdp: p > end, read inside", XDP, 2, XDP_PKT, END(14),
	   I_JMP_REG(BI_JGT, 4, 3, 3), I_LDX(BI_H, 5, 2, 12), MOV(0, 2), EXIT, MOV(0, 1), EXIT),
	OK("xdp: end < p", XDP, 2, XDP_PKT, END(14), I_JMP_REG(BI_JLT, 3, 4, 3),
	   I_LDX(BI_H, 5, 2, 12), MOV(0, 2), EXIT, MOV(0, 1), EXIT),
	OK("xdp: p >= end, then 15 bytes", XDP, 2, XDP_PKT, END(14), I_JMP_REG(BI_JGE, 4, 3, 3),
	   I_LDX(BI_B, 5, 2, 14), MOV(0, 2), EXIT, MOV(0, 1), EXIT),
	OK("xdp: p <= end taken", XDP, 2, XDP_PKT, END(14), I_JMP_REG(BI_JLE, 4, 3, 2), MOV(0, 1),
	   EXIT, I_LDX(BI_H, 5, 2, 12), MOV(0, 2), EXIT),
	OK("xdp: end >= p taken", XDP, 2, XDP_PKT, END(14), I_JMP_REG(BI_JGE, 3, 4, 2), MOV(0, 1),
	   EXIT, I_LDX(BI_W, 5, 2, 10), MOV(0, 2), EXIT),
	NO("xdp: no bounds check", XDP, 1,
	   "the packet pointer r2 may be past data_end here: add a bounds check before reading 2 "
	   "bytes at offset 12",
	   LDW(2, 1, 0), I_LDX(BI_H, 0, 2, 12), MOV(0, 2), EXIT),
	NO("xdp: read past the checked bytes", XDP, 5, "before reading 4 bytes at offset 12",
	   XDP_PKT, END(14), I_JMP_REG(BI_JGT, 4, 3, 3), I_LDX(BI_W, 5, 2, 12), MOV(0, 2), EXIT,
	   MOV(0, 1), EXIT),
	NO("xdp: the wrong branch is unchecked", XDP, 5, "may be past data_end", XDP_PKT, END(14),
	   I_JMP_REG(BI_JLE, 4, 3, 3), I_LDX(BI_H, 5, 2, 12), MOV(0, 2), EXIT, MOV(0, 1), EXIT),
	NO("xdp: 32-bit compare proves nothing", XDP, 5, "may be past data_end", XDP_PKT, END(14),
	   I_JMP32_REG(BI_JGT, 4, 3, 3), I_LDX(BI_H, 5, 2, 12), MOV(0, 2), EXIT, MOV(0, 1), EXIT),
	NO("xdp: read before the packet", XDP, 5, "before the start of the packet", XDP_PKT,
	   END(14), I_JMP_REG(BI_JGT, 4, 3, 3), I_LDX(BI_B, 5, 2, -1), MOV(0, 2), EXIT, MOV(0, 1),
	   EXIT),
	OK("xdp: check through the moved pointer", XDP, 2, XDP_PKT, END(14),
	   I_JMP_REG(BI_JGT, 4, 3, 3), I_LDX(BI_H, 5, 4, -2), MOV(0, 2), EXIT, MOV(0, 1), EXIT),
	OK("xdp: write into the packet", XDP, 2, XDP_PKT, END(14), I_JMP_REG(BI_JGT, 4, 3, 3),
	   I_ST(BI_B, 2, 0, 0x42), MOV(0, 2), EXIT, MOV(0, 1), EXIT),
	OK("xdp: variable offset, checked again", XDP, 2, XDP_PKT, END(14),
	   I_JMP_REG(BI_JGT, 4, 3, 9), I_LDX(BI_B, 5, 2, 0), I_ALU64_IMM(BI_AND, 5, 7),
	   I_ALU64_REG(BI_ADD, 2, 5), END(4), I_JMP_REG(BI_JGT, 4, 3, 3), LDW(0, 2, 0), MOV(0, 2),
	   EXIT, MOV(0, 1), EXIT),
	NO("xdp: variable offset loses the range", XDP, 8, "r2 may be past data_end", XDP_PKT,
	   END(14), I_JMP_REG(BI_JGT, 4, 3, 6), I_LDX(BI_B, 5, 2, 0), I_ALU64_IMM(BI_AND, 5, 7),
	   I_ALU64_REG(BI_ADD, 2, 5), LDW(0, 2, 0), MOV(0, 2), EXIT, MOV(0, 1), EXIT),
	NO("xdp: unbounded variable offset", XDP, 3, "not bounded", XDP_PKT, LDW(5, 1, 12),
	   I_ALU64_REG(BI_ADD, 2, 5), MOV(0, 2), EXIT),
	OK("xdp: packet length", XDP, 0, XDP_PKT, I_ALU64_REG(BI_SUB, 3, 2), MOVR(0, 3),
	   I_ALU64_IMM(BI_AND, 0, 3), EXIT),
	NO("xdp: data_end arithmetic", XDP, 2, "arithmetic on the packet end", XDP_PKT, ADD(3, -4),
	   MOV(0, 2), EXIT),
	NO("xdp: read through data_end", XDP, 2, "it can only be compared", XDP_PKT,
	   LDW(0, 3, -4), EXIT),
	/* metadata: data_meta + N <= data */
	OK("xdp: data_meta checked", XDP, 2, LDW(2, 1, 8), LDW(3, 1, 0), END(4),
	   I_JMP_REG(BI_JGT, 4, 3, 3), LDW(5, 2, 0), MOV(0, 2), EXIT, MOV(0, 1), EXIT),
	NO("xdp: data_meta unchecked", XDP, 2,
	   "the packet metadata pointer r2 may be past data here", LDW(2, 1, 8), LDW(3, 1, 0),
	   LDW(5, 2, 0), MOV(0, 2), EXIT),
	/* ---- XDP context fields */
	OK("xdp: ifindex and queue", XDP, 0, LDW(0, 1, 12), LDW(5, 1, 16),
	   I_ALU64_IMM(BI_AND, 0, 0), EXIT),
	NO("xdp: egress_ifindex outside a devmap program", XDP, 0,
	   "struct xdp_md.egress_ifindex is for devmap programs only", LDW(0, 1, 20), EXIT),
	NO("xdp: past the context", XDP, 0, "outside the 24-byte struct xdp_md", LDW(0, 1, 24),
	   EXIT),
	NO("xdp: misaligned field", XDP, 0, "misaligned context access", LDW(0, 1, 2), EXIT),
	NO("xdp: narrow read", XDP, 0, "the field is 4 bytes and must be accessed whole",
	   I_LDX(BI_B, 0, 1, 12), EXIT),
	NO("xdp: 64-bit read of data", XDP, 0, "runs past the field data (4 bytes)", I_LDX(BI_DW, 0, 1, 0),
	   EXIT),
	NO("xdp: write to a read-only field", XDP, 0,
	   "struct xdp_md.ingress_ifindex is read-only for XDP programs", I_ST(BI_W, 1, 12, 0),
	   MOV(0, 2), EXIT),
	NO("xdp: modified ctx pointer", XDP, 1, "dereference of modified ctx pointer", ADD(1, 4),
	   LDW(0, 1, 0), EXIT),
	NO("xdp: ctx as helper memory", XDP, 2, "is the context", MOV(2, 8), MOV(3, 0), I_CALL(6),
	   MOV(0, 2), EXIT),
	NO("xdp: ld_abs", XDP, 1, "only for socket filter and tc", MOVR(6, 1),
	   I_LD_ABS(BI_H, 12), MOV(0, 2), EXIT),
	NO("xdp: ctx on one path, stack on another", XDP, 6,
	   "accesses the context on one path and other memory on another",
	   I_ST(BI_DW, 10, -8, 0), LDW(0, 1, 12), MOVR(2, 1), I_JMP_IMM(BI_JEQ, 0, 0, 2),
	   MOVR(2, 10), ADD(2, -16), LDW(3, 2, 12), MOV(0, 2), EXIT),
	/* ---- XDP return values */
	OK("xdp: XDP_REDIRECT", XDP, 4, MOV(0, 4), EXIT),
	/* As the kernel: plain XDP and tc programs may return anything (an
	 * unknown action acts as XDP_ABORTED / TC_ACT_UNSPEC when run). */
	OK("xdp: return 7", XDP, 7, MOV(0, 7), EXIT),
	OK("xdp: return a bounded value", XDP, 3, LDW(0, 1, 12), I_JMP_IMM(BI_JGT, 0, 4, 1), EXIT,
	   MOV(0, 1), EXIT),

	/* ---- tc */
	OK("tc: mark, priority, cb", TC, 0, LDW(2, 1, 8), ADD(2, 1), I_STX(BI_W, 1, 2, 8),
	   I_ST(BI_W, 1, 32, 5), I_ST(BI_B, 1, 49, 3), I_ST(BI_DW, 1, 56, 9), MOV(0, 0), EXIT),
	OK("tc: tc_classid, tc_index, queue_mapping, tstamp", TC, 0, I_ST(BI_W, 1, 72, 1),
	   I_ST(BI_W, 1, 44, 2), I_ST(BI_W, 1, 12, 3), I_ST(BI_DW, 1, 152, 4), MOV(0, 0), EXIT),
	NO("tc: write len", TC, 0, "struct __sk_buff.len is read-only for tc programs",
	   I_ST(BI_W, 1, 0, 0), MOV(0, 0), EXIT),
	NO("tc: narrow write of mark", TC, 0, "the field is 4 bytes and must be accessed whole",
	   I_ST(BI_B, 1, 8, 0), MOV(0, 0), EXIT),
	OK("tc: narrow read of protocol", TC, 0, I_LDX(BI_H, 0, 1, 16), I_LDX(BI_B, 5, 1, 19),
	   I_ALU64_IMM(BI_AND, 0, 0), EXIT),
	NO("tc: socket fields", TC, 0, "tc programs cannot access struct __sk_buff at offset 88",
	   LDW(0, 1, 88), EXIT),
	NO("tc: cb overflow", TC, 0, "runs past the field cb", I_LDX(BI_DW, 0, 1, 64), EXIT),
	OK("tc: packet read", TC, 0, TC_PKT, END(24), I_JMP_REG(BI_JGT, 4, 3, 3),
	   I_LDX(BI_B, 5, 2, 23), MOV(0, 0), EXIT, MOV(0, 2), EXIT),
	OK("tc: packet write", TC, 0, TC_PKT, END(24), I_JMP_REG(BI_JGT, 4, 3, 3),
	   I_ST(BI_B, 2, 23, 6), MOV(0, 0), EXIT, MOV(0, 2), EXIT),
	NO("tc: unchecked packet read", TC, 2, "r2 may be past data_end", TC_PKT,
	   I_LDX(BI_B, 5, 2, 23), MOV(0, 0), EXIT),
	OK("tc: TC_ACT_UNSPEC", TC, -1, MOV(0, -1), EXIT),
	OK("tc: return 9", TC, 9, MOV(0, 9), EXIT),
	OK("tc: ld_abs", TC, 0, MOVR(6, 1), I_LD_ABS(BI_H, 12), I_JMP_IMM(BI_JEQ, 0, 0x800, 2),
	   MOV(0, 2), EXIT, MOV(0, 0), EXIT),

	/* ---- socket filter */
	OK("sf: len and cb", SF, 64, I_ST(BI_W, 1, 48, 1), LDW(0, 1, 0), EXIT),
	NO("sf: no direct packet access", SF, 0,
	   "socket filter programs cannot access struct __sk_buff at offset 76", LDW(2, 1, 76),
	   MOV(0, 0), EXIT),
	NO("sf: write mark", SF, 0, "read-only for socket filter programs", I_ST(BI_W, 1, 8, 0),
	   MOV(0, 0), EXIT),
	OK("sf: ld_abs and ld_ind", SF, 0x11, MOVR(6, 1), MOV(7, 9), I_LD_IND(BI_B, 7, 14), EXIT),
	NO("sf: ld_abs without ctx in r6", SF, 0, "r6 must hold the context pointer",
	   I_LD_ABS(BI_B, 23), EXIT),

	/* ---- seccomp */
	OK("seccomp: nr", SECCOMP, 0x7fff0000, LDW(0, 1, 0), I_JMP_IMM(BI_JEQ, 0, 59, 2), MOV(0, 0),
	   EXIT, I_MOV32_IMM(0, 0x7fff0000), EXIT),
	OK("seccomp: args", SECCOMP, 0, I_LDX(BI_DW, 0, 1, 24), LDW(2, 1, 28), LDW(3, 1, 8),
	   MOV(0, 0), EXIT),
	NO("seccomp: write", SECCOMP, 0, "struct seccomp_data.nr is read-only for seccomp",
	   I_ST(BI_W, 1, 0, 0), MOV(0, 0), EXIT),
	NO("seccomp: misaligned 8 bytes", SECCOMP, 0, "misaligned", I_LDX(BI_DW, 0, 1, 20), EXIT),
	NO("seccomp: past the end", SECCOMP, 0, "outside the 64-byte struct seccomp_data",
	   LDW(0, 1, 64), EXIT),

	/* ---- raw: r1 is sized memory */
	OK("raw: moved ctx pointer", RAW, 0, ADD(1, 4), LDW(0, 1, 0), EXIT),
	OK("raw: variable offset in bounds", RAW, 0, I_LDX(BI_B, 2, 1, 0), I_ALU64_IMM(BI_AND, 2, 7),
	   I_ALU64_REG(BI_ADD, 1, 2), LDW(0, 1, 0), EXIT),
	NO("raw: variable offset past the end", RAW, 4, "may fall outside the 16-byte context",
	   I_LDX(BI_B, 2, 1, 0), I_ALU64_IMM(BI_AND, 2, 15), I_ALU64_REG(BI_ADD, 1, 2),
	   MOV(0, 0), LDW(0, 1, 0), EXIT),
};

/* ---- fentry/fexit on an XDP program: r1 = u64 args, arg 0 a BTF-typed
 * struct xdp_buff * (hooks/kern_btf.h); loaded and verified, never run. */
#define XB(M) ((int16_t)offsetof(struct kbtf_xdp_buff, M))
#define RXQ(M) ((int16_t)offsetof(struct kbtf_xdp_rxq_info, M))
#define LDDW(d, s, o) I_LDX(BI_DW, d, s, o)
#define ARG0 LDDW(2, 1, 0) /* r2 = xdp */
static const struct ct btf_tests[] = {
	OK("fentry: data, data_end, rxq->dev->ifindex, queue_index", TRACE, 0, ARG0,
	   LDDW(3, 2, XB(ctx.data)), LDDW(4, 2, XB(ctx.data_end)), LDDW(5, 2, XB(rxq)),
	   LDW(6, 5, RXQ(queue_index)), LDDW(5, 5, RXQ(dev)),
	   LDW(6, 5, offsetof(struct kbtf_net_device, ifindex)), MOV(0, 0), EXIT),
	OK("fentry: a u16 inside a u32 field", TRACE, 0, ARG0, LDDW(5, 2, XB(rxq)),
	   I_LDX(BI_H, 6, 5, RXQ(queue_index) + 2), MOV(0, 0), EXIT),
	OK("fexit: the return value", TRACE, 0, LDW(0, 1, 8), MOV(0, 0), EXIT),
	OK("fentry: constant offset then read", TRACE, 0, ARG0, ADD(2, 8), LDDW(3, 2, 0),
	   MOV(0, 0), EXIT),
	OK("fentry: NULL check on a pointer read from the struct", TRACE, 0, ARG0,
	   LDDW(5, 2, XB(rxq)), I_JMP_IMM(BI_JEQ, 5, 0, 1), LDW(6, 5, RXQ(queue_index)),
	   MOV(0, 0), EXIT),
	NO("fentry: a field bpfvm does not have", TRACE, 1,
	   "struct xdp_buff has no field at offset 24", ARG0, LDW(3, 2, 24), MOV(0, 0), EXIT),
	NO("fentry: write through the BTF pointer", TRACE, 1, "such pointers are read-only",
	   ARG0, I_ST(BI_DW, 2, XB(ctx.data), 0), MOV(0, 0), EXIT),
	NO("fentry: part of a pointer member", TRACE, 1, "is a pointer: read it whole", ARG0,
	   LDW(3, 2, XB(rxq)), MOV(0, 0), EXIT),
	NO("fentry: past the struct", TRACE, 1, "past its end", ARG0,
	   LDDW(3, 2, (int16_t)sizeof(struct kbtf_xdp_buff)), MOV(0, 0), EXIT),
	NO("fentry: negative offset", TRACE, 1, "before its start", ARG0, LDDW(3, 2, -8),
	   MOV(0, 0), EXIT),
	NO("fentry: variable offset", TRACE, 5, "at a variable offset", ARG0, LDDW(3, 1, 8),
	   I_ALU64_IMM(BI_AND, 3, 8), I_ALU64_REG(BI_ADD, 2, 3), MOV(0, 0), LDDW(0, 2, 0), EXIT),
	NO("fentry: write the context", TRACE, 0, "is read-only for fentry/fexit programs",
	   I_ST(BI_DW, 1, 8, 0), MOV(0, 0), EXIT),
	NO("fentry: half the xdp pointer", TRACE, 0, "must be accessed whole", LDW(2, 1, 0),
	   MOV(0, 0), EXIT),
	NO("fentry: past the arguments", TRACE, 0, "outside the 16-byte", LDDW(2, 1, 16),
	   MOV(0, 0), EXIT),
	NO("fentry: return 1", TRACE, 1, "fentry/fexit programs return 0", MOV(0, 1), EXIT),
	NO("fentry: packet helper", TRACE, 3, "cannot call bpf_xdp_adjust_head", ARG0,
	   MOVR(1, 2), MOV(2, 0), I_CALL(44), MOV(0, 0), EXIT),
	NO("fentry: xdp_output without the xdp_buff", TRACE, 0,
	   "must be a pointer to struct xdp_buff", I_CALL(121), MOV(0, 0), EXIT),
	NO("xdp: xdp_output is for fentry/fexit", XDP, 0, "it is for fentry/fexit programs",
	   I_CALL(121), MOV(0, 0), EXIT),
};

static uint8_t buf[8 + 64];

static void fill_packet(void)
{
	memset(buf, 0, sizeof(buf));
	uint8_t *p = buf + 8;
	p[12] = 0x08;
	p[13] = 0x00;
	p[14] = 0x45;
	p[23] = 17;
}

static int run(struct bpfvm_prog *prog, uint32_t type, uint64_t *r0, struct bpfvm_error *err,
	       struct bpfvm_skb_ctx *skb_out)
{
	struct bpfvm_region reg = { buf, sizeof(buf), true };
	BPFVM_OPTS(bpfvm_run_opts, ro, .insn_budget = 100000, .regions = &reg, .n_regions = 1,
		   .packet = buf + 8, .packet_len = 64);
	fill_packet();
	if (type == XDP) {
		struct bpfvm_xdp_ctx x = { .data = buf + 8, .data_end = buf + 72, .data_meta = buf,
					   .ingress_ifindex = 3, .rx_queue_index = 1 };
		return bpfvm_prog__run(prog, &x, sizeof(x), &ro, r0, err);
	}
	if (type == TC || type == SF) {
		struct bpfvm_skb_ctx s;
		memset(&s, 0, sizeof(s));
		s.data = buf + 8;
		s.data_end = buf + 72;
		s.data_meta = buf + 8;
		s.len = 64;
		s.protocol = 0x0008;
		s.mark = 41;
		int rc = bpfvm_prog__run(prog, &s, sizeof(s), &ro, r0, err);
		if (skb_out)
			*skb_out = s;
		return rc;
	}
	if (type == SECCOMP) {
		struct bpfvm_seccomp_ctx c = { 59, 0xc000003e, 0x1000, { 1, 2, 3, 4, 5, 6 } };
		return bpfvm_prog__run(prog, &c, sizeof(c), &ro, r0, err);
	}
	uint8_t raw[16] = { 3 };
	return bpfvm_prog__run(prog, raw, sizeof(raw), &ro, r0, err);
}

static struct bpfvm_prog *load(struct bpfvm_vm *vm, const struct ct *t, int *ret,
			       struct bpfvm_error *err)
{
	BPFVM_OPTS(bpfvm_load_opts, lo, .prog_type = t->type,
		   .ctx_size = t->type == RAW ? 16 : 0);
	struct bpfvm_prog *prog = NULL;
	*ret = bpfvm_prog__load(vm, t->insns, t->n, &lo, &prog, err);
	return prog;
}

/* The rewrite: xdp_md->data_end (u32 at 4) becomes a u64 load at 8. */
static void rewrite(struct bpfvm_vm *vm)
{
	const struct ct *t = &tests[0];
	struct bpfvm_error err;
	int ret;
	struct bpfvm_prog *prog = load(vm, t, &ret, &err);
	CHECK(ret == 0);
	CHECK(prog->insns[1].id == ISA_LDXDW);
	CHECK(prog->insns[1].off == offsetof(struct bpfvm_xdp_ctx, data_end));
	CHECK(prog->raw[1].off == 4); /* the loaded form stays */
	bpfvm_prog__free(prog);
	/* tc: mark stays a u32 access at its real offset */
	for (t = tests; strcmp(t->name, "tc: mark, priority, cb"); t++)
		;
	prog = load(vm, t, &ret, &err);
	CHECK(ret == 0);
	CHECK(prog->insns[0].id == ISA_LDXW);
	CHECK(prog->insns[0].off == offsetof(struct bpfvm_skb_ctx, mark));
	struct bpfvm_skb_ctx s;
	uint64_t r0;
	CHECK(run(prog, TC, &r0, &err, &s) == 0);
	CHECK(s.mark == 42 && s.priority == 5 && ((uint8_t *)s.cb)[1] == 3 && s.cb[2] == 9);
	bpfvm_prog__free(prog);
}

/* egress_ifindex: a devmap program (expected_attach_type BPF_XDP_DEVMAP)
 * reads it; the same load is refused above for a plain XDP program. */
static void devmap(struct bpfvm_vm *vm)
{
	struct bpfvm_insn insns[] = { LDW(0, 1, 20), EXIT };
	BPFVM_OPTS(bpfvm_load_opts, lo, .prog_type = XDP, .expected_attach_type = BPF_XDP_DEVMAP);
	struct bpfvm_prog *prog = NULL;
	struct bpfvm_error err;
	CHECK(bpfvm_prog__load(vm, insns, 2, &lo, &prog, &err) == 0);
	struct bpfvm_xdp_ctx x = { .data = buf + 8, .data_end = buf + 72, .data_meta = buf + 8,
				   .egress_ifindex = 7 };
	uint64_t r0 = 0;
	CHECK(bpfvm_prog__run(prog, &x, sizeof(x), NULL, &r0, &err) == 0 && r0 == 7);
	bpfvm_prog__free(prog);
}

int main(void)
{
	struct bpfvm_vm *vm = bpfvm_vm__new(NULL);
	CHECK(vm);
	int accepted = 0, refused = 0;
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		const struct ct *t = &tests[i];
		struct bpfvm_error err;
		int ret;
		struct bpfvm_prog *prog = load(vm, t, &ret, &err);
		if (ret != t->code || (t->code && (err.insn != t->insn || !strstr(err.msg, t->msg)))) {
			fprintf(stderr, "%s: got %d at insn %ld: %s\n  expected %d at insn %ld: \"%s\"\n",
				t->name, ret, ret ? err.insn : -1, ret ? err.msg : "(accepted)",
				t->code, t->insn, t->msg ? t->msg : "");
			CHECK(0);
		}
		if (ret) {
			refused++;
			continue;
		}
		uint64_t r0 = 0;
		int rr = run(prog, t->type, &r0, &err, NULL);
		if (rr || r0 != (uint64_t)t->ret)
			fprintf(stderr, "%s: run: %d (%s at %ld), r0 = %lld, expected %lld\n", t->name,
				rr, rr ? err.msg : "", rr ? err.insn : -1, (long long)r0,
				(long long)t->ret);
		CHECK(rr == 0);
		CHECK(r0 == (uint64_t)t->ret);
		accepted++;
		bpfvm_prog__free(prog);
	}
	printf("program types: %zu programs, %d accepted and ran clean, %d refused as expected\n",
	       sizeof(tests) / sizeof(tests[0]), accepted, refused);
	accepted = refused = 0;
	for (size_t i = 0; i < sizeof(btf_tests) / sizeof(btf_tests[0]); i++) {
		const struct ct *t = &btf_tests[i];
		struct bpfvm_error err;
		int ret;
		struct bpfvm_prog *prog = load(vm, t, &ret, &err);
		if (ret != t->code || (t->code && (err.insn != t->insn || !strstr(err.msg, t->msg)))) {
			fprintf(stderr, "%s: got %d at insn %ld: %s\n  expected %d at insn %ld: \"%s\"\n",
				t->name, ret, ret ? err.insn : -1, ret ? err.msg : "(accepted)",
				t->code, t->insn, t->msg ? t->msg : "");
			CHECK(0);
		}
		if (ret) {
			refused++;
			continue;
		}
		/* verified; running it is refused (nothing to attach to) */
		struct kbtf_trace_xdp_ctx c = { 0 };
		uint64_t r0;
		CHECK(bpfvm_prog__run(prog, &c, sizeof(c), NULL, &r0, &err) == -ENOTSUP);
		accepted++;
		bpfvm_prog__free(prog);
	}
	printf("BTF pointers: %zu programs, %d accepted (runs refused), %d refused as expected\n",
	       sizeof(btf_tests) / sizeof(btf_tests[0]), accepted, refused);
	devmap(vm);
	rewrite(vm);
	bpfvm_vm__free(vm);
	CHECK_DONE();
}
