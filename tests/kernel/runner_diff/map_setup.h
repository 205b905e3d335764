/*
 * map_setup.h - the initial map contents of test_kernel_runner, put into
 * the kernel's maps and bpfvm's alike before the first packet: the
 * xdp-filter rules (map_setup.c lists them) for libxdp's xdpfilt_*
 * objects, and what the project's test programs expect a host to have
 * put there.
 */
#ifndef RUNNER_DIFF_MAP_SETUP_H
#define RUNNER_DIFF_MAP_SETUP_H

#include <bpf/libbpf.h>
#include <stddef.h>

#include "bpfvm.h"

/* Fill the maps of kobj and of the n bpfvm objects that the tables name
 * (maps the object lacks are left out). Returns the number of entries
 * put, or a negative errno with why filled. */
int map_setup(struct bpf_object *kobj, struct bpfvm_object *const *objs, size_t n,
	      const char *object_path, char *why, size_t why_size);

#endif
