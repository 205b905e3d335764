/*
 * format.c - the printf engine of bpf_trace_printk, bpf_trace_vprintk and
 * bpf_snprintf: the kernel's restricted format language and its checks
 * (bpf_bprintf_prepare() in kernel/bpf/helpers.c), then the text as the
 * kernel's bstr_printf() would write it.
 *
 * The language: %d %i %u %x %X with an optional l or ll (int, long, long
 * long), %c, %s, %p (and %pK %px %ps %pS %pB, all printed as the raw
 * address: bpfvm does not hash pointers or know symbols), %pks and %pus
 * (strings), %pI4 %pi4 %pI6 %pi6 (addresses read from memory), %%. Each
 * conversion may have flags [0+- ] and a width; no precision, no '*'.
 * Every format byte must be printable ASCII or whitespace.
 *
 * Errors, as the kernel: -EINVAL for a bad format or more conversions
 * than arguments; -ENOSPC when the 512-byte argument store (strings are
 * copied into it, numbers take 4 or 8 aligned bytes) runs out. A string
 * or address that cannot be read prints as empty (zeros for addresses).
 *
 * Two passes: prepare() checks the format and reads every argument from
 * program memory; print() then writes the text, so nothing is output for
 * a bad format.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "helpers_impl.h"

#define BIN_ARGS_SIZE 512         /* the kernel's MAX_BPRINTF_BIN_ARGS */
#define FIELD_WIDTH_MAX ((1 << 23) - 1)

enum spec_kind { SPEC_INT, SPEC_STR, SPEC_CHAR, SPEC_PTR, SPEC_IP };

struct spec {
	enum spec_kind kind;
	bool left, zero, plus, space;
	int width;        /* -1: none */
	unsigned size;    /* SPEC_INT: 4 or 8 bytes */
	char conv;        /* SPEC_INT: d i u x X; SPEC_IP: '4' or '6' */
	char ip_style;    /* SPEC_IP: 'I' (dotted / colons) or 'i' (padded / bare) */
	size_t next;      /* where the kernel's check resumes */
	size_t print_next; /* where printing resumes (vsprintf skips alnum after %p) */
};

/* One prepared argument. */
struct fmt_arg {
	uint64_t v;
	const char *s; /* SPEC_STR, SPEC_IP: text in the argument store */
};

