/*
 * test_llvm_objdump.c - bpfvm's LLVM syntax against llvm-objdump, on real
 * clang output.
 *
 * For each bench program: compile it exactly as the bench README says,
 * read every executable section with libelf, and compare, slot by slot,
 * bpfvm_disasm_insn(LLVM) with what `llvm-objdump -d --no-show-raw-insn`
 * prints (its " <LBB0_3>" target suffixes, symbol headers and relocation
 * lines are not instructions and are ignored). Then assemble llvm-objdump's
 * text, suffixes included, and check it gives back the section's bytes.
 * Exit 0 on success, 1 on a difference, 77 (skip) without the tools.
 */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpfvm.h"

#define SKIP 77

static const char *const programs[] = {
	"empty", "arith", "primes", "csum", "parse", "memops",
	"bsort", "fsm",   "bits",   "map_hash", "map_array",
};

static int failures;
static size_t compared;

/* One instruction line of llvm-objdump's output. */
struct dump_line {
	char *section;
	size_t slot;
	char *text; /* as printed, with any " <LBB0_3>" suffix */
};

struct dump {
	struct dump_line *v;
	size_t n, cap;
};

static void dump_free(struct dump *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].section);
		free(d->v[i].text);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

static void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (!p) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	return p;
}

/* Text without llvm-objdump's trailing " <target>" and trailing blanks. */
static void strip_suffix(const char *in, char *out, size_t size)
{
	snprintf(out, size, "%s", in);
	size_t len = strlen(out);
	while (len && (out[len - 1] == ' ' || out[len - 1] == '\t'))
		out[--len] = '\0';
	char *lt = strrchr(out, '<');
	if (len && out[len - 1] == '>' && lt && lt > out && lt[-1] == ' ' &&
	    !strchr(lt, ' '))
		lt[-1] = '\0';
}

/* Parse llvm-objdump output: "Disassembly of section S:" and "  12:\tTEXT". */
static int run_objdump(const char *obj, struct dump *d)
{
	char cmd[4096], line[1024], section[256] = "";
	snprintf(cmd, sizeof(cmd), "'%s' -d --no-show-raw-insn '%s'", BPFVM_LLVM_OBJDUMP, obj);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	while (fgets(line, sizeof(line), p)) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "Disassembly of section %255[^:]:", section) == 1)
			continue;
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		char *end;
		unsigned long slot = strtoul(s, &end, 10);
		if (end == s || *end != ':' || strstr(end, "R_BPF"))
			continue; /* header, blank, symbol or relocation line */
		s = end + 1;
		while (*s == ' ' || *s == '\t')
			s++;
		if (d->n == d->cap) {
			d->cap = d->cap ? 2 * d->cap : 256;
			d->v = xrealloc(d->v, d->cap * sizeof(*d->v));
		}
		d->v[d->n++] = (struct dump_line){ xstrdup(section), slot, xstrdup(s) };
	}
	return pclose(p) == 0 ? 0 : -1;
}

static const struct dump_line *find(const struct dump *d, const char *section, size_t slot)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].slot == slot && !strcmp(d->v[i].section, section))
			return &d->v[i];
	return NULL;
}

static void fail(const char *prog, const char *section, size_t slot, const char *what,
		 const char *ours, const char *theirs)
{
	failures++;
	if (failures <= 50)
		fprintf(stderr, "FAIL %s [%s] slot %zu: %s\n    bpfvm:        %s\n    llvm-objdump: %s\n",
			prog, section, slot, what, ours, theirs);
}

