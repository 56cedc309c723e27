package dev.firstboot.suite;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code firstboot devkit-sim} in a JVM of its own, its console on a pty at {@code link}, controls read from a FIFO. */
final class DevKitSimProcess {
    private DevKitSimProcess() {
    }

    /** Starts the board and returns once it has printed its serial port (30 s at most). */
    static Process start(Path state, Path fifo, Path link, List<String> moreArguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.firstboot.cli.Main", "devkit-sim",
                "--state", state.toString(),
                "--firmware", Runs.FIRMWARE_A.resolve("DPS.ino.bin").toString(),
                "--map", Runs.FIRMWARE_A.resolve("DPS.ino.map").toString(),
                "--link", link.toString()));
        command.addAll(moreArguments);
        Process sim = new ProcessBuilder(command).redirectInput(fifo.toFile()).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(sim.getInputStream(), StandardCharsets.UTF_8));
        String ready = CompletableFuture.supplyAsync(() -> {
            try {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("Virtual DevKit serial port:")) {
                        return line;
                    }
                }
                return "";
            } catch (java.io.IOException e) {
                return e.toString();
            }
        }).get(30, TimeUnit.SECONDS);
        assertThat(ready).contains(link.toString());
        return sim;
    }
}
