/*
 * filter.c - a classic program ready to run, in one of three engines: the
 * classic interpreter, or its eBPF translation, verified, in the eBPF
 * interpreter or as machine code. The kernel's path is the last one:
 * check, translate, verify, JIT.
 *
 * The tools (bpfvm filter, bpfvm seccomp), the tests and the benchmark all
 * run classic programs through here, so every engine sees the same
 * context: a socket filter's translation gets a struct bpfvm_skb_ctx built
 * by cbpf_skb_ctx_init() and the packet as the run's LD_ABS packet; a
 * seccomp filter's gets the struct seccomp_data itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cbpf.h"
#include "hooks/hooks.h"
#include "isa/isa.h"
#include "jit/filter.h"

struct cbpf_filter {
	enum cbpf_prog_kind kind;
	enum cbpf_engine engine;
	struct cbpf_insn *prog;
	size_t n;
	struct bpfvm_insn *ebpf;
	size_t n_ebpf;
	struct bpfvm_prog *bp;
	bool anc_fields; /* the program reads ancillary __sk_buff fields */
	bool anc_helper; /* ... or values its helper takes from the meta */
	bool reads_len;  /* ... or BPF_LEN */
};

static const char *const engine_names[] = {
	[CBPF_ENGINE_JIT] = "jit",
	[CBPF_ENGINE_INTERP] = "interp",
	[CBPF_ENGINE_CBPF] = "cbpf",
};

int cbpf_engine_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(engine_names) / sizeof(engine_names[0]); i++)
		if (!strcmp(name, engine_names[i]))
			return (int)i;
	if (!strcmp(name, "ebpf")) /* the earlier name of interp */
		return CBPF_ENGINE_INTERP;
	return -1;
}

const char *cbpf_engine_name(enum cbpf_engine engine)
{
	return (unsigned)engine < sizeof(engine_names) / sizeof(engine_names[0])
		       ? engine_names[engine] : "?";
}

uint32_t cbpf_prog_type(enum cbpf_prog_kind kind)
{
	return kind == CBPF_SECCOMP ? HOOK_TYPE_SECCOMP : 1 /* BPF_PROG_TYPE_SOCKET_FILTER */;
}

static uint32_t be16(uint16_t v)
{
	const uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	uint16_t out;
	memcpy(&out, b, 2);
	return out;
}

/* The fields behind the ancillary loads, from meta (NULL: zero). */
static void skb_anc_fields(struct bpfvm_skb_ctx *ctx, const struct cbpf_meta *meta)
{
	static const struct cbpf_meta zero;
	if (!meta)
		meta = &zero;
	/* as the kernel keeps them: protocol and vlan_proto in network order */
	ctx->protocol = be16(meta->protocol);
	ctx->pkt_type = meta->pkttype;
	ctx->ifindex = meta->ifindex;
	ctx->mark = meta->mark;
	ctx->queue_mapping = meta->queue;
	ctx->hash = meta->rxhash;
	ctx->vlan_tci = meta->vlan_tci;
	ctx->vlan_present = meta->vlan_present;
	ctx->vlan_proto = be16(meta->vlan_tpid);
}

void cbpf_skb_ctx_init(struct bpfvm_skb_ctx *ctx, const uint8_t *data, size_t caplen,
		       const struct cbpf_meta *meta)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->data = ctx->data_meta = (void *)(uintptr_t)data;
	ctx->data_end = (void *)(uintptr_t)(data + caplen);
	ctx->len = meta && meta->len ? meta->len : (uint32_t)caplen;
	skb_anc_fields(ctx, meta);
}

/* Whether prog reads an ancillary value that is a __sk_buff field. */
static bool reads_anc_fields(const struct cbpf_insn *prog, size_t n)
{
	for (size_t pc = 0; pc < n; pc++) {
		const struct cbpf_desc *d = cbpf_lookup(prog[pc].code);
		if (d && d->kind == CBPF_K_LD_ABS && prog[pc].k >= (uint32_t)CBPF_SKF_AD_OFF)
			return true;
	}
	return false;
}

/* Whether prog reads BPF_LEN (into A or X). */
static bool reads_len(const struct cbpf_insn *prog, size_t n)
{
	for (size_t pc = 0; pc < n; pc++) {
		const struct cbpf_desc *d = cbpf_lookup(prog[pc].code);
		if (d && (d->kind == CBPF_K_LD_LEN || d->kind == CBPF_K_LDX_LEN))
			return true;
	}
	return false;
}

static struct cbpf_filter *fail(struct cbpf_filter *f, int code)
{
	cbpf_filter_free(f);
	errno = -code;
	return NULL;
}

