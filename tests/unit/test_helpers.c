/*
 * test_helpers.c - the built-in helper table and its implementations.
 *
 * Most helpers are called directly with a hand-made struct bpfvm_call whose
 * memory map has a writable "stack" region and a read-only "rodata" region,
 * so that every pointer check can be driven from both sides. Programs run
 * through bpfvm_prog__run() cover the calling path: trace output, the cpu
 * of the run, spin locks from several threads, and the map helpers.
 * Expected values come from the kernel's documented semantics, written out.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bpfvm.h"
#include "check.h"
#include "helpers/helpers_impl.h"
#include "insn_build.h"
#include "interp/call.h"
#include "interp/mem.h"
#include "maps/map.h"
#include "prog/prog.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define U(p) ((uint64_t)(uintptr_t)(p))

/* ------------------------------------------------------------------ */
/* A direct-call harness                                                */

static struct bpfvm_vm *vm;
static char trace_buf[4096];
static size_t trace_len;
static int trace_calls;

static void capture(void *ctx, const char *text, size_t len)
{
	(void)ctx;
	trace_calls++;
	trace_len = len < sizeof(trace_buf) - 1 ? len : sizeof(trace_buf) - 1;
	memcpy(trace_buf, text, trace_len);
	trace_buf[trace_len] = '\0';
}

static unsigned char stack[1024];   /* writable region */
/* The read-only region stops short of the array's end, so that the bytes
 * after it are in no region whatever the arrays' layout. */
#define RODATA_LEN 1000
static unsigned char rodata[1024];  /* read-only region: RODATA_LEN bytes */
static unsigned char outside[64];   /* in no region */
static struct mem_map mm;
static uint64_t regs[BPFVM_NREGS];
static struct bpfvm_error cerr;
static struct bpfvm_call call;

static void reset_call(void)
{
	memset(&mm, 0, sizeof(mm));
	mem_set(&mm, 0, stack, sizeof(stack), true);
	mem_set(&mm, 1, rodata, RODATA_LEN, false);
	mm.n = 2;
	mm.vm = vm; /* map values, through the registry */
	memset(&call, 0, sizeof(call));
	call.vm = vm;
	call.cpu = 3;
	call.mem = &mm;
	call.reg = regs;
	call.err = &cerr;
	call.pc = 7;
}

/* Call fn; the run must not have been stopped. */
static uint64_t hcall(bpfvm_helper_fn fn, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
		      uint64_t r5)
{
	reset_call();
	uint64_t r = fn(r1, r2, r3, r4, r5, &call);
	if (call.fail_code)
		fprintf(stderr, "helper stopped the run: %s\n", cerr.msg);
	CHECK(call.fail_code == 0);
	return r;
}

/* Call fn; it must stop the run with code. */
static void hcall_fails(bpfvm_helper_fn fn, uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
			uint64_t r5, int code)
{
	reset_call();
	(void)fn(r1, r2, r3, r4, r5, &call);
	CHECK(call.fail_code == code);
	CHECK(cerr.insn == 7);
}

#define E(x) ((uint64_t)(int64_t)(x))

/* Put a string in rodata / stack at offset off; returns its address. */
static uint64_t ro_str(size_t off, const char *s)
{
	memcpy(rodata + off, s, strlen(s) + 1);
	return U(rodata + off);
}

static uint64_t st_str(size_t off, const char *s)
{
	memcpy(stack + off, s, strlen(s) + 1);
	return U(stack + off);
}

/* ------------------------------------------------------------------ */
/* The table                                                            */

static void test_table(void)
{
	uint32_t max = 0;
	while (bpfvm_helper_kernel_name(max + 1))
		max++;
	CHECK(max >= 209);
	CHECK(bpfvm_helper_kernel_name(max + 1) == NULL);
	CHECK(bpfvm_helper_kernel_name(UINT32_MAX) == NULL);
	for (uint32_t id = 1; id <= max; id++) {
		const char *n = bpfvm_helper_kernel_name(id);
		CHECK(n && *n);
		CHECK(strncmp(n, "bpf_", 4) != 0);
	}
	CHECK(strcmp(bpfvm_helper_kernel_name(0), "unspec") == 0);
	CHECK(strcmp(bpfvm_helper_kernel_name(1), "map_lookup_elem") == 0);
	CHECK(strcmp(bpfvm_helper_kernel_name(6), "trace_printk") == 0);
	CHECK(strcmp(bpfvm_helper_kernel_name(12), "tail_call") == 0);
	CHECK(strcmp(bpfvm_helper_kernel_name(28), "csum_diff") == 0);
	CHECK(strcmp(bpfvm_helper_kernel_name(105), "strtol") == 0);
	CHECK(strcmp(bpfvm_helper_kernel_name(130), "ringbuf_output") == 0);
	CHECK(strcmp(bpfvm_helper_kernel_name(165), "snprintf") == 0);
	CHECK(strcmp(bpfvm_helper_kernel_name(182), "strncmp") == 0);
	CHECK(strcmp(bpfvm_helper_kernel_name(195), "map_lookup_percpu_elem") == 0);
	CHECK(strcmp(bpfvm_helper_kernel_name(209), "user_ringbuf_drain") == 0);

	/* Registered with the kernel's prototypes; unimplemented ids not. */
	CHECK(strcmp(bpfvm_vm__helper_name(vm, 6), "trace_printk") == 0);
	const struct bpfvm_helper_proto *p = bpfvm_vm__helper_proto(vm, 1);
	CHECK(p && p->ret == BPFVM_RET_PTR_TO_MAP_VALUE_OR_NULL);
	CHECK(p->args[0] == BPFVM_ARG_CONST_MAP_PTR && p->args[1] == BPFVM_ARG_PTR_TO_MAP_KEY);
	CHECK(p->args[2] == BPFVM_ARG_NONE);
	p = bpfvm_vm__helper_proto(vm, 105);
	CHECK(p && p->args[0] == BPFVM_ARG_PTR_TO_MEM && p->args[1] == BPFVM_ARG_CONST_SIZE &&
	      p->args[3] == BPFVM_ARG_PTR_TO_LONG);
	p = bpfvm_vm__helper_proto(vm, 93); /* spin_lock */
	CHECK(p && p->ret == BPFVM_RET_VOID && p->args[0] == BPFVM_ARG_PTR_TO_SPIN_LOCK);
	p = bpfvm_vm__helper_proto(vm, 131); /* ringbuf_reserve */
	CHECK(p && p->ret == BPFVM_RET_PTR_TO_RINGBUF_MEM_OR_NULL);
	p = bpfvm_vm__helper_proto(vm, 12);             /* tail_call */
	CHECK(p && p->args[1] == BPFVM_ARG_CONST_MAP_PTR);
	CHECK(bpfvm_vm__helper_proto(vm, 13) == NULL); /* clone_redirect */
	CHECK(bpfvm_vm__helper_proto(vm, 66) == NULL); /* skb_get_xfrm_state */
	CHECK(bpfvm_vm__helper_name(vm, 0) == NULL);

	int implemented = 0;
	for (uint32_t id = 0; id <= max; id++)
		implemented += bpfvm_vm__helper_name(vm, id) != NULL;
	CHECK(implemented == 60); /* 59, then xdp_output */

	/* A vm without built-ins has none. */
	BPFVM_OPTS(bpfvm_vm_opts, bare, .no_builtin_helpers = true);
	struct bpfvm_vm *v = bpfvm_vm__new(&bare);
	CHECK(v && bpfvm_vm__helper_name(v, 1) == NULL);
	bpfvm_vm__free(v);
}

