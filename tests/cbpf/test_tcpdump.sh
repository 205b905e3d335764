#!/usr/bin/env bash
# Compare `bpfvm filter` with tcpdump on a generated capture: for every
# expression both write the matching packets, and the two files must be
# byte-for-byte the same. Both bpfvm engines (translated eBPF and the cBPF
# interpreter) are checked. Exits 77 (skip) when tcpdump is not installed.
# usage: test_tcpdump.sh BPFVM GEN_PCAP WORKDIR
set -u
bpfvm=$1 gen=$2 work=$3
if ! command -v tcpdump >/dev/null 2>&1; then
  echo "SKIP: tcpdump is not installed (scripts/install-deps installs it)"
  exit 77
fi
mkdir -p "$work" && cd "$work" || exit 1
"$gen" in.pcap 800 7 || exit 1

exprs=(
  'tcp port 80'
  'ip and tcp[tcpflags] & tcp-syn != 0 and not src net 10.0.0.0/8'
  'ip6 or (udp and port 53)'
  'host 192.168.1.10'
  'src host 10.0.0.1'
  'dst host 8.8.8.8'
  'net 192.168.1.0/24'
  'src net 10.0.0.0/8'
  'dst net 172.16.0.0/12'
  'port 53'
  'src port 22'
  'dst port 443'
  'portrange 20-30'
  'tcp'
  'udp'
  'icmp'
  'icmp6'
  'ip6'
  'arp'
  'ip'
  'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn'
  'tcp[tcpflags] & tcp-rst != 0'
  'tcp[13] = 0x12'
  'ip[8] < 64'
  'ip[2:2] > 200'
  'tcp[0:2] + tcp[2:2] > 1000'
  'ip[6:2] & 0x1fff != 0'
  'udp[4:2] - 8 = 0'
  'tcp[12] / 16 > 5'
  'ip[9] * 2 = 12'
  'len > 200'
  'len <= 100'
  'greater 300'
  'less 80'
  'vlan'
  'vlan 100'
  'vlan and tcp'
  'vlan and ip6'
  'ether broadcast'
  'ether multicast'
  'ether host 00:11:22:33:44:55'
  'not tcp and not udp'
  'tcp or icmp'
  '(tcp and port 80) or (udp and port 123)'
  'ip6 and tcp port 443'
  'ip6 host 2001:db8:0:1::1'
  'ip6 net fe80::/10'
  'icmp[icmptype] = icmp-echo'
  'ip multicast'
  'ether[0] & 1 = 1 and ip'
  'ip[0] & 0xf > 5'
  'tcp[((tcp[12] & 0xf0) >> 2):1] > 0x80'
)

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
    echo "DIFFERENT (ebpf): $e: $(cat msg.txt)"; fail=1; continue
  fi
  "$bpfvm" filter --engine cbpf -r in.pcap -w out2.pcap "$e" 2>/dev/null
  if ! cmp -s ref.pcap out2.pcap; then
    echo "DIFFERENT (cbpf): $e"; fail=1; continue
  fi
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

echo "$n expressions compared"
exit $fail
