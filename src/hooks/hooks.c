/*
 * hooks.c - the program-type table (prog_types.def) and which helpers each
 * type may call.
 *
 * Helpers, by kernel id, fall into a few groups:
 *   - generic (maps, time, random, trace_printk, tail calls, ringbuf,
 *     bpf_loop, ...): every type;
 *   - tracing-only (probe_read, current task, ...): refused for the
 *     packet and seccomp types, as the kernel's *_func_proto do;
 *   - packet helpers: XDP only (xdp_adjust_*, xdp_load/store_bytes,
 *     xdp_get_buff_len), skb (skb_load_bytes*, which socket filters may
 *     call too), tc only (the other skb_*, csum, hash and tunnel helpers,
 *     as the kernel's tc_cls_act_func_proto and sk_filter_func_proto
 *     split them), or XDP and tc (redirect, fib_lookup, csum_diff,
 *     check_mtu); refused for the other types.
 * Ids in no group (host-defined helpers) are left to the vm's own table.
 */
#include <stddef.h>

#include "bpfvm_ctx.h"
#include "hooks/hooks.h"
#include "hooks/kern_btf.h"

static const struct hook_type types[] = {
#define HOOK_TYPE(T, NAME, UAPI, USIZE, REAL, PW, LDABS, RET, RMIN, RMAX, RCHECK, RWHAT) \
	{ T, NAME, UAPI, USIZE, sizeof(REAL), PW, LDABS, RET, RMIN, RMAX, RCHECK, RWHAT, \
	  false, NULL, 0, NULL, 0 },
#define HOOK_FIELD(...)
#define HOOK_BTF_FIELD(...)
#define SKB_FIELD(...)
#include "hooks/prog_types.def"
#undef HOOK_TYPE
#undef HOOK_FIELD
#undef HOOK_BTF_FIELD
#undef SKB_FIELD
};

#define MSIZE(S, M) sizeof(((S *)0)->M)
static const struct hook_field fields[] = {
#define HOOK_TYPE(...)
#define HOOK_FIELD(T, NAME, OFF, SIZE, ACC, KIND, REAL, M) \
	{ T, NAME, OFF, SIZE, ACC, KIND, offsetof(REAL, M), MSIZE(REAL, M) > 8 ? SIZE : MSIZE(REAL, M), NULL, 0 },
#define HOOK_BTF_FIELD(T, NAME, OFF, ACC, BTF_TYPE, REAL, M) \
	{ T, NAME, OFF, 8, ACC, HK_BTF_PTR, offsetof(REAL, M), 8, BTF_TYPE, 0 },
#define SKB_ROW(T, NAME, OFF, SIZE, ACC, KIND, M, KW)                                  \
	{ T, NAME, OFF, SIZE, ACC, KIND, offsetof(struct bpfvm_skb_ctx, M),            \
	  MSIZE(struct bpfvm_skb_ctx, M) > 8 ? SIZE : MSIZE(struct bpfvm_skb_ctx, M), NULL, KW },
#define SKB_FIELD(NAME, OFF, SIZE, SFACC, TCACC, KIND, M, KW) \
	SKB_ROW(1, NAME, OFF, SIZE, SFACC, KIND, M, KW)        \
	SKB_ROW(3, NAME, OFF, SIZE, TCACC, KIND, M, KW)        \
	SKB_ROW(4, NAME, OFF, SIZE, TCACC, KIND, M, KW)
#include "hooks/prog_types.def"
#undef HOOK_TYPE
#undef HOOK_FIELD
#undef HOOK_BTF_FIELD
#undef SKB_FIELD
#undef SKB_ROW
};

const struct hook_type *hook_type_get(uint32_t prog_type)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (types[i].prog_type == prog_type)
			return &types[i];
	return NULL;
}

const struct hook_field *hook_field_at(const struct hook_type *t, uint32_t off)
{
	const struct hook_field *v = t && t->host ? t->fields : fields;
	size_t n = t && t->host ? t->n_fields : sizeof(fields) / sizeof(fields[0]);
	for (size_t i = 0; t && i < n; i++) {
		const struct hook_field *f = &v[i];
		if (f->prog_type == t->prog_type && f->access && off >= f->off &&
		    off < (uint32_t)f->off + f->size)
			return f;
	}
	return NULL;
}