/* A call to a helper the table has no implementation for is refused at
 * load, naming the helper as the kernel names it. */
static void test_unimplemented(void)
{
	struct bpfvm_insn insns[] = { I_CALL(13), I_EXIT() };
	struct bpfvm_prog *prog = NULL;
	struct bpfvm_error err;
	CHECK(bpfvm_prog__load(vm, insns, ARRAY_SIZE(insns), NULL, &prog, &err) == -EINVAL);
	CHECK(prog == NULL && err.insn == 0);
	CHECK_STR_CONTAINS(err.msg, "call to helper 13 (bpf_clone_redirect)");
}

/* ------------------------------------------------------------------ */
/* trace_printk and snprintf                                             */

/* trace_printk with fmt in rodata; returns the helper's value. */
static int64_t tp(const char *fmt, uint64_t a1, uint64_t a2, uint64_t a3)
{
	trace_calls = 0;
	trace_buf[0] = '\0';
	uint64_t f = ro_str(0, fmt);
	return (int64_t)hcall(helper_trace_printk, f, strlen(fmt) + 1, a1, a2, a3);
}

#define TP_OK(fmt, a1, a2, a3, want)                                   \
	do {                                                           \
		int64_t r_ = tp(fmt, a1, a2, a3);                      \
		if (strcmp(trace_buf, want) != 0)                      \
			fprintf(stderr, "got \"%s\"\n", trace_buf);    \
		CHECK(strcmp(trace_buf, want) == 0);                   \
		CHECK(r_ == (int64_t)strlen(want) && trace_calls == 1); \
	} while (0)

#define TP_ERR(fmt, a1, a2, a3, code)                       \
	do {                                                \
		CHECK((uint64_t)tp(fmt, a1, a2, a3) == (code)); \
		CHECK(trace_calls == 0);                    \
	} while (0)

