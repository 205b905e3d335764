/*
 * test_cbpf.c - classic BPF: the opcode table, the checker's refusals (each
 * rule, with the instruction index and message), the interpreter's
 * semantics, equivalence of the eBPF translation with the interpreter on
 * every program and several inputs, the text forms both ways, and seccomp
 * programs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf/cbpf.h"
#include "check.h"

#define ANC(name) ((uint32_t)CBPF_SKF_AD_OFF + CBPF_AD_##name)

static struct bpfvm_vm *vm;

static struct cbpf_insn *parse_asm(const char *text, size_t *n)
{
	struct cbpf_insn *p = NULL;
	struct bpfvm_error err;
	int r = cbpf_asm_parse(text, strlen(text), "t.s", &p, n, &err);
	if (r) {
		char buf[400];
		bpfvm_error__format(&err, buf, sizeof(buf));
		fprintf(stderr, "parse failed: %s\n--\n%s\n", buf, text);
	}
	CHECK(r == 0);
	return p;
}

static void print_line(void *ctx, const char *line)
{
	fprintf(ctx, "%s\n", line);
}

/* Run prog in every engine: the classic interpreter, and the verified
 * translation in the eBPF interpreter and as machine code. Every result
 * must equal cbpf_run()'s, which is returned. */
static uint32_t run_both(const struct cbpf_insn *p, size_t n, enum cbpf_prog_kind kind,
			 const uint8_t *data, size_t len, const struct cbpf_meta *meta)
{
	uint32_t want = cbpf_run(p, n, kind, data, len, meta);
	static const enum cbpf_engine engines[] = { CBPF_ENGINE_CBPF, CBPF_ENGINE_INTERP,
						    CBPF_ENGINE_JIT };
	for (size_t e = 0; e < sizeof(engines) / sizeof(engines[0]); e++) {
		struct bpfvm_error err;
		struct cbpf_filter *f = cbpf_filter_new(vm, p, n, kind, engines[e], false, &err);
		if (!f) {
			char buf[400];
			bpfvm_error__format(&err, buf, sizeof(buf));
			fprintf(stderr, "load (%s): %s\n", cbpf_engine_name(engines[e]), buf);
		}
		CHECK(f);
		if (!f)
			continue;
		CHECK(cbpf_filter_engine(f) == engines[e]);
		if (engines[e] != CBPF_ENGINE_CBPF) /* the translation passed the verifier */
			CHECK(bpfvm_prog__verified(cbpf_filter_prog(f), NULL));
		uint32_t got = 0xdead;
		int r = cbpf_filter_run(f, data, len, meta, &got, &err);
		if (r)
			fprintf(stderr, "run (%s): insn %ld: %s\n", cbpf_engine_name(engines[e]),
				err.insn, err.msg);
		CHECK(r == 0);
		if (got != want) {
			fprintf(stderr, "engine %s: got 0x%x, cbpf_run 0x%x (%zu bytes) on:\n",
				cbpf_engine_name(engines[e]), got, want, len);
			cbpf_asm_print(p, n, print_line, stderr);
		}
		CHECK_EQ_U64(got, want);
		cbpf_filter_free(f);
	}
	return want;
}

static uint32_t run_asm(const char *text, const uint8_t *data, size_t len,
			const struct cbpf_meta *meta)
{
	size_t n;
	struct cbpf_insn *p = parse_asm(text, &n);
	struct bpfvm_error err;
	int r = cbpf_check(p, n, CBPF_SOCKET_FILTER, &err);
	if (r)
		fprintf(stderr, "check: insn %ld: %s\n", err.insn, err.msg);
	CHECK(r == 0);
	uint32_t v = run_both(p, n, CBPF_SOCKET_FILTER, data, len, meta);
	free(p);
	return v;
}

/* Check must refuse text at instruction idx with a message containing msg. */
static void refuse(const char *text, enum cbpf_prog_kind kind, long idx, const char *msg)
{
	size_t n;
	struct cbpf_insn *p = parse_asm(text, &n);
	struct bpfvm_error err;
	CHECK(cbpf_check(p, n, kind, &err) == -EINVAL);
	if (err.insn != idx)
		fprintf(stderr, "'%s': insn %ld, expected %ld (%s)\n", text, err.insn, idx, err.msg);
	CHECK(err.insn == idx);
	CHECK_STR_CONTAINS(err.msg, msg);
	free(p);
}

static void refuse_raw(const struct cbpf_insn *p, size_t n, long idx, const char *msg)
{
	struct bpfvm_error err;
	CHECK(cbpf_check(p, n, CBPF_SOCKET_FILTER, &err) == -EINVAL);
	CHECK(err.insn == idx);
	CHECK_STR_CONTAINS(err.msg, msg);
}

static void test_table(void)
{
	for (unsigned i = 0; i < CBPF__COUNT; i++) {
		CHECK(cbpf_lookup(cbpf_table[i].code) == &cbpf_table[i]);
		for (unsigned j = i + 1; j < CBPF__COUNT; j++)
			CHECK(cbpf_table[i].code != cbpf_table[j].code);
	}
	unsigned known = 0;
	for (unsigned c = 0; c < 0x10000; c++)
		known += cbpf_lookup((uint16_t)c) != NULL;
	CHECK(known == CBPF__COUNT);
	CHECK(cbpf_lookup(0x18) == NULL);   /* LD B IMM: not a classic opcode */
	CHECK(cbpf_lookup(0x0e) == NULL);   /* RET X: bpf_asm has it, the kernel not */
	CHECK(cbpf_anc_lookup("proto", 5) == CBPF_AD_PROTOCOL);
	CHECK(cbpf_anc_lookup("vlan_tpid", 9) == CBPF_AD_VLAN_TPID);
	CHECK(cbpf_anc_lookup("nope", 4) == -1);
}

