/*
 * test_host_types.c - program types a host defines
 * (bpfvm_vm__add_prog_type): the verifier holds programs to the declared
 * fields, access, helpers and return range; accepted programs run on the
 * host's structure in the interpreter and the JIT; bad descriptions are
 * refused with a message.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bpfvm.h"
#include "check.h"
#include "insn_build.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define HOOK (BPFVM_PROG_TYPE_HOST + 1)

/* The host's context: what its hook hands each program. */
struct req {
	uint32_t method;   /* read, narrow reads too */
	uint32_t status;   /* read and write */
	uint64_t len;      /* read */
	uint8_t scratch[16]; /* any aligned access */
	uint64_t secret;   /* not a field: programs may not touch it */
};

static const struct bpfvm_ctx_field req_fields[] = {
	{ "method", offsetof(struct req, method), 4, BPFVM_CTX_READ | BPFVM_CTX_NARROW },
	{ "status", offsetof(struct req, status), 4, BPFVM_CTX_READ | BPFVM_CTX_WRITE },
	{ "len", offsetof(struct req, len), 8, BPFVM_CTX_READ },
	{ "scratch", offsetof(struct req, scratch), 16, BPFVM_CTX_BYTES },
};

static uint64_t helper_double(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5,
			      struct bpfvm_call *call)
{
	(void)r2, (void)r3, (void)r4, (void)r5, (void)call;
	return r1 * 2;
}

static struct bpfvm_vm *vm;

static int load(const struct bpfvm_insn *insns, size_t n, enum bpfvm_engine engine,
		struct bpfvm_prog **p, struct bpfvm_error *err)
{
	BPFVM_OPTS(bpfvm_load_opts, lo, .prog_type = HOOK, .engine = engine);
	return bpfvm_prog__load(vm, insns, n, &lo, p, err);
}

/* Refused at load with msg at instruction insn. */
static void refused(const char *what, const struct bpfvm_insn *insns, size_t n, long insn,
		    const char *msg)
{
	struct bpfvm_prog *p = NULL;
	struct bpfvm_error err;
	int rc = load(insns, n, BPFVM_ENGINE_INTERP, &p, &err);
	if (!rc || !strstr(err.msg, msg) || err.insn != insn)
		fprintf(stderr, "%s: rc %d, insn %ld: %s\n", what, rc, err.insn, err.msg);
	CHECK(rc < 0);
	CHECK(err.insn == insn);
	CHECK_STR_CONTAINS(err.msg, msg);
	bpfvm_prog__free(p);
}

static void test_accepted(void)
{
	/* status = method_low_byte + len; scratch[8..15] = double(len);
	 * return status != 0 */
	const struct bpfvm_insn prog[] = {
		I_MOV64_REG(6, 1),
		I_LDX(BI_B, 2, 6, offsetof(struct req, method)),
		I_LDX(BI_DW, 3, 6, offsetof(struct req, len)),
		I_ALU64_REG(BI_ADD, 2, 3),
		I_STX(BI_W, 6, 2, offsetof(struct req, status)),
		I_MOV64_REG(1, 3),
		I_CALL(200),
		I_STX(BI_DW, 6, 0, offsetof(struct req, scratch) + 8),
		I_LDX(BI_W, 0, 6, offsetof(struct req, status)),
		I_JMP_IMM(BI_JEQ, 0, 0, 1),
		I_MOV64_IMM(0, 1),
		I_EXIT(),
	};
	static const enum bpfvm_engine engines[] = { BPFVM_ENGINE_INTERP, BPFVM_ENGINE_JIT };
	for (size_t e = 0; e < ARRAY_SIZE(engines); e++) {
		struct bpfvm_prog *p = NULL;
		struct bpfvm_error err;
		if (load(prog, ARRAY_SIZE(prog), engines[e], &p, &err))
			fprintf(stderr, "load: insn %ld: %s\n", err.insn, err.msg);
		CHECK(p);
		CHECK(bpfvm_prog__verified(p, NULL));
		CHECK(bpfvm_prog__engine(p) == engines[e]);
		CHECK(bpfvm_prog__type(p) == HOOK);
		struct req r = { .method = 0x1234, .len = 100, .secret = 7 };
		uint64_t r0 = 0;
		CHECK(bpfvm_prog__run(p, &r, sizeof(r), NULL, &r0, &err) == 0);
		CHECK_EQ_U64(r0, 1);
		CHECK_EQ_U64(r.status, 0x34 + 100);
		uint64_t doubled;
		memcpy(&doubled, r.scratch + 8, 8);
		CHECK_EQ_U64(doubled, 200);
		CHECK_EQ_U64(r.secret, 7);
		/* a shorter context than the type's is refused */
		CHECK(bpfvm_prog__run(p, &r, sizeof(r) - 1, NULL, &r0, &err) == -EINVAL);
		CHECK_STR_CONTAINS(err.msg, "context");
		bpfvm_prog__free(p);
	}
	printf("  accepted: fields read, written and narrowed, a helper of the list, "
	       "interpreter and JIT\n");
}

