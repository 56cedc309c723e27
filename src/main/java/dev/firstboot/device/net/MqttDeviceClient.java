package dev.firstboot.device.net;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;

/**
 * The few MQTT 3.1.1 packets a device needs for its first hub connection: CONNECT, PUBLISH at QoS 1, DISCONNECT.
 * Blocking, over TLS with the device's client certificate, and every read bounded by the deadline it is given.
 */
public final class MqttDeviceClient implements AutoCloseable {
    private static final int CONNECT = 1;
    private static final int CONNACK = 2;
    private static final int PUBLISH = 3;
    private static final int PUBACK = 4;
    private static final int DISCONNECT = 14;

    private final SSLSocket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private int nextPacketId = 1;

    private MqttDeviceClient(SSLSocket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /**
     * Opens TLS to {@code address}, verifying the server certificate for {@code hostName} (the hub's host name, which
     * the rig resolves to a loopback port).
     */
    public static MqttDeviceClient open(SSLContext tls, String hostName, InetSocketAddress address, Duration timeout)
            throws IOException {
        Socket plain = new Socket();
        try {
            InetSocketAddress target = address.isUnresolved()
                    ? new InetSocketAddress(address.getHostString(), address.getPort()) : address;
            if (target.isUnresolved()) {
                throw new java.net.UnknownHostException("cannot resolve the hub's host name " + address.getHostString());
            }
            plain.connect(target, (int) timeout.toMillis());
            plain.setSoTimeout((int) timeout.toMillis());
            SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(plain, hostName, address.getPort(), true);
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            p.setServerNames(List.of(new SNIHostName(hostName)));
            s.setSSLParameters(p);
            s.startHandshake();
            return new MqttDeviceClient(s);
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
    }

    /** Sends CONNECT (clean session, no password: the certificate is the credential) and returns the CONNACK code. */
    public int connect(String clientId, String username, int keepAliveSeconds, Duration timeout) throws IOException {
        return connect(clientId, username, java.util.Optional.empty(), keepAliveSeconds, timeout);
    }

    /** Sends CONNECT with a password (a SAS token for key-based devices) and returns the CONNACK code. */
    public int connect(String clientId, String username, java.util.Optional<String> password, int keepAliveSeconds,
                       Duration timeout) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        MqttWire.writeString(body, "MQTT");
        body.write(4);                 // protocol level 3.1.1
        body.write(0x80 | (password.isPresent() ? 0x40 : 0) | 0x02);  // username, [password,] clean session
        body.write(keepAliveSeconds >> 8);
        body.write(keepAliveSeconds & 0xff);
        MqttWire.writeString(body, clientId);
        MqttWire.writeString(body, username);
        if (password.isPresent()) {
            MqttWire.writeString(body, password.get());
        }
        send(CONNECT << 4, body.toByteArray());
        byte[] ack = expect(CONNACK, timeout);
        if (ack.length != 2) {
            throw new IOException("the hub sent a CONNACK of " + ack.length + " bytes; MQTT 3.1.1 says 2");
        }
        return ack[1] & 0xff;
    }

    /** Publishes at QoS 1 and waits for the matching PUBACK. */
    public void publishAtLeastOnce(String topic, byte[] payload, Duration timeout) throws IOException {
        int id = nextPacketId++;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        MqttWire.writeString(body, topic);
        body.write(id >> 8);
        body.write(id & 0xff);
        body.write(payload);
        send((PUBLISH << 4) | 0x02, body.toByteArray());
        byte[] ack = expect(PUBACK, timeout);
        int acked = ack.length == 2 ? ((ack[0] & 0xff) << 8) | (ack[1] & 0xff) : -1;
        if (acked != id) {
            throw new IOException("the hub acknowledged packet " + acked + " but the device sent packet " + id);
        }
    }

    @Override
    public void close() {
        try {
            send(DISCONNECT << 4, new byte[0]);
        } catch (IOException ignored) {
            // the connection may already be gone; closing the socket is what matters
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing more a device can do
        }
    }

    private void send(int header, byte[] body) throws IOException {
        byte[] packet = MqttWire.frame(header, body);
        synchronized (out) {
            out.write(packet);
            out.flush();
        }
    }

    /** Reads packets until one of {@code type} arrives, skipping others (a PINGRESP, say), within the deadline. */
    private byte[] expect(int type, Duration timeout) throws IOException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = (end - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new SocketTimeoutException("no " + name(type) + " from the hub within " + timeout.toMillis() + " ms");
            }
            socket.setSoTimeout((int) Math.max(1, left));
            int header;
            try {
                header = in.read();
            } catch (SocketTimeoutException e) {
                throw new SocketTimeoutException("no " + name(type) + " from the hub within " + timeout.toMillis() + " ms");
            }
            if (header < 0) {
                throw new EOFException("the hub closed the connection while the device waited for " + name(type));
            }
            byte[] body = new byte[MqttWire.readRemainingLength(in, "the hub")];
            in.readFully(body);
            if ((header >> 4) == type) {
                return body;
            }
        }
    }

    private static String name(int type) {
        return switch (type) {
            case CONNACK -> "CONNACK";
            case PUBACK -> "PUBACK";
            default -> "packet type " + type;
        };
    }
}
