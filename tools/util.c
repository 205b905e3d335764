/*
 * util.c - input helpers the subcommands share: whole-file reads, hex
 * parsing, program loading from text/raw/hex, error printing.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

char *tool_read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		fprintf(stderr, "bpfvm: cannot open '%s': %s\n", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n < cap)
			break;
		char *bigger = cap > (size_t)1 << 30 ? NULL : realloc(buf, 2 * cap + 1);
		if (!bigger) {
			free(buf);
			buf = NULL;
			errno = EFBIG;
			break;
		}
		buf = bigger;
		cap *= 2;
	}
	int failed = !buf || ferror(f);
	int saved = errno;
	if (f != stdin)
		fclose(f);
	if (failed) {
		fprintf(stderr, "bpfvm: cannot read '%s': %s\n", path, strerror(saved ? saved : EIO));
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int tool_parse_hex(const char *text, size_t len, uint8_t **out, size_t *out_len, char *errbuf,
		   size_t errsize)
{
	uint8_t *bytes = malloc(len / 2 + 1);
	size_t n = 0, i = 0;
	int line = 1;
	size_t line_start = 0;

	if (!bytes) {
		snprintf(errbuf, errsize, "out of memory");
		return -1;
	}
	while (i < len) {
		char c = text[i];
		if (c == '\n') {
			line++;
			line_start = i + 1;
		}
		if (isspace((unsigned char)c) || c == ',') {
			i++;
			continue;
		}
		if (c == '#') { /* comment to end of line */
			while (i < len && text[i] != '\n')
				i++;
			continue;
		}
		if (c == '0' && i + 1 < len && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
			i += 2;
			continue;
		}
		int hi = hexval((unsigned char)c);
		int lo = i + 1 < len ? hexval((unsigned char)text[i + 1]) : -1;
		if (hi < 0 || lo < 0) {
			size_t bad = hi < 0 ? i : i + 1;
			snprintf(errbuf, errsize, "line %d, column %zu: expected two hex digits, found '%c'",
				 line, bad - line_start + 1,
				 bad < len && isprint((unsigned char)text[bad]) ? text[bad] : '?');
			free(bytes);
			return -1;
		}
		bytes[n++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	*out = bytes;
	*out_len = n;
	return 0;
}

void tool_print_error(const char *cmd, const struct bpfvm_error *err)
{
	char buf[BPFVM_ERR_MSG_MAX + BPFVM_ERR_FILE_MAX + 64];
	bpfvm_error__format(err, buf, sizeof(buf));
	fprintf(stderr, "bpfvm %s: %s\n", cmd, buf);
}

enum tool_format tool_guess_format(const char *data, size_t len)
{
	int hex_only = 1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];
		if (c == 0 || (c < 32 && !isspace(c)) || c > 126)
			return TOOL_FORMAT_RAW;
		if (!isxdigit(c) && !isspace(c) && c != ',' && c != 'x' && c != 'X')
			hex_only = 0;
	}
	return hex_only && len ? TOOL_FORMAT_HEX : TOOL_FORMAT_ASM;
}

int tool_parse_format(const char *s, enum tool_format *out)
{
	static const char *const names[] = { [TOOL_FORMAT_AUTO] = "auto", [TOOL_FORMAT_ASM] = "asm",
					      [TOOL_FORMAT_RAW] = "raw", [TOOL_FORMAT_HEX] = "hex" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i])) {
			*out = (enum tool_format)i;
			return 0;
		}
	return -1;
}

int tool_parse_syntax(const char *s, enum bpfvm_syntax *out)
{
	if (!strcmp(s, "ubpf"))
		*out = BPFVM_SYNTAX_UBPF;
	else if (!strcmp(s, "llvm") || !strcmp(s, "kernel"))
		*out = BPFVM_SYNTAX_LLVM;
	else if (!strcmp(s, "auto"))
		*out = BPFVM_SYNTAX_AUTO;
	else
		return -1;
	return 0;
}

int tool_load_insns(const char *cmd, const char *name, const char *data, size_t len,
		    enum tool_format format, enum bpfvm_syntax syntax, struct bpfvm_insn **insns,
		    size_t *n)
{
	struct bpfvm_error err;
	char msg[256];
	uint8_t *bytes = NULL;
	size_t nbytes = 0;

	if (format == TOOL_FORMAT_AUTO)
		format = tool_guess_format(data, len);
	switch (format) {
	case TOOL_FORMAT_ASM: {
		BPFVM_OPTS(bpfvm_asm_opts, aopts, .syntax = syntax, .filename = name);
		if (bpfvm_asm(data, len, &aopts, insns, n, &err)) {
			tool_print_error(cmd, &err);
			return -1;
		}
		return 0;
	}
	case TOOL_FORMAT_HEX:
		if (tool_parse_hex(data, len, &bytes, &nbytes, msg, sizeof(msg))) {
			fprintf(stderr, "bpfvm %s: %s: %s\n", cmd, name, msg);
			return -1;
		}
		break;
	default:
		bytes = malloc(len ? len : 1);
		if (!bytes) {
			fprintf(stderr, "bpfvm %s: out of memory\n", cmd);
			return -1;
		}
		memcpy(bytes, data, len);
		nbytes = len;
		break;
	}
	if (nbytes % sizeof(struct bpfvm_insn)) {
		fprintf(stderr,
			"bpfvm %s: %s: %zu bytes is not a whole number of 8-byte instructions\n",
			cmd, name, nbytes);
		free(bytes);
		return -1;
	}
	*insns = (struct bpfvm_insn *)bytes;
	*n = nbytes / sizeof(struct bpfvm_insn);
	return 0;
}
