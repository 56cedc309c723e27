package dev.firstboot.service.harness;

import dev.firstboot.rig.DeviceEndpoints;
import dev.firstboot.service.EmulatorStack;
import dev.firstboot.service.StackBackend;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The stack of a running {@code firstboot emulator} as the {@link HarnessApi} drives it: the same operations as the
 * embedded rig's, on the emulator's own addresses as it prints them.
 */
public final class ServedBackend extends StackBackend {
    public ServedBackend(EmulatorStack stack) {
        super(stack, stack.settings().retryAfterSeconds());
    }

    @Override
    public String kind() {
        return "emulator";
    }

    @Override
    public DeviceEndpoints deviceEndpoints() {
        EmulatorStack.Settings s = stack.settings();
        Map<String, InetSocketAddress> hubAddresses = new LinkedHashMap<>();
        hubs.values().forEach(h -> hubAddresses.put(h.host(),
                InetSocketAddress.createUnresolved(h.host(), h.address().getPort())));
        return new DeviceEndpoints(URI.create("https://" + s.host() + ":" + stack.dpsHttpsAddress().getPort()),
                s.idScope(), stack.pki().caCertificate(), hubAddresses,
                Optional.of(InetSocketAddress.createUnresolved(s.host(), stack.dpsMqttAddress().getPort())));
    }
}
