package dev.firstboot.suite;

import dev.firstboot.rig.RigFiles;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Runs the project's own features in-process, the way {@code firstboot run} does, for tests. */
public final class Runs {
    public static final Path PROJECT = Path.of("").toAbsolutePath();
    public static final Path FEATURES = PROJECT.resolve("features");
    public static final Path RIGS = PROJECT.resolve("rigs");
    public static final Path FIRMWARE_A = PROJECT.resolve("firmware/devkit-dps-a");

    private Runs() {
    }

    /** A finished run: its summary, what it printed, and the secret scan of its reports. */
    public record Outcome(RunSummary summary, String output, SecretScan secrets, Path runDirectory) {
        /**
         * The scenario whose name contains {@code nameStart}; where several features have one (a DevKit and a DICE
         * feature both time their boots), the one that ran, else the first by file and line. Results come in the order
         * scenarios finish, which in a parallel run is not the file order.
         */
        public ScenarioResult scenario(String nameStart) {
            List<ScenarioResult> named = summary.scenarios().stream().filter(s -> s.name().contains(nameStart))
                    .sorted(java.util.Comparator.comparing(ScenarioResult::location)).toList();
            return named.stream().filter(s -> s.status() != ScenarioStatus.NOT_APPLICABLE).findFirst()
                    .or(() -> named.stream().findFirst())
                    .orElseThrow(() -> new AssertionError("no scenario named \"" + nameStart + "…\" in " + summary.scenarios()));
        }

        /**
         * For a defect test: the scenarios named (by a part of their name) failed, and every other applicable
         * scenario of the same run passed, so a defect is caught where it is judged and nowhere else. (Whether a
         * scenario applies depends on the rig's capabilities, never on the device's behaviour.)
         */
        /**
         * For a device that prints a secret at every boot: every scenario of the run failed on console line 1, which
         * the message shows masked as {@code maskedLine}.
         */
        public void everyScenarioFailedOnThePrintedSecret(String maskedLine) {
            org.assertj.core.api.Assertions.assertThat(summary.scenarios()).as(output).isNotEmpty().allSatisfy(s -> {
                org.assertj.core.api.Assertions.assertThat(s.status()).isEqualTo(ScenarioStatus.FAILED);
                org.assertj.core.api.Assertions.assertThat(s.message())
                        .contains("the device printed a secret on its console, line 1").contains(maskedLine);
            });
        }

        public void onlyTheseFailed(java.util.Collection<String> failing) {
            List<ScenarioResult> ran = summary.scenarios().stream()
                    .filter(s -> s.status() != ScenarioStatus.NOT_APPLICABLE).toList();
            for (String name : failing) {
                org.assertj.core.api.Assertions.assertThat(ran).as("a scenario named \"" + name + "…\" ran")
                        .anyMatch(s -> s.name().contains(name));
            }
            org.assertj.core.api.Assertions.assertThat(ran).as(output).allSatisfy(s ->
                    org.assertj.core.api.Assertions.assertThat(s.status()).as(s.name() + ": " + s.message())
                            .isEqualTo(failing.stream().anyMatch(s.name()::contains) ? ScenarioStatus.FAILED
                                    : ScenarioStatus.PASSED));
        }
    }

    /** The {@code ;}-separated scenario names (or parts of names) in {@code lists}, as defect tests' tables give them. */
    public static List<String> names(String... lists) {
        return java.util.Arrays.stream(lists).filter(java.util.Objects::nonNull).flatMap(l -> java.util.Arrays.stream(l.split(";")))
                .map(String::trim).filter(n -> !n.isEmpty()).toList();
    }

    public static Outcome run(String rig, Path reportRoot, Optional<String> tags, Path... features) throws Exception {
        return run(rig, reportRoot, tags, line -> { }, features);
    }

    /** As {@link #run}, calling {@code onLine} with each line of progress as it is printed. */
    public static Outcome run(String rig, Path reportRoot, Optional<String> tags, java.util.function.Consumer<String> onLine,
                              Path... features) throws Exception {
        return run(rig, reportRoot, tags, 1, onLine, dev.firstboot.timeline.HostLagProbe::start, features);
    }

    /** As {@link #run}, {@code threads} scenarios at once (0: the rig's max-parallel, as {@code firstboot run}). */
    public static Outcome runInParallel(String rig, Path reportRoot, int threads, Path... features) throws Exception {
        return run(rig, reportRoot, Optional.empty(), threads, line -> { }, dev.firstboot.timeline.HostLagProbe::start,
                features);
    }

    /** As {@code firstboot run} runs a reference rig: as many scenarios at once as the rig allows by default. */
    public static Outcome runAsTheCliDoes(String rig, Path reportRoot, Optional<String> tags, Path... features)
            throws Exception {
        return run(rig, reportRoot, tags, 0, line -> { }, dev.firstboot.timeline.HostLagProbe::start, features);
    }