static bool k_isspace(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool k_isalnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

static bool k_ispunct(unsigned char c)
{
	return c > ' ' && c < 0x7f && !k_isalnum(c);
}

/* Parse the conversion whose '%' is at fmt[i] (not "%%"). */
static int parse_spec(const char *fmt, size_t i, struct spec *sp)
{
	size_t j = i + 1;

	memset(sp, 0, sizeof(*sp));
	sp->width = -1;
	for (;; j++) {
		if (fmt[j] == '0')
			sp->zero = true;
		else if (fmt[j] == '+')
			sp->plus = true;
		else if (fmt[j] == '-')
			sp->left = true;
		else if (fmt[j] == ' ')
			sp->space = true;
		else
			break;
	}
	if (fmt[j] >= '1' && fmt[j] <= '9') {
		int w = 0;
		while (fmt[j] >= '0' && fmt[j] <= '9') {
			w = w * 10 + (fmt[j] - '0');
			if (w > FIELD_WIDTH_MAX)
				w = FIELD_WIDTH_MAX;
			j++;
		}
		sp->width = w;
	}

	if (fmt[j] == 'p') {
		unsigned char c = (unsigned char)fmt[j + 1];
		sp->print_next = j + 1;
		while (k_isalnum((unsigned char)fmt[sp->print_next]))
			sp->print_next++;
		if ((c == 'k' || c == 'u') && fmt[j + 2] == 's') {
			j += 2;
			goto string;
		}
		if (!c || k_isspace(c) || k_ispunct(c) || c == 'K' || c == 'x' || c == 's' ||
		    c == 'S' || c == 'B') {
			sp->kind = SPEC_PTR;
			sp->size = 8;
			sp->next = c ? j + 2 : j + 1; /* the kernel skips the byte after p */
			return 0;
		}
		if ((c != 'i' && c != 'I') || (fmt[j + 2] != '4' && fmt[j + 2] != '6'))
			return -EINVAL;
		sp->kind = SPEC_IP;
		sp->ip_style = (char)c;
		sp->conv = fmt[j + 2];
		sp->next = j + 3;
		return 0;
	}
	if (fmt[j] == 's') {
		sp->print_next = j + 1;
string:
		/* A string conversion must end the word: "%sx" is refused. */
		if (fmt[j + 1] && !k_isspace((unsigned char)fmt[j + 1]) &&
		    !k_ispunct((unsigned char)fmt[j + 1]))
			return -EINVAL;
		sp->kind = SPEC_STR;
		sp->next = j + 1;
		return 0;
	}
	if (fmt[j] == 'c') {
		sp->kind = SPEC_CHAR;
		sp->next = sp->print_next = j + 1;
		return 0;
	}
	sp->kind = SPEC_INT;
	sp->size = 4;
	if (fmt[j] == 'l') {
		sp->size = 8;
		j++;
	}
	if (fmt[j] == 'l')
		j++;
	if (!strchr("diuxX", fmt[j]) || !fmt[j])
		return -EINVAL;
	sp->conv = fmt[j];
	sp->next = sp->print_next = j + 1;
	return 0;
}

static void format_ip(char *dst, size_t cap, const unsigned char *ip, char style, char ver)
{
	if (ver == '4') {
		snprintf(dst, cap, style == 'I' ? "%u.%u.%u.%u" : "%03u.%03u.%03u.%03u", ip[0],
			 ip[1], ip[2], ip[3]);
		return;
	}
	size_t n = 0;
	for (int k = 0; k < 16 && n < cap; k += 2) {
		int w = snprintf(dst + n, cap - n, "%s%02x%02x", style == 'I' && k ? ":" : "",
				 ip[k], ip[k + 1]);
		n += w > 0 ? (size_t)w : 0;
	}
}

/* Check fmt and read the arguments into out[] (strings into store[]). */
static long prepare(struct bpfvm_call *call, const char *fmt, const uint64_t *args,
		    unsigned nr_args, struct fmt_arg *out, char *store)
{
	size_t pos = 0; /* bytes of the argument store in use */
	unsigned n = 0;

	for (size_t i = 0; fmt[i]; i++) {
		unsigned char c = (unsigned char)fmt[i];
		if (!((c >= ' ' && c < 0x7f) || k_isspace(c)))
			return -EINVAL;
		if (c != '%')
			continue;
		if (fmt[i + 1] == '%') {
			i++;
			continue;
		}
		if (n >= nr_args)
			return -EINVAL;
		struct spec sp;
		if (parse_spec(fmt, i, &sp) < 0)
			return -EINVAL;
		out[n].v = args[n];
		switch (sp.kind) {
		case SPEC_STR: {
			if (pos == BIN_ARGS_SIZE)
				return -ENOSPC;
			long len = helper_copy_str(call, args[n], store + pos, BIN_ARGS_SIZE - pos);
			if (len < 0) { /* unreadable: printed as an empty string */
				store[pos] = '\0';
				len = 1;
			}
			out[n].s = store + pos;
			pos += (size_t)len;
			break;
		}
		case SPEC_CHAR:
			if (pos == BIN_ARGS_SIZE)
				return -ENOSPC;
			pos++;
			break;
		case SPEC_IP: {
			size_t sz = sp.conv == '4' ? 4 : 16;
			unsigned char ip[16] = { 0 };
			if (BIN_ARGS_SIZE - pos < sz)
				return -ENOSPC;
			if (bpfvm_call__check_mem(call, args[n], sz, false) == 0)
				memcpy(ip, (const void *)(uintptr_t)args[n], sz);
			format_ip(store + pos, BIN_ARGS_SIZE - pos, ip, sp.ip_style, sp.conv);
			out[n].s = store + pos;
			pos += strlen(store + pos) + 1;
			break;
		}
		case SPEC_PTR:
		case SPEC_INT:
			pos = (pos + 3) & ~(size_t)3;
			if (pos > BIN_ARGS_SIZE || BIN_ARGS_SIZE - pos < sp.size)
				return -ENOSPC;
			pos += sp.size;
			break;
		}
		n++;
		i = sp.next - 1;
	}
	return 0;
}

/* Output that counts what it could not store, like vsnprintf. */
struct fmt_out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct fmt_out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_n(struct fmt_out *o, char c, long n)
{
	while (n-- > 0)
		put(o, c);
}

/* A field: sign/prefix, then body, padded to the spec's width. */
static void put_field(struct fmt_out *o, const struct spec *sp, const char *sign,
		      const char *body, size_t len, bool numeric)
{
	long pad = sp->width - (long)(strlen(sign) + len);
	if (!sp->left && !(numeric && sp->zero))
		put_n(o, ' ', pad);
	for (; *sign; sign++)
		put(o, *sign);
	if (!sp->left && numeric && sp->zero)
		put_n(o, '0', pad);
	for (size_t k = 0; k < len; k++)
		put(o, body[k]);
	if (sp->left)
		put_n(o, ' ', pad);
}

static void put_number(struct fmt_out *o, const struct spec *sp, uint64_t v)
{
	char digits[24];
	const char *sign = "";
	unsigned base = (sp->conv == 'x' || sp->conv == 'X' || sp->kind == SPEC_PTR) ? 16 : 10;
	const char *xd = sp->conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	uint64_t mag;

	if (sp->conv == 'd' || sp->conv == 'i') {
		int64_t s = sp->size == 4 ? (int64_t)(int32_t)v : (int64_t)v;
		mag = s < 0 ? 0 - (uint64_t)s : (uint64_t)s;
		sign = s < 0 ? "-" : sp->plus ? "+" : sp->space ? " " : "";
	} else {
		mag = sp->size == 4 ? (uint32_t)v : v;
	}
	size_t n = sizeof(digits);
	do {
		digits[--n] = xd[mag % base];
		mag /= base;
	} while (mag);
	put_field(o, sp, sign, digits + n, sizeof(digits) - n, true);
}

static void print(const char *fmt, const struct fmt_arg *args, struct fmt_out *o)
{
	unsigned n = 0;

	for (size_t i = 0; fmt[i];) {
		if (fmt[i] != '%') {
			put(o, fmt[i++]);
			continue;
		}
		if (fmt[i + 1] == '%') {
			put(o, '%');
			i += 2;
			continue;
		}
		struct spec sp;
		parse_spec(fmt, i, &sp); /* prepare() accepted it */
		const struct fmt_arg *a = &args[n++];
		switch (sp.kind) {
		case SPEC_INT:
			put_number(o, &sp, a->v);
			break;
		case SPEC_PTR:
			/* %px: without a width, 16 zero-padded digits */
			if (sp.width < 0) {
				sp.width = 16;
				sp.zero = true;
			}
			put_number(o, &sp, a->v);
			break;
		case SPEC_STR:
		case SPEC_IP:
			put_field(o, &sp, "", a->s, strlen(a->s), false);
			break;
		case SPEC_CHAR: {
			char c = (char)a->v;
			put_field(o, &sp, "", &c, 1, false);
			break;
		}
		}
		i = sp.print_next;
	}
}

long helper_format(struct bpfvm_call *call, const char *fmt, const uint64_t *args,
		   unsigned nr_args, char *out, size_t size)
{
	struct fmt_arg prepared[HELPER_PRINTF_MAX_ARGS];
	char store[BIN_ARGS_SIZE];

	if (nr_args > HELPER_PRINTF_MAX_ARGS)
		return -EINVAL;
	long rc = prepare(call, fmt, args, nr_args, prepared, store);
	if (rc < 0)
		return rc;
	struct fmt_out o = { out, size, 0 };
	print(fmt, prepared, &o);
	if (size)
		out[o.len < size ? o.len : size - 1] = '\0';
	return (long)o.len;
}
