#!/usr/bin/env bash
# `bpfvm seccomp` and `bpfvm filter` on the command line: decisions, JSON,
# the policy forms (bpf_asm, -ddd, raw), and exit codes for bad input.
# usage: test_cli.sh BPFVM WORKDIR
set -u
bpfvm=$1 work=$2
mkdir -p "$work" && cd "$work" || exit 1
fail=0
expect() { # expect "WANT" command...
  local want=$1; shift
  local got; got=$("$@" 2>&1)
  if [ "$got" != "$want" ]; then echo "FAIL: $*: got '$got', want '$want'"; fail=1; fi
}
expect_rc() { # expect_rc RC PATTERN command...
  local rc=$1 pat=$2; shift 2
  local out; out=$("$@" 2>&1); local got=$?
  if [ $got -ne "$rc" ] || ! grep -q -- "$pat" <<<"$out"; then
    echo "FAIL: $*: exit $got (want $rc): $out"; fail=1
  fi
}

cat >pol.s <<'P'
ld [4]                ; arch
jne #0xc000003e, kill
ld [0]                ; nr
jeq #110, eperm       ; getppid
jeq #101, trace       ; ptrace
jeq #1, write
ret #0x7fff0000
write: ld [16]
jeq #2, allow, log
allow: ret #0x7fff0000
log: ret #0x7ffc0000
eperm: ret #0x00050001
trace: ret #0x7ff00005
kill: ret #0x80000000
P
expect "ERRNO(1) (ret 0x00050001)" "$bpfvm" seccomp pol.s --syscall getppid
expect "ERRNO(1) (ret 0x00050001)" "$bpfvm" seccomp pol.s --syscall 110 --engine cbpf
expect "TRACE(5) (ret 0x7ff00005)" "$bpfvm" seccomp pol.s --syscall ptrace
expect "KILL_PROCESS (ret 0x80000000)" "$bpfvm" seccomp pol.s --syscall read --arch aarch64
expect "ALLOW (ret 0x7fff0000)" "$bpfvm" seccomp pol.s --syscall write --args 2,0
expect "LOG (ret 0x7ffc0000)" "$bpfvm" seccomp pol.s -s write --args 1
expect '{"action": "ERRNO", "data": 1, "text": "ERRNO(1)", "ret": 327681, "nr": 110, "arch": 3221225534}' \
  "$bpfvm" seccomp pol.s --syscall getppid -j
printf '4\n32 0 0 0\n21 0 1 39\n6 0 0 327693\n6 0 0 2147418112\n' >pol.ddd
expect "ERRNO(13) (ret 0x0005000d)" "$bpfvm" seccomp pol.ddd --syscall getpid
expect "ALLOW (ret 0x7fff0000)" "$bpfvm" seccomp pol.ddd --syscall 0
# raw struct sock_filter bytes: ret ALLOW
printf '\x06\x00\x00\x00\x00\x00\xff\x7f' >allow.bpf
expect "ALLOW (ret 0x7fff0000)" "$bpfvm" seccomp allow.bpf --syscall 0
# invalid programs: exit 1 with the position
printf '2\n40 0 0 4\n6 0 0 0\n' >ldh.ddd
expect_rc 1 "insn 0: seccomp: ldh" "$bpfvm" seccomp ldh.ddd --syscall 0
printf '2\n32 0 0 4\n6 0 0\n' >short.ddd
expect_rc 1 "short.ddd:3:6: expected k" "$bpfvm" seccomp short.ddd --syscall 0
printf '1\n32 0 0 4\n' >noret.ddd
expect_rc 1 "insn 0: the last instruction is ld, not ret" "$bpfvm" seccomp noret.ddd -s 0
printf 'ld [4]\nfrob\n' >bad.s
expect_rc 1 "bad.s:2:1: unknown instruction 'frob'" "$bpfvm" seccomp bad.s -s 0
# usage errors: exit 2
expect_rc 2 "expected --syscall" "$bpfvm" seccomp pol.s
expect_rc 2 "unknown --arch" "$bpfvm" seccomp pol.s -s 0 --arch vax
expect_rc 2 "unknown system call" "$bpfvm" seccomp pol.s -s frobnicate
expect_rc 2 "--args" "$bpfvm" seccomp pol.s -s 0 --args 1,2,3,4,5,6,7
expect_rc 2 "expected a filter EXPR" "$bpfvm" filter -r x.pcap
expect_rc 2 "--engine" "$bpfvm" filter --engine frob tcp -r x.pcap
expect_rc 0 "ret      #262144" "$bpfvm" filter -d 'tcp'
expect_rc 0 "^4$" "$bpfvm" filter -ddd 'ip'
expect_rc 1 "syntax error" "$bpfvm" filter -d 'tcp port'
expect_rc 1 "x.pcap" "$bpfvm" filter 'tcp' -r x.pcap
printf 'ldh [12]\njeq #0x800, L1, L2\nL1: ret #-1\n' >badjump.s
expect_rc 1 "undefined label 'L2'" "$bpfvm" filter --program badjump.s -d

