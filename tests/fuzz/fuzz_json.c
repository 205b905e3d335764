/*
 * fuzz_json.c - the tool's strict JSON reader (tools/json_read.c) on any
 * bytes: it must never read out of bounds, leak, or crash, and a document
 * it accepts must give a tree whose numbers convert or are refused cleanly.
 */
#include <stddef.h>
#include <stdint.h>

#include "../../tools/json_read.c"

static void walk(const struct jr_value *v)
{
	uint64_t u;
	int64_t i;
	if (v->type == JR_NUMBER) {
		(void)jr_u64(v, &u);
		(void)jr_i64(v, &i);
	}
	for (size_t k = 0; k < v->n; k++) {
		if (v->type == JR_OBJECT && jr_get(v, v->items[k].key) == NULL)
			__builtin_trap(); /* every key is found */
		walk(&v->items[k]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jr_value *root = NULL;
	struct jr_error err;
	if (jr_parse((const char *)data, size, &root, &err) == 0) {
		walk(root);
		jr_free(root);
	} else if (root || err.line < 1 || err.column < 1) {
		__builtin_trap();
	}
	return 0;
}
