package dev.firstboot.service.containers;

import dev.firstboot.pki.TestPki;
import dev.firstboot.service.EmulatorStack;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code firstboot rig-emulator} runs inside the emulator image for the {@code containers} rig: the DPS and hub
 * emulators on fixed ports plus the rig control API ({@link ControlServer}). It writes the per-run CA certificate
 * to {@code caOut} and describes itself in {@code key: value} lines.
 */
public final class RigEmulator implements AutoCloseable {
    /** The environment variable the control token comes in (never a command-line argument, never printed). */
    public static final String TOKEN_ENV = "FIRSTBOOT_CONTROL_TOKEN";

    /** @param hubPorts hub name → port, in order */
    public record Settings(String idScope, int retryAfterSeconds, String bind, int dpsHttpsPort, int dpsMqttPort,
                           Map<String, Integer> hubPorts, int controlPort, Path caOut) {
        public Settings {
            hubPorts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(hubPorts));
        }
    }

    private final ContainerStack stack;
    private final ControlServer control;
    private final Settings settings;

    private RigEmulator(ContainerStack stack, ControlServer control, Settings settings) {
        this.stack = stack;
        this.control = control;
        this.settings = settings;
    }

    /** @throws EmulatorStack.StartFailure when a listener cannot bind (the message names the port and what to do) */
    public static RigEmulator start(Settings settings, String controlToken) throws IOException, EmulatorStack.StartFailure {
        if (controlToken == null || controlToken.length() < 16) {
            throw new IllegalArgumentException("the control token (environment variable " + TOKEN_ENV
                    + ") must be at least 16 characters");
        }
        EventBuffer events = new EventBuffer();
        ContainerStack stack = ContainerStack.start(settings, events);
        try {
            ControlServer control = ControlServer.start(new InetSocketAddress(settings.bind(), settings.controlPort()),
                    stack.serverTls(), TestPki.serverProtocols(), stack.boss(), stack.workers(), controlToken, stack,
                    events);
            Path ca = settings.caOut();
            if (ca.getParent() != null) {
                Files.createDirectories(ca.getParent());
            }
            Files.writeString(ca, pem(stack.pki()), StandardCharsets.US_ASCII);
            return new RigEmulator(stack, control, settings);
        } catch (IOException | RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    private static String pem(TestPki pki) {
        try {
            return "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(pki.caCertificate().getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException("the CA certificate cannot be encoded", e);
        }
    }

    /**
     * The {@code key: value} lines it prints (no secret among them), without the final {@code ready}: the same keys
     * as {@code firstboot emulator}, plus {@code control}.
     */
    public List<String> describe() {
        List<String> out = new ArrayList<>();
        out.add("dps-https: https://localhost:" + stack.dpsHttpsPort());
        out.add("dps-mqtt: mqtts://localhost:" + stack.dpsMqttPort());
        stack.hubs().values().forEach(h -> out.add("hub." + h.name() + ": mqtts://" + h.host() + ":" + h.address().getPort()));
        out.add("id-scope: " + settings.idScope());
        out.add("ca-certificate: " + settings.caOut());
        out.add("control: https://localhost:" + control.port());
        return out;
    }

    @Override
    public void close() {
        control.close();
        stack.close();
    }
}