static void test_check(void)
{
	struct cbpf_insn big[CBPF_MAXINSNS + 1];
	for (size_t i = 0; i < CBPF_MAXINSNS + 1; i++)
		big[i] = (struct cbpf_insn){ cbpf_table[CBPF_RET_K].code, 0, 0, 0 };
	refuse_raw(big, 0, -1, "1 to 4096");
	refuse_raw(big, CBPF_MAXINSNS + 1, -1, "not 4097");
	struct bpfvm_error err;
	CHECK(cbpf_check(big, CBPF_MAXINSNS, CBPF_SOCKET_FILTER, &err) == 0);

	struct cbpf_insn unk[] = { { 0x28, 0, 0, 12 }, { 0x18, 0, 0, 0 }, { 0x06, 0, 0, 0 } };
	refuse_raw(unk, 3, 1, "unknown opcode 0x0018");
	struct cbpf_insn ja[] = { { 0x05, 0, 0, 1 }, { 0x06, 0, 0, 0 } };
	refuse_raw(ja, 2, 0, "past the last instruction");
	struct cbpf_insn jeq[] = { { 0x15, 0, 2, 1 }, { 0x06, 0, 0, 0 }, { 0x06, 0, 0, 1 } };
	refuse_raw(jeq, 3, 0, "jump target 3 is past");
	struct cbpf_insn st[] = { { 0x02, 0, 0, 16 }, { 0x06, 0, 0, 0 } };
	refuse_raw(st, 2, 0, "st M[16]: scratch memory has 16 words");

	refuse("ldh [12]\nld M[3]\nret a", CBPF_SOCKET_FILTER, 1, "ld M[3] reads scratch memory");
	refuse("ldx M[0]\nret a", CBPF_SOCKET_FILTER, 0, "ldx M[0]");
	/* written on one path only */
	refuse("ldh [12]\njeq #1, a, b\na: st M[2]\nb: ld M[2]\nret a", CBPF_SOCKET_FILTER, 3,
	       "not written on every path");
	/* written on both paths: fine */
	size_t n;
	struct cbpf_insn *p = parse_asm("ldh [12]\njeq #1, a, b\na: st M[2]\nja c\n"
					"b: stx M[2]\nc: ld M[2]\nret a", &n);
	CHECK(cbpf_check(p, n, CBPF_SOCKET_FILTER, &err) == 0);
	free(p);
	refuse("div #0\nret a", CBPF_SOCKET_FILTER, 0, "division by constant zero");
	refuse("ld #1\nmod #0\nret a", CBPF_SOCKET_FILTER, 1, "division by constant zero");
	refuse("lsh #32\nret a", CBPF_SOCKET_FILTER, 0, "shift of 32 or more");
	refuse("ldh [12]", CBPF_SOCKET_FILTER, 0, "not ret");
	refuse("ld [-4000]\nret a", CBPF_SOCKET_FILTER, 0, "unknown ancillary load");
	refuse("ld #nla\nret a", CBPF_SOCKET_FILTER, 0, "does not support");
	/* seccomp rules */
	refuse("ldh [0]\nret a", CBPF_SECCOMP, 0, "not allowed in a seccomp filter");
	refuse("ld #0\nld [2]\nret a", CBPF_SECCOMP, 1, "not an aligned 32-bit word");
	refuse("ld [64]\nret a", CBPF_SECCOMP, 0, "struct seccomp_data");
	refuse("ld [x + 0]\nret a", CBPF_SECCOMP, 0, "not allowed");
	refuse("ldxb 4*([0]&0xf)\nret a", CBPF_SECCOMP, 0, "not allowed");
	refuse("ld [0]\nmod #3\nret a", CBPF_SECCOMP, 1, "mod");
	p = parse_asm("ld [0]\nld [60]\nld #len\nldx #len\nret a", &n);
	CHECK(cbpf_check(p, n, CBPF_SECCOMP, &err) == 0);
	free(p);
}

/* Ethernet + IPv4 (IHL 5) + TCP, 64 bytes. */
static const uint8_t pkt[64] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x32, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
	10, 0, 0, 1, 192, 168, 1, 10,
	0x04, 0x00, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x12, 0xff, 0xff, 0, 0, 0, 0,
	0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6,
};

