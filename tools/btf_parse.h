/*
 * btf_parse.h - typed values into bytes through BTF: the inverse of
 * btf_fmt.h. Reads the "formatted" JSON `bpfvm map dump -j` writes (and
 * what a person writes by hand in that shape), and integer text for
 * `bpfvm run --set NAME=VALUE`.
 *
 * What is accepted, by BTF kind (through typedef, const, volatile):
 * - int: a JSON number, or a string holding a decimal or 0x hex integer;
 *   true/false for _Bool. Decimal must fit the type's range (signed or
 *   unsigned); hex gives the bit pattern, so it may use the full unsigned
 *   range of a signed type (0xffffffff for an int is -1).
 * - enum: an enumerator name, or an integer as for int.
 * - struct/union: an object of member names; members left out are zero,
 *   unknown names are refused. Bitfields are set in place.
 * - array: an array of exactly nelems elements; a char array also takes a
 *   string (at most nelems bytes; the rest is zero).
 * - pointer: an integer (as for a 64-bit unsigned int).
 * - DATASEC (global data): an object of variable names.
 * Floats, functions and forward declarations are refused.
 *
 * Values are written little-endian, the BPF target's byte order here.
 */
#ifndef BPFVM_BTF_PARSE_H
#define BPFVM_BTF_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "json_read.h"

struct btf;

/*
 * Write the value of v as BTF type type_id into out (size bytes; the bytes
 * the value does not cover are left as they are, so zero them first).
 * Returns 0, or -1 with err holding the line:column of the JSON value (or
 * member name) at fault and what was wrong.
 */
int btf_parse_json(const struct btf *btf, uint32_t type_id, const struct jr_value *v, void *out,
		   size_t size, struct jr_error *err);

/*
 * Write the integer, boolean or enumerator text (as for a JSON string
 * above) as BTF type type_id into out (size bytes). Returns 0, or -1 with
 * msg saying what was wrong (not a number, out of range for the type, a
 * type that is not an integer, enum or pointer).
 */
int btf_parse_text(const struct btf *btf, uint32_t type_id, const char *text, void *out,
		   size_t size, char *msg, size_t msg_size);

/* The type's name for messages ("__u32", "struct pkt", "int[2]"). */
void btf_parse_type_name(const struct btf *btf, uint32_t type_id, char *buf, size_t size);

#endif