/* Groups of kernel helper ids (enum bpf_func_id). */
enum { G_NONE, G_TRACING, G_XDP, G_SKB, G_TC, G_PKT, G_TRACE_BTF };

static int helper_group(uint32_t id)
{
	switch (id) {
	case 4: case 14: case 15: case 16: case 35: case 36: case 37: case 45:
	case 112: case 113: case 114: case 115: case 117: case 158:
		return G_TRACING; /* probe_read*, current task/comm/uid, ... */
	case 44: case 54: case 65: case 188: case 189: case 190:
		return G_XDP;     /* xdp_adjust_head/meta/tail, xdp_get_buff_len,
				   * xdp_load/store_bytes */
	case 26: case 68:
		return G_SKB;     /* skb_load_bytes, skb_load_bytes_relative */
	case 9: case 10: case 11: case 13: case 17: case 18: case 19: case 20:
	case 21: case 29: case 30: case 31: case 32: case 33: case 34:
	case 38: case 39: case 40: case 41: case 43: case 48: case 50:
		return G_TC;      /* skb_store_bytes and the rest of skb_*, l3/l4
				   * csum, tunnel, vlan, hash */
	case 23: case 28: case 51: case 69: case 163:
		return G_PKT;     /* redirect, csum_diff, redirect_map, fib_lookup, check_mtu */
	case 111: case 121:
		return G_TRACE_BTF; /* skb_output, xdp_output: a BTF-typed skb or
				     * xdp_buff, fentry/fexit only (the kernel's
				     * tracing_prog_func_proto) */
	default:
		return G_NONE;
	}
}

bool hook_helper_allowed(const struct hook_type *t, uint32_t id, const char **why)
{
	int g = helper_group(id);
	if (t && t->host && t->helpers) {
		for (size_t i = 0; i < t->n_helpers; i++)
			if (t->helpers[i] == id)
				return true;
		*why = "other program types (it is not in this type's helper list)";
		return false;
	}
	if (t && t->host && g == G_TRACING)
		return true; /* as raw programs */
	bool xdp = t && t->prog_type == 6;
	bool skb = t && (t->prog_type == 1 || t->prog_type == 3 || t->prog_type == 4);
	bool tc = skb && t->prog_type != 1;
	bool tracing = t && !t->host && t->prog_type == HOOK_TYPE_TRACING;
	*why = NULL;
	switch (g) {
	case G_TRACING:
		*why = "tracing programs";
		return !t || tracing;
	case G_TRACE_BTF:
		*why = "fentry/fexit programs";
		return tracing;
	case G_XDP:
		*why = "XDP programs";
		return xdp;
	case G_SKB:
		*why = "tc and socket programs";
		return skb;
	case G_TC:
		*why = "tc programs";
		return tc;
	case G_PKT:
		*why = "XDP and tc programs";
		return xdp || tc;
	default:
		return true;
	}
}

const char *hook_run_refusal(const struct hook_type *t)
{
	if (t && !t->host && t->prog_type == HOOK_TYPE_TRACING)
		return "fentry/fexit programs cannot run in bpfvm: they attach to a function "
		       "(here an XDP program's entry), and bpfvm has no attach point for them; "
		       "they load and verify only";
	return NULL;
}

/* The kernel's bpf_helper_changes_pkt_data(). Not bpf_xdp_store_bytes: it
 * writes into the packet but never moves it, and the kernel lets programs
 * keep their packet pointers across it. */
bool hook_helper_changes_pkt(uint32_t id)
{
	switch (id) {
	case 9: case 10: case 11: case 13: case 18: case 19: case 31: case 38: case 39:
	case 43: case 44: case 50: case 54: case 63: case 65: case 73: case 74: case 75:
	case 76: case 90: case 91: case 143:
		return true;
	default:
		return false;
	}
}
