/*
 * harness.c - the kernel execution differential's two sides, the
 * comparison, the minimizer and the regression files (difftest.h).
 *
 * The kernel side: bpf_prog_load() of the instructions with the map fds
 * put into the map ld_imm64s, BPF_PROG_TEST_RUN with an xdp_md context
 * (so that the metadata length comes back), the maps read back with
 * bpf_map_lookup_elem(). The bpfvm side: bpfvm_prog__load() with the
 * program type XDP (verified) for the interpreter and for the JIT, each
 * run in a 4096-byte frame with 256 bytes of headroom and the last 320 out
 * of reach, as the kernel's test run lays out its buffer, with
 * ingress_ifindex 1 (the loopback device the kernel's test run uses).
 *
 * Socket filters: the kernel's test run (bpf_prog_test_run_skb) builds an
 * skb on the loopback device, runs eth_type_trans() on it, which pulls
 * the Ethernet header: the program sees the packet from the network
 * header (LD_ABS offset 0, skb->len = bytes - 14), the Ethernet header 14
 * bytes before it (SKF_LL_OFF), and gives back the bytes with those 14
 * zeroed. bpfvm gets the same: its LD_ABS packet and ctx->data start at
 * the network header, and its __sk_buff holds what the test run's skb
 * holds: len, protocol and pkt_type as eth_type_trans() sets them on
 * loopback (whose address is 00:00:00:00:00:00: PACKET_HOST for it,
 * PACKET_MULTICAST for any group address, broadcast included,
 * PACKET_OTHERHOST for the rest), ifindex 1, and mark, priority,
 * ingress_ifindex, cb[], gso_segs, gso_size from the ctx_in both get;
 * the rest 0. Compared: r0 (the bytes to keep), the bytes out, cb[] (the
 * test run's ctx_out) and the maps.
 *
 * The regression file: the program in bpfvm's LLVM syntax, which its
 * assembler reads back, and its inputs as lines the assembler takes for
 * comments:
 *   #! seed 0x...        where it came from (difftest --seed S --count 1)
 *   #! packet HEX        one line per packet the program runs on
 *   #! vals I HEX        entry I of the "vals" map before each run
 *   #! type socket       a socket filter (no line: XDP)
 *   #! skb mark M priority P ingress_ifindex I cb A B C D E gso_segs S gso_size Z
 *                        a socket filter's context in (hex numbers)
 *   #! known TEXT        it still fails: a replay reports it, not fails
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kernel_files.h"
#include "../kernel_probe.h"
#include "difftest.h"

#define FRAME BPFVM_XDP_FRAME_SIZE
#define GEN_BYTES 16384
#define ETH_HLEN 14

static enum bpf_prog_type kernel_type(enum dt_type t)
{
	return t == DT_SOCKET ? BPF_PROG_TYPE_SOCKET_FILTER : BPF_PROG_TYPE_XDP;
}

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level, (void)fmt, (void)ap;
	return 0;
}

bool dt_kernel_available(void)
{
	libbpf_set_print(silent);
	return kernel_available();
}

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* ------------------------------------------------------------------ */
/* The kernel side                                                     */

static char klog[1 << 20];

/* Load into the kernel; -errno with msg filled on a refusal. */
static int kernel_load(const struct dt_env *env, const struct dt_case *tc, char *msg,
		       size_t msg_size)
{

	static struct bpf_insn k[DG_MAX];
	memcpy(k, tc->insns, tc->n * sizeof(k[0]));
	for (size_t i = 0; i < tc->n; i++)
		if (k[i].code == 0x18) {
			if (k[i].src_reg == BPF_PSEUDO_MAP_FD && k[i].imm >= 0 && k[i].imm < 2)
				k[i].imm = env->kfd[k[i].imm];
			i++;
		}
	enum bpf_prog_type type = kernel_type(tc->type);
	int fd = bpf_prog_load(type, "difftest", "GPL", k, tc->n, NULL);
	if (fd >= 0)
		return fd;
	int rc = fd;
	klog[0] = 0;
	LIBBPF_OPTS(bpf_prog_load_opts, lo, .log_buf = klog, .log_size = sizeof(klog),
		    .log_level = 1);
	fd = bpf_prog_load(type, "difftest", "GPL", k, tc->n, &lo);
	if (fd >= 0) { /* accepted with a log: should not happen */
		close(fd);
		snprintf(msg, msg_size, "%s (accepted when asked for a log)", strerror(-rc));
		return rc;
	}
	char line[DT_MSG - 32];
	kernel_log_reason(klog, line, sizeof(line));
	snprintf(msg, msg_size, "%s: %s", strerror(-rc), line);
	return rc;
}

static int kernel_maps_fill(const struct dt_env *env, const struct dt_case *tc)
{
	static const uint8_t zero[DG_OUT_SIZE];
	for (uint32_t key = 0; key < DG_VALS_ENTRIES; key++)
		if (bpf_map_update_elem(env->kfd[0], &key, tc->vals[key], BPF_ANY))
			return -errno;
	uint32_t key = 0;
	return bpf_map_update_elem(env->kfd[1], &key, zero, BPF_ANY) ? -errno : 0;
}

static void kernel_maps_read(const struct dt_env *env, struct dt_result *r)
{
	for (uint32_t key = 0; key < DG_VALS_ENTRIES; key++)
		bpf_map_lookup_elem(env->kfd[0], &key, r->vals[key]);
	uint32_t key = 0;
	bpf_map_lookup_elem(env->kfd[1], &key, r->out);
}

