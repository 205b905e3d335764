#!/usr/bin/env bash
# test_threads.sh BPFVM GEN_XDP_PCAP GEN_MIXED_PCAP PROGRAMS_DIR WORK_DIR
# `bpfvm run --threads N`: with 1, 2 and 4 workers, under the interpreter
# and the JIT, XDP, tc and socket-filter programs give the same summary
# (verdict counts, redirect targets, the maps after the run) and
# byte-identical output captures (the capture's order) over a capture
# with many flows (gen_xdp_pcap's) and mixed traffic (gen_pcap's, pcap
# and pcapng); each worker has its own per-CPU slot; a failed run is
# reported once, as with one thread; bad input and wrong options fail
# cleanly. The first failure stops the test.
set -u
bpfvm=$1
gen=$2
gen_mixed=$3
progs=$4
work=$5
rm -rf "$work"
mkdir -p "$work"
. "$(dirname "$0")/lib.sh"

"$gen" "$work/flows.pcap" 200 16 || fail "gen_xdp_pcap failed"
"$gen_mixed" "$work/mixed.pcap" 3000 5 || fail "gen_pcap failed"
"$gen_mixed" "$work/mixed.pcapng" 3000 5 pcapng || fail "gen_pcap pcapng failed"
printf '[{"key":[2,0,0,0],"value":[5,0,0,0]}]' > "$work/ports.json"

# summary FILE: the text summary and map dump without what may differ
# between thread counts (rate, the thread line, per-CPU slots).
summary() { grep -Ev '^(rate:|threads:)|^[[:space:]]cpu[0-9]+:' "$1"; }

# same OBJ PROG CAPTURE [ARGS...]: 1 thread against 2 and 4, both engines.
same() {
  local obj=$1 prog=$2 cap=$3 engine t f base
  shift 3
  for engine in "--engine interp" ""; do
    base=$work/$prog-$(basename "$cap")${engine:+-interp}
    for t in 1 2 4; do
      expect 0 "$bpfvm" run "$obj" --prog "$prog" -r "$cap" --threads $t $engine -q \
        --dump-maps -w "$base-t$t" "$@"
      echo "$out" > "$base-t$t.txt"
    done
    for t in 2 4; do
      diff <(summary "$base-t1.txt") <(summary "$base-t$t.txt") >/dev/null ||
        fail "$prog$engine over $cap: --threads $t summary differs from 1 thread: $(diff <(summary "$base-t1.txt") <(summary "$base-t$t.txt"))"
      contains "$(cat "$base-t$t.txt")" "threads:   $t"
      for f in "$base-t1"/*.pcap; do
        cmp -s "$f" "$base-t$t/$(basename "$f")" ||
          fail "$prog$engine over $cap: --threads $t: $(basename "$f") differs from 1 thread"
        n=$((n + 1))
      done
    done
  done
}

[[ -f $progs/xdp_parse.o && -f $progs/skb_verdicts.o ]] || fail "test objects missing"
for cap in "$work/flows.pcap" "$work/mixed.pcap"; do
  same "$progs/xdp_parse.o" xdp_parse "$cap"
  same "$progs/skb_verdicts.o" tc_verdicts "$cap"
  same "$progs/skb_verdicts.o" sock_trim "$cap"
done
# pcapng goes through libpcap (the records are copied into the batch)
same "$progs/xdp_parse.o" xdp_parse "$work/mixed.pcapng"
for f in "$work"/xdp_parse-mixed.pcap-t1/*.pcap; do
  cmp -s "$f" "$work/xdp_parse-mixed.pcapng-t2/$(basename "$f")" ||
    fail "pcapng with 2 threads: $(basename "$f") differs from pcap with 1"
  n=$((n + 1))
done
# redirect targets, counted in the capture's order
if [[ -f $progs/xdp_redirect.o ]]; then
  same "$progs/xdp_redirect.o" xdp_redirect_by_type "$work/flows.pcap" --map ports="$work/ports.json"
  contains "$(cat "$work/xdp_redirect_by_type-flows.pcap-t4.txt")" "-> map ports[2]: "
fi

# JSON: the thread count, and the same counts.
expect 0 "$bpfvm" run "$progs/xdp_parse.o" -r "$work/flows.pcap" --threads 2 -j
contains "$out" '"threads": 2'
[[ $(counts "$out" aborted drop pass packets) == "600 400 1200 2200" ]] ||
  fail "--threads 2 -j: $(counts "$out" aborted drop pass packets)"

# Per-CPU maps: worker i runs as CPU i. tc_fields counts its runs in a
# per-CPU array: the slots add up to the packets, spread over the workers.
for t in 1 2 4; do
  expect 0 "$bpfvm" run "$progs/skb_verdicts.o" --prog tc_fields -r "$work/flows.pcap" \
    --threads $t --dump-maps -q
  vals=$(echo "$out" | sed -n '/^runs:/,/^Found/p' | grep -E '^[[:space:]]cpu[0-9]+:')
  sum=0 used=0
  while read -r _ b0 b1 _; do
    v=$((16#$b1$b0)); sum=$((sum + v)); ((v > 0)) && used=$((used + 1))
  done <<< "$vals"
  [[ $sum -eq 2200 ]] || fail "--threads $t: per-CPU runs add up to $sum, not 2200"
  [[ $used -eq $t ]] || fail "--threads $t: $used per-CPU slots used, want $t"
  [[ $(echo "$vals" | wc -l) -ge $t ]] || fail "--threads $t: fewer CPUs than workers"
  n=$((n + 3))
done

# A failed run is reported once, at the first record, as with one thread.
for t in 1 3; do
  expect 0 "$bpfvm" run "$progs/xdp_parse.o" -r "$work/flows.pcap" --threads $t --budget 3 -j
  contains "$err" "flows.pcap: record 1: the run failed, counted as aborted (reported once)"
  [[ $(grep -c "the run failed" "$work/err") -eq 1 ]] || fail "run failure reported more than once"
  [[ $(json_count "$out" run_errors) -eq 2200 ]] || fail "--threads $t: run errors not counted"
done

# A capture with no records: nothing to run, empty outputs, on any count.
head -c 24 "$work/flows.pcap" > "$work/empty.pcap"
expect 0 "$bpfvm" run "$progs/xdp_parse.o" -r "$work/empty.pcap" --threads 3 -j -w "$work/none"
[[ $(json_count "$out" packets) -eq 0 ]] || fail "an empty capture ran packets"
[[ -f $work/none/pass.pcap ]] || fail "an empty capture wrote no pass.pcap"

# Bad input: exit 1, no output left behind; wrong options: exit 2.
head -c 5000 "$work/flows.pcap" > "$work/cut.pcap"
expect 1 "$bpfvm" run "$progs/xdp_parse.o" -r "$work/cut.pcap" --threads 2 -w "$work/cut"
contains "$err" "cut.pcap: record"
contains "$err" "truncated dump file"
[[ -z $(ls "$work/cut") ]] || fail "a failed threaded run left files: $(ls "$work/cut")"
expect 1 "$bpfvm" run "$progs/xdp_parse.o" -r "$work/no-such.pcap" --threads 2
expect 2 "$bpfvm" run "$progs/xdp_parse.o" -r "$work/flows.pcap" --threads 0
contains "$err" "--threads"
expect 2 "$bpfvm" run "$progs/xdp_parse.o" -r "$work/flows.pcap" --threads many
expect 2 "$bpfvm" run "$progs/xdp_parse.o" -r "$work/flows.pcap" --threads 100000
expect 2 "$bpfvm" run -e 'r0 = 0
exit' --threads 2

echo "runner threads: $n checks passed"
