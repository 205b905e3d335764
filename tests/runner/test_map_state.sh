#!/usr/bin/env bash
# test_map_state.sh BPFVM GEN_XDP_PCAP PROGRAMS_DIR WORK_DIR
# Map state around `bpfvm run OBJ -r in.pcap`, on tests/programs/
# skb_verdicts.c over gen_xdp_pcap's capture: --set for const volatile
# .rodata and .bss globals, --map from every JSON shape the dumps write
# (one map, all maps, a run summary; bytes, formatted, per-CPU values),
# --dump-maps in text and JSON and fed back, and the refusals, each with
# the file, line:column and entry at fault. The first failure stops it.
set -u
bpfvm=$1
gen=$2
progs=$3
work=$4
obj=$progs/skb_verdicts.o
rm -rf "$work"
mkdir -p "$work"
. "$(dirname "$0")/lib.sh"

[[ -f $obj ]] || fail "$obj is missing"
"$gen" "$work/cap.pcap" 50 || fail "gen_xdp_pcap failed"
cap=$work/cap.pcap
tc_names="unspec ok reclassify shot pipe stolen queued repeat redirect trap"
tc() { expect 0 "$bpfvm" run "$obj" --prog tc_verdicts -r "$cap" -q "$@"; }
tc_counts() { counts "$out" $tc_names; }

# --dump-maps: every map after the run, text and JSON.
tc --dump-maps
contains "$out" "maps after the run:"
contains "$out" "stats:"
contains "$out" "key: 01 00 00 00  value: c8 00 00 00 00 00 00 00" # ok: 200
contains "$out" "key: 03 00 00 00  value: 64 00 00 00 00 00 00 00" # shot: 100
contains "$out" ".bss:"
contains "$out" "key: 00 00 00 00  value: 26 02 00 00 00 00 00 00" # seen: 550
tc -j --dump-maps
contains "$out" '"maps": ['
contains "$out" '"name": "port_action"'
contains "$out" '"seen": 550'
cp "$work/out" "$work/summary.json"

# Fed back: a run summary, the stats go on from where they were.
tc --map stats="$work/summary.json" --dump-maps
contains "$out" "key: 01 00 00 00  value: 90 01 00 00 00 00 00 00" # ok: 400
# `map dump -j` of all maps, and of one map, are read too.
"$bpfvm" map dump -j "$obj" > "$work/all.json" || fail "map dump -j"
"$bpfvm" map dump -j "$obj" stats > "$work/stats.json" || fail "map dump -j stats"
tc --map stats="$work/all.json" --map stats="$work/stats.json" --dump-maps
contains "$out" "key: 01 00 00 00  value: c8 00 00 00 00 00 00 00"

# --map port_action: the program returns the action the map gives a port.
printf '[{"key": ["0x35", "0x00", "0x00", "0x00"], "value": ["0x08", "0x00", "0x00", "0x00"]}]\n' \
  > "$work/trap53.json"
tc -j --map port_action="$work/trap53.json"
[[ $(tc_counts) == "50 150 0 100 50 50 50 0 50 50" ]] || fail "port 53 to trap: $(tc_counts)"
# bytes as numbers; formatted alone (through BTF); the dump's own shape.
printf '[{"key": [53, 0, 0, 0], "value": [4, 0, 0, 0]}]\n' > "$work/num.json"
printf '[{"formatted": {"key": 53, "value": "0x4"}}]\n' > "$work/fmt.json"
for f in num fmt; do
  tc -j --map port_action="$work/$f.json" --jit
  [[ $(tc_counts) == "50 150 0 100 50 100 50 0 50 0" ]] || fail "$f.json: $(tc_counts)"
done
tc --map port_action="$work/fmt.json" --dump-maps -j
contains "$out" '"key": 53'
"$bpfvm" run "$obj" --prog tc_verdicts -r "$cap" -q -j --map port_action="$work/fmt.json" \
  --dump-maps > "$work/pa-summary.json"
tc -j --map port_action="$work/pa-summary.json"
[[ $(json_count "$out" stolen) -eq 100 ]] || fail "port_action fed back from a summary"

# Global data through --map: .bss, in bytes or formatted by variable name.
printf '[{"formatted": {"value": {"seen": 1000}}}]\n' > "$work/bss.json"
tc --map .bss="$work/bss.json" --dump-maps -j
contains "$out" '"seen": 1550'
printf '[{"key": [0, 0, 0, 0], "value": [232, 3, 0, 0, 0, 0, 0, 0]}]\n' > "$work/bss-raw.json"
tc --map .bss="$work/bss-raw.json" --dump-maps -j
contains "$out" '"seen": 1550'

