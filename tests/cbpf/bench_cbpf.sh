#!/usr/bin/env bash
# Both classic-BPF benchmarks with one build (make bench-cbpf):
#  1. cbpf_bench: ns per packet of libpcap's bpf_filter(), the cBPF
#     interpreter, the eBPF interpreter and the JIT, on the issue's three
#     filters over a 10,000-packet capture (in memory), in the capture's
#     order (mixed traffic) and sorted (predictable branches);
#  2. bench_filter.sh: `bpfvm filter` against `tcpdump -r -w` on a
#     one-million-packet capture, reading and writing included.
# usage: bench_cbpf.sh BUILD_DIR [ROUNDS [COUNT]]
set -u
build=$1 rounds=${2:-200} count=${3:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
work=$build/tests/cbpf-bench
mkdir -p "$work" || exit 1
"$build/tests/cbpf_gen_pcap" "$work/small.pcap" 10000 7 || exit 1
echo "== ns per packet, in memory (tests/cbpf/bench_cbpf.c)"
"$build/tests/cbpf_bench" "$work/small.pcap" "$rounds" || exit 1
echo
"$build/tests/cbpf_bench" "$work/small.pcap" "$rounds" sorted || exit 1
echo
echo "== bpfvm filter vs tcpdump, files included (tests/cbpf/bench_filter.sh)"
bash "$here/bench_filter.sh" "$build/bpfvm" "$build/tests/cbpf_gen_pcap" "$work" "$count" 5
