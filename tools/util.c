/*
 * util.c - what the subcommands share: whole-file reads, option values,
 * usage errors, program loading from text/raw/hex, error printing.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
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

void tool_print_error(const char *cmd, const struct bpfvm_error *err)
{
	char buf[BPFVM_ERR_MSG_MAX + BPFVM_ERR_FILE_MAX + 64];
	bpfvm_error__format(err, buf, sizeof(buf));
	fprintf(stderr, "bpfvm %s: %s\n", cmd, buf);
}

int tool_is_elf(const char *path)
{
	unsigned char magic[4];
	if (!strcmp(path, "-"))
		return 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	size_t n = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	return n == 4 && !memcmp(magic, "\177ELF", 4);
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

int tool_usage_error(const struct tool_cmd *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "bpfvm %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n\n");
	cmd->usage(stderr);
	return TOOL_EXIT_USAGE;
}

int tool_help_or_usage(const struct tool_cmd *cmd, int c)
{
	cmd->usage(c == 'h' ? stdout : stderr);
	return c == 'h' ? TOOL_EXIT_OK : TOOL_EXIT_USAGE;
}

int tool_opt_format(const struct tool_cmd *cmd, const char *arg, enum tool_format *out)
{
	static const char *const names[] = { [TOOL_FORMAT_AUTO] = "auto", [TOOL_FORMAT_ASM] = "asm",
					      [TOOL_FORMAT_RAW] = "raw", [TOOL_FORMAT_HEX] = "hex" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(arg, names[i])) {
			*out = (enum tool_format)i;
			return 0;
		}
	return tool_usage_error(cmd, "unknown format '%s' (auto, asm, raw, hex)", arg);
}

int tool_opt_ctx_size(const struct tool_cmd *cmd, const char *arg, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(arg, &end, 0);
	if (errno || *end || !*arg || arg[0] == '-' || v > UINT32_MAX)
		return tool_usage_error(cmd, "--ctx-size wants a size, not '%s'", arg);
	*out = (uint32_t)v;
	return 0;
}

int tool_opt_syntax(const struct tool_cmd *cmd, const char *arg, int allow_auto,
		    enum bpfvm_syntax *out)
{
	if (!strcmp(arg, "ubpf"))
		*out = BPFVM_SYNTAX_UBPF;
	else if (!strcmp(arg, "llvm") || !strcmp(arg, "kernel"))
		*out = BPFVM_SYNTAX_LLVM;
	else if (allow_auto && !strcmp(arg, "auto"))
		*out = BPFVM_SYNTAX_AUTO;
	else
		return tool_usage_error(cmd, "unknown syntax '%s' (%subpf, llvm)", arg,
					allow_auto ? "auto, " : "");
	return 0;
}

int tool_read_program(const struct tool_cmd *cmd, const char *path, enum tool_format format,
		      enum bpfvm_syntax syntax, struct bpfvm_insn **insns, size_t *n)
{
	size_t len;
	char *data = tool_read_file(path, &len);
	if (!data)
		return -1;
	int ret = tool_load_insns(cmd->name, strcmp(path, "-") ? path : "<stdin>", data, len,
				  format, syntax, insns, n);
	free(data);
	return ret;
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
		if (hex_decode(data, len, &bytes, &nbytes, msg, sizeof(msg))) {
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
