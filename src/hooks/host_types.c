/*
 * host_types.c - program types a host defines (bpfvm_vm__add_prog_type):
 * rows of the same shape as prog_types.def's, owned by the vm. The
 * context is the host's own structure, so each field's real offset is its
 * declared one and the verifier's rewrite leaves the accesses as they are.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpfvm.h"
#include "common/error.h"
#include "hooks/hooks.h"
#include "prog/prog.h"

/* The largest context: field offsets are 16-bit in the table. */
#define HOST_CTX_MAX 32767u

const struct hook_type *hook_type_find(const struct bpfvm_vm *vm, uint32_t prog_type)
{
	for (size_t i = 0; vm && i < vm->n_host_types; i++)
		if (vm->host_types[i]->prog_type == prog_type)
			return vm->host_types[i];
	return hook_type_get(prog_type);
}

static void host_type_free(struct hook_type *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_fields; i++)
		free((char *)t->fields[i].name);
	free((void *)t->fields);
	free((void *)t->helpers);
	free((char *)t->name);
	free((char *)t->ctx_name);
	free((char *)t->ret_what);
	free(t);
}

void hook_host_types_free(struct bpfvm_vm *vm)
{
	for (size_t i = 0; i < vm->n_host_types; i++)
		host_type_free(vm->host_types[i]);
	free(vm->host_types);
	vm->host_types = NULL;
	vm->n_host_types = 0;
}

/* Check field i of the description; 0 or an error in err. */
static int check_field(const struct bpfvm_prog_type_opts *o, size_t i, struct bpfvm_error *err)
{
	const struct bpfvm_ctx_field *f = &o->fields[i];
	const uint32_t known = BPFVM_CTX_READ | BPFVM_CTX_WRITE | BPFVM_CTX_NARROW | BPFVM_CTX_BYTES;
	if (!f->name || !f->name[0])
		return err_set(err, -EINVAL, "context field %zu has no name", i);
	if (!f->access || (f->access & ~known))
		return err_set(err, -EINVAL, "context field '%s': access 0x%x is not a set of "
			       "BPFVM_CTX_* flags", f->name, f->access);
	bool sized = f->size == 1 || f->size == 2 || f->size == 4 || (f->size && f->size % 8 == 0);
	if (!sized)
		return err_set(err, -EINVAL, "context field '%s': size %u is not 1, 2, 4, 8 or a "
			       "multiple of 8", f->name, f->size);
	uint32_t align = f->size > 8 ? 8 : f->size;
	if (f->off % align)
		return err_set(err, -EINVAL, "context field '%s': offset %u is not aligned to %u",
			       f->name, f->off, align);
	if (f->off > o->ctx_size || f->size > o->ctx_size - f->off)
		return err_set(err, -EINVAL, "context field '%s' (%u bytes at %u) runs past the "
			       "%u-byte context", f->name, f->size, f->off, o->ctx_size);
	for (size_t k = 0; k < i; k++) {
		const struct bpfvm_ctx_field *g = &o->fields[k];
		if (f->off < g->off + g->size && g->off < f->off + f->size)
			return err_set(err, -EINVAL, "context fields '%s' and '%s' overlap",
				       g->name, f->name);
	}
	return 0;
}

static int check_desc(uint32_t type, const struct bpfvm_prog_type_opts *o, struct bpfvm_error *err)
{
	if (type < BPFVM_PROG_TYPE_HOST)
		return err_set(err, -EINVAL, "program type %u: host types are numbered from "
			       "BPFVM_PROG_TYPE_HOST (0x%x)", type, BPFVM_PROG_TYPE_HOST);
	if (!o->name || !o->name[0])
		return err_set(err, -EINVAL, "program type 0x%x has no name", type);
	if (o->ctx_size > HOST_CTX_MAX)
		return err_set(err, -EINVAL, "program type '%s': a %u-byte context; at most %u",
			       o->name, o->ctx_size, HOST_CTX_MAX);
	if (o->n_fields && !o->fields)
		return err_set(err, -EINVAL, "program type '%s': n_fields without fields", o->name);
	if (o->n_helpers && !o->helpers)
		return err_set(err, -EINVAL, "program type '%s': n_helpers without helpers",
			       o->name);
	for (size_t i = 0; i < o->n_fields; i++) {
		int ret = check_field(o, i, err);
		if (ret)
			return ret;
	}
	if (o->ret_check) {
		bool s32 = o->ret_min < 0;
		int64_t lo = s32 ? INT32_MIN : 0, hi = s32 ? INT32_MAX : (int64_t)UINT32_MAX;
		if (o->ret_min > o->ret_max || o->ret_min < lo || o->ret_max > hi)
			return err_set(err, -EINVAL, "program type '%s': return range %lld..%lld is "
				       "not a 32-bit range", o->name, (long long)o->ret_min,
				       (long long)o->ret_max);
	}
	return 0;
}