static void test_refused(void)
{
	const struct bpfvm_insn ro[] = {
		I_ST(BI_W, 1, offsetof(struct req, method), 1), I_MOV64_IMM(0, 0), I_EXIT(),
	};
	refused("read-only", ro, ARRAY_SIZE(ro), 0, "struct req.method is read-only for web hook");
	const struct bpfvm_insn secret[] = {
		I_LDX(BI_DW, 0, 1, offsetof(struct req, secret)), I_EXIT(),
	};
	refused("no field", secret, ARRAY_SIZE(secret), 0,
		"web hook programs cannot access struct req at offset 32");
	const struct bpfvm_insn past[] = { I_LDX(BI_DW, 0, 1, sizeof(struct req)), I_EXIT() };
	refused("past the end", past, ARRAY_SIZE(past), 0, "outside the 40-byte struct req");
	const struct bpfvm_insn wide[] = {
		I_LDX(BI_DW, 0, 1, offsetof(struct req, method)), I_EXIT(),
	};
	refused("too wide", wide, ARRAY_SIZE(wide), 0, "runs past the field method");
	const struct bpfvm_insn narrow_len[] = {
		I_LDX(BI_W, 0, 1, offsetof(struct req, len)), I_EXIT(),
	};
	refused("no narrow", narrow_len, ARRAY_SIZE(narrow_len), 0, "must be accessed whole");
	const struct bpfvm_insn helper[] = { I_CALL(7), I_MOV64_IMM(0, 0), I_EXIT() };
	refused("helper", helper, ARRAY_SIZE(helper), 0,
		"web hook programs cannot call bpf_get_prandom_u32");
	const struct bpfvm_insn ret[] = { I_MOV64_IMM(0, 2), I_EXIT() };
	refused("return", ret, ARRAY_SIZE(ret), 1, "web hook programs return 0..1, but r0 is 2");
	printf("  refused: read-only field, no field, past the end, widths, helper, return\n");
}

