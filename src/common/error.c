/*
 * error.c - error records and options checks shared by every module.
 */
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void err_clear(struct bpfvm_error *err)
{
	if (!err)
		return;
	err->code = 0;
	err->insn = -1;
	err->line = 0;
	err->column = 0;
	err->file[0] = '\0';
	err->msg[0] = '\0';
}

static int err_vfill(struct bpfvm_error *err, int code, long insn, const char *file,
		     int line, int column, const char *fmt, va_list ap)
{
	if (!err)
		return code;
	err_clear(err);
	err->code = code;
	err->insn = insn;
	err->line = line;
	err->column = column;
	if (file)
		snprintf(err->file, sizeof(err->file), "%s", file);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return code;
}

int err_insn(struct bpfvm_error *err, int code, long insn, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vfill(err, code, insn, NULL, 0, 0, fmt, ap);
	va_end(ap);
	return code;
}

int err_at(struct bpfvm_error *err, int code, const char *file, int line, int column,
	   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vfill(err, code, -1, file, line, column, fmt, ap);
	va_end(ap);
	return code;
}

int err_set(struct bpfvm_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	err_vfill(err, code, -1, NULL, 0, 0, fmt, ap);
	va_end(ap);
	return code;
}

int opts_valid(const void *opts, size_t known_size)
{
	if (!opts)
		return 1;
	size_t sz = *(const size_t *)opts;
	if (sz < sizeof(size_t))
		return 0;
	const unsigned char *p = opts;
	for (size_t i = known_size; i < sz; i++)
		if (p[i])
			return 0;
	return 1;
}

int bpfvm_error__format(const struct bpfvm_error *err, char *buf, size_t size)
{
	if (!err)
		return snprintf(buf, size, "unknown error");
	if (err->file[0] && err->line > 0)
		return snprintf(buf, size, "%s:%d:%d: %s", err->file, err->line,
				err->column, err->msg);
	if (err->line > 0)
		return snprintf(buf, size, "line %d:%d: %s", err->line, err->column,
				err->msg);
	if (err->insn >= 0)
		return snprintf(buf, size, "insn %ld: %s", err->insn, err->msg);
	return snprintf(buf, size, "%s", err->msg[0] ? err->msg : strerror(-err->code));
}
