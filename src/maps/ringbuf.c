/*
 * ringbuf.c - BPF_MAP_TYPE_RINGBUF with the kernel's layout and protocol
 * (kernel/bpf/ringbuf.c): a page with the consumer position, a page with
 * the producer position, then max_entries bytes of data mapped twice in a
 * row, so that a record that wraps around the end is still contiguous.
 *
 * Records: an 8-byte header { u32 len; u32 pg_off; } then the sample,
 * padded so that records are 8-byte aligned. len carries BUSY_BIT while
 * reserved and DISCARD_BIT once discarded; pg_off is the header's page
 * offset from the start of the mapping, so submit/discard find the ring
 * from the sample pointer alone (the helpers get no map argument).
 *
 * Invariants:
 * - Producers reserve under a spinlock (as the kernel): the producer
 *   position only grows, and never gets more than the ring size ahead of
 *   the consumer position. Commit is a release store of the header.
 * - One consumer at a time (a mutex): it stops at the first busy record,
 *   skips discarded ones, and publishes its position with a release store.
 * - Headers live in memory programs can write: the consumer checks every
 *   length against the ring before trusting it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/error.h"
#include "map.h"

#define RB_PAGE 4096u
#define RB_BUSY_BIT (1u << 31)
#define RB_DISCARD_BIT (1u << 30)
#define RB_HDR_SZ 8u
#define RB_MAX_RECORD (UINT32_MAX / 4)
#define RB_MAGIC 0x72696e67627566ULL /* "ringbuf" */

/* flags of bpf_ringbuf_submit/discard/output and bpf_ringbuf_query */
#define RB_NO_WAKEUP 1u
#define RB_FORCE_WAKEUP 2u
#define RB_AVAIL_DATA 0u
#define RB_RING_SIZE 1u
#define RB_CONS_POS 2u
#define RB_PROD_POS 3u

struct rb_hdr {
	uint32_t len;
	uint32_t pg_off;
};

struct ringbuf;

/* Page 0 of the mapping: lets submit find its ring from pg_off. */
struct rb_meta {
	uint64_t magic;
	struct ringbuf *rb;
};

struct ringbuf {
	struct bpfvm_map map;
	int lock;                  /* producers */
	pthread_mutex_t cons_lock; /* the host consumer */
	uint64_t mask;
	char *area;                /* meta page, consumer page, producer page, data x2 */
	size_t area_len;
	uint64_t *consumer_pos, *producer_pos;
	char *data;
};

#define RB_DATA_OFF (3u * RB_PAGE)

static struct bpfvm_map *ringbuf_alloc(const struct bpfvm_map *attr, struct bpfvm_error *err)
{
	if (map_check_flags(attr, MAP_F_NUMA_NODE, err))
		return NULL;
	if (attr->key_size || attr->value_size) {
		err_set(err, -EINVAL, "%s must be 0 for ringbuf maps",
			attr->key_size ? "key_size" : "value_size");
		return NULL;
	}
	uint32_t n = attr->max_entries;
	if ((n & (n - 1)) || n % RB_PAGE) {
		err_set(err, -EINVAL, "max_entries %u: a ringbuf's size must be a power of 2 "
			"and a multiple of the page size (%u)", n, RB_PAGE);
		return NULL;
	}
	struct ringbuf *rb = calloc(1, sizeof(*rb));
	if (!rb)
		return NULL;
	rb->map = *attr;
	rb->mask = n - 1;
	size_t file_len = RB_DATA_OFF + (size_t)n;
	rb->area_len = file_len + n;
	int fd = memfd_create("bpfvm-ringbuf", MFD_CLOEXEC);
	char *area = MAP_FAILED;
	if (fd >= 0 && ftruncate(fd, (off_t)file_len) == 0)
		area = mmap(NULL, rb->area_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area != MAP_FAILED &&
	    (mmap(area, file_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0) ==
		     MAP_FAILED ||
	     mmap(area + file_len, n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
		  RB_DATA_OFF) == MAP_FAILED)) {
		munmap(area, rb->area_len);
		area = MAP_FAILED;
	}
	if (fd >= 0)
		close(fd);
	if (area == MAP_FAILED || pthread_mutex_init(&rb->cons_lock, NULL)) {
		if (area != MAP_FAILED)
			munmap(area, rb->area_len);
		err_set(err, -ENOMEM, "cannot map a %u-byte ring", n);
		free(rb);
		return NULL;
	}
	rb->area = area;
	*(struct rb_meta *)area = (struct rb_meta){ RB_MAGIC, rb };
	rb->consumer_pos = (uint64_t *)(area + RB_PAGE);
	rb->producer_pos = (uint64_t *)(area + 2 * RB_PAGE);
	rb->data = area + RB_DATA_OFF;
	map_add_region(&rb->map, rb->data, 2 * (size_t)n);
	return &rb->map;
}

static void ringbuf_free(struct bpfvm_map *map)
{
	struct ringbuf *rb = (struct ringbuf *)map;
	((struct rb_meta *)rb->area)->magic = 0;
	munmap(rb->area, rb->area_len);
	pthread_mutex_destroy(&rb->cons_lock);
	free(rb);
}

