#!/usr/bin/env bash
# test_cli.sh BPFVM EXAMPLES_DIR [PROGRAMS_DIR] - checks the bpfvm command line.
# Each check states what it expects; the first failure stops the test.
set -u
bpfvm=$1
ex=$2
progs=${3:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0

fail() { echo "FAIL: $*" >&2; exit 1; }
# expect STATUS CMD...: run, keep stdout/stderr in $out/$err, check status.
expect() {
  local want=$1; shift
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
  [[ $got -eq $want ]] || fail "'$*' exited $got, expected $want; stderr: $err"
  n=$((n + 1))
}
contains() { [[ "$1" == *"$2"* ]] || fail "expected '$2' in: $1"; n=$((n + 1)); }
not_contains() { [[ "$1" != *"$2"* ]] || fail "did not expect '$2' in: $1"; n=$((n + 1)); }

# Help and usage.
expect 0 "$bpfvm" --help;            contains "$out" "asm"; contains "$out" "disasm"; contains "$out" "run"
expect 2 "$bpfvm";                    contains "$err" "usage"
expect 2 "$bpfvm" frobnicate;         contains "$err" "unknown command 'frobnicate'"
for cmd in asm disasm run prog map verify; do
  expect 0 "$bpfvm" $cmd --help;      contains "$out" "usage: bpfvm $cmd"
  expect 2 "$bpfvm" $cmd --no-such-option
  expect 2 "$bpfvm" $cmd
done
expect 0 "$bpfvm" --version;          contains "$out" "bpfvm"
expect 2 "$bpfvm" asm --syntax klingon x.s; contains "$err" "unknown syntax"
expect 2 "$bpfvm" run --budget -3 x.s;      contains "$err" "--budget"
expect 2 "$bpfvm" run --mem 00 --mem-file x x.s; contains "$err" "not both"
# Every option the help lists is accepted by the parser (no stale help).
for cmd in asm disasm run prog map verify; do
  "$bpfvm" $cmd --help | grep -oE -- '--[a-z-]+' | sort -u | while read -r opt; do
    "$bpfvm" $cmd "$opt" 2>&1 | grep -q "unrecognized option '$opt'" && fail "$cmd $opt is in the help but not parsed"
  done
done

# asm: hex to stdout, raw with -o, and located errors.
expect 0 "$bpfvm" asm "$ex/overrun.s"
contains "$out" "b7 00 00 00 00 00 00 00"
[[ $(echo "$out" | wc -l) -eq 4 ]] || fail "overrun.s should be 4 slots"
expect 0 "$bpfvm" asm -o "$tmp/p.bin" "$ex/ipv4-dport.s"
[[ $(( $(stat -c %s "$tmp/p.bin") % 8 )) -eq 0 ]] || fail "raw output not whole slots"
printf 'mov %%r0, 1\nldxq %%r0, %%r1\nexit\n' > "$tmp/bad.s"
expect 1 "$bpfvm" asm "$tmp/bad.s";   contains "$err" "$tmp/bad.s:2:1"
expect 1 "$bpfvm" asm "$tmp/missing.s"; contains "$err" "cannot open"

# disasm: raw and hex input, both syntaxes, round trip through asm.
expect 0 "$bpfvm" disasm "$tmp/p.bin";            contains "$out" "r3 = be16 r3"
expect 0 "$bpfvm" disasm -s ubpf "$tmp/p.bin";    contains "$out" "be16 %r3"
"$bpfvm" asm "$ex/overrun.s" > "$tmp/p.hex"
expect 0 "$bpfvm" disasm -f hex "$tmp/p.hex";     contains "$out" "exit"
"$bpfvm" disasm --no-addr "$tmp/p.bin" > "$tmp/again.s"
expect 0 "$bpfvm" asm -o "$tmp/again.bin" "$tmp/again.s"
cmp -s "$tmp/p.bin" "$tmp/again.bin" || fail "disasm --no-addr | asm changed the bytes"
n=$((n + 1))
printf '\x95\x00\x00\x00\x00\x00\x00' > "$tmp/short.bin"
expect 1 "$bpfvm" disasm -f raw "$tmp/short.bin"; contains "$err" "whole number of 8-byte"

# run: r0 in hex, memory, trace, budget, refusals.
expect 0 "$bpfvm" run "$ex/ipv4-dport.s" --mem-file "$ex/dns-query.bin"; [[ "$out" == "0x35" ]] || fail "dport: $out"
expect 0 "$bpfvm" run "$ex/ipv4-dport.s" --mem-file "$ex/dns-query-corrupt.bin"; [[ "$out" == "0xfffe" ]] || fail "corrupt: $out"
expect 0 "$bpfvm" run "$tmp/p.bin" --mem-file "$ex/dns-query.bin"; [[ "$out" == "0x35" ]] || fail "raw input: $out"
"$bpfvm" asm "$ex/ipv4-dport.s" > "$tmp/dport.hex"
expect 0 "$bpfvm" run -f hex "$tmp/dport.hex" --mem 'de ad be ef 00'; [[ "$out" == "0xffff" ]] || fail "short packet: $out"
expect 0 "$bpfvm" run -e 'mov %r0, 7
exit';                                 [[ "$out" == "0x7" ]] || fail "-e: $out"
[[ -z $err ]] || fail "the JIT (the default engine) said: $err"
expect 0 "$bpfvm" run --engine interp -e 'mov %r0, 7
exit';                                 [[ "$out" == "0x7" ]] || fail "--engine interp: $out"
expect 0 "$bpfvm" run -e 'r0 = *(u32 *)(r1 + 0)
exit' --mem '78 56 34 12';             [[ "$out" == "0x12345678" ]] || fail "mem: $out"
expect 0 "$bpfvm" run -d -e 'r2 = 0x41
*(u8 *)(r1 + 1) = r2
r0 = 0
exit' --mem '00 00';                   contains "$out" "00 41"
expect 0 "$bpfvm" run --trace -e 'r3 = 5
r3 += 2
r0 = r3
exit'
contains "$out" "r3 = 5"; contains "$out" "r3=0x7"; contains "$out" "r0=0x7"
contains "$err" "running in the interpreter: --trace"
expect 1 "$bpfvm" run "$ex/overrun.s" --mem 'de ad be ef'; contains "$err" "insn 2: read of 1 byte"
contains "$err" "outside the 4-byte context"
# --unverified: no verifier; the checked interpreter stops it at run time
expect 1 "$bpfvm" run -U "$ex/overrun.s" --mem 'de ad be ef'; contains "$err" "insn 2"
contains "$err" "running in the interpreter: --unverified"
contains "$err" "out-of-bounds read"
expect 1 "$bpfvm" run -e 'goto -1';    contains "$err" "never ends"
expect 1 "$bpfvm" run --unverified --budget 50 -e 'goto -1'; contains "$err" "budget"
expect 2 "$bpfvm" run --unverified --jit -e 'exit'; contains "$err" "does not go with --jit"
expect 1 "$bpfvm" run -e 'r0 = 1';     contains "$err" "last instruction"
expect 1 "$bpfvm" run -e 'call 1234
exit';                                 contains "$err" "helper 1234"
expect 1 "$bpfvm" run --mem 'zz' -e 'exit'; contains "$err" "hex"

# verify: the static verifier on raw programs.
printf 'r0 = *(u32 *)(r1 + 0)\nexit\n' > "$tmp/ok.s"
printf 'r0 = *(u32 *)(r1 + 2)\nexit\n' > "$tmp/oob.s"
expect 0 "$bpfvm" verify -c 4 "$tmp/ok.s";  contains "$out" "accepted: 2 instructions"
expect 1 "$bpfvm" verify -c 4 "$tmp/oob.s"; contains "$err" "insn 0: read of 4 bytes at offset 2 is outside the 4-byte context"
expect 0 "$bpfvm" verify -j -c 4 "$tmp/ok.s"; contains "$out" '"accepted":true'
expect 2 "$bpfvm" verify -c -1 "$tmp/ok.s"; contains "$err" "--ctx-size"

# prog and map: ELF objects.
if [[ -n "$progs" && -f "$progs/globals.o" ]]; then
  expect 0 "$bpfvm" prog show "$progs/globals.o"
  contains "$out" "sched_cls  name tc_first  section tc"; contains "$out" "maps .data,.rodata"
  expect 0 "$bpfvm" prog show -j "$progs/globals.o"
  contains "$out" '"name":"xdp_third","type":"xdp","section":"xdp"'
  expect 0 "$bpfvm" prog dump "$progs/globals.o" tc_second
  contains "$out" "; scratch[1] = 5; @"; contains "$out" "globals.c:"
  contains "$out" "call pc+"
  contains "$out" "r1 = map_val(map_by_idx(2)) + 0 ll ; .bss"
  expect 1 "$bpfvm" prog dump "$progs/globals.o" nosuch; contains "$err" "no program or section named 'nosuch'"
  expect 0 "$bpfvm" map show "$progs/btf_maps.o"
  contains "$out" "prog_array  name jmp"; contains "$out" "array_of_maps  name outer"
  expect 0 "$bpfvm" map dump -j "$progs/globals.o" .rodata
  contains "$out" '"formatted":{"value":{"limits":[10,20]}}'
  expect 0 "$bpfvm" map dump "$progs/btf_maps.o" jmp
  contains "$out" "key: 01 00 00 00  value: "
  expect 1 "$bpfvm" map dump "$progs/core_reloc.o"; contains "$err" "CO-RE relocation"
  expect 2 "$bpfvm" map frob "$progs/globals.o"; contains "$err" "unknown verb 'frob'"
fi
# verify OBJ: every program as its section's type; a refusal names the
# source line, the missing check and the branches that lead there.
if [[ -n "$progs" && -f "$progs/xdp_missing_check.o" ]]; then
  expect 0 "$bpfvm" verify "$progs/xdp_parse.o"
  contains "$out" "xdp_parse (xdp, section xdp): accepted:"; contains "$out" "tc_mark (sched_cls"
  expect 1 "$bpfvm" verify "$progs/xdp_missing_check.o"
  contains "$out" "xdp_ttl (xdp, section xdp): refused"
  contains "$out" "xdp_ok (xdp, section xdp): accepted:"
  contains "$err" "xdp_missing_check.c:21: program 'xdp_ttl'"
  contains "$err" "may be past data_end here: add a bounds check"
  contains "$err" "the path of branches to insn"
  contains "$err" "-> not taken  (xdp_missing_check.c:18)"
  contains "$err" "R1=pkt(r=14)"
  expect 0 "$bpfvm" verify -v "$progs/xdp_parse.o" xdp_parse
  contains "$out" "; 	void *data = (void *)(long)ctx->data; @ xdp_parse.c:"
  contains "$out" "R1=ctx()"; contains "$out" "safe: a stored state covers this one"
  expect 1 "$bpfvm" verify -j "$progs/xdp_missing_check.o" xdp_ttl
  contains "$out" '"status":"refused","insn":11,"file":'; contains "$out" '"line":21'
  expect 1 "$bpfvm" verify "$progs/xdp_parse.o" nosuch; contains "$err" "has no program 'nosuch'; it has: xdp_parse tc_mark"
  expect 2 "$bpfvm" verify "$progs/xdp_parse.o" a b; contains "$err" "expected OBJECT [PROG]"
  # stack never written (a key's padding): accepted, with a note at its line
  expect 0 "$bpfvm" verify "$progs/xdp_padded_key.o"
  contains "$out" "note: from insn 16 (xdp_padded_key.c:44) the program may read stack bytes it never wrote"
  contains "$out" "  __u32 hit = bpf_map_lookup_elem(&flows, &f) != NULL;"
  expect 0 "$bpfvm" verify -j "$progs/xdp_padded_key.o"
  contains "$out" '"uninit_reads":'; contains "$out" '"uninit_insn":16'
  expect 0 "$bpfvm" verify "$progs/xdp_parse.o"; not_contains "$out" "never wrote"
fi
# jit: the summary, the dump (BPF and x86 mnemonics, source lines), JSON,
# and the error paths.
expect 0 "$bpfvm" jit --help;         contains "$out" "usage: bpfvm jit"
# (a for loop, not a pipe into while: fail must stop this shell)
for opt in $("$bpfvm" jit --help | grep -oE -- '--[a-z-]+' | sort -u); do
  "$bpfvm" jit "$opt" 2>&1 | grep -q "unrecognized option '$opt'" && fail "jit $opt is in the help but not parsed"
done
expect 2 "$bpfvm" jit;                contains "$err" "expected OBJ [PROG]"
expect 2 "$bpfvm" jit --no-such-option x.s
expect 2 "$bpfvm" jit -s klingon x.s; contains "$err" "unknown syntax"
expect 2 "$bpfvm" jit -e 'exit' x.s;  contains "$err" "-e takes the program"
expect 1 "$bpfvm" jit "$tmp/missing.o"; contains "$err" "cannot open '$tmp/missing.o'"
expect 0 "$bpfvm" jit -e 'r0 = 1
exit';                                 contains "$out" "<expr>: 2 BPF insns -> "; contains "$out" "bytes of x86_64 code"
contains "$out" "insns/s"
expect 0 "$bpfvm" jit --dump "$ex/ipv4-dport.s"
contains "$out" "r0 = be16 r0"; contains "$out" "rol ax, 8"; contains "$out" "push rbp"; contains "$out" "ret"
expect 0 "$bpfvm" jit -d --att -s ubpf "$ex/ipv4-dport.s"; contains "$out" "be16 %r0"; contains "$out" "retq"
expect 1 "$bpfvm" jit -e 'r1 = 5
callx r1
exit';                                 contains "$err" "insn 1"
expect 0 "$bpfvm" jit -U -d -j -e 'r1 = 5
callx r1
exit';                                 contains "$out" '"bpf":"callx r1"'; contains "$out" '"asm":"call rax"'
expect 1 "$bpfvm" jit -U -e 'call kfunc 7
exit';                                 contains "$err" "insn 0: the JIT does not take kfunc calls"
expect 1 "$bpfvm" jit -e 'r0 = ';      contains "$err" "<expr>:1:"
expect 2 "$bpfvm" jit "$ex/ipv4-dport.s" prog; contains "$err" "not an ELF object"
expect 1 "$bpfvm" jit -e 'r0 = *(u32 *)(r1 + 0)
exit';                                 contains "$err" "outside the 0-byte context"
expect 0 "$bpfvm" jit -c 4 -e 'r0 = *(u32 *)(r1 + 0)
exit'
expect 2 "$bpfvm" jit -c x -e 'exit'; contains "$err" "--ctx-size wants a size"
if [[ -n "$progs" && -f "$progs/xdp_parse.o" ]]; then
  expect 0 "$bpfvm" jit "$progs/xdp_parse.o"
  contains "$out" "xdp_parse (section xdp, xdp): 72 BPF insns -> "; contains "$out" "tc_mark (section tc"
  expect 0 "$bpfvm" jit --dump "$progs/xdp_parse.o" xdp_parse
  contains "$out" "; int xdp_parse(struct xdp_md *ctx) @ "; contains "$out" "xdp_parse.c:"
  contains "$out" "r2 = *(u32 *)(r1 + 4)"; contains "$out" "movzx"; contains "$out" "call 1"
  [[ "$out" != *"tc_mark"* ]] || fail "jit OBJ PROG dumped another program"
  expect 0 "$bpfvm" jit -d -j "$progs/xdp_parse.o" tc
  contains "$out" '"name":"tc_mark","section":"tc"'; contains "$out" '"src":{"file":'
  contains "$out" '"x86":[{"offset":'
  expect 1 "$bpfvm" jit "$progs/xdp_parse.o" nosuch; contains "$err" "no program or section named 'nosuch'"
  expect 2 "$bpfvm" jit "$progs/xdp_parse.o" a b
fi
printf 'not an elf' > "$tmp/bad.o"
expect 1 "$bpfvm" jit "$tmp/bad.o"
expect 1 "$bpfvm" prog show "$tmp/bad.o"
# libxdp's objects (Debian's libxdp1): all load, xdpdump's fentry/fexit
# programs (CO-RE on struct xdp_buff) too, and verify; they do not run.
for obj in /usr/lib/*/bpf/xdp*.o /usr/lib/*/bpf/xsk*.o; do
  [[ -f "$obj" ]] || continue
  expect 0 "$bpfvm" prog show "$obj"
  case "$obj" in
    */xdpdump_bpf.o) contains "$out" "tracing  name trace_on_entry  section fentry/func"
       expect 0 "$bpfvm" verify "$obj"; contains "$out" "trace_on_exit (tracing, section fexit/func): accepted"
       expect 1 "$bpfvm" run "$obj" -r "$ex/traffic.pcap"; contains "$err" "type 26 (tracing)" ;;
    *) contains "$out" "xdp" ;;
  esac
  expect 0 "$bpfvm" map dump -j "$obj"
done

echo "test_cli.sh: $n checks passed"