# every engine gives the same decision; the JIT (the default) runs with no
# fallback message
for e in jit interp ebpf cbpf; do
  expect "ERRNO(1) (ret 0x00050001)" "$bpfvm" seccomp pol.s --syscall getppid --engine $e
  expect "ALLOW (ret 0x7fff0000)" "$bpfvm" seccomp pol.s --syscall write --args 2 -e $e
done
expect_rc 2 "--engine is jit, interp or cbpf" "$bpfvm" seccomp pol.s -s 0 --engine vm
# a capture to filter: 3 packets, the second one an IPv4/TCP to port 80
{
  printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\0\0\0\0\0\0\0\0\xff\xff\0\0\x01\0\0\0'
  for dport in '\x00\x16' '\x00\x50' '\x01\xbb'; do
    printf '\0\0\0\0\0\0\0\0\x36\0\0\0\x36\0\0\0'
    printf '\0\x11\x22\x33\x44\x55\0\x66\x77\x88\x99\xaa\x08\x00'
    printf '\x45\0\0\x28\0\0\0\0\x40\x06\0\0\x0a\0\0\x01\x0a\0\0\x02'
    printf "\\x04\\x00${dport}\\0\\0\\0\\0\\0\\0\\0\\0\\x50\\x02\\x20\\0\\0\\0\\0\\0"
  done
} >three.pcap
for e in jit interp cbpf; do
  expect_rc 0 "^1$" "$bpfvm" filter -c --engine $e -r three.pcap 'tcp dst port 80'
done
out=$("$bpfvm" filter -r three.pcap 'tcp' 2>&1)
[ "$out" = "3 of 3 packets matched" ] || { echo "FAIL: default engine: '$out'"; fail=1; }
expect_rc 0 "engine jit" "$bpfvm" filter --dump -r three.pcap 'tcp port 80'
expect_rc 0 "r0 = \*(u16 \*)skb\[12\]" "$bpfvm" filter --dump -r three.pcap 'tcp port 80'

# bad input to filter: a malformed -ddd file and invalid programs are exit 1
# with file:line:column or the instruction; usage errors are exit 2
printf '2\n40 0 0 12\n6 0 x 0\n' >bad.ddd
expect_rc 1 "bad.ddd:3:5" "$bpfvm" filter --program bad.ddd -r three.pcap
printf '3\n40 0 0 12\n6 0 0 0\n' >count.ddd
expect_rc 1 "count.ddd:.*says 3 instructions, found 2" "$bpfvm" filter --program count.ddd -r three.pcap
printf 'ld #1\nret x\n' >retx.s
expect_rc 1 "retx.s:2:5: ret x: BPF_RET|BPF_X" "$bpfvm" filter --program retx.s -r three.pcap
printf 'ld M[2]\nret a\n' >mem.s
expect_rc 1 "insn 0: .*M\[2\]" "$bpfvm" filter --program mem.s -r three.pcap
printf 'ld #1\ndiv #0\nret a\n' >div0.s
expect_rc 1 "insn 1: div #0: division by constant zero" "$bpfvm" filter --program div0.s -r three.pcap
printf '3\n40 0 0 12\n5 0 0 4294967295\n6 0 0 0\n' >back.ddd
expect_rc 1 "insn 1: " "$bpfvm" filter --program back.ddd -r three.pcap
expect_rc 1 "syntax error" "$bpfvm" filter -r three.pcap 'tcp port 80 and'
expect_rc 2 "--engine is jit, interp or cbpf" "$bpfvm" filter --engine vm -r three.pcap tcp
expect_rc 2 "not both" "$bpfvm" filter --program div0.s -r three.pcap tcp
expect_rc 2 "-dd or -ddd" "$bpfvm" filter -dddd tcp
expect_rc 2 "expected -r" "$bpfvm" filter tcp
exit $fail
