/*
 * map_load.c - a map's entries from dump-shaped JSON; see map_load.h.
 *
 * Each entry is decoded into key and value buffers of exactly the map's
 * sizes before the map is touched, so a malformed entry never reaches the
 * map; a map that refuses a well-formed entry (full, a bad prog id) stops
 * the load there with the map's own errno.
 */
#include "map_load.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf_parse.h"
#include "json_read.h"
#include "tool.h"

struct loader {
	const char *cmd, *path, *map_name;
	const struct btf *btf;
	struct bpfvm_map_info mi;
	uint32_t nr_cpus;
	bool percpu;
	size_t entry;          /* 1-based, for messages; 0 outside entries */
};

__attribute__((format(printf, 4, 5))) static int fail(const struct loader *l, int line,
						       int column, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->entry)
		fprintf(stderr, "bpfvm %s: %s:%d:%d: entry %zu: %s\n", l->cmd, l->path, line, column,
			l->entry, msg);
	else
		fprintf(stderr, "bpfvm %s: %s:%d:%d: %s\n", l->cmd, l->path, line, column, msg);
	return -1;
}

/* n bytes from an array of "0xNN" strings or numbers 0..255. */
static int raw_bytes(const struct loader *l, const struct jr_value *v, uint8_t *out, size_t n,
		     const char *what)
{
	if (v->type != JR_ARRAY)
		return fail(l, v->line, v->column,
			    "\"%s\" wants an array of bytes (\"0x2a\" or 42), not %s", what,
			    jr_type_name(v->type));
	if (v->n != n)
		return fail(l, v->line, v->column, "\"%s\" has %zu byte%s; map '%s' has %zu-byte %ss",
			    what, v->n, v->n == 1 ? "" : "s", l->map_name, n, what);
	for (size_t i = 0; i < n; i++) {
		const struct jr_value *b = &v->items[i];
		uint64_t x = 256;
		if (b->type == JR_STRING) {
			const char *s = b->text;
			char *end = NULL;
			if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) && s[2] && strlen(s) <= 4) {
				x = strtoul(s + 2, &end, 16);
				if (*end)
					x = 256;
			}
		} else if (b->type == JR_NUMBER) {
			if (jr_u64(b, &x))
				x = 256;
		}
		if (x > 255)
			return fail(l, b->line, b->column,
				    "byte %zu of \"%s\" is not a byte (\"0x00\"..\"0xff\" or 0..255)",
				    i, what);
		out[i] = (uint8_t)x;
	}
	return 0;
}

/* A key or value through BTF (the "formatted" form). */
static int typed(const struct loader *l, const struct jr_value *v, uint32_t type_id, uint8_t *out,
		 size_t n, const char *what)
{
	if (!type_id || !l->btf)
		return fail(l, v->line, v->column,
			    "map '%s' has no BTF type for its %s: give the raw \"%s\" bytes",
			    l->map_name, what, what);
	struct jr_error e;
	if (btf_parse_json(l->btf, type_id, v, out, n, &e))
		return fail(l, e.line, e.column, "formatted %s: %s", what, e.msg);
	return 0;
}

static int percpu_values(const struct loader *l, const struct jr_value *vals, uint8_t *val,
			 size_t stride)
{
	if (vals->type != JR_ARRAY)
		return fail(l, vals->line, vals->column,
			    "\"values\" wants an array of {\"cpu\": N, \"value\": [...]}, not %s",
			    jr_type_name(vals->type));
	bool *seen = calloc(l->nr_cpus + 1, sizeof(*seen));
	int rc = 0;
	if (!seen)
		return fail(l, vals->line, vals->column, "out of memory");
	for (size_t i = 0; i < vals->n && !rc; i++) {
		const struct jr_value *pc = &vals->items[i];
		const struct jr_value *cpu = jr_get(pc, "cpu"), *value = jr_get(pc, "value");
		uint64_t c;
		if (pc->type != JR_OBJECT || !cpu || !value || pc->n != 2)
			rc = fail(l, pc->line, pc->column,
				  "each of \"values\" is {\"cpu\": N, \"value\": [...]}");
		else if (jr_u64(cpu, &c) || c >= l->nr_cpus)
			rc = fail(l, cpu->line, cpu->column, "cpu %s: the run has CPUs 0..%u",
				  cpu->type == JR_NUMBER ? cpu->text : "?", l->nr_cpus - 1);
		else if (seen[c])
			rc = fail(l, cpu->line, cpu->column, "cpu %s is given twice", cpu->text);
		else {
			seen[c] = true;
			rc = raw_bytes(l, value, val + c * stride, l->mi.value_size, "value");
		}
	}
	free(seen);
	return rc;
}

