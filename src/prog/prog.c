/*
 * prog.c - loading a program: decode against the ISA table, bind helpers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/error.h"
#include "hooks/hooks.h"
#include "interp/interp.h"
#include "jit/jit.h"
#include "maps/map.h"
#include "prog.h"
#include "verifier/verifier.h"

/* Calls to helpers the vm does not provide are refused at load, as the
 * kernel refuses unknown helper ids, rather than failing mid-run. */
static int check_helpers(const struct bpfvm_prog *prog, struct bpfvm_error *err)
{
	for (size_t pc = 0; pc < prog->n; pc++) {
		const struct isa_insn *in = &prog->insns[pc];
		if (in->id == ISA__WIDE_HI || isa_table[in->id].shape != ISA_SHAPE_CALL_HELPER)
			continue;
		if (vm_helper(prog->vm, (uint32_t)in->imm))
			continue;
		const char *kname = in->imm >= 0 ? bpfvm_helper_kernel_name((uint32_t)in->imm) : NULL;
		if (kname)
			return err_insn(err, -EINVAL, (long)pc,
					"call to helper %d (bpf_%s), which bpfvm does not provide "
					"yet", in->imm, kname);
		return err_insn(err, -EINVAL, (long)pc,
				"call to helper %d, which this vm does not provide", in->imm);
	}
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* ld_imm64 code_addr (the kernel's BPF_PSEUDO_FUNC): imm is the offset of
 * a function from the next slot, as in a call. It becomes the address of
 * that function's first decoded instruction, which helpers taking a
 * callback (bpf_loop) check against the list kept here. */
static int resolve_callback(struct bpfvm_prog *prog, size_t pc, struct bpfvm_error *err)
{
	struct isa_insn *in = &prog->insns[pc];
	long target = (long)pc + 1 + in->imm;
	if (target < 0 || (size_t)target >= prog->n || prog->insns[target].id == ISA__WIDE_HI)
		return err_insn(err, -EINVAL, (long)pc,
				"ld_imm64 code_addr: function %ld is not an instruction of the program",
				target);
	uint32_t *cb = realloc(prog->callbacks, (prog->n_callbacks + 1) * sizeof(*cb));
	if (!cb)
		return err_set(err, -ENOMEM, "out of memory");
	prog->callbacks = cb;
	cb[prog->n_callbacks++] = (uint32_t)target;
	qsort(cb, prog->n_callbacks, sizeof(*cb), cmp_u32);
	in->id = ISA_LDDW;
	in->src = 0;
	in->imm64 = (uint64_t)(uintptr_t)&prog->insns[target];
	return 0;
}

bool prog_is_callback(const struct bpfvm_prog *prog, size_t pc)
{
	return bsearch(&(uint32_t){ (uint32_t)pc }, prog->callbacks, prog->n_callbacks,
		       sizeof(uint32_t), cmp_u32) != NULL;
}

/*
 * ld_imm64 pseudo forms name maps; the program's own copy of the decoded
 * instruction becomes a plain ld_imm64 of the map's address (src 1, 5) or
 * of the address in its value at key 0 (src 2, 6: global data). The raw
 * slots keep the original form, for disassembly.
 */
static int resolve_maps(struct bpfvm_prog *prog, struct bpfvm_error *err)
{
	for (size_t pc = 0; pc < prog->n; pc++) {
		struct isa_insn *in = &prog->insns[pc];
		if (in->id == ISA__WIDE_HI || isa_table[in->id].shape != ISA_SHAPE_LDDW ||
		    in->src == 0)
			continue;
		if (in->src == 3)
			return err_insn(err, -ENOTSUP, (long)pc,
					"ld_imm64 var_addr (a BTF variable) is not supported yet");
		if (in->src == 4) {
			int ret = resolve_callback(prog, pc, err);
			if (ret)
				return ret;
			continue;
		}
		uint32_t idx = (uint32_t)in->imm;
		if (idx >= prog->n_maps)
			return err_insn(err, -EINVAL, (long)pc,
					"ld_imm64 refers to map %u, but the program was given %zu map%s",
					idx, prog->n_maps, prog->n_maps == 1 ? "" : "s");
		struct bpfvm_map *map = prog->maps[idx];
		uint64_t addr = (uint64_t)(uintptr_t)map;
		if (in->src == 2 || in->src == 6) {
			uint32_t off = (uint32_t)prog->insns[pc + 1].imm, zero = 0;
			void *value = map_lookup_elem(map, &zero, 0);
			if (!value || map->max_entries != 1 ||
			    (map->type != BPFVM_MAP_TYPE_ARRAY))
				return err_insn(err, -EINVAL, (long)pc,
						"map '%s' does not allow direct value access "
						"(it must be an array of one element)", map->name);
			if (off >= map->value_size)
				return err_insn(err, -EINVAL, (long)pc,
						"offset %u is past the %u-byte value of map '%s'",
						off, map->value_size, map->name);
			addr = (uint64_t)(uintptr_t)value + off;
		}
		in->id = ISA_LDDW;
		in->src = 0;
		in->imm64 = addr;
	}
	return 0;
}

static void prog_destroy(struct bpfvm_prog *prog);

/* The thread's CPU time: what verifying cost, whatever else the machine
 * runs meanwhile. */
static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The static verifier, unless the caller opts out (see
 * bpfvm_load_opts.unverified). */
static int verify(struct bpfvm_prog *prog, const struct bpfvm_load_opts *opts,
		  struct bpfvm_error *err)
{
	BPFVM_OPTS(vfy_opts, vo, .ctx_size = OPTS_GET(opts, ctx_size, 0),
		   .prog_type = prog->prog_type, .attach_type = prog->attach_type,
		   .log_buf = OPTS_GET(opts, log_buf, NULL),
		   .log_size = OPTS_GET(opts, log_size, 0),
		   .log_level = OPTS_GET(opts, log_level, 0));
	struct vfy_stats st = { 0 };
	uint64_t start = cpu_ns();
	int ret = vfy_check(prog, &vo, &st, err);
	prog->vstats = (struct bpfvm_verify_stats){
		.insns_processed = st.insns_processed,
		.states = st.states,
		.peak_states = st.peak_states,
		.pruned = st.pruned,
		.max_stack = st.max_stack,
		.peak_mem = st.peak_mem,
		.time_ns = cpu_ns() - start,
		.uninit_reads = st.uninit_reads,
		.uninit_insn = st.uninit_insn,
	};
	prog->verified = ret == 0;
	prog->reads_uninit = ret == 0 && st.uninit_reads;
	/* what the verifier let it touch through r1: a run must provide it */
	const struct hook_type *ht = hook_type_find(prog->vm, prog->prog_type);
	prog->ctx_min = ht ? ht->real_size : OPTS_GET(opts, ctx_size, 0);
	prog->raw_ctx = !ht;
	return ret;
}

static int load(struct bpfvm_vm *vm, const struct bpfvm_insn *insns, size_t n,
		const struct bpfvm_load_opts *opts, bool jit_trusted, struct bpfvm_prog **out,
		struct bpfvm_error *err)
{
	struct bpfvm_prog *prog = NULL;
	int ret;

	err_clear(err);
	if (out)
		*out = NULL;
	if (!vm || !out || (!insns && n))
		return err_set(err, -EINVAL, "bpfvm_prog__load: NULL argument");
	if (!OPTS_CHECK(bpfvm_load_opts, opts))
		return err_set(err, -EINVAL, "bpfvm_prog__load: unknown fields set in opts");
	if (n > BPFVM_MAX_INSNS)
		return err_set(err, -E2BIG, "program has %zu instructions; the limit is %d", n,
			       BPFVM_MAX_INSNS);

	prog = calloc(1, sizeof(*prog));
	if (!prog)
		return err_set(err, -ENOMEM, "out of memory");
	prog->vm = vm;
	prog->n = n;
	prog->refcnt = 1;
	prog->prog_type = OPTS_GET(opts, prog_type, 0);
	prog->attach_type = OPTS_GET(opts, expected_attach_type, 0);
	struct bpfvm_map *const *maps = OPTS_GET(opts, maps, NULL);
	size_t n_maps = maps ? OPTS_GET(opts, n_maps, 0) : 0;
	if (n_maps) {
		prog->maps = calloc(n_maps, sizeof(*prog->maps));
		if (!prog->maps) {
			ret = err_set(err, -ENOMEM, "out of memory");
			goto fail;
		}
		for (size_t i = 0; i < n_maps; i++) {
			if (!maps[i]) {
				ret = err_set(err, -EINVAL, "bpfvm_prog__load: maps[%zu] is NULL", i);
				goto fail;
			}
			prog->maps[prog->n_maps++] = bpfvm_map__get(maps[i]);
		}
	}
	const char *name = OPTS_GET(opts, name, NULL);
	prog->name = strdup(name ? name : "prog");
	prog->raw = malloc((n ? n : 1) * sizeof(*prog->raw));
	prog->insns = malloc((n ? n : 1) * sizeof(*prog->insns));
	if (!prog->name || !prog->raw || !prog->insns) {
		ret = err_set(err, -ENOMEM, "out of memory");
		goto fail;
	}
	if (n)
		memcpy(prog->raw, insns, n * sizeof(*insns));

	ret = isa_decode(prog->raw, n, prog->insns, err);
	if (ret)
		goto fail;
	ret = resolve_maps(prog, err);
	if (ret)
		goto fail;
	ret = check_helpers(prog, err);
	if (ret)
		goto fail;
	if (!OPTS_GET(opts, unverified, false)) {
		ret = verify(prog, opts, err);
		if (ret)
			goto fail;
	}
	if (OPTS_GET(opts, engine, BPFVM_ENGINE_INTERP) == BPFVM_ENGINE_JIT) {
		ret = jit_prog_load(prog, opts, jit_trusted, err);
		if (ret)
			goto fail;
	}
	ret = interp_prog_prepare(prog, err);
	if (ret)
		goto fail;
	ret = vm_prog_register(vm, prog);
	if (ret) {
		err_set(err, ret, "out of memory");
		goto fail;
	}
	*out = prog;
	return 0;
fail:
	prog_destroy(prog);
	return ret;
}

int bpfvm_prog__load(struct bpfvm_vm *vm, const struct bpfvm_insn *insns, size_t n,
		     const struct bpfvm_load_opts *opts, struct bpfvm_prog **out,
		     struct bpfvm_error *err)
{
	return load(vm, insns, n, opts, false, out, err);
}

int prog_load_trusted(struct bpfvm_vm *vm, const struct bpfvm_insn *insns, size_t n,
		      const struct bpfvm_load_opts *opts, struct bpfvm_prog **out,
		      struct bpfvm_error *err)
{
	return load(vm, insns, n, opts, true, out, err);
}

/* Free a program that no one references (or that never registered). */
static void prog_destroy(struct bpfvm_prog *prog)
{
	if (!prog)
		return;
	if (prog->id)
		vm_prog_unregister(prog->vm, prog);
	for (size_t i = 0; i < prog->n_maps; i++)
		bpfvm_map__put(prog->maps[i]);
	free(prog->maps);
	jit_prog_free(prog);
	interp_prog_free(prog);
	free(prog->callbacks);
	free(prog->vfy_seen);
	free(prog->name);
	free(prog->raw);
	free(prog->insns);
	free(prog);
}

struct bpfvm_prog *prog_get(struct bpfvm_prog *prog)
{
	if (prog)
		__atomic_fetch_add(&prog->refcnt, 1, __ATOMIC_RELAXED);
	return prog;
}

void prog_put(struct bpfvm_prog *prog)
{
	if (prog && __atomic_sub_fetch(&prog->refcnt, 1, __ATOMIC_ACQ_REL) == 0)
		prog_destroy(prog);
}

void bpfvm_prog__free(struct bpfvm_prog *prog)
{
	prog_put(prog);
}

uint32_t bpfvm_prog__id(const struct bpfvm_prog *prog)
{
	return prog ? prog->id : 0;
}

enum bpfvm_engine bpfvm_prog__engine(const struct bpfvm_prog *prog)
{
	return prog ? prog->engine : BPFVM_ENGINE_INTERP;
}

const char *bpfvm_prog__fallback_reason(const struct bpfvm_prog *prog)
{
	return prog ? prog->fallback_reason : NULL;
}

bool bpfvm_prog__verified(const struct bpfvm_prog *prog, struct bpfvm_verify_stats *stats)
{
	if (stats)
		*stats = prog ? prog->vstats : (struct bpfvm_verify_stats){ 0 };
	return prog && prog->verified;
}

uint32_t bpfvm_prog__type(const struct bpfvm_prog *prog)
{
	return prog ? prog->prog_type : 0;
}

size_t bpfvm_prog__insn_cnt(const struct bpfvm_prog *prog)
{
	return prog ? prog->n : 0;
}

const struct bpfvm_insn *bpfvm_prog__insns(const struct bpfvm_prog *prog)
{
	return prog ? prog->raw : NULL;
}

const char *bpfvm_prog__name(const struct bpfvm_prog *prog)
{
	return prog ? prog->name : NULL;
}

/* What bpfvm_prog__run and run_batch check of prog and opts; 0 or an error
 * in err. */
static int run_check(const struct bpfvm_prog *prog, const struct bpfvm_run_opts *opts,
		     struct bpfvm_error *err)
{
	if (!OPTS_CHECK(bpfvm_run_opts, opts))
		return err_set(err, -EINVAL, "bpfvm_prog__run: unknown fields set in opts");
	const char *no_run = hook_run_refusal(hook_type_find(prog->vm, prog->prog_type));
	if (no_run)
		return err_set(err, -ENOTSUP, "program '%s': %s", prog->name ? prog->name : "",
			       no_run);
	size_t n_regions = OPTS_GET(opts, regions, NULL) ? OPTS_GET(opts, n_regions, 0) : 0;
	if (n_regions > BPFVM_MAX_RUN_REGIONS)
		return err_set(err, -EINVAL, "bpfvm_prog__run: %zu regions; at most %d", n_regions,
			       BPFVM_MAX_RUN_REGIONS);
	for (size_t i = 0; i < n_regions; i++)
		if (!opts->regions[i].base && opts->regions[i].len)
			return err_set(err, -EINVAL, "bpfvm_prog__run: region %zu has no base", i);
	if (!OPTS_GET(opts, packet, NULL) && OPTS_GET(opts, packet_len, 0))
		return err_set(err, -EINVAL, "bpfvm_prog__run: packet_len without a packet");
	uint32_t cpu = OPTS_GET(opts, cpu, 0);
	if (cpu >= prog->vm->nr_cpus)
		return err_set(err, -EINVAL, "bpfvm_prog__run: cpu %u, but the vm has %u", cpu,
			       prog->vm->nr_cpus);
	return 0;
}

/* One input's memory: present when it has a length, and at least the
 * context a verified program was verified for. */
static int input_check(const struct bpfvm_prog *prog, const void *mem, size_t mem_len,
		       struct bpfvm_error *err)
{
	if (!mem && mem_len)
		return err_set(err, -EINVAL, "bpfvm_prog__run: NULL argument");
	if (prog->verified && mem_len < prog->ctx_min)
		return err_set(err, -EINVAL,
			       "bpfvm_prog__run: program '%s' was verified for a %u-byte context, "
			       "but mem_len is %zu", prog->name, prog->ctx_min, mem_len);
	return 0;
}

/* Instruction budgets and traces are interpreter features: such a run of
 * a JIT'd program goes to the interpreter. */
static bool runs_jit(const struct bpfvm_prog *prog, const struct bpfvm_run_opts *opts)
{
	return prog->engine == BPFVM_ENGINE_JIT && prog->jit && !OPTS_GET(opts, insn_budget, 0) &&
	       !OPTS_GET(opts, trace, NULL);
}

int bpfvm_prog__run(const struct bpfvm_prog *prog, void *mem, size_t mem_len,
		    const struct bpfvm_run_opts *opts, uint64_t *ret, struct bpfvm_error *err)
{
	err_clear(err);
	if (!prog || !ret)
		return err_set(err, -EINVAL, "bpfvm_prog__run: NULL argument");
	int rc = run_check(prog, opts, err);
	if (!rc)
		rc = input_check(prog, mem, mem_len, err);
	if (rc)
		return rc;
	/* The verifier took a raw program's r2 to be ctx_size and decided
	 * branches on it: the run gives it that, never more (the rest of the
	 * memory is not the program's). */
	if (prog->verified && prog->raw_ctx)
		mem_len = prog->ctx_min;
	if (runs_jit(prog, opts))
		return jit_run(prog, mem, mem_len, opts, ret, err);
	return interp_run(prog, mem, mem_len, opts, ret, err);
}

int bpfvm_prog__run_batch(const struct bpfvm_prog *prog, struct bpfvm_run_item *items, size_t n,
			  const struct bpfvm_run_opts *opts, size_t *done, struct bpfvm_error *err)
{
	err_clear(err);
	if (done)
		*done = 0;
	if (!prog || (!items && n))
		return err_set(err, -EINVAL, "bpfvm_prog__run_batch: NULL argument");
	int rc = run_check(prog, opts, err);
	for (size_t i = 0; !rc && i < n; i++)
		rc = input_check(prog, items[i].mem, items[i].mem_len, err);
	if (rc)
		return rc;
	if (prog->verified && prog->raw_ctx) {
		/* one run each, with r2 = ctx_size as above; the items keep
		 * their mem_len (raw programs are not what batches are for, and
		 * have no packet: the verifier refuses LD_ABS/LD_IND there) */
		for (size_t i = 0; i < n; i++) {
			if ((rc = bpfvm_prog__run(prog, items[i].mem, items[i].mem_len, opts,
						  &items[i].ret, err)))
				return rc;
			if (done)
				*done = i + 1;
		}
		return 0;
	}
	if (runs_jit(prog, opts))
		return jit_run_batch(prog, items, n, opts, done, err);
	return interp_run_batch(prog, items, n, opts, done, err);
}

