/*
 * mem.c - explaining a refused memory access.
 *
 * The check itself is mem_ptr() in mem.h, inlined into every load and store.
 * This file is the cold path: once an access has failed, work out why and
 * say it in the user's terms: the instruction, what it tried (read, write,
 * atomic update and how many bytes), the address as base register + offset
 * and its value.
 */
#include <errno.h>
#include <inttypes.h>

#include "common/error.h"
#include "mem.h"
#include "maps/map.h"
#include "prog/prog.h"

static const char *const access_name[] = {
	[MEM_READ] = "read",
	[MEM_WRITE] = "write",
	[MEM_ATOMIC] = "atomic update",
};

static const char *bytes(unsigned n)
{
	return n == 1 ? "byte" : "bytes";
}

int mem_fault(const struct mem_map *m, struct bpfvm_error *err, long pc,
	      enum mem_access kind, unsigned size, unsigned regno, int off, uint64_t addr)
{
	/* In bounds of some region but refused: the region is read-only. */
	if (mem_ptr(m, addr, size, false))
		return err_insn(err, -EFAULT, pc,
				"%s of %u %s to read-only memory at r%u%+d (0x%" PRIx64 ")",
				access_name[kind], size, bytes(size), regno, off, addr);
	return err_insn(err, -EFAULT, pc,
			"out-of-bounds %s of %u %s at r%u%+d (0x%" PRIx64 ")",
			access_name[kind], size, bytes(size), regno, off, addr);
}

int mem_misaligned(struct bpfvm_error *err, long pc, unsigned size, unsigned regno, int off,
		   uint64_t addr)
{
	return err_insn(err, -EFAULT, pc,
			"misaligned atomic access of %u %s at r%u%+d (0x%" PRIx64 ")",
			size, bytes(size), regno, off, addr);
}

void *mem_ptr_maps(const struct mem_map *m, uint64_t addr, uint64_t size, bool write)
{
	return map_region_find(m->vm, addr, size, write) ? (void *)(uintptr_t)addr : NULL;
}

void mem_add_map_regions(struct mem_map *m, const struct bpfvm_prog *prog)
{
	unsigned slot = m->n > MEM_INPUT + 1 ? m->n : MEM_INPUT + 1;
	for (size_t i = 0; i < prog->n_maps; i++) {
		const struct bpfvm_map *map = prog->maps[i];
		for (unsigned r = 0; r < map->n_regions && slot < MEM_MAX_REGIONS; r++) {
			const struct map_region *mr = &map->regions[r];
			mem_set(m, slot++, mr->base, mr->len, mr->writable);
		}
	}
	m->vm = prog->vm;
}