static const char *const entry_keys[] = { "key", "value", "values", "formatted" };

/* Decode entry e into key (l->mi.key_size bytes) and val (the map's value
 * buffer, per-CPU included), both zeroed. */
static int decode_entry(const struct loader *l, const struct jr_value *e, uint8_t *key,
			uint8_t *val)
{
	if (e->type != JR_OBJECT)
		return fail(l, e->line, e->column,
			    "an entry is an object {\"key\": [...], \"value\": [...]}, not %s",
			    jr_type_name(e->type));
	for (size_t i = 0; i < e->n; i++) {
		bool known = false;
		for (size_t k = 0; k < sizeof(entry_keys) / sizeof(entry_keys[0]); k++)
			known |= !strcmp(e->items[i].key, entry_keys[k]);
		if (!known)
			return fail(l, e->items[i].key_line, e->items[i].key_column,
				    "unknown key \"%s\" (an entry has key, value, values, formatted)",
				    e->items[i].key);
	}
	const struct jr_value *k = jr_get(e, "key"), *v = jr_get(e, "value"),
			      *vs = jr_get(e, "values"), *f = jr_get(e, "formatted");
	const struct jr_value *fk = NULL, *fv = NULL;
	if (f) {
		if (f->type != JR_OBJECT)
			return fail(l, f->line, f->column, "\"formatted\" wants an object, not %s",
				    jr_type_name(f->type));
		for (size_t i = 0; i < f->n; i++)
			if (strcmp(f->items[i].key, "key") && strcmp(f->items[i].key, "value"))
				return fail(l, f->items[i].key_line, f->items[i].key_column,
					    "unknown key \"%s\" in \"formatted\" (key, value)",
					    f->items[i].key);
		fk = jr_get(f, "key");
		fv = jr_get(f, "value");
	}

	/* The key. */
	uint32_t ks = l->mi.key_size;
	if (!ks) {
		if (k && !(k->type == JR_ARRAY && k->n == 0))
			return fail(l, k->line, k->column, "map '%s' (%s) has no key", l->map_name,
				    bpfvm_map_type_name(l->mi.type));
	} else if (k) {
		if (raw_bytes(l, k, key, ks, "key"))
			return -1;
	} else if (fk) {
		if (typed(l, fk, l->mi.btf_key_type_id, key, ks, "key"))
			return -1;
	} else if (!l->mi.global_data) {
		return fail(l, e->line, e->column, "the entry has no \"key\"");
	}

	/* The value: bytes, else formatted; per-CPU maps copy it to every CPU
	 * and then take "values". */
	size_t vsz = l->mi.value_size, stride = (vsz + 7) / 8 * 8;
	if (vs && !l->percpu)
		return fail(l, vs->line, vs->column,
			    "map '%s' is not per-CPU: give its \"value\", not \"values\"",
			    l->map_name);
	if (v) {
		if (raw_bytes(l, v, val, vsz, "value"))
			return -1;
	} else if (fv && !vs) {
		if (typed(l, fv, l->mi.btf_value_type_id, val, vsz, "value"))
			return -1;
	} else if (!vs) {
		return fail(l, e->line, e->column, "the entry has no \"value\"%s",
			    l->percpu ? " or \"values\"" : "");
	}
	if (l->percpu) {
		if (v || fv)
			for (uint32_t c = 1; c < l->nr_cpus; c++)
				memcpy(val + c * stride, val, vsz);
		if (vs && percpu_values(l, vs, val, stride))
			return -1;
	}
	return 0;
}

