package dev.firstboot.rig;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The provisioning service a rig's device talks to, as steps see it. */
public interface Backend extends AutoCloseable {
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

    /** What a hub knows about one device. */
    record HubDeviceState(String deviceId, boolean connected, int connectCount, int telemetryCount) {
    }
}
