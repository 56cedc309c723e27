#!/usr/bin/env bash
# Wall time of whole runs, for the targets in docs/performance.md: the default `./firstboot run`, `--rig
# virtual-devkit`, and any other rigs given. Builds first (not timed), then runs each rig N times (default 3) and prints
# every wall time and the median. A run that does not pass is reported, and the script exits 1.
#   scripts/bench-runs.sh [-n N] [-- RUN-ARGS…]   e.g. scripts/bench-runs.sh -n 5 -- --threads 1
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
n=3
if [ "${1:-}" = "-n" ]; then n="$2"; shift 2; fi
if [ "${1:-}" = "--" ]; then shift; fi
extra=("$@")
./firstboot --version >/dev/null    # builds the jar when the sources changed; never part of a figure
reports="$(mktemp -d)"
trap 'rm -rf "$reports"' EXIT
status=0
for rig in embedded virtual-devkit; do
  times=()
  for i in $(seq "$n"); do
    start=$(date +%s%N)
    if ! ./firstboot run --rig "$rig" --quiet --report "$reports" "${extra[@]}" >"$reports/out.txt" 2>&1; then
      echo "$rig: run $i did not pass:"; tail -5 "$reports/out.txt"; status=1
    fi
    times+=("$(awk -v ns=$(( $(date +%s%N) - start )) 'BEGIN {printf "%.2f", ns / 1e9}')")
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '%-16s wall s: %s  median %.1f s  (%s)\n' "$rig" "$(printf '%.1f ' "${times[@]}")" "$median" \
    "$(grep -E '^[0-9]+ passed' "$reports/out.txt" | head -1)"
done
exit $status