struct cbpf_filter *cbpf_filter_new(struct bpfvm_vm *vm, const struct cbpf_insn *prog,
				    size_t n, enum cbpf_prog_kind kind, enum cbpf_engine engine,
				    bool allow_fallback, struct bpfvm_error *err)
{
	struct cbpf_filter *f = calloc(1, sizeof(*f));
	int ret;
	if (!f || !(f->prog = malloc((n ? n : 1) * sizeof(*prog)))) {
		if (err)
			*err = (struct bpfvm_error){ .code = -ENOMEM, .insn = -1,
						     .msg = "out of memory" };
		return fail(f, -ENOMEM);
	}
	memcpy(f->prog, prog, n * sizeof(*prog));
	f->n = n;
	f->kind = kind;
	f->anc_fields = reads_anc_fields(prog, n);
	f->reads_len = reads_len(prog, n);
	f->engine = engine;
	/* the translation checks the program first */
	if ((ret = cbpf_translate(prog, n, kind, &f->ebpf, &f->n_ebpf, err)))
		return fail(f, ret);
	for (size_t i = 0; i < f->n_ebpf; i++)
		if (f->ebpf[i].code == isa_table[ISA_CALL].code && f->ebpf[i].src == 0 &&
		    (uint32_t)f->ebpf[i].imm == CBPF_HELPER_ANC)
			f->anc_helper = true;
	if (engine == CBPF_ENGINE_CBPF)
		return f;
	BPFVM_OPTS(bpfvm_load_opts, lopts, .name = kind == CBPF_SECCOMP ? "seccomp" : "filter",
		   .prog_type = cbpf_prog_type(kind),
		   .engine = engine == CBPF_ENGINE_JIT ? BPFVM_ENGINE_JIT : BPFVM_ENGINE_INTERP,
		   .allow_fallback = allow_fallback);
	if ((ret = bpfvm_prog__load(vm, f->ebpf, f->n_ebpf, &lopts, &f->bp, err)))
		return fail(f, ret);
	if (bpfvm_prog__engine(f->bp) != BPFVM_ENGINE_JIT)
		f->engine = CBPF_ENGINE_INTERP;
	return f;
}

void cbpf_filter_free(struct cbpf_filter *f)
{
	if (!f)
		return;
	bpfvm_prog__free(f->bp);
	free(f->ebpf);
	free(f->prog);
	free(f);
}

enum cbpf_engine cbpf_filter_engine(const struct cbpf_filter *f)
{
	return f->engine;
}

const char *cbpf_filter_fallback(const struct cbpf_filter *f)
{
	return f->bp ? bpfvm_prog__fallback_reason(f->bp) : NULL;
}

const struct bpfvm_insn *cbpf_filter_ebpf(const struct cbpf_filter *f, size_t *n)
{
	*n = f->n_ebpf;
	return f->ebpf;
}

const struct bpfvm_prog *cbpf_filter_prog(const struct cbpf_filter *f)
{
	return f->bp;
}

int cbpf_filter_run(const struct cbpf_filter *f, const uint8_t *data, size_t caplen,
		    const struct cbpf_meta *meta, uint32_t *ret, struct bpfvm_error *err)
{
	if (f->kind == CBPF_SECCOMP) {
		struct cbpf_seccomp_data sd = { 0 };
		if (caplen < sizeof(sd)) {
			if (err)
				*err = (struct bpfvm_error){ .code = -EINVAL, .insn = -1,
							     .msg = "seccomp data is 64 bytes" };
			return -EINVAL;
		}
		memcpy(&sd, data, sizeof(sd));
		return cbpf_filter_run_seccomp(f, &sd, ret, err);
	}
	if (f->engine == CBPF_ENGINE_CBPF) {
		*ret = cbpf_run(f->prog, f->n, f->kind, data, caplen, meta);
		return 0;
	}
	/*
	 * Per packet, only the fields the translation can read: len, and the
	 * ancillary ones when it has such loads (the verifier allows it no
	 * other). Zeroing the whole 230-byte struct (cbpf_skb_ctx_init) would
	 * cost more than a short filter's whole run.
	 */
	struct bpfvm_skb_ctx ctx;
	uint64_t r0;
	static const uint8_t empty;
	if (!data || !caplen) /* no packet would make the context the packet */
		data = &empty, caplen = 0;
	ctx.len = meta && meta->len ? meta->len : (uint32_t)caplen;
	if (f->anc_fields)
		skb_anc_fields(&ctx, meta);
	BPFVM_OPTS(bpfvm_run_opts, ropts, .user = (void *)(uintptr_t)meta, .packet = data,
		   .packet_len = caplen);
	int r = bpfvm_prog__run(f->bp, &ctx, sizeof(ctx), &ropts, &r0, err);
	if (r)
		return r;
	*ret = (uint32_t)r0;
	return 0;
}

