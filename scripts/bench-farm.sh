#!/usr/bin/env bash
# Wall time of a virtual farm against one board, for the farm target in docs/performance.md: the DevKit features on
# one virtual DevKit (`--board vdk-01`), on all four boards of a 4-board virtual farm (every board runs them all),
# and spread over the four (`--spread`). Builds first (not timed), writes the farm inventory to a temporary folder,
# runs each mode N times (default 3) and prints every wall time (the whole command, JVM start included), the medians
# and the ratios to one board. A run that does not pass is reported, and the script exits 1.
#   scripts/bench-farm.sh [-n N] [-- RUN-ARGS…]   e.g. scripts/bench-farm.sh -n 5 -- --features features/devkit/first-boot.feature
. "$(dirname "$(readlink -f "$0")")/bench-common.sh"
[ ${#extra[@]} -gt 0 ] || extra=(--features features/devkit)
firmware="$PWD/firmware/devkit-dps-a"
{
  printf 'name: bench-farm\nbackend:\n  kind: embedded\n  retry-after: 1s\n  hubs: [hub-a, hub-b]\nboards:\n'
  for i in 1 2 3 4; do
    cat <<BOARD
  - name: vdk-0$i
    pool: virtual
    device:
      kind: virtual-devkit
      firmware:
        bin: $firmware/DPS.ino.bin
        map: $firmware/DPS.ino.map
      mac: a0b1c2d3e4f$i
      firmware-version: 2.0.0
      registration-id: automatic
      registration-budget: 8s
BOARD
  done
} >"$work/farm.yaml"

declare -A medians
for mode in one every spread; do
  case $mode in
    one) args=(--board vdk-01) ;;
    every) args=() ;;
    spread) args=(--spread) ;;
  esac
  time_runs "$mode" ./firstboot run --farm "$work/farm.yaml" "${args[@]}" --report "$work/reports" "${extra[@]}"
  medians[$mode]=$median
  printf '%-7s wall s: %s  median %.1f s  (%s)\n' "$mode" "$(printf '%.1f ' "${times[@]}")" "$median" \
    "$(grep -E '^vdk-0[1-4] ' "$work/out.txt" | awk '{print $1": "$6" passed"}' | paste -sd, -)"
done
awk -v one="${medians[one]}" -v every="${medians[every]}" -v spread="${medians[spread]}" 'BEGIN {
  r = every / one
  printf "every board, 4 boards / 1 board: ratio %.2f (target <= 1.25: %s)\n", r, r <= 1.25 ? "PASS" : "MISS"
  printf "spread over 4 boards / 1 board:  ratio %.2f\n", spread / one }'
echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