/* A socket filter: the context in is tc->skb, cb[] comes back in ctx_out. */
static void kernel_run_skb(const struct dt_env *env, int fd, const struct dt_case *tc, int p,
			   struct dt_result *r)
{
	const struct dt_skb_in *in = &tc->skb;
	struct __sk_buff ctx_in = {
		.mark = in->mark, .priority = in->priority, .ingress_ifindex = in->ingress_ifindex,
		.gso_segs = in->gso_segs, .gso_size = in->gso_size,
	}, ctx_out = { 0 };
	memcpy(ctx_in.cb, in->cb, sizeof(ctx_in.cb));
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = tc->pkt[p], .data_size_in = tc->pkt_len[p],
		    .data_out = r->data, .data_size_out = DT_OUT_MAX, .ctx_in = &ctx_in,
		    .ctx_size_in = sizeof(ctx_in), .ctx_out = &ctx_out,
		    .ctx_size_out = sizeof(ctx_out), .repeat = 1);
	r->err = bpf_prog_test_run_opts(fd, &t);
	if (r->err) {
		snprintf(r->msg, sizeof(r->msg), "test run: %s", strerror(-r->err));
		return;
	}
	r->retval = t.retval;
	r->size = t.data_size_out;
	memcpy(r->cb, ctx_out.cb, sizeof(r->cb));
	kernel_maps_read(env, r);
}

static void kernel_run(const struct dt_env *env, int fd, const struct dt_case *tc, int p,
		       struct dt_result *r)
{
	memset(r, 0, sizeof(*r));
	if ((r->err = kernel_maps_fill(env, tc))) {
		snprintf(r->msg, sizeof(r->msg), "cannot fill the maps: %s", strerror(-r->err));
		return;
	}
	if (tc->type == DT_SOCKET) {
		kernel_run_skb(env, fd, tc, p, r);
		return;
	}
	struct xdp_md ctx_in = { .data_end = tc->pkt_len[p] }, ctx_out = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = tc->pkt[p], .data_size_in = tc->pkt_len[p],
		    .data_out = r->data, .data_size_out = DT_OUT_MAX, .ctx_in = &ctx_in,
		    .ctx_size_in = sizeof(ctx_in), .ctx_out = &ctx_out,
		    .ctx_size_out = sizeof(ctx_out), .repeat = 1);
	r->err = bpf_prog_test_run_opts(fd, &t);
	if (r->err) {
		snprintf(r->msg, sizeof(r->msg), "test run: %s", strerror(-r->err));
		return;
	}
	r->retval = t.retval;
	r->size = t.data_size_out;
	r->metalen = ctx_out.data;
	kernel_maps_read(env, r);
}

/* ------------------------------------------------------------------ */
/* The bpfvm side                                                      */

static int bpfvm_load(struct bpfvm_vm *vm, struct bpfvm_map *const maps[2],
		      const struct dt_case *tc, enum bpfvm_engine engine, struct bpfvm_prog **prog,
		      char *msg, size_t msg_size)
{
	struct bpfvm_error err;
	BPFVM_OPTS(bpfvm_load_opts, lo, .name = "difftest", .maps = maps, .n_maps = 2,
		   .prog_type = kernel_type(tc->type), .engine = engine);
	int rc = bpfvm_prog__load(vm, tc->insns, tc->n, &lo, prog, &err);
	if (rc) {
		*prog = NULL;
		bpfvm_error__format(&err, msg, msg_size);
		return rc;
	}
	if (!bpfvm_prog__verified(*prog, NULL)) {
		snprintf(msg, msg_size, "loaded without the verifier");
		bpfvm_prog__free(*prog);
		*prog = NULL;
		return -EINVAL;
	}
	if (engine == BPFVM_ENGINE_JIT && bpfvm_prog__engine(*prog) != BPFVM_ENGINE_JIT) {
		snprintf(msg, msg_size, "JIT fell back: %s", bpfvm_prog__fallback_reason(*prog));
		bpfvm_prog__free(*prog);
		*prog = NULL;
		return -EINVAL;
	}
	return 0;
}

static _Alignas(64) uint8_t frame0[FRAME];

/* A 16-bit value in network byte order, as the skb's u32 fields hold it. */
static uint32_t be16_field(uint16_t host)
{
	uint8_t b[2] = { (uint8_t)(host >> 8), (uint8_t)host };
	uint16_t v;
	memcpy(&v, b, 2);
	return v;
}

/* protocol and pkt_type as eth_type_trans() sets them on the loopback
 * device of the kernel's test run (see the top of the file); d is the
 * frame from its Ethernet header, len >= ETH_HLEN. */
static void skb_eth_type(const uint8_t *d, uint32_t len, uint32_t *protocol,
			 uint32_t *pkt_type)
{
	static const uint8_t zero[6];
	*pkt_type = !memcmp(d, zero, 6) ? 0 /* PACKET_HOST */
		    : d[0] & 1          ? 2 /* PACKET_MULTICAST */
					: 3; /* PACKET_OTHERHOST */
	uint16_t type = (uint16_t)(d[12] << 8 | d[13]);
	if (type >= 0x600)
		*protocol = be16_field(type);
	else if (len >= ETH_HLEN + 2 && d[14] == 0xff && d[15] == 0xff)
		*protocol = be16_field(1); /* ETH_P_802_3 */
	else
		*protocol = be16_field(4); /* ETH_P_802_2 */
}

/* A socket filter: the frame at frame + BPFVM_XDP_HEADROOM, the skb from
 * its network header, read-only (a socket filter cannot write it). */
