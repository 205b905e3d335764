#!/usr/bin/env bash
# measure_threads.sh BPFVM GEN_PCAP OBJ [PROG [PACKETS [REPEATS]]]
# Packets per second of `bpfvm run --threads 1` and `--threads 2` on a
# generated capture (gen_pcap's mixed traffic, PACKETS, default 1000000,
# written to a temporary directory and removed after), for the
# interpreter and the JIT, REPEATS times each (default 7), interleaved; the
# medians and their ratio. Also what the machine gives two processes at
# the moment: the packet rates of two single-thread runs side by side,
# summed, against one alone's (each rate is the run's own loop, capture
# reading included, start-up and exit not), on the same capture and on two
# copies of it (two processes mapping the same page-cache pages contend
# for them); and the CPU time per packet of every thread (what the packets
# cost, whatever the others took: 2 x the 1-thread figure over the
# 2-thread one is the ratio two free cores would give, at best). Not a
# test: a measurement to rerun (docs/runner.md).
set -u
bpfvm=$1 gen=$2 obj=$3 prog=${4:-} packets=${5:-1000000} repeats=${6:-7}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$gen" "$tmp/big.pcap" "$packets" 7 || exit 1
cp "$tmp/big.pcap" "$tmp/copy.pcap" || exit 1
popt=()
[[ -n $prog ]] && popt=(--prog "$prog")
# pps ARGS: packets/s of one run; its CPU ns/packet (every thread's) is
# appended to $tmp/cpu.
# (PCAP=file: another capture)
pps() { local j; j=$(mktemp -p "$tmp")
        "$bpfvm" run "$obj" "${popt[@]}" -r "${PCAP:-$tmp/big.pcap}" -q -j "$@" > "$j"
        sed -n 's/^ *"cpu_ns_per_packet": \([0-9]*\).*/\1/p' "$j" >> "$tmp/cpu"
        sed -n 's/^ *"packets_per_sec": \([0-9]*\).*/\1/p' "$j"; rm -f "$j"; }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
echo "$obj${prog:+ --prog $prog}: $packets packets, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
for engine in interp jit; do
  e=(--engine "$engine")
  : > "$tmp/1"; : > "$tmp/2"; : > "$tmp/c"; : > "$tmp/cc"; : > "$tmp/c1"; : > "$tmp/c2"
  # side P1 P2: the two processes' summed rate over P1 (one alone's)
  side() { local a b; a=$(pps "${e[@]}" --threads 1 & PCAP=$2 pps "${e[@]}" --threads 1; wait)
           echo "$1 $(echo $a | awk '{print $1 + $2}')" | awk '{ if ($1 > 0) printf "%.2f\n", $2 / $1 }'; }
  for ((i = 0; i < repeats; i++)); do
    : > "$tmp/cpu"; pps "${e[@]}" --threads 1 >> "$tmp/1"; cat "$tmp/cpu" >> "$tmp/c1"
    : > "$tmp/cpu"; pps "${e[@]}" --threads 2 >> "$tmp/2"; cat "$tmp/cpu" >> "$tmp/c2"
    one=$(tail -n 1 "$tmp/1")
    side "$one" "$tmp/big.pcap" >> "$tmp/c"
    side "$one" "$tmp/copy.pcap" >> "$tmp/cc"
  done
  p1=$(median < "$tmp/1") p2=$(median < "$tmp/2") c=$(median < "$tmp/c") cc=$(median < "$tmp/cc")
  printf '%-6s 1 thread %9d pkt/s   2 threads %9d pkt/s   ratio %.2f\n' \
    "$engine" "$p1" "$p2" "$(echo "$p2 $p1" | awk '{print $1 / $2}')"
  printf '       machine: 2 processes at %sx of 1 on the same capture, %sx on two copies\n' "$c" "$cc"
  printf '       CPU ns/packet, every thread: 1 thread %s, 2 threads %s\n' \
    "$(median < "$tmp/c1")" "$(median < "$tmp/c2")"
  echo "       1 thread: $(tr '\n' ' ' < "$tmp/1")"
  echo "       2 threads: $(tr '\n' ' ' < "$tmp/2")"
done
