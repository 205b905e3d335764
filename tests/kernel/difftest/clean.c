/*
 * clean.c - does a program keep its results free of addresses and of
 * uninitialised stack? (dt_clean, difftest.h)
 *
 * Root may leak pointers and read uninitialised stack in the kernel, and
 * such a program's results differ between the kernel and bpfvm (other
 * addresses; bpfvm zeroes its stack) for no bug. dgen.h never writes one,
 * but the minimizer, dropping instructions, easily makes one: it drops the
 * move that made a register a scalar again, or a store that initialised a
 * stack slot. This check walks the program as a dataflow problem, path
 * insensitive, per function, with a small domain, and says no to:
 *   - a pointer (ctx, packet, map value, stack) used as a scalar: ALU other
 *     than moves and pointer += / -= scalar, 32-bit ALU, stores, helper
 *     arguments the helper takes as numbers, the return value, comparisons
 *     other than packet against packet end and a null check;
 *   - a register that a path may leave uninitialised, read;
 *   - a stack byte that a path may leave unwritten, read (loads, atomics,
 *     and the memory the helpers read: keys, values, csum and store_bytes
 *     buffers).
 * Socket filters (dt_clean's skb): every __sk_buff field is a number,
 * stores into the context (cb[]) are allowed, and LD_ABS/LD_IND give r0 a
 * number and leave r1..r5 uninitialised, as a call does.
 * It is conservative (a join of two kinds is "mixed", refused on use):
 * it may refuse a clean program, never accepts a leaking one of the shapes
 * dgen.h and the minimizer make. It is also run on every generated program
 * (difftest --check-gen) as a check of the generator's invariants.
 */
#include <stdlib.h>
#include <string.h>

#include "difftest.h"

enum kind {
	K_UNINIT = 0,
	K_SCALAR, /* c valid when known */
	K_CTX,
	K_PTR,    /* packet, packet end, map value, or null */
	K_STACK,  /* r10 + c of this frame */
	K_MIXED,  /* different kinds on different paths */
};

struct reg {
	uint8_t kind;
	bool known;
	int64_t c;
};

struct state {
	bool live;
	struct reg r[11];
	uint8_t init[BPFVM_STACK_SIZE / 8]; /* bit per stack byte: written on every path */
};

struct fn {
	size_t start, end; /* [start, end) */
	struct state entry;
	struct reg ret;    /* r0 at its exits, joined */
	bool has_ret;
};

#define MAX_FN 16

struct walk {
	const struct bpfvm_insn *p;
	size_t n;
	struct state *in; /* per slot */
	struct fn fn[MAX_FN];
	int nfn;
	bool bad;
	long bad_pc;     /* where it first went bad, and why */
	int line;
	size_t pc;       /* the slot being walked */
	bool changed_fn; /* a callee's entry or a return changed */
	bool skb;        /* a socket filter: __sk_buff, LD_ABS/LD_IND */
};

/* Mark the walk bad at the current slot (line: which rule, for debugging). */
static void bad_at(struct walk *w, int line)
{
	if (!w->bad) {
		w->bad = true;
		w->bad_pc = (long)w->pc;
		w->line = line;
	}
}
#define BAD(w, line) bad_at((w), (line))

static struct reg scalar(bool known, int64_t c)
{
	struct reg r = { K_SCALAR, known, c };
	return r;
}

static struct reg mk(uint8_t kind)
{
	struct reg r = { kind, false, 0 };
	return r;
}

static struct reg join_reg(struct reg a, struct reg b)
{
	if (a.kind == K_UNINIT || b.kind == K_UNINIT)
		return mk(K_UNINIT);
	if (a.kind != b.kind)
		return mk(K_MIXED);
	if (a.kind == K_SCALAR)
		return scalar(a.known && b.known && a.c == b.c, a.c);
	if (a.kind == K_STACK && (!a.known || !b.known || a.c != b.c))
		return mk(K_MIXED);
	return a;
}

static bool same_reg(struct reg a, struct reg b)
{
	return a.kind == b.kind && a.known == b.known && (!a.known || a.c == b.c);
}