static void test_interp(void)
{
	const struct cbpf_meta none = { 0 };
	/* loads */
	CHECK_EQ_U64(run_asm("ldh [12]\nret a", pkt, 64, NULL), 0x800);
	CHECK_EQ_U64(run_asm("ldb [23]\nret a", pkt, 64, NULL), 6);
	CHECK_EQ_U64(run_asm("ld [26]\nret a", pkt, 64, NULL), 0x0a000001);
	CHECK_EQ_U64(run_asm("ldx #4\nld [x + 26]\nret a", pkt, 64, NULL), 0xc0a8010a);
	CHECK_EQ_U64(run_asm("ldx #1\nldh [x + 11]\nret a", pkt, 64, NULL), 0x800);
	CHECK_EQ_U64(run_asm("ldx #3\nldb [x + 20]\nret a", pkt, 64, NULL), 6);
	CHECK_EQ_U64(run_asm("ldxb 4*([14]&0xf)\ntxa\nret a", pkt, 64, NULL), 20);
	CHECK_EQ_U64(run_asm("ld #7\nldxb 4*([14]&0xf)\nret a", pkt, 64, NULL), 7); /* A kept */
	CHECK_EQ_U64(run_asm("ldxb 4*([14]&0xf)\nldh [x + 16]\nret a", pkt, 64, NULL), 0x50);
	CHECK_EQ_U64(run_asm("ld #len\nret a", pkt, 64, NULL), 64);
	CHECK_EQ_U64(run_asm("ldx #len\ntxa\nret a", pkt, 50, NULL), 50);
	struct cbpf_meta wire = { .len = 1500 };
	CHECK_EQ_U64(run_asm("ld #len\nret a", pkt, 64, &wire), 1500);
	CHECK_EQ_U64(run_asm("ld #5\nldx #len\ntxa\nret a", pkt, 64, &wire), 1500);
	CHECK_EQ_U64(run_asm("ld #5\nldx #len\nret a", pkt, 64, &wire), 5);
	CHECK_EQ_U64(run_asm("ld #0xdeadbeef\nret a", pkt, 64, NULL), 0xdeadbeef);
	CHECK_EQ_U64(run_asm("ldi #42\nret a", pkt, 64, NULL), 42);
	CHECK_EQ_U64(run_asm("ld #9\nst M[15]\nld #1\nld M[15]\nret a", pkt, 64, NULL), 9);
	CHECK_EQ_U64(run_asm("ldx #9\nstx M[0]\nldx M[0]\ntxa\nret a", pkt, 64, NULL), 9);
	CHECK_EQ_U64(run_asm("ret #-1", pkt, 64, NULL), 0xffffffff);
	CHECK_EQ_U64(run_asm("ret #0", pkt, 64, NULL), 0);
	/* out of bounds: the program ends with 0 */
	CHECK_EQ_U64(run_asm("ld [61]\nret #1", pkt, 64, NULL), 0);
	CHECK_EQ_U64(run_asm("ld [60]\nret #1", pkt, 64, NULL), 1);
	CHECK_EQ_U64(run_asm("ldh [63]\nret #1", pkt, 64, NULL), 0);
	CHECK_EQ_U64(run_asm("ldb [64]\nret #1", pkt, 64, NULL), 0);
	CHECK_EQ_U64(run_asm("ldb [63]\nret #1", pkt, 64, NULL), 1);
	CHECK_EQ_U64(run_asm("ldx #60\nld [x + 1]\nret #1", pkt, 64, NULL), 0);
	CHECK_EQ_U64(run_asm("ldx #0xffffffff\nldb [x + 0]\nret #1", pkt, 64, NULL), 0);
	CHECK_EQ_U64(run_asm("ldx #0xffffffff\nldb [x + 1]\nret #1", pkt, 64, NULL), 1);
	CHECK_EQ_U64(run_asm("ldxb 4*([64]&0xf)\nret #1", pkt, 64, NULL), 0);
	CHECK_EQ_U64(run_asm("ld [0]\nret #1", NULL, 0, NULL), 0);
	CHECK_EQ_U64(run_asm("ld [-2000000]\nret #1", pkt, 64, NULL), 0);
	/* ALU */
	CHECK_EQ_U64(run_asm("ld #5\nadd #3\nret a", pkt, 64, NULL), 8);
	CHECK_EQ_U64(run_asm("ld #5\nsub #7\nret a", pkt, 64, NULL), 0xfffffffe);
	CHECK_EQ_U64(run_asm("ld #0x10000\nmul #0x10000\nret a", pkt, 64, NULL), 0);
	CHECK_EQ_U64(run_asm("ld #100\ndiv #7\nret a", pkt, 64, NULL), 14);
	CHECK_EQ_U64(run_asm("ld #-1\ndiv #2\nret a", pkt, 64, NULL), 0x7fffffff);
	CHECK_EQ_U64(run_asm("ld #100\nmod #7\nret a", pkt, 64, NULL), 2);
	CHECK_EQ_U64(run_asm("ld #0xf0\nor #0x0f\nret a", pkt, 64, NULL), 0xff);
	CHECK_EQ_U64(run_asm("ld #0xf0\nand #0x3c\nret a", pkt, 64, NULL), 0x30);
	CHECK_EQ_U64(run_asm("ld #0xf0\nxor #0xff\nret a", pkt, 64, NULL), 0x0f);
	CHECK_EQ_U64(run_asm("ld #1\nlsh #31\nret a", pkt, 64, NULL), 0x80000000);
	CHECK_EQ_U64(run_asm("ld #-1\nrsh #28\nret a", pkt, 64, NULL), 0xf);
	CHECK_EQ_U64(run_asm("ld #1\nneg\nret a", pkt, 64, NULL), 0xffffffff);
	CHECK_EQ_U64(run_asm("ldx #3\nld #5\nadd x\nret a", pkt, 64, NULL), 8);
	CHECK_EQ_U64(run_asm("ldx #3\nld #5\nsub %x\nret a", pkt, 64, NULL), 2);
	CHECK_EQ_U64(run_asm("ldx #3\nld #5\nmul x\nret a", pkt, 64, NULL), 15);
	CHECK_EQ_U64(run_asm("ldx #3\nld #10\ndiv x\nret a", pkt, 64, NULL), 3);
	CHECK_EQ_U64(run_asm("ldx #3\nld #10\nmod x\nret a", pkt, 64, NULL), 1);
	CHECK_EQ_U64(run_asm("ldx #3\nld #10\nor x\nret a", pkt, 64, NULL), 11);
	CHECK_EQ_U64(run_asm("ldx #3\nld #10\nand x\nret a", pkt, 64, NULL), 2);
	CHECK_EQ_U64(run_asm("ldx #3\nld #10\nxor x\nret a", pkt, 64, NULL), 9);
	CHECK_EQ_U64(run_asm("ldx #3\nld #1\nlsh x\nret a", pkt, 64, NULL), 8);
	CHECK_EQ_U64(run_asm("ldx #3\nld #64\nrsh x\nret a", pkt, 64, NULL), 8);
	CHECK_EQ_U64(run_asm("ldx #33\nld #1\nlsh x\nret a", pkt, 64, NULL), 2);
	/* division by a zero X ends the program with 0 */
	CHECK_EQ_U64(run_asm("ld #10\ndiv x\nret #5", pkt, 64, NULL), 0);
	CHECK_EQ_U64(run_asm("ld #10\nmod x\nret #5", pkt, 64, NULL), 0);
	CHECK_EQ_U64(run_asm("ldx #0\nld #10\ndiv x\nret #5", pkt, 64, &none), 0);
	/* jumps */
	const char *jprog = "ldh [12]\njeq #0x800, v4, other\nv4: ldb [23]\n"
			    "jeq #6, tcp\nret #1\ntcp: ret #2\nother: ret #3";
	CHECK_EQ_U64(run_asm(jprog, pkt, 64, NULL), 2);
	uint8_t p2[64];
	memcpy(p2, pkt, 64);
	p2[23] = 17;
	CHECK_EQ_U64(run_asm(jprog, p2, 64, NULL), 1);
	p2[12] = 0x86;
	CHECK_EQ_U64(run_asm(jprog, p2, 64, NULL), 3);
	CHECK_EQ_U64(run_asm("ld #5\njgt #4, a, b\na: ret #1\nb: ret #0", pkt, 64, NULL), 1);
	CHECK_EQ_U64(run_asm("ld #4\njgt #4, a, b\na: ret #1\nb: ret #0", pkt, 64, NULL), 0);
	CHECK_EQ_U64(run_asm("ld #4\njge #4, a, b\na: ret #1\nb: ret #0", pkt, 64, NULL), 1);
	CHECK_EQ_U64(run_asm("ld #6\njset #2, a, b\na: ret #1\nb: ret #0", pkt, 64, NULL), 1);
	CHECK_EQ_U64(run_asm("ld #5\njset #2, a, b\na: ret #1\nb: ret #0", pkt, 64, NULL), 0);
	CHECK_EQ_U64(run_asm("ld #-1\njgt #1, a, b\na: ret #1\nb: ret #0", pkt, 64, NULL), 1);
	CHECK_EQ_U64(run_asm("ldx #5\nld #5\njeq x, a, b\na: ret #1\nb: ret #0", pkt, 64, NULL), 1);
	CHECK_EQ_U64(run_asm("ldx #6\nld #5\njgt x, a, b\na: ret #1\nb: ret #0", pkt, 64, NULL), 0);
	CHECK_EQ_U64(run_asm("ldx #5\nld #5\njge x, a, b\na: ret #1\nb: ret #0", pkt, 64, NULL), 1);
	CHECK_EQ_U64(run_asm("ldx #4\nld #5\njset x, a, b\na: ret #1\nb: ret #0", pkt, 64, NULL), 1);
	CHECK_EQ_U64(run_asm("ld #5\njne #5, a\nret #1\na: ret #0", pkt, 64, NULL), 1);
	CHECK_EQ_U64(run_asm("ld #4\njlt #5, a, b\na: ret #1\nb: ret #0", pkt, 64, NULL), 1);
	CHECK_EQ_U64(run_asm("ld #5\njle #5, a, b\na: ret #1\nb: ret #0", pkt, 64, NULL), 1);
	CHECK_EQ_U64(run_asm("ld #6\njle #5, a, b\na: ret #1\nb: ret #0", pkt, 64, NULL), 0);
	CHECK_EQ_U64(run_asm("jmp x\nret #1\nx: ret #2", pkt, 64, NULL), 2);
	CHECK_EQ_U64(run_asm("ja x\nret #1\nx: ret #2", pkt, 64, NULL), 2);
	CHECK_EQ_U64(run_asm("ld #7\ntax\nld #1\ntxa\nret a", pkt, 64, NULL), 7);
	/* ancillary loads */
	struct cbpf_meta m = { .protocol = 0x0800, .pkttype = 3, .ifindex = 7, .mark = 0x55,
			       .queue = 2, .hatype = 1, .rxhash = 0xabcd, .cpu = 3,
			       .vlan_tci = 100, .vlan_present = true, .vlan_tpid = 0x8100,
			       .random = 0x1234 };
	CHECK_EQ_U64(run_asm("ld #proto\nret a", pkt, 64, &m), 0x0800);
	CHECK_EQ_U64(run_asm("ld #type\nret a", pkt, 64, &m), 3);
	CHECK_EQ_U64(run_asm("ld #ifidx\nret a", pkt, 64, &m), 7);
	CHECK_EQ_U64(run_asm("ld #mark\nret a", pkt, 64, &m), 0x55);
	CHECK_EQ_U64(run_asm("ld #queue\nret a", pkt, 64, &m), 2);
	CHECK_EQ_U64(run_asm("ld #hatype\nret a", pkt, 64, &m), 1);
	CHECK_EQ_U64(run_asm("ld #rxhash\nret a", pkt, 64, &m), 0xabcd);
	CHECK_EQ_U64(run_asm("ld #cpu\nret a", pkt, 64, &m), 3);
	CHECK_EQ_U64(run_asm("ld #vlan_tci\nret a", pkt, 64, &m), 100);
	CHECK_EQ_U64(run_asm("ld #vlan_avail\nret a", pkt, 64, &m), 1);
	CHECK_EQ_U64(run_asm("ld #vlan_tpid\nret a", pkt, 64, &m), 0x8100);
	CHECK_EQ_U64(run_asm("ld #rand\nret a", pkt, 64, &m), 0x1234);
	CHECK_EQ_U64(run_asm("ldh #proto\nret a", pkt, 64, &m), 0x0800);
	CHECK_EQ_U64(run_asm("ld #proto\nret a", pkt, 64, NULL), 0);
	CHECK_EQ_U64(run_asm("ldx #3\nld #5\nld #xor_x\nret a", pkt, 64, &m), 6);
	/* registers survive the helper call */
	CHECK_EQ_U64(run_asm("ldx #9\nld #proto\ntxa\nret a", pkt, 64, &m), 9);
	CHECK_EQ_U64(run_asm("ld #9\nst M[4]\nld #mark\nld M[4]\nret a", pkt, 64, &m), 9);
}

