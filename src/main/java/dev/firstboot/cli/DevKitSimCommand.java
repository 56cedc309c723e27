package dev.firstboot.cli;

import dev.firstboot.device.devkit.Button;
import dev.firstboot.device.devkit.DevKitDefect;
import dev.firstboot.device.devkit.MacAddress;
import dev.firstboot.device.devkit.VirtualDevKit;
import dev.firstboot.rig.DeviceEndpoints;
import dev.firstboot.suite.ExitCodes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code firstboot devkit-sim}: a virtual MXChip DevKit on a pseudo-terminal, for a person with screen or minicom or
 * for a serial rig. The board's buttons, reset and power are driven by lines on stdin.
 */
@Command(name = "devkit-sim", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a virtual MXChip AZ3166 DevKit (DPS sketch) whose serial console is a pseudo-terminal.",
                "It prints the pty path and links it (--link); open it with e.g. 'screen PATH 115200'.",
                "Like a board being plugged in, it starts powered on and boots: in user mode unless a button is held.",
                "Controls, one per line on stdin: reset, press A, release A, press B, release B, power off, power on.",
                "Configuration mode: 'press A', 'reset', 'release A'. End of input (Ctrl-D) powers off and exits.",
                "With --dps, a user-mode boot with a stored UDS registers over HTTPS with the DICE alias certificate; "
                        + "without it, the boot fails as with an unreachable DPS."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stdin ended and the board was shut down", "2:bad usage or input; nothing was started",
                "4:the pseudo-terminal could not be made (is socat installed?)"})
final class DevKitSimCommand implements Callable<Integer> {
    static final List<String> CONTROLS = List.of("reset", "press A", "release A", "press B", "release B",
            "power off", "power on");
    private static final Pattern HOST_PORT = Pattern.compile("([A-Za-z0-9.-]+):([0-9]{1,5})");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Where control lines come from; stdin unless a test gives another. */
    InputStream controls = System.in;

    @Option(names = "--state", required = true, paramLabel = "DIR",
            description = "Folder for the board's secure-element zones (created if missing); reuse it to keep the UDS")
    Path state;

    @Option(names = "--firmware", required = true, paramLabel = "FILE.bin", description = "DPS sketch image, e.g. DPS.ino.bin")
    Path firmware;

    @Option(names = "--map", required = true, paramLabel = "FILE.map", description = "Its linker map, e.g. DPS.ino.map")
    Path map;

    @Option(names = "--firmware-version", paramLabel = "X.Y.Z", defaultValue = VirtualDevKit.DEFAULT_FIRMWARE_VERSION,
            description = "DevKit SDK version the firmware reports (default: ${DEFAULT-VALUE})")
    String firmwareVersion;

    @Option(names = "--mac", paramLabel = "MAC", description = "Board MAC, e.g. a0:b1:c2:d3:e4:f5 (default: a0b1c2d3e4f5)")
    String mac;

    @Option(names = "--registration-id", paramLabel = "ID",
            description = "Registration id the sketch was built with (default: automatic, az-<mac>v<x>v<y>v<z>)")
    String registrationId;

    @Option(names = "--link", paramLabel = "PATH", description = "Symlink to the pty (default: <state>/ttyDevKit)")
    Path link;

    @Option(names = "--dps", paramLabel = "HOST:PORT", description = "DPS to register with over HTTPS")
    String dps;

    @Option(names = "--id-scope", paramLabel = "SCOPE", description = "With --dps: the DPS ID scope")
    String idScope;

    @Option(names = "--trust", paramLabel = "CA.pem", description = "With --dps: the CA certificate the device trusts")
    Path trust;

    @Option(names = "--defect", paramLabel = "NAME",
            description = "Make the device wrong on purpose (repeatable): uds-echo-visible, uds-in-help, "
                    + "uds-in-command-log, uds-prefix-leak, no-invalid-uds-quirk, wrong-registration-id, wrong-banner, "
                    + "uds-not-persisted, standard-sha256-measurement, slow-registration, no-hub-line, no-failure-line, "
                    + "alias-key-on-failure")
    List<String> defects = List.of();

