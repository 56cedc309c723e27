package dev.firstboot.suite;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bench with no board: a {@code firstboot devkit-sim} process behind a pty at {@link #tty}, its control FIFO held
 * open, and rig files pointing a {@code devkit-serial} board at a port, whose reset and button A are worked by shell
 * commands (writing the simulator's control lines into the FIFO), as a relay would work a real board.
 */
final class DevKitSimBench implements AutoCloseable {
    final Process sim;
    final Path tty;
    private final Path dir;
    private final Path fifo;
    private final RandomAccessFile keepOpen;

    DevKitSimBench(Path dir) throws Exception {
        this.dir = dir;
        this.fifo = dir.resolve("controls");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        // Held open read-write so the simulator never sees end of input between control commands.
        keepOpen = new RandomAccessFile(fifo.toFile(), "rw");
        tty = dir.resolve("ttyACM-sim");
        sim = DevKitSimProcess.start(dir.resolve("board"), fifo, tty, List.of());
    }

    /** A rig file, {@code bench-sim}, whose board is on {@code port}: the pty's path, or a URL exporting it. */
    Path rig(String port) throws Exception {
        String control = "printf '%s\\n' > " + fifo;
        return Files.writeString(dir.resolve("bench.yaml"), """
                name: bench-sim
                backend:
                  kind: embedded
                device:
                  kind: devkit-serial
                  port: %s
                  boot-deadline: 5s
                  firmware:
                    bin: %s
                    map: %s
                controls:
                  kind: commands
                  reset: "%s"
                  press-a: "%s"
                  release-a: "%s"
                  operator: false
                """.formatted(port, Runs.FIRMWARE_A.resolve("DPS.ino.bin"), Runs.FIRMWARE_A.resolve("DPS.ino.map"),
                control.formatted("reset"), control.formatted("press A"), control.formatted("release A")));
    }

    /**
     * Runs the configuration-console features on {@code rig} and does {@code cut} (the board or its exporter goes
     * away) as soon as the first scenario passed; checks that it was cut there, and gives the outcome.
     */
    static Runs.Outcome runCutAfterTheFirstScenario(Path rig, Path reports, Runnable cut) throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        Runs.Outcome outcome = Runs.run(rig.toString(), reports, Optional.empty(), line -> {
            if (line.matches("\\[\\s*1/\\d+] PASS .*") && done.compareAndSet(false, true)) {
                cut.run();
            }
        }, Runs.FEATURES.resolve("devkit/configuration-console.feature"));
        assertThat(done).as(outcome.output()).isTrue();
        assertThat(outcome.summary().scenarios()).hasSize(7);
        assertThat(outcome.summary().scenarios().get(0).status()).isEqualTo(ScenarioStatus.PASSED);
        return outcome;
    }

    /** The board is unplugged: the simulator and the socat behind its pty die at once. */
    void unplug() {
        sim.descendants().forEach(ProcessHandle::destroyForcibly);
        sim.destroyForcibly();
    }

    @Override
    public void close() throws Exception {
        sim.descendants().forEach(ProcessHandle::destroy);
        sim.destroy();
        if (!sim.waitFor(10, TimeUnit.SECONDS)) {
            sim.destroyForcibly();
        }
        keepOpen.close();
    }
}
