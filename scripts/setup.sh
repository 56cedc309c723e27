#!/usr/bin/env bash
# Installs the Debian packages firstboot's rigs and tests use, when they are missing and this machine allows it
# (root, apt). Without them the scenarios that need them are reported as not applicable, never as passed.
set -euo pipefail
need=()
for pkg in "$@"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ "${#need[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "setup: missing packages ${need[*]}; install them (Debian: apt-get install ${need[*]}) or the scenarios that need them will be not applicable" >&2
  exit 0
fi
echo "setup: installing ${need[*]}" >&2
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