/* Packets a batch hands bpfvm_prog__run_batch at once (contexts on the
 * stack). */
#define BATCH 64

_Static_assert(sizeof(struct cbpf_packet) == sizeof(struct jit_filter_pkt) &&
		       offsetof(struct cbpf_packet, data) == offsetof(struct jit_filter_pkt, data) &&
		       offsetof(struct cbpf_packet, caplen) ==
			       offsetof(struct jit_filter_pkt, caplen) &&
		       offsetof(struct cbpf_packet, ret) == offsetof(struct jit_filter_pkt, ret) &&
		       offsetof(struct cbpf_packet, len) == offsetof(struct jit_filter_pkt, len),
	       "struct cbpf_packet is the JIT filter entry's item");
/* The filter entry hands the program its item as the struct __sk_buff:
 * the translation's one context load, skb->len, lands on the item's len. */
_Static_assert(offsetof(struct bpfvm_skb_ctx, len) == offsetof(struct cbpf_packet, len),
	       "the item's len is where the rewritten skb->len load reads");

/* The packets through the JIT's filter entry (jit/filter.h): the
 * translation reads no ancillary value, so its context is len alone, and
 * keeps r1 in r6 (translate.c), as the entry needs. */
static int run_filter_entry(const struct cbpf_filter *f, struct cbpf_packet *pkts, size_t n,
			    struct bpfvm_error *err)
{
	if (f->reads_len)
		for (size_t i = 0; i < n; i++)
			if (!pkts[i].len)
				pkts[i].len = pkts[i].caplen;
	return jit_run_filter(f->bp, (struct jit_filter_pkt *)(void *)pkts, n, err);
}

int cbpf_filter_run_batch(const struct cbpf_filter *f, struct cbpf_packet *pkts, size_t n,
			  struct bpfvm_error *err)
{
	/* the helper-read ancillary values come from each packet's meta,
	 * through the run's user pointer: one run per packet then */
	if (f->kind != CBPF_SOCKET_FILTER || f->engine == CBPF_ENGINE_CBPF || f->anc_helper) {
		for (size_t i = 0; i < n; i++) {
			struct cbpf_meta meta = { 0 };
			if (pkts[i].meta)
				meta = *pkts[i].meta;
			meta.len = pkts[i].len;
			int r = cbpf_filter_run(f, pkts[i].data, pkts[i].caplen, &meta, &pkts[i].ret,
						err);
			if (r)
				return r;
		}
		return 0;
	}
	if (f->engine == CBPF_ENGINE_JIT && !f->anc_fields)
		return run_filter_entry(f, pkts, n, err);
	static const uint8_t empty;
	struct bpfvm_skb_ctx ctx[BATCH];
	struct bpfvm_run_item items[BATCH];
	for (size_t at = 0; at < n; at += BATCH) {
		size_t k = n - at < BATCH ? n - at : BATCH;
		for (size_t i = 0; i < k; i++) {
			const struct cbpf_packet *p = &pkts[at + i];
			const uint8_t *data = p->data && p->caplen ? p->data : &empty;
			size_t caplen = p->data && p->caplen ? p->caplen : 0;
			/* as cbpf_filter_run: only the fields the translation reads */
			ctx[i].len = p->len ? p->len : (uint32_t)caplen;
			if (f->anc_fields)
				skb_anc_fields(&ctx[i], p->meta);
			items[i] = (struct bpfvm_run_item){ .mem = &ctx[i], .mem_len = sizeof(ctx[i]),
							    .packet = data, .packet_len = caplen };
		}
		int r = bpfvm_prog__run_batch(f->bp, items, k, NULL, NULL, err);
		if (r)
			return r;
		for (size_t i = 0; i < k; i++)
			pkts[at + i].ret = (uint32_t)items[i].ret;
	}
	return 0;
}

int cbpf_filter_run_seccomp(const struct cbpf_filter *f, const struct cbpf_seccomp_data *sd,
			    uint32_t *ret, struct bpfvm_error *err)
{
	_Static_assert(sizeof(struct cbpf_seccomp_data) == sizeof(struct bpfvm_seccomp_ctx),
		       "struct seccomp_data is the seccomp context");
	if (f->engine == CBPF_ENGINE_CBPF) {
		*ret = cbpf_run(f->prog, f->n, f->kind, (const uint8_t *)sd, sizeof(*sd), NULL);
		return 0;
	}
	struct bpfvm_seccomp_ctx ctx;
	uint64_t r0;
	memcpy(&ctx, sd, sizeof(ctx));
	int r = bpfvm_prog__run(f->bp, &ctx, sizeof(ctx), NULL, &r0, err);
	if (r)
		return r;
	*ret = (uint32_t)r0;
	return 0;
}