static void test_trace_printk(void)
{
	uint64_t m1 = UINT64_MAX;
	TP_OK("hello\n", 0, 0, 0, "hello\n");
	TP_OK("%d %i %u", m1, 5, m1, "-1 5 4294967295");
	TP_OK("%x %X %ld", 0xabcdef, 0xabcdef, m1, "abcdef ABCDEF -1");
	TP_OK("%lu %lx %lld", m1, m1, 0x8000000000000000ull,
	      "18446744073709551615 ffffffffffffffff -9223372036854775808");
	TP_OK("%llu %llx", 12345678901234ull, 0x1234567890ull, 0, "12345678901234 1234567890");
	TP_OK("[%5d][%-5d][%05d]", 42, 42, (uint64_t)-42, "[   42][42   ][-0042]");
	TP_OK("[%+d][% d][%c]", 7, 7, 'z', "[+7][ 7][z]");
	TP_OK("100%% %d", 1, 0, 0, "100% 1");
	TP_OK("%p", 0xdeadbeef, 0, 0, "00000000deadbeef");
	TP_OK("%pK,%px", 1, 2, 0, "0000000000000001,0000000000000002");
	TP_OK("%s|%4s|%-4s.", st_str(100, "ab"), st_str(100, "ab"), st_str(100, "ab"),
	      "ab|  ab|ab  .");
	/* Unreadable strings print as empty, as the kernel's faulting copy. */
	TP_OK("[%s][%s]", U(outside), 0, 0, "[][]");
	memcpy(stack + 200, (unsigned char[]){ 10, 1, 2, 254 }, 4);
	TP_OK("%pI4 %pi4", U(stack + 200), U(stack + 200), 0, "10.1.2.254 010.001.002.254");
	unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	memcpy(stack + 300, v6, 16);
	TP_OK("%pI6", U(stack + 300), 0, 0, "2001:0db8:0000:0000:0000:0000:0000:0001");
	TP_OK("%pi6", U(stack + 300), 0, 0, "20010db8000000000000000000000001");
	TP_OK("%pks %pus", st_str(100, "k"), st_str(100, "k"), 0, "k k");

	/* Bad formats. */
	TP_ERR("%d %d %d %d", 1, 2, 3, E(-EINVAL)); /* more than 3 */
	TP_ERR("%f", 1, 0, 0, E(-EINVAL));
	TP_ERR("%5.2d", 1, 0, 0, E(-EINVAL));       /* no precision */
	TP_ERR("%hd", 1, 0, 0, E(-EINVAL));
	TP_ERR("%lld%", 1, 2, 0, E(-EINVAL));        /* lone % at the end */
	TP_ERR("%sx", U(stack), 0, 0, E(-EINVAL));   /* %s must end a word */
	TP_ERR("%pQ", 1, 0, 0, E(-EINVAL));
	TP_ERR("%pI5", 1, 0, 0, E(-EINVAL));
	TP_ERR("bell\a", 0, 0, 0, E(-EINVAL));       /* unprintable byte */
	TP_ERR("\xc3\xa9", 0, 0, 0, E(-EINVAL));     /* not ASCII */
	/* fmt_size must cover the NUL. */
	trace_calls = 0;
	uint64_t f = ro_str(0, "abc");
	CHECK((int64_t)hcall(helper_trace_printk, f, 3, 0, 0, 0) == -EINVAL);
	CHECK(trace_calls == 0);
	/* fmt outside program memory stops the run. */
	hcall_fails(helper_trace_printk, U(outside), 4, 0, 0, 0, -EFAULT);

	/* trace_vprintk: arguments in an array of up to 12 u64. */
	uint64_t *va = (uint64_t *)(void *)(stack + 512);
	va[0] = 1;
	va[1] = 2;
	va[2] = 3;
	va[3] = 4;
	trace_calls = 0;
	f = ro_str(0, "%d%d%d%d");
	CHECK(hcall(helper_trace_vprintk, f, 9, U(va), 32, 0) == 4);
	CHECK(strcmp(trace_buf, "1234") == 0 && trace_calls == 1);
	CHECK(hcall(helper_trace_vprintk, f, 9, U(va), 24, 0) == E(-EINVAL));
	CHECK(hcall(helper_trace_vprintk, f, 9, U(va), 33, 0) == E(-EINVAL));

	/* Output longer than the kernel's 1024-byte buffer: the return value
	 * is the full length, the text is cut at 1023 bytes. */
	CHECK(tp("%1100d", 5, 0, 0) == 1100);
	CHECK(trace_len == 1023 && trace_buf[1022] == ' ');

	/* The argument store: a 511-byte string fills it; one more number
	 * does not fit. */
	memset(stack + 400, 'a', 600);
	stack[1000] = '\0';
	CHECK(tp("%s", U(stack + 400), 0, 0) == 511);
	CHECK(tp("%s%d", U(stack + 400), 1, 0) == -ENOSPC);
}

/* The same through a program: r1 = fmt in the run's input memory. */
static void test_trace_printk_prog(void)
{
	char fmt[] = "prog %d\n";
	struct bpfvm_insn insns[] = {
		I_MOV64_IMM(2, sizeof(fmt)),
		I_MOV64_IMM(3, -7),
		I_CALL(6),
		I_EXIT(),
	};
	struct bpfvm_prog *prog = NULL;
	struct bpfvm_error err;
	CHECK(bpfvm_prog__load(vm, insns, ARRAY_SIZE(insns), UNVERIFIED, &prog, &err) == 0);
	uint64_t ret = 0;
	trace_calls = 0;
	int rc = bpfvm_prog__run(prog, fmt, sizeof(fmt), NULL, &ret, &err);
	if (rc)
		fprintf(stderr, "run: %s\n", err.msg);
	CHECK(rc == 0);
	CHECK(ret == 8 && trace_calls == 1);
	CHECK(strcmp(trace_buf, "prog -7\n") == 0);
	bpfvm_prog__free(prog);
}

static void test_snprintf(void)
{
	uint64_t fmt = ro_str(0, "%d-%s");
	uint64_t *data = (uint64_t *)(void *)(stack + 512);
	data[0] = 7;
	data[1] = st_str(600, "ab");
	char *out = (char *)stack;

	memset(out, 'x', 16);
	CHECK(hcall(helper_snprintf, U(out), 16, fmt, U(data), 16) == 5);
	CHECK(strcmp(out, "7-ab") == 0);
	/* Truncated: returns the size needed, writes size - 1 and a NUL. */
	memset(out, 'x', 16);
	CHECK(hcall(helper_snprintf, U(out), 3, fmt, U(data), 16) == 5);
	CHECK(memcmp(out, "7-\0x", 4) == 0);
	CHECK(hcall(helper_snprintf, 0, 0, fmt, U(data), 16) == 5);
	/* Argument array rules. */
	CHECK(hcall(helper_snprintf, U(out), 16, fmt, U(data), 12) == E(-EINVAL));
	CHECK(hcall(helper_snprintf, U(out), 16, fmt, U(data), 13 * 8) == E(-EINVAL));
	CHECK(hcall(helper_snprintf, U(out), 16, fmt, 0, 16) == E(-EINVAL));
	CHECK(hcall(helper_snprintf, U(out), 16, fmt, U(data), 8) == E(-EINVAL)); /* 2 specs */
	CHECK(hcall(helper_snprintf, U(out), 16, ro_str(0, "none"), 0, 0) == 5);
	CHECK(strcmp(out, "none") == 0);
	/* Twelve arguments is the limit. */
	for (int i = 0; i < 12; i++)
		data[i] = (uint64_t)i;
	CHECK(hcall(helper_snprintf, U(out), 64, ro_str(0, "%d%d%d%d%d%d%d%d%d%d%d%d"), U(data),
		    96) == 15);
	CHECK(strcmp(out, "01234567891011") == 0);
	/* Bad buffers stop the run. */
	hcall_fails(helper_snprintf, U(rodata + 100), 16, fmt, U(data), 16, -EFAULT);
	hcall_fails(helper_snprintf, U(out), 16, fmt, U(outside), 16, -EFAULT);
	hcall_fails(helper_snprintf, U(out), 16, U(outside), 0, 0, -EFAULT);
}

