package dev.firstboot.farm;

import dev.firstboot.suite.Runs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A farm with no hardware: one {@code firstboot devkit-sim} process per board, each behind its own pty, its reset
 * and button A worked by shell commands writing into the simulator's control FIFO (as a relay would work a board),
 * and a farm inventory listing them.
 */
final class SimFarm implements AutoCloseable {
    /** One board to simulate: its name, an optional devkit-sim defect, and an optional reset command override. */
    record BoardSim(String name, Optional<String> defect, Optional<String> resetOverride) {
        static BoardSim healthy(String name) {
            return new BoardSim(name, Optional.empty(), Optional.empty());
        }
    }

    private final List<Process> sims = new ArrayList<>();
    private final List<RandomAccessFile> fifos = new ArrayList<>();
    final Path inventory;

    SimFarm(Path dir, List<BoardSim> boards) throws Exception {
        this(dir, boards, "1m");
    }

    /** @param scenarioTimeout the inventory's {@code scenario-timeout} */
    SimFarm(Path dir, List<BoardSim> boards, String scenarioTimeout) throws Exception {
        StringBuilder yaml = new StringBuilder("""
                name: sim-farm
                scenario-timeout: %s
                backend:
                  kind: embedded
                boards:
                """.formatted(scenarioTimeout));
        List<CompletableFuture<String>> ready = new ArrayList<>();
        for (BoardSim b : boards) {
            Path home = Files.createDirectories(dir.resolve(b.name()));
            Path fifo = home.resolve("controls");
            assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
            // Held open read-write so the simulator never sees end of input between control commands.
            fifos.add(new RandomAccessFile(fifo.toFile(), "rw"));
            Path link = home.resolve("tty");
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "dev.firstboot.cli.Main",
                    "devkit-sim", "--state", home.resolve("board").toString(),
                    "--firmware", Runs.FIRMWARE_A.resolve("DPS.ino.bin").toString(),
                    "--map", Runs.FIRMWARE_A.resolve("DPS.ino.map").toString(), "--link", link.toString()));
            b.defect().ifPresent(d -> command.addAll(List.of("--defect", d)));
            Process sim = new ProcessBuilder(command).redirectInput(fifo.toFile()).redirectErrorStream(true).start();
            sims.add(sim);
            ready.add(CompletableFuture.supplyAsync(() -> firstLineStarting(sim, "Virtual DevKit serial port:")));
            String control = "printf '%s\\n' > " + fifo;
            yaml.append("""
                      - name: %s
                        pool: az3166
                        device:
                          kind: devkit-serial
                          port: %s
                          boot-deadline: 5s
                          firmware:
                            bin: %s
                            map: %s
                          firmware-version: 2.0.0
                        controls:
                          kind: commands
                          timeout: 5m
                          reset: "%s"
                          press-a: "%s"
                          release-a: "%s"
                          operator: false
                    """.formatted(b.name(), link, Runs.FIRMWARE_A.resolve("DPS.ino.bin"), Runs.FIRMWARE_A.resolve("DPS.ino.map"),
                    b.resetOverride().orElse(control.formatted("reset")).replace("FIFO", fifo.toString()),
                    control.formatted("press A"), control.formatted("release A")));
        }
        for (CompletableFuture<String> r : ready) {
            assertThat(r.get(60, TimeUnit.SECONDS)).contains("serial port");
        }
        inventory = Files.writeString(dir.resolve("farm.yaml"), yaml.toString());
    }

    private static String firstLineStarting(Process p, String prefix) {
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            StringBuilder seen = new StringBuilder();
            while ((line = out.readLine()) != null) {
                seen.append(line).append('\n');
                if (line.startsWith(prefix)) {
                    // keep draining so the simulator never blocks on a full pipe
                    Thread drain = new Thread(() -> {
                        try {
                            while (out.readLine() != null) {
                                // discard
                            }
                        } catch (IOException ignored) {
                            // the simulator ended
                        }
                    });
                    drain.setDaemon(true);
                    drain.start();
                    return line;
                }
            }
            return "the simulator ended before it was ready: " + seen;
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Override
    public void close() throws Exception {
        for (Process sim : sims) {
            sim.descendants().forEach(ProcessHandle::destroy);
            sim.destroy();
        }
        for (Process sim : sims) {
            if (!sim.waitFor(10, TimeUnit.SECONDS)) {
                sim.destroyForcibly();
            }
        }
        for (RandomAccessFile f : fifos) {
            f.close();
        }
    }
}
