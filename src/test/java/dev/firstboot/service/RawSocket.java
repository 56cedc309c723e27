package dev.firstboot.service;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

/** Sends bytes no real client would, and reports whether the server closed the connection in time. */
final class RawSocket {
    private static final Duration DEADLINE = Duration.ofSeconds(5);

    private RawSocket() {
    }

    /** Writes {@code bytes} on plain TCP and returns true when the server closes (EOF or reset) before the deadline. */
    static boolean plainGarbageIsClosed(InetSocketAddress address, byte[] bytes) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address, (int) DEADLINE.toMillis());
            s.setSoTimeout((int) DEADLINE.toMillis());
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
            return drainsToEnd(s.getInputStream());
        }
    }

    /** Finishes TLS properly, then writes {@code bytes}; true when the server closes before the deadline. */
    static boolean tlsGarbageIsClosed(SSLContext client, String host, InetSocketAddress address, byte[] bytes)
            throws IOException {
        try (Socket tcp = new Socket()) {
            tcp.connect(address, (int) DEADLINE.toMillis());
            tcp.setSoTimeout((int) DEADLINE.toMillis());
            try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket(tcp, host, address.getPort(), true)) {
                s.startHandshake();
                s.getOutputStream().write(bytes);
                s.getOutputStream().flush();
                return drainsToEnd(s.getInputStream());
            }
        }
    }

    private static boolean drainsToEnd(InputStream in) throws IOException {
        byte[] buf = new byte[4096];
        try {
            while (in.read(buf) >= 0) {
                // whatever the server answers before it closes is fine
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