# Per-CPU: "values" per CPU (the others stay zero), or one "value" for all.
printf '[{"key": [0, 0, 0, 0], "values": [{"cpu": 0, "value": [100, 0, 0, 0, 0, 0, 0, 0]}]}]\n' \
  > "$work/runs.json"
expect 0 "$bpfvm" run "$obj" --prog tc_fields -r "$cap" --map runs="$work/runs.json" --dump-maps
contains "$out" "cpu0: 8a 02 00 00 00 00 00 00" # 100 + 550
printf '[{"key": [0, 0, 0, 0], "value": [7, 0, 0, 0, 0, 0, 0, 0]}]\n' > "$work/runs-all.json"
expect 0 "$bpfvm" run "$obj" --prog tc_fields -r "$cap" --map runs="$work/runs-all.json" --dump-maps
contains "$out" "cpu0: 2d 02 00 00 00 00 00 00" # 7 + 550
if [[ $out == *cpu1:* ]]; then contains "$out" "cpu1: 07 00 00 00 00 00 00 00"; fi

# A map without keys (a queue): entries are pushed in order.
printf '[{"value": [2, 0, 0, 0]}, {"value": ["0x08", 0, 0, 0]}, {"key": [], "value": [2, 0, 0, 0]}]\n' \
  > "$work/queue.json"
expect 0 "$bpfvm" run "$obj" --prog tc_queue -r "$cap" -j --map actions="$work/queue.json"
[[ $(counts "$out" ok shot trap) == "547 2 1" ]] || fail "tc_queue: $(counts "$out" ok shot trap)"
expect 0 "$bpfvm" run "$obj" --prog tc_queue -r "$cap" --dump-maps
contains "$out" "(queue maps cannot be iterated)"
printf '[{"key": [1], "value": [2, 0, 0, 0]}]\n' > "$work/qkey.json"
expect 1 "$bpfvm" run "$obj" --prog tc_queue -r "$cap" --map actions="$work/qkey.json"
contains "$err" "qkey.json:1:10: entry 1: map 'actions' (queue) has no key"
{ printf '['; for i in 1 2 3 4 5; do printf '%s{"value": [0, 0, 0, 0]}' "$([[ $i -gt 1 ]] && echo ,)"; done
  printf ']'; } > "$work/qfull.json"
expect 1 "$bpfvm" run "$obj" --prog tc_queue -r "$cap" --map actions="$work/qfull.json"
contains "$err" "entry 5: map 'actions' (queue) refused the entry"

# --set: const volatile .rodata before load, seen by the program (and the
# verifier), decimal or hex.
for v in 53 0x35; do
  tc -j --set drop_port=$v
  [[ $(tc_counts) == "50 250 0 50 50 50 50 0 50 0" ]] || fail "drop_port=$v: $(tc_counts)"
done
tc -j --set drop_port=53 --jit --dump-maps
[[ $(tc_counts) == "50 250 0 50 50 50 50 0 50 0" ]] || fail "drop_port=53 --jit: $(tc_counts)"
contains "$out" '"drop_port": 53'
expect 0 "$bpfvm" run "$obj" --prog sock_trim -r "$cap" -j --set drop_port=53
[[ $(counts "$out" pass drop truncated) == "400 150 250" ]] ||
  fail "socket drop_port=53: $(counts "$out" pass drop truncated)"
tc -j --set seen=0xffffffff00000000 --set mark_base=4294967295 --dump-maps
contains "$out" '"seen": 18446744069414584870' # 0xffffffff00000000 + 550
contains "$out" '"mark_base": 4294967295'

# --set refusals: exit 1, naming the variable and why.
bad_set() { expect 1 "$bpfvm" run "$obj" --prog tc_verdicts -r "$cap" --set "$1" -w "$work/no"; }
bad_set nosuch=1
contains "$err" "--set nosuch=1: no global variable 'nosuch'"
contains "$err" "drop_port"
bad_set drop_port=70000
contains "$err" "variable 'drop_port': 70000 does not fit in __u16 (0..65535)"
bad_set drop_port=0x10000
contains "$err" "0x10000 does not fit in __u16"
bad_set drop_port=-1
contains "$err" "-1 does not fit in __u16"
bad_set drop_port=abc
contains "$err" "'abc' is not an integer for __u16"
bad_set drop_port=99999999999999999999999
contains "$err" "does not fit in 64 bits"
bad_set drop_port=true
contains "$err" "takes an integer, not true or false"
[[ ! -e $work/no ]] || fail "a refused --set left output behind"
if [[ -f $progs/globals.o ]]; then
  expect 1 "$bpfvm" run "$progs/globals.o" --prog tc_first -r "$cap" --set limits=1
  contains "$err" "variable 'limits' (.rodata) is int[2]: --set takes integers"
  expect 0 "$bpfvm" run "$progs/globals.o" --prog tc_first -r "$cap" --set counter=-3 -j
  # (-3 + 3) * 2 + 10 = 10: an unknown TC_ACT code, counted as unspec
  [[ $(json_count "$out" unspec) -eq 550 && $(json_count "$out" unknown_returns) -eq 550 ]] ||
    fail "globals.o counter=-3: $(counts "$out" unspec unknown_returns)"
