/*
 * progtype.c - program type and attach type of a section name, from the
 * table in sections.def.
 *
 * Strict matching first (libbpf 1.x rules: exact, or "name/..." for rows
 * ending in '+'); then libbpf 0.x's legacy rule, where a row's name is
 * enough as a prefix, so that objects written for older loaders
 * ("xdp_prog", "classifier_foo", "kprobe_x") keep their type.
 */
#include <linux/bpf.h>
#include <string.h>

#include "loader/elf_obj.h"

/* bpfvm's seccomp-in-eBPF programs: outside the kernel's enum range. */
#define ELF_PROG_TYPE_SECCOMP 0x7fff0001u

struct sec_def {
	const char *name;
	uint32_t prog_type, attach_type;
};

static const struct sec_def sec_defs[] = {
#define SEC_DEF(NAME, TYPE, ATTACH) {NAME, (uint32_t)(TYPE), (uint32_t)(ATTACH)},
#include "sections.def"
#undef SEC_DEF
};

static bool strict_match(const char *def, const char *sec)
{
	size_t n = strlen(def);

	if (n && def[n - 1] == '+') {
		n--;
		return !strncmp(def, sec, n) && (sec[n] == '\0' || sec[n] == '/');
	}
	if (n && def[n - 1] == '/')
		return !strncmp(def, sec, n);
	return !strcmp(def, sec);
}

static bool legacy_match(const char *def, const char *sec)
{
	size_t n = strlen(def);

	if (n && (def[n - 1] == '+' || def[n - 1] == '/'))
		n--;
	return n && !strncmp(def, sec, n);
}

bool elf_section_prog_type(const char *section, uint32_t *prog_type, uint32_t *attach_type)
{
	size_t n = sizeof(sec_defs) / sizeof(sec_defs[0]);
	const struct sec_def *hit = NULL;

	if (!section)
		return false;
	for (size_t i = 0; i < n && !hit; i++)
		if (strict_match(sec_defs[i].name, section))
			hit = &sec_defs[i];
	for (size_t i = 0; i < n && !hit; i++)
		if (legacy_match(sec_defs[i].name, section))
			hit = &sec_defs[i];
	if (!hit)
		return false;
	if (prog_type)
		*prog_type = hit->prog_type;
	if (attach_type)
		*attach_type = hit->attach_type;
	return true;
}
