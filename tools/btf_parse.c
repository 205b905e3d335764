/*
 * btf_parse.c - typed JSON and integer text into bytes through BTF; see
 * btf_parse.h.
 *
 * Every write is bounded by the bytes available: a type claiming more
 * than the buffer holds is refused, never written past. Depth is bounded
 * against cyclic BTF (the JSON side is bounded by json_read).
 */
#include "btf_parse.h"

#include <bpf/btf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 16

struct ctx {
	const struct btf *btf;
	struct jr_error *err;
};

__attribute__((format(printf, 3, 4))) static int fail(struct ctx *c, const struct jr_value *at,
						       const char *fmt, ...)
{
	va_list ap;
	if (at) {
		c->err->line = at->line;
		c->err->column = at->column;
	}
	va_start(ap, fmt);
	vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* ------------------------------------------------------------ type names */

static void type_name(const struct btf *btf, uint32_t id, char *buf, size_t size, int depth)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	if (!size)
		return;
	buf[0] = '\0';
	if (!id) {
		snprintf(buf, size, "void");
		return;
	}
	if (!t || depth > MAX_DEPTH) {
		snprintf(buf, size, "?");
		return;
	}
	const char *name = btf__name_by_offset(btf, t->name_off);
	bool named = name && *name;
	if (btf_is_const(t) || btf_is_volatile(t) || btf_is_restrict(t) || btf_is_var(t)) {
		type_name(btf, t->type, buf, size, depth + 1);
	} else if (btf_is_ptr(t)) {
		char inner[96];
		type_name(btf, t->type, inner, sizeof(inner), depth + 1);
		snprintf(buf, size, "%s *", inner);
	} else if (btf_is_array(t)) {
		char inner[96];
		type_name(btf, btf_array(t)->type, inner, sizeof(inner), depth + 1);
		snprintf(buf, size, "%s[%u]", inner, btf_array(t)->nelems);
	} else if (btf_is_struct(t) || btf_is_union(t) || btf_is_any_enum(t)) {
		snprintf(buf, size, "%s %s", btf_is_struct(t) ? "struct" : btf_is_union(t) ? "union"
									     : "enum",
			 named ? name : "(anon)");
	} else {
		snprintf(buf, size, "%s", named ? name : "?");
	}
}

void btf_parse_type_name(const struct btf *btf, uint32_t type_id, char *buf, size_t size)
{
	type_name(btf, type_id, buf, size, 0);
}

/* -------------------------------------------------------------- scalars */

/* A scalar as given: an integer (sign and magnitude, and whether it was
 * written in hex), a boolean, or a name (an enumerator). */
struct scalar {
	enum { S_INT, S_BOOL, S_NAME } kind;
	bool neg, hex, b;
	uint64_t mag;
	const char *name;
};

