/*
 * vm.c - the host environment: lifetime, settings, the helper table, and
 * the registry of live programs (by id, for prog arrays).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "helpers/helpers.h"
#include "hooks/hooks.h"
#include "maps/map.h"
#include "prog.h"

struct bpfvm_vm *bpfvm_vm__new(const struct bpfvm_vm_opts *opts)
{
	if (!OPTS_CHECK(bpfvm_vm_opts, opts)) {
		errno = EINVAL;
		return NULL;
	}
	struct bpfvm_vm *vm = calloc(1, sizeof(*vm));
	if (!vm) {
		errno = ENOMEM;
		return NULL;
	}
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	vm->nr_cpus = OPTS_GET(opts, nr_cpus, 0);
	if (!vm->nr_cpus)
		vm->nr_cpus = online > 0 ? (uint32_t)online : 1;
	vm->trace_print = OPTS_GET(opts, trace_print, NULL);
	vm->trace_ctx = OPTS_GET(opts, trace_ctx, NULL);
	pthread_mutex_init(&vm->progs_lock, NULL);
	int ret = map_registry_init(vm);
	if (!ret && !OPTS_GET(opts, no_builtin_helpers, false))
		ret = helpers_register_builtin(vm);
	if (ret) {
		bpfvm_vm__free(vm);
		errno = -ret;
		return NULL;
	}
	return vm;
}

void bpfvm_vm__free(struct bpfvm_vm *vm)
{
	if (!vm)
		return;
	map_registry_free(vm);
	for (uint32_t i = 0; i < vm->n_helpers; i++)
		free(vm->helpers[i].name);
	free(vm->helpers);
	hook_host_types_free(vm);
	free(vm->progs);
	pthread_mutex_destroy(&vm->progs_lock);
	free(vm);
}

uint32_t bpfvm_vm__nr_cpus(const struct bpfvm_vm *vm)
{
	return vm ? vm->nr_cpus : 0;
}

int bpfvm_vm__add_helper_proto(struct bpfvm_vm *vm, uint32_t id, const char *name,
			       bpfvm_helper_fn fn, const struct bpfvm_helper_proto *proto)
{
	static const struct bpfvm_helper_proto any = {
		.ret = BPFVM_RET_INTEGER,
		.args = { BPFVM_ARG_ANYTHING, BPFVM_ARG_ANYTHING, BPFVM_ARG_ANYTHING,
			  BPFVM_ARG_ANYTHING, BPFVM_ARG_ANYTHING },
	};
	if (!vm || !fn || !name || !*name || id >= VM_MAX_HELPER_ID)
		return -EINVAL;
	if (id >= vm->n_helpers) {
		uint32_t n = id + 1;
		struct vm_helper *h = realloc(vm->helpers, n * sizeof(*h));
		if (!h)
			return -ENOMEM;
		memset(h + vm->n_helpers, 0, (n - vm->n_helpers) * sizeof(*h));
		vm->helpers = h;
		vm->n_helpers = n;
	}
	char *copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	free(vm->helpers[id].name);
	vm->helpers[id].name = copy;
	vm->helpers[id].fn = fn;
	vm->helpers[id].proto = proto ? *proto : any;
	return 0;
}

int bpfvm_vm__add_helper(struct bpfvm_vm *vm, uint32_t id, const char *name, bpfvm_helper_fn fn)
{
	return bpfvm_vm__add_helper_proto(vm, id, name, fn, NULL);
}

const char *bpfvm_vm__helper_name(const struct bpfvm_vm *vm, uint32_t id)
{
	const struct vm_helper *h = vm ? vm_helper(vm, id) : NULL;
	return h ? h->name : NULL;
}

const struct bpfvm_helper_proto *bpfvm_vm__helper_proto(const struct bpfvm_vm *vm, uint32_t id)
{
	const struct vm_helper *h = vm ? vm_helper(vm, id) : NULL;
	return h ? &h->proto : NULL;
}

/* ---- live programs, by id ---- */

int vm_prog_register(struct bpfvm_vm *vm, struct bpfvm_prog *prog)
{
	int ret = 0;
	pthread_mutex_lock(&vm->progs_lock);
	if (vm->n_progs == vm->cap_progs) {
		size_t cap = vm->cap_progs ? 2 * vm->cap_progs : 16;
		struct bpfvm_prog **p = realloc(vm->progs, cap * sizeof(*p));
		if (!p) {
			ret = -ENOMEM;
			goto out;
		}
		vm->progs = p;
		vm->cap_progs = cap;
	}
	prog->id = ++vm->next_prog_id;
	vm->progs[vm->n_progs++] = prog;
out:
	pthread_mutex_unlock(&vm->progs_lock);
	return ret;
}

void vm_prog_unregister(struct bpfvm_vm *vm, struct bpfvm_prog *prog)
{
	pthread_mutex_lock(&vm->progs_lock);
	for (size_t i = 0; i < vm->n_progs; i++)
		if (vm->progs[i] == prog) {
			vm->progs[i] = vm->progs[--vm->n_progs];
			break;
		}
	pthread_mutex_unlock(&vm->progs_lock);
}

struct bpfvm_prog *prog_get_by_id(struct bpfvm_vm *vm, uint32_t id)
{
	struct bpfvm_prog *found = NULL;
	/* The reference is taken under the lock, so the program cannot be
	 * freed between finding it and holding it. */
	pthread_mutex_lock(&vm->progs_lock);
	for (size_t i = 0; i < vm->n_progs && !found; i++)
		if (vm->progs[i]->id == id)
			found = prog_get(vm->progs[i]);
	pthread_mutex_unlock(&vm->progs_lock);
	return found;
}
