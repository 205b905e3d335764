/*
 * reduced.c - reduced cases (reduced.h).
 *
 * empty redirect-map slot: bpf_map_lookup_elem on a devmap or xskmap slot
 *   that holds no device or socket gives NULL in the kernel; bpfvm gave
 *   the slot (it stores these maps as arrays), so libxdp's
 *   xsk_def_xdp_prog_5.3.o went on to bpf_redirect_map and returned
 *   XDP_ABORTED where the kernel passes. Fixed in src/maps/redirect_maps.c.
 *   The program: r0 = lookup(map, &0) ? XDP_DROP : XDP_PASS.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "reduced.h"
#include "run_pair.h"

#define INSN(c, d, s, o, i) \
	{ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) }

/* The map is the ld_imm64 at index 4, its source register and imm set
 * per side (the kernel: BPF_PSEUDO_MAP_FD and the fd; bpfvm: map_by_idx
 * 0). */
static const struct bpf_insn lookup_prog[] = {
	INSN(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 0),   /* r1 = 0 */
	INSN(BPF_STX | BPF_MEM | BPF_W, 10, 1, -4, 0),   /* *(u32 *)(r10 - 4) = r1 */
	INSN(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),  /* r2 = r10 */
	INSN(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4),  /* r2 += -4 */
	INSN(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 0),     /* r1 = map ll */
	INSN(0, 0, 0, 0, 0),
	INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
	INSN(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2, 0),     /* if r0 == 0 goto +2 */
	INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1),   /* r0 = XDP_DROP: found */
	INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 2),   /* r0 = XDP_PASS: empty */
	INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
};
#define N_INSNS (sizeof(lookup_prog) / sizeof(lookup_prog[0]))
#define MAP_INSN 4

_Static_assert(sizeof(struct bpf_insn) == sizeof(struct bpfvm_insn), "the same slot");

static const struct {
	const char *what;
	enum bpf_map_type type;
	uint32_t slot0; /* 0: empty; else the ifindex put there */
} cases[] = {
	{ "devmap, empty slot", BPF_MAP_TYPE_DEVMAP, 0 },
	{ "devmap, slot = lo", BPF_MAP_TYPE_DEVMAP, 1 },
	{ "xskmap, empty slot", BPF_MAP_TYPE_XSKMAP, 0 },
};

static struct result kr, vr;

/* The case on the kernel's side into kr; 0 or a negative errno. */
static int kernel_side(int c, const uint8_t *pkt, size_t len)
{
	int map = bpf_map_create(cases[c].type, "reduced", 4, 4, 4, NULL), prog = -1;
	uint32_t k = 0;
	if (map < 0)
		return map;
	int rc = cases[c].slot0 ? bpf_map_update_elem(map, &k, &cases[c].slot0, BPF_ANY) : 0;
	struct bpf_insn insns[N_INSNS];
	memcpy(insns, lookup_prog, sizeof(insns));
	insns[MAP_INSN].src_reg = BPF_PSEUDO_MAP_FD;
	insns[MAP_INSN].imm = map;
	if (!rc) {
		prog = bpf_prog_load(BPF_PROG_TYPE_XDP, "reduced", "GPL", insns, N_INSNS, NULL);
		rc = prog < 0 ? prog : 0;
	}
	if (!rc) {
		run_kernel(prog, HOOK_XDP, pkt, len, 0, &kr);
		rc = kr.err;
		close(prog);
	}
	close(map);
	return rc;
}

/* The case on bpfvm's side, engine e, into vr; 0 or a negative errno with
 * msg filled. */
static int bpfvm_side(int c, enum bpfvm_engine e, uint32_t cpu, const uint8_t *pkt, size_t len,
		      char *msg, size_t size)
{
	struct bpfvm_error err = { 0 };
	struct bpfvm_vm *vm = bpfvm_vm__new(NULL);
	struct bpfvm_map *map = vm ? bpfvm_map__create(vm, (enum bpfvm_map_type)cases[c].type,
						       "reduced", 4, 4, 4, NULL, &err)
				   : NULL;
	struct bpfvm_prog *prog = NULL;
	uint32_t k = 0;
	int rc = map ? 0 : -ENOMEM;
	if (!rc && cases[c].slot0)
		rc = bpfvm_map__update(map, &k, &cases[c].slot0, BPFVM_ANY);
	struct bpfvm_insn insns[N_INSNS];
	memcpy(insns, lookup_prog, sizeof(insns));
	insns[MAP_INSN].src = 5; /* map_by_idx */
	insns[MAP_INSN].imm = 0;
	BPFVM_OPTS(bpfvm_load_opts, lo, .name = "reduced", .maps = &map, .n_maps = 1,
		   .prog_type = BPF_PROG_TYPE_XDP, .engine = e);
	if (!rc)
		rc = bpfvm_prog__load(vm, insns, N_INSNS, &lo, &prog, &err);
	if (!rc) {
		run_bpfvm(prog, HOOK_XDP, cpu, pkt, len, 0, &vr);
		rc = vr.err;
		snprintf(msg, size, "%s", vr.msg);
	} else {
		snprintf(msg, size, "%s", err.msg);
	}
	bpfvm_prog__free(prog);
	bpfvm_map__put(map);
	bpfvm_vm__free(vm);
	return rc;
}

int reduced_run_all(uint32_t cpu, int *compared)
{
	static const char *const engines[] = { "interpreter", "jit" };
	uint8_t pkt[64] = { 0 };
	int failed = 0;
	pkt[12] = 0x08;
	*compared = 0;
	for (int c = 0; c < (int)(sizeof(cases) / sizeof(cases[0])); c++) {
		int krc = kernel_side(c, pkt, sizeof(pkt));
		if (krc) {
			printf("  reduced case %s: the kernel cannot run it (%s); not compared\n",
			       cases[c].what, strerror(-krc));
			continue;
		}
		for (int e = 0; e < 2; e++) {
			char msg[BPFVM_ERR_MSG_MAX + BPFVM_ERR_FILE_MAX + 32] = "", d[400];
			int vrc = bpfvm_side(c, (enum bpfvm_engine)e, cpu, pkt, sizeof(pkt), msg,
					     sizeof(msg));
			bool same = !vrc && !*run_difference(&kr, &vr, HOOK_XDP, d, sizeof(d));
			(*compared)++;
			failed += !same;
			printf("%s reduced case %s (%s): kernel %u, bpfvm %s%u\n",
			       same ? "ok" : "MISMATCH", cases[c].what, engines[e], kr.retval,
			       vrc ? msg : "", vrc ? 0 : vr.retval);
		}
	}
	return failed;
}