/* The entries array of the document for map name, or NULL (printed). */
static const struct jr_value *find_entries(const struct loader *l, const struct jr_value *root)
{
	const struct jr_value *maps = root;
	if (root->type == JR_OBJECT) {
		maps = jr_get(root, "maps");
		if (!maps) {
			fail(l, root->line, root->column,
			     "expected the entries of a map ([{\"key\": ..., \"value\": ...}]), a "
			     "dump of all maps ([{\"name\": ..., \"entries\": ...}]) or a run "
			     "summary with \"maps\"");
			return NULL;
		}
	}
	if (maps->type != JR_ARRAY) {
		fail(l, maps->line, maps->column, "expected an array, found %s",
		     jr_type_name(maps->type));
		return NULL;
	}
	/* One map's entries, unless its items are {"name", "entries"}. */
	if (root->type == JR_ARRAY && !(maps->n && jr_get(&maps->items[0], "entries")))
		return maps;
	char names[160] = "";
	size_t len = 0;
	for (size_t i = 0; i < maps->n; i++) {
		const struct jr_value *m = &maps->items[i];
		const struct jr_value *name = jr_get(m, "name"), *entries = jr_get(m, "entries");
		if (m->type != JR_OBJECT || !name || name->type != JR_STRING || !entries) {
			fail(l, m->line, m->column,
			     "each map of the dump is {\"name\": \"...\", \"entries\": [...]}");
			return NULL;
		}
		if (!strcmp(name->text, l->map_name)) {
			if (entries->type != JR_ARRAY) {
				fail(l, entries->line, entries->column,
				     "\"entries\" wants an array, not %s", jr_type_name(entries->type));
				return NULL;
			}
			return entries;
		}
		if (len + strlen(name->text) + 8 < sizeof(names))
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
						len ? ", " : "", name->text);
	}
	fail(l, maps->line, maps->column, "the dump has no map named '%s' (it has: %s)",
	     l->map_name, len ? names : "none");
	return NULL;
}

int map_load_json(const char *cmd, const struct bpfvm_object *obj, uint32_t nr_cpus,
		  const char *name, const char *path)
{
	struct loader l = { .cmd = cmd, .path = path, .map_name = name, .nr_cpus = nr_cpus };
	size_t idx, n = bpfvm_object__map_cnt(obj);
	for (idx = 0; idx < n; idx++)
		if (!strcmp(bpfvm_object__map_name(obj, idx), name))
			break;
	if (idx == n) {
		fprintf(stderr, "bpfvm %s: --map %s=%s: the object has no map named '%s'\n", cmd,
			name, path, name);
		return -1;
	}
	struct bpfvm_map *map = bpfvm_object__map(obj, idx);
	bpfvm_object__map_info(obj, idx, &l.mi);
	if (!map) {
		fprintf(stderr, "bpfvm %s: map '%s': the object is not loaded\n", cmd, name);
		return -1;
	}
	if (l.mi.global_data && (l.mi.map_flags & BPFVM_F_RDONLY_PROG)) {
		fprintf(stderr,
			"bpfvm %s: --map %s=%s: %s is read-only once the object is loaded (the "
			"kernel freezes it): set its variables with --set NAME=VALUE\n",
			cmd, name, path, name);
		return -1;
	}
	l.btf = bpfvm_object__btf(obj);
	l.percpu = l.mi.type == BPFVM_MAP_TYPE_PERCPU_ARRAY ||
		   l.mi.type == BPFVM_MAP_TYPE_PERCPU_HASH ||
		   l.mi.type == BPFVM_MAP_TYPE_LRU_PERCPU_HASH;

	size_t len;
	char *text = tool_read_file(path, &len);
	if (!text)
		return -1;
	struct jr_value *root = NULL;
	struct jr_error jerr;
	int ret = -1;
	uint8_t *key = NULL, *val = NULL;
	if (jr_parse(text, len, &root, &jerr)) {
		fail(&l, jerr.line, jerr.column, "%s", jerr.msg);
		goto out;
	}
	const struct jr_value *entries = find_entries(&l, root);
	if (!entries)
		goto out;
	size_t vbuf = bpfvm_map__value_buf_size(map);
	key = malloc(l.mi.key_size + 1);
	val = malloc(vbuf + 1);
	if (!key || !val) {
		fprintf(stderr, "bpfvm %s: %s\n", cmd, strerror(ENOMEM));
		goto out;
	}
	for (size_t i = 0; i < entries->n; i++) {
		const struct jr_value *e = &entries->items[i];
		l.entry = i + 1;
		memset(key, 0, l.mi.key_size + 1);
		memset(val, 0, vbuf + 1);
		if (decode_entry(&l, e, key, val))
			goto out;
		int rc = bpfvm_map__update(map, l.mi.key_size ? key : NULL, val, BPFVM_ANY);
		if (rc) {
			fail(&l, e->line, e->column, "map '%s' (%s) refused the entry: %s", name,
			     bpfvm_map_type_name(l.mi.type) ? bpfvm_map_type_name(l.mi.type) : "?",
			     strerror(-rc));
			goto out;
		}
	}
	ret = 0;
out:
	free(key);
	free(val);
	jr_free(root);
	free(text);
	return ret;
}
