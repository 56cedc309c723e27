package dev.firstboot.service.remote;

import dev.firstboot.rig.Backend;
import dev.firstboot.rig.BackendProvider;
import dev.firstboot.rig.PartConfig;
import dev.firstboot.rig.RigContext;
import dev.firstboot.rig.RigException;
import dev.firstboot.service.BackendFields;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code kind: emulator}: a {@code firstboot emulator} that is already running, on this host or on the bench
 * network (docs/emulator.md, docs/devkit-bench.md).
 * <pre>
 * backend:
 *   kind: emulator
 *   dps: https://192.168.1.10:8443          # its dps-https line: the device and service API, and its event stream
 *   ca-certificate: /home/me/emulator/ca.pem  # its ca-certificate line (relative to the rig file's folder)
 *   service-connection-string-env: FIRSTBOOT_SERVICE_CONNECTION_STRING   # default; or:
 *   service-connection-string-file: /home/me/emulator/service.txt        # a file outside the repository
 *   id-scope: 0ne00FB0001                   # optional: checked against the emulator's
 *   dps-mqtt: 192.168.1.10:8883             # optional: default the dps host and the emulator's MQTT port
 *   hubs: [hub-a=192.168.1.10:8884]         # optional: where a hub is reached, when not at its own host and port
 *   retry-after: 1s                         # optional: each scenario's retry-after; default the emulator's
 * </pre>
 * The service connection string is a secret: never in the rig file, never printed.
 */
public final class EmulatorBackendProvider implements BackendProvider {
    /** Its event stream carries the emulator's wire evidence (requests, responses, presented chains). */
    private static final Set<String> CAPABILITIES = Set.of("x509", "mqtt", Backend.WIRE);

    @Override
    public Set<String> capabilityTags() {
        return CAPABILITIES;
    }

    public static final String DEFAULT_CONNECTION_STRING_ENV = "FIRSTBOOT_SERVICE_CONNECTION_STRING";
    private static final Pattern HOST_PORT = Pattern.compile("([A-Za-z0-9.\\-]+|\\[[0-9A-Fa-f:]+]):(\\d{1,5})");
    private static final Pattern HUB = Pattern.compile("([a-z0-9-]{1,50})=(.+)");

    @Override
    public String kind() {
        return "emulator";
    }

    @Override
    public String description() {
        return "a running 'firstboot emulator' on this host or the bench network, over its service API and event"
                + " stream";
    }

    @Override
    public Spec<Backend> configure(PartConfig config) throws RigException {
        config.allowOnly("kind", "dps", "ca-certificate", "service-connection-string-env",
                "service-connection-string-file", "id-scope", "dps-mqtt", "hubs", "retry-after");
        URI dps = dpsUri(config);
        // Files are checked at start, not here: a rig example names files only the bench has.
        Path ca = config.baseDirectory().resolve(config.string("ca-certificate")).normalize();
        if (config.has("service-connection-string-env") && config.has("service-connection-string-file")) {
            throw config.error("service-connection-string-file", "give the service connection string either in an"
                    + " environment variable (service-connection-string-env) or in a file, not both");
        }
        Optional<Path> csFile = config.has("service-connection-string-file")
                ? Optional.of(config.baseDirectory().resolve(config.string("service-connection-string-file"))
                .normalize()) : Optional.empty();
        String csEnv = config.string("service-connection-string-env", DEFAULT_CONNECTION_STRING_ENV);
        Optional<String> idScope = BackendFields.idScope(config);
        Optional<InetSocketAddress> mqtt = config.has("dps-mqtt")
                ? Optional.of(hostPort(config, "dps-mqtt", config.string("dps-mqtt"))) : Optional.empty();
        Map<String, InetSocketAddress> hubs = new LinkedHashMap<>();
        for (String h : config.strings("hubs")) {
            Matcher m = HUB.matcher(h.trim());
            if (!m.matches()) {
                throw config.error("hubs", "expected entries like hub-a=192.168.1.10:8884 (a hub name, '=', where"
                        + " devices reach it), got \"" + h + "\"");
            }
            if (hubs.put(m.group(1), hostPort(config, "hubs", m.group(2))) != null) {
                throw config.error("hubs", "hub \"" + m.group(1) + "\" is listed twice");
            }
        }
        Optional<Duration> scenarioRetryAfter = BackendFields.retryAfter(config);
        return new Spec<>() {
            @Override
            public Set<String> capabilities() {
                return CAPABILITIES;
            }

            @Override
            public Backend start(RigContext context) throws RigException {
                String where = "rig " + context.rigName() + ", backend " + dps;
                String connectionString = connectionString(where, csEnv, csFile);
                context.redactor().register(connectionString);
                connectionString.lines().flatMap(l -> java.util.Arrays.stream(l.split(";")))
                        .filter(p -> p.startsWith("SharedAccessKey=")).map(p -> p.substring(16).trim())
                        .filter(k -> !k.isEmpty()).forEach(context.redactor()::register);
                X509Certificate trust = readCa(where, ca);
                try {
                    return EmulatorBackend.connect(new EmulatorBackend.Settings("emulator", dps, connectionString,
                            trust, idScope, hubs, mqtt, scenarioRetryAfter), context.timeline(), () -> { });
                } catch (RuntimeException e) {
                    throw new RigException(where + ": " + e.getMessage());
                }
            }
        };
    }

