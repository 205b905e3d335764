/*
 * hex.c - decoding hex bytes; see hex.h.
 */
#include "hex.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int hex_decode(const char *text, size_t len, uint8_t **out, size_t *n, char *errbuf,
	       size_t errsize)
{
	uint8_t *bytes = malloc(len / 2 + 1);
	size_t k = 0, i = 0, line_start = 0;
	int line = 1;

	if (!bytes) {
		snprintf(errbuf, errsize, "out of memory");
		return -1;
	}
	while (i < len) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\n') {
			line++;
			line_start = i + 1;
		}
		if (isspace(c) || c == ',') {
			i++;
			continue;
		}
		if (c == '#') {
			while (i < len && text[i] != '\n')
				i++;
			continue;
		}
		if (c == '0' && i + 1 < len && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
			i += 2;
			continue;
		}
		int hi = hexval(c);
		int lo = i + 1 < len ? hexval((unsigned char)text[i + 1]) : -1;
		if (hi < 0 || lo < 0) {
			size_t bad = hi < 0 ? i : i + 1;
			unsigned char b = bad < len ? (unsigned char)text[bad] : ' ';
			snprintf(errbuf, errsize,
				 "line %d, column %zu: expected two hex digits, found %s%c%s", line,
				 bad - line_start + 1, bad < len ? "'" : "", bad < len && isprint(b) ? b : '?',
				 bad < len ? "'" : " (end of input)");
			free(bytes);
			return -1;
		}
		bytes[k++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	*out = bytes;
	*n = k;
	return 0;
}
