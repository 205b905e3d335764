/*
 * cmd_verify.c - `bpfvm verify`: run the static verifier on a program, or
 * on the programs of an ELF object, and print the verdict and statistics;
 * on a refusal, where (instruction and source line), why, the path of
 * branches that led there and the registers at that point; with -v, the
 * kernel-style log of every instruction processed.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "object_args.h"
#include "tool.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: bpfvm verify [OPTIONS] PROGRAM\n"
		   "       bpfvm verify [OPTIONS] OBJECT.o [PROG]\n\n"
		   "Verify eBPF programs with the static verifier and print the verdict\n"
		   "and statistics: instructions processed, states stored (peak pending,\n"
		   "pruned), stack depth, time and the memory its states took. On\n"
		   "refusal: the instruction, its source line (when the object has BTF\n"
		   "line info), what could go wrong, the path of branches that leads there\n"
		   "and the registers at that point.\n\n"
		   "PROGRAM (assembly text, raw bytes or hex; '-' for stdin) is verified as\n"
		   "the raw type: r1 points to --ctx-size bytes the program may read and\n"
		   "write, r2 holds that size. The programs of an ELF object (clang -target\n"
		   "bpf) are verified as their sections' types (xdp, tc, socket, ...); PROG\n"
		   "names one of them.\n\n"
		   "Options:\n"
		   "  -c, --ctx-size N   bytes at r1 for raw programs (default 0)\n"
		   "  -f, --format F     program format: auto (default), asm, raw, hex\n"
		   "  -s, --syntax S     assembly syntax: auto (default), ubpf, llvm\n"
		   "  -v, --verbose      print the log of every instruction processed, with\n"
		   "                     the registers it reads (the kernel's log level 2)\n"
		   "  -j, --json         JSON output\n"
		   "  -h, --help         show this help\n\n"
		   "Exit status: 0 accepted, 1 refused (or unreadable), 2 wrong usage.\n");
}

struct vargs {
	uint32_t ctx_size;
	enum tool_format format;
	enum bpfvm_syntax syntax;
	bool json, verbose;
};

/* Logs: enough for a refusal's path, or a long level-2 trace. */
#define LOG_SIZE (1u << 20)
#define LOG_SIZE_VERBOSE (64u << 20)

