/*
 * vfy.h - the verifier's shared internals: abstract registers, stack
 * slots, frames and states, and the modules' entry points.
 *
 * Abstract register (struct vreg): a kind plus, for pointers, the region
 * it points into and its offset from the region's start. The offset has a
 * fixed part (off, from constants) and a variable part (s, a scalar range:
 * the kernel's var_off); for a scalar s is its value. Invariants: NOT_INIT
 * registers carry nothing else; only pointer kinds use off/map/frameno.
 *
 * Stack (per frame): 64 slots of 8 bytes, slot 0 at r10-8. Each byte is
 * INVALID (never written), MISC (written, value unknown), ZERO, or SPILL
 * (part of a register spill kept in slot->spill). A spill starts at the
 * slot's first byte and covers all 8 bytes, or 1, 2 or 4 for a scalar
 * that fits in them. Frames allocate slots as they grow.
 */
#ifndef BPFVM_VERIFIER_VFY_H
#define BPFVM_VERIFIER_VFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpfvm.h"
#include "isa/isa.h"
#include "prog/prog.h"
#include "verifier/range.h"
#include "verifier/verifier.h"

enum vtype {
	VT_NOT_INIT = 0,
	VT_SCALAR,
	VT_PTR_TO_CTX,
	VT_PTR_TO_STACK,
	VT_PTR_TO_MAP_VALUE,
	VT_PTR_TO_MAP_VALUE_OR_NULL,
	VT_CONST_PTR_TO_MAP,
	VT_CONST_PTR_TO_MAP_OR_NULL,
	VT_PTR_TO_MEM,          /* helper memory (ringbuf record), mem_size bytes */
	VT_PTR_TO_MEM_OR_NULL,
	VT_PTR_TO_PACKET,       /* id, off, range: bytes [off, range) proved inside */
	VT_PTR_TO_PACKET_META,
	VT_PTR_TO_PACKET_END,
	VT_PTR_TO_FUNC,         /* a subprogram (ld_imm64 code_addr): off = its insn */
	VT_PTR_TO_BTF_ID,       /* a struct of bpfvm's BTF (btf_id, btf_name), read-only
				 * field by field (btf_ptr.c) */
	VT__COUNT,
};

struct vreg {
	uint8_t type;     /* enum vtype */
	uint8_t frameno;  /* PTR_TO_STACK: the frame it points into */
	uint8_t precise;  /* scalars in stored states: some check below relied
			   * on the value (precise.c); others never prune apart */
	uint8_t rdonly;   /* PTR_TO_MEM: read-only (a for_each callback's key) */
	int32_t off;      /* pointers: fixed offset */
	uint32_t id;      /* *_OR_NULL: registers sharing a null check */
	uint32_t ref_id;  /* PTR_TO_MEM from ringbuf: the reservation */
	uint32_t mem_size; /* PTR_TO_MEM: bytes */
	uint32_t range;   /* PTR_TO_PACKET(_META): bytes past the variable part
			   * proved readable (pkt + range <= data_end) */
	uint32_t btf_id;  /* PTR_TO_BTF_ID: the struct in env->kbtf */
	union {
		const struct bpfvm_map *map; /* map value / map pointers */
		const char *btf_name;        /* PTR_TO_BTF_ID: the struct's name */
	};
	struct scal s;    /* scalar value, or a pointer's variable offset */
};

enum { SB_INVALID = 0, SB_MISC, SB_ZERO, SB_SPILL };

struct vslot {
	uint8_t b[8];     /* per byte, b[0] is the lowest address */
	uint8_t spill_size; /* 0, or the spill's bytes: b[0..spill_size) */
	struct vreg spill;
};

#define VFY_SLOTS (BPFVM_STACK_SIZE / 8)
#define VFY_MAX_FRAMES BPFVM_MAX_CALL_DEPTH

struct vframe {
	struct vreg regs[BPFVM_NREGS];
	uint32_t callsite;  /* the call insn in the caller (frames > 0) */
	/* a callback frame (bpf_loop, for_each_map_elem): its exit returns
	 * to the helper call, which may call it again (callback.c) */
	uint8_t callback;
	uint32_t cb_nrefs;  /* references held when it was entered */
	uint32_t subprog;   /* first insn of the function */
	uint32_t frameno;
	uint32_t nslots;    /* allocated slots */
	struct vslot *stack; /* slot i covers [r10 - 8(i+1), r10 - 8i) */
};

struct vsl; /* a stored (explored) state */

