/*
 * test_asm_roundtrip.c - the disassembler, and text round trips.
 *
 * - Every ISA table row: both templates are well-formed and name exactly
 *   the operand fields the row declares; filled with edge values, each
 *   assembles back to the same slot (so no two templates collide).
 * - The disassembler's exact text in both syntaxes, its raw ".insn" form
 *   for slots that do not decode, and its buffer and argument handling.
 * - All conformance programs: assemble -> disassemble (either syntax) ->
 *   assemble gives the same bytes; and so do pseudo-random slots.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "asm/template.h"
#include "asm/tplset.h"
#include "bpfvm.h"
#include "check.h"
#include "isa/isa.h"

#define U BPFVM_SYNTAX_UBPF
#define L BPFVM_SYNTAX_LLVM
#define A BPFVM_SYNTAX_AUTO

static struct bpfvm_insn mk(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpfvm_insn in = { .code = code, .dst = dst, .src = src, .off = off, .imm = imm };
	return in;
}

static bool same_slots(const struct bpfvm_insn *a, const struct bpfvm_insn *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].code != b[i].code || a[i].dst != b[i].dst || a[i].src != b[i].src ||
		    a[i].off != b[i].off || a[i].imm != b[i].imm)
			return false;
	return true;
}

/* Assemble text in syntax and compare with want[0..n). */
static void check_assembles_to(int syntax, const char *text, size_t len,
			       const struct bpfvm_insn *want, size_t n, const char *what)
{
	BPFVM_OPTS(bpfvm_asm_opts, opts, .syntax = (enum bpfvm_syntax)syntax, .filename = what);
	struct bpfvm_insn *got = NULL;
	size_t n_got = 0;
	struct bpfvm_error err;
	int ret = bpfvm_asm(text, len, &opts, &got, &n_got, &err);
	if (ret) {
		char msg[512];
		bpfvm_error__format(&err, msg, sizeof(msg));
		fprintf(stderr, "%s (syntax %d): does not reassemble: %s\n%.*s\n", what, syntax, msg,
			(int)(len > 2000 ? 2000 : len), text);
	}
	CHECK(ret == 0);
	if (n_got != n || !same_slots(got, want, n)) {
		size_t at = 0;
		while (at < n && at < n_got && same_slots(&got[at], &want[at], 1))
			at++;
		fprintf(stderr, "%s (syntax %d): different bytes from slot %zu\n%.*s\n", what, syntax,
			at, (int)(len > 2000 ? 2000 : len), text);
	}
	CHECK(n_got == n);
	CHECK(same_slots(got, want, n));
	free(got);
}

/* --------------------------------------------------------- the table */

/* Operand fields a row declares, as FLD_* bits. */
static unsigned declared_fields(const struct isa_desc *d)
{
	return ((d->fields & ISA_F_DST) ? FLD_DST : 0) | ((d->fields & ISA_F_SRC) ? FLD_SRC : 0) |
	       ((d->fields & ISA_F_OFF) ? FLD_OFF : 0) | ((d->fields & ISA_F_IMM) ? FLD_IMM : 0);
}

static unsigned disc_field(const struct isa_desc *d)
{
	return d->disc == ISA_DISC_OFF ? FLD_OFF : d->disc == ISA_DISC_IMM ? FLD_IMM
	       : d->disc == ISA_DISC_SRC ? FLD_SRC : 0;
}

