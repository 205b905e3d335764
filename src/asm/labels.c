/*
 * labels.c - a small open-addressing hash table of labels.
 *
 * Linear probing, FNV-1a hashing, grown to keep the load under one half.
 * Labels are case-sensitive (unlike mnemonics), as in every assembler.
 */
#include "labels.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return (size_t)h;
}

/* The slot holding name, or the empty slot where it would go. */
static struct asm_label *probe(struct asm_label *slot, size_t cap, const char *name, size_t len)
{
	size_t i = hash(name, len) & (cap - 1);
	while (slot[i].name && (slot[i].len != len || memcmp(slot[i].name, name, len)))
		i = (i + 1) & (cap - 1);
	return &slot[i];
}

static int grow(struct asm_labels *l)
{
	size_t cap = l->cap ? l->cap * 2 : 64;
	if (cap < l->cap || cap > SIZE_MAX / sizeof(struct asm_label))
		return -ENOMEM;
	struct asm_label *slot = calloc(cap, sizeof(*slot));
	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < l->cap; i++)
		if (l->slot[i].name)
			*probe(slot, cap, l->slot[i].name, l->slot[i].len) = l->slot[i];
	free(l->slot);
	l->slot = slot;
	l->cap = cap;
	return 0;
}

int labels_add(struct asm_labels *l, const char *name, size_t len, size_t pc, int line,
	       const struct asm_label **prev)
{
	if ((l->count + 1) * 2 > l->cap) {
		int ret = grow(l);
		if (ret)
			return ret;
	}
	struct asm_label *s = probe(l->slot, l->cap, name, len);
	if (s->name) {
		*prev = s;
		return -EEXIST;
	}
	*s = (struct asm_label){ .name = name, .len = len, .pc = pc, .line = line };
	l->count++;
	return 0;
}

const struct asm_label *labels_find(const struct asm_labels *l, const char *name, size_t len)
{
	if (!l->cap)
		return NULL;
	const struct asm_label *s = probe(l->slot, l->cap, name, len);
	return s->name ? s : NULL;
}

void labels_free(struct asm_labels *l)
{
	free(l->slot);
	l->slot = NULL;
	l->cap = l->count = 0;
}
