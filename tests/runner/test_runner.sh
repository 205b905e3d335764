#!/usr/bin/env bash
# test_runner.sh BPFVM GEN_XDP_PCAP GEN_MIXED_PCAP PROGRAMS_DIR WORK_DIR
# `bpfvm run OBJ -r in.pcap`: xdp_parse.o over a capture whose verdicts are
# known (gen_xdp_pcap.c), in the interpreter and the JIT; the per-verdict
# captures; pcap and pcapng input agree; bad input gets a clear message and
# exit 1, wrong options exit 2. The first failure stops the test.
set -u
bpfvm=$1
gen=$2
gen_mixed=$3
progs=$4
work=$5
obj=$progs/xdp_parse.o
rm -rf "$work"
mkdir -p "$work"
. "$(dirname "$0")/lib.sh"
# verdicts JSON: "aborted drop pass tx redirect packets".
verdicts() {
  local v s=""
  for v in aborted drop pass tx redirect packets; do s="$s $(json_count "$1" $v)"; done
  echo $s
}

[[ -f $obj ]] || fail "$obj is missing"
"$gen" "$work/cap.pcap" 50 || fail "gen_xdp_pcap failed"
# 50 rounds of 11: 300 passed, 100 dropped, 150 aborted.
want="150 100 300 0 0 550"

# Interpreter and JIT: the exact counts.
expect 0 "$bpfvm" run "$obj" -r "$work/cap.pcap" -j --engine interp
[[ $(verdicts "$out") == "$want" ]] || fail "interpreter verdicts $(verdicts "$out"), want $want"
contains "$out" '"engine": "interp"'
contains "$out" '"run_errors": 0'
[[ $(json_count "$out" ns_per_packet) -gt 0 ]] || fail "no ns_per_packet"
[[ $(json_count "$out" cpu_ns_per_packet) -gt 0 ]] || fail "no cpu_ns_per_packet"
# The JIT is the default engine, and says nothing when it takes the program.
expect 0 "$bpfvm" run "$obj" -r "$work/cap.pcap" -j -q
[[ $(verdicts "$out") == "$want" ]] || fail "jit verdicts $(verdicts "$out"), want $want"
contains "$out" '"engine": "jit"'
[[ -z $err ]] || fail "the default engine said: $err"
expect 0 "$bpfvm" run "$obj" -r "$work/cap.pcap" -j --jit -q
contains "$out" '"engine": "jit"'
# --budget needs the interpreter: it runs there, and says so.
expect 0 "$bpfvm" run "$obj" -r "$work/cap.pcap" -j -q --budget 100000
contains "$out" '"engine": "interp"'
contains "$err" "running in the interpreter: --budget"
# --prog names the program; the text summary.
expect 0 "$bpfvm" run "$obj" --prog xdp_parse -r "$work/cap.pcap" --ifindex 3 --rx-queue 1
contains "$out" "program:   xdp_parse"
contains "$out" "pass       300"
contains "$out" "drop       100"
contains "$out" "aborted    150"
contains "$out" "packets/s"

# Output captures: the packets of each verdict, as the program left them.
expect 0 "$bpfvm" run "$obj" -r "$work/cap.pcap" --write-pass "$work/pass.pcap" \
  --write-drop "$work/drop.pcap" -q
[[ $(packets "$work/pass.pcap") -eq 300 ]] || fail "pass.pcap: $(packets "$work/pass.pcap") packets, want 300"
[[ $(packets "$work/drop.pcap") -eq 100 ]] || fail "drop.pcap: $(packets "$work/drop.pcap") packets, want 100"
n=$((n + 2))
[[ ! -e $work/pass.pcap.partial ]] || fail "pass.pcap.partial left behind"
# Dropped packets are exactly the IPv4 UDP packets to port 9 (no VLAN tag).
if command -v tcpdump >/dev/null; then
  [[ $(tcpdump -r "$work/drop.pcap" 'ip and udp dst port 9' 2>/dev/null | wc -l) -eq 100 ]] ||
    fail "drop.pcap holds packets other than UDP to port 9"
  n=$((n + 1))
