#!/usr/bin/env bash
# Makes a Docker engine and the firstboot emulator image available to the tests and the `containers` rig, with no
# registry at all (docs/containers.md, "CI set-up").
#
#   eval "$(scripts/docker-setup.sh)"     # what scripts/test.sh does; prints only `export …` lines on stdout
#   scripts/docker-setup.sh               # alone: the same, progress on stderr
#
# 1. an engine: $DOCKER_HOST if it answers; else a private dockerd this script started before (reused); else, as
#    root on Debian, install docker.io through scripts/setup.sh and start a private dockerd under
#    $FIRSTBOOT_DOCKER_DIR (default /var/tmp/firstboot-docker) with --iptables=false --ip-masq=false
#    --ip-forward=false and its own socket, data and exec dirs;
# 2. a base image with a Java 17 runtime, built locally (local/firstboot-jre:17): by default FROM scratch with a
#    runtime jlinked from this machine's JDK 17 and the libraries it links; with FIRSTBOOT_DOCKER_BASE=debootstrap
#    (or when that fails) debootstrap bookworm minbase -> `docker import` (local/debian:bookworm) plus that runtime;
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
  [ -n "${DOCKER_HOST:-}" ] && say "DOCKER_HOST=$DOCKER_HOST does not answer; looking for the private dockerd instead"
  if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
      unavailable "no Docker engine is reachable (DOCKER_HOST=${DOCKER_HOST:-unset}) and this is not root on Debian, so none can be installed; start one and export DOCKER_HOST=unix://…"
    fi
    scripts/setup.sh docker.io iptables
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
# Default "host": FROM scratch with a Java runtime jlinked from this machine's JDK 17, bash and a few coreutils, and
# exactly the shared libraries they link (ldd): no network, no download. "debootstrap" (FIRSTBOOT_DOCKER_BASE=debootstrap,
# and the fallback when the first fails): bookworm minbase -> docker import -> local/debian:bookworm, plus the same
# jlinked runtime: a full Debian userland, about a minute on an idle machine (several under load).
jre_modules=java.se,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.unsupported,jdk.management,jdk.zipfs,jdk.localedata
jlink_runtime() {
  command -v jlink >/dev/null || { say "jlink (JDK 17) is needed to build the image's Java runtime"; return 1; }
  say "jlink a Java runtime from the host JDK"
  jlink --add-modules "$jre_modules" --strip-debug --no-header-files --no-man-pages --output "$1" >&2
}
base_from_host() {
  local ctx="$run_dir/base-context" rootfs="$run_dir/base-context/rootfs" t p lib
  rm -rf "$ctx" && mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/opt/java" || return 1
  jlink_runtime "$rootfs/opt/java/openjdk" || return 1
  for t in bash mkdir chown chmod id cat ls rm; do
    p=$(command -v "$t") || { say "$t is missing on this machine"; return 1; }
    cp -L "$p" "$rootfs/bin/$t" || return 1
  done
  ln -s bash "$rootfs/bin/sh"
  chmod 1777 "$rootfs/tmp"
  printf 'root:x:0:0:root:/root:/bin/bash\nfirstboot:x:10001:10001:firstboot:/data:/bin/bash\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nfirstboot:x:10001:\n' >"$rootfs/etc/group"
  # every shared library the binaries and the runtime's own libraries link, at the same paths as here
  find "$rootfs" -type f \( -name '*.so' -o -perm -u+x \) -print0 \
    | xargs -0 ldd 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// && $1 !~ /:$/ {print $1}' | sort -u \
    | while read -r lib; do cp -L --parents "$lib" "$rootfs/" || exit 1; done || return 1
  cp docker/jre-scratch.Dockerfile "$ctx/Dockerfile"
  docker build -q -t "$base_image" "$ctx" >/dev/null || return 1
  docker run --rm --network none "$base_image" java -version >/dev/null 2>&1 || { say "java does not run in the scratch base"; return 1; }
  rm -rf "$ctx"
}
base_from_debootstrap() {
  if ! docker image inspect local/debian:bookworm >/dev/null 2>&1; then
    command -v debootstrap >/dev/null || scripts/setup.sh debootstrap
    command -v debootstrap >/dev/null || { say "building the base image needs debootstrap (apt-get install debootstrap)"; return 1; }
    local mirror rootfs="$run_dir/rootfs"
    mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
    mirror="${mirror:-http://deb.debian.org/debian}"
    rm -rf "$rootfs"
    say "debootstrap bookworm minbase from $mirror (about 30 s on an idle machine)"
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$run_dir/debootstrap.log" 2>&1 \
      || { say "debootstrap failed; see $run_dir/debootstrap.log"; return 1; }
    say "docker import -> local/debian:bookworm"
    tar -C "$rootfs" -c . | docker import - local/debian:bookworm >/dev/null || return 1
    rm -rf "$rootfs"
  fi
  local ctx="$run_dir/jre-context"
  rm -rf "$ctx" && mkdir -p "$ctx"
  jlink_runtime "$ctx/jre" || return 1
  cp docker/jre.Dockerfile "$ctx/Dockerfile"
  docker build -q -t "$base_image" "$ctx" >/dev/null || return 1
  rm -rf "$ctx"
}
if ! docker image inspect "$base_image" >/dev/null 2>&1; then
  step=$(date +%s)
  if [ "${FIRSTBOOT_DOCKER_BASE:-host}" = debootstrap ]; then
    base_from_debootstrap || unavailable "building the base image $base_image from debootstrap failed (see above)"
  elif ! base_from_host; then
    say "the scratch base from this machine's runtime did not work; falling back to debootstrap"
    base_from_debootstrap || unavailable "building the base image $base_image failed (see above)"
  fi
  say "base image $base_image built in $(( $(date +%s) - step )) s"
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