/* ------------------------------------------------------------------ */
/* Strings                                                              */

struct strto_case {
	const char *s;
	uint64_t len; /* 0: strlen */
	uint64_t flags;
	int64_t rc;
	uint64_t res;
};

static void test_strtol(void)
{
	static const struct strto_case cases[] = {
		{ "123", 0, 0, 3, 123 },
		{ "  \t-42xyz", 0, 0, 6, (uint64_t)-42 },
		{ "0x1f", 0, 0, 4, 31 },
		{ "0x1F", 0, 16, 4, 31 },
		{ "1f", 0, 16, 2, 31 },
		{ "0x", 0, 0, 1, 0 },        /* auto base: octal "0", then 'x' */
		{ "0xg", 0, 0, 1, 0 },
		{ "0x", 0, 16, -EINVAL, 0 }, /* prefix skipped, no digits */
		{ "017", 0, 0, 3, 15 },
		{ "019", 0, 0, 2, 1 },
		{ "017", 0, 10, 3, 17 },
		{ "777", 0, 8, 3, 511 },
		{ "12345", 3, 10, 3, 123 },  /* buf_len bounds the parse */
		{ "9223372036854775807", 0, 0, 19, INT64_MAX },
		{ "9223372036854775808", 0, 0, -ERANGE, 0 },
		{ "-9223372036854775808", 0, 0, 20, (uint64_t)INT64_MIN },
		{ "-9223372036854775809", 0, 0, -ERANGE, 0 },
		{ "99999999999999999999", 0, 0, -ERANGE, 0 },
		{ "-0", 0, 0, 2, 0 },
		{ "+5", 0, 0, -EINVAL, 0 },  /* the kernel has no '+' */
		{ "   ", 0, 0, -EINVAL, 0 },
		{ "-", 0, 0, -EINVAL, 0 },
		{ "abc", 0, 10, -EINVAL, 0 },
		{ "1", 0, 2, -EINVAL, 0 },   /* base 2 */
		{ "1", 0, 0x20 | 10, -EINVAL, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct strto_case *c = &cases[i];
		uint64_t buf = ro_str(0, c->s);
		uint64_t *res = (uint64_t *)(void *)(stack + 8);
		*res = 0xdead;
		int64_t rc = (int64_t)hcall(helper_strtol, buf, c->len ? c->len : strlen(c->s),
					    c->flags, U(res), 0);
		if (rc != c->rc || *res != c->res)
			fprintf(stderr, "strtol case %zu \"%s\": rc %lld res %lld\n", i, c->s,
				(long long)rc, (long long)*res);
		CHECK(rc == c->rc);
		CHECK(*res == c->res); /* zeroed on error */
	}
	/* buf_len 0 */
	CHECK(hcall(helper_strtol, ro_str(0, "1"), 0, 0, U(stack), 0) == E(-EINVAL));
	/* res must be writable, buf readable for buf_len */
	hcall_fails(helper_strtol, ro_str(0, "1"), 1, 0, U(rodata + 64), 0, -EFAULT);
	hcall_fails(helper_strtol, U(rodata + 996), 8, 0, U(stack), 0, -EFAULT);
}

static void test_strtoul(void)
{
	static const struct strto_case cases[] = {
		{ "18446744073709551615", 0, 0, 20, UINT64_MAX },
		{ "18446744073709551616", 0, 0, -ERANGE, 0 },
		{ "0xffffffffffffffff", 0, 0, 18, UINT64_MAX },
		{ "0x10000000000000000", 0, 0, -ERANGE, 0 },
		{ "-1", 0, 0, -EINVAL, 0 },
		{ " 42 ", 0, 0, 3, 42 },
		{ "0", 0, 16, 1, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct strto_case *c = &cases[i];
		uint64_t *res = (uint64_t *)(void *)(stack + 8);
		*res = 0xdead;
		int64_t rc = (int64_t)hcall(helper_strtoul, ro_str(0, c->s), strlen(c->s), c->flags,
					    U(res), 0);
		if (rc != c->rc)
			fprintf(stderr, "strtoul case %zu: rc %lld\n", i, (long long)rc);
		CHECK(rc == c->rc);
		CHECK(*res == c->res);
	}
}

static void test_strncmp(void)
{
	uint64_t abc = ro_str(0, "abc"), abd = ro_str(8, "abd");
	CHECK(hcall(helper_strncmp, abc, 3, abd, 0, 0) == E(-1));
	CHECK(hcall(helper_strncmp, abd, 3, abc, 0, 0) == 1);
	CHECK(hcall(helper_strncmp, abc, 2, abd, 0, 0) == 0);
	CHECK(hcall(helper_strncmp, abc, 8, ro_str(16, "abc"), 0, 0) == 0); /* stops at NUL */
	CHECK(hcall(helper_strncmp, abc, 4, ro_str(16, "ab"), 0, 0) == 1);
	CHECK(hcall(helper_strncmp, ro_str(24, "\xff"), 1, ro_str(32, "a"), 0, 0) == 1);
	hcall_fails(helper_strncmp, abc, 3, U(outside), 0, 0, -EFAULT);
}

/* ------------------------------------------------------------------ */
/* csum_diff                                                            */

static uint16_t fold16(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void test_csum_diff(void)
{
	/* What Linux 6.18 returned (BPF_PROG_TEST_RUN of an XDP program
	 * calling bpf_csum_diff on these 16 stack bytes, from = bytes 0..,
	 * to = bytes 4..): the sum folded to 16 bits, any sizes. */
	static const uint8_t bytes[16] = { 0x44, 0x33, 0x22, 0x11, 0, 0, 0, 0,
					   0x88, 0x77, 0x66, 0x55, 0, 0, 0, 0 };
	static const struct {
		uint32_t seed, from_size, to_size;
		uint16_t want;
	} kernel[] = {
		{ 0x12345678, 0, 0, 0x68ac }, { 0, 0, 0, 0 },	       { 0, 4, 4, 0xbb99 },
		{ 0, 12, 0, 0xeeaa },	      { 0, 2, 0, 0xccbb },     { 0xffffffff, 0, 3, 0xffff },
		{ 5, 3, 5, 0xcd26 },	      { 0, 0, 12, 0xccee },
	};
	memcpy(stack, bytes, sizeof(bytes));
	for (size_t i = 0; i < sizeof(kernel) / sizeof(kernel[0]); i++)
		CHECK_EQ_U64(hcall(helper_csum_diff, U(stack), kernel[i].from_size, U(stack + 4),
				   kernel[i].to_size, kernel[i].seed),
			     kernel[i].want);
	uint32_t *from = (uint32_t *)(void *)stack, *to = (uint32_t *)(void *)(stack + 128);
	uint32_t x = 0x12345678;
	for (int i = 0; i < 16; i++) {
		x = x * 1103515245u + 12345u;
		from[i] = x;
		x = x * 1103515245u + 12345u;
		to[i] = x | 0xf0000000u; /* force carries */
	}
	/* Pushing data is the RFC 1071 sum of the bytes, folded. */
	uint32_t s16 = 0;
	const uint16_t *h = (const uint16_t *)(const void *)to;
	for (int i = 0; i < 32; i++)
		s16 += h[i];
	CHECK_EQ_U64(hcall(helper_csum_diff, 0, 0, U(to), 64, 0), fold16(s16));
	/* Diffing equal data gives -0. */
	CHECK_EQ_U64(hcall(helper_csum_diff, U(to), 64, U(to), 64, 0), 0xffff);
	/* Results never exceed 16 bits, for any sizes. */
	CHECK(hcall(helper_csum_diff, U(from), 3, U(to), 6, 0xdeadbeef) <= 0xffff);
	CHECK(hcall(helper_csum_diff, U(stack), 256, U(stack + 256), 260, 0) <= 0xffff);
	hcall_fails(helper_csum_diff, U(outside), 4, U(to), 4, 0, -EFAULT);
}

/* ------------------------------------------------------------------ */
/* Time, cpu, random, task                                              */

static void test_time(void)
{
	uint64_t a = hcall(helper_ktime_get_ns, 0, 0, 0, 0, 0);
	uint64_t b = hcall(helper_ktime_get_ns, 0, 0, 0, 0, 0);
	CHECK(a > 0 && b >= a);
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	CHECK(now >= b && now - b < 1000000000u);
	CHECK(hcall(helper_ktime_get_boot_ns, 0, 0, 0, 0, 0) >= a / 2);
	uint64_t c = hcall(helper_ktime_get_coarse_ns, 0, 0, 0, 0, 0);
	CHECK(c > 0 && c <= hcall(helper_ktime_get_coarse_ns, 0, 0, 0, 0, 0));
	CHECK(hcall(helper_ktime_get_tai_ns, 0, 0, 0, 0, 0) > 0);
	uint64_t j = hcall(helper_jiffies64, 0, 0, 0, 0, 0);
	uint64_t want = hcall(helper_ktime_get_ns, 0, 0, 0, 0, 0) / 4000000u; /* HZ = 250 */
	CHECK(j <= want && want - j <= 1);

	/* Through a program: the second reading is not before the first. */
	struct bpfvm_insn insns[] = {
		I_CALL(5), I_MOV64_REG(6, 0), I_CALL(5), I_ALU64_REG(BI_SUB, 0, 6), I_EXIT(),
	};
	struct bpfvm_prog *prog = NULL;
	struct bpfvm_error err;
	CHECK(bpfvm_prog__load(vm, insns, ARRAY_SIZE(insns), UNVERIFIED, &prog, &err) == 0);
	uint64_t ret = 0;
	CHECK(bpfvm_prog__run(prog, NULL, 0, NULL, &ret, &err) == 0);
	CHECK((int64_t)ret >= 0 && ret < 1000000000u);
	bpfvm_prog__free(prog);
}

static void *prandom_thread(void *arg)
{
	uint32_t *out = arg;
	for (int i = 0; i < 4; i++)
		out[i] = (uint32_t)helper_get_prandom_u32(0, 0, 0, 0, 0, NULL);
	return NULL;
}

static void test_prandom(void)
{
	uint32_t v[256];
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		uint64_t r = hcall(helper_get_prandom_u32, 0, 0, 0, 0, 0);
		CHECK(r <= UINT32_MAX);
		v[i] = (uint32_t)r;
	}
	int same = 0, high = 0;
	for (size_t i = 1; i < ARRAY_SIZE(v); i++) {
		same += v[i] == v[i - 1];
		high += (v[i] >> 31) & 1;
	}
	CHECK(same == 0);
	CHECK(high > 64 && high < 192); /* both halves of the range show up */
	/* Another thread has its own generator, and another sequence. */
	uint32_t t[4];
	pthread_t th;
	CHECK(pthread_create(&th, NULL, prandom_thread, t) == 0);
	pthread_join(th, NULL);
	CHECK(memcmp(t, v, sizeof(t)) != 0);
}

static void test_cpu(void)
{
	CHECK(hcall(helper_get_smp_processor_id, 0, 0, 0, 0, 0) == 3);
	BPFVM_OPTS(bpfvm_vm_opts, vo, .nr_cpus = 4);
	struct bpfvm_vm *v = bpfvm_vm__new(&vo);
	CHECK(v);
	struct bpfvm_insn insns[] = { I_CALL(8), I_EXIT() };
	struct bpfvm_prog *prog = NULL;
	struct bpfvm_error err;
	CHECK(bpfvm_prog__load(v, insns, ARRAY_SIZE(insns), UNVERIFIED, &prog, &err) == 0);
	for (uint32_t cpu = 0; cpu < 4; cpu++) {
		BPFVM_OPTS(bpfvm_run_opts, ro, .cpu = cpu);
		uint64_t ret = 99;
		CHECK(bpfvm_prog__run(prog, NULL, 0, &ro, &ret, &err) == 0);
		CHECK(ret == cpu);
	}
	bpfvm_prog__free(prog);
	bpfvm_vm__free(v);
}

static void test_task(void)
{
	uint64_t pt = hcall(helper_get_current_pid_tgid, 0, 0, 0, 0, 0);
	CHECK(pt >> 32 == (uint64_t)getpid());
	CHECK((uint32_t)pt == (uint32_t)syscall(SYS_gettid));
	uint64_t ug = hcall(helper_get_current_uid_gid, 0, 0, 0, 0, 0);
	CHECK((uint32_t)ug == getuid() && ug >> 32 == getgid());

	prctl(PR_SET_NAME, "bpfvm-helpers", 0, 0, 0);
	memset(stack, 'x', 32);
	CHECK(hcall(helper_get_current_comm, U(stack), 16, 0, 0, 0) == 0);
	CHECK(strcmp((char *)stack, "bpfvm-helpers") == 0);
	CHECK(stack[15] == 0 && stack[16] == 'x'); /* padded to size, no further */
	memset(stack, 'x', 32);
	CHECK(hcall(helper_get_current_comm, U(stack), 4, 0, 0, 0) == 0);
	CHECK(memcmp(stack, "bpf\0x", 5) == 0);
	hcall_fails(helper_get_current_comm, U(rodata), 16, 0, 0, 0, -EFAULT);
}

/* ------------------------------------------------------------------ */
/* probe_read                                                           */

static void test_probe_read(void)
{
	bpfvm_helper_fn plain[] = { helper_probe_read, helper_probe_read_user,
				    helper_probe_read_kernel };
	bpfvm_helper_fn str[] = { helper_probe_read_str, helper_probe_read_user_str,
				  helper_probe_read_kernel_str };
	uint64_t src = ro_str(0, "hello");
	for (int k = 0; k < 3; k++) {
		memset(stack, 0xaa, 32);
		CHECK(hcall(plain[k], U(stack), 6, src, 0, 0) == 0);
		CHECK(strcmp((char *)stack, "hello") == 0);
		/* A source outside program memory: -EFAULT and a zeroed buffer. */
		memset(stack, 0xaa, 32);
		CHECK(hcall(plain[k], U(stack), 8, U(outside), 0, 0) == E(-EFAULT));
		CHECK(stack[0] == 0 && stack[7] == 0 && stack[8] == 0xaa);
		/* Partly outside. */
		CHECK(hcall(plain[k], U(stack), 8, U(rodata + 996), 0, 0) == E(-EFAULT));
		CHECK(hcall(plain[k], U(stack), 0, U(outside), 0, 0) == 0);
		/* The destination must be writable. */
		hcall_fails(plain[k], U(rodata + 100), 4, src, 0, 0, -EFAULT);

		memset(stack, 0xaa, 32);
		CHECK(hcall(str[k], U(stack), 16, src, 0, 0) == 6);
		CHECK(strcmp((char *)stack, "hello") == 0 && stack[6] == 0xaa);
		memset(stack, 0xaa, 32);
		CHECK(hcall(str[k], U(stack), 3, src, 0, 0) == 3);
		CHECK(memcmp(stack, "he\0", 3) == 0 && stack[3] == 0xaa);
		CHECK(hcall(str[k], U(stack), 0, src, 0, 0) == 0);
		memset(stack, 0xaa, 32);
		CHECK(hcall(str[k], U(stack), 16, U(outside), 0, 0) == E(-EFAULT));
		CHECK(stack[0] == 0 && stack[15] == 0 && stack[16] == 0xaa);
		/* A string running off the end of its region. */
		memset(rodata + 992, 'z', 8);
		CHECK(hcall(str[k], U(stack), 16, U(rodata + 992), 0, 0) == E(-EFAULT));
	}
}

/* ------------------------------------------------------------------ */
/* Spin locks, from several threads through a program                   */

struct locked {
	uint32_t lock;
	uint32_t pad;
	uint64_t counter;
};

static struct bpfvm_prog *lock_prog;
static struct locked shared;
#define LOCK_THREADS 4
#define LOCK_ITERS 20000

static void *lock_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < LOCK_ITERS; i++) {
		uint64_t ret;
		struct bpfvm_error err;
		if (bpfvm_prog__run(lock_prog, &shared, sizeof(shared), NULL, &ret, &err) != 0)
			return (void *)1;
	}
	return NULL;
}

