package dev.firstboot.service.containers;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The firstboot DPS and IoT Hub emulators in a container, for your own JUnit tests (like LocalStack's container):
 * <pre>
 * try (var emulator = new FirstbootEmulatorContainer("firstboot/emulator:local")) {
 *     emulator.start();
 *     URI dps = emulator.getDpsEndpoint();              // https://localhost:&lt;mapped port&gt;
 *     String scope = emulator.getIdScope();
 *     String caPem = emulator.getCaCertificatePem();    // trust this for DPS and the hubs
 *     InetSocketAddress hubA = emulator.getHubAddress("hub-a");
 * }
 * </pre>
 * It runs the image's command ({@code firstboot emulator}) unless told otherwise, waits for its {@code ready} line,
 * and reads the {@code key: value} lines it printed before it. With Ryuk disabled (no registry to pull it from),
 * close it yourself: try-with-resources or {@code stop()}. See docs/containers.md.
 */
public class FirstbootEmulatorContainer extends GenericContainer<FirstbootEmulatorContainer> {
    /** What scripts/docker-setup.sh tags the newest build as; $FIRSTBOOT_EMULATOR_IMAGE overrides it. */
    public static final String DEFAULT_IMAGE = "firstboot/emulator:local";
    public static final int DPS_HTTPS_PORT = 8443;
    public static final int DPS_MQTT_PORT = 8883;
    public static final int HUB_A_PORT = 8884;
    public static final int HUB_B_PORT = 8885;
    static final String RIG_CONFIG = "/tmp/firstboot-rig-emulator.yaml";
    static final Duration STARTUP_DEADLINE = Duration.ofSeconds(90);

    private Map<String, String> printed;

    /** The image $FIRSTBOOT_EMULATOR_IMAGE names, else {@value #DEFAULT_IMAGE}. */
    public FirstbootEmulatorContainer() {
        this(defaultImage());
    }

    public FirstbootEmulatorContainer(String image) {
        this(DockerImageName.parse(image));
    }

    public FirstbootEmulatorContainer(DockerImageName image) {
        super(image);
        withExposedPorts(DPS_HTTPS_PORT, DPS_MQTT_PORT, HUB_A_PORT, HUB_B_PORT);
        waitingFor(Wait.forLogMessage("(?s)\\s*ready\\s*", 1).withStartupTimeout(STARTUP_DEADLINE));
    }

    public static String defaultImage() {
        String env = System.getenv("FIRSTBOOT_EMULATOR_IMAGE");
        return env == null || env.isBlank() ? DEFAULT_IMAGE : env;
    }

    /**
     * Runs {@code firstboot emulator} on a config of the rig's ID scope and retry-after (hub-a and hub-b on the
     * image's ports, every interface), with no health probe: a probe's bare TCP connection would show on the rig's
     * timeline as a failed TLS handshake. The {@code emulator} backend's client then drives it (docs/containers.md).
     */
    public FirstbootEmulatorContainer withRigConfig(String idScope, int retryAfterSeconds) {
        String config = """
                id-scope: %s
                host: localhost
                bind: 0.0.0.0
                dps-https: %d
                dps-mqtt: %d
                retry-after: %ds
                hubs:
                  - {name: hub-a, host: hub-a.localhost, port: %d}
                  - {name: hub-b, host: hub-b.localhost, port: %d}
                """.formatted(idScope, DPS_HTTPS_PORT, DPS_MQTT_PORT, retryAfterSeconds, HUB_A_PORT, HUB_B_PORT);
        withCopyToContainer(Transferable.of(config), RIG_CONFIG);
        withCommand("emulator", "--config", RIG_CONFIG);
        withCreateContainerCmdModifier(cmd -> cmd.withHealthcheck(
                new com.github.dockerjava.api.model.HealthCheck().withTest(java.util.List.of("NONE"))));
        return self();
    }

    /** Every {@code key: value} line the emulator printed before {@code ready}, in order. */
    public synchronized Map<String, String> printed() {
        if (printed == null) {
            Map<String, String> out = new LinkedHashMap<>();
            for (String line : getLogs(OutputFrame.OutputType.STDOUT).split("\n")) {
                String trimmed = line.strip();
                if (trimmed.equals("ready")) {
                    break;
                }
                int colon = trimmed.indexOf(": ");
                if (colon > 0) {
                    out.put(trimmed.substring(0, colon).toLowerCase(java.util.Locale.ROOT), trimmed.substring(colon + 2));
                }
            }
            printed = Map.copyOf(out);
        }
        return printed;
    }

    @Override
    public void stop() {
        synchronized (this) {
            printed = null;
        }
        super.stop();
    }

    private String printedValue(String... keys) {
        for (String key : keys) {
            String v = printed().get(key);
            if (v != null) {
                return v;
            }
        }
        throw new IllegalStateException("the emulator did not print \"" + keys[0] + ": …\"; it printed the keys "
                + printed().keySet() + ". Is the image's firstboot current? Rebuild it with scripts/docker-setup.sh");
    }

    /** The port inside the container of an endpoint it printed ({@code https://localhost:8443}, {@code host:8884}). */
    private static int portOf(String endpoint) {
        String s = endpoint.replaceFirst("^[a-z]+://", "");
        int colon = s.lastIndexOf(':');
        String digits = s.substring(colon + 1).replaceAll("[^0-9].*$", "");
        return Integer.parseInt(digits);
    }

    /** DPS over HTTPS as clients on this machine reach it; the server certificate is for {@code localhost}. */
    public URI getDpsEndpoint() {
        return URI.create("https://" + getHost() + ":" + getMappedPort(portOf(printedValue("dps-https"))));
    }

    /** DPS over MQTT/TLS, when the emulator offers it. */
    public Optional<InetSocketAddress> getDpsMqttAddress() {
        String v = printed().get("dps-mqtt");
        return v == null ? Optional.empty() : Optional.of(new InetSocketAddress(getHost(), getMappedPort(portOf(v))));
    }

    public String getIdScope() {
        return printedValue("id-scope");
    }

    /** The CA certificate (PEM) both DPS and the hubs present chains from; trust it in your clients. */
    public String getCaCertificatePem() {
        String path = printedValue("ca-certificate");
        return copyFileFromContainer(path, in -> new String(in.readAllBytes(), StandardCharsets.US_ASCII));
    }

    public X509Certificate getCaCertificate() {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                    new ByteArrayInputStream(getCaCertificatePem().getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException e) {
            throw new IllegalStateException("the emulator's CA certificate does not parse: " + e.getMessage(), e);
        }
    }

    /**
     * The DPS service connection string ({@code HostName=…;SharedAccessKeyName=…;SharedAccessKey=…}) for the
     * enrollment API. It holds a key: keep it out of logs.
     */
    public String getServiceConnectionString() {
        return printedValue("service-connection-string");
    }

    /** Hub name → the host name DPS assigns devices to (e.g. {@code hub-a.localhost}). */
    public Map<String, String> getHubHosts() {
        Map<String, String> out = new LinkedHashMap<>();
        printed().forEach((k, v) -> {
            if (k.startsWith("hub.")) {
                String hostPort = v.replaceFirst("^[a-z]+://", "");
                out.put(k.substring(4), hostPort.substring(0, hostPort.lastIndexOf(':')));
            }
        });
        return out;
    }

    /** Where a hub's MQTT/TLS endpoint is reachable from this machine (its certificate names its host name). */
    public InetSocketAddress getHubAddress(String hubName) {
        String v = printedValue("hub." + hubName);
        return new InetSocketAddress(getHost(), getMappedPort(portOf(v)));
    }
}
