#!/usr/bin/env bash
# test_skb_runner.sh BPFVM GEN_XDP_PCAP PROGRAMS_DIR WORK_DIR
# `bpfvm run OBJ -r in.pcap` for tc and socket-filter programs
# (tests/programs/skb_verdicts.c) over gen_xdp_pcap's capture, whose
# packets each program sorts into known verdicts: the counts under the
# interpreter and the JIT, the skb fields the runner fills, the
# per-verdict captures (rewritten by tc, cut by the socket filter), and
# option errors. The first failure stops the test.
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
tc_names="unspec ok reclassify shot pipe stolen queued repeat redirect trap"

# tc: every TC_ACT_* the program returns, by name, in both engines.
want_tc="50 200 0 100 50 50 50 0 50 0"
for engine in "--engine interp" ""; do
  expect 0 "$bpfvm" run "$obj" --prog tc_verdicts -r "$work/cap.pcap" -j -q $engine
  [[ $(counts "$out" $tc_names) == "$want_tc" ]] ||
    fail "tc$engine verdicts $(counts "$out" $tc_names), want $want_tc"
  contains "$out" '"type": "sched_cls"'
  [[ $(json_count "$out" packets) -eq 550 ]] || fail "tc: not 550 packets"
  [[ $(json_count "$out" run_errors) -eq 0 ]] || fail "tc: run errors"
done
contains "$out" '"engine": "jit"'   # the default
# The text summary names each verdict.
expect 0 "$bpfvm" run "$obj" --prog tc_verdicts -r "$work/cap.pcap"
contains "$out" "program:   tc_verdicts (sched_cls, jit)"
contains "$out" "ok         200"
contains "$out" "shot       100"
contains "$out" "redirect   50"

# The skb fields: mark, priority, ifindex from the options, len, wire_len,
# pkt_type and no VLAN fields from the frame (tc_fields returns shot when
# one is not what it wants).
expect 0 "$bpfvm" run "$obj" --prog tc_fields -r "$work/cap.pcap" -j
[[ $(counts "$out" ok shot) == "550 0" ]] || fail "tc_fields defaults: $(counts "$out" ok shot)"
expect 0 "$bpfvm" run "$obj" --prog tc_fields -r "$work/cap.pcap" -j --mark 7 \
  --priority 3 --ifindex 4 --set want_mark=7 --set want_priority=3 --set want_ifindex=4
[[ $(counts "$out" ok shot) == "550 0" ]] || fail "tc_fields set: $(counts "$out" ok shot)"
expect 0 "$bpfvm" run "$obj" --prog tc_fields -r "$work/cap.pcap" -j --mark 7
[[ $(counts "$out" ok shot) == "0 550" ]] || fail "tc_fields mark not wanted: $(counts "$out" ok shot)"

# tc output captures: --write-pass is ok, --write-drop is shot, --write V=F
# any verdict; ok packets to port 53 leave with their TTL lowered.
expect 0 "$bpfvm" run "$obj" --prog tc_verdicts -r "$work/cap.pcap" -q \
  --write-pass "$work/ok.pcap" --write-drop "$work/shot.pcap" \
  --write stolen="$work/stolen.pcap" --write-redirect "$work/redirect.pcap"