/* One executed instruction of a path (precise.c walks them backwards). */
struct vhist {
	uint32_t idx;    /* the instruction */
	uint8_t frame;   /* the frame it ran in */
	uint8_t sframe;  /* VH_STACK: the frame and slot it loaded or stored */
	uint8_t slot;
	uint8_t flags;
};
enum { VH_STACK = 1 };

/* A resource the program must give back on every path (a ringbuf
 * record): the id its pointers carry (vreg.ref_id) and where it was
 * acquired. */
#define VFY_MAX_REFS 16
struct vref {
	uint32_t id;
	uint32_t insn;
};

struct vstate {
	uint32_t curframe;
	uint32_t pc;
	uint32_t backedge_pc;   /* last jump taken backwards (for loop messages) */
	uint32_t backedge_to;
	struct vframe *fr[VFY_MAX_FRAMES];
	struct vsl *parent;     /* nearest stored ancestor */
	uint32_t iter_depth;    /* callback calls and may_goto iterations on the
				 * path (an equal state in a later iteration of
				 * such a loop is no infinite loop) */
	uint32_t nrefs;         /* references held */
	struct vref refs[VFY_MAX_REFS];
	/* the bpf_spin_lock held (lock_map != NULL): the map value it is in
	 * (map, the value pointer's id, offset) and the call that took it */
	const struct bpfvm_map *lock_map;
	uint32_t lock_id, lock_insn;
	int64_t lock_off;
	/* the instructions executed since parent's (a stored state: up to
	 * its own pc), oldest first */
	struct vhist *hist;
	uint32_t hlen, hcap;
};

struct vsl {
	struct vstate st;
	uint32_t branches;      /* live paths below (0 = fully explored) */
	uint32_t hits, misses;  /* comparisons it won and lost (eviction) */
	struct vsl *next;       /* same pc */
	struct vsl *all_next;   /* every stored state, for freeing */
};

/* Per instruction: what the memory access there touched (ctx rewriting). */
enum { VCX_NONE = 0, VCX_CTX, VCX_OTHER };
struct vctx_rw {
	uint8_t what;      /* VCX_* */
	uint8_t real_size; /* VCX_CTX: the real access */
	int16_t real_off;
	const struct hook_field *field;
};

struct hook_type;
struct hook_field;

struct venv {
	const struct bpfvm_prog *prog;
	const struct hook_type *ht; /* the program type; NULL = raw */
	uint32_t attach_type;       /* vfy_opts.attach_type */
	struct btf *kbtf;           /* bpfvm's BTF (hooks/kern_btf.h), built when a
				     * BTF-typed pointer first appears */
	struct vctx_rw *rw;         /* per insn */
	const struct isa_insn *insns;
	size_t n;
	uint32_t ctx_size;
	uint64_t budget;
	struct vfy_stats st;
	struct bpfvm_error *err;
	uint32_t next_id;
	/* per insn */
	uint8_t *prune_point;
	uint8_t *seen;              /* 1: some path reached the insn (given to
				     * prog->vfy_seen on success, for the JIT) */
	uint16_t *live_in;          /* registers live before the insn (bit i: ri) */
	struct vsl **explored;      /* stored states per insn */
	struct vsl *all;
	/* per subprog (indexed by first insn): the deepest stack use */
	uint32_t *subprog_depth;    /* n entries, only subprog starts used */
	uint8_t *is_subprog;
	/* callbacks: per helper-call insn, the callback it calls + 1; a
	 * callback state the call made, for the driver to push */
	uint32_t *cb_target;
	struct vstate *cb_pending;
	/* loop heuristic: counters at the last stored state */
	uint64_t prev_insns, jmps, prev_jmps;
	uint64_t mem_stored, mem_pending; /* bytes of states (vstate_bytes) */
	char *log;
	size_t log_size, log_len;
	uint32_t log_level;         /* 1: the refusal's path; 2: every insn */
};

