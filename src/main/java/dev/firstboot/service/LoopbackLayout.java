package dev.firstboot.service;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The embedded backend's listeners spread over loopback addresses of their own (127.x.y.z, picked at random for each
 * run, so two runs or another emulator on the machine do not collide): DPS on one, each hub on another, and DPS
 * assigns each hub by its IP literal. Every hub listens on the same port, so a device program needs only one hub
 * port. With stock ports that is DPS HTTPS 443, DPS MQTT 8883 and hub MQTT 8883, as stock SDKs dial them.
 */
final class LoopbackLayout {
    static final int STOCK_HTTPS = 443;
    static final int STOCK_MQTT = 8883;
    private static final Random RANDOM = new SecureRandom();

    private LoopbackLayout() {
    }

    /** The listeners' ports; 0 is an ephemeral one (for the hubs: one ephemeral port they all share). */
    record Ports(int dpsHttps, int dpsMqtt, int hubMqtt) {
        static final Ports EPHEMERAL = new Ports(0, 0, 0);
        static final Ports STOCK = new Ports(STOCK_HTTPS, STOCK_MQTT, STOCK_MQTT);

        boolean privileged() {
            return (dpsHttps > 0 && dpsHttps < 1024) || (dpsMqtt > 0 && dpsMqtt < 1024) || (hubMqtt > 0 && hubMqtt < 1024);
        }
    }

    /** {@code base}'s backend with its listeners spread as described, on fresh addresses. */
    static EmbeddedBackend.Settings spread(EmbeddedBackend.Settings base, Ports ports) throws IOException {
        Set<String> taken = new LinkedHashSet<>();
        String dps = fresh(taken);
        Map<String, EmbeddedBackend.HubBind> hubs = new LinkedHashMap<>();
        int hubPort = ports.hubMqtt() > 0 ? ports.hubMqtt() : -1;
        for (String name : base.hubNames()) {
            String ip = fresh(taken);
            if (hubPort < 0) {
                hubPort = freePort(ip);
            }
            hubs.put(name, new EmbeddedBackend.HubBind(ip, hubPort, ip));
        }
        return new EmbeddedBackend.Settings(base.idScope(), base.retryAfterSeconds(), base.hubNames(), base.seed(),
                base.hubLatencies(), base.limits(), new EmbeddedBackend.Bind(dps, ports.dpsHttps()),
                new EmbeddedBackend.Bind(dps, ports.dpsMqtt()), hubs);
    }

    /** A random loopback address, never 127.0.0.x (where most local servers listen) and not one already taken. */
    private static String fresh(Set<String> taken) {
        while (true) {
            String ip = "127." + (1 + RANDOM.nextInt(254)) + "." + RANDOM.nextInt(256) + "." + (1 + RANDOM.nextInt(254));
            if (taken.add(ip)) {
                return ip;
            }
        }
    }

    /** A port free on {@code ip} right now; the other hubs' addresses are fresh, so it is free there too. */
    private static int freePort(String ip) throws IOException {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(ip, 0));
            return probe.getLocalPort();
        }
    }
}
