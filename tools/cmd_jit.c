/*
 * cmd_jit.c - `bpfvm jit`: compile programs with the JIT, report the code
 * size and compile time, and with --dump print the x86-64 code under the
 * BPF instruction it came from (and its source line, from BTF line info).
 *
 * The library gives the code and each instruction's offset in it
 * (bpfvm_prog__jit_info); the BPF side is the project's own disassembler,
 * the x86 side capstone (jit_disasm.c), which only the tool links.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "jit_disasm.h"
#include "json.h"
#include "object_args.h"
#include "prog/prog.h"
#include "tool.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: bpfvm jit [OPTIONS] OBJ [PROG]\n"
		   "       bpfvm jit [OPTIONS] PROGRAM\n"
		   "       bpfvm jit [OPTIONS] -e 'ASSEMBLY'\n\n"
		   "Compile programs to x86-64 machine code with the JIT and print, for each,\n"
		   "its BPF instructions, code bytes and compile time (instructions/s). With\n"
		   "--dump, also the machine code under each BPF instruction it came from,\n"
		   "with the source line above it where the object has BTF line info.\n\n"
		   "OBJ is an ELF object (clang -target bpf): every program is verified as its\n"
		   "section's type, then compiled; PROG (a name or a section) picks one,\n"
		   "default all. PROGRAM is assembly text, raw instruction bytes or hex ('-'\n"
		   "for stdin), verified as the raw type: r1 points to --ctx-size bytes.\n\n"
		   "Options:\n"
		   "  -d, --dump          print the code, interleaved with the BPF instructions\n"
		   "  -j, --json          JSON output\n"
		   "  -p, --pretty        pretty JSON (implies -j)\n"
		   "  -s, --syntax S      BPF syntax: llvm (default) or ubpf\n"
		   "      --att           x86 in AT&T syntax (default: Intel)\n"
		   "  -f, --format F      PROGRAM format: auto (default), asm, raw, hex\n"
		   "  -e, --expr TEXT     the program as inline assembly text\n"
		   "  -c, --ctx-size N    bytes at r1 for PROGRAM (default 0)\n"
		   "  -U, --unverified    compile PROGRAM as given, without the verifier\n"
		   "                      (to see the code for a program it refuses)\n"
		   "      --harden        constant blinding: each immediate is loaded as\n"
		   "                      imm ^ key, then xor key (a random key per\n"
		   "                      instruction), never as itself\n"
		   "  -h, --help          show this help\n\n"
		   "Exit status: 0 when every program was compiled, 1 when one was refused\n"
		   "(by the verifier, or by the JIT: it then runs in the interpreter, and the\n"
		   "reason is printed) or cannot be read, 2 on wrong usage.\n");
}

struct jit_args {
	bool dump, json, pretty, att, unverified, raw_only, harden;
	uint32_t ctx_size;
	enum bpfvm_syntax syntax;
	enum tool_format format;
	const char *expr, *path, *name;
};

/* Where a program came from, for headers, source lines and map names:
 * an object's program idx, or (obj NULL) the PROGRAM given. */
struct origin {
	const struct bpfvm_object *obj;
	size_t idx;
	const char *name;
};

/* ---- printing machine code ---- */

struct x86_out {
	struct json *j; /* or text */
};

static void hex_bytes(char *buf, size_t size, const uint8_t *bytes, size_t n)
{
	size_t at = 0;
	buf[0] = 0;
	for (size_t i = 0; i < n && at + 4 < size; i++)
		at += (size_t)snprintf(buf + at, size - at, "%s%02x", i ? " " : "", bytes[i]);
}

static void print_x86(void *ctx, size_t off, const uint8_t *bytes, size_t n, const char *text)
{
	const struct x86_out *o = ctx;
	char hex[64];
	hex_bytes(hex, sizeof(hex), bytes, n);
	if (o->j) {
		json_obj_begin(o->j);
		json_key(o->j, "offset"), json_u64(o->j, off);
		json_key(o->j, "bytes"), json_str(o->j, hex);
		json_key(o->j, "asm"), json_str(o->j, text);
		json_obj_end(o->j);
	} else {
		printf("        %04zx:  %-30s %s\n", off, hex, text);
	}
}

