package dev.firstboot.bench;

import com.fasterxml.jackson.databind.ObjectMapper;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;

/** Opens a fresh TLS connection the way a device does: TCP connect, SNI and host-name check, full handshake. */
final class Wire {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Wire() {
    }

    /** The register request's body, {@code {"registrationId": …}}, the same over HTTPS and MQTT. */
    static byte[] registerBody(String registrationId) {
        try {
            return JSON.writeValueAsBytes(JSON.createObjectNode().put("registrationId", registrationId));
        } catch (IOException e) {
            throw new IllegalStateException("a register body could not be written as JSON", e);
        }
    }

    static SSLSocket open(BenchDevice device, String hostName, InetSocketAddress address, Duration timeout)
            throws IOException {
        Socket plain = new Socket();
        try {
            plain.setTcpNoDelay(true);
            plain.connect(address, (int) timeout.toMillis());
            plain.setSoTimeout((int) timeout.toMillis());
            SSLSocket s = (SSLSocket) device.tls().createSocket(plain, hostName, address.getPort(), true);
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            p.setServerNames(List.of(new SNIHostName(hostName)));
            s.setSSLParameters(p);
            s.startHandshake();
            return s;
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }
}
