/*
 * callbacks.c - helpers that call back into the program: bpf_loop.
 *
 * The callback runs in the interpreter as a BPF-to-BPF call would, in a
 * frame of its own (call_callback); an error inside it ends the whole run
 * with that error, located at the faulting instruction of the callback.
 */
#include <errno.h>

#include "helpers_impl.h"
#include "interp/call.h"

/* The kernel's BPF_MAX_LOOPS: the most iterations bpf_loop runs. */
#define MAX_LOOPS (1u << 23)

/*
 * bpf_loop(nr_loops, callback_fn, callback_ctx, flags): callback(i, ctx)
 * for i = 0 .. nr_loops-1, stopping early when it returns non-zero.
 * Returns the number of iterations run; -EINVAL for flags, -E2BIG over
 * BPF_MAX_LOOPS (the kernel's answers).
 */
HELPER_DECL(loop)
{
	(void)r5;
	if (r4)
		return (uint64_t)-EINVAL;
	if (r1 > MAX_LOOPS)
		return (uint64_t)-E2BIG;
	for (uint64_t i = 0; i < r1; i++) {
		uint64_t args[5] = { i, r3, 0, 0, 0 }, ret;
		if (call_callback(call, r2, args, &ret))
			return 0; /* the run is stopping */
		if (ret)
			return i + 1;
	}
	return r1;
}
