/*
 * global_set.c - `bpfvm run --set NAME=VALUE`; see global_set.h.
 */
#include "global_set.h"

#include <bpf/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf_parse.h"

int global_set_arg(const char *cmd, struct bpfvm_object *obj, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char *name = eq ? strndup(arg, (size_t)(eq - arg)) : NULL;
	uint8_t *bytes = NULL;
	int ret = -1;
	struct bpfvm_error err;
	struct bpfvm_global_info gi;
	char msg[256], tname[128];

	if (!eq || eq == arg || !eq[1]) {
		fprintf(stderr, "bpfvm %s: --set %s: expected NAME=VALUE\n", cmd, arg);
		goto out;
	}
	if (!name) {
		fprintf(stderr, "bpfvm %s: out of memory\n", cmd);
		goto out;
	}
	if (bpfvm_object__find_global(obj, name, &gi, &err)) {
		fprintf(stderr, "bpfvm %s: --set %s: %s\n", cmd, arg, err.msg);
		goto out;
	}
	const struct btf *btf = bpfvm_object__btf(obj);
	int rid = btf__resolve_type(btf, gi.btf_type_id);
	const struct btf_type *t = rid < 0 ? NULL : btf__type_by_id(btf, (uint32_t)rid);
	btf_parse_type_name(btf, gi.btf_type_id, tname, sizeof(tname));
	if (!t || !(btf_is_int(t) || btf_is_any_enum(t))) {
		fprintf(stderr,
			"bpfvm %s: --set %s: variable '%s' (%s) is %s: --set takes integers, "
			"booleans and enums\n", cmd, arg, name, gi.section, tname);
		goto out;
	}
	int64_t tsize = btf__resolve_size(btf, gi.btf_type_id);
	if (tsize != (int64_t)gi.size) {
		fprintf(stderr, "bpfvm %s: --set %s: variable '%s' has %u bytes in %s but its "
			"type %s has %lld\n", cmd, arg, name, gi.size, gi.section, tname,
			(long long)tsize);
		goto out;
	}
	bytes = calloc(1, gi.size);
	if (!bytes) {
		fprintf(stderr, "bpfvm %s: out of memory\n", cmd);
		goto out;
	}
	if (btf_parse_text(btf, gi.btf_type_id, eq + 1, bytes, gi.size, msg, sizeof(msg))) {
		fprintf(stderr, "bpfvm %s: --set %s: variable '%s': %s\n", cmd, arg, name, msg);
		goto out;
	}
	if (bpfvm_object__set_global(obj, name, bytes, gi.size, &err)) {
		fprintf(stderr, "bpfvm %s: --set %s: %s\n", cmd, arg, err.msg);
		goto out;
	}
	ret = 0;
out:
	free(bytes);
	free(name);
	return ret;
}
