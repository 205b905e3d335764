/*
 * side.c - one program in both verifiers (vdiff.h).
 *
 * The kernel side: bpf_prog_load() of the instructions with the map fds
 * put into the map ld_imm64s (src 1 and 2), first without a log (the fast
 * path), and again with one when refused, for the message. The bpfvm
 * side: bpfvm_prog__load() with the same program type and maps, verified.
 * When both accept, the program runs in bpfvm's checked interpreter (a
 * run with an instruction budget never takes the trusted loop) on packets
 * of a few lengths around the edges the generator uses: a fault there is
 * a bpfvm verifier bug whatever the kernel said.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include <unistd.h>

#include "../kernel_probe.h"
#include "vdiff.h"

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level, (void)fmt, (void)ap;
	return 0;
}

bool vdf_kernel_available(void)
{
	libbpf_set_print(silent);
	return kernel_available();
}

int vdf_env_init(struct vdf_env *env, bool kernel)
{
	memset(env, 0, sizeof(*env));
	env->kernel = kernel;
	struct bpfvm_error err;
	env->vm = bpfvm_vm__new(NULL);
	if (!env->vm)
		return -1;
	for (size_t i = 0; i < VD_NMAPS; i++) {
		const struct vd_map *m = &vd_maps[i];
		env->kfd[i] = -1;
		if (kernel) {
			env->kfd[i] = bpf_map_create((enum bpf_map_type)m->type, "vdiff", m->key,
						     m->value, m->entries, NULL);
			if (env->kfd[i] < 0)
				return -1;
		}
		env->vmap[i] = bpfvm_map__create(env->vm, (enum bpfvm_map_type)m->type, "vdiff",
						 m->key, m->value, m->entries, NULL, &err);
		if (!env->vmap[i])
			return -1;
	}
	return 0;
}

void vdf_env_fini(struct vdf_env *env)
{
	for (size_t i = 0; i < VD_NMAPS; i++) {
		if (env->kfd[i] >= 0)
			close(env->kfd[i]);
		bpfvm_map__put(env->vmap[i]);
	}
	bpfvm_vm__free(env->vm);
}

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

bool vdf_case_make(struct vdf_case *tc, uint64_t seed, uint32_t type)
{
	uint8_t bytes[1024];
	uint64_t x = seed;
	for (size_t i = 0; i < sizeof(bytes); i += 8) {
		uint64_t v = splitmix(&x);
		memcpy(bytes + i, &v, 8);
	}
	struct vgen_src src = { bytes, sizeof(bytes), 0 };
	memset(tc, 0, sizeof(*tc));
	tc->seed = seed;
	tc->type = type;
	struct vd g;
	tc->n = vd_program_g(&src, tc->insns, type, &g);
	tc->scn_mask = g.scn_mask;
	tc->first = g.first;
	return tc->n > 0;
}

/* ------------------------------------------------------------------ */
/* The kernel                                                          */

static char klog[1 << 18];

/* 0 accepted, or -errno with msg filled. */
static int kernel_verdict(const struct vdf_env *env, const struct vdf_case *tc, char *msg,
			  size_t size)
{
	struct bpf_insn k[VD_MAX];
	memcpy(k, tc->insns, tc->n * sizeof(k[0]));
	for (size_t i = 0; i + 1 < tc->n; i++)
		if (k[i].code == (BPF_LD | BPF_DW | BPF_IMM)) {
			if ((k[i].src_reg == BPF_PSEUDO_MAP_FD || k[i].src_reg == BPF_PSEUDO_MAP_VALUE) &&
			    k[i].imm >= 0 && k[i].imm < (int)VD_NMAPS)
				k[i].imm = env->kfd[k[i].imm];
			i++;
		}
	enum bpf_prog_type type = (enum bpf_prog_type)tc->type;
	int fd = bpf_prog_load(type, "vdiff", "GPL", k, tc->n, NULL);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	int rc = fd;
	klog[0] = 0;
	LIBBPF_OPTS(bpf_prog_load_opts, lo, .log_buf = klog, .log_size = sizeof(klog),
		    .log_level = 1);
	fd = bpf_prog_load(type, "vdiff", "GPL", k, tc->n, &lo);
	if (fd >= 0) { /* accepted with a log: should not happen */
		close(fd);
		snprintf(msg, size, "%s (accepted when asked for a log)", strerror(-rc));
		return rc;
	}
	char line[VDF_MSG - 32];
	kernel_log_reason(klog, line, sizeof(line));
	snprintf(msg, size, "%s", line);
	return rc;
}