/* Slot(s) for row d, with operand values from set k (0..3). */
static size_t sample(const struct isa_desc *d, int k, struct bpfvm_insn out[2])
{
	static const struct {
		uint8_t dst, src;
		int16_t off, br;
		int32_t imm, bri, imm2;
	} sets[] = {
		{ 1, 2, -8, 3, -7, 5, 1 },
		{ 10, 10, INT16_MIN, INT16_MIN, INT32_MIN, INT32_MIN, INT32_MIN },
		{ 0, 0, INT16_MAX, INT16_MAX, INT32_MAX, INT32_MAX, -1 },
		{ 0, 0, 0, 0, 0, 0, 0 },
	};
	unsigned shown = tpl_fields(d->ubpf);

	memset(out, 0, 2 * sizeof(*out));
	out[0].code = d->code;
	if (d->fields & ISA_F_DST)
		out[0].dst = sets[k].dst;
	if (d->fields & ISA_F_SRC)
		out[0].src = sets[k].src;
	if (d->fields & ISA_F_OFF)
		out[0].off = (d->fields & ISA_F_BR) ? sets[k].br : sets[k].off;
	if (d->fields & ISA_F_IMM)
		out[0].imm = (d->fields & ISA_F_BRI) ? sets[k].bri : sets[k].imm;
	if (d->disc == ISA_DISC_OFF)
		out[0].off = (int16_t)d->dval;
	else if (d->disc == ISA_DISC_IMM)
		out[0].imm = d->dval;
	else if (d->disc == ISA_DISC_SRC)
		out[0].src = (uint8_t)d->dval;
	if (!(d->fields & ISA_F_WIDE))
		return 1;
	if (shown & FLD_IMM2)
		out[1].imm = sets[k].imm2;
	return 2;
}

static void test_table_templates(void)
{
	struct tpl t;

	for (unsigned r = 0; r < ISA__COUNT; r++) {
		const struct isa_desc *d = &isa_table[r];
		const char *texts[2] = { d->ubpf, d->llvm };
		for (int s = 0; s < 2; s++) {
			const char *text = texts[s];
			if (tpl_compile(text, r, s ? L : U, &t))
				fprintf(stderr, "row %s: template '%s' does not compile\n", d->id_name, text);
			CHECK(tpl_compile(text, r, s ? L : U, &t) == 0);
			unsigned f = tpl_fields(text);
			if ((f & ~FLD_IMM2) != declared_fields(d))
				fprintf(stderr, "row %s: template '%s' shows fields 0x%x, row declares 0x%x\n",
					d->id_name, text, f & ~FLD_IMM2, declared_fields(d));
			CHECK((f & ~FLD_IMM2) == declared_fields(d));
			CHECK(!(f & disc_field(d)));
			/* Both syntaxes show the same fields, imm2 included. */
			CHECK(f == tpl_fields(d->ubpf));
			CHECK(!(f & FLD_IMM2) || (d->fields & ISA_F_WIDE));
			/* Jump targets: {t} for off-based, {T} for imm-based. */
			CHECK(!(d->fields & ISA_F_BR) || strstr(text, "{t}"));
			CHECK(!(d->fields & ISA_F_BRI) || strstr(text, "{T}"));
			CHECK(!strstr(text, "{t}") || (d->fields & ISA_F_BR));
			CHECK(!strstr(text, "{T}") || (d->fields & ISA_F_BRI));
		}
		/* uBPF names registers %rN only. */
		CHECK(!strstr(d->ubpf, "{wd}") && !strstr(d->ubpf, "{ws}"));
	}
}

/* Every row, filled with edge values, reads back as itself. */
static void test_table_roundtrip(void)
{
	char text[256], what[64];
	struct bpfvm_insn in[2];

	for (unsigned r = 0; r < ISA__COUNT; r++) {
		const struct isa_desc *d = &isa_table[r];
		for (int k = 0; k < 4; k++) {
			size_t n = sample(d, k, in);
			for (int s = U; s <= L; s++) {
				BPFVM_OPTS(bpfvm_disasm_opts, o, .syntax = (enum bpfvm_syntax)s);
				int used = bpfvm_disasm_insn(in, n, 0, &o, text, sizeof(text));
				if (used != (int)n)
					fprintf(stderr, "row %s set %d: disasm gives %d: %s\n", d->id_name,
						k, used, text);
				CHECK(used == (int)n);
				CHECK(!strchr(text, '{') && !strchr(text, '}'));
				snprintf(what, sizeof(what), "row %s set %d", d->id_name, k);
				check_assembles_to(s, text, strlen(text), in, n, what);
				check_assembles_to(A, text, strlen(text), in, n, what);
			}
		}
	}
}

