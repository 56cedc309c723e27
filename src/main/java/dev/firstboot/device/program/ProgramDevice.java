package dev.firstboot.device.program;

import dev.firstboot.identity.symkey.GroupKeys;
import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.PrivateKeyPem;
import dev.firstboot.rig.BootReport;
import dev.firstboot.rig.Device;
import dev.firstboot.rig.DeviceEndpoints;
import dev.firstboot.rig.DeviceException;
import dev.firstboot.rig.OwnIdentityFacet;
import dev.firstboot.rig.RigContext;
import dev.firstboot.rig.RigException;
import dev.firstboot.rig.SymmetricKeyFacet;
import dev.firstboot.rig.TpmFacet;
import dev.firstboot.rig.X509CertificateFacet;
import dev.firstboot.timeline.ConsoleSecrets;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A device program: each {@link #boot()} starts the rig's command with the scenario's variables and credentials,
 * turns its output into masked console lines and its milestone lines into device milestones and the boot's
 * verdict. A program that exits before a verdict, never prints, or floods its output fails the boot with its last
 * lines; the scenario's end stops it ({@link ProgramProcess#stop}), and a tpm device's TPM with it ({@link ProgramTpm}).
 */
final class ProgramDevice implements Device, SymmetricKeyFacet, X509CertificateFacet, OwnIdentityFacet {
    private static final int LAST_LINES = 5;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final RigContext context;
    private final ProgramSettings settings;
    private final Path files;
    private final Map<String, String> endpointVariables;
    private final Optional<Credential> own;
    private final ProgramTpm tpm;
    private final List<String> console = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "program-device-timer");
        t.setDaemon(true);
        return t;
    });

    private String registrationId;
    private Optional<byte[]> ownKey = Optional.empty();
    private Optional<byte[]> groupKey = Optional.empty();
    private boolean wrongKey;
    private Optional<KeyMaterial> issued = Optional.empty();
    private Run current;
    private int boots;

    private ProgramDevice(RigContext context, ProgramSettings settings, Path files, Map<String, String> endpoints,
                          Optional<Credential> own) {
        this.context = context;
        this.settings = settings;
        this.files = files;
        this.endpointVariables = endpoints;
        this.own = own;
        this.registrationId = settings.registrationId();
        this.tpm = new ProgramTpm(context, files, settings.tpmProtocol());
    }

    static ProgramDevice start(RigContext context, ProgramSettings settings) throws RigException {
        Path files = context.workDirectory().resolve("program-device");
        try {
            Files.createDirectories(files);
            Path trust = files.resolve("trust.pem");
            Files.writeString(trust, KeyMaterial.pem(List.of(context.endpoints().trustAnchor())),
                    StandardCharsets.US_ASCII);
            Map<String, String> endpoints = endpointVariables(context, settings, trust);
            return new ProgramDevice(context, settings, files, endpoints, ownCredential(context, settings));
        } catch (IOException e) {
            throw new RigException("the program device of rig " + context.rigName() + " could not write its files"
                    + " under " + files + ": " + e.getMessage(), e);
        }
    }

    /** Where the program finds DPS and the hubs; every hub must be reachable by its host and one shared port. */
    private static Map<String, String> endpointVariables(RigContext context, ProgramSettings settings, Path trust)
            throws RigException {
        DeviceEndpoints e = context.endpoints();
        Set<Integer> hubPorts = new TreeSet<>();
        for (Map.Entry<String, InetSocketAddress> hub : e.hubAddresses().entrySet()) {
            hubPorts.add(hub.getValue().getPort());
            if (!reaches(hub.getKey(), hub.getValue().getAddress())) {
                throw new RigException("rig " + context.rigName() + ": a device program dials the hub host DPS"
                        + " assigns, but " + hub.getKey() + " does not lead to " + hub.getValue().getAddress()
                        .getHostAddress() + " where that hub listens; give the embedded backend"
                        + " 'addresses: per-part' (or 'ports: stock') so each hub has an IP address of its own");
            }
        }
        if (hubPorts.size() > 1) {
            throw new RigException("rig " + context.rigName() + ": a device program is given one hub port"
                    + " (FIRSTBOOT_HUB_MQTT_PORT), but the hubs listen on " + hubPorts + "; give the embedded"
                    + " backend 'addresses: per-part' (or 'ports: stock') so every hub listens on the same port");
        }
        if (settings.transport().equals("mqtt") && e.dpsMqtt().isEmpty()) {
            throw new RigException("rig " + context.rigName() + ": the program is to reach DPS over MQTT, but the "
                    + "backend offers DPS over HTTPS only; use transport: https");
        }
        Map<String, String> v = new LinkedHashMap<>();
        v.put(ProgramVariables.DPS_HOST, e.dps().getHost());
        v.put(ProgramVariables.DPS_HTTPS_PORT, String.valueOf(e.dps().getPort() < 0 ? 443 : e.dps().getPort()));
        v.put(ProgramVariables.DPS_MQTT_PORT, e.dpsMqtt().map(a -> String.valueOf(a.getPort())).orElse(""));
        v.put(ProgramVariables.HUB_MQTT_PORT, hubPorts.isEmpty() ? "" : String.valueOf(hubPorts.iterator().next()));
        v.put(ProgramVariables.HUB_HOSTS, String.join(",", e.hubAddresses().keySet()));
        v.put(ProgramVariables.ID_SCOPE, e.idScope());
        v.put(ProgramVariables.TRANSPORT, settings.transport());
        v.put(ProgramVariables.TRUST_PEM, trust.toString());
        v.put(ProgramVariables.ATTESTATION, settings.attestation().configName);
        return Map.copyOf(v);
    }

    private static boolean reaches(String host, InetAddress address) {
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (a.equals(address) || (a.isLoopbackAddress() && address.isAnyLocalAddress())) {
                    return true;
                }
            }
            return false;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static Optional<Credential> ownCredential(RigContext context, ProgramSettings settings)
            throws RigException {
        if (settings.certificate().isPresent()) {
            Path file = settings.certificate().get();
            X509Certificate leaf;
            try (var in = Files.newInputStream(file)) {
                leaf = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            } catch (IOException | CertificateException e) {
                throw new RigException("rig " + context.rigName() + ": device.certificate " + file + " is not a PEM"
                        + " X.509 certificate (" + e.getMessage() + "); give the device's leaf certificate");
            }
            if (settings.privateKey().isPresent()) {
                ownPrivateKey(context, settings.privateKey().get(), file, leaf);
            }
            try {
                return Optional.of(new Credential.Certificate(leaf.getEncoded()));
            } catch (CertificateException e) {
                throw new RigException("rig " + context.rigName() + ": device.certificate " + file + " cannot be"
                        + " encoded again (" + e.getMessage() + "); give the device's leaf certificate");
            }
        }
        if (settings.symmetricKeyVariable().isPresent()) {
            String name = settings.symmetricKeyVariable().get();
            String value = Optional.ofNullable(System.getenv(name)).orElse("");
            try {
                byte[] key = Base64.getDecoder().decode(value.trim());
                if (key.length < 16 || key.length > 64) {
                    throw new IllegalArgumentException("length");
                }
                context.redactor().register(value.trim());
                return Optional.of(new Credential.SymmetricKey(key));
            } catch (IllegalArgumentException e) {
                throw new RigException("rig " + context.rigName() + ": the environment variable " + name
                        + " (device.symmetric-key-variable) must hold the device's key as base64 of 16 to 64 bytes;"
                        + (value.isEmpty() ? " it is not set" : " its value is not that") + ". Export it before the run");
            }
        }
        return Optional.empty();
    }

    /**
     * The device's own key, which the harness never hands to the program: a secret from now on, in every form
     * ({@link dev.firstboot.secret.Redactor#registerPrivateKey}), so a program that prints it fails. It must be the
     * certificate's key.
     */
    private static void ownPrivateKey(RigContext context, Path file, Path certificate, X509Certificate leaf)
            throws RigException {
        String where = "rig " + context.rigName() + ": device.private-key " + file;
        try {
            String pem = Files.readString(file, StandardCharsets.US_ASCII);
            PrivateKey key = PrivateKeyPem.parse(pem);
            context.redactor().registerPrivateKey(pem, key);
            if (!PrivateKeyPem.pairs(key, leaf.getPublicKey())) {
                throw new RigException(where + " is not the key of device.certificate " + certificate + "; give the"
                        + " private key that goes with that leaf");
            }
        } catch (PrivateKeyPem.InvalidPem e) {
            throw new RigException(where + " " + e.getMessage());
        } catch (IOException e) {
            throw new RigException(where + " cannot be read (" + e.getClass().getSimpleName() + "); the harness"
                    + " reads it only to know it as a secret");
        }
    }

    @Override
    public String kind() {
        return "program";
    }

    @Override
    public Map<String, String> labels() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("device", kind());
        labels.put("program", Path.of(settings.argv().get(settings.argv().get(0).equals("/bin/sh") ? 2 : 0))
                .getFileName().toString());
        labels.put("attestation", settings.attestation().configName);
        labels.put("transport", settings.transport());
        if (settings.attestation() == ProgramSettings.Attestation.TPM) {
            labels.put("tpm", "swtpm (TPM 2.0)" + (settings.tpmProtocol() == ProgramSettings.TpmProtocol.MSSIM
                    ? " behind the MS TPM simulator protocol on 127.0.0.1:2321/2322" : ""));
        }
        return labels;
    }

    @Override
    public <T> Optional<T> facet(Class<T> type) {
        if (settings.ownIdentity()) {
            return type == OwnIdentityFacet.class ? Optional.of(type.cast(this)) : Optional.empty();
        }
        return switch (settings.attestation()) {
            case X509 -> type == X509CertificateFacet.class ? Optional.of(type.cast(this)) : Optional.empty();
            case SYMMETRIC_KEY -> type == SymmetricKeyFacet.class ? Optional.of(type.cast(this)) : Optional.empty();
            case TPM -> type == TpmFacet.class ? Optional.of(type.cast(tpm)) : Optional.empty();
        };
    }

    @Override
    public synchronized String registrationId() {
        return registrationId;
    }

    @Override
    public synchronized void useRegistrationId(String id) {
        if (id.isBlank()) {
            throw new IllegalArgumentException("a registration id cannot be blank");
        }
        registrationId = id;
    }

    @Override
    public synchronized void provisionKey(byte[] key) {
        ownKey = Optional.of(key.clone());
        groupKey = Optional.empty();
    }

    @Override
    public synchronized void provisionGroupKey(byte[] key) {
        groupKey = Optional.of(key.clone());
        ownKey = Optional.empty();
    }

    @Override
    public synchronized void signWithWrongKey(boolean wrong) {
        wrongKey = wrong;
    }

    @Override
    public synchronized void provisionCertificate(KeyMaterial identity) {
        issued = Optional.of(identity);
    }

    @Override
    public Credential credential() {
        return own.orElseThrow(() -> new IllegalStateException("this program device has no identity of its own"));
    }

    /** The scenario's credential variables; a scenario that provisioned none gets a clear error. */
    private Map<String, String> credentialVariables(int boot) throws DeviceException {
        if (own.isPresent()) {
            return Map.of();
        }
        if (settings.attestation() == ProgramSettings.Attestation.TPM) {
            return tpm.variables();
        }
        if (settings.attestation() == ProgramSettings.Attestation.X509) {
            KeyMaterial id = issued.orElseThrow(() -> new DeviceException("the x509 program device of rig "
                    + context.rigName() + " was given no certificate; a scenario must issue one before it boots"));
            try {
                Path cert = files.resolve("boot-" + boot + "-cert.pem");
                Path key = files.resolve("boot-" + boot + "-key.pem");
                Files.writeString(cert, id.chainPem(), StandardCharsets.US_ASCII);
                dev.firstboot.pki.CaFiles.writePrivate(key, id.privateKeyPem());
                return Map.of(ProgramVariables.CERT_PEM, cert.toString(), ProgramVariables.KEY_PEM, key.toString());
            } catch (IOException e) {
                throw new DeviceException("could not write the program's certificate files under " + files + ": "
                        + e.getMessage(), e);
            }
        }
        byte[] key;
        if (wrongKey) {
            key = new byte[32];
            RANDOM.nextBytes(key);
        } else if (ownKey.isPresent()) {
            key = ownKey.get();
        } else if (groupKey.isPresent()) {
            key = GroupKeys.derive(groupKey.get(), registrationId);
        } else {
            throw new DeviceException("the symmetric-key program device of rig " + context.rigName() + " was given"
                    + " no key; a scenario must provision one (an individual key or a group key) before it boots");
        }
        String base64 = Base64.getEncoder().encodeToString(key);
        context.redactor().register(base64);
        return Map.of(ProgramVariables.SYMMETRIC_KEY, base64);
    }

    @Override
    public synchronized void boot() throws DeviceException {
        stopRun();
        String id = settings.attestation() == ProgramSettings.Attestation.TPM ? tpm.registrationId() : registrationId;
        Map<String, String> values = new LinkedHashMap<>(endpointVariables);
        values.put(ProgramVariables.REGISTRATION_ID, id);
        values.putAll(credentialVariables(++boots));
        List<String> argv = ProgramVariables.substitute(settings.argv(), values);
        Map<String, String> env = ProgramVariables.environment(System.getenv(), settings.environment(), values);
        Run run = new Run(id);
        current = run;
        context.timeline().record(Origin.DEVICE, EventKind.BOOT_STARTED, id,
                Map.of("program", labels().get("program")));
        try {
            run.started(ProgramProcess.start(argv, env, settings.directory(), (stream, line) -> line(run, stream, line),
                    code -> exited(run, code)));
        } catch (IOException e) {
            current = null;
            throw new DeviceException("the device program could not be started (" + e.getMessage() + "); is setsid"
                    + " (util-linux) installed, and is " + settings.directory() + " readable?", e);
        }
        timers.schedule(() -> silent(run), settings.startDeadline().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void line(Run run, String stream, String raw) {
        Map<String, String> attributes = new LinkedHashMap<>(ConsoleSecrets.line(context.redactor(), raw));
        attributes.put("stream", stream);
        String masked = attributes.get("line");
        int n = run.count();
        if (n < 0) {
            return; // flooded: the rest is discarded while the program is killed
        }
        if (n > settings.outputLimit()) {
            run.flood();
            fail(run, "the program flooded its output: more than " + settings.outputLimit() + " lines in one boot"
                    + " (device.output-limit), so it was killed; its last lines: " + run.lastLines());
            return;
        }
        if (n == 1) {
            context.timeline().record(Origin.DEVICE, EventKind.CONSOLE_FIRST_BYTE, "console", Map.of());
        }
        run.remember(masked);
        console.add(masked);
        context.timeline().record(Origin.DEVICE, EventKind.CONSOLE_LINE, "console", attributes);
        for (Milestones.Hit hit : settings.milestones().match(masked)) {
            Map<String, String> details = new LinkedHashMap<>(hit.details());
            details.put("milestone", hit.name());
            context.timeline().record(Origin.DEVICE, EventKind.DEVICE_MILESTONE, run.registrationId, details);
            if (hit.name().equals(Milestones.HUB_CONNECTED)) {
                run.verdict.settle(new BootReport.Connected(hit.detail("hub"), hit.detail("device")));
            } else if (hit.name().equals(Milestones.FAILED)) {
                String reason = hit.detail("reason");
                run.verdict.settle(new BootReport.Failed(reason.isEmpty() ? masked : reason));
            }
        }
    }

    private void exited(Run run, int code) {
        if (run.stopping() || run.verdict.settled()) {
            return;
        }
        String why = code == 127 ? " (127: the command was not found)" : code == 126 ? " (126: it is not executable)"
                : "";
        fail(run, "the program exited with code " + code + why + " before it reported a hub connection or a "
                + "failure; its last lines: " + run.lastLines());
    }

    private void silent(Run run) {
        if (run.lines() == 0 && !run.stopping() && !run.verdict.settled()) {
            fail(run, "the program printed nothing within " + settings.startDeadline().toMillis() / 1000.0
                    + " s of its start (device.start-deadline); is it waiting for input, or stuck?");
        }
    }

    /** The harness's verdict on a program that could not give its own: a failed milestone with the reason. */
    private void fail(Run run, String reason) {
        // The milestone goes on the timeline before the verdict is seen, so whoever awaits the verdict finds it.
        synchronized (run.verdict) {
            if (run.verdict.settled()) {
                return;
            }
            context.timeline().record(Origin.DEVICE, EventKind.DEVICE_MILESTONE, run.registrationId,
                    Map.of("milestone", Milestones.FAILED, "reason", reason, "by", "harness"));
            run.verdict.settle(new BootReport.Failed(reason));
        }
    }

    @Override
    public BootReport awaitBoot(Duration deadline) throws InterruptedException {
        Run run;
        synchronized (this) {
            run = current;
        }
        return run == null ? new BootReport.NoVerdict("a boot, but the device was never booted")
                : run.verdict.await(deadline, "a hub-connected or failed line from the program");
    }

    @Override
    public List<String> consoleLog() {
        return List.copyOf(console);
    }

    private void stopRun() {
        Run run = current;
        current = null;
        if (run != null) {
            run.stop(settings.stopDeadline());
        }
    }

    @Override
    public synchronized void resetForScenario() {
        stopRun();
        tpm.stop();
        console.clear();
        registrationId = settings.registrationId();
        ownKey = Optional.empty();
        groupKey = Optional.empty();
        wrongKey = false;
        issued = Optional.empty();
        deleteBootFiles();
    }

    private void deleteBootFiles() {
        try (var list = Files.list(files)) {
            for (Path p : list.filter(p -> p.getFileName().toString().startsWith("boot-")).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete the last scenario's credential files in " + files, e);
        }
    }

    @Override
    public synchronized void close() {
        stopRun();
        tpm.stop();
        timers.shutdownNow();
        deleteBootFiles();
    }

    /** One start of the program: its process, its output count, its last lines and its verdict. */
    private static final class Run {
        final String registrationId;
        final ProgramBootVerdict verdict = new ProgramBootVerdict();
        private final Deque<String> last = new ArrayDeque<>();
        private ProgramProcess process;
        private int lines;
        private boolean flooded;
        private boolean stopping;

        Run(String registrationId) {
            this.registrationId = registrationId;
        }

        synchronized void started(ProgramProcess p) {
            process = p;
            if (flooded) {
                p.kill();
            }
        }

        /** Counts a line and returns its number; -1 once flooded. */
        synchronized int count() {
            return flooded ? -1 : ++lines;
        }

        synchronized int lines() {
            return lines;
        }

        synchronized void flood() {
            flooded = true;
            if (process != null) {
                process.kill();
            }
        }

        synchronized void remember(String line) {
            last.addLast(line);
            if (last.size() > LAST_LINES) {
                last.removeFirst();
            }
        }

        synchronized String lastLines() {
            return last.isEmpty() ? "(it printed nothing)" : String.join(" | ", last);
        }

        synchronized boolean stopping() {
            return stopping;
        }

        void stop(Duration deadline) {
            ProgramProcess p;
            synchronized (this) {
                stopping = true;
                p = process;
            }
            if (p != null) {
                p.stop(deadline); // interrupted, it kills the group at once
            }
        }
    }
}