static void test_bad_descriptions(void)
{
	struct bpfvm_error err;
	BPFVM_OPTS(bpfvm_prog_type_opts, o, .name = "t", .ctx_size = 16, .fields = req_fields,
		   .n_fields = 2);
	CHECK(bpfvm_vm__add_prog_type(vm, 6, &o, &err) == -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "BPFVM_PROG_TYPE_HOST");
	CHECK(bpfvm_vm__add_prog_type(vm, HOOK, &o, &err) == -EEXIST);
	o.name = NULL;
	CHECK(bpfvm_vm__add_prog_type(vm, HOOK + 1, &o, &err) == -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "no name");
	o.name = "t";
	o.ctx_size = 6;
	CHECK(bpfvm_vm__add_prog_type(vm, HOOK + 1, &o, &err) == -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "'status' (4 bytes at 4) runs past the 6-byte context");
	const struct bpfvm_ctx_field overlap[] = { { "a", 0, 8, BPFVM_CTX_READ },
						   { "b", 4, 4, BPFVM_CTX_READ } };
	o.ctx_size = 16;
	o.fields = overlap;
	CHECK(bpfvm_vm__add_prog_type(vm, HOOK + 1, &o, &err) == -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "'a' and 'b' overlap");
	const struct bpfvm_ctx_field odd[] = { { "a", 0, 3, BPFVM_CTX_READ } };
	o.fields = odd;
	o.n_fields = 1;
	CHECK(bpfvm_vm__add_prog_type(vm, HOOK + 1, &o, &err) == -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "size 3");
	const struct bpfvm_ctx_field misaligned[] = { { "a", 2, 4, BPFVM_CTX_READ } };
	o.fields = misaligned;
	CHECK(bpfvm_vm__add_prog_type(vm, HOOK + 1, &o, &err) == -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "not aligned");
	const struct bpfvm_ctx_field noaccess[] = { { "a", 0, 4, 0x40 } };
	o.fields = noaccess;
	CHECK(bpfvm_vm__add_prog_type(vm, HOOK + 1, &o, &err) == -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "BPFVM_CTX_");
	o.fields = req_fields;
	o.n_fields = 0;
	o.ret_check = true;
	o.ret_min = 5;
	o.ret_max = 1;
	CHECK(bpfvm_vm__add_prog_type(vm, HOOK + 1, &o, &err) == -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "return range");
	o.ctx_size = 40000;
	o.ret_check = false;
	CHECK(bpfvm_vm__add_prog_type(vm, HOOK + 1, &o, &err) == -EINVAL);
	CHECK(bpfvm_vm__add_prog_type(NULL, HOOK + 1, &o, &err) == -EINVAL);
	CHECK(bpfvm_vm__add_prog_type(vm, HOOK + 1, NULL, &err) == -EINVAL);
	/* a type with no list may call any helper but the packet ones */
	o.ctx_size = 16;
	CHECK(bpfvm_vm__add_prog_type(vm, HOOK + 1, &o, &err) == 0);
	const struct bpfvm_insn rnd[] = { I_CALL(7), I_EXIT() };
	const struct bpfvm_insn pkt[] = { I_MOV64_IMM(2, 0), I_CALL(44), I_EXIT() };
	struct bpfvm_prog *p = NULL;
	BPFVM_OPTS(bpfvm_load_opts, lo, .prog_type = HOOK + 1);
	CHECK(bpfvm_prog__load(vm, rnd, ARRAY_SIZE(rnd), &lo, &p, &err) == 0);
	bpfvm_prog__free(p);
	CHECK(bpfvm_prog__load(vm, pkt, ARRAY_SIZE(pkt), &lo, &p, &err) == -EACCES);
	CHECK_STR_CONTAINS(err.msg, "it is for XDP programs");
	printf("  descriptions: numbers, names, fields past the end, overlaps, sizes, "
	       "alignment, access, return range\n");
}

int main(void)
{
	struct bpfvm_error err;
	vm = bpfvm_vm__new(NULL);
	CHECK(vm);
	static const struct bpfvm_helper_proto double_proto = {
		.ret = BPFVM_RET_INTEGER,
		.args = { BPFVM_ARG_ANYTHING },
	};
	CHECK(bpfvm_vm__add_helper_proto(vm, 200, "double", helper_double, &double_proto) == 0);
	static const uint32_t helpers[] = { 200 };
	BPFVM_OPTS(bpfvm_prog_type_opts, o, .name = "web hook", .ctx_name = "struct req",
		   .ctx_size = sizeof(struct req), .fields = req_fields,
		   .n_fields = ARRAY_SIZE(req_fields), .helpers = helpers, .n_helpers = 1,
		   .ret_check = true, .ret_min = 0, .ret_max = 1);
	if (bpfvm_vm__add_prog_type(vm, HOOK, &o, &err))
		fprintf(stderr, "add_prog_type: %s\n", err.msg);
	CHECK(bpfvm_vm__add_prog_type(vm, HOOK, &o, &err) == -EEXIST);
	test_accepted();
	test_refused();
	test_bad_descriptions();
	bpfvm_vm__free(vm);
	CHECK_DONE();
}
