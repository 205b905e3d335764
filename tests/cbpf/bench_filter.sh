#!/usr/bin/env bash
# `bpfvm filter` against `tcpdump -r IN -w OUT EXPR` on a capture of COUNT
# packets (default one million), reading and writing included: the same
# expressions, the same capture, each whole command run RUNS times, the
# two taking turns. Prints packets per second for both and their ratio,
# by the median CPU time (user + system) of the runs and by the median
# wall-clock time, and checks that both wrote the same capture. On a
# machine shared with other work, the wall clock mostly measures waiting
# for a CPU; CPU time is the work each command did. A measurement, not a
# test.
#
# usage: bench_filter.sh BPFVM GEN_PCAP WORKDIR [COUNT [RUNS [ENGINE]]]
#   make bench-cbpf runs it with the release build.
set -u
bpfvm=$1 gen=$2 work=$3 count=${4:-1000000} runs=${5:-5} engine=${6:-jit}
command -v tcpdump >/dev/null 2>&1 || { echo "tcpdump is not installed"; exit 77; }
mkdir -p "$work" && cd "$work" || exit 1
# v2: gen_pcap writes caplen <= len (older captures had damaged records)
cap=in-$count-v2.pcap
[ -s "$cap" ] || "$gen" "$cap" "$count" 7 || exit 1
echo "capture: $count packets, $(($(stat -c %s "$cap") / 1048576)) MiB; medians of $runs runs"

# "wall cpu" seconds of one run of "$@" (bash's time: milliseconds)
one() {
  local TIMEFORMAT='%3R %3U %3S'
  { time "$@" >/dev/null 2>&1; } 2>time.txt || { echo "failed: $*" >&2; return 1; }
  awk '{ printf "%s %.3f\n", $1, $2 + $3 }' time.txt
}

# the median of the numbers on stdin
median() {
  sort -g | awk '{ v[NR] = $1 }
    END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

printf '%-64s %11s %11s %6s %11s %11s %6s\n' "expression" "tcpdump" "bpfvm" "ratio" \
  "tcpdump" "bpfvm" "ratio"
printf '%-64s %30s %30s\n' "" "p/s by CPU time" "p/s by wall clock"
fail=0
for e in 'tcp port 80' \
         'ip and tcp[tcpflags] & tcp-syn != 0 and not src net 10.0.0.0/8' \
         'ip6 or (udp and port 53)'; do
  : >td.txt; : >bv.txt
  for _ in $(seq "$runs"); do
    one tcpdump -Z root -r "$cap" -w ref.pcap "$e" >>td.txt || exit 1
    one "$bpfvm" filter --engine "$engine" -r "$cap" -w out.pcap "$e" >>bv.txt || exit 1
  done
  cmp -s ref.pcap out.pcap || { echo "DIFFERENT output for: $e"; fail=1; }
  tdw=$(cut -d' ' -f1 td.txt | median) tdc=$(cut -d' ' -f2 td.txt | median)
  bvw=$(cut -d' ' -f1 bv.txt | median) bvc=$(cut -d' ' -f2 bv.txt | median)
  printf '%-64s %11.0f %11.0f %5.2fx %11.0f %11.0f %5.2fx\n' "$e" \
    "$(echo "$count / $tdc" | bc -l)" "$(echo "$count / $bvc" | bc -l)" \
    "$(echo "$tdc / $bvc" | bc -l)" \
    "$(echo "$count / $tdw" | bc -l)" "$(echo "$count / $bvw" | bc -l)" \
    "$(echo "$tdw / $bvw" | bc -l)"
done
rm -f ref.pcap out.pcap time.txt td.txt bv.txt
exit $fail