/* A classic program of every form, used for equivalence and round trips. */
static const char *const corpus[] = {
	"ldh [12]\njeq #0x800, ip, drop\nip: ldb [23]\njeq #6, tcp, drop\n"
	"tcp: ldh [20]\njset #0x1fff, drop, frag\nfrag: ldxb 4*([14]&0xf)\n"
	"ldh [x + 14]\njeq #0x400, ok\nldh [x + 16]\njeq #80, ok, drop\n"
	"ok: ret #262144\ndrop: ret #0",
	"ld #len\nst M[0]\nld [0]\nadd #1\nsub #2\nmul #3\ndiv #4\nmod #5\nand #0xff\n"
	"or #0x100\nxor #3\nlsh #2\nrsh #1\nneg\ntax\nld M[0]\nadd x\nsub x\nmul x\n"
	"jeq #0, z\ndiv x\nmod x\nand x\nor x\nxor x\nlsh x\nrsh x\nz: ret a",
	"ld [2]\njgt #0x10000, a, b\na: ldx #4\njge x, c, b\nc: jset #1, b, d\n"
	"d: ret #1\nb: ret #2",
	"ldx #len\ntxa\nsub #20\ntax\nldb [x + 0]\nstx M[3]\nldx M[3]\ntxa\nret a",
	"ld #proto\njeq #0x800, a\nld #vlan_avail\njeq #1, b, c\na: ret #10\nb: ld #vlan_tci\n"
	"ret a\nc: ld #rand\nld #mark\nadd #1\nret a",
	/* only the false edge jumps: inverted jumps, and JSET which has none */
	"ld [12]\nldx #3\njset #0x10, n, z\nn: jset x, m, z\nm: jeq #5, o, z\n"
	"o: jgt x, p, z\np: jge #9, q, z\nq: ret #1\nz: ret #0",
	"ldxb 4*([14]&0xf)\nld [x + 20]\njeq x, a, b\na: ret #-1\nb: ld #len\njgt #40, c, d\n"
	"c: ret a\nd: ret #0",
};

