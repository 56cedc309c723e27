package dev.firstboot.rig;

import java.net.InetSocketAddress;
import java.net.URI;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a backend tells the devices it serves: where DPS is, the ID scope, the CA to trust, and how hub host
 * names resolve (a per-rig hosts file, since emulated hubs share loopback on different ports).
 *
 * @param dpsMqtt where DPS also speaks MQTT over TLS, when the backend offers it; devices verify the server as
 *                {@code dps().getHost()}, the same name as for HTTPS
 */
public record DeviceEndpoints(URI dps, String idScope, X509Certificate trustAnchor,
                              Map<String, InetSocketAddress> hubAddresses, Optional<InetSocketAddress> dpsMqtt) {
    public DeviceEndpoints {
        hubAddresses = Map.copyOf(hubAddresses);
        Objects.requireNonNull(dpsMqtt, "dpsMqtt");
    }

    /** A backend with DPS over HTTPS only. */
    public DeviceEndpoints(URI dps, String idScope, X509Certificate trustAnchor,
                           Map<String, InetSocketAddress> hubAddresses) {
        this(dps, idScope, trustAnchor, hubAddresses, Optional.empty());
    }

    public Optional<InetSocketAddress> resolveHub(String hostName) {
        return Optional.ofNullable(hubAddresses.get(hostName));
    }
}