fi
expect 2 "$bpfvm" run "$obj" --prog tc_verdicts -r "$cap" --set drop_port
contains "$err" "expected --set NAME=VALUE"
expect 2 "$bpfvm" run "$obj" --prog tc_verdicts -r "$cap" --set =5

# --map refusals: exit 1, with FILE:LINE:COL and the entry.
bad_map() { expect 1 "$bpfvm" run "$obj" --prog tc_verdicts -r "$cap" --map "$1" -w "$work/no"; }
printf '[\n  {"key": [53, 0, 0, 0], "value": [8, 0, 0, 0]},\n]\n' > "$work/comma.json"
bad_map port_action="$work/comma.json"
contains "$err" "comma.json:3:1: expected a value after ',' (no trailing commas in JSON)"
printf '[\n  {"key": ["0x35"], "value": [8, 0, 0, 0]}\n]\n' > "$work/short.json"
bad_map port_action="$work/short.json"
contains "$err" "short.json:2:11: entry 1: \"key\" has 1 byte; map 'port_action' has 4-byte keys"
printf '[{"key": [1, 0, 0, 0], "value": [1, 0, 0, 0]},\n {"key": [2, 0, 0, 0], "value": ["0x108", 0, 0, 0]}]\n' \
  > "$work/byte.json"
bad_map port_action="$work/byte.json"
contains "$err" "byte.json:2:34: entry 2: byte 0 of \"value\" is not a byte"
printf '[{"key": [1, 0, 0, 0], "valeu": [1, 0, 0, 0]}]' > "$work/typo.json"
bad_map port_action="$work/typo.json"
contains "$err" "typo.json:1:24: entry 1: unknown key \"valeu\""
printf '[{"key": [1, 0, 0, 0], "values": []}]' > "$work/values.json"
bad_map port_action="$work/values.json"
contains "$err" "map 'port_action' is not per-CPU"
printf '[{"formatted": {"key": 53, "value": "x"}}]' > "$work/fmtbad.json"
bad_map port_action="$work/fmtbad.json"
contains "$err" "fmtbad.json:1:37: entry 1: formatted value: 'x' is not an integer for __s32"
printf '[{"formatted": {"value": {"sen": 1}}}]' > "$work/var.json"
bad_map .bss="$work/var.json"
contains "$err" "var.json:1:27: entry 1: formatted value: .bss has no variable 'sen'"
printf '[{"key": [1, 0, 0, 0]}]' > "$work/noval.json"
bad_map port_action="$work/noval.json"
contains "$err" "the entry has no \"value\""
printf '[{"name": "other", "entries": []}]' > "$work/other.json"
bad_map port_action="$work/other.json"
contains "$err" "the dump has no map named 'port_action' (it has: other)"
printf '{"program": "x"}' > "$work/obj.json"
bad_map port_action="$work/obj.json"
contains "$err" "obj.json:1:1: expected the entries of a map"
printf '' > "$work/empty.json"
bad_map port_action="$work/empty.json"
contains "$err" "empty.json:1:1: empty input"
# 17 entries for a 16-entry hash map: the map's own refusal, at the entry.
{ printf '['; for i in $(seq 1 17); do printf '%s{"key": [%d, 0, 0, 0], "value": [0, 0, 0, 0]}' \
  "$([[ $i -gt 1 ]] && echo ,)" "$i"; done; printf ']'; } > "$work/full.json"
bad_map port_action="$work/full.json"
contains "$err" "entry 17: map 'port_action' (hash) refused the entry: Argument list too long"
bad_map nosuch="$work/trap53.json"
contains "$err" "the object has no map named 'nosuch'"
bad_map .rodata="$work/bss.json"
contains "$err" ".rodata is read-only once the object is loaded"
contains "$err" "--set NAME=VALUE"
bad_map port_action="$work/no-such.json"
contains "$err" "no-such.json"
[[ ! -e $work/no ]] || fail "a refused --map left output behind"
expect 2 "$bpfvm" run "$obj" --prog tc_verdicts -r "$cap" --map port_action
contains "$err" "expected --map NAME=FILE"

echo "map state: $n checks passed"