/* ------------------------------------------------------------------ */
/* bpfvm                                                               */

static int bpfvm_verdict(struct vdf_env *env, const struct vdf_case *tc, struct bpfvm_prog **prog,
			 char *msg, size_t size)
{
	struct bpfvm_error err;
	BPFVM_OPTS(bpfvm_load_opts, lo, .name = "vdiff", .maps = env->vmap, .n_maps = VD_NMAPS,
		   .prog_type = tc->type);
	*prog = NULL;
	int rc = bpfvm_prog__load(env->vm, tc->insns, tc->n, &lo, prog, &err);
	if (rc) {
		*prog = NULL;
		snprintf(msg, size, "%s", err.msg);
		return rc;
	}
	if (!bpfvm_prog__verified(*prog, NULL)) { /* cannot be: no unverified asked */
		snprintf(msg, size, "loaded without the verifier");
		bpfvm_prog__free(*prog);
		*prog = NULL;
		return -EINVAL;
	}
	return 0;
}

/* The checked runs: XDP in a frame laid out as the kernel's test run
 * lays it out; socket filters with the packet as skb data. Returns the
 * runs that faulted (msg: the first). */
static int checked_runs(const struct bpfvm_prog *prog, uint32_t type, uint64_t seed, char *msg,
			size_t size)
{
	static _Alignas(64) uint8_t frame[BPFVM_XDP_FRAME_SIZE];
	static const uint32_t lens[] = { 14, 15, 33, 34, 64, 65, 72, 100 };
	uint64_t x = seed ^ 0x5bd1e995;
	int faults = 0;
	for (int i = 0; i < 3; i++) {
		uint32_t len = lens[splitmix(&x) % (sizeof(lens) / sizeof(lens[0]))];
		memset(frame, 0, sizeof(frame));
		uint8_t *data = frame + BPFVM_XDP_HEADROOM;
		for (uint32_t k = 0; k < len; k++)
			data[k] = (uint8_t)splitmix(&x);
		/* the buffer the helpers may use: XDP's ends before the tailroom */
		struct bpfvm_region reg = { frame, type == VD_XDP ? BPFVM_XDP_FRAME_SIZE -
								BPFVM_XDP_TAILROOM
							      : sizeof(frame),
					    true };
		BPFVM_OPTS(bpfvm_run_opts, ro, .regions = &reg, .n_regions = 1,
			   .insn_budget = 1000000);
		struct bpfvm_error err;
		uint64_t r0;
		int rc;
		if (type == VD_XDP) {
			struct bpfvm_xdp_ctx c = {
				.data = data, .data_end = data + len, .data_meta = data,
				.ingress_ifindex = 1, .data_hard_start = frame,
				.data_hard_end = frame + BPFVM_XDP_FRAME_SIZE - BPFVM_XDP_TAILROOM,
			};
			rc = bpfvm_prog__run(prog, &c, sizeof(c), &ro, &r0, &err);
		} else {
			struct bpfvm_skb_ctx c = { .data = data, .data_end = data + len,
						   .data_meta = data, .len = len, .ifindex = 1,
						   .data_hard_start = frame,
						   .data_hard_end = frame + sizeof(frame) };
			ro.packet = data;
			ro.packet_len = len;
			rc = bpfvm_prog__run(prog, &c, sizeof(c), &ro, &r0, &err);
		}
		/* -E2BIG: the budget (no loops here, so it cannot be); other
		 * errors: a memory check fired, or a helper failed the run */
		if (rc) {
			if (!faults++)
				snprintf(msg, size, "packet of %u bytes: insn %ld: %s", len, err.insn,
					 err.msg);
		}
	}
	return faults;
}