static void test_aliases(void)
{
	struct tpl t;
	char text[256];

	CHECK(tpl_alias_count() > 0);
	for (size_t i = 0; i < tpl_alias_count(); i++) {
		unsigned row;
		int syntax;
		const char *tpl;
		tpl_alias_get(i, &row, &syntax, &tpl);
		CHECK(row < ISA__COUNT);
		CHECK(syntax == U || syntax == L);
		CHECK(tpl_compile(tpl, row, syntax, &t) == 0);
		/* An alias shows the row's operand fields, no more, no less:
		 * only the zero-immediate skb loads leave out the imm. */
		unsigned f = tpl_fields(tpl) & ~FLD_IMM2;
		CHECK((f | FLD_IMM) == (declared_fields(&isa_table[row]) | FLD_IMM));

		struct bpfvm_insn in[2];
		size_t n = sample(&isa_table[row], 0, in);
		if (!(f & FLD_IMM) && isa_table[row].disc != ISA_DISC_IMM)
			in[0].imm = 0;
		struct tpl_vals v = { .dst = in[0].dst, .src = in[0].src, .off = in[0].off,
				      .imm = in[0].imm, .imm2 = in[1].imm };
		struct sbuf b;
		sbuf_init(&b, text, sizeof(text));
		tpl_fill(tpl, syntax, &v, &b);
		CHECK(sbuf_fits(&b));
		check_assembles_to(syntax, text, strlen(text), in, n, tpl);
	}
}

/* ---------------------------------------------------- the disassembler */

static void expect_text(int syntax, struct bpfvm_insn a, struct bpfvm_insn b, const char *want)
{
	struct bpfvm_insn in[2] = { a, b };
	char text[256];
	BPFVM_OPTS(bpfvm_disasm_opts, o, .syntax = (enum bpfvm_syntax)syntax);
	int used = bpfvm_disasm_insn(in, 2, 0, &o, text, sizeof(text));
	if (strcmp(text, want))
		fprintf(stderr, "syntax %d: '%s', expected '%s'\n", syntax, text, want);
	CHECK(used == (a.code == 0x18 ? 2 : 1));
	CHECK(!strcmp(text, want));
}

static const struct bpfvm_insn Z = { 0 };