static void test_equivalence(void)
{
	uint8_t pkts[6][80];
	size_t lens[6] = { 64, 80, 40, 14, 0, 60 };
	struct cbpf_meta metas[3] = { { 0 }, { .protocol = 0x800, .mark = 4 },
				      { .vlan_present = 1, .vlan_tci = 7, .random = 99, .len = 900 } };
	for (int i = 0; i < 6; i++)
		for (int b = 0; b < 80; b++)
			pkts[i][b] = (uint8_t)(i == 0 ? (b < 64 ? pkt[b] : 0) : (b * 37 + i * 11));
	memcpy(pkts[1], pkt, 64);
	pkts[1][14] = 0x46;
	pkts[5][14] = 0x4f;
	unsigned runs = 0;
	for (size_t c = 0; c < sizeof(corpus) / sizeof(corpus[0]); c++) {
		size_t n;
		struct cbpf_insn *p = parse_asm(corpus[c], &n);
		struct bpfvm_error err;
		CHECK(cbpf_check(p, n, CBPF_SOCKET_FILTER, &err) == 0);
		for (int i = 0; i < 6; i++)
			for (int mi = 0; mi < 3; mi++, runs++)
				run_both(p, n, CBPF_SOCKET_FILTER, pkts[i], lens[i], &metas[mi]);
		free(p);
	}
	printf("equivalence: %u runs of %zu programs\n", runs, sizeof(corpus) / sizeof(corpus[0]));
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rng(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11) % n;
}

/*
 * Random programs from the table: every opcode, operands in the ranges the
 * checker allows. Those that pass the checker must give the same result in
 * the interpreter and the translation, on packets of several lengths.
 */
static void test_random(void)
{
	static const uint32_t ks[] = { 0, 1, 2, 3, 12, 14, 20, 23, 31, 40, 63, 64, 100,
				       0x7fffffff, 0x80000000, 0xffffffff, 0xfffff000 };
	uint8_t data[128];
	for (int i = 0; i < 128; i++)
		data[i] = (uint8_t)rng(256);
	/* every ancillary value distinct: a load of the wrong field shows */
	struct cbpf_meta meta = { .protocol = 0x86dd, .pkttype = 3, .ifindex = 7, .mark = 0x80000003,
				  .queue = 9, .hatype = 772, .rxhash = 0xdeadbeef, .cpu = 1,
				  .vlan_tci = 0xe064, .vlan_present = 1, .vlan_tpid = 0x88a8,
				  .random = 5 };
	unsigned checked = 0, refused = 0;
	for (int iter = 0; iter < 3000; iter++) {
		struct cbpf_insn p[24];
		size_t n = 2 + rng(22);
		for (size_t pc = 0; pc + 1 < n; pc++) {
			const struct cbpf_desc *d = &cbpf_table[rng(CBPF__COUNT)];
			struct cbpf_insn in = { .code = d->code, .k = ks[rng(17)] };
			switch (d->kind) {
			case CBPF_K_LD_MEM: case CBPF_K_LDX_MEM: case CBPF_K_ST: case CBPF_K_STX:
				in.k = rng(CBPF_MEMWORDS);
				break;
			case CBPF_K_LD_ABS:
				in.k = rng(4) ? rng(130) : (uint32_t)CBPF_SKF_AD_OFF + 4 * rng(16);
				break;
			case CBPF_K_LD_IND: case CBPF_K_LDX_MSH:
				in.k = rng(4) ? rng(130) : ks[rng(17)];
				break;
			case CBPF_K_ALU_K:
				if (d->op == CBPF_OP_LSH || d->op == CBPF_OP_RSH)
					in.k = rng(32);
				else if (d->op == CBPF_OP_DIV || d->op == CBPF_OP_MOD)
					in.k = 1 + rng(1000);
				break;
			case CBPF_K_JA:
				in.k = rng((uint32_t)(n - pc - 1));
				break;
			case CBPF_K_JMP_K: case CBPF_K_JMP_X:
				in.jt = (uint8_t)rng((uint32_t)(n - pc - 1));
				in.jf = (uint8_t)rng((uint32_t)(n - pc - 1));
				in.k = rng(2) ? rng(300) : ks[rng(17)];
				break;
			case CBPF_K_LD_IMM: case CBPF_K_LDX_IMM:
				in.k = rng(2) ? rng(130) : ks[rng(17)];
				break;
			default:
				break;
			}
			p[pc] = in;
		}
		p[n - 1] = (struct cbpf_insn){ cbpf_table[rng(2) ? CBPF_RET_A : CBPF_RET_K].code,
					       0, 0, rng(3) };
		struct bpfvm_error err;
		if (cbpf_check(p, n, CBPF_SOCKET_FILTER, &err)) {
			refused++;
			continue;
		}
		checked++;
		static const size_t lens[] = { 0, 1, 14, 34, 64, 128 };
		for (size_t l = 0; l < 6; l++)
			run_both(p, n, CBPF_SOCKET_FILTER, data, lens[l], &meta);
	}
	printf("random programs: %u run in all three engines, %u refused by the checker\n", checked,
	       refused);
	CHECK(checked > 500);
}

struct strbuf {
	char s[8192];
	size_t n;
};

static void collect(void *ctx, const char *line)
{
	struct strbuf *b = ctx;
	b->n += (size_t)snprintf(b->s + b->n, sizeof(b->s) - b->n, "%s\n", line);
}

static void same_prog(const struct cbpf_insn *a, size_t na, const struct cbpf_insn *b, size_t nb)
{
	CHECK(na == nb);
	for (size_t i = 0; i < na; i++) {
		if (memcmp(&a[i], &b[i], sizeof(a[i])))
			fprintf(stderr, "insn %zu: %04x %u %u %x vs %04x %u %u %x\n", i, a[i].code,
				a[i].jt, a[i].jf, a[i].k, b[i].code, b[i].jt, b[i].jf, b[i].k);
		CHECK(!memcmp(&a[i], &b[i], sizeof(a[i])));
	}
}

