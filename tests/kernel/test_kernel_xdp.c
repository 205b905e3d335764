/*
 * test_kernel_xdp.c - the running kernel as the judge of XDP verdicts.
 *
 * Each XDP program of the test objects (tests/programs/xdp_parse.o and the
 * bench programs bpfvm verifies) is loaded into the kernel through libbpf
 * and into bpfvm with the verifier, then run on the same packets: the
 * kernel through BPF_PROG_TEST_RUN, bpfvm with a real xdp_md context, under
 * the interpreter and under the JIT. The return value and the packet after
 * the run must be identical. Each side starts from fresh maps.
 *
 * Needs root and a working bpf(); skips (exit 77) with a message when the
 * kernel is not available, never fails for that reason.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfvm.h"
#include "kernel_probe.h"

#define HEADROOM 256
#define MAX_PKT 1600

static int failures, compared;

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level, (void)fmt, (void)ap;
	return 0;
}

/* The packets: the bench packet, truncations of it at the header
 * boundaries, and a UDP-to-port-9 variant (xdp_parse drops those). */
static size_t make_packet(int which, const uint8_t *bench, uint8_t *out)
{
	static const size_t cuts[] = { 1500, 14, 18, 33, 34, 37, 38, 42, 60, 64, 100 };
	if (which < (int)(sizeof(cuts) / sizeof(cuts[0]))) {
		memcpy(out, bench, cuts[which]);
		return cuts[which];
	}
	/* Ethernet + IPv4 + UDP to port 9, 64 bytes. */
	memset(out, 0, 64);
	out[12] = 0x08;
	out[14] = 0x45;
	out[16] = 0, out[17] = 50;
	out[22] = 64, out[23] = 17; /* ttl, UDP */
	out[34] = 0x30, out[35] = 0x39, out[36] = 0, out[37] = 9;
	return 64;
}
#define N_PACKETS 12

static void compare_object(const char *path, const uint8_t *bench, enum bpfvm_engine engine)
{
	const char *ename = engine == BPFVM_ENGINE_JIT ? "jit" : "interpreter";
	struct bpf_object *kobj = bpf_object__open_file(path, NULL);
	if (!kobj || bpf_object__load(kobj)) {
		printf("%s: the kernel does not load it; skipped\n", path);
		bpf_object__close(kobj);
		return;
	}
	struct bpfvm_error err;
	struct bpfvm_vm *vm = bpfvm_vm__new(NULL);
	BPFVM_OPTS(bpfvm_object_opts, oo, .engine = engine);
	struct bpfvm_object *obj = bpfvm_object__open_file(vm, path, &oo, &err);
	if (!obj || bpfvm_object__load(obj, &err)) {
		printf("%s: bpfvm does not verify it yet (%s); skipped\n", path, err.msg);
		bpfvm_object__close(obj);
		bpfvm_vm__free(vm);
		bpf_object__close(kobj);
		return;
	}
	struct bpf_program *kp;
	bpf_object__for_each_program(kp, kobj) {
		if (bpf_program__type(kp) != BPF_PROG_TYPE_XDP)
			continue;
		const char *name = bpf_program__name(kp);
		struct bpfvm_prog *prog = bpfvm_object__find_prog(obj, name);
		if (!prog) {
			printf("MISMATCH %s %s: bpfvm has no such program\n", path, name);
			failures++;
			continue;
		}
		for (int w = 0; w < N_PACKETS; w++) {
			uint8_t pkt[MAX_PKT], kout[MAX_PKT + 512], buf[HEADROOM + MAX_PKT];
			size_t len = make_packet(w, bench, pkt);
			LIBBPF_OPTS(bpf_test_run_opts, topts, .data_in = pkt, .data_size_in = (__u32)len,
				    .data_out = kout, .data_size_out = sizeof(kout), .repeat = 1);
			int kr = bpf_prog_test_run_opts(bpf_program__fd(kp), &topts);
			if (kr) {
				printf("%s %s packet %d: the kernel's test run fails (%s); skipped\n",
				       path, name, w, strerror(-kr));
				continue;
			}
			memset(buf, 0, HEADROOM);
			memcpy(buf + HEADROOM, pkt, len);
			struct bpfvm_xdp_ctx ctx = {
				.data = buf + HEADROOM, .data_end = buf + HEADROOM + len,
				.data_meta = buf + HEADROOM, .ingress_ifindex = 1,
			};
			struct bpfvm_region region = { buf, sizeof(buf), true };
			BPFVM_OPTS(bpfvm_run_opts, ro, .regions = &region, .n_regions = 1);
			uint64_t r0 = 0;
			int vr = bpfvm_prog__run(prog, &ctx, sizeof(ctx), &ro, &r0, &err);
			size_t vlen = (size_t)((uint8_t *)ctx.data_end - (uint8_t *)ctx.data);
			compared++;
			if (vr || (uint32_t)r0 != topts.retval || vlen != topts.data_size_out ||
			    memcmp(ctx.data, kout, vlen)) {
				printf("MISMATCH %s %s packet %d (%zu bytes): kernel %u (%u bytes out), "
				       "bpfvm %s%llu (%zu bytes out)\n", path, name, w, len, topts.retval,
				       topts.data_size_out, vr ? "error " : "",
				       (unsigned long long)(vr ? (uint64_t)vr : r0), vlen);
				failures++;
			}
		}
		printf("%s %s (%s): %d packets, %s\n", path, name, ename, N_PACKETS,
		       failures ? "see above" : "same as the kernel");
	}
	bpfvm_object__close(obj);
	bpfvm_vm__free(vm);
	bpf_object__close(kobj);
}

int main(int argc, char **argv)
{
	if (!kernel_available())
		return SKIP;
	libbpf_set_print(silent);

	uint8_t bench[1500] = { 0 };
	FILE *f = fopen(BENCH_PACKET, "rb");
	if (!f || fread(bench, 1, sizeof(bench), f) != sizeof(bench)) {
		fprintf(stderr, "cannot read %s\n", BENCH_PACKET);
		return 1;
	}
	fclose(f);
	for (int i = 1; i < argc; i++) {
		compare_object(argv[i], bench, BPFVM_ENGINE_INTERP);
		compare_object(argv[i], bench, BPFVM_ENGINE_JIT);
	}
	printf("test_kernel_xdp: %d runs compared, %d mismatches\n", compared, failures);
	return failures ? 1 : compared ? 0 : SKIP;
}
