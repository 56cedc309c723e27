package dev.firstboot.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firstboot.identity.tpm.SasTokens;
import dev.firstboot.pki.TestPki;
import dev.firstboot.rig.DeviceEndpoints;
import dev.firstboot.service.dps.admin.ServiceSas;
import dev.firstboot.service.net.Limits;
import dev.firstboot.service.net.Listener;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttSubAckMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile clients against one emulator stack, over every listener (DPS HTTPS, the service API on the same port,
 * DPS MQTT, hub MQTT), on loopback: first a regression test for each finding of the outside fuzz run (issue 15),
 * then a seeded, bounded random run over the attack classes. After each class a legitimate device still registers
 * and connects; no client error is answered 5xx; no reply carries a key or a signature; threads and heap stay
 * bounded.
 *
 * <p>{@code -Dfirstboot.fuzz.seed=N} replays a run (the seed is printed); {@code -Dfirstboot.fuzz.rounds=N}
 * (default 12 per class and listener) and {@code -Dfirstboot.fuzz.seconds=N} (default 32, the time budget of the
 * random run, shared equally by the classes) make it run longer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmulatorFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long SEED = Long.getLong("firstboot.fuzz.seed", new Random().nextLong());
    private static final int ROUNDS = Integer.getInteger("firstboot.fuzz.rounds", 12);
    private static final Duration BUDGET = Duration.ofSeconds(Long.getLong("firstboot.fuzz.seconds", 32));
    private static final Duration READ = Duration.ofMillis(250);
    private static final String API = "2021-06-01";
    private static final String LEGIT = "fuzz-legit-01";
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] (\\d{3})");

    private final Random random = new Random(SEED);
    private EmbeddedRig rig;
    private DeviceEndpoints endpoints;
    private byte[] legitKey;
    private ServiceSas.Policy owner;
    private SSLContext tls;
    private HttpClient http;
    private InetSocketAddress dps;
    private InetSocketAddress dpsMqtt;
    private String hubHost;
    private InetSocketAddress hub;
    private int baselineThreads;
    private long baselineHeap;
    private int connections;
    private final List<String> secrets = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        System.out.println("EmulatorFuzzTest seed=" + SEED + " (replay with -Dfirstboot.fuzz.seed=" + SEED + ")");
        rig = new EmbeddedRig();
        endpoints = rig.backend.deviceEndpoints();
        legitKey = new byte[32];
        random.nextBytes(legitKey);
        rig.backend.enrollSymmetricKeyIndividual(LEGIT, legitKey, Optional.empty(), "hub-a", true);
        String cs = rig.backend.serviceConnectionString();
        owner = ServiceSas.Policy.of(ServiceSas.OWNER_POLICY, cs.substring(cs.indexOf("SharedAccessKey=") + 16));
        tls = TestPki.clientContextTrusting(endpoints.trustAnchor(), Optional.empty());
        http = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        dps = new InetSocketAddress("127.0.0.1", endpoints.dps().getPort());
        dpsMqtt = endpoints.dpsMqtt().orElseThrow();
        hubHost = endpoints.hubAddresses().keySet().iterator().next();
        hub = endpoints.hubAddresses().get(hubHost);
        secrets.add(Base64.getEncoder().encodeToString(legitKey));
        secrets.add(owner.base64Key());
        legitimateDeviceWorks("start");
        System.gc();
        baselineThreads = Thread.activeCount();
        baselineHeap = usedHeap();
    }

    @AfterAll
    void stop() {
        if (rig != null) {
            rig.close();
        }
    }

    // ---- regression tests, one per finding ----

    @Test
    void finding1_aServiceSasWhoseSrCannotBeUrlDecodedGets401NotA500() throws Exception {
        for (String sr : List.of("%ZZ", "%", "%&x")) {
            HttpResponse<String> r = admin("SharedAccessSignature sr=" + sr + "&sig=abc&se=1&skn="
                    + ServiceSas.OWNER_POLICY);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
            assertThat(JSON.readTree(r.body()).path("errorCode").asInt()).isEqualTo(401002);
            assertThat(r.body()).contains("URL encoding");
        }
    }

    @Test
    void finding2_anSeBeyondWhatATimeHoldsIsRefusedOnEveryListener() throws Exception {
        String se = "99999999999999999";
        HttpResponse<String> service = admin("SharedAccessSignature sr=localhost&sig=abc&se=" + se + "&skn="
                + ServiceSas.OWNER_POLICY);
        assertThat(service.statusCode()).as(service.body()).isEqualTo(401);

        String dpsSas = "SharedAccessSignature sr=" + endpoints.idScope() + "%2Fregistrations%2F" + LEGIT
                + "&sig=abc&se=" + se + "&skn=registration";
        HttpResponse<String> register = http.send(HttpRequest.newBuilder(URI.create(endpoints.dps() + "/"
                        + endpoints.idScope() + "/registrations/" + LEGIT + "/register?api-version=" + API))
                .timeout(Duration.ofSeconds(5)).header("Authorization", dpsSas)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"registrationId\":\"" + LEGIT + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(register.statusCode()).as(register.body()).isEqualTo(401);
        assertThat(JSON.readTree(register.body()).path("errorCode").asInt()).isEqualTo(401002);

        legitimateDeviceWorks("before the hub CONNECT");
        try (DeviceMqtt mqtt = DeviceMqtt.open(endpoints.trustAnchor(), Optional.empty(), hubHost, hub)) {
            assertThat(mqtt.connect(LEGIT, hubUsername(LEGIT), ("SharedAccessSignature sr=" + hubHost
                    + "%2Fdevices%2F" + LEGIT + "&sig=abc&se=" + se).getBytes(StandardCharsets.UTF_8))).isEqualTo(5);
        }
    }

    @Test
    void finding3_dpsMqttRefusesAConnectWithoutACredentialOrWithABadSas() throws Exception {
        try (DeviceMqtt mqtt = DeviceMqtt.open(endpoints.trustAnchor(), Optional.empty(), endpoints.dps().getHost(),
                dpsMqtt)) {
            assertThat(mqtt.connect(LEGIT, dpsUsername(LEGIT))).as("no password, no certificate").isEqualTo(4);
        }
        for (String password : List.of("wrong", "SharedAccessSignature sr=" + endpoints.idScope()
                        + "%2Fregistrations%2Fsomeone-else&sig=abc&se=4102444800&skn=registration",
                "SharedAccessSignature sr=" + endpoints.idScope() + "%2Fregistrations%2F" + LEGIT
                        + "&sig=abc&se=1&skn=registration")) {
            try (DeviceMqtt mqtt = DeviceMqtt.open(endpoints.trustAnchor(), Optional.empty(),
                    endpoints.dps().getHost(), dpsMqtt)) {
                assertThat(mqtt.connect(LEGIT, dpsUsername(LEGIT), password.getBytes(StandardCharsets.UTF_8)))
                        .as("a SAS that is malformed, for another device or expired").isEqualTo(5);
            }
        }
        try (DeviceMqtt mqtt = DeviceMqtt.open(endpoints.trustAnchor(), Optional.empty(), endpoints.dps().getHost(),
                dpsMqtt)) {
            assertThat(mqtt.connect(LEGIT, dpsUsername(LEGIT), dpsSas().getBytes(StandardCharsets.UTF_8)))
                    .as("the device's own SAS").isZero();
        }
    }

    @Test
    void finding5_pipelinedServiceApiAndDeviceRequestsAreAnsweredInOrder() throws Exception {
        String adminRequest = "GET /enrollments/nobody?api-version=2021-10-01 HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: " + ServiceSas.token("localhost", owner, Instant.now().plusSeconds(600)) + "\r\n\r\n";
        String deviceRequest = "GET /nowhere?api-version=" + API + " HTTP/1.1\r\nHost: localhost\r\n"
                + "Connection: close\r\n\r\n";
        for (int i = 0; i < 3; i++) {
            String reply = exchange(dps, Optional.empty(), (adminRequest + deviceRequest).getBytes(
                    StandardCharsets.US_ASCII), Duration.ofSeconds(5));
            List<Integer> statuses = statuses(reply);
            assertThat(statuses).as(reply).containsExactly(404, 404);
            String first = reply.substring(0, reply.indexOf("HTTP/1.1", 1));
            assertThat(first).as("the service API's reply (enrollment not found) comes first: " + reply)
                    .contains("404201").doesNotContain("no device API");
        }
    }

    @Test
    void finding6_oneClientHoldingConnectionsLeavesRoomForTheOthers() throws Exception {
        InetAddress attacker = randomLoopback();
        int share = Listener.perClientShare(Limits.DEFAULT.maxConnections());
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < share + 10; i++) {
                Socket s = new Socket();
                held.add(s);
                s.bind(new InetSocketAddress(attacker, 0));
                try {
                    s.connect(dps, 5000);
                } catch (java.net.SocketException reset) {
                    // Past its share the listener closes a connection as soon as it is accepted; the reset can
                    // reach the client before its connect() returns. Within the share that is a finding.
                    assertThat(i).as("connection %d of one client's share of %d was reset: %s", i + 1, share, reset)
                            .isGreaterThanOrEqualTo(share);
                }
                connections++;
            }
            legitimateDeviceWorks("while one client holds " + held.size() + " connections");
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void finding7_anApiVersionThatIsNotPercentEncodingGets400WithTheErrorBody() throws Exception {
        String reply = exchange(dps, Optional.empty(), ("PUT /" + endpoints.idScope() + "/registrations/" + LEGIT
                + "/register?api-version=%ZZ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nConnection: close"
                + "\r\n\r\n{}").getBytes(StandardCharsets.US_ASCII), Duration.ofSeconds(5));
        assertThat(statuses(reply)).as(reply).containsExactly(400);
        assertThat(reply).contains("\"errorCode\":400");
        String admin = exchange(dps, Optional.empty(), ("GET /enrollments/x?api-version=%ZZ HTTP/1.1\r\n"
                + "Host: localhost\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII),
                Duration.ofSeconds(5));
        assertThat(statuses(admin)).as(admin).containsExactly(400);
    }

    @Test
    void finding8_theHubRefusesASubscriptionToAnotherDevicesTopics() throws Exception {
        legitimateDeviceWorks("before the SUBSCRIBE");
        try (DeviceMqtt mqtt = DeviceMqtt.open(endpoints.trustAnchor(), Optional.empty(), hubHost, hub)) {
            assertThat(mqtt.connect(LEGIT, hubUsername(LEGIT), hubSas().getBytes(StandardCharsets.UTF_8))).isZero();
            MqttSubAckMessage other = (MqttSubAckMessage) mqtt.subscribe(1, "devices/other-device/messages/devicebound/#",
                    MqttQoS.AT_LEAST_ONCE);
            assertThat(other.payload().grantedQoSLevels()).containsExactly(0x80);
            MqttSubAckMessage all = (MqttSubAckMessage) mqtt.subscribe(2, "#", MqttQoS.AT_LEAST_ONCE);
            assertThat(all.payload().grantedQoSLevels()).containsExactly(0x80);
            MqttSubAckMessage own = (MqttSubAckMessage) mqtt.subscribe(3, "devices/" + LEGIT
                    + "/messages/devicebound/#", MqttQoS.AT_LEAST_ONCE);
            assertThat(own.payload().grantedQoSLevels()).containsExactly(1);
        }
    }

    // ---- the seeded random run ----

    private enum Target { DPS_HTTPS, SERVICE_API, DPS_MQTT, HUB_MQTT }

    private interface Attack {
        byte[] bytes(Target target);
    }

    @Test
    void aSeededRandomRunOverEveryListenerAndAttackClassFindsNo5xxNoLeakAndNoLockOut() throws Exception {
        Instant start = Instant.now();
        List<String> classes = List.of("garbage", "truncated", "oversized", "malformed-http", "hostile-sas",
                "malformed-mqtt", "slow-drip", "flood");
        // Finding 4, alongside the run: a hub CONNECT dripped one byte every 5 s is closed at the 30 s deadline.
        SSLSocket dripped = tlsSocket(hub, Optional.of(randomLoopback()));
        byte[] connect = mqttConnect(Target.HUB_MQTT, hubSas());
        java.util.concurrent.CompletableFuture<Instant> hubClosed = new java.util.concurrent.CompletableFuture<>();
        Thread dripper = new Thread(() -> {
            try {
                dripped.setSoTimeout(5000);
                for (int i = 0; i < connect.length - 1; i++) {
                    dripped.getOutputStream().write(connect[i]);
                    dripped.getOutputStream().flush();
                    try {
                        // the drip's pace is a read with a 5 s deadline: it returns early only when the hub closes
                        if (dripped.getInputStream().read() < 0) {
                            break;
                        }
                    } catch (SocketTimeoutException e) {
                        continue;
                    }
                }
            } catch (IOException e) {
                // closed by the hub
            }
            hubClosed.complete(Instant.now());
        }, "fuzz-hub-drip");
        dripper.setDaemon(true);
        dripper.start();
        int attacks = 0;
        for (String attackClass : classes) {
            // each class gets its share of the budget, so every class runs whatever the machine's speed
            Instant classDeadline = Instant.now().plus(BUDGET.dividedBy(classes.size()));
            for (Target target : Target.values()) {
                for (int round = 0; round < ROUNDS && Instant.now().isBefore(classDeadline); round++) {
                    attack(attackClass, target);
                    attacks++;
                }
            }
            legitimateDeviceWorks("after attack class " + attackClass);
        }
        Instant closedAt = hubClosed.get(45, java.util.concurrent.TimeUnit.SECONDS);
        dripped.close();
        assertThat(Duration.between(start, closedAt)).as("the hub closes a dripped CONNECT at its 30 s deadline")
                .isBetween(Duration.ofSeconds(25), Duration.ofSeconds(40));
        System.gc();
        int threads = Thread.activeCount();
        long heap = usedHeap();
        System.out.println("EmulatorFuzzTest: " + attacks + " attacks, " + connections + " connections, "
                + classes.size() + " classes, " + Duration.between(start, Instant.now()).toMillis() + " ms; threads "
                + baselineThreads + " -> " + threads + ", heap " + baselineHeap / 1_000_000 + " -> "
                + heap / 1_000_000 + " MB");
        assertThat(threads).as("threads stay bounded").isLessThan(baselineThreads + 64);
        assertThat(heap).as("heap stays bounded").isLessThan(baselineHeap + 256_000_000L);
    }

    private void attack(String attackClass, Target target) throws Exception {
        InetSocketAddress address = switch (target) {
            case DPS_HTTPS, SERVICE_API -> dps;
            case DPS_MQTT -> dpsMqtt;
            case HUB_MQTT -> hub;
        };
        boolean http = target == Target.DPS_HTTPS || target == Target.SERVICE_API;
        byte[] payload = switch (attackClass) {
            case "garbage" -> randomBytes(1 + random.nextInt(2048));
            case "truncated" -> {
                byte[] whole = http ? httpRequest(target, "") : mqttConnect(target, dpsSasOrHub(target));
                yield java.util.Arrays.copyOf(whole, random.nextInt(whole.length));
            }
            case "oversized" -> http ? httpRequest(target, "X-Big: " + "a".repeat(10_000 + random.nextInt(60_000))
                    + "\r\n") : oversizedMqtt();
            case "malformed-http" -> malformedHttp(target);
            case "hostile-sas" -> http ? httpRequestWithAuthorization(target, hostileSas(target))
                    : mqttConnect(target, hostileSas(target));
            case "malformed-mqtt" -> malformedMqtt(target);
            case "slow-drip" -> null;
            case "flood" -> null;
            default -> throw new IllegalArgumentException(attackClass);
        };
        if (attackClass.equals("flood")) {
            flood(address);
            return;
        }
        if (attackClass.equals("slow-drip")) {
            drip(address, http ? httpRequest(target, "") : mqttConnect(target, dpsSasOrHub(target)));
            return;
        }
        String reply = exchange(address, Optional.of(randomLoopback()), payload, READ);
        judge(attackClass, target, reply);
    }

    private void judge(String attackClass, Target target, String reply) {
        for (int status : statuses(reply)) {
            assertThat(status).as(attackClass + " on " + target + " (seed " + SEED + "): " + reply).isLessThan(500);
        }
        for (String secret : secrets) {
            assertThat(reply).as("no key in a reply (" + attackClass + " on " + target + ")").doesNotContain(secret);
        }
    }

    private void flood(InetSocketAddress address) throws IOException {
        InetAddress source = randomLoopback();
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 32; i++) {
                Socket s = new Socket();
                s.bind(new InetSocketAddress(source, 0));
                try {
                    s.connect(address, 2000);
                } catch (IOException e) {
                    s.close();
                    continue;
                }
                sockets.add(s);
                connections++;
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    private void drip(InetSocketAddress address, byte[] bytes) throws Exception {
        try (SSLSocket s = tlsSocket(address, Optional.of(randomLoopback()))) {
            for (int i = 0; i < Math.min(bytes.length, 5); i++) {
                s.getOutputStream().write(bytes[i]);
                s.getOutputStream().flush();
                // the drip's pace: a deadline-bounded wait for a reply the server must not send yet
                s.setSoTimeout(60);
                try {
                    if (s.getInputStream().read() < 0) {
                        return;
                    }
                } catch (SocketTimeoutException e) {
                    // nothing yet, as expected mid-message
                }
            }
        } catch (IOException e) {
            // the server may close a connection it will not serve
        }
    }

    // ---- what the attacks send ----

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private String path(Target target) {
        return target == Target.SERVICE_API ? "/enrollments/" + LEGIT + "?api-version=2021-10-01"
                : "/" + endpoints.idScope() + "/registrations/" + LEGIT + "/register?api-version=" + API;
    }

    private byte[] httpRequest(Target target, String extraHeaders) {
        return httpRequestWithAuthorization(target, target == Target.SERVICE_API
                ? ServiceSas.token("localhost", owner, Instant.now().plusSeconds(600)) : dpsSas(), extraHeaders);
    }

    private byte[] httpRequestWithAuthorization(Target target, String authorization) {
        return httpRequestWithAuthorization(target, authorization, "");
    }

    private byte[] httpRequestWithAuthorization(Target target, String authorization, String extraHeaders) {
        String body = "{\"registrationId\":\"" + LEGIT + "\"}";
        String method = target == Target.SERVICE_API ? "GET" : "PUT";
        return (method + " " + path(target) + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + authorization
                + "\r\nContent-Type: application/json\r\n" + extraHeaders + "Content-Length: " + body.length()
                + "\r\nConnection: close\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8);
    }

    private byte[] malformedHttp(Target target) {
        String p = path(target);
        String[] forms = {
                "PUT " + p.replace("api-version=", "api-version=%") + " HTTP/1.1\r\nHost: x\r\n\r\n",
                "GET /%ZZ/registrations/%/register?%=% HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "PUT " + p + " HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
                "PUT " + p + " HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
                "PUT " + p + " HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n{}",
                "PUT " + p + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n",
                "GET " + "/a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
                "BREW " + p + " HTCPCP/1.0\r\n\r\n",
                "GET " + p + " HTTP/1.1\r\n" + "X: y\r\n".repeat(2000) + "\r\n",
                // pipelined, with a token a client without the key could make (the owner's own token would get
                // the enrollment, keys and all, as it does from DPS)
                new String(httpRequestWithAuthorization(target, hostileSas(target)), StandardCharsets.UTF_8)
                        .replace("Connection: close\r\n", "").repeat(3),
        };
        return forms[random.nextInt(forms.length)].getBytes(StandardCharsets.ISO_8859_1);
    }

    private String hostileSas(Target target) {
        String sr = switch (target) {
            case SERVICE_API -> "localhost";
            case HUB_MQTT -> hubHost + "%2Fdevices%2F" + LEGIT;
            default -> endpoints.idScope() + "%2Fregistrations%2F" + LEGIT;
        };
        String skn = target == Target.SERVICE_API ? "&skn=" + ServiceSas.OWNER_POLICY : "";
        String[] forms = {
                "SharedAccessSignature sr=%ZZ&sig=abc&se=1" + skn,
                "SharedAccessSignature sr=" + sr + "&sig=abc&se=99999999999999999" + skn,
                "SharedAccessSignature sr=" + sr + "&sig=abc&se=-99999999999999999" + skn,
                "SharedAccessSignature sr=" + sr + "&sig=%%%&se=4102444800" + skn,
                "SharedAccessSignature sr=" + sr + "&sig=" + "A".repeat(5000) + "&se=4102444800" + skn,
                "SharedAccessSignature sr=" + sr + "&sr=" + sr + "&sig=a&se=1" + skn,
                "SharedAccessSignature " + "&".repeat(300),
                "SharedAccessSignature sr=" + sr + "&sig=abc&se=4102444800&skn=" + "%".repeat(100),
                "Bearer " + "x".repeat(100),
                "SharedAccessSignature sr=" + sr + "&sig=" + Base64.getEncoder().encodeToString(randomBytes(32))
                        + "&se=4102444800" + skn,
        };
        return forms[random.nextInt(forms.length)];
    }

    private String dpsSasOrHub(Target target) {
        return target == Target.HUB_MQTT ? hubSas() : dpsSas();
    }

    private byte[] mqttConnect(Target target, String password) {
        String username = target == Target.HUB_MQTT ? hubUsername(LEGIT) : dpsUsername(LEGIT);
        ByteArrayOutputStream v = new ByteArrayOutputStream();
        mqttString(v, "MQTT");
        v.write(4);
        v.write(0xC2); // user name, password, clean session
        v.write(0);
        v.write(random.nextBoolean() ? 0 : 60);
        mqttString(v, LEGIT);
        mqttString(v, username);
        mqttString(v, password);
        return frame(0x10, v.toByteArray());
    }

    private byte[] oversizedMqtt() {
        // a PUBLISH that announces the largest remaining length, then sends a little of it
        byte[] head = {0x30, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x7F};
        byte[] all = java.util.Arrays.copyOf(head, head.length + 4096);
        System.arraycopy(randomBytes(4096), 0, all, head.length, 4096);
        return all;
    }

    private byte[] malformedMqtt(Target target) {
        byte[] connect = mqttConnect(target, dpsSasOrHub(target));
        ByteArrayOutputStream sub = new ByteArrayOutputStream();
        sub.write(0);
        sub.write(1);
        mqttString(sub, random.nextBoolean() ? "devices/other/messages/devicebound/#" : "#");
        sub.write(3); // QoS 3 is not a QoS
        byte[][] forms = {
                frame(0x10, new byte[]{0, 4, 'M', 'Q', 'T', 'T', 9, 0, 0, 0}), // unknown protocol level
                frame(0x10, new byte[]{0, 4, 'M', 'Q', 'T', 'T', 4, 1, 0, 0, 0, 0}), // reserved flag set
                frame(0x10, new byte[]{0, (byte) 0xFF, 'M'}), // string longer than the packet
                concat(connect, frame(0x82, sub.toByteArray())),
                concat(connect, frame(0x32, new byte[]{0, 1, '#', 0})), // PUBLISH to a wildcard at QoS 1
                concat(connect, frame(0x30, new byte[]{(byte) 0xFF, (byte) 0xFF})), // topic longer than the packet
                frame(0x82, sub.toByteArray()), // SUBSCRIBE before CONNECT
                concat(connect, connect), // a second CONNECT
                new byte[]{(byte) 0xF0, 0}, // reserved packet type
                concat(connect, frame(0x30, concat(new byte[]{0, 7}, "$dps/%%".getBytes(StandardCharsets.UTF_8)))),
        };
        return forms[random.nextInt(forms.length)];
    }

    private static void mqttString(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(b.length >> 8);
        out.write(b.length);
        out.writeBytes(b);
    }

    private static byte[] frame(int type, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(type);
        int n = body.length;
        do {
            int digit = n % 128;
            n /= 128;
            out.write(n > 0 ? digit | 0x80 : digit);
        } while (n > 0);
        out.writeBytes(body);
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    // ---- the legitimate device ----

    private String dpsSas() {
        return SasTokens.build(endpoints.idScope() + "/registrations/" + LEGIT, SasTokens.ScopeEncoding.ENCODED,
                legitKey, Instant.now().plusSeconds(3600), Optional.of("registration"));
    }

    private String hubSas() {
        return SasTokens.build(hubHost + "/devices/" + LEGIT, SasTokens.ScopeEncoding.ENCODED, legitKey,
                Instant.now().plusSeconds(3600), Optional.empty());
    }

    private String dpsUsername(String id) {
        return endpoints.idScope() + "/registrations/" + id + "/api-version=2019-03-31&ClientVersion=fuzz";
    }

    private String hubUsername(String id) {
        return hubHost + "/" + id + "/?api-version=2020-09-30";
    }

    /** Registers over HTTPS until assigned, then connects to the hub over MQTT, each within a deadline. */
    private void legitimateDeviceWorks(String when) throws Exception {
        String base = endpoints.dps() + "/" + endpoints.idScope() + "/registrations/" + LEGIT;
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/register?api-version=" + API))
                .timeout(Duration.ofSeconds(10)).header("Authorization", dpsSas())
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"registrationId\":\"" + LEGIT + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(when + ": register: " + r.body()).isEqualTo(202);
        String operationId = JSON.readTree(r.body()).path("operationId").asText();
        Instant deadline = Instant.now().plusSeconds(20);
        JsonNode state = null;
        while (Instant.now().isBefore(deadline)) {
            HttpResponse<String> s = http.send(HttpRequest.newBuilder(URI.create(base + "/operations/" + operationId
                            + "?api-version=" + API)).timeout(Duration.ofSeconds(10))
                    .header("Authorization", dpsSas()).GET().build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(s.body());
            if (body.path("status").asText().equals("assigned")) {
                state = body;
                break;
            }
            assertThat(s.statusCode()).as(when + ": status: " + s.body()).isEqualTo(202);
            // DPS asks for retry-after seconds between polls; waiting on the clock is the protocol here
            Thread.sleep(Math.max(1, Long.parseLong(s.headers().firstValue("retry-after").orElse("1"))) * 1000L);
        }
        assertThat(state).as(when + ": assigned within 20 s").isNotNull();
        try (DeviceMqtt mqtt = DeviceMqtt.open(endpoints.trustAnchor(), Optional.empty(), hubHost, hub)) {
            assertThat(mqtt.connect(LEGIT, hubUsername(LEGIT), hubSas().getBytes(StandardCharsets.UTF_8)))
                    .as(when + ": hub CONNACK").isZero();
        }
    }

    private HttpResponse<String> admin(String authorization) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(endpoints.dps() + "/enrollments/" + LEGIT
                        + "?api-version=2021-10-01")).timeout(Duration.ofSeconds(5))
                .header("Authorization", authorization).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    // ---- sockets ----

    /** A random 127.x.y.z source, so each attack is its own client and none is the legitimate device's 127.0.0.1. */
    private InetAddress randomLoopback() throws IOException {
        return InetAddress.getByAddress(new byte[]{127, (byte) (1 + random.nextInt(254)),
                (byte) random.nextInt(256), (byte) (2 + random.nextInt(250))});
    }

    private SSLSocket tlsSocket(InetSocketAddress address, Optional<InetAddress> source) throws IOException {
        Socket raw = new Socket();
        if (source.isPresent()) {
            raw.bind(new InetSocketAddress(source.get(), 0));
        }
        raw.connect(address, 5000);
        connections++;
        SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(raw, "localhost", address.getPort(), true);
        SSLParameters p = s.getSSLParameters();
        p.setServerNames(List.of(new SNIHostName(address == hub ? hubHost : "localhost")));
        s.setSSLParameters(p);
        s.setSoTimeout(5000);
        s.startHandshake();
        return s;
    }

    /** Sends {@code bytes} and reads what comes back until the server closes or is quiet for {@code quiet}. */
    private String exchange(InetSocketAddress address, Optional<InetAddress> source, byte[] bytes, Duration quiet)
            throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try (SSLSocket s = tlsSocket(address, source)) {
            try {
                s.getOutputStream().write(bytes);
                s.getOutputStream().flush();
            } catch (IOException e) {
                // the server closed mid-write: a refusal; read what it said
            }
            s.setSoTimeout((int) quiet.toMillis());
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) >= 0 && got.size() < 1_000_000; ) {
                    got.write(buf, 0, n);
                }
            } catch (SocketTimeoutException e) {
                // quiet: the server waits for more, as it may
            } catch (IOException e) {
                // reset by the server
            }
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }

    private static List<Integer> statuses(String reply) {
        List<Integer> all = new ArrayList<>();
        Matcher m = STATUS_LINE.matcher(reply);
        while (m.find()) {
            all.add(Integer.parseInt(m.group(1)));
        }
        return all;
    }

    private static long usedHeap() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