static void bpfvm_run_skb(const struct bpfvm_prog *prog, const struct dt_case *tc, int p,
			  struct dt_result *r, uint8_t *frame)
{
	uint8_t *mac = frame + BPFVM_XDP_HEADROOM;
	uint32_t len = tc->pkt_len[p];
	memcpy(mac, tc->pkt[p], len);
	struct bpfvm_skb_ctx x = {
		.data = mac + ETH_HLEN, .data_end = mac + len, .data_meta = mac + ETH_HLEN,
		.len = len - ETH_HLEN, .mark = tc->skb.mark, .priority = tc->skb.priority,
		.ingress_ifindex = tc->skb.ingress_ifindex, .ifindex = 1,
		/* the skb's gso_size is a u16 (skb_shared_info): the test run
		 * keeps the low half of ctx_in's */
		.gso_segs = tc->skb.gso_segs, .gso_size = tc->skb.gso_size & 0xffff,
		.data_hard_start = mac, .data_hard_end = mac + len,
	};
	memcpy(x.cb, tc->skb.cb, sizeof(x.cb));
	skb_eth_type(mac, len, &x.protocol, &x.pkt_type);
	struct bpfvm_region reg = { frame, FRAME, false };
	/* the network header at the packet, the Ethernet header before it */
	BPFVM_OPTS(bpfvm_run_opts, ro, .regions = &reg, .n_regions = 1, .insn_budget = 10000000,
		   .packet = x.data, .packet_len = x.len, .headers = true, .net_off = 0,
		   .ll_off = -ETH_HLEN);
	struct bpfvm_error err;
	uint64_t r0 = 0;
	r->err = bpfvm_prog__run(prog, &x, sizeof(x), &ro, &r0, &err);
	if (r->err) {
		bpfvm_error__format(&err, r->msg, sizeof(r->msg));
		return;
	}
	r->retval = (uint32_t)r0;
	/* what the test run gives back: the Ethernet header zeroed, then the
	 * skb's bytes */
	const uint8_t *from = x.data, *to = x.data_end;
	r->size = (uint32_t)(to - from) + ETH_HLEN;
	memcpy(r->data + ETH_HLEN, from, r->size < DT_OUT_MAX ? r->size - ETH_HLEN
							      : DT_OUT_MAX - ETH_HLEN);
	memcpy(r->cb, x.cb, sizeof(r->cb));
}

/* An XDP program: the frame laid out as the kernel's test run lays it out. */
static void bpfvm_run_xdp(const struct bpfvm_prog *prog, const struct dt_case *tc, int p,
			  struct dt_result *r, uint8_t *frame)
{
	uint8_t *data = frame + BPFVM_XDP_HEADROOM;
	memcpy(data, tc->pkt[p], tc->pkt_len[p]);
	struct bpfvm_xdp_ctx x = {
		.data = data, .data_end = data + tc->pkt_len[p], .data_meta = data,
		.ingress_ifindex = 1, .data_hard_start = frame,
		.data_hard_end = frame + FRAME - BPFVM_XDP_TAILROOM,
	};
	struct bpfvm_region reg = { frame, FRAME - BPFVM_XDP_TAILROOM, true };
	BPFVM_OPTS(bpfvm_run_opts, ro, .regions = &reg, .n_regions = 1, .insn_budget = 10000000);
	struct bpfvm_error err;
	uint64_t r0 = 0;
	r->err = bpfvm_prog__run(prog, &x, sizeof(x), &ro, &r0, &err);
	if (r->err) {
		bpfvm_error__format(&err, r->msg, sizeof(r->msg));
		return;
	}
	const uint8_t *from = x.data_meta, *to = x.data_end;
	r->retval = (uint32_t)r0;
	r->metalen = (uint32_t)((const uint8_t *)x.data - from);
	r->size = (uint32_t)(to - from);
	memcpy(r->data, from, r->size < DT_OUT_MAX ? r->size : DT_OUT_MAX);
}

/* Run prog (bound to maps) on packet p of tc, in frame. */
static void bpfvm_run(struct bpfvm_map *const maps[2], const struct bpfvm_prog *prog,
		      const struct dt_case *tc, int p, struct dt_result *r, uint8_t *frame)
{
	memset(r, 0, sizeof(*r));
	static const uint8_t zero[DG_OUT_SIZE];
	uint32_t key = 0;
	for (key = 0; key < DG_VALS_ENTRIES; key++)
		bpfvm_map__update(maps[0], &key, tc->vals[key], BPFVM_ANY);
	key = 0;
	bpfvm_map__update(maps[1], &key, zero, BPFVM_ANY);

	memset(frame, 0, FRAME);
	if (tc->type == DT_SOCKET)
		bpfvm_run_skb(prog, tc, p, r, frame);
	else
		bpfvm_run_xdp(prog, tc, p, r, frame);
	if (r->err)
		return;
	for (key = 0; key < DG_VALS_ENTRIES; key++)
		bpfvm_map__lookup(maps[0], &key, r->vals[key]);
	key = 0;
	bpfvm_map__lookup(maps[1], &key, r->out);
}

/* ------------------------------------------------------------------ */
/* Environment                                                         */

/* Does the kernel take this (XDP) program? */
static bool kernel_takes(const struct bpfvm_insn *insns, size_t n)
{
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "probe", "GPL", (const struct bpf_insn *)insns,
			       n, NULL);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

#define PROBE(...)                                                                       \
	kernel_takes((const struct bpfvm_insn[]){ __VA_ARGS__ },                          \
		     sizeof((const struct bpfvm_insn[]){ __VA_ARGS__ }) / sizeof(struct bpfvm_insn))

static unsigned probe_features(void)
{
	unsigned f = 0;
	if (PROBE(I_MOV64_IMM(0, 7), I_ALU64_IMM_S(BI_DIV, 0, -1), I_EXIT()))
		f |= DG_F_SDIV;
	if (PROBE(I_MOV64_IMM(1, 200), I_MOVSX64(0, 1, 8), I_EXIT()))
		f |= DG_F_MOVSX;
	if (PROBE(I_MOV64_IMM(0, 1), I_BSWAP(0, 16), I_EXIT()))
		f |= DG_F_BSWAP;
	if (PROBE(I_ST(BI_DW, 10, -8, 0), I_LDXSX(BI_B, 0, 10, -8), I_EXIT()))
		f |= DG_F_LDSX;
	if (PROBE(I_JA32(0), I_MOV64_IMM(0, 0), I_EXIT()))
		f |= DG_F_JA32;
	if (PROBE(I_ST(BI_DW, 10, -8, 0), I_MOV64_REG(1, 10),
		  I_ATOMIC(BI_DW, BI_LOAD_ACQ, 0, 1, -8), I_EXIT()))
		f |= DG_F_ACQREL;
	if (PROBE(I_CALL(DG_H_BUFF_LEN), I_EXIT()))
		f |= DG_F_XDPBYTES;
	return f;
}

