package dev.firstboot.service.containers;

import dev.firstboot.pki.TestPki;
import dev.firstboot.rig.Backend;
import dev.firstboot.rig.DeviceEndpoints;
import dev.firstboot.service.EmulatorStack;
import dev.firstboot.service.dps.DpsService;
import dev.firstboot.service.hub.IotHubEmulator;
import dev.firstboot.timeline.TimelineSink;
import io.netty.channel.EventLoopGroup;

import javax.net.ssl.SSLContext;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The DPS and hub emulators as {@code firstboot rig-emulator} runs them in a container, as a {@link Backend} the
 * control API serves: the same {@link EmulatorStack} as {@code firstboot emulator}, bound to a given address on fixed
 * ports (so the image can publish them), with a fresh CA per start.
 */
final class ContainerStack implements Backend {
    private final RigEmulator.Settings settings;
    private final EmulatorStack stack;
    private final DpsService dps;
    private final Map<String, IotHubEmulator> hubs;

    private ContainerStack(RigEmulator.Settings settings, EmulatorStack stack) {
        this.settings = settings;
        this.stack = stack;
        this.dps = stack.dps();
        this.hubs = stack.hubs();
    }

    static ContainerStack start(RigEmulator.Settings settings, TimelineSink timeline) throws EmulatorStack.StartFailure {
        List<EmulatorStack.Hub> hubs = new ArrayList<>();
        settings.hubPorts().forEach((name, port) -> hubs.add(new EmulatorStack.Hub(name, IotHubEmulator.hostFor(name), port)));
        EmulatorStack stack = EmulatorStack.start(new EmulatorStack.Settings(settings.idScope(), "localhost",
                settings.bind(), settings.dpsHttpsPort(), settings.dpsMqttPort(), hubs, settings.retryAfterSeconds(), 2),
                TestPki.create(), timeline);
        return new ContainerStack(settings, stack);
    }

    SSLContext serverTls() {
        return stack.serverTls();
    }

    EventLoopGroup boss() {
        return stack.boss();
    }

    EventLoopGroup workers() {
        return stack.workers();
    }

    TestPki pki() {
        return stack.pki();
    }

    int dpsHttpsPort() {
        return stack.dpsHttpsAddress().getPort();
    }

    int dpsMqttPort() {
        return stack.dpsMqttAddress().getPort();
    }

    Map<String, IotHubEmulator> hubs() {
        return hubs;
    }

    @Override
    public String kind() {
        return "rig-emulator";
    }

    @Override
    public DeviceEndpoints deviceEndpoints() {
        Map<String, InetSocketAddress> addresses = new LinkedHashMap<>();
        hubs.values().forEach(h -> addresses.put(h.host(), new InetSocketAddress("127.0.0.1", h.address().getPort())));
        return new DeviceEndpoints(URI.create("https://localhost:" + dpsHttpsPort()), dps.idScope(), pki().caCertificate(),
                addresses, Optional.of(new InetSocketAddress("127.0.0.1", dpsMqttPort())));
    }

    @Override
    public void resetForScenario() {
        dps.reset();
        stack.closeDpsMqttConnections();
        hubs.values().forEach(IotHubEmulator::reset);
        dps.setRetryAfterSeconds(settings.retryAfterSeconds());
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
    public void tamperActivationBlobs(boolean tamper) {
        dps.tamperActivationBlobs(tamper);
    }

    private void requireHub(String hubName) {
        if (!hubs.containsKey(hubName)) {
            throw new IllegalArgumentException("no hub named '" + hubName + "' in this emulator; its hubs are "
                    + String.join(", ", hubs.keySet()));
        }
    }

    @Override
    public Optional<Registration> registration(String registrationId) {
        return dps.registration(registrationId);
    }

    @Override
    public Optional<HubDeviceState> hubDevice(String hubName, String deviceId) {
        IotHubEmulator hub = hubs.get(hubName);
        return hub == null ? Optional.empty() : hub.device(deviceId);
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
    public void close() {
        stack.close();
    }
}