    private static final class InputProblem extends Exception {
        InputProblem(String message) {
            super(message);
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        VirtualDevKit.Builder builder;
        try {
            builder = configure();
        } catch (InputProblem | IllegalArgumentException e) {
            return usage(err, e.getMessage());
        }
        VirtualDevKit kit;
        try {
            kit = builder.build();
        } catch (IllegalArgumentException e) {
            return usage(err, e.getMessage());
        } catch (IOException e) {
            err.println("firstboot devkit-sim: cannot start the virtual DevKit: " + e.getMessage());
            err.flush();
            return ExitCodes.RIG_ERROR;
        }
        try (kit) {
            out.println("Virtual DevKit serial port: " + kit.userSide() + " -> " + kit.userTty());
            out.println("Open it with: screen " + kit.userSide() + " 115200");
            out.println("Controls (one per line): " + String.join(", ", CONTROLS) + ". End of input exits.");
            out.flush();
            kit.powerOn();
            readControls(kit, out, err);
        } catch (IOException e) {
            err.println("firstboot devkit-sim: " + e.getMessage());
            err.flush();
            return ExitCodes.RIG_ERROR;
        }
        out.println("Virtual DevKit powered off.");
        out.flush();
        return ExitCodes.PASSED;
    }

    private void readControls(VirtualDevKit kit, PrintWriter out, PrintWriter err) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(controls, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String control = line.trim().replaceAll("\\s+", " ");
            switch (control.toLowerCase(Locale.ROOT)) {
                case "" -> { }
                case "reset" -> kit.reset();
                case "press a" -> kit.press(Button.A);
                case "release a" -> kit.release(Button.A);
                case "press b" -> kit.press(Button.B);
                case "release b" -> kit.release(Button.B);
                case "power off" -> kit.powerOff();
                case "power on" -> kit.powerOn();
                default -> {
                    err.println("firstboot devkit-sim: unknown control \"" + control + "\"; known: "
                            + String.join(", ", CONTROLS));
                    err.flush();
                    continue;
                }
            }
            if (!control.isEmpty()) {
                out.println("ok: " + control);
                out.flush();
            }
        }
    }

    private VirtualDevKit.Builder configure() throws InputProblem {
        VirtualDevKit.Builder b = VirtualDevKit.builder(state, firmware, map).firmwareVersion(firmwareVersion);
        if (mac != null) {
            b.mac(MacAddress.parse(mac));
        }
        if (registrationId != null) {
            b.registrationId(registrationId);
        }
        if (link != null) {
            b.link(link);
        }
        Set<DevKitDefect> chosen = EnumSet.noneOf(DevKitDefect.class);
        for (String name : defects) {
            chosen.add(DevKitDefect.named(name).orElseThrow(() -> new InputProblem("--defect: unknown defect \""
                    + name + "\"; known: " + DevKitDefect.names())));
        }
        b.defects(chosen);
        endpoints().ifPresent(b::endpoints);
        return b;
    }

    private Optional<DeviceEndpoints> endpoints() throws InputProblem {
        if (dps == null) {
            if (idScope != null || trust != null) {
                throw new InputProblem("--id-scope and --trust only make sense with --dps HOST:PORT");
            }
            return Optional.empty();
        }
        Matcher m = HOST_PORT.matcher(dps);
        if (!m.matches() || Integer.parseInt(m.group(2)) < 1 || Integer.parseInt(m.group(2)) > 65535) {
            throw new InputProblem("--dps: expected HOST:PORT such as localhost:8443 or "
                    + "global.azure-devices-provisioning.net:443, got \"" + dps + "\"");
        }
        if (idScope == null || idScope.isBlank()) {
            throw new InputProblem("--dps needs --id-scope SCOPE, the DPS ID scope (e.g. 0ne00FB0001)");
        }
        if (trust == null) {
            throw new InputProblem("--dps needs --trust CA.pem, the CA certificate of the DPS server");
        }
        X509Certificate ca;
        if (!Files.isRegularFile(trust)) {
            throw new InputProblem("--trust " + trust + " does not exist (or is not a regular file)");
        }
        try (InputStream in = Files.newInputStream(trust)) {
            ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (IOException | CertificateException e) {
            throw new InputProblem("--trust " + trust + " is not a PEM or DER certificate: " + e.getMessage());
        }
        // No hub hosts table here: the device registers and prints the assigned hub, but does not connect to it.
        return Optional.of(new DeviceEndpoints(URI.create("https://" + m.group(1) + ":" + m.group(2)), idScope, ca,
                Map.of()));
    }

    private static int usage(PrintWriter err, String message) {
        err.println("firstboot devkit-sim: " + message);
        err.println("Try 'firstboot devkit-sim --help'.");
        err.flush();
        return ExitCodes.USAGE;
    }
}
