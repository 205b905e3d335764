#!/usr/bin/env bash
# `bpfvm filter` against `tcpdump -r IN -w OUT EXPR` on a capture of COUNT
# packets (default one million), reading and writing included: the same
# expressions, the same capture, wall-clock time of each whole command
# (best of RUNS). Prints packets per second for both and their ratio, and
# checks that both wrote the same capture. A measurement, not a test.
#
# usage: bench_filter.sh BPFVM GEN_PCAP WORKDIR [COUNT [RUNS [ENGINE]]]
#   make bench-cbpf runs it with the release build.
set -u
bpfvm=$1 gen=$2 work=$3 count=${4:-1000000} runs=${5:-3} engine=${6:-jit}
command -v tcpdump >/dev/null 2>&1 || { echo "tcpdump is not installed"; exit 77; }
mkdir -p "$work" && cd "$work" || exit 1
[ -s "in-$count.pcap" ] || "$gen" "in-$count.pcap" "$count" 7 || exit 1
echo "capture: $count packets, $(($(stat -c %s "in-$count.pcap") / 1048576)) MiB; best of $runs runs"

# seconds (float) of the best of $runs runs of "$@"
best() {
  local b= t0 t1 t
  for _ in $(seq "$runs"); do
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; return 1; }
    t1=$(date +%s.%N)
    t=$(echo "$t1 - $t0" | bc -l)
    if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
  done
  echo "$b"
}

printf '%-64s %12s %12s %7s\n' "expression" "tcpdump p/s" "bpfvm p/s" "ratio"
fail=0
for e in 'tcp port 80' \
         'ip and tcp[tcpflags] & tcp-syn != 0 and not src net 10.0.0.0/8' \
         'ip6 or (udp and port 53)'; do
  td=$(best tcpdump -Z root -r "in-$count.pcap" -w ref.pcap "$e") || exit 1
  bv=$(best "$bpfvm" filter --engine "$engine" -r "in-$count.pcap" -w out.pcap "$e") || exit 1
  cmp -s ref.pcap out.pcap || { echo "DIFFERENT output for: $e"; fail=1; }
  printf '%-64s %12.0f %12.0f %6.2fx\n' "$e" "$(echo "$count / $td" | bc -l)" \
    "$(echo "$count / $bv" | bc -l)" "$(echo "$td / $bv" | bc -l)"
done
rm -f ref.pcap out.pcap
exit $fail
