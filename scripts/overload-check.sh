#!/usr/bin/env bash
# Runs the reference rigs' features while CPU-burning processes run beside them, and reports how many scenarios
# passed, failed and were inconclusive (a time limit missed while the harness itself ran late), with the worst lag
# the harness's host-lag probe saw. A failure here is a false failure of a good device (docs/performance.md).
# Not part of the test command: it loads the machine on purpose.
#
#   scripts/overload-check.sh [BURNERS]       # default: 4 burners; rigs: embedded, virtual-devkit
#   RIGS="embedded tpm-sim" scripts/overload-check.sh 8
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
burners="${1:-4}"
rigs="${RIGS:-embedded virtual-devkit}"
reports="$(mktemp -d "${TMPDIR:-/tmp}/firstboot-overload.XXXXXX")"

./firstboot --version >/dev/null # builds the harness first, before the machine is loaded

pids=()
stop_burners() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap stop_burners EXIT INT TERM
for _ in $(seq "$burners"); do
  sh -c 'while :; do :; done' &
  pids+=("$!")
done
echo "overload-check: $burners CPU burners on $(nproc) cores; reports in $reports"

# The value of "key" in the first JSON object named "section" (or at the top level) of a pretty-printed summary.json.
field() {
  local file="$1" key="$2" section="${3:-}"
  if [ -n "$section" ]; then
    sed -n "/\"$section\" : {/,/}/p" "$file" | sed -n "s/^ *\"$key\" : \([0-9.]*\).*/\1/p" | head -1
  else
    sed -n "s/^  \"$key\" : \([0-9.]*\).*/\1/p" "$file" | head -1
  fi
}

status=0
for rig in $rigs; do
  started=$(date +%s)
  set +e
  ./firstboot run --rig "$rig" --quiet --report "$reports/$rig" >"$reports/$rig.txt" 2>&1
  code=$?
  set -e
  summary="$(ls -d "$reports/$rig"/*/ 2>/dev/null | head -1)summary.json"
  if [ ! -f "$summary" ]; then
    echo "overload-check: rig $rig left no summary.json (exit $code); see $reports/$rig.txt"
    status=1
    continue
  fi
  printf '%-16s exit %-3s %3s passed, %s failed, %s inconclusive, %s not applicable, %s not run; worst host lag %s ms; %s s\n' \
    "$rig" "$code" "$(field "$summary" passed totals)" "$(field "$summary" failed totals)" \
    "$(field "$summary" inconclusive totals)" "$(field "$summary" not_applicable totals)" \
    "$(field "$summary" not_run totals)" "$(field "$summary" hostLagMs)" "$(( $(date +%s) - started ))"
  if [ "$(field "$summary" failed totals)" != 0 ] || [ "$(field "$summary" not_run totals)" != 0 ]; then
    grep -A1 ' FAIL ' "$reports/$rig.txt" || true
    status=1
  fi
  grep -A1 ' INCO ' "$reports/$rig.txt" || true
done
exit "$status"
