# lib.sh - what the runner test scripts share; source it after setting
# bpfvm and work. n counts the checks; the first failure exits 1.
n=0

fail() { echo "FAIL: $*" >&2; exit 1; }
# expect STATUS CMD...: run CMD (stdout in $out, stderr in $err), check its
# exit status.
expect() {
  local want=$1; shift
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  out=$(cat "$work/out"); err=$(cat "$work/err")
  [[ $got -eq $want ]] || fail "'$*' exited $got, expected $want; stderr: $err"
  n=$((n + 1))
}
contains() { [[ "$1" == *"$2"* ]] || fail "expected '$2' in: $1"; n=$((n + 1)); }
# json_count JSON NAME: the number after "NAME": in a pretty summary.
json_count() { echo "$1" | sed -n "s/^ *\"$2\": \([0-9]*\),\{0,1\}$/\1/p" | head -1; }
# counts JSON NAME...: the numbers after each "NAME":, space-separated.
counts() {
  local json=$1 v s=""; shift
  for v in "$@"; do s="$s $(json_count "$json" "$v")"; done
  echo $s
}
# packets FILE: records in a capture.
packets() {
  if command -v tcpdump >/dev/null; then
    tcpdump -r "$1" 2>/dev/null | wc -l
  else
    "$bpfvm" filter --count 'len >= 0' -r "$1" 2>/dev/null
  fi
}
# matching FILTER FILE: records of a capture a pcap filter accepts.
matching() { "$bpfvm" filter --count "$1" -r "$2" 2>/dev/null; }
