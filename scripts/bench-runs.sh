#!/usr/bin/env bash
# Wall time of whole runs, for the targets in docs/performance.md: the default `./firstboot run`, `--rig
# virtual-devkit`, and any other rigs given. Builds first (not timed), then runs each rig N times (default 3) and prints
# every wall time and the median. A run that does not pass is reported, and the script exits 1.
#   scripts/bench-runs.sh [-n N] [-- RUN-ARGS…]   e.g. scripts/bench-runs.sh -n 5 -- --threads 1
. "$(dirname "$(readlink -f "$0")")/bench-common.sh"
for rig in embedded virtual-devkit; do
  time_runs "$rig" ./firstboot run --rig "$rig" --quiet --report "$work" "${extra[@]}"
  printf '%-16s wall s: %s  median %.1f s  (%s)\n' "$rig" "$(printf '%.1f ' "${times[@]}")" "$median" \
    "$(grep -E '^[0-9]+ passed' "$work/out.txt" | head -1)"
done
exit $status
