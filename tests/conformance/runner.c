/*
 * runner.c - bpfvm's conformance test runner.
 *
 * Runs bpf_conformance .data files through the assembler and the
 * interpreter (in-process, or through a plugin executable the way the
 * bpf_conformance project drives runtimes) and checks r0 against
 * "-- result" and failures against "-- error". A file without a program,
 * a wrong result, or an expected error that does not happen is a failure:
 * never a silent pass.
 *
 * Modes (--expect):
 *   pass     every file must pass (the 313 tests)
 *   refused  every file must be refused by the assembler or the decoder,
 *            with a located message (the negative unused-/invalid_ files)
 *   fail     every file must be reported as not passing (the runner checks)
 * --roundtrip additionally checks assemble -> disassemble -> assemble in
 * both syntaxes gives identical bytes.
 */
#include <stdarg.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datafile.h"
#include "harness.h"
#include "plugin_client.h"

enum expect { EXPECT_PASS, EXPECT_REFUSED, EXPECT_FAIL };

enum outcome {
	OUT_PASS,
	OUT_FAIL,    /* ran, or should have failed, and the check did not hold */
	OUT_REFUSED, /* refused before running: data file, assembler, decoder */
};

struct verdict {
	enum outcome outcome;
	bool located;      /* the refusal named file:line:column or an insn */
	char reason[512];
};

struct runner {
	enum expect expect;
	bool roundtrip;
	bool verbose;
	const char *plugin;
	const char *plugin_args[8]; /* --plugin-arg, in order */
	size_t n_plugin_args;
	int jit_native, jit_fallback; /* "engine:" notes the plugin printed */
	struct bpfvm_vm *vm;
	int files, ok, roundtrips;
};

static int verdictf(struct verdict *v, enum outcome o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int verdictf(struct verdict *v, enum outcome o, const char *fmt, ...)
{
	va_list ap;
	v->outcome = o;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
	return 0;
}

static void refused(struct verdict *v, const char *stage, const struct bpfvm_error *err)
{
	char where[BPFVM_ERR_MSG_MAX + BPFVM_ERR_FILE_MAX + 32];
	bpfvm_error__format(err, where, sizeof(where));
	v->located = err->line > 0 || err->insn >= 0;
	verdictf(v, OUT_REFUSED, "%s refused it: %s", stage, where);
}

static bool contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return true;
	return !n;
}

/* The program's slots: assembled from "-- asm", or "-- raw" (which must then
 * agree with the assembly). *insns is malloc()ed. */
static int program_of(const struct datafile *df, struct bpfvm_insn **insns, size_t *n,
		      struct verdict *v)
{
	struct bpfvm_error err;
	*insns = NULL;
	*n = 0;
	if (df->asm_text) {
		BPFVM_OPTS(bpfvm_asm_opts, opts, .filename = df->path);
		if (bpfvm_asm(df->asm_text, df->asm_len, &opts, insns, n, &err)) {
			refused(v, "the assembler", &err);
			return -1;
		}
	}
	if (df->raw) {
		if (*insns && (*n != df->n_raw || memcmp(*insns, df->raw, *n * sizeof(**insns)))) {
			verdictf(v, OUT_FAIL, "-- asm assembles to %zu slots that differ from -- raw",
				 *n);
			free(*insns);
			*insns = NULL;
			return -1;
		}
		if (!*insns) {
			*insns = malloc(df->n_raw * sizeof(**insns) + 1);
			if (!*insns)
				return verdictf(v, OUT_FAIL, "out of memory"), -1;
			memcpy(*insns, df->raw, df->n_raw * sizeof(**insns));
			*n = df->n_raw;
		}
	}
	if (!df->asm_text && !df->raw) {
		verdictf(v, OUT_FAIL, "no program: the file has neither -- asm nor -- raw");
		return -1;
	}
	return 0;
}

/* Disassemble in syntax, reassemble, compare. Returns 0 when identical. */
struct text {
	char *p;
	size_t len, cap;
};

static void text_line(void *ctx, size_t pc, const char *line)
{
	struct text *t = ctx;
	size_t need = t->len + strlen(line) + 2;
	(void)pc;
	if (need > t->cap) {
		size_t cap = need * 2;
		char *p = realloc(t->p, cap);
		if (!p)
			return;
		t->p = p;
		t->cap = cap;
	}
	t->len += (size_t)sprintf(t->p + t->len, "%s\n", line);
}

