/*
 * prog.c - loading a program: decode against the ISA table, bind helpers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "interp/interp.h"
#include "prog.h"

/* Calls to helpers the vm does not provide are refused at load, as the
 * kernel refuses unknown helper ids, rather than failing mid-run. */
static int check_helpers(const struct bpfvm_prog *prog, struct bpfvm_error *err)
{
	for (size_t pc = 0; pc < prog->n; pc++) {
		const struct isa_insn *in = &prog->insns[pc];
		if (in->id == ISA__WIDE_HI || isa_table[in->id].shape != ISA_SHAPE_CALL_HELPER)
			continue;
		if (!vm_helper(prog->vm, (uint32_t)in->imm))
			return err_insn(err, -EINVAL, (long)pc,
					"call to helper %d, which this vm does not provide",
					in->imm);
	}
	return 0;
}

int bpfvm_prog__load(struct bpfvm_vm *vm, const struct bpfvm_insn *insns, size_t n,
		     const struct bpfvm_load_opts *opts, struct bpfvm_prog **out,
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
	ret = check_helpers(prog, err);
	if (ret)
		goto fail;
	*out = prog;
	return 0;
fail:
	bpfvm_prog__free(prog);
	return ret;
}

void bpfvm_prog__free(struct bpfvm_prog *prog)
{
	if (!prog)
		return;
	free(prog->name);
	free(prog->raw);
	free(prog->insns);
	free(prog);
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

int bpfvm_prog__run(const struct bpfvm_prog *prog, void *mem, size_t mem_len,
		    const struct bpfvm_run_opts *opts, uint64_t *ret, struct bpfvm_error *err)
{
	err_clear(err);
	if (!prog || !ret || (!mem && mem_len))
		return err_set(err, -EINVAL, "bpfvm_prog__run: NULL argument");
	if (!OPTS_CHECK(bpfvm_run_opts, opts))
		return err_set(err, -EINVAL, "bpfvm_prog__run: unknown fields set in opts");
	return interp_run(prog, mem, mem_len, opts, ret, err);
}
