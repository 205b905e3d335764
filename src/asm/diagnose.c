/*
 * diagnose.c - the error message for a line no template matched.
 *
 * The rule is "furthest failure wins": every template of the syntax is
 * matched again and the one that got deepest into the line is taken to be
 * what the user meant. A failure on a token of the right kind but a bad
 * value ("%r50", an immediate out of range) beats a kind mismatch at the
 * same token. Weak failures at the same token are merged into one
 * "expected A, B or C" list. uBPF lines get two extra checks first, since
 * they have mnemonics: an unknown or incomplete mnemonic, and a wrong
 * operand count ("lddw expects 2 operands, found 1").
 */
#include "diagnose.h"

#include <string.h>

#include "template.h"

#define MAX_WANTS 16
#define WANT_LEN 48

/* The furthest failure over a set of templates. */
struct best {
	bool set;
	size_t tok;
	bool strong;
	bool all_mnem; /* every weak failure at tok was inside a mnemonic */
	char strong_msg[192];
	char want[MAX_WANTS][WANT_LEN];
	size_t nwant;
	bool more; /* wants were dropped */
};

static void describe_want(const struct asm_fail *f, int syntax, char *buf, size_t size)
{
	if (f->want)
		snprintf(buf, size, "%s", f->want);
	else if (syntax == BPFVM_SYNTAX_UBPF && f->lit_len == 1 && f->lit[0] == '[')
		snprintf(buf, size, "a memory operand [%%rN+off]");
	else
		snprintf(buf, size, "'%.*s'", (int)f->lit_len, f->lit);
}

static void add_want(struct best *b, const char *w)
{
	for (size_t i = 0; i < b->nwant; i++)
		if (!strcmp(b->want[i], w))
			return;
	if (b->nwant == MAX_WANTS) {
		b->more = true;
		return;
	}
	snprintf(b->want[b->nwant++], WANT_LEN, "%s", w);
}

static void consider(struct best *b, const struct asm_fail *f, int syntax, bool in_mnem)
{
	char w[WANT_LEN];

	if (!b->set || f->tok > b->tok || (f->tok == b->tok && f->strong && !b->strong)) {
		memset(b, 0, sizeof(*b));
		b->set = true;
		b->tok = f->tok;
		b->strong = f->strong;
		b->all_mnem = true;
		if (f->strong)
			snprintf(b->strong_msg, sizeof(b->strong_msg), "%s", f->msg);
	} else if (f->tok != b->tok || f->strong != b->strong || f->strong) {
		return; /* not as far, or a second strong error: keep the first */
	}
	if (!f->strong) {
		describe_want(f, syntax, w, sizeof(w));
		add_want(b, w);
		b->all_mnem = b->all_mnem && in_mnem;
	}
}

/* "A, B or C" (at most limit items) into out. */
static void join_wants(const struct best *b, size_t limit, struct sbuf *out)
{
	size_t k = b->nwant < limit ? b->nwant : limit;
	bool more = b->more || b->nwant > limit;

	for (size_t i = 0; i < k; i++) {
		if (i)
			sbuf_puts(out, i + 1 == k && !more ? " or " : ", ");
		sbuf_puts(out, b->want[i]);
	}
	if (more)
		sbuf_puts(out, ", ...");
}

/* Tokens line[0..k) joined by single spaces. */
static void join_tokens(const struct asm_tok *line, size_t k, struct sbuf *out)
{
	for (size_t i = 0; i < k; i++) {
		if (i)
			sbuf_puts(out, " ");
		sbuf_putn(out, line[i].s, line[i].len > 40 ? 40 : line[i].len);
	}
}

static size_t col_of(const struct asm_tok *line, size_t n, size_t tok, size_t end_col)
{
	return tok < n ? line[tok].col : end_col;
}

/* Furthest failure of every template of syntax. */
static void run_all(const struct tpl_set *set, int syntax, const struct asm_tok *line, size_t n,
		    struct best *b)
{
	struct tpl_vals v;
	const struct asm_tok *label;
	struct asm_fail f;

	memset(b, 0, sizeof(*b));
	for (size_t i = 0; i < set->n; i++) {
		const struct tpl *t = &set->t[i];
		if (t->syntax != syntax || tpl_match(t, line, n, &v, &label, &f))
			continue;
		consider(b, &f, syntax, !f.strong && f.lit && f.tok < t->nmnem);
	}
}

