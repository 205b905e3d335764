/*
 * hooks.h - program types as the verifier sees them: the context layout
 * (UAPI fields and where each lives in bpfvm's real context, see
 * include/bpfvm_ctx.h), direct packet access, the allowed helpers and the
 * range of the return value. The table itself is prog_types.def.
 *
 * Program types without a row here (0 and the types bpfvm does not model
 * yet) are "raw": r1 points to ctx_size bytes of plain memory.
 */
#ifndef BPFVM_HOOKS_H
#define BPFVM_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HOOK_TYPE_SECCOMP 0x7fff0001u
#define HOOK_TYPE_TRACING 26u /* BPF_PROG_TYPE_TRACING: fentry/fexit on XDP */

/* What a field's load yields (HK_BTF_PTR: a pointer to the struct
 * hook_field.btf_type of bpfvm's BTF, hooks/kern_btf.h). */
enum hook_kind { HK_SCALAR, HK_PKT, HK_PKT_END, HK_PKT_META, HK_BTF_PTR };

/* Access flags of a field. */
#define HA_R 1u      /* readable */
#define HA_W 2u      /* writable (with the field's own size) */
#define HA_NARROW 4u /* reads of 1/2/4 bytes inside it, aligned to their size */
#define HA_BYTES 8u  /* any aligned access inside it, read and write (cb[]) */
/* only for programs loaded with expected_attach_type BPF_XDP_DEVMAP (the
 * kernel's xdp_is_valid_access gives egress_ifindex to those alone) */
#define HA_DEVMAP 16u

struct hook_field {
	uint32_t prog_type;
	const char *name;
	uint16_t off, size;   /* in the UAPI struct */
	uint8_t access;       /* HA_* */
	uint8_t kind;         /* enum hook_kind */
	uint16_t real_off;    /* in the real struct */
	uint8_t real_size;    /* == size, or 8 for the 32-bit packet pointer fields */
	const char *btf_type; /* HK_BTF_PTR: the struct it points to ("xdp_buff") */
	uint8_t kwidth;       /* the kernel member's width when narrower, else 0 (ctx.c) */
};

/* How r0 at exit is checked. */
enum hook_ret { HR_ANY, HR_U32, HR_S32 };

struct hook_type {
	uint32_t prog_type;
	const char *name;      /* "XDP", "tc", ... for messages */
	const char *ctx_name;  /* "struct xdp_md" */
	uint32_t uapi_size;    /* bytes of the UAPI context */
	uint32_t real_size;    /* bytes of the real context */
	bool pkt_write;        /* direct packet writes allowed */
	bool ld_abs;           /* LD_ABS / LD_IND allowed */
	uint8_t ret;           /* enum hook_ret */
	int64_t ret_min, ret_max;
	bool ret_check;        /* the verifier enforces [ret_min, ret_max] */
	const char *ret_what;  /* "0..4 (XDP_ABORTED..XDP_REDIRECT)" */
	/* host-defined types (host_types.c): their own fields and helper
	 * list; the real context is the host's, laid out as declared */
	bool host;
	const struct hook_field *fields;
	size_t n_fields;
	const uint32_t *helpers; /* NULL: all but the packet helpers */
	size_t n_helpers;
};

struct bpfvm_vm;

/* The row of prog_type, or NULL (raw). */
const struct hook_type *hook_type_get(uint32_t prog_type);
/* The same, host-defined types of vm included. */
const struct hook_type *hook_type_find(const struct bpfvm_vm *vm, uint32_t prog_type);
/* Free vm's host-defined types. */
void hook_host_types_free(struct bpfvm_vm *vm);
/* The field of t covering UAPI byte off, or NULL. */
const struct hook_field *hook_field_at(const struct hook_type *t, uint32_t off);
/* Whether programs of type t (NULL: raw) may call kernel helper id; when
 * not, *why says which program types may. */
bool hook_helper_allowed(const struct hook_type *t, uint32_t id, const char **why);
/* Why programs of type t cannot run in bpfvm (fentry/fexit: there is no
 * function for them to attach to), or NULL when they can. */
const char *hook_run_refusal(const struct hook_type *t);
/* Helpers that move or resize the packet: packet pointers die at the call. */
bool hook_helper_changes_pkt(uint32_t id);

#endif