/* Join s into *d; true when *d changed. */
static bool join_state(struct state *d, const struct state *s)
{
	if (!s->live)
		return false;
	if (!d->live) {
		*d = *s;
		return true;
	}
	bool ch = false;
	for (int i = 0; i < 11; i++) {
		struct reg j = join_reg(d->r[i], s->r[i]);
		ch |= !same_reg(j, d->r[i]);
		d->r[i] = j;
	}
	for (size_t i = 0; i < sizeof(d->init); i++) {
		uint8_t j = d->init[i] & s->init[i];
		ch |= j != d->init[i];
		d->init[i] = j;
	}
	return ch;
}

/* Stack bytes [off, off + len) of the frame (off from r10, negative). */
static bool stack_range_ok(long off, long len)
{
	return off >= -BPFVM_STACK_SIZE && len >= 0 && off + len <= 0;
}

static void stack_mark(struct state *s, long off, long len)
{
	for (long b = off; b < off + len; b++) {
		long i = b + BPFVM_STACK_SIZE;
		s->init[i / 8] |= (uint8_t)(1u << (i % 8));
	}
}

static bool stack_is_init(const struct state *s, long off, long len)
{
	for (long b = off; b < off + len; b++) {
		long i = b + BPFVM_STACK_SIZE;
		if (!(s->init[i / 8] & (1u << (i % 8))))
			return false;
	}
	return true;
}

/* Reading len bytes through r (a memory argument or a load base). */
static bool read_ok(const struct state *s, struct reg r, long off, long len)
{
	if (r.kind == K_PTR || r.kind == K_CTX)
		return true;
	if (r.kind == K_STACK && r.known)
		return stack_range_ok(r.c + off, len) && stack_is_init(s, r.c + off, len);
	return false;
}

static void write_mem(struct state *s, struct reg r, long off, long len)
{
	if (r.kind == K_STACK && r.known && stack_range_ok(r.c + off, len))
		stack_mark(s, r.c + off, len);
}

static int fn_of(const struct walk *w, size_t pc)
{
	for (int i = 0; i < w->nfn; i++)
		if (pc >= w->fn[i].start && pc < w->fn[i].end)
			return i;
	return -1;
}

static bool is_scalar(struct reg r)
{
	return r.kind == K_SCALAR;
}

static unsigned mem_size(uint8_t code)
{
	switch (code & 0x18) {
	case BI_B: return 1;
	case BI_H: return 2;
	case BI_W: return 4;
	default: return 8;
	}
}

/* A helper's arguments and result. */
static void helper(struct walk *w, struct state *s, int32_t id)
{
	struct reg *r = s->r;
	long sz;
	switch (id) {
	case DG_H_LOOKUP:
	case DG_H_DELETE:
		if (!read_ok(s, r[2], 0, 4))
		BAD(w, __LINE__);
		break;
	case DG_H_UPDATE:
		if (!read_ok(s, r[2], 0, 4) || !read_ok(s, r[3], 0, DG_VALS_SIZE) ||
			  !is_scalar(r[4]))
		BAD(w, __LINE__);
		break;
	case DG_H_CSUM_DIFF:
		for (int a = 1; a <= 3; a += 2) {
			if (!is_scalar(r[a + 1]) || !r[a + 1].known) {
				BAD(w, __LINE__);
				break;
			}
			sz = r[a + 1].c;
			if (!(is_scalar(r[a]) && r[a].known && r[a].c == 0) && !read_ok(s, r[a], 0, sz))
				BAD(w, __LINE__);
		}
		if (!is_scalar(r[5]))
		BAD(w, __LINE__);
		break;
	case DG_H_ADJUST_HEAD:
	case DG_H_ADJUST_TAIL:
	case DG_H_ADJUST_META:
		if (r[1].kind != K_CTX || !is_scalar(r[2]))
		BAD(w, __LINE__);
		break;
	case DG_H_BUFF_LEN:
		if (r[1].kind != K_CTX)
		BAD(w, __LINE__);
		break;
	case DG_H_SKB_LOAD_BYTES:
	case DG_H_LOAD_BYTES:
	case DG_H_STORE_BYTES:
		if (r[1].kind != K_CTX || !is_scalar(r[2]) || !is_scalar(r[4]) || !r[4].known)
		BAD(w, __LINE__);
		if (!w->bad && id == DG_H_STORE_BYTES)
			if (!read_ok(s, r[3], 0, r[4].c))
		BAD(w, __LINE__);
		if (!w->bad && id != DG_H_STORE_BYTES)
			write_mem(s, r[3], 0, r[4].c);
		break;
	default:
		BAD(w, __LINE__);
	}
	r[0] = id == DG_H_LOOKUP ? mk(K_PTR) : scalar(false, 0);
	for (int i = 1; i <= 5; i++)
		r[i] = mk(K_UNINIT);
}

