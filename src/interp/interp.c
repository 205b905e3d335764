/* placeholder: the interpreter lands here */
#include <errno.h>
#include "interp.h"
int interp_run(const struct bpfvm_prog *prog, void *mem, size_t mem_len,
	       const struct bpfvm_run_opts *opts, uint64_t *ret, struct bpfvm_error *err)
{ (void)prog; (void)mem; (void)mem_len; (void)opts; (void)ret; (void)err; return -ENOSYS; }
