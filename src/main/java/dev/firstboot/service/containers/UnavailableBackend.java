package dev.firstboot.service.containers;

import dev.firstboot.pki.TestPki;
import dev.firstboot.rig.Backend;
import dev.firstboot.rig.DeviceEndpoints;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Stands in for the container backend when containers cannot run here: the rig still starts, every scenario that
 * needs it is reported not applicable with the reason, and anything that reaches it anyway fails with that reason.
 */
final class UnavailableBackend implements Backend {
    private final List<String> hubs;
    private final String reason;
    private final DeviceEndpoints endpoints;

    UnavailableBackend(List<String> hubs, String reason) {
        this.hubs = List.copyOf(hubs);
        this.reason = reason;
        // Nothing listens here: devices are given endpoints but no scenario that would use them runs.
        this.endpoints = new DeviceEndpoints(URI.create("https://localhost:1"), "0ne00000000",
                TestPki.selfSigned("firstboot containers unavailable").leaf(), Map.of());
    }

    private IllegalStateException unavailable() {
        return new IllegalStateException("the containers backend is unavailable: " + reason);
    }

    @Override
    public String kind() {
        return "containers";
    }

    @Override
    public DeviceEndpoints deviceEndpoints() {
        return endpoints;
    }

    @Override
    public void resetForScenario() {
    }

    @Override
    public Set<String> hubNames() {
        return new LinkedHashSet<>(hubs);
    }

    @Override
    public void enrollX509Individual(String r, byte[] c, Optional<String> d, String h, boolean e) {
        throw unavailable();
    }

    @Override
    public void enrollTpmIndividual(String r, byte[] k, Optional<String> d, String h, boolean e) {
        throw unavailable();
    }

    @Override
    public void enrollSymmetricKeyIndividual(String r, byte[] k, Optional<String> d, String h, boolean e) {
        throw unavailable();
    }

    @Override
    public void enrollSymmetricKeyGroup(String g, byte[] k, String h, boolean e) {
        throw unavailable();
    }

    @Override
    public void tamperActivationBlobs(boolean tamper) {
        throw unavailable();
    }

    @Override
    public Optional<Registration> registration(String registrationId) {
        return Optional.empty();
    }

    @Override
    public Optional<HubDeviceState> hubDevice(String hubName, String deviceId) {
        return Optional.empty();
    }

    @Override
    public Optional<String> hubHost(String hubName) {
        return Optional.empty();
    }

    @Override
    public Optional<String> hubNameForHost(String hostName) {
        return Optional.empty();
    }

    @Override
    public void setRetryAfter(Duration retryAfter) {
        throw unavailable();
    }

    @Override
    public Duration retryAfter() {
        return Duration.ofSeconds(1);
    }

    @Override
    public void close() {
    }
}
