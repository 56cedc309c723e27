#!/usr/bin/env bash
# Makes a Docker engine and the firstboot emulator image available to the tests and the `containers` rig, with no
# registry at all (docs/containers.md, "CI set-up").
#
#   eval "$(scripts/docker-setup.sh)"     # what scripts/test.sh does; prints only `export …` lines on stdout
#   scripts/docker-setup.sh               # alone: the same, progress on stderr
#
# 1. an engine: $DOCKER_HOST if it answers; else a private dockerd this script started before (reused); else, as
#    root on Debian, install docker.io (+ debootstrap) through scripts/setup.sh and start a private dockerd under
#    $FIRSTBOOT_DOCKER_DIR (default /var/tmp/firstboot-docker) with --iptables=false --ip-masq=false
#    --ip-forward=false and its own socket, data and exec dirs;
# 2. a base image with a Java 17 runtime, built locally: debootstrap bookworm minbase -> `docker import`
#    (local/debian:bookworm), plus a runtime jlinked from this machine's JDK 17 (local/firstboot-jre:17);
# 3. the emulator image from docker/Dockerfile with BASE_IMAGE=local/firstboot-jre:17, tagged by the content hash
#    of the jar, its libraries and the Dockerfile (skipped when that tag exists), and also as firstboot/emulator:local.
#
# When no engine can be had, it says why and exports FIRSTBOOT_DOCKER_UNAVAILABLE=<reason>: container scenarios
# are then reported not applicable with that reason, never as passed. It always exits 0.
set -uo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
root="$PWD"
run_dir="${FIRSTBOOT_DOCKER_DIR:-/var/tmp/firstboot-docker}"
bip="${FIRSTBOOT_DOCKER_BIP:-172.30.99.1/24}"
base_image="local/firstboot-jre:17"
image_repo="firstboot/emulator"
export DOCKER_BUILDKIT=0

say() { echo "docker-setup: $*" >&2; }
emit() { echo "export $1=$(printf '%q' "$2")"; }
unavailable() {
  say "$1"
  say "container scenarios and tests will be reported not applicable with this reason"
  emit FIRSTBOOT_DOCKER_UNAVAILABLE "$1"
  exit 0
}
engine_answers() { timeout 10 docker -H "$1" version --format '{{.Server.Version}}' >/dev/null 2>&1; }
started=$(date +%s)

# --- 1. an engine -------------------------------------------------------------------------------------------------
host=""
if [ -n "${DOCKER_HOST:-}" ] && command -v docker >/dev/null && engine_answers "$DOCKER_HOST"; then
  host="$DOCKER_HOST"
  say "using the engine at $host"
elif command -v docker >/dev/null && engine_answers "unix://$run_dir/docker.sock"; then
  host="unix://$run_dir/docker.sock"
  say "reusing the private dockerd at $host"
else
  if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null || ! command -v debootstrap >/dev/null; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
      unavailable "no Docker engine is reachable (DOCKER_HOST=${DOCKER_HOST:-unset}) and this is not root on Debian, so none can be installed; start one and export DOCKER_HOST=unix://…"
    fi
    scripts/setup.sh docker.io iptables debootstrap
  fi
  command -v dockerd >/dev/null || unavailable "dockerd is not installed and 'apt-get install docker.io' did not provide it"
  [ "$(id -u)" = 0 ] || unavailable "dockerd is installed but not running, and starting a private one needs root; start it and export DOCKER_HOST"
  mkdir -p "$run_dir"
  if [ -f "$run_dir/dockerd.pid" ] && kill -0 "$(cat "$run_dir/dockerd.pid")" 2>/dev/null; then
    say "a private dockerd (pid $(cat "$run_dir/dockerd.pid")) is running but not answering; waiting for it"
  else
    rm -f "$run_dir/docker.sock" "$run_dir/dockerd.pid"
    say "starting a private dockerd (log: $run_dir/dockerd.log)"
    setsid nohup dockerd --bip="$bip" --iptables=false --ip-forward=false --ip-masq=false \
      --data-root "$run_dir/docker-data" --exec-root "$run_dir/docker-exec" \
      -H "unix://$run_dir/docker.sock" --pidfile "$run_dir/dockerd.pid" >"$run_dir/dockerd.log" 2>&1 </dev/null &
  fi
  deadline=$(( $(date +%s) + 30 ))
  until engine_answers "unix://$run_dir/docker.sock"; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      unavailable "the private dockerd did not answer on $run_dir/docker.sock within 30 s; see $run_dir/dockerd.log"
    fi
    sleep 0.2
  done
  host="unix://$run_dir/docker.sock"
  say "dockerd is ready at $host"