int vdf_check(struct vdf_env *env, const struct vdf_case *tc, bool run, struct vdf_verdict *v)
{
	memset(v, 0, sizeof(*v));
	if (env->kernel) {
		v->kernel_errno = -kernel_verdict(env, tc, v->kernel_msg, sizeof(v->kernel_msg));
		v->kernel_ok = !v->kernel_errno;
	} else {
		snprintf(v->kernel_msg, sizeof(v->kernel_msg), "no kernel");
	}
	struct bpfvm_prog *prog;
	v->bpfvm_ok = !bpfvm_verdict(env, tc, &prog, v->bpfvm_msg, sizeof(v->bpfvm_msg));
	if (v->bpfvm_ok && run)
		v->run_faults = checked_runs(prog, tc->type, tc->seed, v->run_msg, sizeof(v->run_msg));
	bpfvm_prog__free(prog);
	if (v->kernel_ok)
		return v->bpfvm_ok ? VDF_BOTH_ACCEPT : VDF_GAP;
	return v->bpfvm_ok ? VDF_UNSOUND : VDF_BOTH_REFUSE;
}

/* ------------------------------------------------------------------ */
/* The kernel's atomic-fetch bug                                       */

static bool fetch_on_stack(const struct bpfvm_insn *in)
{
	return in->code == (BI_STX | BI_ATOMIC | BI_DW) || in->code == (BI_STX | BI_ATOMIC | BI_W)
		       ? in->dst == 10 && (in->imm & BI_FETCH) : false;
}

bool vdf_kernel_atomic_bug(struct vdf_env *env, const struct vdf_case *tc)
{
	static struct vdf_case t;
	t = *tc;
	bool any = false;
	for (size_t i = 0; i < t.n; i++) {
		struct bpfvm_insn *in = &t.insns[i];
		if (i > 0 && t.insns[i - 1].code == (BI_LD | BI_DW | BI_IMM))
			continue;
		if (!fetch_on_stack(in))
			continue;
		/* the same read, without the atomic: dst = *(size *)(r10 + off) */
		unsigned dst = in->imm == BI_CMPXCHG ? 0 : in->src;
		*in = (struct bpfvm_insn)I_LDX(in->code & 0x18, dst, 10, in->off);
		any = true;
	}
	if (!any || !env->kernel)
		return false;
	/* the kernel accepted the fetch only: with a plain load it refuses,
	 * as bpfvm does */
	struct vdf_verdict v;
	return vdf_check(env, &t, false, &v) == VDF_BOTH_REFUSE;
}

/* Replace slot at with the m slots rep, fixing the jumps (a jump to at
 * lands on the first of them). False when it does not fit. */
static bool expand(struct vdf_case *tc, size_t at, const struct bpfvm_insn *rep, size_t m)
{
	if (tc->n + m - 1 > VD_MAX)
		return false;
	long map[VD_MAX + 1];
	for (size_t i = 0; i <= tc->n; i++)
		map[i] = (long)i + (i > at ? (long)m - 1 : 0);
	struct bpfvm_insn out[VD_MAX];
	size_t k = 0;
	for (size_t i = 0; i < tc->n; i++) {
		if (i == at) {
			memcpy(out + k, rep, m * sizeof(*rep));
			k += m;
			continue;
		}
		struct bpfvm_insn in = tc->insns[i];
		uint8_t cls = in.code & 7, op = in.code & 0xf0;
		if ((cls == BI_JMP || cls == BI_JMP32) && op != BI_CALL && op != BI_EXIT &&
		    !(i > 0 && tc->insns[i - 1].code == (BI_LD | BI_DW | BI_IMM))) {
			long t = (long)i + 1 + in.off;
			if (t >= 0 && t <= (long)tc->n)
				in.off = (int16_t)(map[t] - (long)k - 1);
		}
		out[k++] = in;
	}
	memcpy(tc->insns, out, k * sizeof(out[0]));
	tc->n = k;
	return true;
}