    private static URI dpsUri(PartConfig config) throws RigException {
        String text = config.string("dps");
        URI uri;
        try {
            uri = URI.create(text.trim());
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null || !"https".equals(uri.getScheme()) || uri.getHost() == null || uri.getPort() < 1
                || !(uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/"))) {
            throw config.error("dps", "expected the emulator's dps-https line, like https://192.168.1.10:8443 (https,"
                    + " a host and a port, no path), got \"" + text + "\"");
        }
        return URI.create("https://" + uri.getHost() + ":" + uri.getPort());
    }

    private static InetSocketAddress hostPort(PartConfig config, String key, String text) throws RigException {
        Matcher m = HOST_PORT.matcher(text.trim());
        int port = m.matches() ? Integer.parseInt(m.group(2)) : 0;
        if (port < 1 || port > 65535) {
            throw config.error(key, "expected HOST:PORT like 192.168.1.10:8883, got \"" + text + "\"");
        }
        return InetSocketAddress.createUnresolved(m.group(1).replaceAll("[\\[\\]]", ""), port);
    }

    static String connectionString(String where, String env, Optional<Path> file) throws RigException {
        if (file.isPresent()) {
            if (!Files.isRegularFile(file.get())) {
                throw new RigException(where + ": the service connection string file " + file.get() + " does not"
                        + " exist; put the emulator's service-connection-string value in it (outside the repository)");
            }
            try {
                String s = Files.readString(file.get(), StandardCharsets.UTF_8).trim();
                if (s.isEmpty()) {
                    throw new RigException(where + ": the service connection string file " + file.get()
                            + " is empty; put the emulator's service-connection-string value in it");
                }
                return s;
            } catch (IOException e) {
                throw new RigException(where + ": the service connection string file " + file.get()
                        + " cannot be read: " + e.getMessage());
            }
        }
        String s = System.getenv(env);
        if (s == null || s.isBlank()) {
            throw new RigException(where + ": the environment variable " + env + " is not set; set it to the"
                    + " emulator's service-connection-string value (HostName=…;SharedAccessKeyName=…;"
                    + "SharedAccessKey=…), or name a file with service-connection-string-file");
        }
        return s.trim();
    }

    private static X509Certificate readCa(String where, Path ca) throws RigException {
        if (!Files.isRegularFile(ca)) {
            throw new RigException(where + ": the ca-certificate " + ca + " does not exist; copy the file the"
                    + " emulator's ca-certificate line names (paths are relative to the rig file's folder)");
        }
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(ca)));
        } catch (IOException | CertificateException e) {
            throw new RigException(where + ": the ca-certificate " + ca + " is not a PEM certificate ("
                    + e.getMessage() + "); copy the file the emulator's ca-certificate line names");
        }
    }
}
