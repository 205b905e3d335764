/*
 * json_read.h - a small, strict JSON reader (RFC 8259) for what the tool
 * reads back: map contents for `bpfvm run --map NAME=FILE.json`, in the
 * shape `bpfvm map dump -j` writes (json.h is the writer).
 *
 * The whole document becomes a tree of jr_value nodes, each with the line
 * and column where it starts, so that whoever interprets the tree can say
 * where a value is wrong ("counts.json:3:14: key has 2 bytes, ...").
 *
 * Strict means: one value and only whitespace around it; no comments, no
 * trailing commas, no single quotes, no leading zeros or '+', no NaN; only
 * the escapes JSON defines, with \u surrogate pairs matched; strings are
 * valid UTF-8 without raw control characters; duplicate keys in one
 * object are refused (which one would win is not defined by JSON). Nesting
 * deeper than JR_MAX_DEPTH is refused rather than risking the C stack.
 * Numbers are kept as their source text and converted on request, so
 * 64-bit integers are exact.
 */
#ifndef BPFVM_JSON_READ_H
#define BPFVM_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JR_MAX_DEPTH 64

enum jr_type { JR_NULL, JR_BOOL, JR_NUMBER, JR_STRING, JR_ARRAY, JR_OBJECT };

struct jr_value {
	enum jr_type type;
	int line, column;        /* where the value starts, 1-based (column in bytes) */
	bool boolean;            /* JR_BOOL */
	char *text;              /* JR_NUMBER: the source text; JR_STRING: the
				  * decoded UTF-8, NUL-terminated */
	size_t len;              /* JR_STRING: bytes in text (it may hold \u0000) */
	struct jr_value *items;  /* JR_ARRAY, JR_OBJECT: n values in order */
	size_t n;
	/* JR_OBJECT members: the key of items[i] is items[i].key, and where
	 * the key starts. NULL for array items and the root. */
	char *key;
	int key_line, key_column;
};

struct jr_error {
	int line, column;        /* 1-based */
	char msg[128];
};

/*
 * Parse len bytes of text (need not be NUL-terminated). On success returns
 * 0 and *out is the root, freed with jr_free(). On failure returns -1,
 * *out is NULL and err says what was expected where. Never reads past
 * text + len.
 */
int jr_parse(const char *text, size_t len, struct jr_value **out, struct jr_error *err);
void jr_free(struct jr_value *root);

/* The member named key of an object, or NULL (also when v is not an
 * object). */
const struct jr_value *jr_get(const struct jr_value *v, const char *key);

/* "null", "a boolean", "a number", "a string", "an array", "an object". */
const char *jr_type_name(enum jr_type t);

/*
 * A number as an integer: 0, -EINVAL when v is not a number without a
 * fraction or exponent (or, for jr_u64, has a minus sign), -ERANGE when it
 * does not fit.
 */
int jr_u64(const struct jr_value *v, uint64_t *out);
int jr_i64(const struct jr_value *v, int64_t *out);

#endif