static void alu(struct walk *w, struct state *s, const struct bpfvm_insn *in)
{
	struct reg *d = &s->r[in->dst];
	bool is64 = (in->code & 7) == BI_ALU64, x = in->code & BI_X;
	uint8_t op = in->code & 0xf0;
	struct reg src = x ? s->r[in->src] : scalar(true, in->imm);
	if (in->dst == 10) {
		BAD(w, __LINE__);
		return;
	}
	if (op == BI_MOV && in->off) { /* movsx */
		if (!is_scalar(src))
			BAD(w, __LINE__);
		*d = scalar(false, 0);
		return;
	}
	if (op == BI_MOV) {
		if (!x) {
			*d = is64 ? scalar(true, in->imm) : scalar(true, (int64_t)(uint32_t)in->imm);
			return;
		}
		if (src.kind == K_UNINIT || (!is64 && !is_scalar(src))) {
			BAD(w, __LINE__);
			return;
		}
		*d = is64 ? src : scalar(false, 0);
		return;
	}
	if (op == BI_NEG || op == BI_END) {
		if (!is_scalar(*d))
		BAD(w, __LINE__);
		*d = scalar(false, 0);
		return;
	}
	if (is_scalar(*d) && is_scalar(src)) {
		*d = scalar(false, 0);
		return;
	}
	/* pointer += / -= scalar (64-bit) */
	bool ptr = d->kind == K_CTX || d->kind == K_PTR || d->kind == K_STACK;
	if (is64 && ptr && (op == BI_ADD || op == BI_SUB) && is_scalar(src) && !in->off) {
		if (d->kind == K_STACK) {
			if (src.known)
				d->c += op == BI_ADD ? src.c : -src.c;
			else
				*d = mk(K_MIXED);
		} else if (d->kind == K_CTX) {
			*d = mk(K_MIXED); /* modified ctx: not something dgen makes */
		}
		return;
	}
	BAD(w, __LINE__);
}

static void jump_cond(struct walk *w, const struct state *s, const struct bpfvm_insn *in)
{
	struct reg a = s->r[in->dst];
	bool x = in->code & BI_X, is64 = (in->code & 7) == BI_JMP;
	struct reg b = x ? s->r[in->src] : scalar(true, in->imm);
	uint8_t op = in->code & 0xf0;
	if (a.kind == K_UNINIT || b.kind == K_UNINIT) {
		BAD(w, __LINE__);
		return;
	}
	if (is_scalar(a) && is_scalar(b))
		return;
	/* null check, packet against packet end */
	if (is64 && !x && (op == BI_JEQ || op == BI_JNE) && in->imm == 0 && a.kind == K_PTR)
		return;
	if (is64 && x && a.kind == K_PTR && b.kind == K_PTR &&
	    (op == BI_JGT || op == BI_JGE || op == BI_JLT || op == BI_JLE))
		return;
	BAD(w, __LINE__);
}

/* Join s into the state before slot to; true when that changed. */
static bool flow(struct walk *w, size_t to, const struct state *s)
{
	if (to >= w->n) {
		BAD(w, __LINE__);
		return false;
	}
	return join_state(&w->in[to], s);
}