static void stats_json(struct json *j, size_t n, const struct bpfvm_verify_stats *st)
{
	json_key(j, "insns"), json_u64(j, n);
	json_key(j, "insns_processed"), json_u64(j, st->insns_processed);
	json_key(j, "states"), json_u64(j, st->states);
	json_key(j, "peak_states"), json_u64(j, st->peak_states);
	json_key(j, "pruned"), json_u64(j, st->pruned);
	json_key(j, "stack"), json_u64(j, st->max_stack);
	json_key(j, "time_ns"), json_u64(j, st->time_ns);
	json_key(j, "peak_mem"), json_u64(j, st->peak_mem);
	json_key(j, "uninit_reads"), json_u64(j, st->uninit_reads);
	if (st->uninit_reads)
		json_key(j, "uninit_insn"), json_u64(j, st->uninit_insn);
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

/* n instructions accepted with st; the note on stack never written names
 * the first read's source line when line is given (lines[insn]). */
static void stats_text(size_t n, const struct bpfvm_verify_stats *st,
		       const struct bpfvm_source_line *const *lines)
{
	printf("accepted: %zu instructions, %" PRIu64 " processed, %u states "
	       "(peak %u, %u pruned), stack %u bytes, %.3f ms, %.1f KiB of states\n",
	       n, st->insns_processed, st->states, st->peak_states, st->pruned, st->max_stack,
	       (double)st->time_ns / 1e6, (double)st->peak_mem / 1024);
	if (!st->uninit_reads)
		return;
	const struct bpfvm_source_line *l = lines && st->uninit_insn < n ? lines[st->uninit_insn]
									: NULL;
	printf("note: from insn %u", st->uninit_insn);
	if (l)
		printf(" (%s:%u)", base_name(l->file), l->line);
	printf(" the program may read stack bytes it never wrote; allowed, as the kernel allows "
	       "privileged loaders. bpfvm zeroes such a program's frames, so they read as 0 (in "
	       "the kernel: whatever the stack held)\n");
	if (l && l->text)
		printf("  %s\n", l->text + strspn(l->text, " \t"));
}

/* ------------------------------------------------------------------ */
/* Raw programs                                                        */

static int verify_raw(const struct vargs *a, const char *path)
{
	struct bpfvm_insn *insns = NULL;
	size_t n;
	if (tool_read_program(&cmd_verify, path, a->format, a->syntax, &insns, &n))
		return TOOL_EXIT_FAIL;
	struct bpfvm_vm *vm = bpfvm_vm__new(NULL);
	size_t log_size = a->verbose ? LOG_SIZE_VERBOSE : LOG_SIZE;
	char *log = malloc(log_size);
	if (!vm || !log) {
		fprintf(stderr, "bpfvm verify: %s\n", strerror(ENOMEM));
		bpfvm_vm__free(vm);
		free(log);
		free(insns);
		return TOOL_EXIT_FAIL;
	}
	log[0] = 0;
	struct bpfvm_prog *prog = NULL;
	struct bpfvm_error err;
	BPFVM_OPTS(bpfvm_load_opts, lo, .name = path, .ctx_size = a->ctx_size,
		   .log_buf = log, .log_size = log_size, .log_level = a->verbose ? 2 : 1);
	int rc = bpfvm_prog__load(vm, insns, n, &lo, &prog, &err);
	struct bpfvm_verify_stats st;
	bpfvm_prog__verified(prog, &st);
	if (a->json) {
		struct json j;
		char msg[BPFVM_ERR_MSG_MAX + 32];
		json_init(&j, stdout, false);
		json_obj_begin(&j);
		json_key(&j, "accepted"), json_bool(&j, rc == 0);
		if (rc) {
			bpfvm_error__format(&err, msg, sizeof(msg));
			json_key(&j, "insn"), json_i64(&j, err.insn);
			json_key(&j, "error"), json_str(&j, msg);
			json_key(&j, "log"), json_str(&j, log);
		} else {
			stats_json(&j, n, &st);
		}
		json_obj_end(&j);
		json_end(&j);
	} else {
		if (a->verbose || rc)
			fputs(log, rc ? stderr : stdout);
		if (rc)
			tool_print_error("verify", &err);
		else
			stats_text(n, &st, NULL);
	}
	bpfvm_prog__free(prog);
	bpfvm_vm__free(vm);
	free(log);
	free(insns);
	return rc ? TOOL_EXIT_FAIL : TOOL_EXIT_OK;
}

/* ------------------------------------------------------------------ */
/* Objects                                                             */

/* The source line that covers each instruction of program i (the last
 * line info entry at or before it), or NULL. */
static size_t prog_len(const struct bpfvm_object *obj, size_t i)
{
	size_t n = 0;
	bpfvm_object__prog_insns(obj, i, &n);
	return n;
}

static const struct bpfvm_source_line **line_table(const struct bpfvm_object *obj, size_t i)
{
	size_t n = prog_len(obj, i);
	const struct bpfvm_source_line **t = calloc(n + 1, sizeof(*t));
	if (!t)
		return NULL;
	const struct bpfvm_source_line *cur = NULL;
	for (size_t pc = 0; pc < n; pc++) {
		const struct bpfvm_source_line *l = bpfvm_object__prog_line(obj, i, pc);
		if (l)
			cur = l;
		t[pc] = cur;
	}
	return t;
}

/*
 * Print one program's part of the log (from text to end), naming the
 * source line of the instructions it mentions: "  insn N: ..." lines (the
 * path, the refusal) get "(file:line)"; per-instruction lines "N: ..."
 * (level 2) are preceded by the source text when the line changes.
 */
static void print_log(FILE *out, const char *text, const char *end,
		      const struct bpfvm_source_line **lines, size_t n)
{
	const struct bpfvm_source_line *last = NULL;
	while (text < end) {
		const char *nl = memchr(text, '\n', (size_t)(end - text));
		size_t len = nl ? (size_t)(nl - text) : (size_t)(end - text);
		const char *p = text;
		while (*p == ' ' && p < text + len)
			p++;
		bool path_line = !strncmp(p, "insn ", 5);
		if (path_line)
			p += 5;
		char *q;
		unsigned long pc = strtoul(p, &q, 10);
		const struct bpfvm_source_line *l =
			q != p && *q == ':' && pc < n && lines ? lines[pc] : NULL;
		if (l && !path_line && l != last && l->text)
			fprintf(out, "; %s @ %s:%u\n", l->text, base_name(l->file), l->line);
		if (l && !path_line)
			last = l;
		fwrite(text, 1, len, out);
		if (l && path_line)
			fprintf(out, "  (%s:%u)", base_name(l->file), l->line);
		fputc('\n', out);
		text += len + (nl ? 1 : 0);
	}
}

/* Program i's part of the object log: after its header line. */
static void prog_log_span(const char *log, const struct bpfvm_object *obj, size_t i,
			  const char **start, const char **end)
{
	char head[512];
	snprintf(head, sizeof(head), "program '%s' (section %s):\n",
		 bpfvm_object__prog_name(obj, i), bpfvm_object__prog_section(obj, i));
	const char *s = strstr(log, head);
	*start = *end = log + strlen(log);
	if (!s)
		return;
	*start = s + strlen(head);
	const char *next = strstr(*start, "\nprogram '");
	*end = next ? next + 1 : log + strlen(log);
}

/* Open path and load only program i (the others left out), so that each
 * program's verdict and statistics are its own. 0: accepted; 1: refused
 * (err filled); -1: the object cannot be opened (printed). */
static int load_one(const struct vargs *a, const char *path, size_t i, char *log,
		    size_t log_size, struct tool_object *o, struct bpfvm_error *err)
{
	BPFVM_OPTS(bpfvm_object_opts, oo, .ctx_size = a->ctx_size,
		   .log_buf = log, .log_size = log_size, .log_level = a->verbose ? 2 : 1);
	if (tool_object_open_opts(&cmd_verify, path, &oo, false, o))
		return -1;
	size_t np = bpfvm_object__prog_cnt(o->obj);
	for (size_t k = 0; k < np; k++)
		bpfvm_object__set_autoload(o->obj, bpfvm_object__prog_name(o->obj, k), false);
	bpfvm_object__set_autoload(o->obj, bpfvm_object__prog_name(o->obj, i), true);
	return bpfvm_object__load(o->obj, err) ? 1 : 0;
}

static int verify_object(const struct vargs *a, const char *path, const char *only)
{
	size_t log_size = a->verbose ? LOG_SIZE_VERBOSE : LOG_SIZE;
	char *log = malloc(log_size);
	if (!log) {
		fprintf(stderr, "bpfvm verify: %s\n", strerror(ENOMEM));
		return TOOL_EXIT_FAIL;
	}
	struct tool_object o;
	if (tool_object_open_opts(&cmd_verify, path, NULL, false, &o)) {
		tool_object_close(&o);
		free(log);
		return TOOL_EXIT_FAIL;
	}
	size_t np = bpfvm_object__prog_cnt(o.obj);
	long want = -1;
	if (only) {
		for (size_t i = 0; i < np; i++)
			if (!strcmp(bpfvm_object__prog_name(o.obj, i), only))
				want = (long)i;
		if (want < 0) {
			fprintf(stderr, "bpfvm verify: %s has no program '%s'; it has:", path, only);
			for (size_t i = 0; i < np; i++)
				fprintf(stderr, " %s", bpfvm_object__prog_name(o.obj, i));
			fprintf(stderr, "\n");
			tool_object_close(&o);
			free(log);
			return TOOL_EXIT_FAIL;
		}
	}
	tool_object_close(&o);
	struct json j;
	if (a->json) {
		json_init(&j, stdout, false);
		json_obj_begin(&j);
		json_key(&j, "object"), json_str(&j, path);
		json_key(&j, "programs"), json_arr_begin(&j);
	}
	int refused = 0, status = TOOL_EXIT_OK;
	for (size_t i = 0; i < np; i++) {
		if (want >= 0 && (long)i != want)
			continue;
		struct bpfvm_error err;
		log[0] = 0;
		int rc = load_one(a, path, i, log, log_size, &o, &err);
		if (rc < 0) {
			tool_object_close(&o);
			status = TOOL_EXIT_FAIL;
			break;
		}
		refused += rc;
		const char *name = bpfvm_object__prog_name(o.obj, i);
		const char *type = bpfvm_prog_type_name(bpfvm_object__prog_type(o.obj, i));
		size_t n = prog_len(o.obj, i);
		struct bpfvm_verify_stats st = { 0 };
		if (!rc)
			bpfvm_prog__verified(bpfvm_object__prog(o.obj, i), &st);
		const char *ls, *le;
		prog_log_span(log, o.obj, i, &ls, &le);
		const struct bpfvm_source_line **lines = line_table(o.obj, i);
		const struct bpfvm_source_line *l =
			rc && err.insn >= 0 && (size_t)err.insn < n && lines ? lines[err.insn] : NULL;
		if (a->json) {
			json_obj_begin(&j);
			json_key(&j, "name"), json_str(&j, name);
			json_key(&j, "section"), json_str(&j, bpfvm_object__prog_section(o.obj, i));
			json_key(&j, "type"), json_str(&j, type ? type : "raw");
			json_key(&j, "status"), json_str(&j, rc ? "refused" : "accepted");
			if (!rc) {
				stats_json(&j, n, &st);
			} else {
				json_key(&j, "insn"), json_i64(&j, err.insn);
				if (l) {
					json_key(&j, "file"), json_str(&j, l->file);
					json_key(&j, "line"), json_u64(&j, l->line);
				}
				json_key(&j, "error"), json_str(&j, err.msg);
				char *part = strndup(ls, (size_t)(le - ls));
				json_key(&j, "log"), json_str(&j, part ? part : "");
				free(part);
			}
			json_obj_end(&j);
		} else {
			printf("%s (%s, section %s): ", name, type ? type : "raw",
			       bpfvm_object__prog_section(o.obj, i));
			if (!rc)
				stats_text(n, &st, lines);
			else
				printf("refused\n");
			if (a->verbose && !rc)
				print_log(stdout, ls, le, lines, n);
			if (rc) {
				fflush(stdout); /* the verdict line before the story */
				print_log(stderr, ls, le, lines, n);
				if (l)
					fprintf(stderr, "%s:%u: %s\n%s%s", l->file, l->line, err.msg,
						l->text ? l->text : "", l->text ? "\n" : "");
				else
					tool_print_error("verify", &err);
			}
		}
		free(lines);
		tool_object_close(&o);
	}
	if (a->json) {
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	}
	free(log);
	return refused ? TOOL_EXIT_FAIL : status;
}

static int main_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "ctx-size", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "syntax", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct vargs a = { .format = TOOL_FORMAT_AUTO, .syntax = BPFVM_SYNTAX_AUTO };
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:f:s:vjh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (tool_opt_ctx_size(&cmd_verify, optarg, &a.ctx_size))
				return TOOL_EXIT_USAGE;
			break;
		case 'f':
			if (tool_opt_format(&cmd_verify, optarg, &a.format))
				return TOOL_EXIT_USAGE;
			break;
		case 's':
			if (tool_opt_syntax(&cmd_verify, optarg, 1, &a.syntax))
				return TOOL_EXIT_USAGE;
			break;
		case 'v':
			a.verbose = true;
			break;
		case 'j':
			a.json = true;
			break;
		default:
			return tool_help_or_usage(&cmd_verify, c);
		}
	}
	if (optind >= argc)
		return tool_usage_error(&cmd_verify, "expected a PROGRAM or an OBJECT");
	int elf = tool_is_elf(argv[optind]);
	if (elf == 1) {
		if (argc - optind > 2)
			return tool_usage_error(&cmd_verify, "expected OBJECT [PROG]");
		return verify_object(&a, argv[optind], argc - optind == 2 ? argv[optind + 1] : NULL);
	}
	if (argc - optind != 1)
		return tool_usage_error(&cmd_verify, "expected exactly one PROGRAM (PROG is for "
						     "ELF objects)");
	return verify_raw(&a, argv[optind]);
}

const struct tool_cmd cmd_verify = { "verify", "check programs with the static verifier",
				     main_verify, usage };