int dt_env_init(struct dt_env *env, bool kernel)
{
	memset(env, 0, sizeof(*env));
	env->kernel = kernel;
	env->kfd[0] = env->kfd[1] = -1;
	env->feat = DG_F_ALL;
	if (kernel) {
		env->kfd[0] = bpf_map_create(BPF_MAP_TYPE_ARRAY, "vals", 4, DG_VALS_SIZE,
					     DG_VALS_ENTRIES, NULL);
		env->kfd[1] = bpf_map_create(BPF_MAP_TYPE_ARRAY, "out", 4, DG_OUT_SIZE, 1, NULL);
		if (env->kfd[0] < 0 || env->kfd[1] < 0)
			return -1;
		env->feat = probe_features();
	}
	struct bpfvm_error err;
	env->vm = bpfvm_vm__new(NULL);
	if (!env->vm)
		return -1;
	env->vmap[0] = bpfvm_map__create(env->vm, BPFVM_MAP_TYPE_ARRAY, "vals", 4, DG_VALS_SIZE,
					 DG_VALS_ENTRIES, NULL, &err);
	env->vmap[1] = bpfvm_map__create(env->vm, BPFVM_MAP_TYPE_ARRAY, "out", 4, DG_OUT_SIZE, 1,
					 NULL, &err);
	return env->vmap[0] && env->vmap[1] ? 0 : -1;
}

void dt_env_fini(struct dt_env *env)
{
	for (int i = 0; i < 2; i++) {
		if (env->kfd[i] >= 0)
			close(env->kfd[i]);
		bpfvm_map__put(env->vmap[i]);
	}
	bpfvm_vm__free(env->vm);
}

/* ------------------------------------------------------------------ */
/* Cases                                                               */

/* A socket filter's packets and context: destination addresses and
 * EtherTypes that give every pkt_type and some protocols, never an IPv4
 * or IPv6 EtherType on a frame too short for its header (the kernel's test
 * run refuses those), and the context fields from the same edges as the
 * map values. */