/* Walk function f once from its entry state to a fixed point. */
static void walk_fn(struct walk *w, int f)
{
	struct fn *fn = &w->fn[f];
	for (size_t i = fn->start; i < fn->end; i++)
		w->in[i].live = false;
	w->in[fn->start] = fn->entry;
	bool changed = true;
	for (int iter = 0; changed && iter < 1000 && !w->bad; iter++) {
		changed = false;
		for (size_t pc = fn->start; pc < fn->end && !w->bad; pc++) {
			if (!w->in[pc].live)
				continue;
			struct state s = w->in[pc];
			const struct bpfvm_insn *in = &w->p[pc];
			w->pc = pc;
			uint8_t cls = in->code & 7, op = in->code & 0xf0;
			size_t next = pc + 1;
			if (in->code == (BI_LD | BI_DW | BI_IMM)) {
				s.r[in->dst] = in->src == BI_PSEUDO_MAP_FD ? mk(K_PTR)
					       : in->src ? mk(K_MIXED) : scalar(false, 0);
				next = pc + 2;
			} else if (cls == BI_ALU || cls == BI_ALU64) {
				alu(w, &s, in);
			} else if (cls == BI_LDX) {
				struct reg b = s.r[in->src];
				unsigned sz = mem_size(in->code);
				if (b.kind == K_CTX) {
					/* xdp_md: data, data_end, data_meta; the rest numbers
					 * (a socket filter's __sk_buff: all numbers) */
					s.r[in->dst] = in->off < 12 && !w->skb ? mk(K_PTR) : scalar(false, 0);
				} else {
					if (!read_ok(&s, b, in->off, sz))
		BAD(w, __LINE__);
					s.r[in->dst] = scalar(false, 0);
				}
			} else if (cls == BI_STX && (in->code & 0xe0) == BI_ATOMIC &&
				   in->imm == BI_LOAD_ACQ) {
				/* dst = load_acquire(src + off): the base is src */
				struct reg b = s.r[in->src];
				if ((b.kind != K_PTR && b.kind != K_STACK) ||
					  !read_ok(&s, b, in->off, mem_size(in->code)))
		BAD(w, __LINE__);
				s.r[in->dst] = scalar(false, 0);
			} else if (cls == BI_ST || cls == BI_STX) {
				struct reg b = s.r[in->dst];
				unsigned sz = mem_size(in->code);
				bool atomic = (in->code & 0xe0) == BI_ATOMIC;
				/* a socket filter stores into cb[] */
				bool ctx_ok = w->skb && b.kind == K_CTX && !atomic;
				if (b.kind != K_PTR && b.kind != K_STACK && !ctx_ok)
					BAD(w, __LINE__);
				if (cls == BI_STX)
					if (!is_scalar(s.r[in->src]))
		BAD(w, __LINE__);
				if (atomic && in->imm != BI_STORE_REL) {
					if (!read_ok(&s, b, in->off, sz))
		BAD(w, __LINE__);
					if (in->imm == BI_CMPXCHG) {
						if (!is_scalar(s.r[0]))
		BAD(w, __LINE__);
						s.r[0] = scalar(false, 0);
					} else if (in->imm & BI_FETCH) {
						s.r[in->src] = scalar(false, 0);
					}
				}
				write_mem(&s, b, in->off, sz);
			} else if (cls == BI_JMP || cls == BI_JMP32) {
				if (op == BI_EXIT) {
					if (!is_scalar(s.r[0]))
		BAD(w, __LINE__);
					if (!fn->has_ret) {
						fn->ret = s.r[0];
						fn->has_ret = true;
						w->changed_fn = true;
					} else {
						struct reg j = join_reg(fn->ret, s.r[0]);
						if (!same_reg(j, fn->ret))
							w->changed_fn = true;
						fn->ret = j;
					}
					continue;
				}
				if (op == BI_CALL && in->src == BI_PSEUDO_CALL) {
					long t = (long)pc + 1 + in->imm;
					int c = t >= 0 && (size_t)t < w->n ? fn_of(w, (size_t)t) : -1;
					if (c < 0 || w->fn[c].start != (size_t)t) {
						BAD(w, __LINE__);
						break;
					}
					struct state e;
					memset(&e, 0, sizeof(e));
					e.live = true;
					for (int i = 1; i <= 5; i++)
						e.r[i] = s.r[i].kind == K_STACK ? mk(K_MIXED) : s.r[i];
					e.r[10] = mk(K_STACK);
					e.r[10].known = true;
					if (join_state(&w->fn[c].entry, &e))
						w->changed_fn = true;
					/* until the callee is walked, optimistic: the
					 * round after sees its real return */
					s.r[0] = w->fn[c].has_ret ? w->fn[c].ret : scalar(false, 0);
					for (int i = 1; i <= 5; i++)
						s.r[i] = mk(K_UNINIT);
				} else if (op == BI_CALL) {
					helper(w, &s, in->imm);
				} else if (op == BI_JA) {
					long t = (long)pc + 1 + (cls == BI_JMP32 ? in->imm : in->off);
					if (t < (long)fn->start || t >= (long)fn->end) {
						BAD(w, __LINE__);
						break;
					}
					changed |= flow(w, (size_t)t, &s);
					continue;
				} else {
					jump_cond(w, &s, in);
					long t = (long)pc + 1 + in->off;
					if (t < (long)fn->start || t >= (long)fn->end) {
						BAD(w, __LINE__);
						break;
					}
					/* a null check: on the taken side of ==, r is 0 */
					struct state taken = s;
					if ((in->code & 0x0f) == (BI_JMP | BI_K) && op == BI_JEQ &&
					    in->imm == 0 && s.r[in->dst].kind == K_PTR)
						taken.r[in->dst] = scalar(true, 0);
					struct state fall = s;
					if ((in->code & 0x0f) == (BI_JMP | BI_K) && op == BI_JNE &&
					    in->imm == 0 && s.r[in->dst].kind == K_PTR)
						fall.r[in->dst] = scalar(true, 0);
					changed |= flow(w, (size_t)t, &taken);
					s = fall;
				}
			} else if (w->skb && (in->code & 0xe0) == BI_ABS) {
				/* r0 = packet bytes (or the program ends with 0);
				 * r1..r5 are gone, as after a call */
				for (int i = 1; i <= 5; i++)
					s.r[i] = mk(K_UNINIT);
				s.r[0] = scalar(false, 0);
			} else if (w->skb && (in->code & 0xe0) == BI_IND) {
				if (!is_scalar(s.r[in->src]))
					BAD(w, __LINE__);
				for (int i = 1; i <= 5; i++)
					s.r[i] = mk(K_UNINIT);
				s.r[0] = scalar(false, 0);
			} else {
				BAD(w, __LINE__); /* LD_ABS / LD_IND: not in XDP */
			}
			if (next >= fn->end) {
				BAD(w, __LINE__); /* falls off the function */
				break;
			}
			changed |= flow(w, next, &s);
		}
	}
}

