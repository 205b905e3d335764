/*
 * btf_fmt.c - formatting values through BTF; see btf_fmt.h.
 *
 * Walks the type with libbpf's BTF accessors. Every read is bounded by the
 * bytes available, so a type that claims more than the value holds prints
 * null rather than reading past it. Depth is bounded against cyclic BTF.
 */
#include "btf_fmt.h"

#include <bpf/btf.h>
#include <ctype.h>
#include <string.h>

#define MAX_DEPTH 16

static int fmt(const struct btf *btf, uint32_t id, const uint8_t *data, size_t size,
	       struct json *j, int depth);

static uint64_t load_le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n && i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static int fmt_int(const struct btf_type *t, const uint8_t *data, size_t size, struct json *j,
		   uint32_t bit_off, uint32_t bits)
{
	size_t bytes = t->size;
	if (bytes > 8 || bytes > size) /* __int128 and short data: not formatted */
		return -1;
	uint64_t v = load_le(data, bytes);
	if (!bits)
		bits = btf_int_bits(t);
	bit_off += btf_int_offset(t);
	if (bit_off)
		v >>= bit_off;
	if (bits < 64)
		v &= ((uint64_t)1 << bits) - 1;
	uint8_t enc = btf_int_encoding(t);
	if (enc & BTF_INT_BOOL)
		json_bool(j, v != 0);
	else if ((enc & BTF_INT_SIGNED) && bits < 64 && (v >> (bits - 1)) & 1)
		json_i64(j, (int64_t)(v | ~(((uint64_t)1 << bits) - 1)));
	else if (enc & BTF_INT_SIGNED)
		json_i64(j, (int64_t)v);
	else
		json_u64(j, v);
	return 0;
}

/* A char array holding a NUL-terminated printable string prints as one. */
static bool is_string(const struct btf *btf, const struct btf_array *a, const uint8_t *data,
		      size_t size)
{
	const struct btf_type *et = btf__type_by_id(btf, (uint32_t)btf__resolve_type(btf, a->type));
	if (!et || !btf_is_int(et) || et->size != 1 || a->nelems > size)
		return false;
	const char *name = btf__name_by_offset(btf, et->name_off);
	if (!name || !strstr(name, "char"))
		return false;
	size_t len = strnlen((const char *)data, a->nelems);
	if (len == a->nelems)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isprint(data[i]))
			return false;
	return true;
}

static int fmt_array(const struct btf *btf, const struct btf_type *t, const uint8_t *data,
		     size_t size, struct json *j, int depth)
{
	const struct btf_array *a = btf_array(t);
	if (is_string(btf, a, data, size)) {
		char buf[256];
		size_t n = strnlen((const char *)data, a->nelems);
		if (n >= sizeof(buf))
			n = sizeof(buf) - 1;
		memcpy(buf, data, n);
		buf[n] = '\0';
		json_str(j, buf);
		return 0;
	}
	int64_t esz = btf__resolve_size(btf, a->type);
	if (esz <= 0 || (uint64_t)esz * a->nelems > size)
		return -1;
	json_arr_begin(j);
	for (uint32_t i = 0; i < a->nelems; i++)
		if (fmt(btf, a->type, data + i * (size_t)esz, (size_t)esz, j, depth + 1))
			json_null(j);
	json_arr_end(j);
	return 0;
}

static int fmt_composite(const struct btf *btf, const struct btf_type *t, const uint8_t *data,
			 size_t size, struct json *j, int depth)
{
	if (t->size > size)
		return -1;
	const struct btf_member *m = btf_members(t);
	json_obj_begin(j);
	for (uint16_t i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);
		uint32_t bit = btf_member_bit_offset(t, i), bits = btf_member_bitfield_size(t, i);
		json_key(j, name && *name ? name : "(anon)");
		size_t off = bit / 8;
		if (off > size) {
			json_null(j);
			continue;
		}
		const struct btf_type *mt =
			btf__type_by_id(btf, (uint32_t)btf__resolve_type(btf, m->type));
		int rc = bits && mt && btf_is_int(mt)
				 ? fmt_int(mt, data + off, size - off, j, bit % 8, bits)
				 : fmt(btf, m->type, data + off, size - off, j, depth + 1);
		if (rc)
			json_null(j);
	}
	json_obj_end(j);
	return 0;
}

static int fmt_enum(const struct btf *btf, const struct btf_type *t, const uint8_t *data,
		    size_t size, struct json *j)
{
	if (t->size > size || t->size > 8)
		return -1;
	uint64_t v = load_le(data, t->size);
	if (btf_is_enum(t)) {
		const struct btf_enum *e = btf_enum(t);
		for (uint16_t i = 0; i < btf_vlen(t); i++, e++)
			if ((uint32_t)e->val == (uint32_t)v) {
				json_str(j, btf__name_by_offset(btf, e->name_off));
				return 0;
			}
	}
	json_u64(j, v);
	return 0;
}

/* A global data section: its variables by name (.data, .rodata, .bss). */
static int fmt_datasec(const struct btf *btf, const struct btf_type *t, const uint8_t *data,
		       size_t size, struct json *j, int depth)
{
	const struct btf_var_secinfo *v = btf_var_secinfos(t);
	json_obj_begin(j);
	for (uint16_t i = 0; i < btf_vlen(t); i++, v++) {
		const struct btf_type *var = btf__type_by_id(btf, v->type);
		const char *name = var ? btf__name_by_offset(btf, var->name_off) : NULL;
		json_key(j, name && *name ? name : "(anon)");
		if (!var || !btf_is_var(var) || v->offset > size || v->size > size - v->offset ||
		    fmt(btf, var->type, data + v->offset, v->size, j, depth + 1))
			json_null(j);
	}
	json_obj_end(j);
	return 0;
}

static int fmt(const struct btf *btf, uint32_t id, const uint8_t *data, size_t size,
	       struct json *j, int depth)
{
	if (depth > MAX_DEPTH)
		return -1;
	int rid = btf__resolve_type(btf, id); /* through typedef, const, volatile */
	const struct btf_type *t = rid < 0 ? NULL : btf__type_by_id(btf, (uint32_t)rid);
	if (!t)
		return -1;
	if (btf_is_int(t))
		return fmt_int(t, data, size, j, 0, 0);
	if (btf_is_array(t))
		return fmt_array(btf, t, data, size, j, depth);
	if (btf_is_composite(t))
		return fmt_composite(btf, t, data, size, j, depth);
	if (btf_is_any_enum(t))
		return fmt_enum(btf, t, data, size, j);
	if (btf_is_datasec(t))
		return fmt_datasec(btf, t, data, size, j, depth);
	if (btf_is_ptr(t) && size >= 8) {
		char buf[24];
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)load_le(data, 8));
		json_str(j, buf);
		return 0;
	}
	return -1;
}

int btf_fmt_json(const struct btf *btf, uint32_t type_id, const void *data, size_t size,
		 struct json *j)
{
	if (!btf || !type_id || fmt(btf, type_id, data, size, j, 0)) {
		json_null(j);
		return -1;
	}
	return 0;
}