static void skb_inputs(struct dt_case *tc, uint64_t *x, const uint64_t *words, size_t nwords)
{
	static const uint8_t macs[][6] = { { 0, 0, 0, 0, 0, 0 },
					   { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
					   { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 } };
	for (int p = 0; p < tc->npkt; p++) {
		uint8_t *d = tc->pkt[p];
		uint64_t v = splitmix(x);
		if (v % 4 < 3)
			memcpy(d, macs[v % 4], 6);
		static const uint16_t types[] = { 0x0800, 0x86dd, 0x0806, 0x8100, 0x05dc };
		uint16_t type = (v >> 8) % 3 ? types[(v >> 16) % 5] : (uint16_t)(d[12] << 8 | d[13]);
		if ((type == 0x0800 && tc->pkt_len[p] < ETH_HLEN + 20) ||
		    (type == 0x86dd && tc->pkt_len[p] < ETH_HLEN + 40))
			type = 0x0806;
		d[12] = (uint8_t)(type >> 8);
		d[13] = (uint8_t)type;
	}
	uint32_t f[10];
	for (int i = 0; i < 10; i++) {
		uint64_t v = splitmix(x);
		f[i] = v % 3 == 0 ? (uint32_t)words[(v >> 8) % nwords] : (uint32_t)(v >> 32);
	}
	tc->skb.mark = f[0], tc->skb.priority = f[1], tc->skb.ingress_ifindex = f[2];
	memcpy(tc->skb.cb, f + 3, sizeof(tc->skb.cb));
	tc->skb.gso_segs = f[8] & 0xffff; /* at most GSO_MAX_SEGS */
	tc->skb.gso_size = f[9];
}

bool dt_case_make(struct dt_case *tc, uint64_t seed, enum dt_type type, unsigned feat,
		  unsigned nohelp, int npkt)
{
	static uint8_t bytes[GEN_BYTES];
	uint64_t x = seed;
	for (size_t i = 0; i < GEN_BYTES; i += 8) {
		uint64_t v = splitmix(&x);
		memcpy(bytes + i, &v, 8);
	}
	struct vgen_src src = { bytes, GEN_BYTES, 0 };
	tc->seed = seed;
	tc->type = type;
	memset(&tc->skb, 0, sizeof(tc->skb));
	tc->n = dg_program(&src, tc->insns, feat, nohelp, type == DT_SOCKET);
	if (!tc->n)
		return false;
	/* the inputs, from the rest of the stream */
	static const uint64_t words[] = { 0, 1, ~0ull, 0x8000000000000000ull, 0x7fffffffull,
					  0x80000000ull, 0xffffffffull, 0xff, 0x100000000ull };
	for (int e = 0; e < DG_VALS_ENTRIES; e++)
		for (int w = 0; w < DG_VALS_SIZE / 8; w++) {
			uint64_t v = splitmix(&x);
			if (v % 3 == 0)
				v = words[(v >> 8) % (sizeof(words) / sizeof(words[0]))];
			memcpy(&tc->vals[e][w * 8], &v, 8);
		}
	static const uint32_t lens[] = { 14, 15, 20, 33, 34, 42, 54, 60, 64, 64, 65, 100, 128,
					 200, 512, 1500 };
	tc->npkt = npkt;
	for (int p = 0; p < npkt; p++) {
		uint64_t v = splitmix(&x);
		tc->pkt_len[p] = lens[v % (sizeof(lens) / sizeof(lens[0]))];
		for (uint32_t i = 0; i < tc->pkt_len[p]; i += 8) {
			v = splitmix(&x);
			memcpy(tc->pkt[p] + i, &v, tc->pkt_len[p] - i < 8 ? tc->pkt_len[p] - i : 8);
		}
		if (v % 4 == 0) /* some zeros, for the checksums */
			memset(tc->pkt[p] + 14, 0, tc->pkt_len[p] > 30 ? 16 : 0);
	}
	if (type == DT_SOCKET)
		skb_inputs(tc, &x, words, sizeof(words) / sizeof(words[0]));
	return true;
}

struct print_ctx {
	FILE *f;
};

static void print_line(void *ctx, size_t pc, const char *line)
{
	struct print_ctx *p = ctx;
	fprintf(p->f, "%s\t# %zu\n", line, pc);
}

static void print_hex(FILE *f, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
}

void dt_case_print(const struct dt_case *tc, FILE *f)
{
	fprintf(f, "#! seed %#" PRIx64 "\n", tc->seed);
	if (tc->type == DT_SOCKET) {
		const struct dt_skb_in *k = &tc->skb;
		fprintf(f, "#! type socket\n#! skb mark %#x priority %#x ingress_ifindex %#x cb %#x %#x "
			   "%#x %#x %#x gso_segs %#x gso_size %#x\n",
			k->mark, k->priority, k->ingress_ifindex, k->cb[0], k->cb[1], k->cb[2],
			k->cb[3], k->cb[4], k->gso_segs, k->gso_size);
	}
	for (int p = 0; p < tc->npkt; p++) {
		fprintf(f, "#! packet ");
		print_hex(f, tc->pkt[p], tc->pkt_len[p]);
		fprintf(f, "\n");
	}
	for (int e = 0; e < DG_VALS_ENTRIES; e++) {
		fprintf(f, "#! vals %d ", e);
		print_hex(f, tc->vals[e], DG_VALS_SIZE);
		fprintf(f, "\n");
	}
	struct print_ctx pc = { f };
	BPFVM_OPTS(bpfvm_disasm_opts, dopts, .syntax = BPFVM_SYNTAX_LLVM);
	bpfvm_disasm(tc->insns, tc->n, &dopts, print_line, &pc, NULL);
}

/* ------------------------------------------------------------------ */
/* Comparison                                                          */

static void describe(char *buf, size_t size, const char *who, const struct dt_result *r)
{
	if (r->err)
		snprintf(buf, size, "  %-7s error %d: %s\n", who, r->err, r->msg);
	else
		snprintf(buf, size, "  %-7s retval %#x, %u bytes out (meta %u)\n", who, r->retval,
			 r->size, r->metalen);
}

#define DT_SITE_CB 50

static const char *const out_slot[] = { "r0", "r1", "r2", "r3", "r4", "r5", "r8", "r9" };

/* 0 when a and b agree; else append where they differ first to rep and
 * return where: 1 retval, 2 length, 3 packet bytes, 4 + e vals[e],
 * 8 + i the out map's u64 i, DT_SITE_CB + i a socket filter's cb[i],
 * 100 the run's error. */
static int result_diff(const struct dt_result *a, const struct dt_result *b, char *rep,
		       size_t size, const char *bname)
{
	size_t len = strlen(rep);
	char *w = rep + len;
	size_t room = size - len;
	if (a->err || b->err) {
		if (a->err == b->err)
			return 0;
		snprintf(w, room, "  %s: run error differs\n", bname);
		return 100;
	}
	if (a->retval != b->retval) {
		snprintf(w, room, "  %s: retval %#x, the reference %#x\n", bname, b->retval,
			 a->retval);
		return 1;
	}
	if (a->size != b->size || a->metalen != b->metalen) {
		snprintf(w, room, "  %s: %u bytes out (meta %u), the reference %u (meta %u)\n", bname,
			 b->size, b->metalen, a->size, a->metalen);
		return 2;
	}
	size_t n = a->size < DT_OUT_MAX ? a->size : DT_OUT_MAX;
	for (size_t i = 0; i < n; i++)
		if (a->data[i] != b->data[i]) {
			snprintf(w, room, "  %s: packet byte %zu (from data_meta) is %#x, the reference %#x\n",
				 bname, i, b->data[i], a->data[i]);
			return 3;
		}
	for (int e = 0; e < DG_VALS_ENTRIES; e++)
		for (int i = 0; i < DG_VALS_SIZE; i++)
			if (a->vals[e][i] != b->vals[e][i]) {
				uint64_t va, vb;
				memcpy(&va, &a->vals[e][i & ~7], 8);
				memcpy(&vb, &b->vals[e][i & ~7], 8);
				snprintf(w, room,
					 "  %s: vals[%d] byte %d differs: u64 at %d is %#" PRIx64
					 ", the reference %#" PRIx64 "\n",
					 bname, e, i, i & ~7, vb, va);
				return 4 + e;
			}
	for (int i = 0; i < DG_OUT_SIZE; i += 8) {
		uint64_t va, vb;
		memcpy(&va, &a->out[i], 8);
		memcpy(&vb, &b->out[i], 8);
		if (va != vb) {
			char where[32];
			if (i < 64)
				snprintf(where, sizeof(where), "%s at exit", out_slot[i / 8]);
			else
				snprintf(where, sizeof(where), "stack r10%d at exit", i - 64 - 64);
			snprintf(w, room, "  %s: %s is %#" PRIx64 ", the reference %#" PRIx64 "\n",
				 bname, where, vb, va);
			return 8 + i / 8;
		}
	}
	for (int i = 0; i < 5; i++)
		if (a->cb[i] != b->cb[i]) {
			snprintf(w, room, "  %s: cb[%d] after the run is %#x, the reference %#x\n", bname,
				 i, b->cb[i], a->cb[i]);
			return DT_SITE_CB + i;
		}
	return 0;
}

static struct dt_result kres, ires, jres;

/* The errno a value at a site holds, or 0: a helper's error return seen
 * through r0, a register or memory. */
static int site_errno(const struct dt_result *r, const struct dt_result *other, int site)
{
	uint64_t v = 0;
	if (site == 1) {
		v = (uint64_t)(int64_t)(int32_t)r->retval;
	} else if (site >= 4 && site < 8) {
		for (int i = 0; i < DG_VALS_SIZE; i += 8)
			if (memcmp(&r->vals[site - 4][i], &other->vals[site - 4][i], 8)) {
				memcpy(&v, &r->vals[site - 4][i], 8);
				break;
			}
	} else if (site >= 8 && site < 8 + DG_OUT_SIZE / 8) {
		memcpy(&v, &r->out[(site - 8) * 8], 8);
	}
	int64_t e = (int64_t)v, e32 = (int32_t)(uint32_t)v;
	if (e >= -4095 && e < 0)
		return (int)-e;
	if (e32 >= -4095 && e32 < 0)
		return (int)-e32;
	return 0;
}

void dt_case_check(struct dt_env *env, const struct dt_case *tc, struct dt_outcome *o)
{
	memset(o, 0, sizeof(*o));
	o->kernel_fd = -1;
	if (env->kernel)
		o->kernel_fd = kernel_load(env, tc, o->kernel_msg, sizeof(o->kernel_msg));
	else
		snprintf(o->kernel_msg, sizeof(o->kernel_msg), "no kernel");
	o->bpfvm_ok = !bpfvm_load(env->vm, env->vmap, tc, BPFVM_ENGINE_INTERP, &o->interp,
				  o->bpfvm_msg, sizeof(o->bpfvm_msg));
	if (!o->bpfvm_ok || (o->kernel_fd < 0 && env->kernel))
		return;
	o->jit_ok = !bpfvm_load(env->vm, env->vmap, tc, BPFVM_ENGINE_JIT, &o->jit, o->jit_msg,
				sizeof(o->jit_msg));
	for (int p = 0; p < tc->npkt; p++) {
		char rep[1024] = "";
		const struct dt_result *ref = NULL;
		if (o->kernel_fd >= 0) {
			kernel_run(env, o->kernel_fd, tc, p, &kres);
			if (kres.err) {
				o->kernel_run_err++;
				continue;
			}
			ref = &kres;
		}
		bpfvm_run(env->vmap, o->interp, tc, p, &ires, frame0);
		if (o->kernel_fd < 0)
			ref = &ires;
		if (o->jit)
			bpfvm_run(env->vmap, o->jit, tc, p, &jres, frame0);
		o->runs++;
		int d = 0, si = 0, sj = 0;
		if (ref != &ires && (si = result_diff(ref, &ires, rep, sizeof(rep), "interp")))
			d |= DT_DIFF_INTERP;
		if (o->jit && (sj = result_diff(ref, &jres, rep, sizeof(rep), "jit")))
			d |= DT_DIFF_JIT;
		if (d && !o->diff)
			o->site = si ? si : sj;
		if (d && !o->diff) {
			const struct dt_result *got = si ? &ires : &jres;
			o->ref_errno = site_errno(ref, got, o->site);
			o->got_errno = site_errno(got, ref, o->site);
		}
		if (d && !o->diff) {
			char k[DT_MSG + 64], i[DT_MSG + 64], j[DT_MSG + 64];
			describe(k, sizeof(k), ref == &kres ? "kernel" : "interp", ref);
			describe(i, sizeof(i), "interp", &ires);
			describe(j, sizeof(j), "jit", &jres);
			snprintf(o->report, sizeof(o->report), "  packet %d (%u bytes):\n%s%s%s%s", p,
				 tc->pkt_len[p], ref == &kres ? k : "", i, o->jit ? j : "", rep);
		}
		o->diff |= d;
	}
}

void dt_outcome_close(struct dt_outcome *o)
{
	if (o->kernel_fd >= 0)
		close(o->kernel_fd);
	bpfvm_prog__free(o->interp);
	bpfvm_prog__free(o->jit);
	o->kernel_fd = -1;
	o->interp = o->jit = NULL;
}

/* ------------------------------------------------------------------ */
/* Minimizing                                                          */

static int last_errnos[2]; /* of the last signature() */

/* The difference signature, or -1 when a side refuses the program. */
static int signature(struct dt_env *env, const struct dt_case *tc, struct dt_outcome *keep)
{
	struct dt_outcome o;
	dt_case_check(env, tc, &o);
	int sig = (o.kernel_fd >= 0 || !env->kernel) && o.bpfvm_ok && o.jit_ok
			  ? o.diff | o.site << 4 : -1;
	if (keep)
		*keep = o;
	last_errnos[0] = o.ref_errno, last_errnos[1] = o.got_errno;
	dt_outcome_close(&o);
	return sig;
}

static bool is_nop(const struct bpfvm_insn *in)
{
	return in->code == (BI_JMP | BI_JA) && !in->off && !in->imm && !in->dst && !in->src;
}

/* The jump target of slot j, or -1 when it is not a jump. */
static long jump_target(const struct bpfvm_insn *in, size_t j)
{
	uint8_t cls = in->code & 7, op = in->code & 0xf0;
	if (cls != BI_JMP && cls != BI_JMP32)
		return -1;
	if (op == BI_EXIT || (op == BI_CALL && in->src != BI_PSEUDO_CALL))
		return -1;
	if (op == BI_CALL || (cls == BI_JMP32 && op == BI_JA))
		return (long)j + 1 + in->imm;
	return (long)j + 1 + in->off;
}

/* Remove the no-ops that keep[] does not mark, fixing jumps. */
static void compact(struct dt_case *tc, const bool *drop)
{
	static long map[DG_MAX + 1];
	size_t k = 0;
	for (size_t i = 0; i <= tc->n; i++) {
		map[i] = (long)k;
		if (i < tc->n && !drop[i])
			k++;
	}
	static struct bpfvm_insn out[DG_MAX];
	k = 0;
	for (size_t i = 0; i < tc->n; i++) {
		if (drop[i])
			continue;
		struct bpfvm_insn in = tc->insns[i];
		long t = jump_target(&in, i);
		if (i > 0 && tc->insns[i - 1].code == 0x18)
			t = -1; /* second slot of an ld_imm64 */
		if (t >= 0 && t <= (long)tc->n) {
			long nt = map[t] - (long)k - 1;
			if ((in.code & 0xf0) == BI_CALL || ((in.code & 7) == BI_JMP32 && (in.code & 0xf0) == BI_JA))
				in.imm = (int32_t)nt;
			else
				in.off = (int16_t)nt;
		}
		out[k++] = in;
	}
	memcpy(tc->insns, out, k * sizeof(out[0]));
	tc->n = k;
}

static struct dt_case trial;
static bool drop[DG_MAX];

/* Keep the trial when it still differs the same way, leak-free. */
static bool take_trial(struct dt_env *env, struct dt_case *tc, int sig)
{
	if (signature(env, &trial, NULL) != sig ||
	    !dt_clean(trial.insns, trial.n, trial.type == DT_SOCKET, NULL, NULL))
		return false;
	*tc = trial;
	return true;
}

static bool second_slot(const struct dt_case *tc, size_t i)
{
	return i > 0 && tc->insns[i - 1].code == 0x18;
}

/* Each slot (both of an ld_imm64) to ja +0. */
static bool pass_nops(struct dt_env *env, struct dt_case *tc, int sig)
{
	bool changed = false;
	for (size_t i = tc->n; i-- > 0;) {
		if (is_nop(&tc->insns[i]) || second_slot(tc, i))
			continue;
		trial = *tc;
		size_t w = tc->insns[i].code == 0x18 ? 2 : 1;
		for (size_t k = 0; k < w && i + k < tc->n; k++)
			trial.insns[i + k] = (struct bpfvm_insn)I_JA(0);
		changed |= take_trial(env, tc, sig);
	}
	return changed;
}

/* A call together with its callee (which would be unreachable). */
static bool pass_calls(struct dt_env *env, struct dt_case *tc, int sig)
{
	bool changed = false;
	for (size_t i = tc->n; i-- > 0;) {
		const struct bpfvm_insn *in = &tc->insns[i];
		if (in->code != (BI_JMP | BI_CALL) || in->src != BI_PSEUDO_CALL || second_slot(tc, i))
			continue;
		long t = jump_target(in, i), end = (long)tc->n;
		if (t < 0 || t >= (long)tc->n)
			continue;
		for (size_t j = 0; j < tc->n; j++) {
			const struct bpfvm_insn *c = &tc->insns[j];
			long u = c->code == (BI_JMP | BI_CALL) && c->src == BI_PSEUDO_CALL
					 ? jump_target(c, j) : -1;
			if (u > t && u < end)
				end = u;
		}
		memset(drop, 0, tc->n * sizeof(drop[0]));
		drop[i] = true;
		for (long j = t; j < end; j++)
			drop[j] = true;
		trial = *tc;
		compact(&trial, drop);
		if (take_trial(env, tc, sig)) {
			changed = true;
			i = tc->n; /* the slots moved: from the end again */
		}
	}
	return changed;
}

/* Drop the no-ops: all at once, else one at a time. */
static bool pass_compact(struct dt_env *env, struct dt_case *tc, int sig)
{
	size_t n = tc->n;
	for (size_t i = 0; i < tc->n; i++)
		drop[i] = is_nop(&tc->insns[i]) && !second_slot(tc, i);
	trial = *tc;
	compact(&trial, drop);
	if (trial.n == tc->n || take_trial(env, tc, sig))
		return tc->n < n;
	for (size_t i = tc->n; i-- > 0;) {
		if (!is_nop(&tc->insns[i]) || second_slot(tc, i))
			continue;
		memset(drop, 0, tc->n * sizeof(drop[0]));
		drop[i] = true;
		trial = *tc;
		compact(&trial, drop);
		take_trial(env, tc, sig);
	}
	return tc->n < n;
}

long dt_minimize(struct dt_env *env, struct dt_case *tc)
{
	int sig = signature(env, tc, NULL);
	if (sig <= 0 || !dt_clean(tc->insns, tc->n, tc->type == DT_SOCKET, NULL, NULL))
		return -1;
	/* one packet, the first that still shows it */
	for (int p = 0; p < tc->npkt && tc->npkt > 1; p++) {
		trial = *tc;
		trial.npkt = 1;
		trial.pkt_len[0] = tc->pkt_len[p];
		memcpy(trial.pkt[0], tc->pkt[p], tc->pkt_len[p]);
		if (take_trial(env, tc, sig))
			break;
	}
	for (int round = 0; round < 5; round++) {
		bool changed = pass_nops(env, tc, sig);
		changed |= pass_calls(env, tc, sig);
		changed |= pass_compact(env, tc, sig);
		if (!changed)
			break;
	}
	/* the class: which engines, what kind of place, and two errnos (a
	 * helper's error differs) or which helpers the program calls */
	signature(env, tc, NULL);
	int site = sig >> 4;
	int kind = site >= DT_SITE_CB && site < DT_SITE_CB + 5 ? DT_SITE_CB
		   : site >= 8 && site < 100			  ? 8
		   : site >= 4 && site < 8			  ? 4
								  : site;
	/* socket filters apart: bit 40 */
	long type = (long)(tc->type == DT_SOCKET) << 40;
	long cls = (long)(sig & 15) | (long)kind << 4 | type;
	if (last_errnos[0] && last_errnos[1] && last_errnos[0] != last_errnos[1])
		return (long)(sig & 15) | 1l << 11 | (long)last_errnos[0] << 12 |
		       (long)last_errnos[1] << 24 | type;
	unsigned helpers = 0;
	for (size_t i = 0; i < tc->n; i++) {
		if (second_slot(tc, i))
			continue;
		if (tc->insns[i].code == (BI_JMP | BI_CALL) && tc->insns[i].src == 0)
			helpers |= dg_helper_bit(tc->insns[i].imm);
		if ((tc->insns[i].code & 7) == BI_LD && (tc->insns[i].code & 0xe0) != BI_IMM)
			helpers |= DG_HB_LDABS; /* LD_ABS / LD_IND: counted as a helper */
	}
	return cls | (long)helpers << 12;
}

void dt_regression_write(struct dt_env *env, const struct dt_case *tc, size_t n0, FILE *f)
{
	struct dt_outcome o;
	dt_case_check(env, tc, &o);
	fprintf(f, "# difftest: `difftest --seed %#" PRIx64 " --count 1%s` (minimized from %zu to "
		   "%zu slots)\n# the kernel and bpfvm differ (%s%s):\n",
		tc->seed, tc->gen_args, n0, tc->n, o.diff & DT_DIFF_INTERP ? "interpreter " : "",
		o.diff & DT_DIFF_JIT ? "JIT" : "");
	for (char *line = strtok(o.report, "\n"); line; line = strtok(NULL, "\n"))
		fprintf(f, "#%s\n", line);
	fprintf(f, "#! known found by difftest, not fixed yet: delete this line with the fix\n");
	dt_case_print(tc, f);
	dt_outcome_close(&o);
}

/* ------------------------------------------------------------------ */
/* Replay                                                              */

static size_t unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	while (s[0] && s[1] && n < max) {
		unsigned v;
		if (sscanf(s, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

/* Read a regression file into tc; known says whether it is marked. */
static int read_case(const char *path, struct dt_case *tc, bool *known, char *why, size_t size)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(why, size, "%s", strerror(errno));
		return -1;
	}
	char *text = NULL;
	size_t cap = 0, len = 0;
	char line[8192];
	memset(tc, 0, sizeof(*tc));
	*known = false;
	while (fgets(line, sizeof(line), f)) {
		size_t l = strlen(line);
		if (len + l + 1 > cap) {
			cap = (len + l + 1) * 2;
			char *t = realloc(text, cap);
			if (!t)
				break;
			text = t;
		}
		memcpy(text + len, line, l + 1);
		len += l;
		if (strncmp(line, "#! ", 3))
			continue;
		const char *d = line + 3;
		int e;
		if (!strncmp(d, "seed ", 5)) {
			tc->seed = strtoull(d + 5, NULL, 0);
		} else if (!strncmp(d, "packet ", 7) && tc->npkt < DT_NPKT) {
			tc->pkt_len[tc->npkt] = (uint32_t)unhex(d + 7, tc->pkt[tc->npkt], DT_MAX_PKT);
			tc->npkt++;
		} else if (sscanf(d, "vals %d ", &e) == 1 && e >= 0 && e < DG_VALS_ENTRIES) {
			const char *h = strchr(d + 5, ' ');
			if (h)
				unhex(h + 1, tc->vals[e], DG_VALS_SIZE);
		} else if (!strncmp(d, "type socket", 11)) {
			tc->type = DT_SOCKET;
		} else if (!strncmp(d, "skb ", 4)) {
			struct dt_skb_in *k = &tc->skb;
			if (sscanf(d + 4, "mark %x priority %x ingress_ifindex %x cb %x %x %x %x %x "
				   "gso_segs %x gso_size %x", &k->mark, &k->priority,
				   &k->ingress_ifindex, &k->cb[0], &k->cb[1], &k->cb[2], &k->cb[3],
				   &k->cb[4], &k->gso_segs, &k->gso_size) != 10) {
				snprintf(why, size, "a `#! skb` line without its ten fields");
				fclose(f);
				free(text);
				return -1;
			}
		} else if (!strncmp(d, "known", 5)) {
			*known = true;
		}
	}
	fclose(f);
	if (!text || !tc->npkt) {
		free(text);
		snprintf(why, size, "no program or no packet");
		return -1;
	}
	struct bpfvm_insn *insns = NULL;
	size_t n = 0;
	struct bpfvm_error err;
	BPFVM_OPTS(bpfvm_asm_opts, ao, .filename = path);
	int rc = bpfvm_asm(text, len, &ao, &insns, &n, &err);
	free(text);
	if (rc || n > DG_MAX) {
		bpfvm_error__format(&err, why, size);
		free(insns);
		return -1;
	}
	memcpy(tc->insns, insns, n * sizeof(insns[0]));
	tc->n = n;
	free(insns);
	return 0;
}

static int replay_one(struct dt_env *env, const char *path, int *fails)
{
	static struct dt_case tc;
	bool known;
	char why[DT_MSG];
	if (read_case(path, &tc, &known, why, sizeof(why))) {
		printf("FAIL %s: cannot read it: %s\n", path, why);
		(*fails)++;
		return 0;
	}
	long bad_pc;
	if (!dt_clean(tc.insns, tc.n, tc.type == DT_SOCKET, &bad_pc, NULL))
		printf("note %s: its results may hang on an address or uninitialised stack "
		       "(slot %ld): a difference may be no bug\n", path, bad_pc);
	struct dt_outcome o;
	dt_case_check(env, &tc, &o);
	const char *status;
	bool bad;
	char detail[sizeof(o.report) + 2 * DT_MSG];
	detail[0] = 0;
	if (env->kernel && o.kernel_fd < 0) {
		if (!o.bpfvm_ok) {
			printf("skip %s: the kernel refuses it here (%s)\n", path, o.kernel_msg);
			dt_outcome_close(&o);
			return 1;
		}
		bad = true;
		snprintf(detail, sizeof(detail), "  bpfvm accepts what the kernel refuses: %s\n",
			 o.kernel_msg);
	} else if (!o.bpfvm_ok || !o.jit_ok) {
		bad = true;
		snprintf(detail, sizeof(detail), "  bpfvm refuses it: %s\n",
			 o.bpfvm_ok ? o.jit_msg : o.bpfvm_msg);
	} else {
		bad = o.diff != 0;
		snprintf(detail, sizeof(detail), "%s", o.report);
	}
	if (bad && known)
		status = "known";
	else if (bad)
		status = "FAIL";
	else if (known && env->kernel)
		status = "FIXED";
	else
		status = "ok";
	printf("%-5s %s (%s, %d runs)%s\n%s", status, path,
	       env->kernel ? "kernel, interpreter, JIT" : "interpreter against JIT", o.runs,
	       !bad && known && env->kernel ? ": it passes now; delete its `#! known` line" : "",
	       bad ? detail : "");
	if (bad && !known)
		(*fails)++;
	dt_outcome_close(&o);
	return 1;
}

int dt_replay(struct dt_env *env, char **paths, int n)
{
	int fails = 0, files = 0;
	if (!env->kernel)
		printf("difftest --replay: no kernel here: the interpreter against the JIT only\n");
	for (int i = 0; i < n; i++) {
		char **names;
		size_t cnt;
		if (kernel_txt_files(paths[i], &names, &cnt)) {
			files += replay_one(env, paths[i], &fails);
			continue;
		}
		for (size_t k = 0; k < cnt; k++) {
			files += replay_one(env, names[k], &fails);
			free(names[k]);
		}
		free(names);
	}
	printf("difftest --replay: %d files, %d failing (not counting known ones)\n", files, fails);
	return fails ? 1 : 0;
}
