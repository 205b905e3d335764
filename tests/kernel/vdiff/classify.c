/*
 * classify.c - a short class name for a verifier's refusal, so that the
 * differential counts mismatches by what went wrong rather than by
 * message text: bpfvm's messages classify precision gaps (the kernel
 * accepts, bpfvm refuses), the kernel's classify soundness cases (bpfvm
 * accepts, the kernel refuses). One table per verifier, first match wins;
 * all the fragments of a row must be in the message.
 */
#include <string.h>

#include "vdiff.h"

struct rule {
	const char *a, *b; /* b may be NULL */
	const char *cls;
};

static const char *match(const struct rule *r, const char *msg)
{
	for (; r->a; r++)
		if (strstr(msg, r->a) && (!r->b || strstr(msg, r->b)))
			return r->cls;
	return "other";
}

static const struct rule bpfvm_rules[] = {
	{ "must return a scalar", NULL, "ret-ptr" },
	{ "is not initialised", NULL, "uninit-reg" },
	{ "never written", NULL, "uninit-stack" },
	{ "uninitialised stack", NULL, "uninit-stack" },
	{ "register spill", NULL, "spill" },
	{ "register fill", NULL, "spill" },
	{ "spilled pointer", NULL, "spill" },
	{ "misaligned stack", NULL, "stack-align" },
	{ "misaligned context", NULL, "ctx-align" },
	{ "aligned to their size", NULL, "align" },
	{ "stack frame", NULL, "stack-bounds" },
	{ "bytes of stack", NULL, "helper-mem" },
	{ "atomic", NULL, "atomic" },
	{ "NULL", NULL, "null-check" },
	{ "32-bit arithmetic on pointer", NULL, "ptr-alu32" },
	{ "32-bit move of pointer", NULL, "ptr-alu32" },
	{ "combines two pointers", NULL, "ptr-ptr" },
	{ "subtracts pointers", NULL, "ptr-ptr" },
	{ "subtracts a pointer", NULL, "scalar-minus-ptr" },
	{ "different regions", NULL, "ptr-cmp" },
	{ "on pointer r", NULL, "ptr-op" },
	{ "pointer arithmetic", NULL, "ptr-op" },
	{ "modified ctx", NULL, "ctx-modified" },
	{ "unmodified ctx", NULL, "ctx-modified" },
	{ "read-only for", NULL, "ctx-readonly" },
	{ "cannot write into", NULL, "ctx-readonly" },
	{ "the field is", NULL, "ctx-size" },
	{ "past the field", NULL, "ctx-size" },
	{ "past the end of its field", NULL, "ctx-size" },
	{ "is a pointer: read it whole", NULL, "ctx-size" },
	{ "cannot access", NULL, "ctx-field" },
	{ "context", NULL, "ctx-field" },
	{ "size of r", NULL, "helper-size" },
	{ "known constant size", NULL, "helper-size" },
	{ "needs at least one byte", NULL, "helper-size" },
	{ "must point to the", NULL, "helper-mem" },
	{ "must be a pointer to memory", NULL, "helper-mem" },
	{ "helpers take", NULL, "helper-mem" },
	{ "packet", "proved", "pkt-bounds" },
	{ "packet", NULL, "pkt-other" },
	{ "unbounded", NULL, "var-range" },
	{ "may be negative", NULL, "var-range" },
	{ "not bounded", NULL, "var-range" },
	{ "no lower bound", NULL, "var-range" },
	{ "bound the index", NULL, "var-range" },
	{ "may fall outside", NULL, "var-range" },
	{ "variable offset", NULL, "var-range" },
	{ "far out of bounds", NULL, "var-range" },
	{ "map value", NULL, "map-bounds" },
	{ "map '", NULL, "map-bounds" },
	{ "is a scalar, not a pointer", NULL, "scalar-deref" },
	{ "programs return", NULL, "ret" },
	{ NULL, NULL, NULL },
};

static const struct rule kernel_rules[] = {
	{ "!read_ok", NULL, "uninit-reg" },
	{ "invalid read from stack", NULL, "uninit-stack" },
	{ "invalid indirect read from stack", NULL, "uninit-stack" },
	{ "invalid size of register", NULL, "spill" },
	{ "spilled ptr", NULL, "spill" },
	{ "misaligned stack", NULL, "stack-align" },
	{ "misaligned", NULL, "align" },
	{ "invalid write to stack", NULL, "stack-bounds" },
	{ "invalid stack", NULL, "stack-bounds" },
	{ "invalid indirect access to stack", NULL, "helper-mem" },
	{ "invalid unbounded variable-offset", NULL, "var-range" },
	{ "invalid variable-offset", NULL, "var-range" },
	{ "atomic", NULL, "atomic" },
	{ "BPF_ATOMIC", NULL, "atomic" },
	{ "_or_null", NULL, "null-check" },
	{ "or_null", NULL, "null-check" },
	{ "32-bit pointer arithmetic", NULL, "ptr-alu32" },
	{ "pointer arithmetic on", NULL, "ptr-op" },
	{ "pointer comparison", NULL, "ptr-cmp" },
	{ "subtraction from stack pointer", NULL, "ptr-op" },
	{ "tried to subtract pointer from scalar", NULL, "scalar-minus-ptr" },
	{ "pointer -= pointer", NULL, "ptr-ptr" },
	{ "pointer += pointer", NULL, "ptr-ptr" },
	{ "prohibited", NULL, "ptr-op" },
	{ "modified ctx", NULL, "ctx-modified" },
	{ "invalid bpf_context access", NULL, "ctx-field" },
	{ "ctx is not allowed", NULL, "ctx-field" },
	{ "invalid access to packet", NULL, "pkt-bounds" },
	{ "packet", NULL, "pkt-other" },
	{ "invalid access to map value", NULL, "map-bounds" },
	{ "invalid access to memory", NULL, "helper-mem" },
	{ "unbounded min value", NULL, "var-range" },
	{ "unbounded memory access", NULL, "var-range" },
	{ "min value is negative", NULL, "var-range" },
	{ "math between", NULL, "var-range" },
	{ "value is outside of the allowed memory range", NULL, "var-range" },
	{ "invalid zero-sized read", NULL, "helper-size" },
	{ "zero-sized", NULL, "helper-size" },
	{ "R4 type=", NULL, "helper-size" },
	{ "type=", "expected=", "helper-type" },
	{ "invalid mem access 'scalar'", NULL, "scalar-deref" },
	{ "invalid mem access", NULL, "mem-other" },
	{ "At program exit", NULL, "ret" },
	{ "leaks addr", NULL, "ptr-leak" },
	{ NULL, NULL, NULL },
};

const char *vdf_class_bpfvm(const char *msg)
{
	return match(bpfvm_rules, msg);
}

const char *vdf_class_kernel(const char *msg)
{
	return match(kernel_rules, msg);
}
