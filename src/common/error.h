/*
 * error.h - filling struct bpfvm_error, and checking options structs.
 *
 * Every module reports failure the same way: a negative errno returned,
 * and the same errno plus a located message in the caller's error record.
 */
#ifndef BPFVM_ERROR_H
#define BPFVM_ERROR_H

#include <stdarg.h>
#include <stddef.h>

#include "bpfvm.h"

#if defined(__GNUC__)
#define BPFVM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define BPFVM_PRINTF(a, b)
#endif

/* Reset err (if not NULL) to "no error". */
void err_clear(struct bpfvm_error *err);

/* Record an error tied to instruction insn (-1 for none); returns code. */
int err_insn(struct bpfvm_error *err, int code, long insn, const char *fmt, ...)
	BPFVM_PRINTF(4, 5);

/* Record an error at file:line:column (file may be NULL); returns code. */
int err_at(struct bpfvm_error *err, int code, const char *file, int line,
	   int column, const char *fmt, ...) BPFVM_PRINTF(6, 7);

/* Record an error without a location; returns code. */
int err_set(struct bpfvm_error *err, int code, const char *fmt, ...)
	BPFVM_PRINTF(3, 4);

/*
 * Options struct checks, libbpf-style: opts may be NULL (defaults); its sz
 * must cover at least the sz field; bytes past the struct as this library
 * knows it (known_size) must be zero, so that a caller built against a
 * newer header cannot set a field this library would silently ignore.
 * The check starts at sizeof() rather than at the end of the last field:
 * BPFVM_OPTS() initializes members, and C leaves tail padding
 * indeterminate. New fields are therefore appended past the old sizeof().
 * Returns true when usable.
 */
int opts_valid(const void *opts, size_t known_size);

/* Read field of opts, or fallback when opts is NULL or too short to hold it. */
#define OPTS_GET(opts, field, fallback)                                              \
	(((opts) && (opts)->sz >= offsetof(__typeof__(*(opts)), field) + sizeof((opts)->field)) \
		 ? (opts)->field                                                     \
		 : (fallback))

#define OPTS_CHECK(type, opts) opts_valid((opts), sizeof(struct type))

#endif /* BPFVM_ERROR_H */
