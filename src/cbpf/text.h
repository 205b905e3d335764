/*
 * text.h - what the cBPF text forms share: operand templates from
 * cbpf_table.def (expanded for printing, matched for parsing), number
 * parsing, and located parse errors.
 */
#ifndef BPFVM_CBPF_TEXT_H
#define BPFVM_CBPF_TEXT_H

#include "cbpf.h"

/* A jump target as written: a label name or an absolute number. */
struct cbpf_ref {
	const char *name; /* label text, NULL when a number */
	size_t len;
	uint32_t num;
	bool set;
};

/* What a template match found. */
struct cbpf_operand {
	uint32_t k;
	bool has_k;
	struct cbpf_ref j, t, f; /* {J}, {T}, {F} */
};

/*
 * Expand template tmpl for instruction pc. With labels, {J}{T}{F} print as
 * "L<index>", else {J} as the absolute index (tcpdump -d).
 */
int cbpf_text_fmt(const char *tmpl, const struct cbpf_insn *in, size_t pc, bool labels,
		  char *buf, size_t size);

/*
 * Match [s, end) against tmpl: spaces are free, letters compare without
 * case, `%` before a register is allowed, {d}{u}{x} take a number, {J}{T}{F}
 * a label or a number. Returns NULL on a match, else where it failed.
 */
const char *cbpf_text_match(const char *tmpl, const char *s, const char *end,
			    struct cbpf_operand *op);

/* Parse a number (decimal, 0x hex, 0b binary, leading 0 octal, optional
 * '-') at *s; advances *s. Returns false when there is none or it does not
 * fit 32 bits. */
bool cbpf_text_number(const char **s, const char *end, uint32_t *out);

/* Fill err with -EINVAL at file:line:col. Returns -EINVAL. */
int cbpf_text_error(struct bpfvm_error *err, const char *file, int line, int col,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Growable instruction array for parsers. */
struct cbpf_buf {
	struct cbpf_insn *v;
	size_t n, cap;
};
int cbpf_buf_push(struct cbpf_buf *b, struct cbpf_insn in);

#endif
