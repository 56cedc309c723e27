#!/usr/bin/env bash
# Starts the Java reference device program (src/test/java/dev/firstboot/programs/JavaDeviceProgram.java) in its own
# JVM on the project's test classpath, for a program rig's `command` or by hand (device-programs/README.md).
# The build writes the classpath (pom.xml, process-test-classes); when it is missing or stale, as after a
# checkout with no build, this compiles the tests and writes it once.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
classpath="$root/target/reference-program.classpath"
class="$root/target/test-classes/dev/firstboot/programs/JavaDeviceProgram.class"
source="$root/src/test/java/dev/firstboot/programs/JavaDeviceProgram.java"
if [ ! -f "$classpath" ] || [ ! -f "$class" ] || [ "$source" -nt "$class" ] || [ "$root/pom.xml" -nt "$classpath" ]; then
  if ! (cd "$root" && mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile="$classpath" \
        -Dmdep.includeScope=test >&2); then
    echo "firstboot-ref: failed: the Java reference program did not build; run 'mvn -B test-compile' in $root to see why"
    exit 1
  fi
fi
exec java ${FIRSTBOOT_REF_JAVA_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC} \
  -cp "$root/target/test-classes:$root/target/classes:$(cat "$classpath")" dev.firstboot.programs.JavaDeviceProgram
