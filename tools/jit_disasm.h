/*
 * jit_disasm.h - x86-64 machine code to text, through capstone, for
 * `bpfvm jit --dump`. Only the tool links capstone; the library hands out
 * bytes and offsets (bpfvm_prog__jit_info) and never disassembles.
 */
#ifndef BPFVM_JIT_DISASM_H
#define BPFVM_JIT_DISASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jit_disasm;

/* One decoded instruction: at offset off of the code, n bytes, and its
 * text ("mov eax, 2"); bytes that do not decode come as ".byte 0x..". */
typedef void (*jit_disasm_fn)(void *ctx, size_t off, const uint8_t *bytes, size_t n,
			      const char *text);

/* A disassembler for x86-64 in Intel syntax, or AT&T when att is set.
 * NULL with *why set when capstone cannot be opened. */
struct jit_disasm *jit_disasm_new(bool att, const char **why);
void jit_disasm_free(struct jit_disasm *d);

/* Decode code[start, end) instruction by instruction. Addresses (jump
 * targets) are offsets into code, so they match the offsets printed. */
void jit_disasm_range(struct jit_disasm *d, const uint8_t *code, size_t start, size_t end,
		      jit_disasm_fn fn, void *ctx);

#endif
