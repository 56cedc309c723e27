package dev.firstboot.service.containers;

import dev.firstboot.pki.TestPki;
import dev.firstboot.rig.Backend;
import dev.firstboot.service.StackBackend;
import dev.firstboot.rig.DeviceEndpoints;
import dev.firstboot.service.EmulatorStack;
import dev.firstboot.service.hub.IotHubEmulator;
import dev.firstboot.timeline.TimelineSink;
import io.netty.channel.EventLoopGroup;

import javax.net.ssl.SSLContext;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The DPS and hub emulators as {@code firstboot rig-emulator} runs them in a container, as a {@link Backend} the
 * control API serves: the same {@link EmulatorStack} as {@code firstboot emulator}, bound to a given address on fixed
 * ports (so the image can publish them), with a fresh CA per start.
 */
final class ContainerStack extends StackBackend {
    private ContainerStack(RigEmulator.Settings settings, EmulatorStack stack) {
        super(stack, settings.retryAfterSeconds());
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
}
