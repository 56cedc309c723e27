package dev.firstboot.device.net;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

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
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The device side of DPS over MQTT 3.1.1, as the Azure IoT C SDK's MQTT provisioning transport speaks it (dps.md §2):
 * client id the registration id, user name {@code {idScope}/registrations/{id}/api-version=…&ClientVersion=…}, the
 * SAS as password for key devices, a subscription to {@code $dps/registrations/res/#}, and each request a QoS 0
 * PUBLISH whose answer comes back on {@code res/{status}/?$rid={rid}[&retry-after=n]}.
 *
 * <p>The connection is opened on the first request and again on the next request after it was lost, so a device that
 * was dropped recovers by reconnecting and polling. Blocking; every read bounded by the request timeout.
 */
public final class DpsMqttClient implements DpsTransport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CLIENT_VERSION = "prov_device_client/1.0 (firstboot DICE simulator)";
    private static final String RESPONSES = "$dps/registrations/res/";
    private static final int CONNECT = 1;
    private static final int CONNACK = 2;
    private static final int PUBLISH = 3;
    private static final int PUBACK = 4;
    private static final int SUBSCRIBE = 8;
    private static final int SUBACK = 9;
    private static final int DISCONNECT = 14;
    private static final int KEEP_ALIVE_SECONDS = 180;

    private final SSLContext tls;
    private final String hostName;
    private final InetSocketAddress address;
    private final String idScope;
    private final Duration timeout;
    private SSLSocket socket;
    private DataInputStream in;
    private OutputStream out;
    private int nextRid = 1;
    private int nextPacketId = 1;

    /**
     * @param hostName the name the DPS server certificate must carry (the HTTPS endpoint's host)
     * @param address  where DPS listens for MQTT
     */
    public DpsMqttClient(SSLContext tls, String hostName, InetSocketAddress address, String idScope,
                         Duration timeout) {
        this.tls = tls;
        this.hostName = hostName;
        this.address = address;
        this.idScope = idScope;
        this.timeout = timeout;
    }

    @Override
    public String name() {
        return "mqtt";
    }

    @Override
    public DpsHttpsClient.Reply register(String registrationId, Optional<ObjectNode> tpm, Optional<String> authorization)
            throws IOException {
        if (tpm.isPresent()) {
            throw new IOException("TPM attestation is not supported over MQTT (dps.md §2.1); register over HTTPS");
        }
        return exchange(registrationId, authorization, "PUT/iotdps-register/?$rid=%d");
    }

    @Override
    public DpsHttpsClient.Reply operationStatus(String registrationId, String operationId,
                                                Optional<String> authorization) throws IOException {
        return exchange(registrationId, authorization, "GET/iotdps-get-operationstatus/?$rid=%d&operationId="
                + URLEncoder.encode(operationId, StandardCharsets.UTF_8));
    }

    private synchronized DpsHttpsClient.Reply exchange(String registrationId, Optional<String> authorization,
                                                       String topicFormat) throws IOException {
        try {
            if (socket == null) {
                Optional<DpsHttpsClient.Reply> refused = connect(registrationId, authorization);
                if (refused.isPresent()) {
                    return refused.get();
                }
            }
            int rid = nextRid++;
            String body = JSON.createObjectNode().put("registrationId", registrationId).toString();
            ByteArrayOutputStream publish = new ByteArrayOutputStream();
            MqttWire.writeString(publish, "$dps/registrations/" + topicFormat.formatted(rid));
            publish.write(body.getBytes(StandardCharsets.UTF_8));
            send(PUBLISH << 4, publish.toByteArray());
            return awaitResponse(rid);
        } catch (EOFException | SocketTimeoutException e) {
            drop();
            throw e;
        } catch (IOException e) {
            drop();
            throw new IOException("the MQTT connection to DPS failed: " + e.getMessage(), e);
        }
    }

    /** Opens TLS, sends CONNECT and SUBSCRIBE; a refusal that is not transient comes back as a reply to judge. */
    private Optional<DpsHttpsClient.Reply> connect(String registrationId, Optional<String> authorization)
            throws IOException {
        Socket plain = new Socket();
        try {
            plain.connect(address, (int) timeout.toMillis());
            plain.setSoTimeout((int) timeout.toMillis());
            SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(plain, hostName, address.getPort(), true);
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            p.setServerNames(List.of(new SNIHostName(hostName)));
            s.setSSLParameters(p);
            s.startHandshake();
            socket = s;
            in = new DataInputStream(s.getInputStream());
            out = s.getOutputStream();
        } catch (IOException | RuntimeException e) {
            plain.close();
            throw e;
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        MqttWire.writeString(body, "MQTT");
        body.write(4);
        body.write(0x80 | (authorization.isPresent() ? 0x40 : 0) | 0x02);
        body.write(KEEP_ALIVE_SECONDS >> 8);
        body.write(KEEP_ALIVE_SECONDS & 0xff);
        MqttWire.writeString(body, registrationId);
        MqttWire.writeString(body, idScope + "/registrations/" + registrationId + "/api-version=" + DpsHttpsClient.API_VERSION
                + "&ClientVersion=" + URLEncoder.encode(CLIENT_VERSION, StandardCharsets.UTF_8).replace("+", "%20"));
        if (authorization.isPresent()) {
            MqttWire.writeString(body, authorization.get());
        }
        send(CONNECT << 4, body.toByteArray());
        byte[] ack = expect(CONNACK).body();
        int code = ack.length == 2 ? ack[1] & 0xff : -1;
        if (code != 0) {
            drop();
            if (code == 3 || code < 0) {
                throw new IOException("DPS answered CONNACK " + (code < 0 ? "of " + ack.length + " bytes" : "3 (server unavailable)"));
            }
            // The C SDK maps the other refusals to a failed registration, not a retry.
            int status = code == 1 || code == 2 ? 400 : 401;
            ObjectNode refusal = JSON.createObjectNode().put("errorCode", status * 1000)
                    .put("message", "DPS refused the MQTT connection with CONNACK return code " + code);
            return Optional.of(new DpsHttpsClient.Reply(status, refusal, OptionalInt.empty()));
        }
        int id = packetId();
        ByteArrayOutputStream subscribe = new ByteArrayOutputStream();
        subscribe.write(id >> 8);
        subscribe.write(id & 0xff);
        MqttWire.writeString(subscribe, RESPONSES + "#");
        subscribe.write(1);
        send((SUBSCRIBE << 4) | 0x02, subscribe.toByteArray());
        byte[] subAck = expect(SUBACK).body();
        if (subAck.length != 3 || (subAck[2] & 0xff) == 0x80) {
            throw new IOException("DPS refused the subscription to " + RESPONSES + "#");
        }
        return Optional.empty();
    }

    private DpsHttpsClient.Reply awaitResponse(int rid) throws IOException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            Packet p = expect(PUBLISH, end);
            int qos = (p.header() >> 1) & 0x03;
            byte[] b = p.body();
            int topicLength = ((b[0] & 0xff) << 8) | (b[1] & 0xff);
            String topic = new String(b, 2, topicLength, StandardCharsets.UTF_8);
            int offset = 2 + topicLength;
            if (qos > 0) {
                int packetId = ((b[offset] & 0xff) << 8) | (b[offset + 1] & 0xff);
                offset += 2;
                send(PUBACK << 4, new byte[]{(byte) (packetId >> 8), (byte) packetId});
            }
            String payload = new String(b, offset, b.length - offset, StandardCharsets.UTF_8);
            Optional<DpsHttpsClient.Reply> reply = parse(topic, payload, rid);
            if (reply.isPresent()) {
                return reply.get();
            }
        }
    }

    /** The reply in a response PUBLISH for {@code rid}; empty for another rid or topic. */
    static Optional<DpsHttpsClient.Reply> parse(String topic, String payload, int rid) throws IOException {
        if (!topic.startsWith(RESPONSES)) {
            return Optional.empty();
        }
        String rest = topic.substring(RESPONSES.length());
        int slash = rest.indexOf('/');
        int q = rest.indexOf('?');
        if (slash < 0 || q < 0) {
            return Optional.empty();
        }
        int status;
        try {
            status = Integer.parseInt(rest.substring(0, slash));
        } catch (NumberFormatException e) {
            throw new IOException("DPS answered on a response topic without a status: " + topic);
        }
        String seenRid = "";
        OptionalInt retryAfter = OptionalInt.empty();
        for (String part : rest.substring(q + 1).split("&")) {
            if (part.startsWith("$rid=")) {
                seenRid = part.substring(5);
            } else if (part.startsWith("retry-after=")) {
                try {
                    retryAfter = OptionalInt.of(Integer.parseInt(part.substring("retry-after=".length())));
                } catch (NumberFormatException ignored) {
                    // as over HTTPS: not whole seconds is as if absent
                }
            }
        }
        if (!seenRid.equals(Integer.toString(rid))) {
            return Optional.empty();
        }
        JsonNode body;
        try {
            body = payload.isBlank() ? JSON.createObjectNode() : JSON.readTree(payload);
        } catch (IOException e) {
            throw new IOException("DPS answered status " + status + " with a payload that is not JSON", e);
        }
        return Optional.of(new DpsHttpsClient.Reply(status, body, retryAfter));
    }

    private int packetId() {
        int id = nextPacketId;
        nextPacketId = nextPacketId == 0xFFFF ? 1 : nextPacketId + 1;
        return id;
    }

    @Override
    public synchronized void close() {
        if (socket != null) {
            try {
                send(DISCONNECT << 4, new byte[0]);
            } catch (IOException ignored) {
                // going away anyway
            }
        }
        drop();
    }

    private void drop() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing more a device can do
            }
        }
        socket = null;
        in = null;
        out = null;
    }

    private void send(int header, byte[] body) throws IOException {
        out.write(MqttWire.frame(header, body));
        out.flush();
    }

    private record Packet(int header, byte[] body) {
    }

    private Packet expect(int type) throws IOException {
        return expect(type, System.nanoTime() + timeout.toNanos());
    }

    /** Reads packets until one of {@code type} arrives, skipping others, before {@code end} (nanoTime). */
    private Packet expect(int type, long end) throws IOException {
        while (true) {
            long left = (end - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new SocketTimeoutException("DPS did not answer over MQTT within " + timeout.toMillis() + " ms");
            }
            socket.setSoTimeout((int) Math.max(1, left));
            int header;
            try {
                header = in.read();
            } catch (SocketTimeoutException e) {
                throw new SocketTimeoutException("DPS did not answer over MQTT within " + timeout.toMillis() + " ms");
            }
            if (header < 0) {
                throw new EOFException("DPS closed the MQTT connection while the device waited for its answer");
            }
            byte[] body = new byte[MqttWire.readRemainingLength(in, "DPS")];
            in.readFully(body);
            if ((header >> 4) == type) {
                return new Packet(header, body);
            }
        }
    }
}
