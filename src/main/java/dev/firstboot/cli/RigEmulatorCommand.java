package dev.firstboot.cli;

import dev.firstboot.service.EmulatorStack;
import dev.firstboot.service.containers.RigEmulator;
import dev.firstboot.suite.ExitCodes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.BindException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code firstboot rig-emulator}: the DPS and hub emulators with the rig control API, as the {@code containers} rig
 * runs them inside the emulator image. Not meant for people: use {@code firstboot emulator} for that.
 */
@Command(name = "rig-emulator", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the DPS and IoT Hub emulators with the rig control API, for the containers rig.",
                "The containers rig runs this inside the emulator image; people want 'firstboot emulator'.",
                "The control token (16+ characters) comes in the environment variable " + RigEmulator.TOKEN_ENV + ".",
                "Prints key: value lines (dps-https, dps-mqtt, hub.NAME, id-scope, ca-certificate, control),",
                "then 'ready', and runs until SIGTERM or Ctrl-C."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"2:bad usage, no control token, or a port in use",
                "130/143:stopped by Ctrl-C/SIGTERM (listeners closed first)"})
final class RigEmulatorCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--id-scope", defaultValue = "0ne00FB0001", description = "DPS ID scope (default ${DEFAULT-VALUE})")
    String idScope;

    @Option(names = "--retry-after", defaultValue = "1", paramLabel = "SECONDS",
            description = "retry-after DPS sends, whole seconds 0-300 (default ${DEFAULT-VALUE})")
    int retryAfter;

    @Option(names = "--bind", defaultValue = "0.0.0.0", description = "address to listen on (default ${DEFAULT-VALUE})")
    String bind;

    @Option(names = "--dps-https-port", defaultValue = "8443", description = "default ${DEFAULT-VALUE}")
    int dpsHttpsPort;

    @Option(names = "--dps-mqtt-port", defaultValue = "8883", description = "default ${DEFAULT-VALUE}")
    int dpsMqttPort;

    @Option(names = "--hub", paramLabel = "NAME=PORT", description = "a hub and its MQTT port; repeat it "
            + "(default hub-a=8884 hub-b=8885)")
    Map<String, Integer> hubs = new LinkedHashMap<>();

    @Option(names = "--control-port", defaultValue = "8090", description = "default ${DEFAULT-VALUE}")
    int controlPort;

    @Option(names = "--ca-out", defaultValue = "/tmp/firstboot-rig/ca.pem", paramLabel = "FILE",
            description = "where the per-run CA certificate is written (default ${DEFAULT-VALUE})")
    Path caOut;

    @Override
    public Integer call() throws InterruptedException {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        if (retryAfter < 0 || retryAfter > 300) {
            err.println("firstboot rig-emulator: --retry-after is whole seconds from 0 to 300, got " + retryAfter);
            return ExitCodes.USAGE;
        }
        Map<String, Integer> hubPorts = new LinkedHashMap<>(hubs);
        if (hubPorts.isEmpty()) {
            hubPorts.put("hub-a", 8884);
            hubPorts.put("hub-b", 8885);
        }
        String token = System.getenv(RigEmulator.TOKEN_ENV);
        RigEmulator emulator;
        try {
            emulator = RigEmulator.start(new RigEmulator.Settings(idScope, retryAfter, bind, dpsHttpsPort, dpsMqttPort,
                    hubPorts, controlPort, caOut), token);
        } catch (EmulatorStack.StartFailure e) {
            err.println("firstboot rig-emulator: " + e.getMessage());
            return ExitCodes.USAGE;
        } catch (BindException e) {
            err.println("firstboot rig-emulator: the control port " + controlPort + " on " + bind + " is in use ("
                    + e.getMessage() + "); stop what holds it or choose another --control-port");
            return ExitCodes.USAGE;
        } catch (IOException | IllegalArgumentException e) {
            err.println("firstboot rig-emulator: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            emulator.close();
            out.println("stopped");
            out.flush();
            stopped.countDown();
        }, "firstboot-rig-emulator-stop"));
        emulator.describe().forEach(out::println);
        out.println("ready");
        out.flush();
        stopped.await();
        return ExitCodes.PASSED;
    }
}