static void test_disasm_text(void)
{
	/* LLVM: what llvm-objdump 14 prints for clang -mcpu=v3 code. */
	expect_text(L, mk(0x07, 1, 0, 0, -8), Z, "r1 += -8");
	expect_text(L, mk(0x63, 10, 1, -4, 0), Z, "*(u32 *)(r10 - 4) = r1");
	expect_text(L, mk(0x16, 1, 0, 3, 0), Z, "if w1 == 0 goto +3");
	expect_text(L, mk(0x61, 0, 1, 0, 0), Z, "r0 = *(u32 *)(r1 + 0)");
	expect_text(L, mk(0x18, 0, 0, 0, 1234), Z, "r0 = 1234 ll");
	expect_text(L, mk(0x18, 0, 0, 0, -1), mk(0, 0, 0, 0, -1), "r0 = -1 ll");
	expect_text(L, mk(0x05, 0, 0, -1, 0), Z, "goto -1");
	expect_text(L, mk(0x05, 0, 0, 0, 0), Z, "goto +0");
	expect_text(L, mk(0x85, 0, 0, 0, 5), Z, "call 5");
	expect_text(L, mk(0x95, 0, 0, 0, 0), Z, "exit");
	expect_text(L, mk(0xdc, 0, 0, 0, 16), Z, "r0 = be16 r0");
	expect_text(L, mk(0xb4, 0, 0, 0, 5), Z, "w0 = 5");
	expect_text(L, mk(0xbc, 1, 6, 0, 0), Z, "w1 = w6");
	expect_text(L, mk(0x6e, 1, 2, -4, 0), Z, "if w1 s> w2 goto -4");
	expect_text(L, mk(0xdb, 10, 1, -8, 0), Z, "lock *(u64 *)(r10 - 8) += r1");
	expect_text(L, mk(0xdb, 10, 1, -8, 1), Z, "r1 = atomic_fetch_add((u64 *)(r10 - 8), r1)");
	expect_text(L, mk(0xdb, 10, 1, -8, 0xf1), Z, "r0 = cmpxchg_64(r10 - 8, r0, r1)");
	/* Newer LLVM forms. */
	expect_text(L, mk(0xbf, 0, 1, 8, 0), Z, "r0 = (s8)r1");
	expect_text(L, mk(0x89, 0, 1, 0, 0), Z, "r0 = *(s16 *)(r1 + 0)");
	expect_text(L, mk(0x3f, 0, 1, 1, 0), Z, "r0 s/= r1");
	expect_text(L, mk(0x9f, 0, 1, 1, 0), Z, "r0 s%= r1");
	expect_text(L, mk(0xd7, 0, 0, 0, 16), Z, "r0 = bswap16 r0");
	expect_text(L, mk(0x06, 0, 0, 0, 5), Z, "gotol +5");
	expect_text(L, mk(0xe5, 0, 0, 1, 0), Z, "may_goto +1");
	expect_text(L, mk(0x8d, 2, 0, 0, 0), Z, "callx r2");
	expect_text(L, mk(0x85, 0, 1, 0, 2), Z, "call pc+2");
	expect_text(L, mk(0x85, 0, 1, 0, -3), Z, "call pc-3");
	/* Writing r10 is the loader's business; it still prints. */
	expect_text(L, mk(0xb7, 10, 0, 0, 1), Z, "r10 = 1");
	/* uBPF. */
	expect_text(U, mk(0x61, 0, 1, 4, 0), Z, "ldxw %r0, [%r1+4]");
	expect_text(U, mk(0x71, 0, 1, 0, 0), Z, "ldxb %r0, [%r1+0]");
	expect_text(U, mk(0x7b, 10, 1, -8, 0), Z, "stxdw [%r10-8], %r1");
	expect_text(U, mk(0x18, 0, 0, 0, 0x55667788), mk(0, 0, 0, 0, 0x11223344),
		    "lddw %r0, 0x1122334455667788");
	expect_text(U, mk(0x55, 1, 0, 3, 5), Z, "jne %r1, 5, +3");
	expect_text(U, mk(0xb4, 0, 0, 0, -1), Z, "mov32 %r0, -1");
	expect_text(U, mk(0x85, 0, 1, 0, 2), Z, "call local +2");
	expect_text(U, mk(0x8d, 2, 0, 0, 0), Z, "call %r2");
	expect_text(U, mk(0xc3, 10, 1, -8, 1), Z, "lock fetch add32 [%r10-8], %r1");
	expect_text(U, mk(0xbf, 0, 1, 16, 0), Z, "movsx1664 %r0, %r1");
	expect_text(U, mk(0x7a, 10, 0, -8, 0x11223344), Z, "stdw [%r10-8], 287454020");

	/* AUTO and NULL opts mean LLVM. */
	struct bpfvm_insn in = mk(0xb7, 0, 0, 0, 7);
	char text[64];
	BPFVM_OPTS(bpfvm_disasm_opts, autoo, .syntax = A);
	CHECK(bpfvm_disasm_insn(&in, 1, 0, &autoo, text, sizeof(text)) == 1);
	CHECK(!strcmp(text, "r0 = 7"));
	CHECK(bpfvm_disasm_insn(&in, 1, 0, NULL, text, sizeof(text)) == 1);
	CHECK(!strcmp(text, "r0 = 7"));
}

/* A slot that does not decode prints as ".insn ... ; why" and reads back. */
static void expect_raw(struct bpfvm_insn a, struct bpfvm_insn b, size_t n, const char *prefix,
		       const char *why)
{
	struct bpfvm_insn in[2] = { a, b };
	char text[256];
	for (int s = U; s <= L; s++) {
		BPFVM_OPTS(bpfvm_disasm_opts, o, .syntax = (enum bpfvm_syntax)s);
		int ret = bpfvm_disasm_insn(in, n, 0, &o, text, sizeof(text));
		if (strncmp(text, prefix, strlen(prefix)) || !strstr(text, why))
			fprintf(stderr, "'%s', expected '%s ... %s'\n", text, prefix, why);
		CHECK(ret == -EINVAL);
		CHECK(!strncmp(text, prefix, strlen(prefix)));
		CHECK_STR_CONTAINS(text, why);
		check_assembles_to(s, text, strlen(text), in, 1, "raw slot");
	}
}

