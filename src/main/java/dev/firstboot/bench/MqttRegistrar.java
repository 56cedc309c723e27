package dev.firstboot.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firstboot.device.net.MqttWire;

import javax.net.ssl.SSLSocket;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * DPS over MQTT 3.1.1 with a lean blocking client: CONNECT (SAS as password for key devices), SUBSCRIBE to the
 * response topics, PUBLISH register at QoS 0, then operation-status polls until {@code assigned}, DISCONNECT.
 */
final class MqttRegistrar implements Registrar {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REGISTER = "$dps/registrations/PUT/iotdps-register/?$rid=";
    private static final String STATUS = "$dps/registrations/GET/iotdps-get-operationstatus/?$rid=";
    private static final String RESPONSES = "$dps/registrations/res/#";
    private static final int MAX_POLLS = 20;

    private final String host;
    private final InetSocketAddress address;
    private final String idScope;
    private final Duration timeout;

    MqttRegistrar(String host, InetSocketAddress address, String idScope, Duration timeout) {
        this.host = host;
        this.address = address;
        this.idScope = idScope;
        this.timeout = timeout;
    }

    @Override
    public String register(BenchDevice device) throws IOException {
        try (SSLSocket s = Wire.open(device, host, address, timeout)) {
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
            String id = device.registrationId();
            ByteArrayOutputStream connect = new ByteArrayOutputStream();
            MqttWire.writeString(connect, "MQTT");
            connect.write(4);
            connect.write(0x80 | (device.sas().isPresent() ? 0x40 : 0) | 0x02);
            connect.write(0);
            connect.write(60);
            MqttWire.writeString(connect, id);
            MqttWire.writeString(connect, idScope + "/registrations/" + id + "/api-version=" + HttpsRegistrar.API_VERSION
                    + "&ClientVersion=firstboot-bench");
            if (device.sas().isPresent()) {
                MqttWire.writeString(connect, device.sas().get());
            }
            ByteArrayOutputStream subscribe = new ByteArrayOutputStream();
            subscribe.write(0);
            subscribe.write(1);
            MqttWire.writeString(subscribe, RESPONSES);
            subscribe.write(0);
            byte[] register = Wire.registerBody(id);
            // CONNECT, SUBSCRIBE and the register PUBLISH go in one flush, as a pipelining client would
            packet(out, 0x10, connect.toByteArray());
            packet(out, 0x82, subscribe.toByteArray());
            packet(out, 0x30, publishBody(REGISTER + "1", register));
            out.flush();
            Packet ack = read(in, 2);
            if (ack.body().length != 2 || ack.body()[1] != 0) {
                throw new IOException(id + ": DPS refused the MQTT CONNECT (return code "
                        + (ack.body().length == 2 ? ack.body()[1] : -1) + ")");
            }
            read(in, 9);
            for (int poll = 0; ; poll++) {
                Packet p = read(in, 3);
                int topicLength = ((p.body()[0] & 0xff) << 8) | (p.body()[1] & 0xff);
                String topic = new String(p.body(), 2, topicLength, StandardCharsets.UTF_8);
                int payloadAt = 2 + topicLength + (((p.header() >> 1) & 3) > 0 ? 2 : 0);
                JsonNode json = JSON.readTree(p.body(), payloadAt, p.body().length - payloadAt);
                int status = statusOf(topic);
                String state = json.path("status").asText("");
                if (status == 200 && state.equals("assigned")) {
                    packet(out, 0xE0, new byte[0]);
                    out.flush();
                    return json.path("registrationState").path("assignedHub").asText("");
                }
                if (status != 202 && status != 200 || poll >= MAX_POLLS) {
                    throw new IOException(id + ": DPS answered " + status + " status '" + state + "' errorCode "
                            + json.path("errorCode").asText("-"));
                }
                packet(out, 0x30, publishBody(STATUS + (poll + 2) + "&operationId="
                        + json.path("operationId").asText(""), new byte[0]));
                out.flush();
            }
        }
    }

    private static int statusOf(String topic) throws IOException {
        // $dps/registrations/res/{status}/?$rid=…
        String[] parts = URLDecoder.decode(topic, StandardCharsets.UTF_8).split("/");
        try {
            return Integer.parseInt(parts[3]);
        } catch (RuntimeException e) {
            throw new IOException("DPS answered on an unexpected topic " + topic);
        }
    }

    private static byte[] publishBody(String topic, byte[] payload) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(topic.length() + payload.length + 2);
        MqttWire.writeString(b, topic);
        b.write(payload);
        return b.toByteArray();
    }

    record Packet(int header, byte[] body) {
    }

    /** The next packet of {@code type}, skipping others; the socket timeout bounds every read. */
    private static Packet read(DataInputStream in, int type) throws IOException {
        while (true) {
            int header = in.read();
            if (header < 0) {
                throw new EOFException("DPS closed the MQTT connection while the device waited for packet type "
                        + type);
            }
            byte[] body = new byte[MqttWire.readRemainingLength(in, "DPS")];
            in.readFully(body);
            if ((header >> 4) == type) {
                return new Packet(header, body);
            }
        }
    }

    private static void packet(OutputStream out, int header, byte[] body) throws IOException {
        out.write(MqttWire.frame(header, body));
    }
}
