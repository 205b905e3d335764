/*
 * core_reloc.c - a CO-RE field access (preserve_access_index), which
 * bpfvm cannot resolve yet: the loader must refuse the object, naming the
 * section, the instruction and the access string "0:1".
 *
 * Expected result if it ever runs: the tgid field of the context.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct task {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

SEC("kprobe/core")
int core_read(struct task *t)
{
	return t->tgid;
}

char _license[] SEC("license") = "GPL";