bool dt_clean(const struct bpfvm_insn *p, size_t n, bool skb, long *bad_pc, int *rule)
{
	struct walk w;
	memset(&w, 0, sizeof(w));
	w.p = p, w.n = n, w.skb = skb;
	w.in = calloc(n + 1, sizeof(*w.in));
	if (!w.in)
		return false;
	/* functions: main, then every pseudo-call target */
	size_t starts[MAX_FN] = { 0 };
	int ns = 1;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && p[i - 1].code == (BI_LD | BI_DW | BI_IMM))
			continue;
		if (p[i].code == (BI_JMP | BI_CALL) && p[i].src == BI_PSEUDO_CALL) {
			long t = (long)i + 1 + p[i].imm;
			bool seen = false;
			for (int k = 0; k < ns; k++)
				seen |= (long)starts[k] == t;
			if (t <= 0 || t >= (long)n || ns == MAX_FN) {
				free(w.in);
				return false;
			}
			if (!seen)
				starts[ns++] = (size_t)t;
		}
	}
	for (int a = 1; a < ns; a++) /* sort */
		for (int b = a; b > 0 && starts[b - 1] > starts[b]; b--) {
			size_t t = starts[b];
			starts[b] = starts[b - 1];
			starts[b - 1] = t;
		}
	w.nfn = ns;
	for (int f = 0; f < ns; f++) {
		w.fn[f].start = starts[f];
		w.fn[f].end = f + 1 < ns ? starts[f + 1] : n;
	}
	w.fn[0].entry.live = true;
	w.fn[0].entry.r[1] = mk(K_CTX);
	w.fn[0].entry.r[10] = mk(K_STACK);
	w.fn[0].entry.r[10].known = true;
	/* functions until their entries and returns settle */
	for (int round = 0; round < 50 && !w.bad; round++) {
		w.changed_fn = false;
		for (int f = 0; f < ns && !w.bad; f++)
			if (w.fn[f].entry.live)
				walk_fn(&w, f);
		if (!w.changed_fn)
			break;
	}
	free(w.in);
	if (bad_pc)
		*bad_pc = w.bad ? w.bad_pc : -1;
	if (rule)
		*rule = w.line;
	return !w.bad;
}