    /** As {@link #run}, on a host that lags as the probes {@code hostLagProbes} gives say. */
    public static Outcome run(String rig, Path reportRoot,
                              java.util.function.Supplier<dev.firstboot.timeline.HostLagProbe> hostLagProbes,
                              Path... features) throws Exception {
        return run(rig, reportRoot, Optional.empty(), 1, line -> { }, hostLagProbes, features);
    }

    private static Outcome run(String rig, Path reportRoot, Optional<String> tags, int threads,
                               java.util.function.Consumer<String> onLine,
                               java.util.function.Supplier<dev.firstboot.timeline.HostLagProbe> hostLagProbes,
                               Path... features) throws Exception {
        StringWriter text = new StringWriter();
        java.io.Writer tee = new java.io.Writer() {
            private final StringBuilder line = new StringBuilder();

            @Override
            public synchronized void write(char[] buf, int off, int len) {
                text.write(buf, off, len);
                for (int i = off; i < off + len; i++) {
                    if (buf[i] == '\n') {
                        onLine.accept(line.toString());
                        line.setLength(0);
                    } else {
                        line.append(buf[i]);
                    }
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        SuiteRunner runner = new SuiteRunner(new RigFiles(RIGS), new PrintWriter(tee, true));
        runner.hostLagProbes(hostLagProbes);
        List<Path> paths = features.length == 0 ? List.of(FEATURES) : List.of(features);
        RunSummary summary = runner.run(new SuiteRunner.Options(rig, tags, paths, reportRoot, threads, false));
        return new Outcome(summary, text.toString(), runner.lastSecretScan(), reportRoot.resolve(summary.runId()));
    }

    /** The text of every Allure container file of a run (where tear-down hooks are listed). */
    public static String allureContainers(Path runDirectory) throws IOException {
        return allureFiles(runDirectory, "-container.json");
    }

    /** The text of every Allure result file of a run (where each scenario's evidence is listed). */
    public static String allureResults(Path runDirectory) throws IOException {
        return allureFiles(runDirectory, "-result.json");
    }

    private static String allureFiles(Path runDirectory, String suffix) throws IOException {
        StringBuilder out = new StringBuilder();
        try (java.util.stream.Stream<Path> files = Files.list(runDirectory.resolve("allure-results"))) {
            for (Path p : files.filter(p -> p.getFileName().toString().endsWith(suffix)).toList()) {
                out.append(Files.readString(p));
            }
        }
        return out.toString();
    }

    /** A tpm rig file in {@code dir} whose TPM simulator device has the given defect switched on. */
    public static Path tpmRigWithDefect(Path dir, String defect) throws IOException {
        String yaml = """
                name: tpm-%1$s
                backend:
                  kind: embedded
                  hubs: [hub-a, hub-b]
                device:
                  kind: tpm-simulator
                  defects: [%1$s]
                """.formatted(defect);
        Path file = dir.resolve("tpm-" + defect + ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    /** A virtual-devkit rig file in {@code dir} whose virtual board has the given defect switched on. */
    public static Path virtualDevKitRigWithDefect(Path dir, String defect) throws IOException {
        String yaml = """
                name: virtual-devkit-%1$s
                description: the virtual DevKit with a defect (%1$s)
                backend:
                  kind: embedded
                  hubs: [hub-a, hub-b]
                device:
                  kind: virtual-devkit
                  firmware:
                    bin: %2$s
                    map: %3$s
                  defects: [%1$s]
                """.formatted(defect, FIRMWARE_A.resolve("DPS.ino.bin"), FIRMWARE_A.resolve("DPS.ino.map"));
        Path file = dir.resolve("virtual-devkit-" + defect + ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    /** An embedded rig file in {@code dir} whose DICE simulator has the given defect switched on. */
    public static Path embeddedRigWithDefect(Path dir, String defect) throws IOException {
        String yaml = """
                name: embedded-%1$s
                description: the embedded rig with a defective DICE simulator (%1$s)
                backend:
                  kind: embedded
                  retry-after: 1s
                  hubs: [hub-a, hub-b]
                device:
                  kind: dice-simulator
                  firmware:
                    bin: %2$s
                    map: %3$s
                  mac: a0b1c2d3e4f5
                  firmware-version: 2.0.0
                  registration-budget: 8s
                  defects: [%1$s]
                """.formatted(defect, FIRMWARE_A.resolve("DPS.ino.bin"), FIRMWARE_A.resolve("DPS.ino.map"));
        Path file = dir.resolve("embedded-" + defect + ".yaml");
        Files.writeString(file, yaml);
        return file;
    }
}
