/*
 * map_load.h - initialising a map from JSON in the shape `bpfvm map dump
 * -j` writes, so that a dump can be fed back: `bpfvm run --map
 * NAME=FILE.json`.
 *
 * The document may be any of:
 * - one map's entries, as `bpfvm map dump -j OBJ MAP` prints them:
 *     [{"key": ["0x01", "0x00", "0x00", "0x00"], "value": [...]}, ...]
 * - every map, as `bpfvm map dump -j OBJ` prints them (the map named NAME
 *   is taken): [{"name": "counts", "entries": [...]}, ...]
 * - a `bpfvm run -j --dump-maps` summary: {"maps": [ as above ], ...}
 *
 * An entry has:
 * - "key": the key's bytes, each a string "0xNN" or a number 0..255,
 *   exactly key_size of them (left out for queue and stack maps, and for
 *   global data maps, whose one key is 0);
 * - "value": the value's bytes, exactly value_size; for a per-CPU map it
 *   sets every CPU's value;
 * - "values" (per-CPU maps): [{"cpu": N, "value": [...]}, ...]; CPUs left
 *   out are zero;
 * - "formatted": {"key": ..., "value": ...}, the typed form through BTF
 *   (btf_parse.h). The dump writes it next to the bytes; the bytes win
 *   when both are there, and formatted is read only for a key or value
 *   given no other way. Members a formatted struct leaves out are zero.
 * Other keys are refused. Entries are added with BPF_ANY: they replace an
 * entry with the same key and leave other entries (the object's initial
 * data, prog array slots) as they are.
 */
#ifndef BPFVM_MAP_LOAD_H
#define BPFVM_MAP_LOAD_H

#include <stdint.h>

#include "bpfvm.h"

/*
 * Fill map name of a loaded obj from the JSON file path. Errors go to
 * stderr as "bpfvm CMD: FILE:LINE:COL: entry N: what" (a wrong byte count,
 * a bad value, a map that refuses the update), naming the map; .rodata
 * maps are refused (frozen at load: set their variables with --set).
 * Returns 0, or -1 after printing the error.
 */
int map_load_json(const char *cmd, const struct bpfvm_object *obj, uint32_t nr_cpus,
		  const char *name, const char *path);

#endif
