/*
 * map_dump.h - printing the entries of an object's maps in bpftool's
 * shape, for `bpfvm map dump` and `bpfvm run --dump-maps`.
 *
 * JSON, one map:   [{"key": ["0x01", ...], "value": [...], "formatted": {...}}, ...]
 * JSON, all maps:  [{"name": "counts", "entries": [ <one map's array> ]}, ...]
 * Per-CPU maps give "values": [{"cpu": 0, "value": [...]}, ...] instead of
 * "value". Bytes are strings "0xNN"; "formatted" (present when BTF knows
 * the types) holds the same key and value as typed JSON (btf_fmt.h).
 * Text: "key: 01 00 00 00  value: ..." lines and "Found N elements", with
 * a "NAME:" line before each map when all are printed.
 *
 * map_load.h reads both JSON shapes back.
 */
#ifndef BPFVM_MAP_DUMP_H
#define BPFVM_MAP_DUMP_H

#include <stdbool.h>

#include "bpfvm.h"
#include "json.h"

/*
 * Print the maps of a loaded object: every map, or only the one named name
 * (then JSON is the one-map array). j NULL: text on stdout. Errors go to
 * stderr as "bpfvm CMD: MAP: ..."; a map type that cannot be iterated
 * (ringbuf, ...) is an empty array in JSON and a note in text. Returns the
 * number of maps printed, or -1 on failure.
 */
int map_dump_maps(const char *cmd, const struct bpfvm_object *obj, uint32_t nr_cpus,
		  const char *name, struct json *j);

#endif
