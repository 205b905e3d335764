#!/usr/bin/env bash
# Compare `bpfvm filter` with tcpdump on a generated capture: for every
# expression both write the matching packets, and the two files must be
# byte-for-byte the same. Every bpfvm engine is checked: the JIT (the
# default), the eBPF interpreter and the cBPF interpreter. Exits 77 (skip)
# when tcpdump is not installed.
# usage: test_tcpdump.sh BPFVM GEN_PCAP WORKDIR
set -u
bpfvm=$1 gen=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v tcpdump >/dev/null 2>&1; then
  echo "SKIP: tcpdump is not installed (scripts/install-deps installs it)"
  exit 77
fi
mkdir -p "$work" && cd "$work" || exit 1
"$gen" in.pcap 800 7 || exit 1

# the expressions, one per line (# comments), shared with test_engines.c
mapfile -t exprs < <(grep -v '^#' "$here/exprs.txt" | grep -v '^$')

fail=0 n=0
for e in "${exprs[@]}"; do
  n=$((n + 1))
  rm -f ref.pcap out.pcap out2.pcap
  if ! tcpdump -Z root -r in.pcap -w ref.pcap "$e" 2>/dev/null; then
    echo "tcpdump failed on: $e"; fail=1; continue
  fi
  if ! "$bpfvm" filter -r in.pcap -w out.pcap "$e" 2>msg.txt; then
    echo "bpfvm filter failed on: $e"; cat msg.txt; fail=1; continue
  fi
  if ! cmp -s ref.pcap out.pcap; then
    echo "DIFFERENT (jit): $e: $(cat msg.txt)"; fail=1; continue
  fi
  if grep -q "JIT cannot" msg.txt; then
    echo "JIT fallback on: $e: $(cat msg.txt)"; fail=1; continue
  fi
  for engine in interp cbpf; do
    rm -f out2.pcap
    "$bpfvm" filter --engine $engine -r in.pcap -w out2.pcap "$e" 2>/dev/null
    if ! cmp -s ref.pcap out2.pcap; then
      echo "DIFFERENT ($engine): $e"; fail=1; continue 2
    fi
  done
  echo "ok $n: $e: $(cat msg.txt)"
done

# bad input: a malformed expression is exit 1 with libpcap's message
"$bpfvm" filter -r in.pcap 'tcp port' 2>msg.txt; rc=$?
if [ $rc -ne 1 ] || ! grep -q "syntax error" msg.txt; then
  echo "malformed expression: exit $rc: $(cat msg.txt)"; fail=1
fi
"$bpfvm" filter 'tcp' 2>/dev/null; rc=$?
[ $rc -eq 2 ] || { echo "missing -r: exit $rc, expected 2"; fail=1; }
# -d agrees with tcpdump -d; -ddd round-trips through --program
tcpdump -d -r in.pcap 'tcp port 80' >ref.txt 2>/dev/null
"$bpfvm" filter -d -r in.pcap 'tcp port 80' >out.txt
cmp -s ref.txt out.txt || { echo "-d differs from tcpdump -d"; diff ref.txt out.txt; fail=1; }
tcpdump -ddd -r in.pcap 'ip and udp' >prog.ddd 2>/dev/null
"$bpfvm" filter -r in.pcap --program prog.ddd -w out.pcap 2>/dev/null
tcpdump -Z root -r in.pcap -w ref.pcap 'ip and udp' 2>/dev/null
cmp -s ref.pcap out.pcap || { echo "--program prog.ddd differs"; fail=1; }
"$bpfvm" filter -r in.pcap --program ref.txt -w out.pcap 2>/dev/null
tcpdump -Z root -r in.pcap -w ref.pcap 'tcp port 80' 2>/dev/null
cmp -s ref.pcap out.pcap || { echo "--program (tcpdump -d text) differs"; fail=1; }

# pcapng input: the same packets, the same pcap output as tcpdump writes
"$gen" in.pcapng 800 7 pcapng || exit 1
for e in 'tcp port 80' 'ip6 or (udp and port 53)' 'vlan and tcp' 'len > 200'; do
  tcpdump -Z root -r in.pcapng -w ref.pcap "$e" 2>/dev/null
  "$bpfvm" filter -r in.pcapng -w out.pcap "$e" 2>msg.txt
  if ! cmp -s ref.pcap out.pcap; then echo "DIFFERENT (pcapng): $e"; fail=1;
  else echo "ok pcapng: $e: $(cat msg.txt)"; fi
done

# a damaged capture (some caplen > len): bpfvm filter maps classic pcap
# files and leaves the rest from the first such record to libpcap, so
# the output is still tcpdump's
"$gen" bad.pcap 800 7 badlen || exit 1
for e in 'tcp port 80' 'ip6 or (udp and port 53)' 'len > 200' 'ip[2:2] > 60'; do
  tcpdump -Z root -r bad.pcap -w ref.pcap "$e" 2>/dev/null
  "$bpfvm" filter -r bad.pcap -w out.pcap "$e" 2>msg.txt
  if ! cmp -s ref.pcap out.pcap; then echo "DIFFERENT (badlen): $e"; fail=1;
  else echo "ok badlen: $e: $(cat msg.txt)"; fi
done
# standard input is read through libpcap, not mapped: the same output
tcpdump -Z root -r in.pcap -w ref.pcap 'tcp port 80' 2>/dev/null
"$bpfvm" filter -r - -w out.pcap 'tcp port 80' <in.pcap 2>msg.txt
if ! cmp -s ref.pcap out.pcap; then echo "DIFFERENT (stdin)"; fail=1;
else echo "ok stdin: $(cat msg.txt)"; fi
# a truncated last record: libpcap's error, exit 1, the matches before it written
head -c -7 in.pcap >trunc.pcap
tcpdump -Z root -r trunc.pcap -w ref.pcap 'tcp' 2>/dev/null
"$bpfvm" filter -r trunc.pcap -w out.pcap 'tcp' 2>msg.txt; rc=$?
if [ $rc -ne 1 ] || ! grep -q "truncated dump file" msg.txt || ! cmp -s ref.pcap out.pcap; then
  echo "truncated capture: exit $rc: $(cat msg.txt)"; fail=1
else echo "ok truncated: $(cat msg.txt)"; fi

echo "$n expressions compared"
exit $fail
