#!/usr/bin/env bash
# test_bench.sh BPFVM GEN_XDP_PCAP PROGRAMS_DIR WORK_DIR
# `bpfvm bench`: the shape of its text and JSON output over a capture and
# over one packet (--data), with threads; the engines agree; and bad input
# fails cleanly: exit 2 for wrong usage, 1 for a bad object, capture or
# packet, never a crash. It never looks at the times.
set -u
bpfvm=$1
gen=$2
progs=$3
work=$4
obj=$progs/xdp_parse.o
rm -rf "$work"
mkdir -p "$work"
. "$(dirname "$0")/lib.sh"

[[ -f $obj ]] || fail "$obj is missing"
"$gen" "$work/cap.pcap" 20 8 || fail "gen_xdp_pcap failed"
# the first packet of the capture (an ARP frame, 60 bytes) as raw bytes
tail -c +41 "$work/cap.pcap" | head -c 60 > "$work/pkt.bin"
quick=(--time 5 --rounds 1)

# JSON over a capture: one object per engine, with the issue's keys.
expect 0 "$bpfvm" bench "$obj" -r "$work/cap.pcap" "${quick[@]}" -j
for key in '"program": "xdp_parse"' '"type": "xdp"' '"packets": 220' '"threads": 1' \
  '"engine": "interp"' '"engine": "jit"' '"engine": "kernel"' '"ns_per_run": ' \
  '"packets_per_sec": ' '"retval": 2' '"result": "0x' '"x_interp_milli": 1000'; do
  contains "$out" "$key"
done
# the kernel either ran or says why not
[[ $out == *'"skip_reason"'* || $out == *'"kernel_repeat"'* ]] || fail "kernel neither ran nor skipped"
# the counts of the check run are the runner's
contains "$out" '"aborted": 60'
contains "$out" '"drop": 40'
contains "$out" '"pass": 120'
# What the bench harness (bench/bench_xdp) reads: times in picoseconds,
# each round's, the packet's hash after the last of --check-runs runs,
# and, when the kernel ran, its harness cost (subtracted).
expect 0 "$bpfvm" bench "$obj" --data "$work/pkt.bin" --time 5 --rounds 2 --check-runs 2 -j
for key in '"check_runs": 2' '"ps_per_run": ' '"ps_rounds": [' '"out_hash": "0x'; do
  contains "$out" "$key"
done
[[ $out == *'"skip_reason"'* || $out == *'"kernel_floor_ps"'* ]] || fail "kernel: no floor"
[[ $(echo "$out" | grep -c '"out_hash": "0x') -ge 2 ]] || fail "not an out_hash per engine"
[[ $(echo "$out" | grep '"out_hash"' | sort -u | wc -l) -eq 1 ]] ||
  fail "the engines left different packets: $(echo "$out" | grep '"out_hash"')"
expect 2 "$bpfvm" bench "$obj" --data "$work/pkt.bin" --check-runs 0
contains "$err" "--check-runs"

# Text, one packet, two threads, one engine.
expect 0 "$bpfvm" bench "$obj" --data "$work/pkt.bin" "${quick[@]}" --threads 2 --engine jit
contains "$out" "program:  xdp_parse (xdp)"
contains "$out" "1 packet; 2 threads"
contains "$out" "ns/packet"
contains "$out" "packets/s"
[[ $(echo "$out" | grep -c '^interp ') -eq 1 && $(echo "$out" | grep -c '^jit ') -eq 1 ]] ||
  fail "bench --engine jit: not one interp and one jit row: $out"
[[ $(echo "$out" | grep -c "^kernel ") -eq 0 ]] || fail "--engine jit ran the kernel"
# tc and socket programs; the kernel does not run socket filters
if [[ -f $progs/skb_verdicts.o ]]; then
  expect 0 "$bpfvm" bench "$progs/skb_verdicts.o" --prog tc_verdicts -r "$work/cap.pcap" \
    "${quick[@]}" --threads 3 -j
  contains "$out" '"type": "sched_cls"'
  contains "$out" '"threads": 3'
  expect 0 "$bpfvm" bench "$progs/skb_verdicts.o" --prog sock_trim -r "$work/cap.pcap" \
    "${quick[@]}"
  contains "$out" "kernel   skipped: the kernel's test run starts a socket filter"
fi
expect 0 "$bpfvm" bench --help
contains "$out" "usage: bpfvm bench"

# Wrong usage: exit 2.
expect 2 "$bpfvm" bench "$obj"
contains "$err" "--data FILE or -r IN.pcap"
expect 2 "$bpfvm" bench "$obj" --data "$work/pkt.bin" -r "$work/cap.pcap"
expect 2 "$bpfvm" bench
expect 2 "$bpfvm" bench "$obj" "$obj" -r "$work/cap.pcap"
expect 2 "$bpfvm" bench "$obj" -r "$work/cap.pcap" --engine gpu
contains "$err" "--engine"
expect 2 "$bpfvm" bench "$obj" -r "$work/cap.pcap" --threads 0
expect 2 "$bpfvm" bench "$obj" -r "$work/cap.pcap" --time soon
expect 2 "$bpfvm" bench "$obj" -r "$work/cap.pcap" --rounds 0
expect 2 "$bpfvm" bench "$obj" -r "$work/cap.pcap" --max-packets -1
expect 2 "$bpfvm" bench "$obj" -r "$work/cap.pcap" --no-such-option

# Bad objects and input: exit 1, with the file named.
expect 1 "$bpfvm" bench "$work/no-such.o" -r "$work/cap.pcap"
contains "$err" "no-such.o"
printf '\177ELF garbage' > "$work/bad.o"
expect 1 "$bpfvm" bench "$work/bad.o" -r "$work/cap.pcap"
printf 'not an object' > "$work/text.o"
expect 1 "$bpfvm" bench "$work/text.o" -r "$work/cap.pcap"
expect 1 "$bpfvm" bench "$obj" --prog no_such_prog -r "$work/cap.pcap"
contains "$err" "no program named 'no_such_prog'"
if [[ -f $progs/legacy_maps.o ]]; then
  expect 1 "$bpfvm" bench "$progs/legacy_maps.o" --prog kprobe_open -r "$work/cap.pcap"
  contains "$err" "the bench feeds XDP, tc and socket filter programs"
fi
expect 1 "$bpfvm" bench "$obj" -r "$work/no-such.pcap"
contains "$err" "no-such.pcap"
head -c 3000 "$work/cap.pcap" > "$work/cut.pcap"
expect 1 "$bpfvm" bench "$obj" -r "$work/cut.pcap" "${quick[@]}"
contains "$err" "cut.pcap: record"
printf 'not a capture, just some text here\n' > "$work/garbage.pcap"
expect 1 "$bpfvm" bench "$obj" -r "$work/garbage.pcap"
head -c 24 "$work/cap.pcap" > "$work/empty.pcap"
expect 1 "$bpfvm" bench "$obj" -r "$work/empty.pcap"
contains "$err" "no packets"
: > "$work/empty.bin"
expect 1 "$bpfvm" bench "$obj" --data "$work/empty.bin"
contains "$err" "empty.bin"
expect 1 "$bpfvm" bench "$obj" --data "$work/no-such.bin"

echo "bench: $n checks passed"
