package dev.firstboot.service.containers;

import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import dev.firstboot.rig.Backend;
import dev.firstboot.rig.DeviceEndpoints;
import dev.firstboot.service.dps.DpsHttpsServer;
import dev.firstboot.service.dps.DpsMqttServer;
import dev.firstboot.service.dps.DpsService;
import dev.firstboot.service.hub.IotHubEmulator;
import dev.firstboot.timeline.TimelineSink;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import javax.net.ssl.SSLContext;
import java.io.IOException;
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
import java.util.concurrent.TimeUnit;

/**
 * The DPS and hub emulators as {@code firstboot rig-emulator} runs them in a container: bound to a given address on
 * fixed ports (so the image can publish them), with the same per-run CA and behaviour as the embedded backend.
 */
final class ContainerStack implements Backend {
    private static final Duration SHUTDOWN_DEADLINE = Duration.ofSeconds(5);

    private final RigEmulator.Settings settings;
    private final TestPki pki;
    private final SSLContext tls;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final DpsService dps;
    private final Map<String, IotHubEmulator> hubs;
    private final DpsHttpsServer dpsServer;
    private final DpsMqttServer dpsMqttServer;
    private boolean closed;

    private ContainerStack(RigEmulator.Settings settings, TestPki pki, SSLContext tls, EventLoopGroup boss,
                           EventLoopGroup workers, DpsService dps, Map<String, IotHubEmulator> hubs,
                           DpsHttpsServer dpsServer, DpsMqttServer dpsMqttServer) {
        this.settings = settings;
        this.pki = pki;
        this.tls = tls;
        this.boss = boss;
        this.workers = workers;
        this.dps = dps;
        this.hubs = hubs;
        this.dpsServer = dpsServer;
        this.dpsMqttServer = dpsMqttServer;
    }

    static ContainerStack start(RigEmulator.Settings settings, TimelineSink timeline) throws IOException {
        TestPki pki = TestPki.create();
        List<String> names = new ArrayList<>();
        names.add("localhost");
        settings.hubPorts().keySet().forEach(h -> names.add(IotHubEmulator.hostFor(h)));
        KeyMaterial serverKey = pki.issueServer(names, List.of("127.0.0.1"));
        SSLContext tls = pki.serverContext(serverKey);
        String[] protocols = TestPki.serverProtocols();
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1,
                new DefaultThreadFactory("firstboot-emulator-accept", true), NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2,
                new DefaultThreadFactory("firstboot-emulator-io", true), NioIoHandler.newFactory());
        Map<String, IotHubEmulator> hubs = new LinkedHashMap<>();
        DpsHttpsServer dpsServer = null;
        DpsMqttServer dpsMqttServer = null;
        try {
            for (Map.Entry<String, Integer> hub : settings.hubPorts().entrySet()) {
                hubs.put(hub.getKey(), IotHubEmulator.start(hub.getKey(), tls, protocols,
                        bind(settings, hub.getValue(), "hub " + hub.getKey()), boss, workers, timeline));
            }
            DpsService dps = new DpsService(settings.idScope(), settings.retryAfterSeconds(), (hub, deviceId, credential) -> {
                IotHubEmulator h = hubs.get(hub);
                h.register(deviceId, credential);
                return h.host();
            }, timeline);
            dpsServer = DpsHttpsServer.start(dps, tls, protocols, bind(settings, settings.dpsHttpsPort(), "DPS HTTPS"),
                    boss, workers, timeline);
            dpsMqttServer = DpsMqttServer.start(dps, tls, protocols, bind(settings, settings.dpsMqttPort(), "DPS MQTT"),
                    boss, workers, timeline);
            return new ContainerStack(settings, pki, tls, boss, workers, dps, Map.copyOf(hubs), dpsServer, dpsMqttServer);
        } catch (IOException | RuntimeException e) {
            hubs.values().forEach(IotHubEmulator::close);
            if (dpsServer != null) {
                dpsServer.close();
            }
            if (dpsMqttServer != null) {
                dpsMqttServer.close();
            }
            shutdown(boss, workers);
            throw e;
        }
    }

    private static InetSocketAddress bind(RigEmulator.Settings settings, int port, String what) {
        return new InetSocketAddress(settings.bind(), port);
    }

    SSLContext serverTls() {
        return tls;
    }

    EventLoopGroup boss() {
        return boss;
    }

    EventLoopGroup workers() {
        return workers;
    }

    TestPki pki() {
        return pki;
    }

    int dpsHttpsPort() {
        return dpsServer.address().getPort();
    }

    int dpsMqttPort() {
        return dpsMqttServer.address().getPort();
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
        return new DeviceEndpoints(URI.create("https://localhost:" + dpsHttpsPort()), dps.idScope(), pki.caCertificate(),
                addresses, Optional.of(new InetSocketAddress("127.0.0.1", dpsMqttPort())));
    }

    @Override
    public void resetForScenario() {
        dps.reset();
        dpsMqttServer.closeConnections();
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
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        dpsServer.close();
        dpsMqttServer.close();
        hubs.values().forEach(IotHubEmulator::close);
        shutdown(boss, workers);
    }

    private static void shutdown(EventLoopGroup boss, EventLoopGroup workers) {
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        boss.terminationFuture().awaitUninterruptibly(SHUTDOWN_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        workers.terminationFuture().awaitUninterruptibly(SHUTDOWN_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }
}
