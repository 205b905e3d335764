#!/usr/bin/env bash
# The verifier's positive corpus (issue 4): every program of every bench
# object, every test program and every program of Debian's libxdp objects
# is accepted, each verified on its own (bpfvm verify -j), except the
# programs below that break a rule on purpose, each with its reason; those
# must be refused, with the message given.
#   test_verify_corpus.sh BPFVM BUILD_DIR
set -uo pipefail
bpfvm=$1 build=$2

# object:program -> a piece of the refusal it must get
declare -A refused=(
  [xdp_missing_check.o:xdp_ttl]="may be past data_end"
  [callbacks.o:each_poke]="read-only memory"
)

# objects the loader must refuse as a whole (CO-RE bpfvm cannot resolve),
# with a piece of the message
declare -A refused_objs=(
  [core_reloc.o]="bpfvm has no struct task"
  [core_missing_field.o]="bpfvm's struct net_device has no field 'mtu'"
)

objs=("$build"/tests/bench/*.o "$build"/tests/programs/*.o)
n_libxdp=0
for o in /usr/lib/*/bpf/*.o; do
  [[ -f $o ]] && { objs+=("$o"); n_libxdp=$((n_libxdp + 1)); }
done
accepted=0 expected_refusals=0 failed=0
for o in "${objs[@]}"; do
  base=$(basename "$o")
  if [[ -n ${refused_objs[$base]+x} ]]; then
    msg=$("$bpfvm" verify "$o" 2>&1)
    if [[ $msg != *"${refused_objs[$base]}"* ]]; then
      echo "FAIL: $base must be refused with '${refused_objs[$base]}': $msg"
      failed=$((failed + 1))
    else
      expected_refusals=$((expected_refusals + 1))
    fi
    continue
  fi
  json=$("$bpfvm" verify -j "$o" 2>/dev/null)
  lines=$(printf '%s' "$json" | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except Exception:
    print("UNREADABLE -"); sys.exit(0)
for p in d.get("programs", []):
    msg = p.get("error", "").replace("\n", " ")
    print(p["name"], p["status"], msg)
')
  if [[ -z $lines || $lines == "UNREADABLE -" ]]; then
    echo "FAIL: $base: bpfvm verify gave no programs: $("$bpfvm" verify "$o" 2>&1 | head -n 1)"
    failed=$((failed + 1))
    continue
  fi
  while read -r name status msg; do
    key="$base:$name"
    if [[ -n ${refused[$key]+x} ]]; then
      if [[ $status == accepted || $msg != *"${refused[$key]}"* ]]; then
        echo "FAIL: $key must be refused with '${refused[$key]}': $status $msg"
        failed=$((failed + 1))
      else
        expected_refusals=$((expected_refusals + 1))
      fi
    elif [[ $status != accepted ]]; then
      echo "FAIL: $key is refused: $msg"
      failed=$((failed + 1))
    else
      accepted=$((accepted + 1))
    fi
  done <<< "$lines"
done
echo "positive corpus: $accepted programs accepted, $expected_refusals refused on purpose," \
     "$failed failures (${#objs[@]} objects, $n_libxdp from libxdp)"
[[ $n_libxdp -gt 0 ]] || echo "note: Debian's libxdp1 objects are not installed here"
[[ $failed -eq 0 ]]
