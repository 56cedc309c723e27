package dev.firstboot.service;

import dev.firstboot.rig.Backend;
import dev.firstboot.rig.DeviceEndpoints;
import dev.firstboot.rig.RigContext;
import dev.firstboot.rig.RigException;
import dev.firstboot.rig.RigFiles;
import dev.firstboot.rig.RigSpec;
import dev.firstboot.secret.Redactor;
import dev.firstboot.timeline.TimelineSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The embedded backend with a loopback address for DPS and each hub: hubs are assigned by their IP literal, share
 * one port, and with stock ports listen on 443 and 8883 as stock SDKs dial them. (The test command runs as root;
 * the stock case binds below 1024.)
 */
class LoopbackLayoutTest {
    @TempDir
    Path dir;

    private Backend start(String fields) throws Exception {
        Path f = dir.resolve("r.yaml");
        Files.writeString(f, "name: r\nbackend:\n  kind: embedded\n  hubs: [hub-a, hub-b]\n" + fields
                + "device:\n  kind: symmetric-key-simulator\n");
        RigSpec spec = RigFiles.read(f);
        return spec.backend().start(new RigContext("r", TimelineSink.NONE, new Redactor(), dir, null));
    }

    @Test
    void perPartGivesDpsAndEachHubAnAddressOfItsOwnAndOneHubPort() throws Exception {
        try (Backend backend = start("  addresses: per-part\n")) {
            DeviceEndpoints e = backend.deviceEndpoints();
            String dpsHost = e.dps().getHost();
            assertThat(dpsHost).matches("127\\.\\d+\\.\\d+\\.\\d+").isNotEqualTo("127.0.0.1");
            assertThat(e.dpsMqtt().orElseThrow().getAddress().getHostAddress()).isEqualTo(dpsHost);
            assertThat(e.hubAddresses()).hasSize(2);
            Set<Integer> ports = e.hubAddresses().values().stream().map(InetSocketAddress::getPort)
                    .collect(Collectors.toSet());
            assertThat(ports).hasSize(1);
            e.hubAddresses().forEach((host, address) -> {
                assertThat(address.getAddress().getHostAddress()).isEqualTo(host).isNotEqualTo(dpsHost);
                assertThat(backend.hubNameForHost(host)).isPresent();
            });
            assertThat(backend.hubHost("hub-a").orElseThrow()).matches("127\\.\\d+\\.\\d+\\.\\d+");
        }
    }

    @Test
    void stockPortsAre443And8883AndTheServerCertificateNamesEveryAddress() throws Exception {
        try (Backend backend = start("  ports: stock\n")) {
            DeviceEndpoints e = backend.deviceEndpoints();
            assertThat(e.dps().getPort()).isEqualTo(443);
            assertThat(e.dpsMqtt().orElseThrow().getPort()).isEqualTo(8883);
            assertThat(e.hubAddresses().values()).extracting(InetSocketAddress::getPort).containsOnly(8883);
            for (String host : List.copyOf(e.hubAddresses().keySet())) {
                assertThat(serverIpNames(e.hubAddresses().get(host), e.trustAnchor())).contains(host, e.dps().getHost());
            }
        }
    }

    @Test
    void stockPortsWithASharedAddressAreRefused() throws Exception {
        assertThatThrownBy(() -> start("  ports: stock\n  addresses: shared\n")).isInstanceOf(RigException.class)
                .hasMessageContaining("r.yaml:6:").hasMessageContaining("fixed ports imply per-part");
    }

    @Test
    void aPortBlockFixesSomePortsAndLeavesTheOthersEphemeral() throws Exception {
        try (Backend backend = start("  ports:\n    hub-mqtt: 8883\n")) {
            DeviceEndpoints e = backend.deviceEndpoints();
            assertThat(e.dps().getPort()).isNotIn(0, 443, 8883);
            assertThat(e.hubAddresses().values()).extracting(InetSocketAddress::getPort).containsOnly(8883);
        }
    }

    /** The IP addresses in the certificate the server at {@code address} presents. */
    private static List<String> serverIpNames(InetSocketAddress address, X509Certificate trust) throws Exception {
        javax.net.ssl.SSLContext tls = dev.firstboot.pki.TestPki.clientContextTrusting(trust, java.util.Optional.empty());
        try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) tls.getSocketFactory().createSocket()) {
            s.connect(address, 5000);
            s.setSoTimeout(5000);
            s.startHandshake();
            X509Certificate leaf = (X509Certificate) s.getSession().getPeerCertificates()[0];
            return leaf.getSubjectAlternativeNames().stream().filter(n -> (Integer) n.get(0) == 7)
                    .map(n -> (String) n.get(1)).toList();
        }
    }
}
