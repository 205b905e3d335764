/*
 * mem.h - the memory a running program may touch, as a list of regions.
 *
 * A run owns a small fixed array of regions {base, len, writable}. Every
 * load, store and atomic of the checked interpreter loop, and every
 * pointer a helper checks through bpfvm_call__check_mem(), is checked
 * against it before any byte is touched. (Verified programs run in the
 * trusted loop, whose accesses the verifier proved, as the JIT's; the
 * regions are then built only when a helper or a callback needs them.) New kinds of memory (map values, a context struct) are
 * new regions: the dispatch loop does not change.
 *
 * Invariants:
 * - Region MEM_STACK is always present: the stack frames currently in use
 *   (frames 0..depth, one contiguous block; see state.h). It moves when a
 *   BPF-to-BPF call or exit changes the depth.
 * - An access [addr, addr + size) is allowed only when it lies wholly inside
 *   one region (and that region is writable, for a write). The test is done
 *   in unsigned 64-bit arithmetic relative to the region base, so address
 *   arithmetic that wraps around simply falls outside every region.
 * - size is never 0 for instructions (1, 2, 4 or 8).
 */
#ifndef BPFVM_INTERP_MEM_H
#define BPFVM_INTERP_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bpfvm.h"

/* Enough for stack + input now, and maps/context/globals later. */
/* stack, input, up to BPFVM_MAX_RUN_REGIONS from the run, then maps. */
#define MEM_MAX_REGIONS 12

enum mem_region_id {
	MEM_STACK = 0, /* active stack frames */
	MEM_INPUT = 1, /* [mem, mem + mem_len) given to bpfvm_prog__run() */
};

struct mem_region {
	uint64_t base;  /* host address of the first byte */
	uint64_t len;   /* bytes; 0 makes the region unusable */
	bool writable;
};

struct mem_map {
	struct mem_region r[MEM_MAX_REGIONS];
	unsigned n; /* regions in use, r[0..n) */
	/* When set, an access outside r[] may still land in the value storage
	 * of a live map of this vm (maps reached through map-in-map, or more
	 * maps than r[] holds): the slow path asks the vm's map registry. */
	struct bpfvm_vm *vm;
};

struct bpfvm_prog;

/* The value storage of prog's maps into the free region slots (after the
 * run's own regions); whatever does not fit, and maps reached only at run
 * time (map-in-map), is found through the vm's map registry, the slow path
 * of mem_ptr(). The interpreter and the JIT both set up runs with it. */
void mem_add_map_regions(struct mem_map *m, const struct bpfvm_prog *prog);

/* The slow path: is [addr, addr + size) in some live map's values? */
void *mem_ptr_maps(const struct mem_map *m, uint64_t addr, uint64_t size, bool write);

/* What an instruction does with memory, for checks and messages. */
enum mem_access {
	MEM_READ,
	MEM_WRITE,
	MEM_ATOMIC, /* read-modify-write: needs a writable region */
};

/* Set region id (id <= m->n) to [base, base + len). */
static inline void mem_set(struct mem_map *m, unsigned id, const void *base, uint64_t len,
			   bool writable)
{
	m->r[id] = (struct mem_region){ (uint64_t)(uintptr_t)base, len, writable };
	if (id >= m->n)
		m->n = id + 1;
}

/*
 * The host pointer for [addr, addr + size) if one region allows the access,
 * else NULL. write is a constant at every call site in the interpreter, so
 * the permission test folds away for loads.
 */
static inline void *mem_ptr(const struct mem_map *m, uint64_t addr, uint64_t size, bool write)
{
	for (unsigned i = 0; i < m->n; i++) {
		const struct mem_region *r = &m->r[i];
		uint64_t off = addr - r->base; /* wraps when addr < base */
		if (off < r->len && r->len - off >= size && (r->writable || !write))
			return (void *)(uintptr_t)addr;
	}
	return m->vm ? mem_ptr_maps(m, addr, size, write) : NULL;
}

/*
 * Record why the access of size bytes at reg r<regno> + off (= addr) failed
 * the check, in err at instruction pc, and return -EFAULT: out of bounds, or
 * a write to a read-only region.
 */
int mem_fault(const struct mem_map *m, struct bpfvm_error *err, long pc,
	      enum mem_access kind, unsigned size, unsigned regno, int off, uint64_t addr);

/* Record a misaligned atomic access; returns -EFAULT. */
int mem_misaligned(struct bpfvm_error *err, long pc, unsigned size, unsigned regno, int off,
		   uint64_t addr);

/* ------------------------------------------------------------------ */
/* Plain unaligned loads and stores of 1, 2, 4, 8 bytes (host order)   */

static inline uint64_t mem_load_1(const void *p) { uint8_t v; memcpy(&v, p, 1); return v; }
static inline uint64_t mem_load_2(const void *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint64_t mem_load_4(const void *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t mem_load_8(const void *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline void mem_store_1(void *p, uint64_t x) { uint8_t v = (uint8_t)x; memcpy(p, &v, 1); }
static inline void mem_store_2(void *p, uint64_t x) { uint16_t v = (uint16_t)x; memcpy(p, &v, 2); }
static inline void mem_store_4(void *p, uint64_t x) { uint32_t v = (uint32_t)x; memcpy(p, &v, 4); }
static inline void mem_store_8(void *p, uint64_t x) { memcpy(p, &x, 8); }

/* Big-endian load of size bytes (network order, for LD_ABS/LD_IND). */
static inline uint64_t mem_load_be(const uint8_t *p, unsigned size)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v = (v << 8) | p[i];
	return v;
}

#endif /* BPFVM_INTERP_MEM_H */