static void test_disasm_raw(void)
{
	expect_raw(mk(0x8e, 0, 0, 0, 0), Z, 1, ".insn 0x8e, 0, 0, 0, 0 ; ", "unknown opcode 0x8e");
	expect_raw(mk(0x00, 0, 0, 0, 7), Z, 1, ".insn 0x00, 0, 0, 0, 7 ; ", "unknown opcode 0x00");
	expect_raw(mk(0x95, 1, 0, 0, 0), Z, 1, ".insn 0x95, 1, 0, 0, 0 ; ",
		   "reserved field 'dst' is 1");
	expect_raw(mk(0x07, 0, 0, 1, 1), Z, 1, ".insn 0x07, 0, 0, 1, 1 ; ",
		   "reserved field 'off' is 1");
	expect_raw(mk(0xb7, 11, 0, 0, 1), Z, 1, ".insn 0xb7, 11, 0, 0, 1 ; ",
		   "dst register r11 does not exist");
	expect_raw(mk(0xbf, 1, 12, 0, 0), Z, 1, ".insn 0xbf, 1, 12, 0, 0 ; ",
		   "src register r12 does not exist");
	expect_raw(mk(0x34, 1, 0, 5, 3), Z, 1, ".insn 0x34, 1, 0, 5, 3 ; ", "field 'off' is 5");
	expect_raw(mk(0x18, 1, 0, 0, 3), Z, 1, ".insn 0x18, 1, 0, 0, 3 ; ", "missing");
	expect_raw(mk(0x18, 1, 0, 0, 3), mk(0x95, 0, 0, 0, 0), 2, ".insn 0x18, 1, 0, 0, 3 ; ",
		   "second slot");
	expect_raw(mk(0x18, 1, 1, 0, 3), mk(0, 0, 0, 0, 9), 2, ".insn 0x18, 1, 1, 0, 3 ; ",
		   "second slot's imm is 9");
	expect_raw(mk(0xff, 15, 15, -1, -1), Z, 1, ".insn 0xff, 15, 15, -1, -1 ; ", "unknown");
}

static void test_disasm_buffers(void)
{
	struct bpfvm_insn in[2] = { mk(0x07, 1, 0, 0, -8), mk(0x95, 0, 0, 0, 0) };
	char text[8];

	/* Too small: truncated, NUL-terminated, -ENOSPC. */
	memset(text, 'x', sizeof(text));
	CHECK(bpfvm_disasm_insn(in, 2, 0, NULL, text, 4) == -ENOSPC);
	CHECK(!strcmp(text, "r1 "));
	/* One byte short ("r1 += -8" needs 9), then exactly enough. */
	CHECK(bpfvm_disasm_insn(in, 2, 0, NULL, text, sizeof(text)) == -ENOSPC);
	CHECK(bpfvm_disasm_insn(in, 2, 1, NULL, text, 5) == 1);
	CHECK(!strcmp(text, "exit"));
	/* No buffer at all: just the size of the instruction. */
	CHECK(bpfvm_disasm_insn(in, 2, 0, NULL, NULL, 0) == 1);
	CHECK(bpfvm_disasm_insn(in, 2, 0, NULL, NULL, 8) == -EINVAL);
	/* Past the end, or no program. */
	CHECK(bpfvm_disasm_insn(in, 2, 2, NULL, text, sizeof(text)) == -EINVAL);
	CHECK(bpfvm_disasm_insn(NULL, 0, 0, NULL, text, sizeof(text)) == -EINVAL);
	/* Bad options. */
	struct bpfvm_disasm_opts bad = { .sz = sizeof(bad), .syntax = (enum bpfvm_syntax)9 };
	CHECK(bpfvm_disasm_insn(in, 2, 0, &bad, text, sizeof(text)) == -EINVAL);
}

struct lines {
	char text[8][128];
	size_t pc[8];
	size_t n;
};

static void collect(void *ctx, size_t pc, const char *line)
{
	struct lines *l = ctx;
	CHECK(l->n < 8);
	snprintf(l->text[l->n], sizeof(l->text[0]), "%s", line);
	l->pc[l->n++] = pc;
}

