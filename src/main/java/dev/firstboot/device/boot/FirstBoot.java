package dev.firstboot.device.boot;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firstboot.device.net.DeviceTls;
import dev.firstboot.device.net.DpsHttpsClient;
import dev.firstboot.device.net.DpsMqttClient;
import dev.firstboot.device.net.DpsTransport;
import dev.firstboot.device.net.MqttDeviceClient;
import dev.firstboot.rig.BootReport;
import dev.firstboot.rig.DeviceEndpoints;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.TimelineSink;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The first boot of an X.509 device as the Azure IoT C SDK runs it: register with DPS over HTTPS, poll the operation
 * as {@code retry-after} says (clamped as the C SDK clamps it), connect to the assigned hub over MQTT with the same
 * certificate, and send one telemetry message. The hub connection stays open until {@link #close()}, as on a board.
 */
public final class FirstBoot implements AutoCloseable {
    /** The C SDK's default and bounds for retry-after, in seconds (prov_transport.h, prov_client_const.h). */
    static final int DEFAULT_RETRY_AFTER = 1;
    static final int MAX_RETRY_AFTER = 300;
    static final String HUB_API_VERSION = "2020-09-30";
    /** IoT Hub's MQTT port; the SDKs do not let it be changed. */
    static final int HUB_MQTT_PORT = 8883;

    /** An X.509 device: its registration id and the chain it presents (leaf first) with the leaf's key. */
    public record Identity(String registrationId, PrivateKey key, List<X509Certificate> chain) implements DeviceAuth {
        public Identity {
            chain = List.copyOf(chain);
        }

        @Override
        public SSLContext tls(X509Certificate trustAnchor) throws AuthException {
            try {
                return DeviceTls.clientContext(key, chain, trustAnchor);
            } catch (IllegalStateException e) {
                throw new AuthException("the device cannot load its own certificate and key: " + e.getMessage());
            }
        }

        @Override
        public SSLContext tlsIgnoringExpiry(X509Certificate trustAnchor) throws AuthException {
            try {
                return DeviceTls.clientContextIgnoringExpiry(key, chain, trustAnchor);
            } catch (IllegalStateException e) {
                throw new AuthException("the device cannot load its own certificate and key: " + e.getMessage());
            }
        }
    }

    /** How many fresh challenges a TPM device asks for after a failed activation before it gives up (never endless). */
    static final int MAX_ACTIVATION_ATTEMPTS = 3;

    /** Ways a simulated device departs from what the C SDK does; each is a defect some check must catch. */
    public enum Deviation {
        /** Polls at once, whatever retry-after DPS asked for. */
        IGNORES_RETRY_AFTER,
        /** Connects to its hub but never sends the telemetry message. */
        NO_TELEMETRY,
        /** Refused by DPS, it connects to a hub it knows of anyway. */
        HUB_AFTER_REFUSAL,
        /** Keeps retrying after its registration budget is spent, instead of giving up. */
        RETRIES_FOREVER,
        /** Retries a failed request (5xx, dropped, unreachable) at once instead of backing off. */
        NO_BACKOFF,
        /** Trusts a server certificate whose validity period has ended. */
        ACCEPTS_EXPIRED_CERTIFICATE
    }

    /** How the device reaches DPS: the C SDK's HTTPS or MQTT provisioning transport. */
    public enum Transport { HTTPS, MQTT }

    /** The longest a conforming device backs off between two failed attempts. */
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** What "at once" means for a device that does not back off: fast enough to hammer, slow enough to stay bounded. */
    static final Duration NO_BACKOFF_WAIT = Duration.ofMillis(50);

    /**
     * How this device behaves; the defaults are a conforming device, the rest are defects a harness must catch.
     *
     * @param bootDelay             time from reset to the first DPS request (the firmware's start-up)
     * @param registrationDeadline  how long the device keeps trying to register before it gives up
     * @param requestTimeout        per request and per MQTT exchange
     * @param maxActivationAttempts how many TPM challenges the device tries to activate before it gives up
     * @param activationDelay       extra time a TPM device takes to activate a challenge
     * @param deviations            what it does wrong on purpose
     * @param transport             how it reaches DPS
     */
    public record Behaviour(Duration bootDelay, Duration registrationDeadline, Duration requestTimeout,
                            int maxActivationAttempts, Duration activationDelay, Set<Deviation> deviations,
                            Transport transport) {
        public Behaviour {
            deviations = deviations.isEmpty() ? Set.of() : Set.copyOf(deviations);
        }

        public static Behaviour conforming() {
            return new Behaviour(Duration.ZERO, Duration.ofSeconds(60), Duration.ofSeconds(10),
                    MAX_ACTIVATION_ATTEMPTS, Duration.ZERO, Set.of(), Transport.HTTPS);
        }

        /** How long the device keeps trying to register (and, once assigned, to reach its hub) before it gives up. */
        public Behaviour withRegistrationDeadline(Duration deadline) {
            return new Behaviour(bootDelay, deadline, requestTimeout, maxActivationAttempts, activationDelay,
                    deviations, transport);
        }

        public Behaviour withTransport(Transport t) {
            return new Behaviour(bootDelay, registrationDeadline, requestTimeout, maxActivationAttempts,
                    activationDelay, deviations, t);
        }

        public Behaviour withBootDelay(Duration delay) {
            return new Behaviour(delay, registrationDeadline, requestTimeout, maxActivationAttempts, activationDelay,
                    deviations, transport);
        }

        public Behaviour withMaxActivationAttempts(int attempts) {
            return new Behaviour(bootDelay, registrationDeadline, requestTimeout, attempts, activationDelay,
                    deviations, transport);
        }

        public Behaviour withActivationDelay(Duration delay) {
            return new Behaviour(bootDelay, registrationDeadline, requestTimeout, maxActivationAttempts, delay,
                    deviations, transport);
        }

        public Behaviour with(Deviation deviation) {
            Set<Deviation> more = new java.util.HashSet<>(deviations);
            more.add(deviation);
            return new Behaviour(bootDelay, registrationDeadline, requestTimeout, maxActivationAttempts,
                    activationDelay, more, transport);
        }

        boolean deviates(Deviation d) {
            return deviations.contains(d);
        }
    }

    /**
     * What the boot tells the device's console as it goes. Each device prints its own lines: the DICE simulator
     * its log lines, the virtual DevKit the firmware's exact status and outcome lines. Called on the boot's thread.
     */
    public interface Progress {
        /** The first registration request is about to go out. */
        void registering();

        /** DPS answered that the assignment is still in progress. */
        void assigning();

        /** DPS assigned the device; the hub connection comes next. */
        void assigned(String hubHost, String deviceId);

        /** The assigned hub accepted the device's MQTT connection. */
        void hubConnected(String hubHost, String deviceId);

        /** The boot ended without a hub connection, before or after the assignment. */
        void failed(String reason);

        /** This progress, then {@code then} after a failure: for a device that prints more when it fails. */
        default Progress afterFailure(Runnable then) {
            Progress self = this;
            return new Progress() {
                @Override
                public void registering() {
                    self.registering();
                }

                @Override
                public void assigning() {
                    self.assigning();
                }

                @Override
                public void assigned(String hubHost, String deviceId) {
                    self.assigned(hubHost, deviceId);
                }

                @Override
                public void hubConnected(String hubHost, String deviceId) {
                    self.hubConnected(hubHost, deviceId);
                }

                @Override
                public void failed(String reason) {
                    self.failed(reason);
                    then.run();
                }
            };
        }

        /** The C SDK sample's log lines, one string per line, as the DICE simulator prints them. */
        static Progress consoleLines(Consumer<String> console) {
            return new Progress() {
                @Override
                public void registering() {
                    console.accept(">>>Provisioning Status: PROV_DEVICE_REG_STATUS_CONNECTED");
                }

                @Override
                public void assigning() {
                    console.accept("Registration status: ASSIGNING");
                }

                @Override
                public void assigned(String hubHost, String deviceId) {
                    console.accept("Registration Information received from service: " + hubHost + "!");
                }

                @Override
                public void hubConnected(String hubHost, String deviceId) {
                    console.accept("IoT Hub connection established: " + hubHost + " as " + deviceId);
                }

                @Override
                public void failed(String reason) {
                    console.accept("Failure encountered on registration!");
                    console.accept("registration failed! " + reason);
                }
            };
        }
    }

    /** Waits that a reset can cut short; returns false when the boot was cancelled. */
    @FunctionalInterface
    public interface Pause {
        boolean pause(Duration d) throws InterruptedException;
    }

    private final DeviceEndpoints endpoints;
    private final TimelineSink timeline;
    private final Progress progress;
    private final DeviceAuth identity;
    private final Behaviour behaviour;
    private final Pause pause;
    private volatile MqttDeviceClient hub;

    public FirstBoot(DeviceEndpoints endpoints, TimelineSink timeline, Progress progress, DeviceAuth identity,
                     Behaviour behaviour, Pause pause) {
        this.endpoints = endpoints;
        this.timeline = timeline;
        this.progress = progress;
        this.identity = identity;
        this.behaviour = behaviour;
        this.pause = pause;
    }

    /** Runs the boot to the device's own verdict. */
    public BootReport run() throws InterruptedException {
        String regId = identity.registrationId();
        timeline.record(Origin.DEVICE, EventKind.BOOT_STARTED, regId);
        if (!pause.pause(behaviour.bootDelay())) {
            return new BootReport.NoVerdict("the boot was cancelled");
        }
        SSLContext tls;
        try {
            tls = identity.tls(endpoints.trustAnchor());
            if (behaviour.deviates(Deviation.ACCEPTS_EXPIRED_CERTIFICATE)) {
                tls = identity.tlsIgnoringExpiry(endpoints.trustAnchor());
            }
        } catch (DeviceAuth.AuthException e) {
            return fail(e.getMessage());
        }
        Optional<DpsHttpsClient.Reply> assigned;
        DpsTransport dps;
        try {
            dps = transport(tls);
        } catch (Failure f) {
            return fail(f.getMessage());
        }
        try {
            assigned = provision(dps);
        } catch (Failure f) {
            return refused(tls, f.getMessage());
        } catch (DeviceAuth.AuthException e) {
            return refused(tls, e.getMessage());
        } finally {
            dps.close();
        }
        if (assigned.isEmpty()) {
            return new BootReport.NoVerdict("the boot was cancelled");
        }
        String hubHost = assigned.get().state("assignedHub");
        String deviceId = assigned.get().state("deviceId");
        progress.assigned(hubHost, deviceId);
        milestone("assigned", Map.of("assignedHub", hubHost, "deviceId", deviceId));
        return connectToHub(tls, hubHost, deviceId);
    }

    private DpsTransport transport(SSLContext tls) throws Failure {
        if (behaviour.transport() == Transport.HTTPS) {
            return new DpsHttpsClient(tls, endpoints.dps(), endpoints.idScope(), behaviour.requestTimeout());
        }
        InetSocketAddress mqtt = endpoints.dpsMqtt().orElseThrow(() -> new Failure("the device is set to register over "
                + "MQTT, but this rig's DPS offers only HTTPS; set transport: https on the device"));
        return new DpsMqttClient(tls, endpoints.dps().getHost(), mqtt, endpoints.idScope(),
                behaviour.requestTimeout());
    }

    /** Where the device reaches DPS, for failure reasons. */
    private String dpsWhere() {
        return behaviour.transport() == Transport.HTTPS ? endpoints.dps().toString()
                : "mqtts://" + endpoints.dps().getHost() + endpoints.dpsMqtt().map(a -> ":" + a.getPort()).orElse("");
    }

    private Optional<DpsHttpsClient.Reply> provision(DpsTransport dps)
            throws InterruptedException, Failure, DeviceAuth.AuthException {
        String regId = identity.registrationId();
        long end = System.nanoTime() + behaviour.registrationDeadline().toNanos();
        progress.registering();
        milestone("registering", Map.of("transport", dps.name()));
        String operationId = "";
        int activations = 0;
        int failures = 0;
        Duration wait = Duration.ZERO;
        String last = "";
        boolean first = true;
        while (true) {
            if (!first) {
                if (behaviour.deviates(Deviation.IGNORES_RETRY_AFTER)) {
                    wait = Duration.ZERO;
                }
                long left = end - System.nanoTime();
                if (wait.toNanos() > left && !behaviour.deviates(Deviation.RETRIES_FOREVER)) {
                    // The next attempt would come after the device's own deadline: it waits it out, then gives up.
                    if (!pause.pause(Duration.ofNanos(Math.max(0, left)))) {
                        return Optional.empty();
                    }
                    throw new Failure("no assignment within " + behaviour.registrationDeadline().toSeconds()
                            + " s; " + last);
                }
                if (!pause.pause(wait)) {
                    return Optional.empty();
                }
            }
            first = false;
            DpsHttpsClient.Reply reply;
            try {
                reply = operationId.isEmpty() ? register(dps)
                        : dps.operationStatus(regId, operationId, identity.dpsAuthorization(endpoints.idScope()));
            } catch (IOException e) {
                failures++;
                last = "the last attempt could not reach DPS at " + dpsWhere() + ": " + e.getMessage();
                milestone("dps-unreachable", Map.of("reason", String.valueOf(e.getMessage()),
                        "attempt", Integer.toString(failures)));
                wait = failureWait(failures, java.util.OptionalInt.empty());
                continue;
            }
            int code = reply.httpStatus();
            if (code == 401 && identity.answersChallenges() && !reply.text("authenticationKey").isEmpty()) {
                // The TPM challenge (dps.md §1.8): activate the blob, then register again with a SAS.
                milestone("challenged", Map.of());
                activations++;
                if (!pause.pause(behaviour.activationDelay())) {
                    return Optional.empty();
                }
                try {
                    identity.answerChallenge(java.util.Base64.getDecoder().decode(reply.text("authenticationKey")));
                } catch (DeviceAuth.AuthException | IllegalArgumentException e) {
                    milestone("activation-failed", Map.of("reason", String.valueOf(e.getMessage())));
                    if (activations >= behaviour.maxActivationAttempts()) {
                        throw new Failure("TPM activation of DPS's challenge failed " + activations + " times: "
                                + e.getMessage());
                    }
                    operationId = "";
                    wait = Duration.ZERO;
                    continue;
                }
                milestone("activated", Map.of());
                operationId = "";
                wait = Duration.ZERO;
                continue;
            }
            last = "DPS last answered " + reply.describe();
            if (code >= 429) {
                // transient (dps.md §1.5): wait as retry-after says, backing off while failures repeat
                failures++;
                wait = failureWait(failures, reply.retryAfterSeconds());
                milestone("dps-transient", Map.of("status", Integer.toString(code),
                        "waitMs", Long.toString(wait.toMillis())));
                continue;
            }
            if (code >= 300) {
                throw new Failure("DPS refused the registration: " + reply.describe());
            }
            failures = 0;
            String status = reply.text("status");
            if (!reply.text("operationId").isEmpty()) {
                operationId = reply.text("operationId");
            }
            switch (status) {
                case "assigned" -> {
                    if (reply.state("assignedHub").isEmpty() || reply.state("deviceId").isEmpty()) {
                        throw new Failure("DPS said assigned without registrationState.assignedHub and deviceId");
                    }
                    String hubKey = reply.body().path("registrationState").path("tpm").path("authenticationKey").asText("");
                    identity.assigned(hubKey.isEmpty() ? Optional.empty()
                            : Optional.of(java.util.Base64.getDecoder().decode(hubKey)));
                    return Optional.of(reply);
                }
                case "assigning", "unassigned" -> progress.assigning();
                case "disabled" -> throw new Failure("The device has been disabled by DPS service (status disabled)");
                case "failed" -> throw new Failure("DPS reported status failed: errorCode "
                        + reply.state("errorCode") + ", " + reply.state("errorMessage"));
                default -> throw new Failure("DPS answered an unknown status \"" + status + "\"");
            }
            if (operationId.isEmpty()) {
                throw new Failure("DPS answered " + status + " without an operationId to poll");
            }
            wait = Duration.ofSeconds(clamp(reply.retryAfterSeconds().orElse(DEFAULT_RETRY_AFTER)));
        }
    }

    /**
     * The wait after the {@code failures}-th failure in a row: retry-after when the service gave one (clamped as the
     * C SDK clamps it), and never less than an exponential backoff of 1, 2, 4 … s up to {@link #MAX_BACKOFF}.
     */
    private Duration failureWait(int failures, java.util.OptionalInt retryAfter) {
        Duration backoff = behaviour.deviates(Deviation.NO_BACKOFF) ? NO_BACKOFF_WAIT
                : Duration.ofSeconds(Math.min(MAX_BACKOFF.toSeconds(), 1L << Math.min(failures - 1, 5)));
        if (retryAfter.isEmpty()) {
            return backoff;
        }
        Duration asked = Duration.ofSeconds(clamp(retryAfter.getAsInt()));
        return asked.compareTo(backoff) >= 0 ? asked : backoff;
    }

    private DpsHttpsClient.Reply register(DpsTransport dps)
            throws IOException, InterruptedException, DeviceAuth.AuthException {
        return dps.register(identity.registrationId(), identity.tpmKeys(), identity.dpsAuthorization(endpoints.idScope()));
    }

    /**
     * Connects to the assigned hub and sends the first telemetry message. A hub that is unreachable or answers
     * CONNACK 3 (server unavailable) is tried again, backing off, until the device's budget is spent.
     */
    private BootReport connectToHub(SSLContext tls, String hubHost, String deviceId) throws InterruptedException {
        long end = System.nanoTime() + behaviour.registrationDeadline().toNanos();
        int failures = 0;
        while (true) {
            String problem;
            try {
                Optional<BootReport> done = tryHub(tls, hubHost, deviceId);
                if (done.isPresent()) {
                    return done.get();
                }
                problem = "the hub " + hubHost + " answered CONNACK return code 3 (server unavailable)";
            } catch (IOException e) {
                problem = "hub connection to " + hubHost + " failed: " + e.getMessage();
            }
            failures++;
            Duration wait = failureWait(failures, java.util.OptionalInt.empty());
            milestone("hub-retry", Map.of("hub", hubHost, "reason", problem, "waitMs", Long.toString(wait.toMillis())));
            if (wait.toNanos() > end - System.nanoTime() && !behaviour.deviates(Deviation.RETRIES_FOREVER)) {
                return fail("gave up on the hub after " + behaviour.registrationDeadline().toSeconds() + " s; "
                        + problem);
            }
            if (!pause.pause(wait)) {
                return new BootReport.NoVerdict("the boot was cancelled");
            }
        }
    }

    /** One hub connection attempt: a report when it ended the boot, empty when the hub was unavailable. */
    private Optional<BootReport> tryHub(SSLContext tls, String hubHost, String deviceId) throws IOException {
        // A rig maps its emulated hubs to loopback ports; any other hub is reached as a device would: DNS, port 8883.
        Optional<InetSocketAddress> address = endpoints.resolveHub(hubHost)
                .or(() -> Optional.of(InetSocketAddress.createUnresolved(hubHost, HUB_MQTT_PORT)));
        MqttDeviceClient client = MqttDeviceClient.open(tls, hubHost, address.get(), behaviour.requestTimeout());
        hub = client;
        String username = hubHost + "/" + deviceId + "/?api-version=" + HUB_API_VERSION
                + "&DeviceClientType=firstboot-dice-simulator";
        Optional<String> password;
        try {
            password = identity.hubPassword(hubHost, deviceId);
        } catch (DeviceAuth.AuthException e) {
            return Optional.of(fail(e.getMessage()));
        }
        int code = client.connect(deviceId, username, password, 240, behaviour.requestTimeout());
        if (code == 3) {
            client.close();
            return Optional.empty();
        }
        if (code != 0) {
            return Optional.of(fail("the hub " + hubHost + " refused the connection with CONNACK return code " + code));
        }
        milestone("hub-connected", Map.of("hub", hubHost, "deviceId", deviceId));
        progress.hubConnected(hubHost, deviceId);
        if (!behaviour.deviates(Deviation.NO_TELEMETRY)) {
            client.publishAtLeastOnce("devices/" + deviceId + "/messages/events/", firstTelemetry(deviceId),
                    behaviour.requestTimeout());
            milestone("telemetry-acknowledged", Map.of("hub", hubHost));
        }
        return Optional.of(new BootReport.Connected(hubHost, deviceId));
    }

    /** DPS refused the device; a conforming device stops there, a defective one tries a hub anyway. */
    private BootReport refused(SSLContext tls, String reason) {
        BootReport failed = fail(reason);
        if (behaviour.deviates(Deviation.HUB_AFTER_REFUSAL) && !endpoints.hubAddresses().isEmpty()) {
            try {
                tryHub(tls, endpoints.hubAddresses().keySet().iterator().next(), identity.registrationId());
            } catch (IOException e) {
                // the defect is the attempt; whether it got through does not matter
            }
        }
        return failed;
    }

    /** The first telemetry message, {@code {"deviceId": …, "messageId": 1, "firstBoot": true}}, as UTF-8 JSON. */
    static byte[] firstTelemetry(String deviceId) {
        try {
            return JSON.writeValueAsBytes(JSON.createObjectNode().put("deviceId", deviceId).put("messageId", 1)
                    .put("firstBoot", true));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the first telemetry message could not be written as JSON", e);
        }
    }

    private static int clamp(int seconds) {
        return seconds < 1 || seconds > MAX_RETRY_AFTER ? DEFAULT_RETRY_AFTER : seconds;
    }

    private BootReport fail(String reason) {
        progress.failed(reason);
        milestone("failed", Map.of("reason", reason));
        return new BootReport.Failed(reason);
    }

    private void milestone(String name, Map<String, String> details) {
        Map<String, String> attrs = new java.util.LinkedHashMap<>(details);
        attrs.put("milestone", name);
        timeline.record(Origin.DEVICE, EventKind.DEVICE_MILESTONE, identity.registrationId(), attrs);
    }

    /** Drops the hub connection, as a reset or power-off does. */
    @Override
    public void close() {
        MqttDeviceClient c = hub;
        if (c != null) {
            c.close();
        }
    }

    private static final class Failure extends Exception {
        Failure(String message) {
            super(message);
        }
    }
}