/*
 * uBPF operand count: the templates whose whole mnemonic starts the line
 * (the longest such mnemonic), when none takes as many operands as given.
 */
static bool count_error(const struct tpl_set *set, const struct asm_tok *line, size_t n,
			size_t end_col, struct asm_diag *out)
{
	const struct tpl *first = NULL;
	size_t m = 0;

	for (size_t i = 0; i < set->n; i++) {
		const struct tpl *t = &set->t[i];
		if (t->syntax != BPFVM_SYNTAX_UBPF || t->nmnem == 0 || t->nmnem > n ||
		    t->nmnem < m)
			continue;
		bool same = true;
		for (size_t k = 0; k < t->nmnem && same; k++) {
			struct asm_tok w = tpl_tok_at(t, k);
			same = asm_tok_same(&w, &line[k]);
		}
		if (!same)
			continue;
		if (t->nmnem > m)
			first = NULL;
		m = t->nmnem;
		if (!first)
			first = t;
	}
	if (!first)
		return false;

	size_t have = tpl_count_operands(line + m, n - m);
	unsigned counts = 0; /* bit k: some candidate takes k operands */
	for (size_t i = 0; i < set->n; i++) {
		const struct tpl *t = &set->t[i];
		if (t->syntax != BPFVM_SYNTAX_UBPF || t->nmnem != m)
			continue;
		bool same = true;
		for (size_t k = 0; k < m && same; k++) {
			struct asm_tok w = tpl_tok_at(t, k);
			same = asm_tok_same(&w, &line[k]);
		}
		if (!same)
			continue;
		if (t->nops == have)
			return false;
		counts |= 1u << (t->nops & 15);
	}

	struct sbuf s;
	sbuf_init(&s, out->msg, sizeof(out->msg));
	join_tokens(line, m, &s);
	sbuf_puts(&s, " expects ");
	for (unsigned k = 0, listed = 0; k < 16; k++) {
		if (!(counts & (1u << k)))
			continue;
		sbuf_printf(&s, "%s%u", listed++ ? " or " : "", k);
	}
	sbuf_printf(&s, " operand%s, found %zu (", counts == 2 ? "" : "s", have);
	tpl_fill(first->text, BPFVM_SYNTAX_UBPF, NULL, &s);
	sbuf_puts(&s, ")");

	/* Too many: point at the first extra operand; too few: at the end. */
	out->col = end_col;
	if (have > first->nops) {
		size_t k = m;
		for (size_t commas = 0; k < n && commas < first->nops; k++)
			commas += asm_tok_is(&line[k], ",");
		if (k < n)
			out->col = line[k].col;
	}
	return true;
}

/* The first template of syntax whose mnemonic starts with line[0..n). */
static const struct tpl *first_extending(const struct tpl_set *set, int syntax,
					 const struct asm_tok *line, size_t n)
{
	for (size_t i = 0; set && i < set->n; i++) {
		const struct tpl *t = &set->t[i];
		bool same = t->syntax == syntax && t->nmnem > n;
		for (size_t k = 0; k < n && same; k++) {
			struct asm_tok w = tpl_tok_at(t, k);
			same = asm_tok_same(&w, &line[k]);
		}
		if (same)
			return t;
	}
	return NULL;
}

