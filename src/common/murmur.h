/*
 * murmur.h - murmur3's 32-bit steps (Austin Appleby's public-domain hash):
 * the block mix and the finaliser. Every input bit moves every output bit,
 * which the hash map's buckets, the bloom filter's bit positions and the
 * runner's flow hash (top bits pick a worker) all rely on.
 */
#ifndef BPFVM_COMMON_MURMUR_H
#define BPFVM_COMMON_MURMUR_H

#include <stdint.h>

/* One 32-bit block w into the state h. */
static inline uint32_t murmur3_mix(uint32_t h, uint32_t w)
{
	w *= 0xcc9e2d51u;
	w = w << 15 | w >> 17;
	h ^= w * 0x1b873593u;
	h = h << 13 | h >> 19;
	return h * 5 + 0xe6546b64u;
}

/* The finaliser (fmix32). */
static inline uint32_t murmur3_fmix(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

#endif /* BPFVM_COMMON_MURMUR_H */