static int roundtrip(const struct datafile *df, const struct bpfvm_insn *insns, size_t n,
		     struct verdict *v)
{
	static const struct {
		enum bpfvm_syntax out, in;
		const char *name;
	} ways[] = {
		{ BPFVM_SYNTAX_UBPF, BPFVM_SYNTAX_UBPF, "ubpf" },
		{ BPFVM_SYNTAX_LLVM, BPFVM_SYNTAX_LLVM, "llvm" },
		{ BPFVM_SYNTAX_LLVM, BPFVM_SYNTAX_AUTO, "llvm read back with auto" },
		{ BPFVM_SYNTAX_UBPF, BPFVM_SYNTAX_AUTO, "ubpf read back with auto" },
	};
	for (size_t w = 0; w < sizeof(ways) / sizeof(ways[0]); w++) {
		struct text t = { 0 };
		struct bpfvm_error err;
		struct bpfvm_insn *again = NULL;
		size_t n_again = 0;
		BPFVM_OPTS(bpfvm_disasm_opts, dopts, .syntax = ways[w].out);
		BPFVM_OPTS(bpfvm_asm_opts, aopts, .syntax = ways[w].in, .filename = df->path);
		int ret = bpfvm_disasm(insns, n, &dopts, text_line, &t, &err);
		if (!ret && !t.p)
			ret = -ENOMEM;
		if (!ret)
			ret = bpfvm_asm(t.p, t.len, &aopts, &again, &n_again, &err);
		if (!ret && (n_again != n || memcmp(again, insns, n * sizeof(*insns)))) {
			size_t i = 0;
			while (i < n && i < n_again && !memcmp(&again[i], &insns[i], sizeof(*insns)))
				i++;
			verdictf(v, OUT_FAIL, "round trip (%s) differs at slot %zu", ways[w].name, i);
			ret = -1;
		} else if (ret) {
			char msg[600];
			bpfvm_error__format(&err, msg, sizeof(msg));
			verdictf(v, OUT_FAIL, "round trip (%s) failed: %s", ways[w].name, msg);
		}
		free(t.p);
		free(again);
		if (ret)
			return -1;
	}
	return 0;
}

static void judge(struct runner *r, const char *path, struct verdict *v)
{
	struct datafile df;
	struct bpfvm_error err;
	struct bpfvm_insn *insns = NULL;
	size_t n = 0;
	uint64_t r0 = 0;
	int ret;

	memset(v, 0, sizeof(*v));
	if (datafile_read(path, &df, &err)) {
		refused(v, "the data file parser", &err);
		goto out;
	}
	if (!df.has_result && !df.has_error) {
		verdictf(v, OUT_FAIL, "no -- result or -- error section to check against");
		goto out;
	}
	if (program_of(&df, &insns, &n, v))
		goto expected_error;
	if (r->roundtrip && df.asm_text && roundtrip(&df, insns, n, v))
		goto out;
	if (r->plugin) {
		char msg[BPFVM_ERR_MSG_MAX];
		char note[256];
		struct plugin_extra extra = { r->plugin_args, r->n_plugin_args, note,
					      sizeof(note) };
		ret = plugin_run(r->plugin, insns, n, df.mem, df.mem_len, &r0, msg, sizeof(msg),
				 &extra);
		if (!ret && !strcmp(note, "engine: jit"))
			r->jit_native++;
		else if (!ret && !strncmp(note, "engine: interpreter", 19)) {
			r->jit_fallback++;
			if (r->verbose)
				printf("%s: %s\n", path, note);
		}
		if (ret) {
			verdictf(v, OUT_FAIL, "plugin failed: %s", msg);
			goto expected_error;
		}
	} else {
		bool at_load;
		/* the vectors as given: some break a verifier rule on purpose
		 * (the plugin's --verify runs them verified) */
		BPFVM_OPTS(bpfvm_load_opts, lo, .unverified = true);
		ret = harness_run(r->vm, insns, n, &lo, false, df.mem, df.mem_len, &r0, &at_load, NULL, 0,
				  &err);
		if (ret) {
			refused(v, at_load ? "the loader" : "the run", &err);
			if (!at_load)
				v->outcome = OUT_FAIL;
			goto expected_error;
		}
	}
	if (df.has_error)
		verdictf(v, OUT_FAIL, "expected the error \"%s\", but the program ran and returned 0x%" PRIx64,
			 df.error, r0);
	else if (r0 != df.result)
		verdictf(v, OUT_FAIL, "r0 is 0x%" PRIx64 ", expected 0x%" PRIx64, r0, df.result);
	else
		verdictf(v, OUT_PASS, "r0 = 0x%" PRIx64, r0);
	goto out;

expected_error:
	/* The program failed; that passes only when the file expects it. */
	if (df.has_error && !df.has_result && contains_nocase(v->reason, df.error) &&
	    r->expect == EXPECT_PASS) {
		v->outcome = OUT_PASS;
	}
out:
	free(insns);
	datafile_free(&df);
}

