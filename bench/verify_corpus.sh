#!/usr/bin/env bash
# verify_corpus.sh [BUILD_DIR] - the verifier's time and memory over the
# corpus of real programs: the bench programs, the test programs and
# Debian's libxdp objects, each program verified on its own (bpfvm verify
# -j). Prints one line per program and the largest time and memory; a
# measurement, never a check (timings vary with the machine's load).
set -euo pipefail
build=${1:-build}
bpfvm=$build/bpfvm
[[ -x $bpfvm ]] || { echo "verify_corpus: $bpfvm is missing: build first" >&2; exit 1; }
objs=("$build"/tests/bench/*.o "$build"/tests/programs/*.o)
for o in /usr/lib/*/bpf/*.o; do [[ -f $o ]] && objs+=("$o"); done
printf '%-28s %-20s %8s %10s %8s %10s %10s\n' object program insns processed states ms KiB
for o in "${objs[@]}"; do
  "$bpfvm" verify -j "$o" 2>/dev/null | python3 -c '
import json, sys, os
try:
    d = json.load(sys.stdin)
except Exception:
    sys.exit(0)
for p in d["programs"]:
    if p["status"] != "accepted":
        print("%-28s %-20s %8s %10s" % (os.path.basename(d["object"])[:28], p["name"][:20], "-", p["status"]))
        continue
    print("%-28s %-20s %8d %10d %8d %10.2f %10.1f" % (os.path.basename(d["object"])[:28], p["name"][:20],
          p["insns"], p["insns_processed"], p["states"], p["time_ns"] / 1e6, p["peak_mem"] / 1024))
' || true
done | tee /tmp/verify_corpus.$$ 
awk 'NF == 7 && $6 ~ /^[0-9.]+$/ { if ($6 > t) { t = $6; tp = $1 " " $2 } if ($7 > m) { m = $7; mp = $1 " " $2 } n++ }
     END { printf "%d programs accepted; slowest %s: %.2f ms; most memory %s: %.1f KiB\n", n, tp, t, mp, m }' /tmp/verify_corpus.$$
rm -f /tmp/verify_corpus.$$
