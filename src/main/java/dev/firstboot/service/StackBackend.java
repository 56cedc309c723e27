package dev.firstboot.service;

import dev.firstboot.rig.Backend;
import dev.firstboot.rig.Faults;
import dev.firstboot.service.dps.DpsService;
import dev.firstboot.service.hub.IotHubEmulator;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A {@link Backend} over one started {@link EmulatorStack}: enrollments, registration records, hub state,
 * retry-after and the per-scenario reset, the same wherever the stack runs (in the harness's JVM, or in a
 * {@code firstboot emulator} behind its /firstboot paths). Subclasses say where devices find it.
 */
public abstract class StackBackend implements Backend {
    protected final EmulatorStack stack;
    protected final DpsService dps;
    protected final Map<String, IotHubEmulator> hubs;
    private final int retryAfterSeconds;

    protected StackBackend(EmulatorStack stack, int retryAfterSeconds) {
        this.stack = stack;
        this.dps = stack.dps();
        this.hubs = stack.hubs();
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Clears injected faults, enrollments, registrations and hub registries, and drops every device connection. */
    @Override
    public void resetForScenario() {
        stack.faults().clear();
        dps.reset();
        stack.closeDpsMqttConnections();
        hubs.values().forEach(IotHubEmulator::reset);
        dps.setRetryAfterSeconds(retryAfterSeconds);
    }

    @Override
    public Set<String> hubNames() {
        return new LinkedHashSet<>(hubs.keySet());
    }

    @Override
    public void enrollX509Individual(String registrationId, byte[] leafCertificateDer, Optional<String> deviceId,
                                     String hubName, boolean enabled) {
        requireHub(hubName);
        dps.enrollX509Individual(registrationId, leafCertificateDer, deviceId, hubName, enabled);
    }

    @Override
    public void enrollTpmIndividual(String registrationId, byte[] endorsementKey, Optional<String> deviceId,
                                    String hubName, boolean enabled) {
        requireHub(hubName);
        dps.enrollTpmIndividual(registrationId, endorsementKey, deviceId, hubName, enabled);
    }

    @Override
    public void enrollSymmetricKeyIndividual(String registrationId, byte[] primaryKey, Optional<String> deviceId,
                                             String hubName, boolean enabled) {
        requireHub(hubName);
        dps.enrollSymmetricKeyIndividual(registrationId, primaryKey, deviceId, hubName, enabled);
    }

    @Override
    public void enrollSymmetricKeyGroup(String groupId, byte[] groupKey, String hubName, boolean enabled) {
        requireHub(hubName);
        dps.enrollSymmetricKeyGroup(groupId, groupKey, hubName, enabled);
    }

    @Override
    public void enrollX509Group(String groupId, byte[] caCertificateDer, String hubName, boolean enabled) {
        requireHub(hubName);
        dps.enrollX509Group(groupId, caCertificateDer, hubName, enabled);
    }

    @Override
    public void tamperActivationBlobs(boolean tamper) {
        dps.tamperActivationBlobs(tamper);
    }

    private void requireHub(String hubName) {
        if (!hubs.containsKey(hubName)) {
            throw new IllegalArgumentException("no hub named '" + hubName + "' in this " + kind()
                    + " backend; its hubs are " + String.join(", ", hubs.keySet()));
        }
    }

    @Override
    public Optional<Registration> registration(String registrationId) {
        return dps.registration(registrationId);
    }

    @Override
    public Optional<HubDeviceState> hubDevice(String hubName, String deviceId) {
        return Optional.ofNullable(hubs.get(hubName)).flatMap(hub -> hub.device(deviceId));
    }

    @Override
    public Optional<RegistrationState> registrationState(String registrationId) {
        return dps.registrationState(registrationId);
    }

    @Override
    public Optional<HubRegistryDevice> hubRegistryDevice(String hubName, String deviceId) {
        return Optional.ofNullable(hubs.get(hubName)).flatMap(hub -> hub.registryDevice(deviceId));
    }

    @Override
    public Optional<String> hubHost(String hubName) {
        return Optional.ofNullable(hubs.get(hubName)).map(IotHubEmulator::host);
    }

    @Override
    public Optional<String> hubNameForHost(String hostName) {
        return hubs.values().stream().filter(h -> h.host().equalsIgnoreCase(hostName)).map(IotHubEmulator::name)
                .findFirst();
    }

    @Override
    public void setRetryAfter(Duration retryAfter) {
        if (retryAfter.isNegative() || retryAfter.toMillis() % 1000 != 0
                || retryAfter.toSeconds() > DpsService.MAX_RETRY_AFTER_SECONDS) {
            throw new IllegalArgumentException("retry-after is whole seconds from 0 to "
                    + DpsService.MAX_RETRY_AFTER_SECONDS + ", got " + retryAfter.toMillis() + " ms");
        }
        dps.setRetryAfterSeconds((int) retryAfter.toSeconds());
    }

    @Override
    public Duration retryAfter() {
        return Duration.ofSeconds(dps.retryAfterSeconds());
    }

    @Override
    public Optional<Faults> faults() {
        return Optional.of(stack.faults());
    }

    @Override
    public void close() {
        stack.close();
    }
}