/*
 * Range rules bpfvm has and Linux 6.18 lacks, each rewritten into
 * operations both verifiers track, with the same (or, for division, a
 * wider) range, so that what the kernel then accepts shows the mismatch
 * was only the missing rule:
 *   r %= K   [0, K - 1]        if r < K goto +1; r = K - 1  (w = w first)
 *   r /= K   [0, umax / K]     r >>= floor(log2 K)          (wider: sound)
 *   r = -r                     r9 = r; r = 0; r -= r9       (the same value;
 *                              vdgen.h never uses r9)
 */
static bool rewrite_ranges(struct vdf_case *t)
{
	bool any = false;
	for (size_t i = 0; i < t->n; i++) {
		struct bpfvm_insn in = t->insns[i];
		uint8_t cls = in.code & 7, op = in.code & 0xf0;
		if (i > 0 && t->insns[i - 1].code == (BI_LD | BI_DW | BI_IMM))
			continue;
		if ((cls != BI_ALU && cls != BI_ALU64) || in.off)
			continue;
		struct bpfvm_insn rep[3];
		size_t m = 0;
		bool k = (in.code & BI_X) == 0;
		/* K as the operation sees it: imm sign-extended (64-bit) or
		 * taken as u32 (32-bit); the jump and move immediates below
		 * extend the same way */
		uint64_t kk = cls == BI_ALU64 ? (uint64_t)(int64_t)in.imm : (uint32_t)in.imm;
		if (op == BI_MOD && k && in.imm) {
			if (cls == BI_ALU)
				rep[m++] = (struct bpfvm_insn)I_MOV32_REG(in.dst, in.dst);
			rep[m++] = (struct bpfvm_insn)I_RAW((cls == BI_ALU ? BI_JMP32 : BI_JMP) | BI_JLT |
							    BI_K, in.dst, 0, 1, in.imm);
			rep[m++] = (struct bpfvm_insn)I_RAW(cls | BI_MOV | BI_K, in.dst, 0, 0, in.imm - 1);
		} else if (op == BI_DIV && k && in.imm) {
			int sh = 0;
			while (sh < 63 && (2ull << sh) <= kk && (2ull << sh))
				sh++;
			rep[m++] = (struct bpfvm_insn)I_RAW(cls | BI_RSH | BI_K, in.dst, 0, 0, sh);
		} else if (op == BI_NEG && in.dst != 9) {
			rep[m++] = (struct bpfvm_insn)I_RAW(cls | BI_MOV | BI_X, 9, in.dst, 0, 0);
			rep[m++] = (struct bpfvm_insn)I_RAW(cls | BI_MOV | BI_K, in.dst, 0, 0, 0);
			rep[m++] = (struct bpfvm_insn)I_RAW(cls | BI_SUB | BI_X, in.dst, 9, 0, 0);
		} else {
			continue;
		}
		if (!expand(t, i, rep, m))
			return false;
		i += m - 1;
		any = true;
	}
	return any;
}

/* One ALU operation on constants, as the ISA defines it (bits 32: the
 * low halves, the result zero-extended). false for an operation this does
 * not fold (byte swaps, signed division). */
