package dev.firstboot.rig;

import java.net.InetSocketAddress;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Optional;

/**
 * What a backend tells the devices it serves: where DPS is, the ID scope, the CA to trust, and how hub host
 * names resolve (a per-rig hosts file, since emulated hubs share loopback on different ports).
 */
public record DeviceEndpoints(URI dps, String idScope, X509Certificate trustAnchor, Map<String, InetSocketAddress> hubAddresses) {
    public DeviceEndpoints {
        hubAddresses = Map.copyOf(hubAddresses);
    }

    public Optional<InetSocketAddress> resolveHub(String hostName) {
        return Optional.ofNullable(hubAddresses.get(hostName));
    }
}
