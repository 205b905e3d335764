/*
 * sbuf.h - appending text to a caller's fixed buffer, snprintf style.
 *
 * The buffer stays NUL-terminated (when it has room for anything) and
 * len counts what would have been written, so truncation is detected by
 * comparing len with size, once, at the end.
 */
#ifndef BPFVM_ASM_SBUF_H
#define BPFVM_ASM_SBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"

struct sbuf {
	char *p;     /* may be NULL when size is 0 */
	size_t size;
	size_t len;  /* bytes wanted so far, excluding the NUL */
};

static inline void sbuf_init(struct sbuf *b, char *p, size_t size)
{
	b->p = p;
	b->size = p ? size : 0;
	b->len = 0;
	if (b->size)
		b->p[0] = '\0';
}

static inline void sbuf_putn(struct sbuf *b, const char *s, size_t n)
{
	if (b->len < b->size) {
		size_t room = b->size - 1 - b->len;
		size_t k = n < room ? n : room;
		memcpy(b->p + b->len, s, k);
		b->p[b->len + k] = '\0';
	}
	b->len += n;
}

static inline void sbuf_puts(struct sbuf *b, const char *s)
{
	sbuf_putn(b, s, strlen(s));
}

static inline BPFVM_PRINTF(2, 3) void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		sbuf_putn(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* Did everything fit? */
static inline int sbuf_fits(const struct sbuf *b)
{
	return b->len < b->size;
}

#endif /* BPFVM_ASM_SBUF_H */