static const char *outcome_name[] = { "PASS", "FAIL", "REFUSED" };

static void run_file(struct runner *r, const char *path)
{
	struct verdict v;
	bool good;
	judge(r, path, &v);
	r->files++;
	switch (r->expect) {
	case EXPECT_PASS:
		good = v.outcome == OUT_PASS;
		break;
	case EXPECT_REFUSED:
		/* Refused before running, and told where. */
		good = v.outcome == OUT_REFUSED && v.located;
		break;
	default:
		good = v.outcome != OUT_PASS;
		break;
	}
	if (good)
		r->ok++;
	if (!good || r->verbose || r->expect != EXPECT_PASS)
		printf("%s%s %s: %s\n", good ? "" : "UNEXPECTED ", outcome_name[v.outcome], path,
		       v.reason);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(struct runner *r, const char *path)
{
	DIR *dir = opendir(path);
	if (!dir) {
		if (errno != ENOTDIR) {
			fprintf(stderr, "bpfvm-conformance: %s: %s\n", path, strerror(errno));
			return -1;
		}
		run_file(r, path);
		return 0;
	}
	char **names = NULL;
	size_t count = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(dir))) {
		size_t len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".data"))
			continue;
		if (count == cap) {
			cap = cap ? 2 * cap : 64;
			char **p = realloc(names, cap * sizeof(*names));
			if (!p)
				break;
			names = p;
		}
		if (asprintf(&names[count], "%s/%s", path, de->d_name) < 0)
			break;
		count++;
	}
	closedir(dir);
	qsort(names, count, sizeof(*names), cmp_str);
	for (size_t i = 0; i < count; i++) {
		run_file(r, names[i]);
		free(names[i]);
	}
	free(names);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bpfvm-conformance [OPTIONS] PATH...\n\n"
		   "Run bpf_conformance .data files (or folders of them).\n\n"
		   "  -e, --expect E    pass (default): every file passes\n"
		   "                    refused: every file is refused, with a location\n"
		   "                    fail: every file is reported as not passing\n"
		   "  -r, --roundtrip   also check asm -> disasm -> asm in both syntaxes\n"
		   "  -p, --plugin EXE  run programs through a conformance plugin\n"
		   "  -a, --plugin-arg ARG  pass ARG to the plugin (repeatable: --jit,\n"
		   "                    --no-fallback, --report-engine)\n"
		   "  -n, --count N     expect exactly N files\n"
		   "  -v, --verbose     print every file, not only failures\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "expect", required_argument, NULL, 'e' },
		{ "roundtrip", no_argument, NULL, 'r' },
		{ "plugin", required_argument, NULL, 'p' },
		{ "plugin-arg", required_argument, NULL, 'a' },
		{ "count", required_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct runner r = { .expect = EXPECT_PASS };
	long count = -1;
	int c;

	while ((c = getopt_long(argc, argv, "e:rp:a:n:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (!strcmp(optarg, "pass"))
				r.expect = EXPECT_PASS;
			else if (!strcmp(optarg, "refused"))
				r.expect = EXPECT_REFUSED;
			else if (!strcmp(optarg, "fail"))
				r.expect = EXPECT_FAIL;
			else
				return usage(stderr), 2;
			break;
		case 'r':
			r.roundtrip = true;
			break;
		case 'p':
			r.plugin = optarg;
			break;
		case 'a':
			if (r.n_plugin_args == sizeof(r.plugin_args) / sizeof(r.plugin_args[0])) {
				fprintf(stderr, "bpfvm-conformance: too many --plugin-arg\n");
				return 2;
			}
			r.plugin_args[r.n_plugin_args++] = optarg;
			break;
		case 'n':
			count = strtol(optarg, NULL, 10);
			break;
		case 'v':
			r.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	r.vm = harness_vm();
	if (!r.vm) {
		perror("bpfvm-conformance");
		return 1;
	}
	int bad = 0;
	for (int i = optind; i < argc; i++)
		bad |= run_path(&r, argv[i]) != 0;
	bpfvm_vm__free(r.vm);

	static const char *what[] = { "passed", "refused with a location", "reported as failing" };
	printf("conformance: %d/%d %s%s\n", r.ok, r.files, what[r.expect],
	       r.roundtrip ? " (with round trip)" : "");
	if (r.jit_native || r.jit_fallback)
		printf("conformance: %d ran as machine code, %d in the interpreter (fallback)\n",
		       r.jit_native, r.jit_fallback);
	if (count >= 0 && r.files != count) {
		printf("conformance: expected %ld files, found %d\n", count, r.files);
		bad = 1;
	}
	return bad || r.ok != r.files || r.files == 0;
}
