# Sourced by the scripts/bench-*.sh scripts: what they share. Reads `[-n N] [-- RUN-ARGS…]` into $n (default 3) and
# the array extra, builds the jar when the sources changed (never part of a figure), and times commands.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
n=3
if [ "${1:-}" = "-n" ]; then n="$2"; shift 2; fi
if [ "${1:-}" = "--" ]; then shift; fi
extra=("$@")
./firstboot --version >/dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0

# time_runs LABEL COMMAND…: runs COMMAND $n times, its output in $work/out.txt; leaves each wall (s) in the array
# times and their median in $median. A run that does not pass is reported, and the script's status becomes 1.
time_runs() {
  local label="$1" start i
  shift
  times=()
  for i in $(seq "$n"); do
    start=$(date +%s%N)
    if ! "$@" >"$work/out.txt" 2>&1; then
      echo "$label: run $i did not pass:"
      grep -E -A2 '\] (FAIL|INCO) ' "$work/out.txt" || true
      tail -4 "$work/out.txt"; status=1
    fi
    times+=("$(awk -v ns=$(( $(date +%s%N) - start )) 'BEGIN {printf "%.2f", ns / 1e9}')")
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
}