static void test_spin_lock(void)
{
	/* lock; r1 = counter; r1 += 1; (a window for races); counter = r1;
	 * unlock */
	struct bpfvm_insn insns[] = {
		I_MOV64_REG(6, 1),
		I_CALL(93),
		I_LDX(BI_DW, 1, 6, 8),
		I_ALU64_IMM(BI_ADD, 1, 1),
		I_MOV64_IMM(2, 0),
		I_ALU64_IMM(BI_ADD, 2, 1),
		I_ALU64_IMM(BI_ADD, 2, 1),
		I_STX(BI_DW, 6, 1, 8),
		I_MOV64_REG(1, 6),
		I_CALL(94),
		I_MOV64_IMM(0, 0),
		I_EXIT(),
	};
	struct bpfvm_error err;
	CHECK(bpfvm_prog__load(vm, insns, ARRAY_SIZE(insns), UNVERIFIED, &lock_prog, &err) == 0);
	pthread_t th[LOCK_THREADS];
	for (int i = 0; i < LOCK_THREADS; i++)
		CHECK(pthread_create(&th[i], NULL, lock_thread, NULL) == 0);
	for (int i = 0; i < LOCK_THREADS; i++) {
		void *r;
		pthread_join(th[i], &r);
		CHECK(r == NULL);
	}
	CHECK(shared.counter == (uint64_t)LOCK_THREADS * LOCK_ITERS);
	CHECK(shared.lock == 0);
	bpfvm_prog__free(lock_prog);

	/* Misaligned or read-only locks stop the run. */
	hcall_fails(helper_spin_lock, U(stack + 2), 0, 0, 0, 0, -EINVAL);
	hcall_fails(helper_spin_lock, U(rodata), 0, 0, 0, 0, -EFAULT);
	hcall_fails(helper_spin_unlock, U(outside), 0, 0, 0, 0, -EFAULT);
}

