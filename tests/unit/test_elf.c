/*
 * test_elf.c - the ELF object loader (src/loader/elf_obj.h) on the BPF C
 * programs of tests/programs (built by clang at build time), on
 * corrupted copies of them, and on Debian's libxdp objects when present.
 *
 * Checks: programs (names, sections, types, sizes, appended
 * subprograms), map definitions in the three forms and global data,
 * the exact ld_imm64 src=5/src=6 forms and call offsets, line info, and
 * that every corruption is refused with a message (run under ASan).
 */
#include <errno.h>
#include <gelf.h>
#include <glob.h>
#include <linux/bpf.h>

#include "check.h"
#include "loader/elf_obj.h"

#ifndef BPFVM_PROGRAMS_DIR
#define BPFVM_PROGRAMS_DIR BPFVM_BUILD_DIR "/tests/programs"
#endif

static void *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	void *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	*size = (size_t)n;
	return buf;
}

static void *read_program(const char *name, size_t *size)
{
	char path[512];
	void *buf;

	snprintf(path, sizeof(path), "%s/%s.o", BPFVM_PROGRAMS_DIR, name);
	buf = read_file(path, size);
	if (!buf) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(1);
	}
	return buf;
}

static struct elf_obj *open_program(const char *name)
{
	struct bpfvm_error err;
	struct elf_obj *obj = NULL;
	size_t size;
	void *buf = read_program(name, &size);
	int ret = elf_obj_open(buf, size, name, &obj, &err);

	if (ret)
		fprintf(stderr, "%s: %s\n", name, err.msg);
	CHECK(ret == 0 && obj);
	free(buf);
	return obj;
}

static const struct elf_prog *prog_by_name(const struct elf_obj *o, const char *name)
{
	for (size_t i = 0; i < o->n_progs; i++)
		if (!strcmp(o->progs[i].name, name))
			return &o->progs[i];
	fprintf(stderr, "no program %s\n", name);
	exit(1);
}

static int map_idx(const struct elf_obj *o, const char *name)
{
	for (size_t i = 0; i < o->n_maps; i++)
		if (!strcmp(o->maps[i].name, name))
			return (int)i;
	fprintf(stderr, "no map %s\n", name);
	exit(1);
}

static int prog_idx(const struct elf_obj *o, const char *name)
{
	return (int)(prog_by_name(o, name) - o->progs);
}

/* The 1-based line of the program's source that contains text. */
static uint32_t source_line(const char *file, const char *text)
{
	char path[512], line[512];
	uint32_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/programs/%s", BPFVM_SOURCE_DIR, file);
	f = fopen(path, "r");
	CHECK(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		n++;
		if (strstr(line, text)) {
			fclose(f);
			return n;
		}
	}
	fclose(f);
	return 0;
}

/* Line info has an entry at that source line, whose text has text. */
static void check_line(const struct elf_prog *p, const char *file, const char *text)
{
	uint32_t want = source_line(file, text);
	bool found = false;

	CHECK(want > 0);
	CHECK(p->n_lines > 0);
	for (size_t i = 0; i < p->n_lines; i++) {
		const struct elf_line *l = &p->lines[i];
		CHECK(l->insn < p->n_insns);
		CHECK(i == 0 || p->lines[i - 1].insn <= l->insn);
		if (l->line == want && l->text && strstr(l->text, text) && strstr(l->file, file))
			found = true;
	}
	CHECK(found);
}

static void check_lddw(const struct bpfvm_insn *insn, int src, int imm, int imm2)
{
	CHECK_EQ_U64(insn[0].code, 0x18);
	CHECK_EQ_U64(insn[0].src, src);
	CHECK_EQ_U64(insn[0].imm, imm);
	CHECK_EQ_U64(insn[1].imm, imm2);
}