/* state.c */
struct vreg vreg_not_init(void);
struct vreg vreg_scalar(struct scal s);
struct vreg vreg_unknown(void);
struct vreg vreg_const(uint64_t v);
bool vreg_is_ptr(const struct vreg *r);
bool vreg_is_const(const struct vreg *r);
const char *vtype_name(unsigned type);
/* "map value of 'counts'", "stack", ... for messages */
void vreg_describe(const struct vreg *r, char *buf, size_t size);
struct vframe *vframe_new(uint32_t frameno, uint32_t callsite, uint32_t subprog);
void vframe_free(struct vframe *f);
/* Make slots [0, nslots) exist. -ENOMEM */
int vframe_grow(struct vframe *f, uint32_t nslots);
void vstate_free(struct vstate *s);
int vstate_copy(struct vstate *dst, const struct vstate *src);
static inline struct vframe *vcur(struct vstate *s) { return s->fr[s->curframe]; }
/* old covers cur: every run from cur is a run old already proved safe. */
bool vstate_covers(const struct venv *env, const struct vstate *old, const struct vstate *cur);
/* Every value of cur is one of old's, all scalars compared (loops). */
bool vstate_within(const struct venv *env, const struct vstate *old, const struct vstate *cur);
/* Bytes a state holds (frames, stacks, history), for the statistics. */
uint64_t vstate_bytes(const struct vstate *s);
/* Exactly the same abstract state (loop detection). */
bool vstate_equal(const struct venv *env, const struct vstate *a, const struct vstate *b);
/* The registers of frame f that are live at s's point (liveness). */
uint16_t vfy_live_regs(const struct venv *env, const struct vstate *s, uint32_t f);
/* Apply fn to every register and spilled register in every frame. */
void vstate_for_each_reg(struct vstate *s, void (*fn)(struct vreg *r, void *ctx), void *ctx);

/* alu.c */
/* Pointers into one region (a stack frame, a map's values, one record,
 * the ctx, the packet with its end and meta). */
bool vfy_same_region(const struct vreg *a, const struct vreg *b);
/* The scalar result of "a op b" at bits (32: low halves, zero-extended);
 * op is an enum isa_op ALU operation. Shift counts out of range give an
 * unknown value (the run-time masks them). */
struct scal scal_alu(unsigned op, const struct scal *a, const struct scal *b, unsigned bits);
int vfy_alu(struct venv *env, struct vstate *s, const struct isa_insn *in,
	    const struct isa_desc *d, uint32_t pc);

/* mem.c */
int vfy_mem(struct venv *env, struct vstate *s, const struct isa_insn *in,
	    const struct isa_desc *d, uint32_t pc);
/* Helper memory argument: [reg, reg + size) readable (or writable, then
 * marked initialised). size_umax: the largest size; size_umin the least. */
int vfy_helper_mem(struct venv *env, struct vstate *s, uint32_t pc, unsigned regno,
		   uint64_t size_umin, uint64_t size_umax, bool write, const char *what);

/* branch.c: a conditional jump's outcome on s: -1 unknown, 0 never
 * taken, 1 always taken (fails on uninitialised operands); and the
 * refinement of s on one side (taken or not). *dead: that side cannot
 * happen. */
int vfy_branch_outcome(struct venv *env, struct vstate *s, const struct isa_insn *in,
		       const struct isa_desc *d, uint32_t pc, int *outcome);
void vfy_branch_refine(struct venv *env, struct vstate *s, const struct isa_insn *in,
		       const struct isa_desc *d, bool taken, bool *dead);

/* ctx.c: a load/store of size bytes at ctx + off (typed contexts), and
 * the rewrite of the proved accesses into the real context. */
int vfy_ctx_access(struct venv *env, struct vstate *s, uint32_t pc, unsigned regno, int64_t off,
		   unsigned size, bool write, bool sx, struct vreg *dst);
/* Record what the access at pc touched; refuses a ctx/other mix. */
int vfy_note_access(struct venv *env, uint32_t pc, bool ctx);
void vfy_ctx_rewrite(struct venv *env, struct bpfvm_prog *prog);
/* LD_ABS / LD_IND (skb types). */
int vfy_ld_abs(struct venv *env, struct vstate *s, const struct isa_insn *in,
	       const struct isa_desc *d, uint32_t pc);

/* btf_ptr.c: BTF-typed pointers (the kernel's PTR_TO_BTF_ID). */
/* *dst becomes a pointer to struct name of bpfvm's BTF. */
int vfy_btf_ptr(struct venv *env, uint32_t pc, const char *name, struct vreg *dst);
/* A load (dst) or store of size bytes at regs[regno] + off, a BTF pointer. */
int vfy_btf_access(struct venv *env, struct vstate *s, uint32_t pc, unsigned regno, int64_t off,
		   unsigned size, bool write, bool sx, struct vreg *dst);
/* Helpers whose argument the kernel types as a BTF pointer (bpf_xdp_output's
 * struct xdp_buff *): r<regno> must be one, to the start of that struct. */
int vfy_btf_helper_arg(struct venv *env, struct vstate *s, uint32_t pc, uint32_t helper_id,
		       unsigned regno, const char *hname);

