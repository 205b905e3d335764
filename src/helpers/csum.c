/*
 * csum.c - bpf_l3_csum_replace and bpf_l4_csum_replace: incremental
 * updates (RFC 1624) of a 16-bit Internet checksum inside the packet.
 *
 * The arithmetic is the kernel's, bit for bit (include/net/checksum.h and
 * the x86-64 csum_fold, which compute the same values as the generic C
 * versions): 32-bit one's complement sums with end-around carry, folded
 * to 16 bits without normalising 0xffff to 0. Values are used as they sit
 * in memory (the program passes them in network order), so the results
 * match the kernel's on any host of the kernel's byte order.
 *
 * bpfvm's skbs have no checksum state (the kernel's CHECKSUM_NONE), so
 * the l4 helper's BPF_F_PSEUDO_HDR and BPF_F_IPV6 change nothing: they
 * matter only for CHECKSUM_COMPLETE (skb->csum) and CHECKSUM_PARTIAL.
 */
#include <errno.h>
#include <string.h>

#include "helpers_impl.h"

/* Flags, from uapi linux/bpf.h. */
#define F_HDR_FIELD_MASK 0xfu
#define F_PSEUDO_HDR (1u << 4)
#define F_MARK_MANGLED_0 (1u << 5)
#define F_MARK_ENFORCE (1u << 6)
#define F_IPV6 (1u << 7)
#define CSUM_MANGLED_0 0xffffu

static uint32_t csum_add(uint32_t a, uint32_t b)
{
	uint32_t r = a + b;
	return r + (r < b);
}

static uint32_t csum_sub(uint32_t a, uint32_t b)
{
	return csum_add(a, ~b);
}

static uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint16_t csum16_add(uint16_t csum, uint16_t addend)
{
	uint16_t r = (uint16_t)(csum + addend);
	return (uint16_t)(r + (r < addend));
}

static uint16_t csum16_sub(uint16_t csum, uint16_t addend)
{
	return csum16_add(csum, (uint16_t)~addend);
}

/* csum_replace_by_diff, csum_replace2 and csum_replace4 on the checksum
 * at p (2 bytes, any alignment): field 0, 2 or 4. */
static void csum_replace(uint8_t *p, unsigned field, uint64_t from, uint64_t to)
{
	uint16_t sum;
	memcpy(&sum, p, 2);
	switch (field) {
	case 0:
		sum = csum_fold(csum_add((uint32_t)to, ~(uint32_t)sum));
		break;
	case 2:
		sum = (uint16_t)~csum16_add(csum16_sub((uint16_t)~sum, (uint16_t)from),
					    (uint16_t)to);
		break;
	default:
		sum = csum_fold(csum_add(csum_sub(~(uint32_t)sum, (uint32_t)from), (uint32_t)to));
		break;
	}
	memcpy(p, &sum, 2);
}

/* The checks both helpers make after their flags: the checksum's offset
 * is even, at most 0xffff, and its 2 bytes lie in the packet; else
 * -EFAULT. Returns the checksum's address, or NULL with *rc set. */
static uint8_t *csum_ptr(struct bpfvm_call *call, const char *name, uint64_t r1, uint32_t off,
			 long *rc)
{
	struct pkt_skb s;
	if (pkt_skb_get(call, name, r1, true, &s)) {
		*rc = -EINVAL;
		return NULL;
	}
	if (off > 0xffff || (off & 1) || (uint64_t)off + 2 > s.data_end - s.data) {
		*rc = -EFAULT;
		return NULL;
	}
	return s.buf + s.data + off;
}

/* bpf_l3_csum_replace(ctx, offset, from, to, flags): flags is the field
 * size (2 or 4), or 0 with from = 0 and to a bpf_csum_diff() result. */
HELPER_DECL(l3_csum_replace)
{
	if (r5 & ~(uint64_t)F_HDR_FIELD_MASK)
		return HELPER_ERR(-EINVAL);
	long rc = 0;
	uint8_t *p = csum_ptr(call, "l3_csum_replace", r1, (uint32_t)r2, &rc);
	if (!p)
		return HELPER_ERR(rc);
	unsigned field = (unsigned)(r5 & F_HDR_FIELD_MASK);
	if ((field == 0 && r3 != 0) || (field != 0 && field != 2 && field != 4))
		return HELPER_ERR(-EINVAL);
	csum_replace(p, field, r3, r4);
	return 0;
}

/* bpf_l4_csum_replace(ctx, offset, from, to, flags): as l3, plus
 * BPF_F_MARK_MANGLED_0 (a zero checksum means "none", as in UDP: leave it,
 * unless BPF_F_MARK_ENFORCE, and write 0xffff for a result of 0). */
HELPER_DECL(l4_csum_replace)
{
	const uint64_t known = F_HDR_FIELD_MASK | F_PSEUDO_HDR | F_MARK_MANGLED_0 |
			       F_MARK_ENFORCE | F_IPV6;
	if (r5 & ~known)
		return HELPER_ERR(-EINVAL);
	long rc = 0;
	uint8_t *p = csum_ptr(call, "l4_csum_replace", r1, (uint32_t)r2, &rc);
	if (!p)
		return HELPER_ERR(rc);
	bool mmzero = r5 & F_MARK_MANGLED_0, mforce = r5 & F_MARK_ENFORCE;
	uint16_t sum;
	memcpy(&sum, p, 2);
	if (mmzero && !mforce && !sum)
		return 0;
	unsigned field = (unsigned)(r5 & F_HDR_FIELD_MASK);
	if ((field == 0 && r3 != 0) || (field != 0 && field != 2 && field != 4))
		return HELPER_ERR(-EINVAL);
	/* inet_proto_csum_replace2 is csum_replace4 on the zero-extended
	 * values, not csum_replace2. */
	csum_replace(p, field == 2 ? 4 : field, field == 2 ? (uint16_t)r3 : r3,
		     field == 2 ? (uint16_t)r4 : r4);
	memcpy(&sum, p, 2);
	if (mmzero && !sum) {
		sum = CSUM_MANGLED_0;
		memcpy(p, &sum, 2);
	}
	return 0;
}