static bool fold(uint8_t op, unsigned bits, uint64_t a, uint64_t b, uint64_t *r)
{
	uint64_t m = bits == 32 ? 0xffffffffull : ~0ull;
	a &= m, b &= m;
	unsigned sh = (unsigned)(b & (bits - 1));
	switch (op) {
	case BI_ADD: *r = a + b; break;
	case BI_SUB: *r = a - b; break;
	case BI_MUL: *r = a * b; break;
	case BI_DIV: *r = b ? a / b : 0; break;
	case BI_MOD: *r = b ? a % b : a; break;
	case BI_OR: *r = a | b; break;
	case BI_AND: *r = a & b; break;
	case BI_XOR: *r = a ^ b; break;
	case BI_LSH: *r = a << sh; break;
	case BI_RSH: *r = a >> sh; break;
	case BI_ARSH:
		*r = bits == 32 ? (uint64_t)(uint32_t)((int32_t)a >> sh) : (uint64_t)((int64_t)a >> sh);
		break;
	case BI_NEG: *r = -a; break;
	case BI_MOV: *r = b; break;
	default: return false;
	}
	*r &= m;
	return true;
}

/* Linux 6.18 computes no range for MOD, DIV and NEG even of constants;
 * bpfvm folds them. Each such operation on registers known constant
 * (straight-line from a mov, no jump landing in between) becomes a move
 * of the folded value: the same program for both verifiers, with the
 * constant spelled out. */
static bool rewrite_consts(struct vdf_case *t)
{
	bool target[VD_MAX + 1] = { false };
	for (size_t i = 0; i < t->n; i++) {
		uint8_t cls = t->insns[i].code & 7, op = t->insns[i].code & 0xf0;
		if ((cls == BI_JMP || cls == BI_JMP32) && op != BI_CALL && op != BI_EXIT) {
			long to = (long)i + 1 + t->insns[i].off;
			if (to >= 0 && to <= (long)t->n)
				target[to] = true;
		}
	}
	bool known[16] = { false }, any = false;
	uint64_t val[16] = { 0 };
	for (size_t i = 0; i < t->n; i++) {
		struct bpfvm_insn in = t->insns[i];
		uint8_t cls = in.code & 7, op = in.code & 0xf0;
		if (target[i])
			memset(known, 0, sizeof(known));
		if (in.code == (BI_LD | BI_DW | BI_IMM)) {
			known[in.dst] = false;
			i++;
			continue;
		}
		if (cls == BI_JMP && op == BI_CALL) {
			for (int r = 0; r <= 5; r++)
				known[r] = false;
			continue;
		}
		if (cls == BI_LDX) {
			known[in.dst] = false;
			continue;
		}
		if (cls != BI_ALU && cls != BI_ALU64)
			continue;
		unsigned bits = cls == BI_ALU64 ? 64 : 32;
		bool x = in.code & BI_X;
		uint64_t b = x ? val[in.src] : (uint64_t)(int64_t)in.imm;
		bool kb = x ? known[in.src] : true;
		uint64_t r;
		bool plain = in.off == 0 || (op != BI_DIV && op != BI_MOD && op != BI_MOV);
		if (op == BI_END || !plain || !kb || (op != BI_MOV && !known[in.dst]) ||
		    !fold(op, bits, val[in.dst], b, &r)) {
			known[in.dst] = false;
			continue;
		}
		known[in.dst] = true;
		val[in.dst] = r;
		if (op != BI_MOD && op != BI_DIV && op != BI_NEG)
			continue;
		struct bpfvm_insn rep[2] = { I_LD_IMM64(in.dst, r) };
		if (bits == 32 || (int64_t)r == (int32_t)r) {
			rep[0] = (struct bpfvm_insn)I_RAW(cls | BI_MOV | BI_K, in.dst, 0, 0, (int32_t)r);
			if (!expand(t, i, rep, 1))
				return false;
		} else {
			if (!expand(t, i, rep, 2))
				return false;
			memmove(target + i + 1, target + i, (t->n - i - 1) * sizeof(target[0]));
			target[i + 1] = false;
			i++;
		}
		any = true;
	}
	return any;
}

