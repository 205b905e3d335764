/*
 * plugin_client.h - drive a bpf_conformance plugin executable the way the
 * bpf_conformance project does: program as hex on stdin, memory as hex in
 * the first argument, r0 in hex on stdout, non-zero exit on failure.
 */
#ifndef BPFVM_PLUGIN_CLIENT_H
#define BPFVM_PLUGIN_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "bpfvm.h"

/* The plugin's extra arguments (after MEM), and the second line of its
 * output after r0 when it prints one (note, may be NULL). */
struct plugin_extra {
	const char *const *args;
	size_t n_args;
	char *note;
	size_t note_size;
};

/* Returns 0 with *r0, or -1 with the plugin's message (or why it could
 * not be run) in msg. extra may be NULL. */
int plugin_run(const char *plugin, const struct bpfvm_insn *insns, size_t n,
	       const uint8_t *mem, size_t mem_len, uint64_t *r0, char *msg, size_t msg_size,
	       struct plugin_extra *extra);

#endif