static void test_disasm_program(void)
{
	struct bpfvm_insn prog[] = {
		mk(0x18, 1, 0, 0, 1), mk(0, 0, 0, 0, 2), mk(0xbf, 0, 1, 0, 0), mk(0x8e, 0, 0, 0, 0),
		mk(0x95, 0, 0, 0, 0),
	};
	struct lines l = { .n = 0 };
	struct bpfvm_error err;
	BPFVM_OPTS(bpfvm_disasm_opts, o, .syntax = U);

	/* Stops at the bad slot, after printing it, and names it. */
	CHECK(bpfvm_disasm(prog, 5, &o, collect, &l, &err) == -EINVAL);
	CHECK(l.n == 3);
	CHECK(l.pc[0] == 0 && l.pc[1] == 2 && l.pc[2] == 3);
	CHECK(!strcmp(l.text[0], "lddw %r1, 0x200000001"));
	CHECK(!strcmp(l.text[1], "mov %r0, %r1"));
	CHECK(!strncmp(l.text[2], ".insn 0x8e", 10));
	CHECK(err.code == -EINVAL && err.insn == 3);
	CHECK_STR_CONTAINS(err.msg, "unknown opcode 0x8e");

	l.n = 0;
	CHECK(bpfvm_disasm(prog, 3, NULL, collect, &l, &err) == 0);
	CHECK(l.n == 2 && !strcmp(l.text[0], "r1 = 8589934593 ll") && !strcmp(l.text[1], "r0 = r1"));
	CHECK(err.code == 0);
	CHECK(bpfvm_disasm(prog, 0, NULL, collect, &l, &err) == 0);
	CHECK(bpfvm_disasm(prog, 3, NULL, NULL, NULL, &err) == -EINVAL);
	CHECK(bpfvm_disasm(NULL, 3, NULL, collect, &l, &err) == -EINVAL);
}

/* ------------------------------------------------------- round trips */

struct text {
	char *p;
	size_t len, cap;
};

static void add_line(void *ctx, size_t pc, const char *line)
{
	struct text *t = ctx;
	size_t n = strlen(line);
	(void)pc;
	if (t->len + n + 2 > t->cap) {
		t->cap = (t->len + n + 2) * 2;
		t->p = realloc(t->p, t->cap);
		CHECK(t->p != NULL);
	}
	memcpy(t->p + t->len, line, n);
	t->len += n;
	t->p[t->len++] = '\n';
}

/* A section of a .data file ("asm", "raw"), malloc()ed; NULL if absent. */
static char *section(const char *path, const char *name, size_t *len)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	char *out = NULL;
	bool in = false;

	*len = 0;
	CHECK(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "-- ", 3)) {
			in = !strncmp(line + 3, name, strlen(name));
			if (in && !out)
				out = calloc(1, 1);
			continue;
		}
		if (!in)
			continue;
		size_t k = strlen(line);
		out = realloc(out, *len + k + 1);
		CHECK(out != NULL);
		memcpy(out + *len, line, k + 1);
		*len += k;
	}
	fclose(f);
	return out;
}

/* "-- raw": one slot per line as a 64-bit hex number. */
static void check_raw(const char *path, const struct bpfvm_insn *insns, size_t n)
{
	size_t len;
	char *raw = section(path, "raw", &len);
	if (!raw)
		return;
	size_t i = 0;
	for (char *p = raw; *p;) {
		char *end;
		unsigned long long v = strtoull(p, &end, 16);
		if (end == p) {
			p++;
			continue;
		}
		struct bpfvm_insn want = mk((uint8_t)v, (uint8_t)(v >> 8) & 0xf, (uint8_t)(v >> 12) & 0xf,
					    (int16_t)(uint16_t)(v >> 16), (int32_t)(uint32_t)(v >> 32));
		CHECK(i < n);
		CHECK(same_slots(&insns[i], &want, 1));
		i++;
		p = end;
	}
	CHECK(i == n);
	free(raw);
}

