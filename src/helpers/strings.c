/*
 * strings.c - bpf_strtol, bpf_strtoul and bpf_strncmp, with the kernel's
 * exact rules (kernel/bpf/helpers.c, lib/kstrtox.c):
 *
 * - flags: the base in the low 5 bits, 0 (auto: 0x.. hex, 0.. octal, else
 *   decimal), 8, 10 or 16; any other bit or base is -EINVAL.
 * - Leading whitespace (the kernel's isspace, which includes 0xa0) is
 *   skipped, then one optional '-'; there is no '+'. At most 63 characters
 *   after that are looked at. Base 16 skips a "0x" prefix.
 * - No digit: -EINVAL. Overflow of 64 bits, or of the signed range for
 *   strtol: -ERANGE. A '-' for strtoul: -EINVAL.
 * - Success returns the number of bytes consumed (whitespace and sign
 *   included) and stores the value; on error *res is zeroed.
 */
#include <errno.h>
#include <string.h>

#include "helpers_impl.h"

#define STRTOX_BASE_MASK 0x1f

static bool k_isspace(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

static unsigned digit_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20; /* lower case */
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return 99;
}

/* __bpf_strtoull: returns bytes consumed or a negative errno. */
static long parse_u64(const char *buf, size_t len, uint64_t flags, uint64_t *res, bool *neg)
{
	unsigned base = flags & STRTOX_BASE_MASK;
	char str[64];
	size_t i = 0;

	if (!len)
		return -EINVAL;
	if (base != 0 && base != 8 && base != 10 && base != 16)
		return -EINVAL;
	if (flags & ~(uint64_t)STRTOX_BASE_MASK)
		return -EINVAL;
	while (i < len && k_isspace((unsigned char)buf[i]))
		i++;
	*neg = i < len && buf[i] == '-';
	if (*neg)
		i++;
	if (i == len)
		return -EINVAL;

	/* A NUL-terminated copy, as the kernel makes: the parse below may look
	 * two bytes ahead for a "0x" prefix. */
	size_t n = len - i < sizeof(str) - 1 ? len - i : sizeof(str) - 1;
	memcpy(str, buf + i, n);
	str[n] = '\0';

	const char *s = str;
	if (base == 0) {
		if (s[0] == '0')
			base = ((s[1] | 0x20) == 'x' && digit_value((unsigned char)s[2]) < 16) ? 16 : 8;
		else
			base = 10;
	}
	if (base == 16 && s[0] == '0' && (s[1] | 0x20) == 'x')
		s += 2;

	uint64_t v = 0;
	bool overflow = false;
	size_t digits = 0;
	for (unsigned d; (d = digit_value((unsigned char)s[digits])) < base; digits++) {
		if (v > (UINT64_MAX - d) / base)
			overflow = true;
		v = v * base + d;
	}
	if (overflow)
		return -ERANGE;
	if (!digits)
		return -EINVAL;
	*res = v;
	return (long)(i + (size_t)(s - str) + digits);
}

HELPER_DECL(strtol)
{
	const char *buf = helper_mem(call, "strtol", 1, r1, r2, false);
	if (!buf)
		return HELPER_ERR(-EFAULT);
	void *res = helper_mem(call, "strtol", 4, r4, sizeof(int64_t), true);
	if (!res)
		return HELPER_ERR(-EFAULT);
	uint64_t v = 0;
	bool neg = false;
	long rc = parse_u64(buf, r2, r3, &v, &neg);
	if (rc >= 0) {
		/* -v must be negative (or zero), v must not look negative. */
		if (neg ? (int64_t)(0 - v) > 0 : (int64_t)v < 0)
			rc = -ERANGE;
	}
	int64_t out = neg ? (int64_t)(0 - v) : (int64_t)v;
	memcpy(res, rc < 0 ? &(int64_t){ 0 } : &out, sizeof(int64_t));
	return HELPER_ERR(rc);
}

HELPER_DECL(strtoul)
{
	const char *buf = helper_mem(call, "strtoul", 1, r1, r2, false);
	if (!buf)
		return HELPER_ERR(-EFAULT);
	void *res = helper_mem(call, "strtoul", 4, r4, sizeof(uint64_t), true);
	if (!res)
		return HELPER_ERR(-EFAULT);
	uint64_t v = 0;
	bool neg = false;
	long rc = parse_u64(buf, r2, r3, &v, &neg);
	if (rc >= 0 && neg)
		rc = -EINVAL;
	memcpy(res, rc < 0 ? &(uint64_t){ 0 } : &v, sizeof(uint64_t));
	return HELPER_ERR(rc);
}

/*
 * bpf_strncmp(s1, s1_sz, s2): the kernel's strncmp, -1/0/1 on the first
 * differing byte as unsigned chars. s2 is read byte by byte through the
 * memory check, as far as the comparison goes.
 */
HELPER_DECL(strncmp)
{
	const unsigned char *s1 = helper_mem(call, "strncmp", 1, r1, r2, false);
	if (!s1)
		return HELPER_ERR(-EFAULT);
	for (uint64_t i = 0; i < r2; i++) {
		const unsigned char *c2 = helper_mem(call, "strncmp", 3, r3 + i, 1, false);
		if (!c2)
			return HELPER_ERR(-EFAULT);
		if (s1[i] != *c2)
			return HELPER_ERR(s1[i] < *c2 ? -1 : 1);
		if (!s1[i])
			break;
	}
	return 0;
}