/* The slot the kernel's log shows last ("N: (op) ..."), or -1. */
static long kernel_fail_pc(void)
{
	long pc = -1;
	for (const char *l = klog; *l;) {
		long v;
		char c;
		if (sscanf(l, "%ld: %c", &v, &c) == 2 && c == '(')
			pc = v;
		const char *nl = strchr(l, '\n');
		if (!nl)
			break;
		l = nl + 1;
	}
	return pc;
}

/* Whether bpfvm's verifier reached slot pc (its level-2 log). */
static bool bpfvm_reaches(struct vdf_env *env, const struct vdf_case *tc, long pc)
{
	static char log[1 << 20];
	log[0] = 0;
	struct bpfvm_error err;
	struct bpfvm_prog *prog = NULL;
	BPFVM_OPTS(bpfvm_load_opts, lo, .maps = env->vmap, .n_maps = VD_NMAPS,
		   .prog_type = tc->type, .log_buf = log, .log_size = sizeof(log), .log_level = 2);
	bpfvm_prog__load(env->vm, tc->insns, tc->n, &lo, &prog, &err);
	bpfvm_prog__free(prog);
	char head[32];
	int hl = snprintf(head, sizeof(head), "%ld: ", pc);
	for (const char *l = log; *l;) {
		if (!strncmp(l, head, (size_t)hl))
			return true;
		const char *nl = strchr(l, '\n');
		if (!nl)
			break;
		l = nl + 1;
	}
	return false;
}

struct reach {
	long pc;
	bool hit;
};

static void trace_reach(void *ctx, size_t pc, const struct bpfvm_insn *insn,
			const uint64_t before[BPFVM_NREGS], const uint64_t after[BPFVM_NREGS])
{
	(void)insn, (void)before, (void)after;
	struct reach *r = ctx;
	if ((long)pc == r->pc)
		r->hit = true;
}

/* 400 runs of the program as given (no verifier: the checked, traced
 * loop) on random packets and ctx fields (edges half of the time);
 * bpf_get_prandom_u32 differs each run. *reached: some run got to slot pc
 * (ran it, or a memory check stopped it there); *faulted: some run
 * stopped on a memory check or a failed helper. */
static void sample_runs(struct vdf_env *env, const struct vdf_case *tc, long pc, bool *reached,
			bool *faulted)
{
	struct bpfvm_prog *prog = NULL;
	struct bpfvm_error err;
	*reached = *faulted = false;
	BPFVM_OPTS(bpfvm_load_opts, lo, .maps = env->vmap, .n_maps = VD_NMAPS,
		   .prog_type = tc->type, .unverified = true);
	if (bpfvm_prog__load(env->vm, tc->insns, tc->n, &lo, &prog, &err)) {
		*faulted = true;
		return;
	}
	static _Alignas(64) uint8_t frame[BPFVM_XDP_FRAME_SIZE];
	static const uint32_t edges[] = { 0, 1, 2, 7, 8, 48, 64, 0x7fffffff, 0x80000000,
					  0xffffffff, 0xfffffff0 };
	uint64_t x = tc->seed;
	struct reach r = { pc, false };
	for (int i = 0; i < 400; i++) {
		uint64_t v = splitmix(&x);
		uint32_t f = i & 1 ? (uint32_t)v : edges[v % (sizeof(edges) / sizeof(edges[0]))];
		uint32_t len = 14 + (uint32_t)(v >> 40) % 100;
		uint8_t *data = frame + BPFVM_XDP_HEADROOM;
		for (uint32_t k = 0; k < len; k++)
			data[k] = (uint8_t)splitmix(&x);
		struct bpfvm_region reg = { frame, sizeof(frame), true };
		BPFVM_OPTS(bpfvm_run_opts, ro, .regions = &reg, .n_regions = 1, .insn_budget = 100000,
			   .trace = trace_reach, .trace_ctx = &r);
		uint64_t r0;
		int rc;
		if (tc->type == VD_XDP) {
			struct bpfvm_xdp_ctx c = { .data = data, .data_end = data + len, .data_meta = data,
						   .ingress_ifindex = f, .rx_queue_index = f,
						   .egress_ifindex = f };
			rc = bpfvm_prog__run(prog, &c, sizeof(c), &ro, &r0, &err);
		} else {
			struct bpfvm_skb_ctx c = { .data = data, .data_end = data + len,
						   .data_meta = data, .len = f };
			ro.packet = data;
			ro.packet_len = len;
			rc = bpfvm_prog__run(prog, &c, sizeof(c), &ro, &r0, &err);
		}
		if (rc) {
			*faulted = true;
			if (err.insn == pc)
				r.hit = true;
		}
	}
	*reached = r.hit;
	bpfvm_prog__free(prog);
}

