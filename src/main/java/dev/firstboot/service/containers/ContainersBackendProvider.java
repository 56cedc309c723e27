package dev.firstboot.service.containers;

import dev.firstboot.secret.Redactor;
import dev.firstboot.service.BackendFields;
import dev.firstboot.service.remote.EmulatorBackend;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Optional;

import dev.firstboot.rig.Backend;
import dev.firstboot.rig.BackendProvider;
import dev.firstboot.rig.PartConfig;
import dev.firstboot.rig.RigContext;
import dev.firstboot.rig.RigException;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code kind: containers}: the DPS and IoT Hub emulators in a Docker container from the locally built emulator
 * image (scripts/docker-setup.sh), started with Testcontainers; devices reach them on the published ports.
 * <pre>
 * backend:
 *   kind: containers
 *   image: firstboot/emulator:local   # default: $FIRSTBOOT_EMULATOR_IMAGE, else firstboot/emulator:local
 *   id-scope: 0ne00FB0001             # default
 *   retry-after: 1s                   # whole seconds, 0 to 300; default 1s
 *   start-deadline: 90s               # default
 * </pre>
 * The container runs {@code firstboot emulator}, and the harness drives it as the {@code emulator} backend does
 * (its REST service API, its /firstboot controls and event stream): one remote backend, not two. Its hubs are hub-a
 * and hub-b. Without a reachable engine or the image, its capabilities are unavailable with the
 * reason, so scenarios are reported not applicable, never passed.
 */
public final class ContainersBackendProvider implements BackendProvider {
    static final List<String> HUBS = List.of("hub-a", "hub-b");
    private static final Set<String> CAPABILITIES = Set.of("x509", "mqtt", "containers", Backend.WIRE);

    @Override
    public String kind() {
        return "containers";
    }

    @Override
    public Set<String> capabilityTags() {
        return CAPABILITIES;
    }

    @Override
    public String description() {
        return "DPS and IoT Hub emulators in a Docker container (Testcontainers) from the locally built emulator image";
    }

    @Override
    public Spec<Backend> configure(PartConfig config) throws RigException {
        config.allowOnly("kind", "image", "id-scope", "retry-after", "start-deadline");
        String image = config.string("image", FirstbootEmulatorContainer.defaultImage());
        String idScope = BackendFields.idScope(config).orElse(BackendFields.DEFAULT_ID_SCOPE);
        Duration retryAfter = BackendFields.retryAfter(config).orElse(BackendFields.DEFAULT_RETRY_AFTER);
        Duration startDeadline = config.duration("start-deadline", FirstbootEmulatorContainer.STARTUP_DEADLINE);
        return new Spec<>() {
            private String reason;
            private boolean checked;

            /** Why containers cannot run here, or null; asked once, when a run first needs to know. */
            private synchronized String reason() {
                if (!checked) {
                    reason = DockerEngine.whyUnavailable(image).orElse(null);
                    checked = true;
                }
                return reason;
            }

            @Override
            public Set<String> capabilities() {
                return reason() == null ? CAPABILITIES : Set.of();
            }

            @Override
            public Map<String, String> unavailable() {
                String why = reason();
                if (why == null) {
                    return Map.of();
                }
                return Map.of("x509", why, "mqtt", why, "containers", why, Backend.WIRE, why);
            }

            @Override
            public Backend start(RigContext context) throws RigException {
                String why = reason();
                if (why != null) {
                    return new UnavailableBackend(HUBS, why);
                }
                FirstbootEmulatorContainer container = new FirstbootEmulatorContainer(image)
                        .withRigConfig(idScope, (int) retryAfter.toSeconds());
                container.withStartupTimeout(startDeadline);
                try {
                    container.start();
                    String connectionString = container.getServiceConnectionString();
                    context.redactor().register(connectionString);
                    context.redactor().register(connectionString.replaceFirst("(?s).*SharedAccessKey=", ""));
                    Map<String, InetSocketAddress> hubs = new LinkedHashMap<>();
                    HUBS.forEach(h -> hubs.put(h, container.getHubAddress(h)));
                    return EmulatorBackend.connect(new EmulatorBackend.Settings("containers",
                                    container.getDpsEndpoint(), connectionString, container.getCaCertificate(),
                                    Optional.of(idScope), hubs, container.getDpsMqttAddress(),
                                    Optional.of(retryAfter)), context.timeline(), container::stop);
                } catch (RuntimeException e) {
                    String logs = "";
                    try {
                        logs = container.getLogs();
                    } catch (RuntimeException ignored) {
                        // the container may never have been created
                    }
                    container.stop();
                    throw new RigException("rig " + context.rigName() + ": the emulator container from " + image
                            + " did not start within " + startDeadline.toSeconds() + " s: " + e.getMessage()
                            + (logs.isBlank() ? "" : "; its output: " + logs.strip()
                            .replaceAll("SharedAccessKey=[^;\\s]+", "SharedAccessKey=" + Redactor.MASK))
                            + ". Rebuild the image with scripts/docker-setup.sh");
                }
            }
        };
    }
}