/* "-12", "0x1f", "42": 0, -EINVAL (not an integer), -ERANGE (over 64 bits). */
static int parse_int_text(const char *s, struct scalar *sc)
{
	uint64_t v = 0;
	sc->neg = *s == '-';
	if (sc->neg)
		s++;
	sc->hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	if (sc->hex)
		s += 2;
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (sc->hex && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (sc->hex && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return -EINVAL;
		unsigned base = sc->hex ? 16 : 10;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	sc->kind = S_INT;
	sc->mag = v;
	return 0;
}

static void put_bits(uint8_t *base, size_t size, uint32_t bit_off, uint32_t bits, uint64_t v)
{
	for (uint32_t b = 0; b < bits; b++) {
		uint32_t bit = bit_off + b;
		if (bit / 8 >= size)
			return;
		uint8_t m = (uint8_t)(1u << (bit % 8));
		if ((v >> b) & 1)
			base[bit / 8] |= m;
		else
			base[bit / 8] &= (uint8_t)~m;
	}
}

/* The integer sc as a bits-wide (signed or unsigned) value; 0 and the bit
 * pattern in *out, or -1 with the message. */
static int fit(struct ctx *c, const struct jr_value *at, const struct scalar *sc, bool is_signed,
	       uint32_t bits, const char *tname, uint64_t *out)
{
	uint64_t umax = bits >= 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
	uint64_t smax = umax >> 1;
	char num[32];
	if (sc->hex)
		snprintf(num, sizeof(num), "%s0x%" PRIx64, sc->neg ? "-" : "", sc->mag);
	else
		snprintf(num, sizeof(num), "%s%" PRIu64, sc->neg ? "-" : "", sc->mag);
	if (!is_signed) {
		if ((sc->neg && sc->mag) || sc->mag > umax)
			return fail(c, at, "%s does not fit in %s (0..%" PRIu64 ")", num, tname, umax);
		*out = sc->mag;
		return 0;
	}
	if (sc->neg ? sc->mag > smax + 1 : sc->mag > (sc->hex ? umax : smax))
		return fail(c, at, "%s does not fit in %s (-%" PRIu64 "..%" PRIu64
			    ", or 0x0..0x%" PRIx64 " as a bit pattern)", num, tname, smax + 1, smax,
			    umax);
	*out = sc->neg ? (~sc->mag + 1) & umax : sc->mag;
	return 0;
}

/*
 * Write scalar sc as the (resolved) type t of id into out: bits wide at
 * bit_off (bits 0: the type's own width and offset).
 */
static int put_scalar(struct ctx *c, const struct jr_value *at, uint32_t id,
		      const struct btf_type *t, const struct scalar *sc, uint8_t *out, size_t size,
		      uint32_t bit_off, uint32_t bits)
{
	char tname[128];
	uint64_t v = 0;
	type_name(c->btf, id, tname, sizeof(tname), 0);
	if (btf_is_int(t) || btf_is_ptr(t)) {
		bool is_ptr = btf_is_ptr(t);
		uint32_t tsize = is_ptr ? 8 : t->size;
		uint8_t enc = is_ptr ? 0 : btf_int_encoding(t);
		if (tsize > 8)
			return fail(c, at, "%s is %u bytes: only integers of up to 8 bytes are set",
				    tname, tsize);
		if (!bits) {
			bits = is_ptr ? 64 : btf_int_bits(t);
			bit_off += is_ptr ? 0 : btf_int_offset(t);
		}
		if (enc & BTF_INT_BOOL) {
			if (sc->kind == S_BOOL)
				v = sc->b;
			else if (sc->kind == S_INT && !sc->neg && sc->mag <= 1)
				v = sc->mag;
			else
				return fail(c, at, "%s takes true, false, 0 or 1", tname);
		} else if (sc->kind == S_INT) {
			if (fit(c, at, sc, (enc & BTF_INT_SIGNED) != 0, bits, tname, &v))
				return -1;
		} else if (sc->kind == S_BOOL) {
			return fail(c, at, "%s takes an integer, not true or false", tname);
		} else {
			return fail(c, at, "'%s' is not an integer for %s (decimal, or hex with 0x)",
				    sc->name, tname);
		}
		if (tsize > size)
			return fail(c, at, "%s is %u bytes; %zu are left", tname, tsize, size);
		put_bits(out, size, bit_off, bits, v);
		return 0;
	}
	if (btf_is_any_enum(t)) {
		bool is_signed = btf_kflag(t);
		if (t->size > 8 || t->size > size)
			return fail(c, at, "%s is %u bytes; %zu are left", tname, t->size, size);
		if (!bits)
			bits = t->size * 8;
		if (sc->kind == S_NAME) {
			bool found = false;
			for (uint16_t i = 0; i < btf_vlen(t) && !found; i++) {
				const char *n;
				if (btf_is_enum(t)) {
					n = btf__name_by_offset(c->btf, btf_enum(t)[i].name_off);
					v = (uint64_t)(int64_t)btf_enum(t)[i].val;
				} else {
					n = btf__name_by_offset(c->btf, btf_enum64(t)[i].name_off);
					v = btf_enum64_value(&btf_enum64(t)[i]);
				}
				found = n && !strcmp(n, sc->name);
			}
			if (!found)
				return fail(c, at, "'%s' is not an enumerator of %s", sc->name, tname);
		} else if (sc->kind == S_INT) {
			if (fit(c, at, sc, is_signed, bits, tname, &v))
				return -1;
		} else {
			return fail(c, at, "%s takes an enumerator or an integer", tname);
		}
		put_bits(out, size, bit_off, bits, v);
		return 0;
	}
	return fail(c, at, "%s is not an integer, enum or pointer", tname);
}

/* A JSON value as a scalar: a number, a string of an integer or a name,
 * a boolean. */
static int json_scalar(struct ctx *c, const struct jr_value *v, struct scalar *sc)
{
	*sc = (struct scalar){ 0 };
	if (v->type == JR_BOOL) {
		sc->kind = S_BOOL;
		sc->b = v->boolean;
		return 0;
	}
	if (v->type == JR_NUMBER) {
		int rc = parse_int_text(v->text, sc);
		if (rc == -ERANGE)
			return fail(c, v, "%s does not fit in 64 bits", v->text);
		if (rc)
			return fail(c, v, "%s is not an integer", v->text);
		return 0;
	}
	if (v->type == JR_STRING) {
		int rc = parse_int_text(v->text, sc);
		if (rc == -ERANGE)
			return fail(c, v, "\"%s\" does not fit in 64 bits", v->text);
		if (rc) {
			sc->kind = S_NAME;
			sc->name = v->text;
		}
		return 0;
	}
	return fail(c, v, "expected a number, a string or a boolean, found %s",
		    jr_type_name(v->type));
}

/* ------------------------------------------------------------ composites */

static int parse(struct ctx *c, uint32_t id, const struct jr_value *v, uint8_t *out, size_t size,
		 int depth);

static const struct btf_type *resolved(const struct btf *btf, uint32_t id, uint32_t *rid)
{
	int r = btf__resolve_type(btf, id);
	if (r < 0)
		return NULL;
	*rid = (uint32_t)r;
	return btf__type_by_id(btf, (uint32_t)r);
}

static int parse_composite(struct ctx *c, uint32_t id, const struct btf_type *t,
			   const struct jr_value *v, uint8_t *out, size_t size, int depth)
{
	char tname[128];
	type_name(c->btf, id, tname, sizeof(tname), 0);
	if (v->type != JR_OBJECT)
		return fail(c, v, "%s takes an object of its members, not %s", tname,
			    jr_type_name(v->type));
	for (size_t k = 0; k < v->n; k++) {
		const struct jr_value *item = &v->items[k];
		const struct btf_member *m = btf_members(t);
		uint16_t i;
		for (i = 0; i < btf_vlen(t); i++, m++) {
			const char *n = btf__name_by_offset(c->btf, m->name_off);
			if (n && *n ? !strcmp(n, item->key) : !strcmp(item->key, "(anon)"))
				break;
		}
		if (i == btf_vlen(t)) {
			c->err->line = item->key_line;
			c->err->column = item->key_column;
			return fail(c, NULL, "%s has no member '%s'", tname, item->key);
		}
		uint32_t bit = btf_member_bit_offset(t, i), bits = btf_member_bitfield_size(t, i);
		if (bit / 8 > size)
			return fail(c, item, "member '%s' lies past the %zu bytes of the value",
				    item->key, size);
		uint32_t mid;
		const struct btf_type *mt = resolved(c->btf, m->type, &mid);
		if (!mt)
			return fail(c, item, "member '%s' has a bad BTF type", item->key);
		int rc;
		if (bits) {
			struct scalar sc;
			rc = json_scalar(c, item, &sc);
			if (!rc)
				rc = put_scalar(c, item, m->type, mt, &sc, out, size, bit, bits);
		} else {
			rc = parse(c, m->type, item, out + bit / 8, size - bit / 8, depth + 1);
		}
		if (rc)
			return rc;
	}
	return 0;
}

static bool is_char(const struct btf *btf, uint32_t id)
{
	uint32_t rid;
	const struct btf_type *t = resolved(btf, id, &rid);
	const char *n = t ? btf__name_by_offset(btf, t->name_off) : NULL;
	return t && btf_is_int(t) && t->size == 1 && n && strstr(n, "char");
}

static int parse_btf_array(struct ctx *c, uint32_t id, const struct btf_type *t,
		       const struct jr_value *v, uint8_t *out, size_t size, int depth)
{
	const struct btf_array *a = btf_array(t);
	char tname[128];
	type_name(c->btf, id, tname, sizeof(tname), 0);
	int64_t esz = btf__resolve_size(c->btf, a->type);
	if (esz <= 0 || (uint64_t)esz * a->nelems > size)
		return fail(c, v, "%s does not fit in the %zu bytes left", tname, size);
	if (v->type == JR_STRING && is_char(c->btf, a->type)) {
		if (v->len > a->nelems)
			return fail(c, v, "the string has %zu bytes; %s holds %u", v->len, tname,
				    a->nelems);
		memset(out, 0, a->nelems);
		memcpy(out, v->text, v->len);
		return 0;
	}
	if (v->type != JR_ARRAY)
		return fail(c, v, "%s takes an array%s, not %s", tname,
			    is_char(c->btf, a->type) ? " or a string" : "", jr_type_name(v->type));
	if (v->n != a->nelems)
		return fail(c, v, "%s takes %u elements, not %zu", tname, a->nelems, v->n);
	for (size_t i = 0; i < v->n; i++)
		if (parse(c, a->type, &v->items[i], out + i * (size_t)esz, (size_t)esz, depth + 1))
			return -1;
	return 0;
}

static int parse_datasec(struct ctx *c, const struct btf_type *t, const struct jr_value *v,
			 uint8_t *out, size_t size, int depth)
{
	const char *sec = btf__name_by_offset(c->btf, t->name_off);
	if (v->type != JR_OBJECT)
		return fail(c, v, "%s takes an object of its variables, not %s", sec ? sec : "?",
			    jr_type_name(v->type));
	for (size_t k = 0; k < v->n; k++) {
		const struct jr_value *item = &v->items[k];
		const struct btf_var_secinfo *vs = btf_var_secinfos(t);
		const struct btf_type *var = NULL;
		uint16_t i;
		for (i = 0; i < btf_vlen(t); i++, vs++) {
			var = btf__type_by_id(c->btf, vs->type);
			const char *n = var ? btf__name_by_offset(c->btf, var->name_off) : NULL;
			if (var && btf_is_var(var) && n && !strcmp(n, item->key))
				break;
		}
		if (i == btf_vlen(t)) {
			c->err->line = item->key_line;
			c->err->column = item->key_column;
			return fail(c, NULL, "%s has no variable '%s'", sec ? sec : "?", item->key);
		}
		if (vs->offset > size || vs->size > size - vs->offset)
			return fail(c, item, "variable '%s' lies past the %zu bytes of the section",
				    item->key, size);
		if (parse(c, var->type, item, out + vs->offset, vs->size, depth + 1))
			return -1;
	}
	return 0;
}

static int parse(struct ctx *c, uint32_t id, const struct jr_value *v, uint8_t *out, size_t size,
		 int depth)
{
	uint32_t rid;
	const struct btf_type *t = depth > MAX_DEPTH ? NULL : resolved(c->btf, id, &rid);
	if (!t)
		return fail(c, v, "BTF type %u cannot be read (bad or too deeply nested)", id);
	if (v->type == JR_NULL)
		return fail(c, v, "null: the dump could not format this value; give the raw bytes");
	if (btf_is_composite(t)) {
		if (t->size > size)
			return fail(c, v, "the type is %u bytes; %zu are left", t->size, size);
		return parse_composite(c, id, t, v, out, size, depth);
	}
	if (btf_is_array(t))
		return parse_btf_array(c, id, t, v, out, size, depth);
	if (btf_is_datasec(t))
		return parse_datasec(c, t, v, out, size, depth);
	struct scalar sc;
	if (json_scalar(c, v, &sc))
		return -1;
	return put_scalar(c, v, id, t, &sc, out, size, 0, 0);
}

int btf_parse_json(const struct btf *btf, uint32_t type_id, const struct jr_value *v, void *out,
		   size_t size, struct jr_error *err)
{
	struct ctx c = { btf, err };
	*err = (struct jr_error){ .line = v->line, .column = v->column };
	if (!btf || !type_id)
		return fail(&c, v, "no BTF type to read the value with");
	return parse(&c, type_id, v, out, size, 0);
}

int btf_parse_text(const struct btf *btf, uint32_t type_id, const char *text, void *out,
		   size_t size, char *msg, size_t msg_size)
{
	struct jr_error err = { 0 };
	struct ctx c = { btf, &err };
	struct scalar sc = { 0 };
	uint32_t rid;
	const struct btf_type *t = btf && type_id ? resolved(btf, type_id, &rid) : NULL;
	int rc;
	if (!t) {
		rc = fail(&c, NULL, "no BTF type to read the value with");
	} else {
		rc = parse_int_text(text, &sc);
		if (rc == -ERANGE) {
			rc = fail(&c, NULL, "'%s' does not fit in 64 bits", text);
		} else {
			if (rc && (!strcmp(text, "true") || !strcmp(text, "false"))) {
				sc.kind = S_BOOL;
				sc.b = text[0] == 't';
			} else if (rc) {
				sc.kind = S_NAME;
				sc.name = text;
			}
			rc = put_scalar(&c, NULL, type_id, t, &sc, out, size, 0, 0);
		}
	}
	if (rc)
		snprintf(msg, msg_size, "%s", err.msg);
	return rc;
}