static void x86_range(struct jit_disasm *dis, const struct bpfvm_jit_info *ji, size_t start,
		      size_t end, struct json *j)
{
	struct x86_out o = { .j = j };
	if (j)
		json_arr_begin(j);
	if (start < end)
		jit_disasm_range(dis, ji->code, start, end, print_x86, &o);
	if (j)
		json_arr_end(j);
}

/* ---- one program ---- */

static void print_source(const struct bpfvm_source_line *src, struct json *j)
{
	const char *t = src->text ? src->text : "";
	if (j) {
		json_key(j, "src"), json_obj_begin(j);
		json_key(j, "file"), json_str(j, src->file ? src->file : "");
		json_key(j, "line"), json_u64(j, src->line);
		json_key(j, "column"), json_u64(j, src->column);
		json_key(j, "text"), json_str(j, t);
		json_obj_end(j);
		return;
	}
	while (*t == ' ' || *t == '\t')
		t++;
	/* as `bpfvm prog dump` prints it */
	printf("; %s%s%s:%u:%u\n", t, *t ? " @ " : "", src->file ? src->file : "?", src->line,
	       src->column);
}

/* The BPF instructions with their code under each. */
static void dump_listing(const struct jit_args *a, struct jit_disasm *dis,
			 const struct origin *org, const struct bpfvm_prog *prog,
			 const struct bpfvm_jit_info *ji, struct json *j)
{
	const struct bpfvm_insn *insns = bpfvm_prog__insns(prog);
	size_t n = bpfvm_prog__insn_cnt(prog);
	BPFVM_OPTS(bpfvm_disasm_opts, dopts, .syntax = a->syntax);
	char text[256];

	if (j) {
		json_key(j, "entry");
	} else {
		printf("\n      ; entry, epilogue and exits\n");
	}
	x86_range(dis, ji, 0, ji->insn_off[0], j);
	if (j)
		json_key(j, "listing"), json_arr_begin(j);
	for (size_t pc = 0; pc < n;) {
		int used = bpfvm_disasm_insn(insns, n, pc, &dopts, text, sizeof(text));
		size_t next = pc + (used > 0 ? (size_t)used : 1);
		if (next > n)
			next = n;
		const struct bpfvm_source_line *src =
			org->obj ? bpfvm_object__prog_line(org->obj, org->idx, pc) : NULL;
		long map = org->obj ? bpfvm_object__insn_map(org->obj, org->idx, pc) : -1;
		const char *map_name = map >= 0 ? bpfvm_object__map_name(org->obj, (size_t)map) : NULL;
		if (j) {
			json_obj_begin(j);
			json_key(j, "pc"), json_u64(j, pc);
			json_key(j, "bpf"), json_str(j, text);
			if (map_name)
				json_key(j, "map"), json_str(j, map_name);
			if (src)
				print_source(src, j);
			json_key(j, "x86");
		} else {
			if (src)
				print_source(src, NULL);
			printf("%5zu: %s%s%s\n", pc, text, map_name ? " ; " : "",
			       map_name ? map_name : "");
		}
		x86_range(dis, ji, ji->insn_off[pc], ji->insn_off[next], j);
		if (j)
			json_obj_end(j);
		pc = next;
	}
	if (j)
		json_arr_end(j);
	else
		printf("\n");
}

/* Report (and with --dump, list) prog. Returns 0, or -1 when it has no
 * machine code (the reason printed). */
