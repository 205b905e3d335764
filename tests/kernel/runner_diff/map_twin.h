/*
 * map_twin.h - a map of an object as the kernel holds it (libbpf) and as
 * bpfvm holds it, paired by name: the same update on both sides before a
 * run, and the contents compared after it.
 *
 * Per-CPU maps: bpfvm's vm must have as many CPUs as the kernel has
 * possible CPUs (libbpf_num_possible_cpus()), so that both sides lay a
 * value out as the same array of 8-byte-rounded slots and the contents
 * compare slot by slot.
 */
#ifndef RUNNER_DIFF_MAP_TWIN_H
#define RUNNER_DIFF_MAP_TWIN_H

#include <bpf/libbpf.h>
#include <stdbool.h>
#include <stddef.h>

#include "bpfvm.h"

/* bpfvm's map for the kernel's map km: the same name, or for global data
 * (libbpf names it "<object>.bss") the same section name. NULL if none. */
struct bpfvm_map *twin_find(const struct bpfvm_object *obj, const struct bpf_map *km);

/* Set key to value in map name of the kernel's object and of each of the
 * n bpfvm objects; for a per-CPU map, value is one CPU's value and every
 * CPU gets it. 0, -ENOENT when the object has no such map, or the failed
 * side's negative errno (why says which). */
int twin_update(struct bpf_object *kobj, struct bpfvm_object *const *objs, size_t n,
		const char *name, const void *key, const void *value, char *why, size_t why_size);

/* The contents of every map of kobj, read once, to compare with bpfvm's.
 * Reading queues, stacks and ring buffers empties them. */
struct twin_snapshot;
struct twin_snapshot *twin_snapshot_kernel(struct bpf_object *kobj);
void twin_snapshot_free(struct twin_snapshot *s);

struct twin_tally {
	int same, differ, not_compared; /* maps */
	size_t entries;                 /* entries (keys, elements, records) compared */
};

/* Compare the snapshot with bpfvm object obj's maps (emptying its queues,
 * stacks and ring buffers): prints one line per differing map (prefixed
 * with label) and, when list_skipped, one per map that cannot be
 * compared, with the reason. */
void twin_compare(const struct twin_snapshot *s, struct bpfvm_object *obj, const char *label,
		  bool list_skipped, struct twin_tally *t);

#endif
