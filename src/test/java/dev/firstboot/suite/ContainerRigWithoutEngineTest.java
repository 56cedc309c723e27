package dev.firstboot.suite;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With no Docker engine (DOCKER_HOST at a socket nobody listens on, or the reason scripts/docker-setup.sh exported),
 * {@code firstboot run --rig containers} reports every scenario not applicable with the reason and what to do, and
 * exits 3: nothing is counted as passed.
 */
class ContainerRigWithoutEngineTest {
    @Test
    void withADeadDockerSocketEveryScenarioIsNotApplicableWithTheReason(@TempDir Path dir) throws Exception {
        String output = runContainersRig(dir, Map.of("DOCKER_HOST", "unix://" + dir.resolve("no-engine.sock")));
        assertThat(output).contains("no Docker engine answers (DOCKER_HOST=unix://" + dir.resolve("no-engine.sock"))
                .contains("run scripts/docker-setup.sh");
    }

    @Test
    void theReasonDockerSetupGaveIsTheReasonEveryScenarioIsNotApplicable(@TempDir Path dir) throws Exception {
        String reason = "dockerd is installed but not running, and starting a private one needs root";
        String output = runContainersRig(dir, Map.of("DOCKER_HOST", "unix://" + dir.resolve("no-engine.sock"),
                "FIRSTBOOT_DOCKER_UNAVAILABLE", reason));
        assertThat(output).contains("@x509 is unavailable here: " + reason);
    }

    /** Runs the first-boot features on the containers rig in a child JVM with this environment; checks the verdict. */
    private static String runContainersRig(Path dir, Map<String, String> environment) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.firstboot.cli.Main", "run", "--rig", "containers",
                "--features", Runs.FEATURES.resolve("first-boot").toString(), "--report", dir.resolve("reports").toString())
                .directory(Runs.PROJECT.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.txt").toFile());
        Map<String, String> env = pb.environment();
        env.remove("FIRSTBOOT_DOCKER_UNAVAILABLE");
        env.put("TESTCONTAINERS_RYUK_DISABLED", "true");
        env.put("TESTCONTAINERS_HOST_OVERRIDE", "localhost");
        env.putAll(environment);
        Process process = pb.start();
        boolean finished = process.waitFor(120, TimeUnit.SECONDS);
        if (!finished) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String output = read(dir.resolve("out.txt"));
        assertThat(finished).as("the run ended within 120 s; it printed:\n" + output).isTrue();
        assertThat(process.exitValue()).as(output).isEqualTo(ExitCodes.NOTHING_RAN);
        assertThat(output).contains("0 passed").doesNotContain("PASS ");
        // not applicable because the engine is missing: folded lines (one per missing capability), each saying why
        List<String> folded = output.lines().filter(l -> l.startsWith("N/A ")).toList();
        assertThat(folded).isNotEmpty().allSatisfy(l -> assertThat(l).matches("N/A +\\d+ scenarios? needs? .*unavailable here: .*"));
        assertThat(folded.stream().mapToInt(l -> Integer.parseInt(l.split("\\s+")[1])).sum()).isGreaterThanOrEqualTo(8);
        return output;
    }

    private static String read(Path p) throws IOException {
        return java.nio.file.Files.readString(p, StandardCharsets.UTF_8);
    }
}