/* pkt.c: packet pointers. */
bool vfy_is_pkt(const struct vreg *r);
int vfy_pkt_access(struct venv *env, uint32_t pc, unsigned regno, const struct vreg *p,
		   int64_t off, uint64_t size, bool write, const char *verb);
/* pkt += scalar (dst a packet pointer; off a scalar). */
int vfy_pkt_add(struct venv *env, uint32_t pc, unsigned op, struct vreg *dst,
		const struct vreg *off, unsigned dregno);
/* A comparison of packet pointers: refines ranges on the side where it
 * holds (or not). Returns true when it was one. */
bool vfy_pkt_refine(struct venv *env, struct vstate *s, const struct isa_insn *in,
		    const struct isa_desc *d, bool taken);
/* Packet pointers die (a helper moved the packet). */
void vfy_pkt_invalidate(struct vstate *s);
/* r0 at the main exit against the program type's return range. */
int vfy_check_ret(struct venv *env, struct vstate *s, uint32_t pc);

/* call.c */
int vfy_helper_call(struct venv *env, struct vstate *s, const struct isa_insn *in, uint32_t pc);
int vfy_local_call(struct venv *env, struct vstate *s, const struct isa_insn *in, uint32_t pc,
		   uint32_t *next_pc);
/* Return from a subprogram: *next_pc, or *done for the main exit. */
int vfy_exit(struct venv *env, struct vstate *s, uint32_t pc, uint32_t *next_pc, bool *done);
int vfy_check_stack_depth(struct venv *env);

/* refs.c: references and the spin lock. */
int vfy_ref_acquire(struct venv *env, struct vstate *s, uint32_t pc, uint32_t id);
/* Drop reference id (released, or NULL on this path). */
void vfy_ref_drop(struct vstate *s, uint32_t id);
/* Refuse what must not happen with references or a lock held: exit of
 * the program (what: "exit"), or a call (what: the callee's name). */
int vfy_ref_check_exit(struct venv *env, struct vstate *s, uint32_t pc);
int vfy_lock_check_call(struct venv *env, struct vstate *s, uint32_t pc, const char *what);
/* callback.c: helpers that call back into the program. */
bool vfy_calls_callback(const struct venv *env, uint32_t helper_id);
/* At the helper call: set up the callback's first call (into
 * env->cb_pending) from s, whose args were checked. */
int vfy_callback_call(struct venv *env, struct vstate *s, uint32_t pc, uint32_t helper_id,
		      uint32_t target, const struct bpfvm_map *map, const struct vreg *cb_ctx);
/* A callback's exit: check r0, pop its frame, back to the call. */
int vfy_callback_exit(struct venv *env, struct vstate *s, uint32_t pc, uint32_t *next_pc);
/* Widen cur's scalars that changed since old (an earlier visit of the
 * same call in the same loop) and old did not rely on. */
void vfy_callback_widen(const struct vstate *old, struct vstate *cur);

/* precise.c */
/* Record that s executes pc now (-ENOMEM), and that it touched stack slot
 * slot of frame frameno. */
int vfy_hist_push(struct vstate *s, uint32_t pc);
void vfy_hist_stack(struct vstate *s, uint32_t frameno, uint32_t slot);
/* The instruction being checked relies on the value of r<regno> (a
 * scalar): mark its sources precise in the stored ancestors. */
void vfy_mark_precise(const struct venv *env, struct vstate *s, unsigned regno);
/* Every scalar of s's stored ancestors is precise (a prune whose reasons
 * are not known yet). */
void vfy_mark_all_precise(struct vstate *s);
/* cur was pruned by old: what old's safety relied on, cur's does too. */
void vfy_propagate_precision(const struct venv *env, const struct vstate *old,
			     struct vstate *cur);

/* log.c */
void vlog(struct venv *env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* r in the kernel's notation ("ctx()", "fp-8", "scalar(umax=255)"). */
void vlog_reg(char *buf, size_t size, const struct vreg *r);
/* The registers in mask of the current frame (and, with stack, every
 * frame's registers and stack). */
void vlog_regs(struct venv *env, struct vstate *s, uint16_t mask, bool stack);
/* "pc: insn ; the registers in uses" (level 2). */
void vlog_insn(struct venv *env, struct vstate *s, uint32_t pc, uint16_t uses);
/* The conditional jumps on s's path and which way each went. */
void vlog_path(struct venv *env, const struct vstate *s);

/* verifier.c */
int vfy_err(struct venv *env, int code, uint32_t pc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* r<regno> must be initialised. */
int vfy_check_init(struct venv *env, struct vstate *s, uint32_t pc, unsigned regno);
uint32_t vfy_new_id(struct venv *env);

#endif
