/*
 * kern_btf.c - hook_kern_btf_new(): the BTF of bpfvm's contexts under the
 * kernel's names (see kern_btf.h for what it holds and why it is built at
 * run time).
 *
 * The UAPI contexts come from the program-type table (hook_field_at over
 * each type's bytes), so a field the verifier lets programs use is exactly
 * a field CO-RE finds; the internal types come from the C structs of
 * kern_btf.h through offsetof().
 */
#include <bpf/btf.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "hooks/hooks.h"
#include "hooks/kern_btf.h"

struct kb {
	struct btf *btf;
	int err;
	int u8, u16, u32, u64, s32, voidp;
};

/* Record the first failure; later calls become no-ops. */
static int kb_ok(struct kb *b, int id)
{
	if (id < 0 && !b->err)
		b->err = id;
	return id;
}

static void kb_field(struct kb *b, const char *name, int type, size_t off)
{
	if (!b->err)
		kb_ok(b, btf__add_field(b->btf, name, type, (uint32_t)(off * 8), 0));
}

static int kb_uint(struct kb *b, unsigned size)
{
	return size == 1 ? b->u8 : size == 2 ? b->u16 : size == 4 ? b->u32 : b->u64;
}

/* The fields of t, once each, in offset order; returns how many (<= max). */
static size_t uapi_fields(const struct hook_type *t, const struct hook_field **out, size_t max)
{
	size_t n = 0;
	for (uint32_t off = 0; off < t->uapi_size && n < max; off++) {
		const struct hook_field *f = hook_field_at(t, off);
		if (f && (!n || out[n - 1] != f))
			out[n++] = f;
	}
	return n;
}

/* One UAPI context struct from the field table of prog_type. Fields wider
 * than 8 bytes are arrays: of __u64 when the size allows (seccomp args),
 * else of __u32 (__sk_buff cb). btf__add_field appends to the last type
 * added, so the array types come first. */
static void kb_uapi(struct kb *b, uint32_t prog_type)
{
	const struct hook_type *t = hook_type_get(prog_type);
	const struct hook_field *f[64];
	int type[64];
	const char *name;

	if (!t || b->err)
		return;
	name = t->ctx_name;
	if (!strncmp(name, "struct ", 7))
		name += 7;
	size_t n = uapi_fields(t, f, 64);
	for (size_t i = 0; i < n; i++) {
		unsigned elem = f[i]->size % 8 ? 4 : 8;
		type[i] = f[i]->size <= 8 ? kb_uint(b, f[i]->size)
			  : kb_ok(b, btf__add_array(b->btf, b->u32, kb_uint(b, elem),
						    f[i]->size / elem));
	}
	if (b->err || kb_ok(b, btf__add_struct(b->btf, name, t->uapi_size)) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		kb_field(b, f[i]->name, type[i], f[i]->off);
}

struct btf *hook_kern_btf_new(void)
{
	struct kb b = {0};
	int dev, rxq, txq, e;

	b.btf = btf__new_empty();
	if (!b.btf)
		return NULL;
	b.u8 = kb_ok(&b, btf__add_int(b.btf, "__u8", 1, 0));
	b.u16 = kb_ok(&b, btf__add_int(b.btf, "__u16", 2, 0));
	b.u32 = kb_ok(&b, btf__add_int(b.btf, "__u32", 4, 0));
	b.u64 = kb_ok(&b, btf__add_int(b.btf, "__u64", 8, 0));
	b.s32 = kb_ok(&b, btf__add_int(b.btf, "int", 4, BTF_INT_SIGNED));
	b.voidp = kb_ok(&b, btf__add_ptr(b.btf, 0));

	kb_uapi(&b, 6);           /* struct xdp_md */
	kb_uapi(&b, 3);           /* struct __sk_buff, as tc sees it */
	kb_uapi(&b, HOOK_TYPE_SECCOMP); /* struct seccomp_data */

	/* struct net_device, xdp_rxq_info, xdp_txq_info, xdp_buff, innermost
	 * first: each struct with its fields, then the pointer to it */
	if (!b.err) {
		dev = kb_ok(&b, btf__add_struct(b.btf, "net_device", sizeof(struct kbtf_net_device)));
		kb_field(&b, "ifindex", b.s32, offsetof(struct kbtf_net_device, ifindex));
		int devp = kb_ok(&b, btf__add_ptr(b.btf, dev));
		rxq = kb_ok(&b, btf__add_struct(b.btf, "xdp_rxq_info", sizeof(struct kbtf_xdp_rxq_info)));
		kb_field(&b, "dev", devp, offsetof(struct kbtf_xdp_rxq_info, dev));
		kb_field(&b, "queue_index", b.u32, offsetof(struct kbtf_xdp_rxq_info, queue_index));
		int rxqp = kb_ok(&b, btf__add_ptr(b.btf, rxq));
		txq = kb_ok(&b, btf__add_struct(b.btf, "xdp_txq_info", sizeof(struct kbtf_xdp_txq_info)));
		kb_field(&b, "dev", devp, offsetof(struct kbtf_xdp_txq_info, dev));
		int txqp = kb_ok(&b, btf__add_ptr(b.btf, txq));
		kb_ok(&b, btf__add_struct(b.btf, "xdp_buff", sizeof(struct kbtf_xdp_buff)));
		kb_field(&b, "data", b.voidp, offsetof(struct kbtf_xdp_buff, ctx.data));
		kb_field(&b, "data_end", b.voidp, offsetof(struct kbtf_xdp_buff, ctx.data_end));
		kb_field(&b, "data_meta", b.voidp, offsetof(struct kbtf_xdp_buff, ctx.data_meta));
		kb_field(&b, "data_hard_start", b.voidp,
			 offsetof(struct kbtf_xdp_buff, ctx.data_hard_start));
		kb_field(&b, "rxq", rxqp, offsetof(struct kbtf_xdp_buff, rxq));
		kb_field(&b, "txq", txqp, offsetof(struct kbtf_xdp_buff, txq));
		kb_field(&b, "frame_sz", b.u32, offsetof(struct kbtf_xdp_buff, frame_sz));
	}

	/* enum xdp_action */
	if (!b.err && kb_ok(&b, btf__add_enum(b.btf, "xdp_action", 4)) >= 0) {
		static const char *const acts[] = {"XDP_ABORTED", "XDP_DROP", "XDP_PASS",
						   "XDP_TX", "XDP_REDIRECT"};
		for (int i = 0; i < 5; i++)
			if (!b.err)
				kb_ok(&b, btf__add_enum_value(b.btf, acts[i], i));
	}

	if (b.err) {
		e = b.err;
		btf__free(b.btf);
		errno = -e;
		return NULL;
	}
	return b.btf;
}
