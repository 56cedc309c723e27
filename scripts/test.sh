#!/usr/bin/env bash
# The project's test command (README "Run the tests"; .ci/run calls it verbatim).
# It installs what the tests need on a fresh Debian machine (as root), then runs the whole test suite.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
scripts/setup.sh socat swtpm swtpm-tools gcc libc6-dev libtss2-dev chromium openssl ser2net
# A Docker engine and the emulator image for the containers rig (docs/containers.md); without one, the container
# scenarios are reported not applicable with the reason, never as passed, and the container tests fail (below).
eval "$(scripts/docker-setup.sh)"
# Where this script installs everything itself (root on Debian), a test that needs a component it installs (swtpm,
# gcc, tpm2-tss, chromium, a Docker engine) or the stock ports (root) fails when it is missing, never skips
# (src/test/java/dev/firstboot/Required.java); elsewhere such a test is skipped with the reason. The pty tests
# cannot skip: they fail without socat anywhere.
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  export FIRSTBOOT_REQUIRE_ALL=1
fi
# The Node reference device program's pinned Azure IoT Node SDK (device-programs/node/package-lock.json); its tests
# must run, never skip, when node or the installed SDK is missing.
npm ci --prefix device-programs/node --no-audit --no-fund --loglevel=error >/dev/null
export FIRSTBOOT_REQUIRE_NODE=1
exec mvn -B verify