static char *dup_printf(const char *fmt, long long a, long long b)
{
	char buf[64];
	snprintf(buf, sizeof(buf), fmt, a, b);
	return strdup(buf);
}

/* A row for the verifier from a checked description. */
static struct hook_type *host_type_new(uint32_t type, const struct bpfvm_prog_type_opts *o)
{
	struct hook_type *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->prog_type = type;
	t->host = true;
	t->uapi_size = t->real_size = o->ctx_size;
	t->ret = !o->ret_check ? HR_ANY : o->ret_min < 0 ? HR_S32 : HR_U32;
	t->ret_check = o->ret_check;
	t->ret_min = o->ret_min;
	t->ret_max = o->ret_max;
	t->name = strdup(o->name);
	t->ctx_name = strdup(o->ctx_name && o->ctx_name[0] ? o->ctx_name : "the context");
	t->ret_what = dup_printf("%lld..%lld", (long long)o->ret_min, (long long)o->ret_max);
	struct hook_field *fields = calloc(o->n_fields ? o->n_fields : 1, sizeof(*fields));
	t->fields = fields;
	uint32_t *helpers = NULL;
	if (o->helpers) {
		helpers = malloc((o->n_helpers ? o->n_helpers : 1) * sizeof(*helpers));
		if (helpers && o->n_helpers)
			memcpy(helpers, o->helpers, o->n_helpers * sizeof(*helpers));
		t->helpers = helpers;
		t->n_helpers = o->n_helpers;
	}
	if (!t->name || !t->ctx_name || !t->ret_what || !fields || (o->helpers && !helpers)) {
		host_type_free(t);
		return NULL;
	}
	for (size_t i = 0; i < o->n_fields; i++, t->n_fields++) {
		const struct bpfvm_ctx_field *f = &o->fields[i];
		uint32_t a = f->access;
		fields[i] = (struct hook_field){
			.prog_type = type,
			.name = strdup(f->name),
			.off = (uint16_t)f->off,
			.size = (uint16_t)f->size,
			.access = (uint8_t)(((a & BPFVM_CTX_READ) ? HA_R : 0) |
					    ((a & BPFVM_CTX_WRITE) ? HA_W : 0) |
					    ((a & BPFVM_CTX_NARROW) ? HA_R | HA_NARROW : 0) |
					    ((a & BPFVM_CTX_BYTES) ? HA_BYTES : 0)),
			.kind = HK_SCALAR,
			.real_off = (uint16_t)f->off,
			.real_size = (uint8_t)(f->size > 8 ? 8 : f->size),
		};
		if (!fields[i].name) {
			host_type_free(t);
			return NULL;
		}
	}
	return t;
}

int bpfvm_vm__add_prog_type(struct bpfvm_vm *vm, uint32_t type,
			    const struct bpfvm_prog_type_opts *opts, struct bpfvm_error *err)
{
	err_clear(err);
	if (!vm || !opts)
		return err_set(err, -EINVAL, "bpfvm_vm__add_prog_type: NULL argument");
	if (!OPTS_CHECK(bpfvm_prog_type_opts, opts))
		return err_set(err, -EINVAL, "bpfvm_vm__add_prog_type: unknown fields set in opts");
	/* a copy with the fields this header knows; unknown ones are zero */
	struct bpfvm_prog_type_opts o = { 0 };
	memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	int ret = check_desc(type, &o, err);
	if (ret)
		return ret;
	if (hook_type_find(vm, type))
		return err_set(err, -EEXIST, "program type 0x%x is already defined", type);
	struct hook_type **v = realloc(vm->host_types, (vm->n_host_types + 1) * sizeof(*v));
	if (!v)
		return err_set(err, -ENOMEM, "out of memory");
	vm->host_types = v;
	struct hook_type *t = host_type_new(type, &o);
	if (!t)
		return err_set(err, -ENOMEM, "out of memory");
	v[vm->n_host_types++] = t;
	return 0;
}