static int report(const struct jit_args *a, struct jit_disasm *dis, const struct origin *org,
		  const struct bpfvm_prog *prog, struct json *j)
{
	BPFVM_OPTS(bpfvm_jit_info, ji);
	int rc = bpfvm_prog__jit_info(prog, &ji);
	const char *reason = bpfvm_prog__fallback_reason(prog);
	size_t n = bpfvm_prog__insn_cnt(prog);
	double per_sec = ji.compile_ns ? (double)n * 1e9 / (double)ji.compile_ns : 0;
	const char *section = org->obj ? bpfvm_object__prog_section(org->obj, org->idx) : NULL;
	const char *type = org->obj ? bpfvm_prog_type_name(bpfvm_object__prog_type(org->obj,
										     org->idx))
				    : NULL;
	if (j) {
		json_obj_begin(j);
		json_key(j, "name"), json_str(j, org->name);
		if (section)
			json_key(j, "section"), json_str(j, section);
		if (org->obj)
			json_key(j, "type"), json_str(j, type ? type : "unknown");
		json_key(j, "insns"), json_u64(j, n);
		json_key(j, "engine"), json_str(j, rc ? "interpreter" : "jit");
		if (rc) {
			json_key(j, "fallback_reason"), json_str(j, reason ? reason : "");
		} else {
			json_key(j, "arch"), json_str(j, ji.arch);
			json_key(j, "code_bytes"), json_u64(j, ji.code_len);
			json_key(j, "compile_ns"), json_u64(j, ji.compile_ns);
			json_key(j, "insns_per_sec"), json_u64(j, (uint64_t)(per_sec + 0.5));
			json_key(j, "passes"), json_u64(j, ji.passes);
			if (a->dump)
				dump_listing(a, dis, org, prog, &ji, j);
		}
		json_obj_end(j);
	} else if (!rc) {
		printf("%s", org->name);
		if (section)
			printf(" (section %s, %s)", section, type ? type : "unknown");
		printf(": %zu BPF insns -> %zu bytes of %s code in %.3f ms (%.2f M insns/s, "
		       "%u layout passes)\n", n, ji.code_len, ji.arch, (double)ji.compile_ns / 1e6,
		       per_sec / 1e6, ji.passes);
		if (a->dump)
			dump_listing(a, dis, org, prog, &ji, NULL);
	}
	if (rc)
		fprintf(stderr, "bpfvm jit: program '%s' was not compiled (it runs in the "
			"interpreter): %s\n", org->name, reason ? reason : "no machine code");
	return rc ? -1 : 0;
}

/* ---- inputs ---- */

static int jit_object(const struct jit_args *a, struct jit_disasm *dis, struct json *j)
{
	struct tool_object o;
	int ret = TOOL_EXIT_FAIL;
	/* Verified first, as everywhere in the tool; a program the JIT does
	 * not take falls back, so the others can still be shown. */
	BPFVM_OPTS(bpfvm_object_opts, oo, .engine = BPFVM_ENGINE_JIT,
		   .allow_fallback = true, .harden = a->harden);
	if (tool_object_open_opts(&cmd_jit, a->path, &oo, true, &o))
		goto out;
	size_t shown = 0, failed = 0;
	if (j)
		json_arr_begin(j);
	for (size_t i = 0; i < bpfvm_object__prog_cnt(o.obj); i++) {
		const char *name = bpfvm_object__prog_name(o.obj, i);
		if (a->name && strcmp(a->name, name) &&
		    strcmp(a->name, bpfvm_object__prog_section(o.obj, i)))
			continue;
		struct origin org = { .obj = o.obj, .idx = i, .name = name };
		if (report(a, dis, &org, bpfvm_object__prog(o.obj, i), j))
			failed++;
		shown++;
	}
	if (j) {
		json_arr_end(j);
		json_end(j);
	}
	if (a->name && !shown) {
		fprintf(stderr, "bpfvm jit: no program or section named '%s' in %s\n", a->name,
			a->path);
		goto out;
	}
	if (!shown) {
		fprintf(stderr, "bpfvm jit: %s has no programs\n", a->path);
		goto out;
	}
	ret = failed ? TOOL_EXIT_FAIL : TOOL_EXIT_OK;
out:
	tool_object_close(&o);
	return ret;
}

static int jit_program(const struct jit_args *a, struct jit_disasm *dis, struct json *j)
{
	struct bpfvm_insn *insns = NULL;
	size_t n = 0;
	struct bpfvm_vm *vm = NULL;
	struct bpfvm_prog *prog = NULL;
	struct bpfvm_error err;
	int ret = TOOL_EXIT_FAIL;

	if (a->expr ? tool_load_insns(cmd_jit.name, a->path, a->expr, strlen(a->expr),
				      a->format == TOOL_FORMAT_AUTO ? TOOL_FORMAT_ASM : a->format,
				      BPFVM_SYNTAX_AUTO, &insns, &n)
		    : tool_read_program(&cmd_jit, a->path, a->format, BPFVM_SYNTAX_AUTO, &insns, &n))
		goto out;
	vm = bpfvm_vm__new(NULL);
	if (!vm) {
		fprintf(stderr, "bpfvm jit: %s\n", strerror(errno));
		goto out;
	}
	/* No fallback: the load error names the instruction the verifier or
	 * the JIT does not take. */
	BPFVM_OPTS(bpfvm_load_opts, lo, .name = a->path, .engine = BPFVM_ENGINE_JIT,
		   .ctx_size = a->ctx_size, .unverified = a->unverified, .harden = a->harden);
	/* --unverified: compiled to be shown, never run */
	if ((a->unverified ? prog_load_trusted : bpfvm_prog__load)(vm, insns, n, &lo, &prog, &err)) {
		tool_print_error(cmd_jit.name, &err);
		goto out;
	}
	struct origin org = { .name = a->path };
	if (j)
		json_arr_begin(j);
	int rc = report(a, dis, &org, prog, j);
	if (j) {
		json_arr_end(j);
		json_end(j);
	}
	ret = rc ? TOOL_EXIT_FAIL : TOOL_EXIT_OK;
out:
	bpfvm_prog__free(prog);
	bpfvm_vm__free(vm);
	free(insns);
	return ret;
}