fi
# Running the program again over its own output gives the same verdicts.
expect 0 "$bpfvm" run "$obj" -r "$work/drop.pcap" -j
[[ $(verdicts "$out") == "0 100 0 0 0 100" ]] || fail "drop.pcap rerun: $(verdicts "$out")"
# -w DIR: one capture per verdict.
expect 0 "$bpfvm" run "$obj" -r "$work/cap.pcap" -w "$work/dir" --jit
for v in pass:300 drop:100 aborted:150 tx:0 redirect:0; do
  f=$work/dir/${v%%:*}.pcap
  [[ -f $f ]] || fail "-w: $f missing"
  [[ $(packets "$f") -eq ${v#*:} ]] || fail "-w: $f has $(packets "$f") packets, want ${v#*:}"
  n=$((n + 1))
done

# pcap and pcapng of the same mixed traffic (IPv4/IPv6, VLAN, fragments,
# snap-length cuts) give the same verdicts, in both engines.
"$gen_mixed" "$work/mixed.pcap" 2000 11 || fail "gen_pcap failed"
"$gen_mixed" "$work/mixed.pcapng" 2000 11 pcapng || fail "gen_pcap pcapng failed"
expect 0 "$bpfvm" run "$obj" -r "$work/mixed.pcap" -j
v_pcap=$(verdicts "$out")
[[ $(json_count "$out" packets) -eq 2000 ]] || fail "mixed.pcap: not 2000 packets"
expect 0 "$bpfvm" run "$obj" -r "$work/mixed.pcapng" -j --jit
[[ $(verdicts "$out") == "$v_pcap" ]] || fail "pcapng/jit $(verdicts "$out") != pcap $v_pcap"

# Bad input: a clear message and exit 1.
expect 1 "$bpfvm" run "$obj" -r "$work/no-such.pcap"
contains "$err" "no-such.pcap"
if [[ -f $progs/legacy_maps.o ]]; then
  expect 1 "$bpfvm" run "$progs/legacy_maps.o" --prog kprobe_open -r "$work/cap.pcap"
  contains "$err" "(kprobe): running it over a capture is not supported"
fi
expect 1 "$bpfvm" run "$obj" --prog no_such_prog -r "$work/cap.pcap"
contains "$err" "no program named 'no_such_prog'"
head -c 3000 "$work/cap.pcap" > "$work/cut.pcap"
expect 1 "$bpfvm" run "$obj" -r "$work/cut.pcap" --write-pass "$work/cut-pass.pcap"
contains "$err" "cut.pcap: record"
[[ ! -e $work/cut-pass.pcap && ! -e $work/cut-pass.pcap.partial ]] ||
  fail "a failed run left an output capture behind"
printf 'not a capture, just some text here\n' > "$work/garbage.pcap"
expect 1 "$bpfvm" run "$obj" -r "$work/garbage.pcap"
contains "$err" "garbage.pcap"
# a pcap header with link type 101 (raw IP): not Ethernet
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x65\x00\x00\x00' \
  > "$work/rawip.pcap"
expect 1 "$bpfvm" run "$obj" -r "$work/rawip.pcap"
contains "$err" "(RAW): an XDP program needs Ethernet"
expect 1 "$bpfvm" run "$work/no-such.o" -r "$work/cap.pcap"
contains "$err" "no-such.o"
printf '\177ELF garbage' > "$work/bad.o"
expect 1 "$bpfvm" run "$work/bad.o" -r "$work/cap.pcap"

# Wrong options: exit 2.
expect 2 "$bpfvm" run "$obj"
contains "$err" "-r IN.pcap"
expect 2 "$bpfvm" run "$obj" -r "$work/cap.pcap" --ifindex abc
contains "$err" "--ifindex"
expect 2 "$bpfvm" run "$obj" -r "$work/cap.pcap" --rx-queue 99999999999
expect 2 "$bpfvm" run "$obj" -r "$work/cap.pcap" --mem 00
expect 2 "$bpfvm" run -e 'mov r0, 1
exit' -r "$work/cap.pcap"
contains "$err" "ELF object"
expect 2 "$bpfvm" run "$obj" -r "$work/cap.pcap" --no-such-option
# The raw mode is unchanged.
expect 0 "$bpfvm" run -e 'mov %r0, 7
exit'
[[ $out == 0x7 ]] || fail "raw run printed '$out'"

# Redirect targets: bpf_redirect's ifindex and bpf_redirect_map's slot, as
# the program recorded them (xdp_redirect.c: IPv6 to ifindex 7, the rest
# through slot 2 of a devmap, which --map fills).
robj=$progs/xdp_redirect.o
if [[ -f $robj ]]; then
  "$gen" "$work/rd.pcap" 2 || fail "gen_xdp_pcap failed"
  printf '[{"key":[2,0,0,0],"value":[5,0,0,0]}]' > "$work/ports.json"
  expect 0 "$bpfvm" run "$robj" -r "$work/rd.pcap" --map ports="$work/ports.json" -j
  rd=$(json_count "$out" redirect)
  [[ $rd -gt 0 ]] || fail "no redirects counted"
  contains "$out" '"map ports[2]": '
  # without the slot filled, the map redirects fall back to pass
  expect 0 "$bpfvm" run "$robj" -r "$work/rd.pcap"
  contains "$out" "pass"
  [[ $out != *"map ports"* ]] || fail "an empty slot was counted as a target"
fi

echo "runner: $n checks passed"