for v in ok:200 shot:100 stolen:50 redirect:50; do
  f=$work/${v%%:*}.pcap
  [[ $(packets "$f") -eq ${v#*:} ]] || fail "$f: $(packets "$f") packets, want ${v#*:}"
  n=$((n + 1))
done
[[ $(matching 'udp dst port 53 and ip[8] = 63' "$work/ok.pcap") -eq 50 ]] ||
  fail "ok.pcap: the TTL of UDP to 53 is not lowered"
[[ $(matching 'ip[8] = 64' "$work/ok.pcap") -eq 0 ]] || fail "ok.pcap: an IPv4 TTL unchanged"
[[ $(matching 'udp dst port 9 and ip[8] = 64' "$work/shot.pcap") -eq 100 ]] ||
  fail "shot.pcap: not the UDP packets to port 9, unchanged"
[[ $(matching 'icmp' "$work/stolen.pcap") -eq 50 ]] || fail "stolen.pcap: not ICMP"
n=$((n + 4))
# -w DIR: one capture per TC_ACT_* name.
expect 0 "$bpfvm" run "$obj" --prog tc_verdicts -r "$work/cap.pcap" -w "$work/tcdir" --jit
i=0
for v in $tc_names; do
  i=$((i + 1))
  want=$(echo $want_tc | cut -d' ' -f$i)
  [[ -f $work/tcdir/$v.pcap ]] || fail "-w: $v.pcap missing"
  [[ $(packets "$work/tcdir/$v.pcap") -eq $want ]] ||
    fail "-w: $v.pcap has $(packets "$work/tcdir/$v.pcap") packets, want $want"
  n=$((n + 1))
done

# Socket filter: LD_ABS over the frame from its Ethernet header; the return
# value is the bytes to keep.
for engine in "--engine interp" ""; do
  expect 0 "$bpfvm" run "$obj" --prog sock_trim -r "$work/cap.pcap" -j $engine
  [[ $(counts "$out" pass drop truncated) == "300 250 150" ]] ||
    fail "socket$engine: $(counts "$out" pass drop truncated), want 300 250 150"
  contains "$out" '"type": "socket_filter"'
done
expect 0 "$bpfvm" run "$obj" --prog sock_trim -r "$work/cap.pcap" \
  --write-pass "$work/kept.pcap" --write-drop "$work/dropped.pcap"
contains "$out" "truncated: 150"
[[ $(packets "$work/kept.pcap") -eq 300 ]] || fail "kept.pcap: $(packets "$work/kept.pcap") packets"
[[ $(packets "$work/dropped.pcap") -eq 250 ]] || fail "dropped.pcap: $(packets "$work/dropped.pcap")"
# Kept packets are cut: per round ARP 60, IPv6 60, VLAN 64 bytes whole, TCP,
# ICMP and UDP to 53 cut to 34; each record has a 16-byte header, the file
# a 24-byte one.
size=$(stat -c %s "$work/kept.pcap")
[[ $size -eq $((24 + 50 * (6 * 16 + 60 + 60 + 64 + 3 * 34))) ]] ||
  fail "kept.pcap is $size bytes: packets not cut to what the filter kept"
n=$((n + 3))
# SKF_LL_OFF + k and SKF_NET_OFF + k read the frame from its Ethernet
# header and from 14 bytes in, the same bytes as k and 14 + k: the programs
# drop (shot) a packet where they differ. A load outside a frame ends the
# program with 0: the 50 frames shorter than an Ethernet header are then
# dropped by the socket filter, and ok for tc (TC_ACT_OK is 0).
for engine in "--engine interp" ""; do
  expect 0 "$bpfvm" run "$obj" --prog sock_hdrs -r "$work/cap.pcap" -j $engine
  [[ $(counts "$out" pass drop) == "500 50" ]] ||
    fail "sock_hdrs$engine: $(counts "$out" pass drop), want 500 50"
  expect 0 "$bpfvm" run "$obj" --prog tc_hdrs -r "$work/cap.pcap" -j $engine
  [[ $(counts "$out" ok shot) == "550 0" ]] ||
    fail "tc_hdrs$engine: $(counts "$out" ok shot), want 550 0"
done
# -w DIR for a socket filter: pass.pcap and drop.pcap.
expect 0 "$bpfvm" run "$obj" --prog sock_trim -r "$work/cap.pcap" -w "$work/sockdir"
[[ -f $work/sockdir/pass.pcap && -f $work/sockdir/drop.pcap ]] || fail "-w: socket captures"
[[ ! -e $work/sockdir/ok.pcap ]] || fail "-w: a tc capture for a socket filter"
n=$((n + 2))
# Other program sections: "classifier" (tc) and "socket".
if [[ -f $progs/iproute2_maps.o ]]; then
  expect 0 "$bpfvm" run "$progs/iproute2_maps.o" --prog cls_main -r "$work/cap.pcap" -j
  [[ $(json_count "$out" ok) -eq 550 ]] || fail "cls_main: not 550 ok"
fi
if [[ -f $progs/legacy_maps.o ]]; then
  expect 0 "$bpfvm" run "$progs/legacy_maps.o" --prog count_packets -r "$work/cap.pcap" -j
  [[ $(counts "$out" pass drop truncated) == "550 0 0" ]] || fail "count_packets: $(counts "$out" pass drop truncated)"
fi

# Options that do not fit the program's type: exit 2.
expect 2 "$bpfvm" run "$obj" --prog tc_verdicts -r "$work/cap.pcap" --write-tx "$work/tx.pcap"
contains "$err" "--write-tx: program 'tc_verdicts' is a tc program, which has no such verdict"
contains "$err" "unspec, ok, reclassify"
expect 2 "$bpfvm" run "$obj" --prog sock_trim -r "$work/cap.pcap" --write-redirect "$work/r.pcap"
expect 2 "$bpfvm" run "$obj" --prog tc_verdicts -r "$work/cap.pcap" --write nosuch="$work/x.pcap"
contains "$err" "no verdict 'nosuch'"
expect 2 "$bpfvm" run "$obj" --prog tc_verdicts -r "$work/cap.pcap" --write "$work/x.pcap"
contains "$err" "expected --write VERDICT=FILE"
expect 2 "$bpfvm" run "$obj" --prog tc_verdicts -r "$work/cap.pcap" --write-pass "$work/a.pcap" \
  --write ok="$work/b.pcap"
contains "$err" "already written"
expect 2 "$bpfvm" run "$obj" --prog tc_verdicts -r "$work/cap.pcap" --rx-queue 1
contains "$err" "only XDP programs have an rx queue"
expect 2 "$bpfvm" run "$progs/xdp_parse.o" -r "$work/cap.pcap" --mark 1
contains "$err" "no skb"
expect 2 "$bpfvm" run "$obj" --prog tc_verdicts -r "$work/cap.pcap" --mark -1
[[ ! -e $work/tx.pcap && ! -e $work/x.pcap && ! -e $work/a.pcap ]] ||
  fail "a refused run wrote a capture"
# A capture that is not Ethernet: the message names the program type.
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x65\x00\x00\x00' \
  > "$work/rawip.pcap"
expect 1 "$bpfvm" run "$obj" --prog sock_trim -r "$work/rawip.pcap"
contains "$err" "a socket filter needs Ethernet"

echo "skb runner: $n checks passed"