void *ringbuf_reserve(struct bpfvm_map *map, uint64_t size, uint64_t flags)
{
	if (!map || map->type != BPFVM_MAP_TYPE_RINGBUF || flags || size > RB_MAX_RECORD)
		return NULL;
	struct ringbuf *rb = (struct ringbuf *)map;
	uint64_t len = map_round8((uint32_t)size + RB_HDR_SZ);
	if (len > rb->mask + 1)
		return NULL;
	map_spin_lock(&rb->lock);
	uint64_t cons = __atomic_load_n(rb->consumer_pos, __ATOMIC_ACQUIRE);
	uint64_t prod = __atomic_load_n(rb->producer_pos, __ATOMIC_RELAXED);
	if (prod + len - cons > rb->mask) { /* the kernel never fills the ring up */
		map_spin_unlock(&rb->lock);
		return NULL;
	}
	struct rb_hdr *hdr = (struct rb_hdr *)(rb->data + (prod & rb->mask));
	hdr->len = (uint32_t)size | RB_BUSY_BIT;
	hdr->pg_off = (uint32_t)(((char *)hdr - rb->area) / RB_PAGE);
	/* Publish the header before the position, as the kernel's
	 * smp_store_release(): a consumer that sees the position sees BUSY. */
	__atomic_store_n(rb->producer_pos, prod + len, __ATOMIC_RELEASE);
	map_spin_unlock(&rb->lock);
	return hdr + 1;
}

static void commit(void *sample, bool discard)
{
	if (!sample)
		return;
	struct rb_hdr *hdr = (struct rb_hdr *)sample - 1;
	uint32_t len = __atomic_load_n(&hdr->len, __ATOMIC_RELAXED);
	if (!(len & RB_BUSY_BIT))
		return; /* already committed: nothing to do */
	len &= ~RB_BUSY_BIT;
	if (discard)
		len |= RB_DISCARD_BIT;
	__atomic_store_n(&hdr->len, len, __ATOMIC_RELEASE);
}

void ringbuf_submit(void *sample, uint64_t flags)
{
	commit(sample, false);
}

void ringbuf_discard(void *sample, uint64_t flags)
{
	commit(sample, true);
}

long ringbuf_output(struct bpfvm_map *map, const void *data, uint64_t size, uint64_t flags)
{
	if (flags & ~(uint64_t)(RB_NO_WAKEUP | RB_FORCE_WAKEUP))
		return -EINVAL;
	if (!map || map->type != BPFVM_MAP_TYPE_RINGBUF || (!data && size))
		return -EINVAL;
	void *sample = ringbuf_reserve(map, size, 0);
	if (!sample)
		return -EAGAIN;
	if (size)
		memcpy(sample, data, size);
	commit(sample, false);
	return 0;
}

uint64_t ringbuf_query(struct bpfvm_map *map, uint64_t flags)
{
	if (!map || map->type != BPFVM_MAP_TYPE_RINGBUF)
		return 0;
	struct ringbuf *rb = (struct ringbuf *)map;
	uint64_t cons = __atomic_load_n(rb->consumer_pos, __ATOMIC_ACQUIRE);
	uint64_t prod = __atomic_load_n(rb->producer_pos, __ATOMIC_ACQUIRE);
	switch (flags) {
	case RB_AVAIL_DATA:
		return prod - cons;
	case RB_RING_SIZE:
		return rb->mask + 1;
	case RB_CONS_POS:
		return cons;
	case RB_PROD_POS:
		return prod;
	default:
		return 0;
	}
}

struct bpfvm_map *ringbuf_map_of_sample(struct bpfvm_vm *vm, const void *sample)
{
	uint64_t addr = (uint64_t)(uintptr_t)sample;
	if (!sample || addr < RB_HDR_SZ || addr % 8)
		return NULL;
	struct bpfvm_map *map = map_region_owner(vm, addr - RB_HDR_SZ, RB_HDR_SZ);
	if (!map || map->type != BPFVM_MAP_TYPE_RINGBUF)
		return NULL;
	const struct rb_hdr *hdr = (const struct rb_hdr *)sample - 1;
	if (!(__atomic_load_n(&hdr->len, __ATOMIC_ACQUIRE) & RB_BUSY_BIT))
		return NULL;
	return map;
}

static int ringbuf_consume(struct bpfvm_map *map, bpfvm_ringbuf_fn fn, void *ctx)
{
	struct ringbuf *rb = (struct ringbuf *)map;
	int count = 0, ret = 0;
	pthread_mutex_lock(&rb->cons_lock);
	uint64_t cons = __atomic_load_n(rb->consumer_pos, __ATOMIC_RELAXED);
	uint64_t prod = __atomic_load_n(rb->producer_pos, __ATOMIC_ACQUIRE);
	while (cons < prod) {
		const struct rb_hdr *hdr = (const struct rb_hdr *)(rb->data + (cons & rb->mask));
		uint32_t len = __atomic_load_n(&hdr->len, __ATOMIC_ACQUIRE);
		if (len & RB_BUSY_BIT)
			break;
		uint32_t size = len & ~(RB_BUSY_BIT | RB_DISCARD_BIT);
		uint64_t rec = map_round8(size + RB_HDR_SZ);
		if (size > RB_MAX_RECORD || rec > prod - cons) {
			ret = -EINVAL; /* a program overwrote a header */
			break;
		}
		int r = 0;
		if (!(len & RB_DISCARD_BIT)) {
			r = fn(ctx, hdr + 1, size);
			count++;
		}
		cons += rec;
		__atomic_store_n(rb->consumer_pos, cons, __ATOMIC_RELEASE);
		if (r < 0) {
			ret = r;
			break;
		}
	}
	pthread_mutex_unlock(&rb->cons_lock);
	return ret < 0 ? ret : count;
}

const struct map_ops ringbuf_map_ops = {
	.alloc = ringbuf_alloc,
	.free = ringbuf_free,
	.consume = ringbuf_consume,
};