static void test_conformance_roundtrip(void)
{
	char dir[1024], path[2048];
	snprintf(dir, sizeof(dir), "%s/conformance/tests", BPFVM_SHARED_DIR);
	DIR *d = opendir(dir);
	CHECK(d != NULL);
	int files = 0;
	struct dirent *e;

	while ((e = readdir(d))) {
		size_t nl = strlen(e->d_name);
		if (nl < 6 || strcmp(e->d_name + nl - 5, ".data"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		size_t len;
		char *src = section(path, "asm", &len);
		if (!src)
			continue;
		files++;

		BPFVM_OPTS(bpfvm_asm_opts, opts, .filename = path);
		struct bpfvm_insn *insns = NULL;
		size_t n = 0;
		struct bpfvm_error err;
		int ret = bpfvm_asm(src, len, &opts, &insns, &n, &err);
		if (ret)
			fprintf(stderr, "%s:%d:%d: %s\n", path, err.line, err.column, err.msg);
		CHECK(ret == 0);
		check_assembles_to(U, src, len, insns, n, path);
		check_raw(path, insns, n);

		for (int s = U; s <= L; s++) {
			struct text t = { 0 };
			BPFVM_OPTS(bpfvm_disasm_opts, dopts, .syntax = (enum bpfvm_syntax)s);
			ret = bpfvm_disasm(insns, n, &dopts, add_line, &t, &err);
			if (ret)
				fprintf(stderr, "%s: insn %ld: %s\n", path, err.insn, err.msg);
			CHECK(ret == 0);
			check_assembles_to(s, t.p, t.len, insns, n, path);
			check_assembles_to(A, t.p, t.len, insns, n, path);
			free(t.p);
		}
		free(insns);
		free(src);
	}
	closedir(d);
	printf("round-tripped %d conformance programs\n", files);
	CHECK(files >= 313);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Any slots at all survive disassembly and reassembly, one by one. */
static void test_random_roundtrip(void)
{
	enum { N = 20000 };
	struct bpfvm_insn *prog = calloc(N, sizeof(*prog));
	CHECK(prog != NULL);

	for (size_t i = 0; i < N; i++) {
		uint64_t r = next();
		if (r & 1) {
			/* A real row with random operands (registers in range). */
			const struct isa_desc *d = &isa_table[(r >> 1) % ISA__COUNT];
			struct bpfvm_insn in[2];
			sample(d, 0, in);
			uint64_t v = next();
			if (d->fields & ISA_F_DST)
				in[0].dst = (uint8_t)(v % 11);
			if (d->fields & ISA_F_SRC)
				in[0].src = (uint8_t)((v >> 8) % 11);
			if (d->fields & ISA_F_OFF)
				in[0].off = (int16_t)(v >> 16);
			if ((d->fields & ISA_F_IMM) && d->disc != ISA_DISC_IMM)
				in[0].imm = (int32_t)(v >> 32);
			prog[i] = in[0];
			if ((d->fields & ISA_F_WIDE) && i + 1 < N) {
				prog[++i] = in[1];
				prog[i].imm = (tpl_fields(d->ubpf) & FLD_IMM2) ? (int32_t)next() : 0;
			}
		} else {
			uint64_t v = next();
			memcpy(&prog[i], &v, sizeof(v));
		}
	}
	for (int s = U; s <= L; s++) {
		struct text t = { 0 };
		char line[512];
		BPFVM_OPTS(bpfvm_disasm_opts, o, .syntax = (enum bpfvm_syntax)s);
		for (size_t pc = 0; pc < N;) {
			int used = bpfvm_disasm_insn(prog, N, pc, &o, line, sizeof(line));
			CHECK(used != -ENOSPC);
			add_line(&t, pc, line);
			pc += used > 0 ? (size_t)used : 1;
		}
		check_assembles_to(s, t.p, t.len, prog, N, "random slots");
		free(t.p);
	}
	free(prog);
}

int main(void)
{
	test_table_templates();
	test_table_roundtrip();
	test_aliases();
	test_disasm_text();
	test_disasm_raw();
	test_disasm_buffers();
	test_disasm_program();
	test_conformance_roundtrip();
	test_random_roundtrip();
	CHECK_DONE();
}
