/*
 * btf_fmt.h - typed values through BTF, as JSON: the "formatted" part of
 * `bpfvm map dump -j`, in the shape bpftool gives it (numbers for
 * integers, objects for structs, arrays, strings for char arrays, enum
 * names).
 */
#ifndef BPFVM_BTF_FMT_H
#define BPFVM_BTF_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

struct btf;

/* Write the value of BTF type id at data (size bytes available) to j.
 * Returns 0, or -1 when the type cannot be formatted (j then holds null). */
int btf_fmt_json(const struct btf *btf, uint32_t type_id, const void *data, size_t size,
		 struct json *j);

#endif
