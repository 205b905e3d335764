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

/* Returns 0 with *r0, or -1 with the plugin's message (or why it could
 * not be run) in msg. */
int plugin_run(const char *plugin, const struct bpfvm_insn *insns, size_t n,
	       const uint8_t *mem, size_t mem_len, uint64_t *r0, char *msg, size_t msg_size);

#endif