static void test_btf_maps(void)
{
	struct elf_obj *o = open_program("btf_maps");
	const struct elf_map_def *m;
	const struct elf_prog *p;
	int outer, jmp;

	printf("btf_maps: BTF .maps, prog array and map-in-map initial values\n");
	CHECK(o->btf != NULL);
	CHECK(!strcmp(o->license, "GPL"));
	CHECK_EQ_U64(o->n_progs, 4);
	for (size_t i = 0; i < o->n_progs; i++) {
		CHECK(!strcmp(o->progs[i].section, "xdp"));
		CHECK_EQ_U64(o->progs[i].prog_type, BPF_PROG_TYPE_XDP);
		CHECK_EQ_U64(o->progs[i].attach_type, BPF_XDP);
		CHECK_EQ_U64(o->progs[i].n_funcs, 1);
	}
	CHECK_EQ_U64(prog_by_name(o, "xdp_drop_all")->n_insns, 2);
	CHECK_EQ_U64(prog_by_name(o, "xdp_tx_all")->n_insns, 2);
	CHECK_EQ_U64(prog_by_name(o, "xdp_inner")->n_insns, 18);

	m = &o->maps[map_idx(o, "counts")];
	CHECK(m->origin == ELF_MAP_BTF && !strcmp(m->section, ".maps"));
	CHECK_EQ_U64(m->type, BPF_MAP_TYPE_HASH);
	CHECK_EQ_U64(m->key_size, 4);
	CHECK_EQ_U64(m->value_size, 8);
	CHECK_EQ_U64(m->max_entries, 16);
	CHECK(m->btf_key_type_id && m->btf_value_type_id && m->btf_var_type_id);
	m = &o->maps[map_idx(o, "config")];
	CHECK_EQ_U64(m->type, BPF_MAP_TYPE_ARRAY);
	CHECK_EQ_U64(m->key_size, 4);
	CHECK_EQ_U64(m->value_size, 12);
	CHECK_EQ_U64(m->max_entries, 4);
	CHECK_EQ_U64(m->map_flags, BPF_F_MMAPABLE);
	CHECK_EQ_U64(m->pinning, 1);
	CHECK_EQ_U64(m->btf_key_type_id, 0);

	outer = map_idx(o, "outer");
	m = &o->maps[outer];
	CHECK_EQ_U64(m->type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	CHECK_EQ_U64(m->value_size, 4);
	CHECK_EQ_U64(m->max_entries, 2);
	CHECK(m->inner_idx == map_idx(o, "outer.inner"));
	CHECK(o->maps[m->inner_idx].inner_only);
	CHECK_EQ_U64(o->maps[m->inner_idx].type, BPF_MAP_TYPE_ARRAY);
	CHECK_EQ_U64(o->maps[m->inner_idx].value_size, 4);
	CHECK_EQ_U64(m->n_inits, 2);
	CHECK(m->inits[0].index == 0 && m->inits[0].map_idx == map_idx(o, "inner_a") &&
	      m->inits[0].prog_idx == -1);
	CHECK(m->inits[1].index == 1 && m->inits[1].map_idx == map_idx(o, "inner_b"));

	jmp = map_idx(o, "jmp");
	m = &o->maps[jmp];
	CHECK_EQ_U64(m->type, BPF_MAP_TYPE_PROG_ARRAY);
	CHECK_EQ_U64(m->value_size, 4);
	CHECK_EQ_U64(m->n_inits, 2);
	CHECK(m->inits[0].index == 1 && m->inits[0].prog_idx == prog_idx(o, "xdp_drop_all") &&
	      m->inits[0].map_idx == -1);
	CHECK(m->inits[1].index == 3 && m->inits[1].prog_idx == prog_idx(o, "xdp_tx_all"));

	p = prog_by_name(o, "xdp_entry");
	CHECK_EQ_U64(p->n_insns, 28);
	/* Slots are program-relative: xdp_entry starts at slot 4 of "xdp". */
	check_lddw(&p->insns[7], 5, map_idx(o, "counts"), 0);
	check_lddw(&p->insns[17], 5, map_idx(o, "counts"), 0);
	check_lddw(&p->insns[22], 5, jmp, 0);
	CHECK_EQ_U64(p->insns[25].imm, 12); /* bpf_tail_call untouched */
	check_line(p, "btf_maps.c", "bpf_tail_call(ctx, &jmp, 1);");
	check_lddw(&prog_by_name(o, "xdp_inner")->insns[6], 5, outer, 0);
	elf_obj_free(o);
}

static void test_legacy(void)
{
	struct elf_obj *o = open_program("legacy_maps");
	const struct elf_map_def *m;
	const struct elf_prog *p;

	printf("legacy_maps: SEC(\"maps\") struct bpf_map_def, version\n");
	CHECK_EQ_U64(o->kern_version, 0x050a00);
	CHECK_EQ_U64(o->n_maps, 2);
	m = &o->maps[map_idx(o, "hits")];
	CHECK(m->origin == ELF_MAP_LEGACY && !strcmp(m->section, "maps"));
	CHECK_EQ_U64(m->type, BPF_MAP_TYPE_ARRAY);
	CHECK_EQ_U64(m->key_size, 4);
	CHECK_EQ_U64(m->value_size, 8);
	CHECK_EQ_U64(m->max_entries, 2);
	CHECK_EQ_U64(m->map_flags, 0);
	m = &o->maps[map_idx(o, "table")];
	CHECK(m->origin == ELF_MAP_LEGACY);
	CHECK_EQ_U64(m->type, BPF_MAP_TYPE_HASH);
	CHECK_EQ_U64(m->value_size, 4);
	CHECK_EQ_U64(m->max_entries, 64);
	CHECK_EQ_U64(m->map_flags, BPF_F_NO_PREALLOC);
	p = prog_by_name(o, "count_packets");
	CHECK(!strcmp(p->section, "socket"));
	CHECK_EQ_U64(p->prog_type, BPF_PROG_TYPE_SOCKET_FILTER);
	bool found = false;
	for (size_t i = 0; i + 1 < p->n_insns; i++)
		if (p->insns[i].code == 0x18) {
			check_lddw(&p->insns[i], 5, map_idx(o, "hits"), 0);
			found = true;
		}
	CHECK(found);
	p = prog_by_name(o, "kprobe_open");
	CHECK(!strcmp(p->section, "kprobe/do_sys_open"));
	CHECK_EQ_U64(p->prog_type, BPF_PROG_TYPE_KPROBE);
	check_line(p, "legacy_maps.c", "bpf_map_update_elem(&table, &pid, &one, BPF_ANY);");
	elf_obj_free(o);
}

static void test_iproute2(void)
{
	struct elf_obj *o = open_program("iproute2_maps");
	const struct elf_map_def *m;

	printf("iproute2_maps: struct bpf_elf_map, map-in-map by id\n");
	CHECK_EQ_U64(o->n_maps, 3);
	m = &o->maps[map_idx(o, "acc")];
	CHECK(m->origin == ELF_MAP_IPROUTE2);
	CHECK_EQ_U64(m->type, BPF_MAP_TYPE_ARRAY);
	CHECK_EQ_U64(m->key_size, 4);
	CHECK_EQ_U64(m->value_size, 8);
	CHECK_EQ_U64(m->max_entries, 1);
	CHECK_EQ_U64(m->pinning, 2);
	m = &o->maps[map_idx(o, "map_outer")];
	CHECK_EQ_U64(m->type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	CHECK(m->inner_idx == map_idx(o, "map_inner"));
	CHECK_EQ_U64(m->n_inits, 1);
	CHECK(m->inits[0].index == 0 && m->inits[0].map_idx == map_idx(o, "map_inner"));
	CHECK_EQ_U64(prog_by_name(o, "cls_main")->prog_type, BPF_PROG_TYPE_SCHED_CLS);
	CHECK_EQ_U64(prog_by_name(o, "act_main")->prog_type, BPF_PROG_TYPE_SCHED_ACT);
	elf_obj_free(o);
}

static void test_globals(void)
{
	struct elf_obj *o = open_program("globals");
	const struct elf_map_def *m;
	const struct elf_prog *p;
	int data = map_idx(o, ".data"), ro = map_idx(o, ".rodata"), bss = map_idx(o, ".bss");
	int str = map_idx(o, ".rodata.str1.1");

	printf("globals: .data/.rodata/.bss/.rodata.str1.1, subprograms, static functions\n");
	CHECK(!strcmp(o->license, "Dual BSD/GPL"));
	CHECK_EQ_U64(o->n_progs, 3);
	m = &o->maps[data];
	CHECK(m->origin == ELF_MAP_DATA && m->data_len == 4 && m->data);
	CHECK_EQ_U64(*(int *)m->data, 7);
	CHECK_EQ_U64(m->type, BPF_MAP_TYPE_ARRAY);
	CHECK_EQ_U64(m->key_size, 4);
	CHECK_EQ_U64(m->value_size, 4);
	CHECK_EQ_U64(m->max_entries, 1);
	CHECK_EQ_U64(m->map_flags, 0);
	m = &o->maps[ro];
	CHECK(m->data_len == 8 && ((int *)m->data)[1] == 20);
	CHECK_EQ_U64(m->map_flags, BPFVM_F_RDONLY_PROG);
	m = &o->maps[bss];
	CHECK(m->data == NULL && m->data_len == 16 && m->value_size == 16);
	m = &o->maps[str];
	CHECK(m->data_len == 6 && !memcmp(m->data, "hello", 6));
	CHECK_EQ_U64(m->map_flags, BPFVM_F_RDONLY_PROG);

	/* tc_first: own 10 slots, then twice (3) and add3 (3). */
	p = prog_by_name(o, "tc_first");
	CHECK(!strcmp(p->section, "tc"));
	CHECK_EQ_U64(p->prog_type, BPF_PROG_TYPE_SCHED_CLS);
	CHECK_EQ_U64(p->n_insns, 16);
	CHECK_EQ_U64(p->n_funcs, 3);
	CHECK(p->funcs[0].insn == 0 && !strcmp(p->funcs[0].name, "tc_first"));
	CHECK(p->funcs[1].insn == 10 && !strcmp(p->funcs[1].name, "twice"));
	CHECK(p->funcs[2].insn == 13 && !strcmp(p->funcs[2].name, "add3"));
	check_lddw(&p->insns[0], 6, data, 0);
	check_lddw(&p->insns[4], 6, ro, 0);
	CHECK_EQ_U64(p->insns[3].code, 0x85);
	CHECK_EQ_U64(p->insns[3].src, 1);
	CHECK_EQ_U64(p->insns[3].imm, 6);  /* 3 + 6 + 1 = 10: twice */
	CHECK_EQ_U64(p->insns[10].imm, 2); /* 10 + 2 + 1 = 13: add3 */
	check_line(p, "globals.c", "return twice(counter) + limits[0];");
	check_line(p, "globals.c", "return x + 3;");

	p = prog_by_name(o, "tc_second");
	CHECK_EQ_U64(p->n_insns, 13);
	check_lddw(&p->insns[0], 6, bss, 0);
	CHECK_EQ_U64(p->insns[5].imm, 1); /* 5 + 1 + 1 = 7: twice */

	p = prog_by_name(o, "xdp_third");
	CHECK_EQ_U64(p->prog_type, BPF_PROG_TYPE_XDP);
	CHECK_EQ_U64(p->n_insns, 16);
	check_lddw(&p->insns[0], 6, str, 0);
	check_lddw(&p->insns[4], 6, ro, 0);
	CHECK_EQ_U64(p->insns[3].imm, 6); /* helper call untouched */
	CHECK_EQ_U64(p->insns[7].imm, 2); /* 7 + 2 + 1 = 10: twice */
	elf_obj_free(o);
}

static void test_core_refused(void)
{
	struct bpfvm_error err;
	struct elf_obj *o = NULL;
	size_t size;
	void *buf = read_program("core_reloc", &size);

	printf("core_reloc: CO-RE relocations are refused with the access string\n");
	CHECK(elf_obj_open(buf, size, "core_reloc", &o, &err) == -ENOTSUP);
	CHECK(o == NULL);
	CHECK_STR_CONTAINS(err.msg, "section 'kprobe/core' insn 0: CO-RE relocation");
	CHECK_STR_CONTAINS(err.msg, "type 'task'");
	CHECK_STR_CONTAINS(err.msg, "access '0:1'");
	free(buf);
}

static void test_section_names(void)
{
	static const struct {
		const char *sec;
		uint32_t type, attach;
	} cases[] = {
		{"xdp", BPF_PROG_TYPE_XDP, BPF_XDP},
		{"xdp.frags", BPF_PROG_TYPE_XDP, BPF_XDP},
		{"xdp/devmap", BPF_PROG_TYPE_XDP, BPF_XDP_DEVMAP},
		{"xdp/cpumap", BPF_PROG_TYPE_XDP, BPF_XDP_CPUMAP},
		{"tc", BPF_PROG_TYPE_SCHED_CLS, 0},
		{"classifier", BPF_PROG_TYPE_SCHED_CLS, 0},
		{"action", BPF_PROG_TYPE_SCHED_ACT, 0},
		{"socket", BPF_PROG_TYPE_SOCKET_FILTER, 0},
		{"kprobe/do_sys_open", BPF_PROG_TYPE_KPROBE, 0},
		{"kretprobe/x", BPF_PROG_TYPE_KPROBE, 0},
		{"uprobe/x", BPF_PROG_TYPE_KPROBE, 0},
		{"uretprobe/x", BPF_PROG_TYPE_KPROBE, 0},
		{"tracepoint/syscalls/sys_enter_open", BPF_PROG_TYPE_TRACEPOINT, 0},
		{"tp/sched/x", BPF_PROG_TYPE_TRACEPOINT, 0},
		{"raw_tracepoint/x", BPF_PROG_TYPE_RAW_TRACEPOINT, 0},
		{"raw_tp/x", BPF_PROG_TYPE_RAW_TRACEPOINT, 0},
		{"tp_btf/x", BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP},
		{"fentry/x", BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY},
		{"fexit/x", BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT},
		{"lsm/file_open", BPF_PROG_TYPE_LSM, BPF_LSM_MAC},
		{"cgroup_skb/ingress", BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS},
		{"cgroup_skb/egress", BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS},
		{"cgroup/connect4", BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT},
		{"sk_skb/stream_verdict", BPF_PROG_TYPE_SK_SKB, BPF_SK_SKB_STREAM_VERDICT},
		{"sk_skb", BPF_PROG_TYPE_SK_SKB, 0},
		{"sk_msg", BPF_PROG_TYPE_SK_MSG, BPF_SK_MSG_VERDICT},
		{"flow_dissector", BPF_PROG_TYPE_FLOW_DISSECTOR, BPF_FLOW_DISSECTOR},
		{"perf_event", BPF_PROG_TYPE_PERF_EVENT, 0},
		{"sockops", BPF_PROG_TYPE_SOCK_OPS, BPF_CGROUP_SOCK_OPS},
		{"struct_ops/x", BPF_PROG_TYPE_STRUCT_OPS, 0},
		{"seccomp", 0x7fff0001u, 0},
		{"xdp_pass", BPF_PROG_TYPE_XDP, BPF_XDP}, /* legacy prefix */
	};
	uint32_t t, a;

	printf("section names: prog and attach types\n");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		t = a = 0xdead;
		CHECK(elf_section_prog_type(cases[i].sec, &t, &a));
		if (t != cases[i].type || a != cases[i].attach)
			fprintf(stderr, "section %s: %u/%u\n", cases[i].sec, t, a);
		CHECK_EQ_U64(t, cases[i].type);
		CHECK_EQ_U64(a, cases[i].attach);
	}
	CHECK(!elf_section_prog_type("license", &t, &a));
	CHECK(!elf_section_prog_type(".data", &t, &a));
	CHECK(!elf_section_prog_type("", &t, &a));
}

/* Open a mutated object: success or a refusal with a message. */
static int try_open(const void *buf, size_t size)
{
	struct bpfvm_error err;
	struct elf_obj *o = NULL;
	int ret = elf_obj_open(buf, size, "mutant", &o, &err);

	if (ret) {
		CHECK(o == NULL);
		CHECK(ret < 0 && err.code == ret);
		CHECK(err.msg[0] != '\0');
	} else {
		CHECK(o != NULL);
		elf_obj_free(o);
	}
	return ret;
}

/* Byte offset of a section's contents and its header, via libelf. */
static bool find_section(void *buf, size_t size, const char *name, size_t *off, size_t *len)
{
	Elf *e;
	Elf_Scn *scn = NULL;
	size_t strndx;
	bool found = false;

	elf_version(EV_CURRENT);
	e = elf_memory(buf, size);
	if (!e || elf_getshdrstrndx(e, &strndx))
		return false;
	while (!found && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *n;
		if (!gelf_getshdr(scn, &sh))
			break;
		n = elf_strptr(e, strndx, sh.sh_name);
		if (n && !strcmp(n, name)) {
			*off = sh.sh_offset;
			*len = sh.sh_size;
			found = true;
		}
	}
	elf_end(e);
	return found;
}

static void test_corruption(const char *name)
{
	size_t size, off, len;
	uint8_t *orig = read_program(name, &size), *buf = malloc(size);
	uint32_t seed = 12345;
	size_t refused = 0, tries = 0;
	struct bpfvm_error err;
	struct elf_obj *o = NULL;

	printf("%s: truncations and byte flips are refused with a message\n", name);
	CHECK(buf);
	/* Truncation anywhere loses the section header table (at the end). */
	for (size_t cut = 0; cut < size; cut += cut < 256 ? 1 : 7) {
		memcpy(buf, orig, cut);
		CHECK(try_open(buf, cut) < 0);
	}
	/* Every byte of the ELF header, every byte of the section headers. */
	for (size_t i = 0; i < size; i++) {
		Elf64_Ehdr *eh = (Elf64_Ehdr *)orig;
		bool hdr = i < sizeof(Elf64_Ehdr) ||
			   (i >= eh->e_shoff && i < eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize);
		if (!hdr)
			continue;
		for (int v = 0; v < 3; v++) {
			memcpy(buf, orig, size);
			buf[i] = v == 0 ? 0xff : v == 1 ? (uint8_t)(buf[i] ^ 0x80) : (uint8_t)(buf[i] + 1);
			refused += try_open(buf, size) < 0;
			tries++;
		}
	}
	/* Random flips everywhere (code, relocations, BTF, .BTF.ext). */
	for (int k = 0; k < 3000; k++) {
		memcpy(buf, orig, size);
		for (int f = 0; f < 1 + k % 4; f++) {
			seed = seed * 1103515245u + 12345u;
			buf[(seed >> 8) % size] ^= (uint8_t)(1u << ((seed >> 4) % 8));
		}
		refused += try_open(buf, size) < 0;
		tries++;
	}
	printf("  %zu of %zu mutants refused, none crashed\n", refused, tries);

	/* Targeted: an unknown relocation type on code is named. */
	if (find_section(orig, size, ".reltc", &off, &len) && len >= 16) {
		memcpy(buf, orig, size);
		buf[off + 8] = 7; /* r_info's type byte */
		CHECK(elf_obj_open(buf, size, name, &o, &err) < 0);
		CHECK_STR_CONTAINS(err.msg, "section 'tc' offset");
		CHECK_STR_CONTAINS(err.msg, "relocation type 7");
	}
	free(buf);
	free(orig);
}

/* Every object of Debian's libxdp1 package: all programs, maps, BTF. */
static void test_libxdp(void)
{
	glob_t g;
	size_t loaded = 0, refused = 0;

	if (glob("/usr/lib/*/bpf/*.o", 0, NULL, &g)) {
		printf("libxdp objects: none installed, skipped\n");
		return;
	}
	printf("libxdp objects: %zu\n", g.gl_pathc);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct bpfvm_error err;
		struct elf_obj *o = NULL;
		size_t size;
		void *buf = read_file(g.gl_pathv[i], &size);
		size_t lines = 0, insns = 0;

		CHECK(buf);
		if (elf_obj_open(buf, size, g.gl_pathv[i], &o, &err)) {
			printf("  %s: refused: %s\n", g.gl_pathv[i], err.msg);
			CHECK_STR_CONTAINS(err.msg, "CO-RE"); /* the only expected refusal */
			refused++;
			free(buf);
			continue;
		}
		CHECK(o->n_progs > 0);
		CHECK(o->btf != NULL);
		for (size_t k = 0; k < o->n_progs; k++) {
			CHECK(o->progs[k].n_insns > 0);
			CHECK(o->progs[k].prog_type != 0);
			insns += o->progs[k].n_insns;
			lines += o->progs[k].n_lines;
		}
		CHECK(lines > 0);
		printf("  %s: %zu programs (%zu insns, %zu lines), %zu maps, license %s\n",
		       strrchr(g.gl_pathv[i], '/') + 1, o->n_progs, insns, lines, o->n_maps,
		       o->license);
		for (size_t k = 0; k < o->n_progs; k++)
			printf("    prog %s [%s] type %u, %zu insns, %zu funcs\n", o->progs[k].name,
			       o->progs[k].section, o->progs[k].prog_type, o->progs[k].n_insns,
			       o->progs[k].n_funcs);
		for (size_t k = 0; k < o->n_maps; k++)
			printf("    map %s type %u key %u value %u max %u origin %d\n", o->maps[k].name,
			       o->maps[k].type, o->maps[k].key_size, o->maps[k].value_size,
			       o->maps[k].max_entries, o->maps[k].origin);
		loaded++;
		elf_obj_free(o);
		free(buf);
	}
	printf("  %zu loaded, %zu refused (CO-RE)\n", loaded, refused);
	globfree(&g);
}

int main(void)
{
	test_section_names();
	test_btf_maps();
	test_legacy();
	test_iproute2();
	test_globals();
	test_core_refused();
	test_corruption("globals");
	test_corruption("btf_maps");
	test_corruption("legacy_maps");
	test_corruption("iproute2_maps");
	test_libxdp();
	CHECK_DONE();
}