/* Whether tc has an operation whose range bpfvm computes and Linux 6.18
 * does not (MOD, DIV, NEG, MUL by a negative or variable factor: bpfvm
 * keeps the signed range of [0, 1023] * -64, the kernel gives up): where
 * bpfvm may be right and the kernel merely imprecise. */
static bool has_range_rule_op(const struct vdf_case *tc)
{
	for (size_t i = 0; i < tc->n; i++) {
		uint8_t cls = tc->insns[i].code & 7, op = tc->insns[i].code & 0xf0;
		if (i > 0 && tc->insns[i - 1].code == (BI_LD | BI_DW | BI_IMM))
			continue;
		bool neg_mul = op == BI_MUL && ((tc->insns[i].code & BI_X) || tc->insns[i].imm < 0);
		if ((cls == BI_ALU || cls == BI_ALU64) &&
		    (op == BI_MOD || op == BI_DIV || op == BI_NEG || neg_mul))
			return true;
	}
	return false;
}

const char *vdf_not_safety(struct vdf_env *env, const struct vdf_case *tc,
			   const struct vdf_verdict *v)
{
	static struct vdf_case t;
	struct vdf_verdict w;
	t = *tc;
	/* where the kernel refused (its log is still in klog) */
	long kpc = kernel_fail_pc();
	bool changed = false;
	if (tc->type == VD_XDP && strstr(v->kernel_msg, "invalid bpf_context access off=20")) {
		/* xdp_md.egress_ifindex: the kernel gives it to devmap programs
		 * only (expected_attach_type); bpfvm reads 0 there for any XDP
		 * program. The same program reading ingress_ifindex instead: */
		for (size_t i = 0; i < t.n; i++)
			if ((t.insns[i].code & 7) == BI_LDX && t.insns[i].off == 20)
				t.insns[i].off = 12;
		if (vdf_check(env, &t, false, &w) == VDF_BOTH_ACCEPT)
			return "xdp-egress_ifindex";
		changed = true;
	}
	bool consts = rewrite_consts(&t);
	if (consts && vdf_check(env, &t, false, &w) == VDF_BOTH_ACCEPT)
		return changed ? "egress+const-fold" : "bpfvm-const-fold";
	if (rewrite_ranges(&t) && vdf_check(env, &t, false, &w) == VDF_BOTH_ACCEPT)
		return changed || consts ? "bpfvm-range-rules+" : "bpfvm-range-rules";
	/* bpfvm proved the slot the kernel refused at unreachable (its
	 * ranges say no value takes that path), and no sampled run gets
	 * there: a dead path the kernel does not see. Sampled, not proved:
	 * the findings of this class are worth a look by hand. */
	bool reached, faulted;
	if (kpc >= 0 && !bpfvm_reaches(env, tc, kpc)) {
		sample_runs(env, tc, kpc, &reached, &faulted);
		if (!reached)
			return "bpfvm-dead-path";
	}
	/* The rest with MOD, DIV, NEG or MUL in it, or from the arith
	 * scenario (the two range analyses side by side): bpfvm's exact range
	 * of one of them (of x / -8 after x <<= 19: 0; of x after `if 0 s< x`
	 * and `if x >= 2^31 - 1` both not taken: 0) is beyond any rewrite into
	 * operations the kernel tracks; when no sampled run faults, count it
	 * apart as bpfvm's better precision, sampled, not proved. */
	if (has_range_rule_op(tc) || (tc->scn_mask & 1u << VS_ARITH)) {
		sample_runs(env, tc, kpc, &reached, &faulted);
		if (!faulted)
			return "bpfvm-more-precise-sampled";
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Minimizing                                                          */

static bool is_nop(const struct bpfvm_insn *in)
{
	return in->code == (BI_JMP | BI_JA) && !in->off && !in->imm && !in->dst && !in->src;
}

static bool second_slot(const struct vdf_case *tc, size_t i)
{
	return i > 0 && tc->insns[i - 1].code == (BI_LD | BI_DW | BI_IMM);
}

/* Drop the slots marked, fixing the jumps over them. */
static void compact(struct vdf_case *tc, const bool *drop)
{
	long map[VD_MAX + 1];
	size_t k = 0;
	for (size_t i = 0; i <= tc->n; i++) {
		map[i] = (long)k;
		if (i < tc->n && !drop[i])
			k++;
	}
	struct bpfvm_insn out[VD_MAX];
	k = 0;
	for (size_t i = 0; i < tc->n; i++) {
		if (drop[i])
			continue;
		struct bpfvm_insn in = tc->insns[i];
		uint8_t cls = in.code & 7, op = in.code & 0xf0;
		bool jump = (cls == BI_JMP || cls == BI_JMP32) && op != BI_CALL && op != BI_EXIT &&
			    !second_slot(tc, i);
		if (jump) {
			long t = (long)i + 1 + in.off;
			if (t >= 0 && t <= (long)tc->n)
				in.off = (int16_t)(map[t] - (long)k - 1);
		}
		out[k++] = in;
	}
	memcpy(tc->insns, out, k * sizeof(out[0]));
	tc->n = k;
}

static bool same(struct vdf_env *env, const struct vdf_case *t, int cls, const char *name)
{
	struct vdf_verdict v;
	if (vdf_check(env, t, false, &v) != cls)
		return false;
	const char *now = cls == VDF_GAP ? vdf_class_bpfvm(v.bpfvm_msg)
					 : vdf_class_kernel(v.kernel_msg);
	return !strcmp(now, name);
}

void vdf_minimize(struct vdf_env *env, struct vdf_case *tc, int cls, const char *name)
{
	static struct vdf_case t;
	for (int round = 0; round < 4; round++) {
		bool changed = false;
		/* each slot (both of an ld_imm64) to ja +0, from the end */
		for (size_t i = tc->n; i-- > 1;) {
			if (is_nop(&tc->insns[i]) || second_slot(tc, i))
				continue;
			if ((tc->insns[i].code & 0xf7) == (BI_JMP | BI_EXIT))
				continue; /* keep the exit(s): no falling off the end */
			t = *tc;
			size_t w = t.insns[i].code == (BI_LD | BI_DW | BI_IMM) ? 2 : 1;
			for (size_t k = 0; k < w && i + k < t.n; k++)
				t.insns[i + k] = (struct bpfvm_insn)I_JA(0);
			if (same(env, &t, cls, name)) {
				*tc = t;
				changed = true;
			}
		}
		/* then the no-ops out */
		bool drop[VD_MAX];
		for (size_t i = 0; i < tc->n; i++)
			drop[i] = is_nop(&tc->insns[i]) && !second_slot(tc, i);
		t = *tc;
		compact(&t, drop);
		if (t.n < tc->n && same(env, &t, cls, name)) {
			*tc = t;
			changed = true;
		}
		if (!changed)
			break;
	}
}