fi
export DOCKER_HOST="$host"
emit DOCKER_HOST "$host"
emit TESTCONTAINERS_RYUK_DISABLED true
emit TESTCONTAINERS_HOST_OVERRIDE localhost

# --- 2. the base image (no registry) -------------------------------------------------------------------------------
if ! docker image inspect "$base_image" >/dev/null 2>&1; then
  if ! docker image inspect local/debian:bookworm >/dev/null 2>&1; then
    command -v debootstrap >/dev/null || unavailable "building the base image needs debootstrap (apt-get install debootstrap)"
    mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
    mirror="${mirror:-http://deb.debian.org/debian}"
    rootfs="$run_dir/rootfs"
    rm -rf "$rootfs"
    say "debootstrap bookworm minbase from $mirror (about 30 s)"
    if ! debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$run_dir/debootstrap.log" 2>&1; then
      unavailable "debootstrap bookworm failed; see $run_dir/debootstrap.log"
    fi
    say "docker import -> local/debian:bookworm"
    tar -C "$rootfs" -c . | docker import - local/debian:bookworm >/dev/null \
      || unavailable "docker import of the bookworm rootfs failed"
    rm -rf "$rootfs"
  fi
  jre_ctx="$run_dir/jre-context"
  rm -rf "$jre_ctx" && mkdir -p "$jre_ctx"
  command -v jlink >/dev/null || unavailable "jlink (JDK 17) is needed to build the image's Java runtime"
  say "jlink a Java runtime from the host JDK"
  if ! jlink --add-modules java.se,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.unsupported,jdk.httpserver,jdk.management,jdk.zipfs,jdk.localedata \
        --strip-debug --no-header-files --no-man-pages --output "$jre_ctx/jre" >&2; then
    unavailable "jlink failed to build a Java runtime"
  fi
  cp docker/jre.Dockerfile "$jre_ctx/Dockerfile"
  docker build -q -t "$base_image" "$jre_ctx" >/dev/null || unavailable "building $base_image failed"
  rm -rf "$jre_ctx"
fi

# --- 3. the emulator image ------------------------------------------------------------------------------------------
jar="target/firstboot.jar"
if [ ! -f "$jar" ] || [ ! -d target/lib ] \
   || [ -n "$(find src/main pom.xml -newer "$jar" -print -quit 2>/dev/null)" ]; then
  say "building the harness jar (mvn -DskipTests package)"
  mvn -B -q -DskipTests package >&2 || unavailable "the jar did not build; run 'mvn -B -DskipTests package' to see why"
fi
hash=$( (sha256sum "$jar" docker/Dockerfile docker/emulator.yaml; ls -1 target/lib) | sha256sum | cut -c1-16)
image="$image_repo:$hash"
if docker image inspect "$image" >/dev/null 2>&1; then
  say "$image is up to date"
else
  say "building $image"
  docker build -q --build-arg BASE_IMAGE="$base_image" -f docker/Dockerfile -t "$image" . >/dev/null \
    || unavailable "building $image from docker/Dockerfile failed; run: DOCKER_BUILDKIT=0 docker build --build-arg BASE_IMAGE=$base_image -f docker/Dockerfile ."
fi
docker tag "$image" "$image_repo:local"
# Older builds of the emulator image are replaced, not piled up (containers still using one keep it).
for old in $(docker image ls "$image_repo" --format '{{.Repository}}:{{.Tag}}'); do
  case "$old" in "$image"|"$image_repo:local") ;; *) docker image rm "$old" >/dev/null 2>&1 || true ;; esac
done
emit FIRSTBOOT_EMULATOR_IMAGE "$image"
say "ready in $(( $(date +%s) - started )) s: $image on $DOCKER_HOST"