static void test_text(void)
{
	for (size_t c = 0; c < sizeof(corpus) / sizeof(corpus[0]); c++) {
		size_t n, n2;
		struct cbpf_insn *p = parse_asm(corpus[c], &n), *q;
		struct bpfvm_error err;
		struct strbuf b = { .n = 0 };
		/* bpf_asm */
		cbpf_asm_print(p, n, collect, &b);
		CHECK(cbpf_asm_parse(b.s, b.n, "x", &q, &n2, &err) == 0);
		same_prog(p, n, q, n2);
		free(q);
		/* tcpdump -d */
		b.n = 0;
		cbpf_tcpdump_print(p, n, collect, &b);
		CHECK(cbpf_tcpdump_parse(b.s, b.n, "x", &q, &n2, &err) == 0);
		same_prog(p, n, q, n2);
		free(q);
		CHECK(cbpf_parse_any(b.s, b.n, "x", &q, &n2, &err) == 0);
		same_prog(p, n, q, n2);
		free(q);
		/* -ddd */
		b.n = 0;
		cbpf_ddd_print(p, n, collect, &b);
		CHECK(cbpf_ddd_parse(b.s, b.n, "x", &q, &n2, &err) == 0);
		same_prog(p, n, q, n2);
		free(q);
		CHECK(cbpf_parse_any(b.s, b.n, "x", &q, &n2, &err) == 0);
		same_prog(p, n, q, n2);
		free(q);
		/* raw */
		uint8_t raw[8 * 64];
		CHECK(n <= 64);
		cbpf_raw_write(p, n, raw);
		CHECK(cbpf_raw_parse(raw, 8 * n, &q, &n2, &err) == 0);
		same_prog(p, n, q, n2);
		free(q);
		CHECK(cbpf_parse_any((const char *)raw, 8 * n, "x", &q, &n2, &err) == 0);
		same_prog(p, n, q, n2);
		free(q);
		free(p);
	}
	/* the exact tcpdump -d text of `tcp port 80`'s first lines */
	struct cbpf_insn tp[] = { { 0x28, 0, 0, 12 }, { 0x15, 0, 6, 0x86dd }, { 0x30, 0, 0, 20 },
				  { 0xb1, 0, 0, 14 }, { 0x48, 0, 0, 14 }, { 0x05, 0, 0, 1 },
				  { 0x06, 0, 0, 262144 }, { 0x16, 0, 0, 0 } };
	struct strbuf b = { .n = 0 };
	cbpf_tcpdump_print(tp, 8, collect, &b);
	CHECK(!strcmp(b.s, "(000) ldh      [12]\n"
			   "(001) jeq      #0x86dd          jt 2\tjf 8\n"
			   "(002) ldb      [20]\n"
			   "(003) ldxb     4*([14]&0xf)\n"
			   "(004) ldh      [x + 14]\n"
			   "(005) ja       7\n"
			   "(006) ret      #262144\n"
			   "(007) ret      \n"));
	b.n = 0;
	cbpf_asm_print(tp, 8, collect, &b);
	CHECK_STR_CONTAINS(b.s, "\tjeq #0x86dd, L2, L8\n");
	CHECK_STR_CONTAINS(b.s, "\tja L7\n\tret #262144\nL7:\n\tret a\n");
	b.n = 0;
	cbpf_ddd_print(tp, 2, collect, &b);
	CHECK(!strcmp(b.s, "2\n40 0 0 12\n21 0 6 34525\n"));
	b.n = 0;
	cbpf_dd_print(tp, 1, collect, &b);
	CHECK(!strcmp(b.s, "{ 0x28, 0, 0, 0x0000000c },\n"));

	/* parse errors name line:column */
	struct { const char *text; int line, col; const char *msg; } bad[] = {
		{ "ldh [12]\n  frob #1\nret a", 2, 3, "unknown instruction 'frob'" },
		{ "ldh [12]\nldh [x + ]\nret a", 2, 10, "bad operand for ldh" },
		{ "jeq #1, nowhere, x\nx: ret a", 1, 5, "undefined label 'nowhere'" },
		{ "x: ld #1\njeq #1, x, y\ny: ret a", 2, 5, "classic jumps go forward" },
		{ "x: ret #1\nx: ret #2", 2, 1, "defined twice" },
		{ "ret #99999999999", 1, 6, "bad operand" },
		{ "; only a comment\n", 1, 1, "no instructions" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cbpf_insn *q = NULL;
		size_t n2;
		struct bpfvm_error err;
		CHECK(cbpf_asm_parse(bad[i].text, strlen(bad[i].text), "f.s", &q, &n2, &err) ==
		      -EINVAL);
		if (err.line != bad[i].line || err.column != bad[i].col)
			fprintf(stderr, "%s: %d:%d %s\n", bad[i].text, err.line, err.column, err.msg);
		CHECK(err.line == bad[i].line && err.column == bad[i].col);
		CHECK_STR_CONTAINS(err.msg, bad[i].msg);
		CHECK(!strcmp(err.file, "f.s"));
		CHECK(q == NULL);
	}
	struct { const char *text; int line, col; const char *msg; } badd[] = {
		{ "2\n40 0 0 12\n6 0 0", 3, 6, "expected k" },
		{ "3\n40 0 0 12\n6 0 0 0\n", 3, 1, "says 3 instructions, found 2" },
		{ "1\n6 0 0 0 7\n", 2, 9, "unexpected text" },
		{ "x\n", 1, 1, "instruction count" },
		{ "1\n65536 0 0 0\n", 2, 1, "16 bits" },
	};
	for (size_t i = 0; i < sizeof(badd) / sizeof(badd[0]); i++) {
		struct cbpf_insn *q = NULL;
		size_t n2;
		struct bpfvm_error err;
		CHECK(cbpf_ddd_parse(badd[i].text, strlen(badd[i].text), "p.ddd", &q, &n2, &err) ==
		      -EINVAL);
		if (err.line != badd[i].line || err.column != badd[i].col)
			fprintf(stderr, "%s: %d:%d %s\n", badd[i].text, err.line, err.column, err.msg);
		CHECK(err.line == badd[i].line && err.column == badd[i].col);
		CHECK_STR_CONTAINS(err.msg, badd[i].msg);
	}
	struct cbpf_insn *q = NULL;
	size_t n2;
	struct bpfvm_error err;
	const char *badtd = "(000) ldh      [12]\n(002) ret      #0\n";
	CHECK(cbpf_tcpdump_parse(badtd, strlen(badtd), "d", &q, &n2, &err) == -EINVAL);
	CHECK(err.line == 2);
	CHECK_STR_CONTAINS(err.msg, "expected '(001)'");
	uint8_t raw7[7] = { 0 };
	CHECK(cbpf_raw_parse(raw7, 7, &q, &n2, &err) == -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "multiple of 8");
}

/*
 * The spellings of the kernel's bpf_asm (tools/bpf/bpf_exp.l and .y,
 * Documentation/networking/filter.rst): each line must assemble to the
 * instruction bpf_asm makes of it, and print back as text that assembles
 * to the same instruction.
 */
static void test_asm_syntax(void)
{
	static const struct {
		const char *text;
		struct cbpf_insn want;
	} forms[] = {
		{ "ld [12]", { 0x20, 0, 0, 12 } },
		{ "ldh [12]", { 0x28, 0, 0, 12 } },
		{ "ldb [x + 14]", { 0x50, 0, 0, 14 } },
		{ "ldh [%x + 14]", { 0x48, 0, 0, 14 } },
		{ "ld #len", { 0x80, 0, 0, 0 } },
		{ "ld len", { 0x80, 0, 0, 0 } },
		{ "ldx #len", { 0x81, 0, 0, 0 } },
		{ "ldx len", { 0x81, 0, 0, 0 } },
		{ "ld #0x800", { 0x00, 0, 0, 0x800 } },
		{ "ldi #5", { 0x00, 0, 0, 5 } },
		{ "ldi 5", { 0x00, 0, 0, 5 } },
		{ "ldxi 7", { 0x01, 0, 0, 7 } },
		{ "ldx #-1", { 0x01, 0, 0, 0xffffffff } },
		{ "ld M[1]", { 0x60, 0, 0, 1 } },
		{ "ldx M[15]", { 0x61, 0, 0, 15 } },
		{ "st M[3]", { 0x02, 0, 0, 3 } },
		{ "stx M[4]", { 0x03, 0, 0, 4 } },
		{ "ldx 4*([14]&0xf)", { 0xb1, 0, 0, 14 } },
		{ "ldxb 4 * ([14] & 0xf)", { 0xb1, 0, 0, 14 } },
		{ "ld #proto", { 0x20, 0, 0, ANC(PROTOCOL) } },
		{ "ld proto", { 0x20, 0, 0, ANC(PROTOCOL) } },
		{ "ld #type", { 0x20, 0, 0, ANC(PKTTYPE) } },
		{ "ld ifidx", { 0x20, 0, 0, ANC(IFINDEX) } },
		{ "ld #mark", { 0x20, 0, 0, ANC(MARK) } },
		{ "ld queue", { 0x20, 0, 0, ANC(QUEUE) } },
		{ "ld #hatype", { 0x20, 0, 0, ANC(HATYPE) } },
		{ "ld rxhash", { 0x20, 0, 0, ANC(RXHASH) } },
		{ "ld #cpu", { 0x20, 0, 0, ANC(CPU) } },
		{ "ld vlan_tci", { 0x20, 0, 0, ANC(VLAN_TAG) } },
		{ "ldh #vlan_tci", { 0x28, 0, 0, ANC(VLAN_TAG) } },
		{ "ld #vlan_avail", { 0x20, 0, 0, ANC(VLAN_TAG_PRESENT) } },
		{ "ld vlan_pr", { 0x20, 0, 0, ANC(VLAN_TAG_PRESENT) } },
		{ "ld #vlan_tpid", { 0x20, 0, 0, ANC(VLAN_TPID) } },
		{ "ldb #rand", { 0x30, 0, 0, ANC(RANDOM) } },
		{ "ld #xor_x", { 0x20, 0, 0, ANC(ALU_XOR_X) } },
		{ "add #4", { 0x04, 0, 0, 4 } },
		{ "sub x", { 0x1c, 0, 0, 0 } },
		{ "mul %x", { 0x2c, 0, 0, 0 } },
		{ "div #3", { 0x34, 0, 0, 3 } },
		{ "mod %x", { 0x9c, 0, 0, 0 } },
		{ "and #0xff", { 0x54, 0, 0, 0xff } },
		{ "or x", { 0x4c, 0, 0, 0 } },
		{ "xor #0b101", { 0xa4, 0, 0, 5 } },
		{ "lsh #2", { 0x64, 0, 0, 2 } },
		{ "rsh %x", { 0x7c, 0, 0, 0 } },
		{ "neg", { 0x84, 0, 0, 0 } },
		{ "tax", { 0x07, 0, 0, 0 } },
		{ "txa", { 0x87, 0, 0, 0 } },
		{ "ret #-1", { 0x06, 0, 0, 0xffffffff } },
		{ "ret #010", { 0x06, 0, 0, 8 } },
		{ "ret a", { 0x16, 0, 0, 0 } },
		{ "ret %a", { 0x16, 0, 0, 0 } },
		{ "RET #1", { 0x06, 0, 0, 1 } },
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		size_t n, n2;
		struct cbpf_insn *p = parse_asm(forms[i].text, &n), *q;
		struct bpfvm_error err;
		if (n != 1 || memcmp(p, &forms[i].want, sizeof(*p)))
			fprintf(stderr, "'%s' -> 0x%02x %u %u 0x%x\n", forms[i].text, p[0].code,
				p[0].jt, p[0].jf, p[0].k);
		CHECK(n == 1 && !memcmp(p, &forms[i].want, sizeof(*p)));
		char text[64];
		CHECK(cbpf_asm_insn(p, n, 0, text, sizeof(text)) == 0);
		CHECK(cbpf_asm_parse(text, strlen(text), "rt.s", &q, &n2, &err) == 0);
		same_prog(p, n, q, n2);
		free(q);
		free(p);
	}
	/* jumps: the one-target forms, the negated ones (targets swapped), x */
	const char *jumps = "# bpf_asm comment line\n"
			    "jeq #1, a1, b1\n"   /* 0 */
			    "a1: jeq x, b1\n"    /* 1 */
			    "jeq %x, b1, a2\n"   /* 2 */
			    "a2: jneq #2, b1\n"  /* 3: jeq #2 with jf = b1 */
			    "jne x, b1\n"        /* 4 */
			    "jlt #3, b1\n"       /* 5: jge #3 with jf = b1 */
			    "jle %x, b1\n"       /* 6: jgt x with jf = b1 */
			    "jgt #4, b1, b1\n"   /* 7 */
			    "/* a block comment\n   over two lines */ jge x, b1\n" /* 8 */
			    "jset #0x10, b1, b1\n" /* 9 */
			    "jset %x, b1\n"      /* 10 */
			    "jmp b1\n"           /* 11 */
			    "ja b1\n"            /* 12 */
			    "b1: ret #0\n";      /* 13 */
	static const struct cbpf_insn want[] = {
		{ 0x15, 0, 12, 1 }, { 0x1d, 11, 0, 0 }, { 0x1d, 10, 0, 0 }, { 0x15, 0, 9, 2 },
		{ 0x1d, 0, 8, 0 },  { 0x35, 0, 7, 3 },  { 0x2d, 0, 6, 0 },  { 0x25, 5, 5, 4 },
		{ 0x3d, 4, 0, 0 },  { 0x45, 3, 3, 0x10 }, { 0x4d, 2, 0, 0 }, { 0x05, 0, 0, 1 },
		{ 0x05, 0, 0, 0 },  { 0x06, 0, 0, 0 },
	};
	size_t n;
	struct cbpf_insn *p = parse_asm(jumps, &n);
	same_prog(want, sizeof(want) / sizeof(want[0]), p, n);
	/* and back: bpf_asm text of it assembles to the same program */
	struct strbuf b = { .n = 0 };
	cbpf_asm_print(p, n, collect, &b);
	struct cbpf_insn *q;
	size_t n2;
	struct bpfvm_error err;
	CHECK(cbpf_asm_parse(b.s, b.n, "rt.s", &q, &n2, &err) == 0);
	same_prog(p, n, q, n2);
	free(q);
	free(p);

	/* bpf_asm's ret x is BPF_RET|BPF_X, which the kernel refuses: say so */
	static const struct { const char *text; int line, col; const char *msg; } bad[] = {
		{ "ld #1\nret x", 2, 5, "BPF_RET|BPF_X (0x0e) is refused by the kernel" },
		{ "ret %x", 1, 5, "use txa, then ret a" },
		{ "ld #1\n/* open\nret a", 2, 1, "unterminated /* comment" },
		{ "ld #nosuch\nret a", 1, 5, "bad operand for ld" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		q = NULL;
		CHECK(cbpf_asm_parse(bad[i].text, strlen(bad[i].text), "f.s", &q, &n2, &err) ==
		      -EINVAL);
		if (err.line != bad[i].line || err.column != bad[i].col)
			fprintf(stderr, "%s: %d:%d %s\n", bad[i].text, err.line, err.column, err.msg);
		CHECK(err.line == bad[i].line && err.column == bad[i].col);
		CHECK_STR_CONTAINS(err.msg, bad[i].msg);
		CHECK(q == NULL);
	}
}

static uint32_t run_sc(const char *text, int nr, uint32_t arch, uint64_t a0, uint64_t a1)
{
	size_t n;
	struct cbpf_insn *p = parse_asm(text, &n);
	struct bpfvm_error err;
	CHECK(cbpf_check(p, n, CBPF_SECCOMP, &err) == 0);
	struct cbpf_seccomp_data sd = { .nr = nr, .arch = arch, .instruction_pointer = 0x401000,
					.args = { a0, a1 } };
	uint32_t r = run_both(p, n, CBPF_SECCOMP, (const uint8_t *)&sd, sizeof(sd), NULL);
	free(p);
	return r;
}

static void test_seccomp(void)
{
	const uint32_t x86_64 = cbpf_seccomp_arch("x86_64");
	CHECK(x86_64 == 0xc000003e);
	CHECK(cbpf_seccomp_arch("aarch64") == 0xc00000b7);
	CHECK(cbpf_seccomp_arch("vax") == 0);
	CHECK(!strcmp(cbpf_seccomp_arch_name(0x40000003), "i386"));
	CHECK(cbpf_seccomp_syscall_x86_64("getppid") == 110);
	CHECK(cbpf_seccomp_syscall_x86_64("nope") == -1);
	const char *policy =
		"ld [4]                 ; arch\n"
		"jne #0xc000003e, kill\n"
		"ld [0]                 ; nr\n"
		"jeq #110, eperm        ; getppid\n"
		"jeq #1, write\n"
		"jeq #62, trap          ; kill\n"
		"ret #0x7fff0000        ; ALLOW\n"
		"write: ld [16]         ; args[0] low word\n"
		"jeq #2, stderr, log\n"
		"stderr: ld [20]\n"
		"jeq #0, allow, log\n"
		"allow: ret #0x7fff0000\n"
		"log: ret #0x7ffc0000\n"
		"eperm: ret #0x00050001\n"
		"trap: ld #len\nadd #0x00030000\nret a\n"
		"kill: ret #0x80000000\n";
	CHECK_EQ_U64(run_sc(policy, 110, x86_64, 0, 0), 0x00050001);
	CHECK_EQ_U64(run_sc(policy, 39, x86_64, 0, 0), 0x7fff0000);
	CHECK_EQ_U64(run_sc(policy, 1, x86_64, 2, 0), 0x7fff0000);
	CHECK_EQ_U64(run_sc(policy, 1, x86_64, 1, 0), 0x7ffc0000);
	CHECK_EQ_U64(run_sc(policy, 1, x86_64, 0x100000002ull, 0), 0x7ffc0000);
	CHECK_EQ_U64(run_sc(policy, 62, x86_64, 0, 0), 0x00030040);
	CHECK_EQ_U64(run_sc(policy, 110, 0x40000003, 0, 0), 0x80000000);
	CHECK_EQ_U64(run_sc("ld [8]\nret a", 0, x86_64, 0, 0), 0x401000); /* ip, low word */
	CHECK_EQ_U64(run_sc("ld [28]\nret a", 0, x86_64, 0, 0x500000000ull), 5);

	char buf[64];
	struct { uint32_t ret; const char *text; } acts[] = {
		{ 0x7fff0000, "ALLOW" },       { 0x00050001, "ERRNO(1)" },
		{ 0x80000000, "KILL_PROCESS" }, { 0x00000000, "KILL_THREAD" },
		{ 0x00030007, "TRAP(7)" },     { 0x7ff00005, "TRACE(5)" },
		{ 0x7ffc0000, "LOG" },         { 0x7fc00000, "USER_NOTIF" },
		{ 0x12340000, "KILL_PROCESS" },
	};
	for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
		cbpf_seccomp_action_format(acts[i].ret, buf, sizeof(buf));
		CHECK(!strcmp(buf, acts[i].text));
	}
	CHECK(!strcmp(cbpf_seccomp_action_name(0x00050001), "ERRNO"));
}

int main(void)
{
	BPFVM_OPTS(bpfvm_vm_opts, vopts, .nr_cpus = 1);
	vm = bpfvm_vm__new(&vopts);
	CHECK(vm);
	CHECK(cbpf_add_helpers(vm) == 0);
	test_table();
	test_check();
	test_interp();
	test_equivalence();
	test_random();
	test_text();
	test_asm_syntax();
	test_seccomp();
	bpfvm_vm__free(vm);
	CHECK_DONE();
}
