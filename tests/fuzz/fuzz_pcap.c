/*
 * fuzz_pcap.c - libFuzzer target: the runner's capture reading
 * (tools/runner.c), as `bpfvm run OBJ -r FILE` and `bpfvm bench -r` use
 * it. The input is the capture file: written to a memfd, so that the
 * runner maps it as a regular file and reads classic pcap records
 * straight from the mapping (its own reader), and pcapng or anything
 * else through libpcap. Byte 0 of the input also picks the program type
 * whose hook runs every packet: the reader must never read outside the
 * file or crash, only refuse with a message (the runner prints those;
 * scripts/fuzz runs this target with -close_fd_mask=2). Every packet
 * read is hashed for the worker threads (runner_flow_hash), and runs
 * through runner_run under a program that returns a verdict.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bpfvm.h"
#include "runner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	static struct bpfvm_vm *vm;
	static struct bpfvm_prog *prog[3];
	static const uint32_t types[3] = { 6, 3, 1 }; /* XDP, tc, socket filter */
	if (fd < 0) {
		fd = memfd_create("fuzz_pcap", MFD_CLOEXEC);
		vm = bpfvm_vm__new(NULL);
		if (fd < 0 || !vm)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		/* r0 = 2 (XDP_PASS; tc: TC_ACT_SHOT; socket: keep 2 bytes) */
		const struct bpfvm_insn insns[] = {
			{ .code = 0xb7, .dst = 0, .imm = 2 }, { .code = 0x95 },
		};
		struct bpfvm_error err;
		for (int i = 0; i < 3; i++) {
			BPFVM_OPTS(bpfvm_load_opts, lo, .prog_type = types[i]);
			if (bpfvm_prog__load(vm, insns, 2, &lo, &prog[i], &err))
				abort();
		}
	}
	if (size < 1)
		return 0;
	unsigned which = data[0] % 3;
	if (ftruncate(fd, 0) || pwrite(fd, data + 1, size - 1, 0) != (ssize_t)(size - 1))
		abort();
	const struct runner_hook *hook = runner_hook_for(types[which]);
	struct runner_opts o = { .cmd = "fuzz", .in = path };
	struct runner_packets pk;
	if (!runner_read_all(&o, hook, 0, &pk)) {
		uint32_t h = 0;
		for (size_t i = 0; i < pk.n; i++) {
			if (pk.len[i] > RUNNER_MAX_PACKET || pk.wire_len[i] < pk.len[i])
				abort();
			if (pk.len[i]) /* pk.bytes is NULL while every record is empty */
				h ^= runner_flow_hash(pk.bytes + pk.off[i], pk.len[i]);
		}
		struct runner_stats st;
		memset(&st, 0, sizeof(st));
		if (!runner_run(prog[which], hook, &o, &st) && st.packets != pk.n)
			abort(); /* the two readers must see the same records */
		runner_packets_free(&pk);
		(void)h;
	}
	return 0;
}