static void message(const struct tpl_set *set, const struct best *b, int syntax,
		    const struct asm_tok *line, size_t n, size_t end_col, struct asm_diag *out)
{
	struct sbuf s;
	char q[64];

	sbuf_init(&s, out->msg, sizeof(out->msg));
	out->col = col_of(line, n, b->tok, end_col);
	if (b->strong) {
		sbuf_puts(&s, b->strong_msg);
		return;
	}
	if (b->tok == 0 && line[0].kind == TK_PUNCT) {
		/* Not even a word: a stray directive or separator. */
		sbuf_printf(&s, "expected an instruction or a label, found %s",
			    tok_quote(&line[0], q, sizeof(q)));
		return;
	}
	if (b->tok == 0) {
		sbuf_printf(&s, "unknown %s %s", syntax == BPFVM_SYNTAX_UBPF ? "mnemonic" : "instruction",
			    tok_quote(&line[0], q, sizeof(q)));
		return;
	}
	if (syntax == BPFVM_SYNTAX_UBPF && b->all_mnem) {
		sbuf_puts(&s, b->tok < n ? "unknown mnemonic '" : "incomplete mnemonic '");
		join_tokens(line, b->tok < n ? b->tok + 1 : n, &s);
		sbuf_puts(&s, "': expected ");
		join_wants(b, MAX_WANTS, &s);
		sbuf_puts(&s, b->tok < n ? " in its place" : " after it");
		const struct tpl *eg = first_extending(set, syntax, line, b->tok < n ? b->tok : n);
		if (eg) {
			sbuf_puts(&s, " (e.g. ");
			tpl_fill(eg->text, syntax, NULL, &s);
			sbuf_puts(&s, ")");
		}
		return;
	}
	sbuf_puts(&s, "expected ");
	join_wants(b, 6, &s);
	sbuf_printf(&s, ", found %s", tok_quote(b->tok < n ? &line[b->tok] : NULL, q, sizeof(q)));
}

bool diag_looks_llvm(const struct asm_tok *line, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct asm_tok *t = &line[i];
		if (t->kind == TK_PUNCT && memchr(t->s, '=', t->len))
			return true;
		if (t->kind == TK_IDENT && t->len >= 2 && (t->s[0] == 'r' || t->s[0] == 'w')) {
			bool digits = true;
			for (size_t k = 1; k < t->len; k++)
				digits = digits && t->s[k] >= '0' && t->s[k] <= '9';
			if (digits)
				return true;
		}
	}
	return n > 0 && asm_tok_is(&line[0], "*");
}

static void diag_one(const struct tpl_set *set, int syntax, const struct asm_tok *line, size_t n,
		     size_t end_col, struct asm_diag *out, struct best *b)
{
	run_all(set, syntax, line, n, b);
	if (syntax == BPFVM_SYNTAX_UBPF && !(b->all_mnem && !b->strong) &&
	    count_error(set, line, n, end_col, out))
		return;
	message(set, b, syntax, line, n, end_col, out);
}

static bool any_match(const struct tpl_set *set, int syntax, const struct asm_tok *line, size_t n)
{
	struct tpl_vals v;
	const struct asm_tok *label;
	struct asm_fail f;

	for (size_t i = 0; i < set->n; i++)
		if (set->t[i].syntax == syntax && tpl_match(&set->t[i], line, n, &v, &label, &f))
			return true;
	return false;
}

void diag_line(const struct tpl_set *set, int syntax, const struct asm_tok *line, size_t n,
	       size_t end_col, struct asm_diag *out)
{
	struct best bu, bl;
	struct asm_diag du;

	if (syntax != BPFVM_SYNTAX_AUTO) {
		diag_one(set, syntax, line, n, end_col, out, &bu);
		/* A line in the other syntax is a common slip: say so. */
		int other = syntax == BPFVM_SYNTAX_UBPF ? BPFVM_SYNTAX_LLVM : BPFVM_SYNTAX_UBPF;
		if (any_match(set, other, line, n)) {
			struct sbuf s = { out->msg, sizeof(out->msg), strlen(out->msg) };
			sbuf_printf(&s, " (this is %s syntax; assemble with that syntax or AUTO)",
				    other == BPFVM_SYNTAX_LLVM ? "LLVM" : "uBPF");
		}
		return;
	}
	/* AUTO: the syntax that got further explains the error best. */
	diag_one(set, BPFVM_SYNTAX_UBPF, line, n, end_col, &du, &bu);
	diag_one(set, BPFVM_SYNTAX_LLVM, line, n, end_col, out, &bl);
	size_t su = bu.tok * 2 + bu.strong, sl = bl.tok * 2 + bl.strong;
	if (su > sl || (su == sl && !diag_looks_llvm(line, n)))
		*out = du;
}

void diag_fail(const struct asm_fail *f, int syntax, const struct asm_tok *line, size_t n,
	       size_t end_col, struct asm_diag *out)
{
	struct best b;

	memset(&b, 0, sizeof(b));
	consider(&b, f, syntax, false);
	message(NULL, &b, syntax, line, n, end_col, out);
}
