/*
 * hex.h - hex bytes as text, the form instructions and memory travel in
 * between tools ("b7 00 00 00 2a 00 00 00"). Shared by the bpfvm tool, the
 * conformance runner and the conformance plugin.
 */
#ifndef BPFVM_HEX_H
#define BPFVM_HEX_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode pairs of hex digits. Between bytes: whitespace, commas, a "0x"
 * prefix, and '#' comments to the end of the line. On success *out is a
 * malloc()ed array of *n bytes. On failure returns -1 with a message in
 * errbuf naming the line and column of the offending character.
 */
int hex_decode(const char *text, size_t len, uint8_t **out, size_t *n, char *errbuf,
	       size_t errsize);

#endif
