package dev.firstboot.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.identity.tpm.SasTokens;
import dev.firstboot.pki.Certificates;
import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import dev.firstboot.service.EmulatorStack;
import dev.firstboot.service.hub.IotHubEmulator;
import dev.firstboot.timeline.TimelineSink;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code firstboot bench registrations}: the emulator stack in-process, N enrolled devices, C concurrent clients each
 * registering on a fresh TLS connection (register, then poll until assigned, with retry-after 0), and in the same run
 * the bare TLS handshake rate against a listener on the same Netty stack and TLS setup, for the ratio between them.
 */
public final class RegistrationBench {
    /** The real DPS's default quota: 1,000 registrations per minute per service unit (dps.md §6). */
    public static final double QUOTA_PER_MINUTE = 1000;
    /** Registration rate over bare handshake rate that the emulator should reach on a 2-core machine. */
    public static final double TARGET_RATIO = 0.7;
    static final String ID_SCOPE = "0ne00BE0001";
    static final String HOST = "localhost";
    static final String HUB = "hub-a";
    private static final Duration IO_TIMEOUT = Duration.ofSeconds(10);
    /** Handshake and registration phases alternate this many times. */
    static final int ROUNDS = 5;
    private static final SecureRandom RANDOM = new SecureRandom();

    public enum Attestation {
        X509("x509"), SYMMETRIC_KEY("symmetric-key");

        private final String label;

