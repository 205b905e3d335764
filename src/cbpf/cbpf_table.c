/*
 * cbpf_table.c - cbpf_table.def expanded: the row array, the opcode index,
 * and the ancillary-load names and values.
 */
#include <string.h>

#include "cbpf.h"

const struct cbpf_desc cbpf_table[CBPF__COUNT] = {
#define CBPF(ID, CODE, KIND, OP, SIZE, SECCOMP, MNEM, ASM, TCPD)                              \
	[CBPF_##ID] = { #ID, CODE, CBPF_K_##KIND, CBPF_OP_##OP, SIZE, CBPF_SECCOMP_##SECCOMP, \
			MNEM, ASM, TCPD },
#include "cbpf_table.def"
#undef CBPF
};

/* Opcode -> row id + 1 (0: unknown). Every classic opcode is below 256. */
static const uint8_t code_index[256] = {
#define CBPF(ID, CODE, KIND, OP, SIZE, SECCOMP, MNEM, ASM, TCPD) [CODE] = CBPF_##ID + 1,
#include "cbpf_table.def"
#undef CBPF
};

const struct cbpf_desc *cbpf_lookup(uint16_t code)
{
	if (code >= 256 || !code_index[code])
		return NULL;
	return &cbpf_table[code_index[code] - 1];
}

struct anc_row {
	uint32_t off;
	const char *name;
	bool supported;
};

static const struct anc_row anc_rows[] = {
#define CBPF_ANC(ID, OFF, ASM, SUP) { OFF, ASM, SUP },
#define CBPF(...)
#include "cbpf_table.def"
#undef CBPF
#undef CBPF_ANC
};

const char *cbpf_anc_name(uint32_t off, bool *supported)
{
	for (size_t i = 0; i < sizeof(anc_rows) / sizeof(anc_rows[0]); i++) {
		if (anc_rows[i].off == off) {
			if (supported)
				*supported = anc_rows[i].supported;
			return anc_rows[i].name;
		}
	}
	if (supported)
		*supported = false;
	return NULL;
}

int cbpf_anc_lookup(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(anc_rows) / sizeof(anc_rows[0]); i++)
		if (strlen(anc_rows[i].name) == len && !strncmp(anc_rows[i].name, name, len))
			return (int)anc_rows[i].off;
	return -1;
}

uint32_t cbpf_anc_value(const struct cbpf_meta *m, uint32_t off)
{
	static const struct cbpf_meta zero;
	if (!m)
		m = &zero;
	switch (off) {
	case CBPF_AD_PROTOCOL:
		/* skb->protocol is in network order; the kernel swaps it */
		return m->protocol;
	case CBPF_AD_PKTTYPE:
		return m->pkttype;
	case CBPF_AD_IFINDEX:
		return m->ifindex;
	case CBPF_AD_MARK:
		return m->mark;
	case CBPF_AD_QUEUE:
		return m->queue;
	case CBPF_AD_HATYPE:
		return m->hatype;
	case CBPF_AD_RXHASH:
		return m->rxhash;
	case CBPF_AD_CPU:
		return m->cpu;
	case CBPF_AD_VLAN_TAG:
		return m->vlan_tci;
	case CBPF_AD_VLAN_TAG_PRESENT:
		return m->vlan_present;
	case CBPF_AD_VLAN_TPID:
		return m->vlan_tpid;
	case CBPF_AD_RANDOM:
		return m->random;
	default:
		return 0;
	}
}