/* ---- options ---- */

/* Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct jit_args *a)
{
	enum { OPT_ATT = 0x100, OPT_HARDEN };
	static const struct option longopts[] = {
		{ "dump", no_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "syntax", required_argument, NULL, 's' },
		{ "att", no_argument, NULL, OPT_ATT },
		{ "harden", no_argument, NULL, OPT_HARDEN },
		{ "format", required_argument, NULL, 'f' },
		{ "expr", required_argument, NULL, 'e' },
		{ "ctx-size", required_argument, NULL, 'c' },
		{ "unverified", no_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "djps:f:e:c:Uh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a->dump = true;
			break;
		case 'j':
			a->json = true;
			break;
		case 'p':
			a->json = a->pretty = true;
			break;
		case 's':
			if (tool_opt_syntax(&cmd_jit, optarg, 0, &a->syntax))
				return TOOL_EXIT_USAGE;
			break;
		case OPT_ATT:
			a->att = true;
			break;
		case OPT_HARDEN:
			a->harden = true;
			break;
		case 'f':
			if (tool_opt_format(&cmd_jit, optarg, &a->format))
				return TOOL_EXIT_USAGE;
			break;
		case 'e':
			a->expr = optarg;
			break;
		case 'c':
			if (tool_opt_ctx_size(&cmd_jit, optarg, &a->ctx_size))
				return TOOL_EXIT_USAGE;
			a->raw_only = true;
			break;
		case 'U':
			a->unverified = a->raw_only = true;
			break;
		default:
			return tool_help_or_usage(&cmd_jit, c);
		}
	}
	int left = argc - optind;
	if (a->expr) {
		if (left)
			return tool_usage_error(&cmd_jit, "-e takes the program; no files then");
		a->path = "<expr>";
		return -1;
	}
	if (left < 1 || left > 2)
		return tool_usage_error(&cmd_jit, "expected OBJ [PROG], PROGRAM or -e 'ASSEMBLY'");
	a->path = argv[optind];
	a->name = left == 2 ? argv[optind + 1] : NULL;
	return -1;
}

static int main_jit(int argc, char **argv)
{
	struct jit_args a = { .syntax = BPFVM_SYNTAX_LLVM, .format = TOOL_FORMAT_AUTO };
	int ret = parse_args(argc, argv, &a);
	if (ret >= 0)
		return ret;
	int elf = a.expr ? 0 : tool_is_elf(a.path);
	if (elf < 0) {
		fprintf(stderr, "bpfvm jit: cannot open '%s': %s\n", a.path, strerror(errno));
		return TOOL_EXIT_FAIL;
	}
	if (elf && (a.format != TOOL_FORMAT_AUTO || a.raw_only))
		return tool_usage_error(&cmd_jit, "%s is an object: --format, --ctx-size and "
					"--unverified do not apply", a.path);
	if (!elf && a.name)
		return tool_usage_error(&cmd_jit, "%s is not an ELF object: PROG names a program "
					"of an object", a.path);
	struct jit_disasm *dis = NULL;
	if (a.dump) {
		const char *why = "";
		dis = jit_disasm_new(a.att, &why);
		if (!dis) {
			fprintf(stderr, "bpfvm jit: cannot open the x86 disassembler: %s\n", why);
			return TOOL_EXIT_FAIL;
		}
	}
	struct json j;
	json_init(&j, stdout, a.pretty);
	ret = elf ? jit_object(&a, dis, a.json ? &j : NULL) : jit_program(&a, dis, a.json ? &j : NULL);
	jit_disasm_free(dis);
	return ret;
}

const struct tool_cmd cmd_jit = { "jit", "compile programs to x86-64 and show the machine code",
				  main_jit, usage };