        Attestation(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public enum Transport {
        HTTPS, MQTT;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public record Options(int devices, int concurrency, Attestation attestation, Transport transport, int warmup,
                          int ioThreads, Duration phaseDeadline) {
        public Options {
            if (devices < 1 || concurrency < 1 || warmup < 0 || ioThreads < 1) {
                throw new IllegalArgumentException("devices, concurrency and I/O threads must be at least 1, warm-up"
                        + " at least 0");
            }
        }
    }

    /** Everything one run measured. */
    public record Result(Options options, PhaseRunner.Figures handshakes, PhaseRunner.Figures registrations, double ratio,
                         double quotaMultiple, boolean pass, double prepareSeconds) {
        public boolean complete() {
            return handshakes.failed() == 0 && registrations.failed() == 0;
        }
    }

    /** The stack did not start, or devices could not be prepared. */
    public static final class BenchFailure extends Exception {
        public BenchFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private RegistrationBench() {
    }

    public static Result run(Options o, PrintWriter progress) throws BenchFailure, InterruptedException {
        TestPki pki = TestPki.create();
        EmulatorStack.Settings settings = new EmulatorStack.Settings(ID_SCOPE, HOST, "127.0.0.1", 0, 0,
                List.of(new EmulatorStack.Hub(HUB, IotHubEmulator.hostFor(HUB), 0)), 0, o.ioThreads());
        EmulatorStack stack;
        try {
            stack = EmulatorStack.start(settings, pki, TimelineSink.NONE);
            // The emulators' own capacity: no service round trip (ServiceLatency) on top of their work.
            stack.faults().serviceLatency(java.time.Duration.ZERO);
        } catch (EmulatorStack.StartFailure e) {
            throw new BenchFailure(e.getMessage(), e);
        }
        try (stack; HandshakeListener bare = HandshakeListener.start(stack,
                new InetSocketAddress("127.0.0.1", 0))) {
            Instant t0 = Instant.now();
            progress.println("preparing " + (o.warmup() + o.devices()) + " " + o.attestation().label()
                    + " devices (keys, certificates, enrollments; not timed)…");
            progress.flush();
            List<BenchDevice> warm = prepare(stack, pki, o.attestation(), "warm", o.warmup());
            List<BenchDevice> measured = prepare(stack, pki, o.attestation(), "dev", o.devices());
            double prepare = Duration.between(t0, Instant.now()).toMillis() / 1000.0;
            InetSocketAddress dps = new InetSocketAddress("127.0.0.1", o.transport() == Transport.HTTPS
                    ? stack.dpsHttpsAddress().getPort() : stack.dpsMqttAddress().getPort());
            Registrar registrar = o.transport() == Transport.HTTPS
                    ? new HttpsRegistrar(HOST, dps, ID_SCOPE, IO_TIMEOUT)
                    : new MqttRegistrar(HOST, dps, ID_SCOPE, IO_TIMEOUT);
            String expectedHub = IotHubEmulator.hostFor(HUB);
            PhaseRunner.Task register = d -> {
                String hub = registrar.register(d);
                if (!hub.equals(expectedHub)) {
                    throw new IOException("assigned to '" + hub + "', expected '" + expectedHub + "'");
                }
            };
            PhaseRunner.Task handshake = d -> handshakeOnly(d, bare.address());
            if (!warm.isEmpty()) {
                progress.println("warming up (" + warm.size() + " handshakes, " + warm.size() + " registrations)…");
                progress.flush();
                PhaseRunner.run(new PhaseRunner.Tally("warm-up"), warm, o.concurrency(), o.phaseDeadline(), handshake);
                PhaseRunner.run(new PhaseRunner.Tally("warm-up"), warm, o.concurrency(), o.phaseDeadline(), register);
            }
            // Handshakes and registrations alternate in rounds, so drifting load on a shared machine hits both alike.
            PhaseRunner.Tally handshakes = new PhaseRunner.Tally("bare TLS handshake");
            PhaseRunner.Tally registrations = new PhaseRunner.Tally("registration");
            int rounds = Math.min(ROUNDS, measured.size());
            for (int round = 0; round < rounds; round++) {
                List<BenchDevice> slice = measured.subList(round * measured.size() / rounds,
                        (round + 1) * measured.size() / rounds);
                progress.println("round " + (round + 1) + " of " + rounds + ": " + slice.size()
                        + " bare TLS handshakes, then " + slice.size() + " registrations…");
                progress.flush();
                PhaseRunner.run(handshakes, slice, o.concurrency(), o.phaseDeadline(), handshake);
                PhaseRunner.run(registrations, slice, o.concurrency(), o.phaseDeadline(), register);
            }
            PhaseRunner.Figures hs = handshakes.figures();
            PhaseRunner.Figures reg = registrations.figures();
            double ratio = hs.perSecond() > 0 ? reg.perSecond() / hs.perSecond() : 0;
            return new Result(o, hs, reg, ratio, reg.perSecond() * 60 / QUOTA_PER_MINUTE,
                    ratio >= TARGET_RATIO && reg.failed() == 0 && hs.failed() == 0, prepare);
        } catch (IOException e) {
            throw new BenchFailure("the bare TLS listener did not start: " + e.getMessage(), e);
        }
    }

    /** Handshake, then wait for the server to close (it does once its side of the handshake is done). */
    private static void handshakeOnly(BenchDevice device, InetSocketAddress address) throws IOException {
        try (SSLSocket s = Wire.open(device, HOST, address, IO_TIMEOUT)) {
            InputStream in = s.getInputStream();
            byte[] sink = new byte[256];
            while (in.read(sink) >= 0) {
                // the server sends nothing but its close (and, in TLS 1.3, session tickets inside the record layer)
            }
        }
    }

    private static List<BenchDevice> prepare(EmulatorStack stack, TestPki pki, Attestation attestation, String prefix,
                                             int count) {
        BenchTlsContexts tls = new BenchTlsContexts(pki.caCertificate());
        Instant expiry = Instant.now().plus(Duration.ofHours(2));
        List<BenchDevice> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String id = String.format(Locale.ROOT, "bench-%s-%06d", prefix, i);
            if (attestation == Attestation.X509) {
                KeyMaterial issued = pki.issueClient(id);
                KeyMaterial leafOnly = new KeyMaterial(issued.key(), List.of(issued.leaf()));
                stack.dps().enrollX509Individual(id, Certificates.der(issued.leaf()), Optional.empty(), HUB, true);
                out.add(new BenchDevice(id, tls.context(Optional.of(leafOnly)).getSocketFactory(), Optional.empty()));
            } else {
                byte[] key = new byte[32];
                RANDOM.nextBytes(key);
                stack.dps().enrollSymmetricKeyIndividual(id, key, Optional.empty(), HUB, true);
                String sas = SasTokens.build(ID_SCOPE + "/registrations/" + id, SasTokens.ScopeEncoding.ENCODED, key,
                        expiry, Optional.of("registration"));
                out.add(new BenchDevice(id, tls.context(Optional.empty()).getSocketFactory(), Optional.of(sas)));
            }
        }
        return out;
    }

    /** The readable table. */
    public static void printTable(Result r, PrintWriter out) {
        Options o = r.options();
        out.printf(Locale.ROOT, "firstboot bench registrations: %d devices, concurrency %d, %s over %s, warm-up %d,"
                        + " %d emulator I/O threads, %d CPUs (devices prepared in %.1f s, not timed)%n",
                o.devices(), o.concurrency(), o.attestation().label(), o.transport().label(), o.warmup(),
                o.ioThreads(), Runtime.getRuntime().availableProcessors(), r.prepareSeconds());
        out.printf(Locale.ROOT, "%-20s %7s %7s %10s %8s %8s %8s %12s %13s %13s%n", "phase", "done", "failed",
                "per second", "p50 ms", "p95 ms", "p99 ms", "server CPU s", "process CPU s", "peak heap MiB");
        for (PhaseRunner.Figures f : List.of(r.handshakes(), r.registrations())) {
            out.printf(Locale.ROOT, "%-20s %7d %7d %10.1f %8.2f %8.2f %8.2f %12.2f %13.2f %13.1f%n", f.name(),
                    f.completed(), f.failed(), f.perSecond(), f.p50Millis(), f.p95Millis(), f.p99Millis(),
                    f.serverCpuSeconds(), f.processCpuSeconds(), f.peakHeapMiB());
        }
        out.printf(Locale.ROOT, "registration rate / bare handshake rate: %.2f (target >= %.2f): %s%n", r.ratio(),
                TARGET_RATIO, r.pass() ? "PASS" : "MISS");
        out.printf(Locale.ROOT, "registration rate: %.0f per minute = %.1fx the real DPS default quota"
                        + " (%.0f registrations per minute per unit)%n", r.registrations().perSecond() * 60,
                r.quotaMultiple(), QUOTA_PER_MINUTE);
        out.printf(Locale.ROOT, "server CPU per registration: %.2f ms; per bare handshake: %.2f ms%n",
                perItemMillis(r.registrations(), false), perItemMillis(r.handshakes(), false));
        out.printf(Locale.ROOT, "process CPU (clients + server) per registration: %.2f ms; per bare handshake: %.2f ms;"
                        + " CPU-bound ratio %.2f%n", perItemMillis(r.registrations(), true),
                perItemMillis(r.handshakes(), true), cpuRatio(r));
        for (PhaseRunner.Figures f : List.of(r.handshakes(), r.registrations())) {
            for (String failure : f.firstFailures()) {
                out.println(f.name() + " failure: " + failure);
            }
        }
        out.flush();
    }

    private static double perItemMillis(PhaseRunner.Figures f, boolean process) {
        double cpu = process ? f.processCpuSeconds() : f.serverCpuSeconds();
        return f.completed() == 0 ? Double.NaN : cpu * 1000 / f.completed();
    }

    /**
     * Process CPU per handshake over process CPU per registration: the rate ratio a CPU-bound run would reach on an
     * otherwise idle machine, and a steadier figure than the rate ratio when other work shares the cores.
     */
    static double cpuRatio(Result r) {
        double reg = perItemMillis(r.registrations(), true);
        double hs = perItemMillis(r.handshakes(), true);
        return reg > 0 ? hs / reg : Double.NaN;
    }

    public static void writeJson(Result r, Path file) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        Options o = r.options();
        root.putObject("options").put("devices", o.devices()).put("concurrency", o.concurrency())
                .put("attestation", o.attestation().label()).put("transport", o.transport().label())
                .put("warmup", o.warmup()).put("ioThreads", o.ioThreads())
                .put("cpus", Runtime.getRuntime().availableProcessors());
        root.set("handshakes", phase(json, r.handshakes()));
        root.set("registrations", phase(json, r.registrations()));
        root.put("ratio", r.ratio()).put("cpuRatio", cpuRatio(r)).put("targetRatio", TARGET_RATIO).put("verdict", r.pass() ? "PASS" : "MISS")
                .put("registrationsPerMinute", r.registrations().perSecond() * 60)
                .put("quotaPerMinutePerUnit", QUOTA_PER_MINUTE).put("quotaMultiple", r.quotaMultiple())
                .put("prepareSeconds", r.prepareSeconds());
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        json.writeValue(file.toFile(), root);
    }

    private static ObjectNode phase(ObjectMapper json, PhaseRunner.Figures f) {
        ObjectNode n = json.createObjectNode().put("attempted", f.attempted()).put("completed", f.completed())
                .put("failed", f.failed()).put("wallSeconds", f.wallSeconds()).put("perSecond", f.perSecond())
                .put("p50Millis", f.p50Millis()).put("p95Millis", f.p95Millis()).put("p99Millis", f.p99Millis())
                .put("serverCpuSeconds", f.serverCpuSeconds()).put("processCpuSeconds", f.processCpuSeconds())
                .put("peakHeapMiB", f.peakHeapMiB());
        ArrayNode failures = n.putArray("firstFailures");
        f.firstFailures().forEach(failures::add);
        return n;
    }
}
