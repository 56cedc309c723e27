package dev.firstboot.rig;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The provisioning service a rig's device talks to, as steps see it. */
public interface Backend extends AutoCloseable {
    /**
     * The capability of a backend that records wire evidence on the rig's timeline: each request and response, the
     * chain a device presented, TLS handshakes, hub connects and publishes. Only emulators can; a scenario whose
     * judges read that evidence carries {@code @wire}. Service observations ({@link #registrationState},
     * {@link #hubRegistryDevice}) are what every backend offers.
     */
    String WIRE = "wire";

    String kind();

    DeviceEndpoints deviceEndpoints();

    /** Forgets enrollments, registrations and hub registries, so each scenario starts clean. */
    void resetForScenario();

    Set<String> hubNames();

    void enrollX509Individual(String registrationId, byte[] leafCertificateDer, Optional<String> deviceId, String hubName,
                              boolean enabled);

    /** An individual TPM enrollment, keyed by the endorsement key (a marshalled TPM2B_PUBLIC). */
    void enrollTpmIndividual(String registrationId, byte[] endorsementKey, Optional<String> deviceId, String hubName,
                             boolean enabled);

    /** An individual symmetric-key enrollment: the device signs its SAS tokens with {@code primaryKey} (16 to 64 bytes). */
    void enrollSymmetricKeyIndividual(String registrationId, byte[] primaryKey, Optional<String> deviceId, String hubName,
                                      boolean enabled);

    /**
     * A symmetric-key enrollment group: a registration id with no individual enrollment joins it by signing with the
     * key derived from {@code groupKey} and its registration id, and becomes a device of that id.
     */
    void enrollSymmetricKeyGroup(String groupId, byte[] groupKey, String hubName, boolean enabled);

    /**
     * An X.509 enrollment group on a root or intermediate CA certificate: a device with no individual enrollment whose
     * presented chain leads to it joins the group, with its leaf CN as registration and device id.
     */
    default void enrollX509Group(String groupId, byte[] caCertificateDer, String hubName, boolean enabled) {
        throw new UnsupportedOperationException("the " + kind() + " backend cannot enroll X.509 groups; use the"
                + " embedded backend");
    }

    /** Fault: DPS corrupts the activation blobs it sends TPM devices (this scenario only). */
    void tamperActivationBlobs(boolean tamper);

    Optional<Registration> registration(String registrationId);

    Optional<HubDeviceState> hubDevice(String hubName, String deviceId);

    /**
     * The registration state as any DPS's service API gives it (DeviceRegistrationState): a service observation, not
     * wire evidence. Empty when DPS keeps no state for the registration id (never registered, or refused before it
     * attested). Backends with a service API read it there; the default derives what it can from {@link #registration}.
     */
    default Optional<RegistrationState> registrationState(String registrationId) {
        return registration(registrationId).map(r -> new RegistrationState(r.registrationId(), r.status(),
                r.assignedHubHost(), r.deviceId(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty()));
    }

    /**
     * A device in a hub's registry, as any IoT Hub's registry API gives it: a service observation. Empty when the hub
     * has no such device. The default derives it from {@link #hubDevice}.
     */
    default Optional<HubRegistryDevice> hubRegistryDevice(String hubName, String deviceId) {
        return hubDevice(hubName, deviceId).map(d -> new HubRegistryDevice(d.deviceId(),
                d.connected() ? HubRegistryDevice.CONNECTED : HubRegistryDevice.DISCONNECTED, Optional.empty(),
                Optional.empty(), d.connectCount() > 0));
    }

    /** The host name DPS gives devices for a hub named in a feature. */
    Optional<String> hubHost(String hubName);

    /** The hub name (as features say it) for an assigned hub host name. */
    Optional<String> hubNameForHost(String hostName);

    void setRetryAfter(Duration retryAfter);

    /** The faults this backend can inject, when it can; empty for a backend that cannot (a real DPS). */
    default Optional<Faults> faults() {
        return Optional.empty();
    }

    Duration retryAfter();

    @Override
    void close();

    /** A DPS registration record, as the service keeps it. */
    record Registration(String registrationId, String status, Optional<String> assignedHubHost, Optional<String> deviceId,
                        List<List<byte[]>> presentedChains) {
        public Registration {
            presentedChains = List.copyOf(presentedChains);
        }
    }

    /**
     * A registration's state through the service API: status (unassigned, assigning, assigned, failed, disabled), the
     * assigned hub's host name and device id, the substatus of an assignment, the error of a failure, and when DPS made
     * and last changed it.
     */
    record RegistrationState(String registrationId, String status, Optional<String> assignedHub,
                             Optional<String> deviceId, Optional<String> substatus, Optional<Integer> errorCode,
                             Optional<String> errorMessage, Optional<Instant> createdAt,
                             Optional<Instant> lastUpdatedAt) {
        /** The statuses after which a registration changes no more until the device registers again. */
        public static final java.util.Set<String> FINAL = java.util.Set.of("assigned", "failed", "disabled");

        public boolean ended() {
            return FINAL.contains(status);
        }

        /** One line for a failure message: status, hub, device id, error. */
        public String describe() {
            StringBuilder out = new StringBuilder("status ").append(status);
            assignedHub.ifPresent(h -> out.append(", assigned hub ").append(h));
            deviceId.ifPresent(d -> out.append(", device id ").append(d));
            substatus.ifPresent(s -> out.append(", substatus ").append(s));
            errorCode.ifPresent(c -> out.append(", errorCode ").append(c));
            errorMessage.filter(m -> !m.isEmpty()).ifPresent(m -> out.append(" \"").append(m).append('"'));
            return out.toString();
        }
    }

    /**
     * A device in a hub's registry: its connection state ({@value #CONNECTED} or {@value #DISCONNECTED}), when that
     * last changed, the time of its last activity, and whether it has connected since it was created.
     */
    record HubRegistryDevice(String deviceId, String connectionState, Optional<Instant> connectionStateUpdatedTime,
                             Optional<Instant> lastActivityTime, boolean everConnected) {
        public static final String CONNECTED = "Connected";
        public static final String DISCONNECTED = "Disconnected";
    }

    /** What a hub knows about one device. */
    record HubDeviceState(String deviceId, boolean connected, int connectCount, int telemetryCount) {
    }
}
