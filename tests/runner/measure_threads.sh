#!/usr/bin/env bash
# measure_threads.sh BPFVM GEN_PCAP OBJ [PROG [PACKETS [REPEATS]]]
# Packets per second of `bpfvm run --threads 1` and `--threads 2` on a
# generated capture (gen_pcap's mixed traffic, PACKETS, default 1000000,
# written to a temporary directory and removed after), for the
# interpreter and the JIT, REPEATS times each (default 7), interleaved; the
# medians and their ratio. Also what the machine gives two processes at
# the moment: two single-thread runs side by side against one alone (the
# ceiling for the 2-thread ratio when others use the CPUs), and the CPU
# time per packet of every thread (what the packets cost, whatever the
# others took: 2 x the 1-thread figure over the 2-thread one is the ratio
# two free cores would give, at best). Not a test:
# a measurement to rerun (docs/runner.md).
set -u
bpfvm=$1 gen=$2 obj=$3 prog=${4:-} packets=${5:-1000000} repeats=${6:-7}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$gen" "$tmp/big.pcap" "$packets" 7 || exit 1
popt=()
[[ -n $prog ]] && popt=(--prog "$prog")
# pps ARGS: packets/s of one run; its CPU ns/packet (every thread's) is
# appended to $tmp/cpu.
pps() { "$bpfvm" run "$obj" "${popt[@]}" -r "$tmp/big.pcap" -q -j "$@" > "$tmp/j"
        sed -n 's/^ *"cpu_ns_per_packet": \([0-9]*\).*/\1/p' "$tmp/j" >> "$tmp/cpu"
        sed -n 's/^ *"packets_per_sec": \([0-9]*\).*/\1/p' "$tmp/j"; }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
ms() { echo $(($(date +%s%N) / 1000000)); }
echo "$obj${prog:+ --prog $prog}: $packets packets, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
for engine in interp jit; do
  e=(--engine "$engine")
  : > "$tmp/1"; : > "$tmp/2"; : > "$tmp/c"; : > "$tmp/c1"; : > "$tmp/c2"
  for ((i = 0; i < repeats; i++)); do
    : > "$tmp/cpu"; pps "${e[@]}" --threads 1 >> "$tmp/1"; cat "$tmp/cpu" >> "$tmp/c1"
    : > "$tmp/cpu"; pps "${e[@]}" --threads 2 >> "$tmp/2"; cat "$tmp/cpu" >> "$tmp/c2"
    t0=$(ms); pps "${e[@]}" --threads 1 >/dev/null; t1=$(ms)
    pps "${e[@]}" --threads 1 >/dev/null & pps "${e[@]}" --threads 1 >/dev/null; wait; t2=$(ms)
    echo "$((t1 - t0)) $((t2 - t1))" | awk '{ if ($2 > 0) printf "%.2f\n", 2 * $1 / $2 }' >> "$tmp/c"
  done
  p1=$(median < "$tmp/1") p2=$(median < "$tmp/2") c=$(median < "$tmp/c")
  printf '%-6s 1 thread %9d pkt/s   2 threads %9d pkt/s   ratio %.2f   (machine: 2 processes at %sx of 1)\n' \
    "$engine" "$p1" "$p2" "$(echo "$p2 $p1" | awk '{print $1 / $2}')" "$c"
  printf '       CPU ns/packet, every thread: 1 thread %s, 2 threads %s\n' \
    "$(median < "$tmp/c1")" "$(median < "$tmp/c2")"
  echo "       1 thread: $(tr '\n' ' ' < "$tmp/1")"
  echo "       2 threads: $(tr '\n' ' ' < "$tmp/2")"
done