/* ------------------------------------------------------------------ */
/* Map helpers                                                          */

/* Ringbuf records: the 8-byte output, then 16 bytes of 0x5a. */
static int rb_record(void *ctx, const void *data, size_t size)
{
	int *n = ctx;
	const unsigned char *d = data;
	if (*n == 0 && (size != 8 || *(const uint64_t *)data != 0x1122334455667788ull))
		return -1;
	if (*n == 1 && (size != 16 || d[0] != 0x5a || d[15] != 0x5a))
		return -1;
	(*n)++;
	return 0;
}

static int test_maps(void)
{
	struct bpfvm_error err;
	struct bpfvm_map *arr = bpfvm_map__create(vm, BPFVM_MAP_TYPE_ARRAY, "arr", 4, 8, 4, NULL,
						  &err);
	if (!arr) {
		printf("note: map tests skipped: bpfvm_map__create: %s\n", err.msg);
		return 0;
	}
	/* if (!lookup(arr, &key=1)) return -1; value = 5 (on the stack);
	 * return update(arr, &key=2, &value). The program does not read the
	 * looked-up value itself: the interpreter does not map values of maps
	 * loaded through raw ld_imm64 (src 0) yet. */
	struct bpfvm_insn insns[] = {
		I_ST(BI_W, 10, -4, 1),
		I_LD_IMM64(1, U(arr)),
		I_MOV64_REG(2, 10),
		I_ALU64_IMM(BI_ADD, 2, -4),
		I_CALL(1),
		I_JMP_IMM(BI_JNE, 0, 0, 2),
		I_MOV64_IMM(0, -1),
		I_EXIT(),
		I_ST(BI_DW, 10, -16, 5),
		I_ST(BI_W, 10, -4, 2),
		I_MOV64_REG(3, 10),
		I_ALU64_IMM(BI_ADD, 3, -16),
		I_LD_IMM64(1, U(arr)),
		I_MOV64_REG(2, 10),
		I_ALU64_IMM(BI_ADD, 2, -4),
		I_MOV64_IMM(4, BPFVM_ANY),
		I_CALL(2),
		I_EXIT(),
	};
	struct bpfvm_prog *prog = NULL;
	CHECK(bpfvm_prog__load(vm, insns, ARRAY_SIZE(insns), UNVERIFIED, &prog, &err) == 0);
	uint64_t ret = 1;
	int rc = bpfvm_prog__run(prog, NULL, 0, NULL, &ret, &err);
	if (rc)
		fprintf(stderr, "map prog: %s\n", err.msg);
	CHECK(rc == 0 && ret == 0);
	uint32_t key = 2;
	uint64_t val = 0;
	CHECK(bpfvm_map__lookup(arr, &key, &val) == 0 && val == 5);
	bpfvm_prog__free(prog);

	/* A forged map pointer stops the run. */
	struct bpfvm_insn forged[] = {
		I_ST(BI_W, 10, -4, 1),
		I_LD_IMM64(1, U(arr) + 8),
		I_MOV64_REG(2, 10),
		I_ALU64_IMM(BI_ADD, 2, -4),
		I_CALL(1),
		I_EXIT(),
	};
	CHECK(bpfvm_prog__load(vm, forged, ARRAY_SIZE(forged), UNVERIFIED, &prog, &err) == 0);
	CHECK(bpfvm_prog__run(prog, NULL, 0, NULL, &ret, &err) == -EINVAL);
	CHECK_STR_CONTAINS(err.msg, "not a map");
	CHECK(err.insn == 5); /* the call */
	bpfvm_prog__free(prog);

	/* Direct calls: results and errors. */
	uint32_t *k = (uint32_t *)(void *)stack;
	uint64_t *v = (uint64_t *)(void *)(stack + 8);
	*k = 3;
	*v = 77;
	uint64_t urc = hcall(helper_map_update_elem, U(arr), U(k), U(v), BPFVM_ANY, 0);
	if (urc) fprintf(stderr, "update: %lld\n", (long long)urc);
	CHECK(urc == 0);
	uint64_t p = hcall(helper_map_lookup_elem, U(arr), U(k), 0, 0, 0);
	CHECK(p && *(uint64_t *)(uintptr_t)p == 77);
	*k = 4; /* out of range */
	CHECK(hcall(helper_map_lookup_elem, U(arr), U(k), 0, 0, 0) == 0);
	CHECK(hcall(helper_map_update_elem, U(arr), U(k), U(v), BPFVM_ANY, 0) == E(-E2BIG));
	*k = 0;
	CHECK(hcall(helper_map_update_elem, U(arr), U(k), U(v), BPFVM_NOEXIST, 0) == E(-EEXIST));
	CHECK(hcall(helper_map_delete_elem, U(arr), U(k), 0, 0, 0) == E(-EINVAL));
	hcall_fails(helper_map_lookup_elem, U(arr), U(outside), 0, 0, 0, -EFAULT);
	hcall_fails(helper_map_update_elem, U(arr), U(k), U(rodata + 1020), 0, 0, -EFAULT);
	hcall_fails(helper_map_lookup_elem, U(k), U(k), 0, 0, 0, -EINVAL);
	bpfvm_map__put(arr);

	/* Queue: push, peek, pop. */
	struct bpfvm_map *q = bpfvm_map__create(vm, BPFVM_MAP_TYPE_QUEUE, "q", 0, 8, 2, NULL, &err);
	if (q) {
		*v = 11;
		CHECK(hcall(helper_map_push_elem, U(q), U(v), 0, 0, 0) == 0);
		*v = 12;
		CHECK(hcall(helper_map_push_elem, U(q), U(v), 0, 0, 0) == 0);
		CHECK(hcall(helper_map_push_elem, U(q), U(v), 0, 0, 0) == E(-E2BIG));
		CHECK(hcall(helper_map_peek_elem, U(q), U(v), 0, 0, 0) == 0 && *v == 11);
		CHECK(hcall(helper_map_pop_elem, U(q), U(v), 0, 0, 0) == 0 && *v == 11);
		CHECK(hcall(helper_map_pop_elem, U(q), U(v), 0, 0, 0) == 0 && *v == 12);
		CHECK(hcall(helper_map_pop_elem, U(q), U(v), 0, 0, 0) == E(-ENOENT));
		hcall_fails(helper_map_pop_elem, U(q), U(rodata), 0, 0, 0, -EFAULT);
		bpfvm_map__put(q);
	}

	/* Per-CPU lookups of another cpu's slot. */
	struct bpfvm_map *pc = bpfvm_map__create(vm, BPFVM_MAP_TYPE_PERCPU_ARRAY, "pc", 4, 8, 1,
						 NULL, &err);
	if (pc) {
		*k = 0;
		uint64_t a = hcall(helper_map_lookup_percpu_elem, U(pc), U(k), 0, 0, 0);
		uint64_t b = hcall(helper_map_lookup_percpu_elem, U(pc), U(k),
				   bpfvm_vm__nr_cpus(vm) - 1, 0, 0);
		CHECK(a && b && (a == b) == (bpfvm_vm__nr_cpus(vm) == 1));
		CHECK(hcall(helper_map_lookup_percpu_elem, U(pc), U(k), bpfvm_vm__nr_cpus(vm), 0,
			    0) == 0);
		bpfvm_map__put(pc);
	}

	/* Ringbuf: output, then reserve + submit, consumed on the host. */
	struct bpfvm_map *rb = bpfvm_map__create(vm, BPFVM_MAP_TYPE_RINGBUF, "rb", 0, 0, 4096, NULL,
						 &err);
	if (rb) {
		*v = 0x1122334455667788ull;
		CHECK(hcall(helper_ringbuf_output, U(rb), U(v), 8, 0, 0) == 0);
		uint64_t s = hcall(helper_ringbuf_reserve, U(rb), 16, 0, 0, 0);
		CHECK(s != 0);
		memset((void *)(uintptr_t)s, 0x5a, 16);
		hcall(helper_ringbuf_submit, s, 0, 0, 0, 0);
		CHECK(hcall(helper_ringbuf_query, U(rb), 0, 0, 0, 0) > 0); /* BPF_RB_AVAIL_DATA */
		int n = 0;
		CHECK(bpfvm_map__ringbuf_consume(rb, rb_record, &n) == 2 && n == 2);
		/* reserve + discard leaves nothing to consume */
		s = hcall(helper_ringbuf_reserve, U(rb), 8, 0, 0, 0);
		CHECK(s != 0);
		hcall(helper_ringbuf_discard, s, 0, 0, 0, 0);
		CHECK(bpfvm_map__ringbuf_consume(rb, rb_record, &n) == 0 && n == 2);
		hcall_fails(helper_ringbuf_submit, U(outside), 0, 0, 0, 0, -EFAULT);
		hcall_fails(helper_ringbuf_output, U(k), U(v), 8, 0, 0, -EINVAL);
		bpfvm_map__put(rb);
	}

	/* Perf event array: flags are the index or BPF_F_CURRENT_CPU. */
	struct bpfvm_map *pe = bpfvm_map__create(vm, BPFVM_MAP_TYPE_PERF_EVENT_ARRAY, "pe", 4, 4,
						 4, NULL, &err);
	if (pe) {
		*v = 42;
		CHECK(hcall(helper_perf_event_output, 0, U(pe), 0xffffffffull, U(v), 8) == 0);
		CHECK(hcall(helper_perf_event_output, 0, U(pe), 1, U(v), 8) == 0);
		CHECK(hcall(helper_perf_event_output, 0, U(pe), 4, U(v), 8) == E(-E2BIG));
		CHECK(hcall(helper_perf_event_output, 0, U(pe), 1ull << 32, U(v), 8) == E(-EINVAL));
		hcall_fails(helper_perf_event_output, 0, U(pe), 0, U(outside), 8, -EFAULT);
		bpfvm_map__put(pe);
	}
	return 1;
}

int main(void)
{
	BPFVM_OPTS(bpfvm_vm_opts, vo, .trace_print = capture, .nr_cpus = 4);
	vm = bpfvm_vm__new(&vo);
	CHECK(vm);

	test_table();
	test_unimplemented();
	test_trace_printk();
	test_trace_printk_prog();
	test_snprintf();
	test_strtol();
	test_strtoul();
	test_strncmp();
	test_csum_diff();
	test_time();
	test_prandom();
	test_cpu();
	test_task();
	test_probe_read();
	test_spin_lock();
	test_maps();

	bpfvm_vm__free(vm);
	CHECK_DONE();
}
