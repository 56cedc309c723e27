package dev.firstboot.bench;

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
    private Wire() {
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
