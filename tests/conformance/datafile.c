/*
 * datafile.c - parser for bpf_conformance .data files; see datafile.h.
 */
#include "datafile.h"
#include "hex.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum section { SEC_NONE, SEC_ASM, SEC_RAW, SEC_MEM, SEC_RESULT, SEC_ERROR, SEC_NOTE };

static const struct {
	const char *name;
	enum section sec;
} sections[] = {
	{ "asm", SEC_ASM },       { "raw", SEC_RAW },     { "mem", SEC_MEM },
	{ "result", SEC_RESULT }, { "error", SEC_ERROR }, { "c", SEC_NOTE },
	{ "no register offset", SEC_NOTE },
};

/* A growable byte buffer. */
struct buf {
	char *p;
	size_t len, cap;
};

static int buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 256) + n;
		char *p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static int fail(struct bpfvm_error *err, const char *path, int line, int col, const char *fmt,
		...)
{
	if (!err)
		return -EINVAL;
	memset(err, 0, sizeof(*err));
	err->code = -EINVAL;
	err->insn = -1;
	err->line = line;
	err->column = col;
	snprintf(err->file, sizeof(err->file), "%s", path);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* "-- raw" line: a 64-bit number "0x..." (slot as integer) or 8 hex bytes. */
static int parse_raw_line(const char *s, struct bpfvm_insn *out)
{
	uint8_t bytes[8];
	while (isspace((unsigned char)*s))
		s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(s, &end, 16);
		while (isspace((unsigned char)*end))
			end++;
		if (errno || *end)
			return -1;
		for (int i = 0; i < 8; i++)
			bytes[i] = (uint8_t)(v >> (8 * i));
	} else {
		uint8_t *b;
		size_t n;
		char why[96];
		if (hex_decode(s, strlen(s), &b, &n, why, sizeof(why)))
			return -1;
		int ok = n == 8;
		if (ok)
			memcpy(bytes, b, 8);
		free(b);
		if (!ok)
			return -1;
	}
	memcpy(out, bytes, 8);
	return 0;
}

static int parse_mem_line(const char *s, struct buf *mem)
{
	uint8_t *b;
	size_t n;
	char why[96];
	if (hex_decode(s, strlen(s), &b, &n, why, sizeof(why)))
		return -1;
	int ret = buf_add(mem, (const char *)b, n);
	free(b);
	return ret;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

int datafile_read(const char *path, struct datafile *df, struct bpfvm_error *err)
{
	memset(df, 0, sizeof(*df));
	df->path = strdup(path);
	FILE *f = fopen(path, "r");
	if (!f || !df->path) {
		if (f)
			fclose(f);
		return fail(err, path, 0, 0, "cannot open: %s", strerror(errno));
	}

	struct buf asm_text = { 0 }, mem = { 0 }, error = { 0 }, result = { 0 };
	struct bpfvm_insn *raw = NULL;
	size_t n_raw = 0, cap_raw = 0;
	enum section sec = SEC_NONE;
	bool seen[SEC_NOTE + 1] = { false };
	char line[4096];
	int lineno = 0, ret = 0;

	while (fgets(line, sizeof(line), f)) {
		lineno++;
		size_t len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			ret = fail(err, path, lineno, 1, "line longer than %zu bytes", sizeof(line) - 2);
			break;
		}
		if (!strncmp(line, "-- ", 3)) {
			enum section cur = sec;
			char *copy = strdup(line);
			if (!copy) {
				ret = -ENOMEM;
				break;
			}
			char *name = trim(copy + 3);
			sec = SEC_NONE;
			for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
				if (!strcmp(name, sections[i].name))
					sec = sections[i].sec;
			if (sec == SEC_NONE && cur == SEC_ASM) {
				/* Not a section: assembly text the assembler must judge
				 * (negative/invalid_unknown_directive). */
				free(copy);
				sec = SEC_ASM;
				line[len - (line[len - 1] == '\n')] = '\0';
				ret = buf_add(&asm_text, line, strlen(line));
				ret = ret ? ret : buf_add(&asm_text, "\n", 1);
				if (ret)
					break;
				continue;
			}
			if (sec == SEC_NONE) {
				ret = fail(err, path, lineno, 4, "unknown section '-- %s'", name);
				free(copy);
				break;
			}
			free(copy);
			seen[sec] = true;
			if (sec == SEC_ASM)
				/* Pad so that assembler line numbers are file lines. */
				for (int i = 0; i < lineno && !ret; i++)
					ret = buf_add(&asm_text, "\n", 1);
			continue;
		}
		if (sec == SEC_ASM) {
			ret = buf_add(&asm_text, line, len);
			if (ret)
				break;
			continue;
		}
		char *t = trim(line);
		if (!*t || *t == '#' || sec == SEC_NOTE)
			continue;
		if (sec == SEC_NONE) {
			ret = fail(err, path, lineno, 1, "text outside any section");
			break;
		}
		if (sec == SEC_RAW) {
			if (n_raw == cap_raw) {
				cap_raw = cap_raw ? 2 * cap_raw : 16;
				struct bpfvm_insn *p = realloc(raw, cap_raw * sizeof(*raw));
				if (!p) {
					ret = -ENOMEM;
					break;
				}
				raw = p;
			}
			if (parse_raw_line(t, &raw[n_raw++])) {
				ret = fail(err, path, lineno, 1,
					   "raw slot must be 0x<16 hex digits> or 8 hex bytes");
				break;
			}
		} else if (sec == SEC_MEM) {
			if (parse_mem_line(t, &mem)) {
				ret = fail(err, path, lineno, 1, "mem must be hex bytes");
				break;
			}
		} else if (sec == SEC_RESULT) {
			ret = buf_add(&result, t, strlen(t));
		} else if (sec == SEC_ERROR) {
			if (error.len)
				buf_add(&error, " ", 1);
			ret = buf_add(&error, t, strlen(t));
		}
		if (ret)
			break;
	}
	fclose(f);

	if (!ret && seen[SEC_RESULT]) {
		char *end;
		const char *r = result.p ? result.p : "";
		errno = 0;
		df->result = strtoull(r, &end, 0);
		if (!*r || errno || *end)
			ret = fail(err, path, 0, 0, "result '%s' is not a number", r);
		df->has_result = true;
	}
	if (seen[SEC_ASM]) {
		df->asm_text = asm_text.p ? asm_text.p : strdup("");
		df->asm_len = asm_text.len;
	} else {
		free(asm_text.p);
	}
	df->raw = raw;
	df->n_raw = n_raw;
	if (seen[SEC_MEM]) {
		df->mem = mem.p ? (uint8_t *)mem.p : calloc(1, 1);
		df->mem_len = mem.len;
	}
	df->has_error = seen[SEC_ERROR];
	df->error = error.p ? error.p : strdup("");
	free(result.p);
	if (ret == -ENOMEM)
		fail(err, path, lineno, 0, "out of memory");
	return ret;
}

void datafile_free(struct datafile *df)
{
	free(df->path);
	free(df->asm_text);
	free(df->raw);
	free(df->mem);
	free(df->error);
	memset(df, 0, sizeof(*df));
}