/* Compare one executable section: disassembly, then the round trip. */
static void check_section(const char *prog, const char *section, const struct bpfvm_insn *insns,
			  size_t n, const struct dump *d)
{
	BPFVM_OPTS(bpfvm_disasm_opts, dopts, .syntax = BPFVM_SYNTAX_LLVM);
	char ours[512], theirs[512];
	size_t lines = 0;

	for (size_t pc = 0; pc < n;) {
		const struct dump_line *l = find(d, section, pc);
		int used = bpfvm_disasm_insn(insns, n, pc, &dopts, ours, sizeof(ours));
		if (!l) {
			fail(prog, section, pc, "llvm-objdump printed nothing here", ours, "(none)");
			pc++;
			continue;
		}
		lines++;
		strip_suffix(l->text, theirs, sizeof(theirs));
		compared++;
		if (used < 0)
			fail(prog, section, pc, "bpfvm could not disassemble it", ours, theirs);
		else if (strcmp(ours, theirs))
			fail(prog, section, pc, "texts differ", ours, theirs);
		if (used == 2 && find(d, section, pc + 1))
			fail(prog, section, pc + 1, "llvm-objdump sees an instruction inside ld_imm64",
			     "(second slot)", find(d, section, pc + 1)->text);
		pc += used > 0 ? (size_t)used : 1;
	}
	size_t total = 0;
	for (size_t i = 0; i < d->n; i++)
		total += !strcmp(d->v[i].section, section);
	if (total != lines)
		fail(prog, section, n, "llvm-objdump has lines at slots bpfvm never reached", "", "");

	/* Round trip: llvm-objdump's text, as printed, assembles to the bytes. */
	char *text = NULL;
	size_t len = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (strcmp(d->v[i].section, section))
			continue;
		size_t k = strlen(d->v[i].text);
		text = xrealloc(text, len + k + 2);
		memcpy(text + len, d->v[i].text, k);
		len += k;
		text[len++] = '\n';
	}
	BPFVM_OPTS(bpfvm_asm_opts, aopts, .syntax = BPFVM_SYNTAX_LLVM, .filename = prog);
	struct bpfvm_insn *again = NULL;
	size_t n_again = 0;
	struct bpfvm_error err;
	if (bpfvm_asm(text ? text : "", len, &aopts, &again, &n_again, &err)) {
		char msg[512];
		bpfvm_error__format(&err, msg, sizeof(msg));
		fail(prog, section, 0, "llvm-objdump's text does not assemble", msg, "");
	} else if (n_again != n || memcmp(again, insns, n * sizeof(*insns))) {
		size_t at = 0;
		while (at < n && at < n_again && !memcmp(&again[at], &insns[at], sizeof(*insns)))
			at++;
		fail(prog, section, at, "assembling llvm-objdump's text gives other bytes", "", "");
	}
	free(again);
	free(text);
}

static int check_program(const char *prog)
{
	char src[1024], obj[1024], cmd[4096];
	snprintf(src, sizeof(src), "%s/%s.c", BPFVM_BENCH_DIR, prog);
	snprintf(obj, sizeof(obj), "%s/%s.o", BPFVM_OUT_DIR, prog);
	snprintf(cmd, sizeof(cmd),
		 "'%s' -O2 -g -target bpf -mcpu=v3 -I/usr/include/%s %s -c '%s' -o '%s'",
		 BPFVM_CLANG, BPFVM_MULTIARCH, strcmp(prog, "memops") ? "" : "-fno-builtin", src,
		 obj);
	if (system(cmd) != 0) {
		fprintf(stderr, "FAIL %s: compiling failed: %s\n", prog, cmd);
		failures++;
		return -1;
	}

	struct dump d = { 0 };
	if (run_objdump(obj, &d)) {
		fprintf(stderr, "FAIL %s: llvm-objdump failed\n", prog);
		failures++;
		dump_free(&d);
		return -1;
	}

	int fd = open(obj, O_RDONLY);
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	size_t shstrndx;
	if (!elf || elf_getshdrstrndx(elf, &shstrndx)) {
		fprintf(stderr, "FAIL %s: cannot read %s as ELF\n", prog, obj);
		failures++;
	} else {
		int sections = 0;
		for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
			GElf_Shdr sh;
			if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
			    !(sh.sh_flags & SHF_EXECINSTR) || sh.sh_size == 0)
				continue;
			const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
			Elf_Data *data = elf_getdata(scn, NULL);
			if (!name || !data || data->d_size % sizeof(struct bpfvm_insn)) {
				fprintf(stderr, "FAIL %s: bad section\n", prog);
				failures++;
				continue;
			}
			/* Copy: the section data need not be aligned for bpfvm_insn. */
			size_t n = data->d_size / sizeof(struct bpfvm_insn);
			struct bpfvm_insn *insns = xrealloc(NULL, data->d_size);
			memcpy(insns, data->d_buf, data->d_size);
			check_section(prog, name, insns, n, &d);
			free(insns);
			sections++;
		}
		if (!sections) {
			fprintf(stderr, "FAIL %s: no executable section\n", prog);
			failures++;
		}
	}
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	dump_free(&d);
	return 0;
}

int main(void)
{
	if (!BPFVM_CLANG[0] || !BPFVM_LLVM_OBJDUMP[0]) {
		printf("SKIP: clang or llvm-objdump was not found when configuring "
		       "(clang: '%s', llvm-objdump: '%s')\n", BPFVM_CLANG, BPFVM_LLVM_OBJDUMP);
		return SKIP;
	}
	if (access(BPFVM_BENCH_DIR "/arith.c", R_OK)) {
		printf("SKIP: bench programs not found in %s\n", BPFVM_BENCH_DIR);
		return SKIP;
	}
	if (elf_version(EV_CURRENT) == EV_NONE) {
		fprintf(stderr, "libelf: %s\n", elf_errmsg(-1));
		return 1;
	}
	for (size_t i = 0; i < sizeof(programs) / sizeof(programs[0]); i++)
		check_program(programs[i]);
	printf("%s: %zu programs, %zu instructions compared with llvm-objdump, %d failures\n",
	       __FILE__, sizeof(programs) / sizeof(programs[0]), compared, failures);
	return failures ? 1 : 0;
}
