package dev.firstboot.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firstboot.device.net.DeviceTls;
import dev.firstboot.device.net.DpsHttpsClient;
import dev.firstboot.device.net.DpsMqttClient;
import dev.firstboot.pki.Certificates;
import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import dev.firstboot.rig.DeviceEndpoints;
import dev.firstboot.rig.Faults;
import dev.firstboot.rig.RigException;
import dev.firstboot.rig.RigFiles;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.TimelineEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each injected fault, seen by real TLS, HTTPS and MQTT clients against the embedded DPS and hub. */
class FaultServiceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private EmbeddedRig rig;
    private DeviceEndpoints endpoints;
    private Faults faults;

    @BeforeEach
    void start() throws Exception {
        rig = new EmbeddedRig();
        endpoints = rig.backend.deviceEndpoints();
        faults = rig.backend.faults().orElseThrow();
    }

    @AfterEach
    void stop() {
        rig.close();
    }

    private KeyMaterial enrolled(String registrationId) {
        KeyMaterial key = TestPki.selfSigned(registrationId);
        rig.backend.enrollX509Individual(registrationId, Certificates.der(key.leaf()), Optional.empty(), "hub-a", true);
        return key;
    }

    private DpsHttpsClient https(KeyMaterial key) {
        return new DpsHttpsClient(tls(key), endpoints.dps(), endpoints.idScope(), TIMEOUT);
    }

    private DpsMqttClient mqtt(KeyMaterial key) {
        return new DpsMqttClient(tls(key), endpoints.dps().getHost(), endpoints.dpsMqtt().orElseThrow(),
                endpoints.idScope(), TIMEOUT);
    }

    private SSLContext tls(KeyMaterial key) {
        return DeviceTls.clientContext(key.key(), key.chain(), endpoints.trustAnchor());
    }

    private List<TimelineEvent> injected(String fault) {
        return rig.timeline.events(e -> e.kind() == EventKind.FAULT_INJECTED && e.detail("fault").equals(fault));
    }

    @Test
    void throttlingAnswers429WithRetryAfterOverHttpsForTheNextRequestsThenServes() throws Exception {
        KeyMaterial key = enrolled("dev-f01");
        faults.throttle(2, Duration.ofSeconds(3));
        DpsHttpsClient dps = https(key);
        for (int i = 0; i < 2; i++) {
            DpsHttpsClient.Reply r = dps.register("dev-f01", Optional.empty(), Optional.empty());
            assertThat(r.httpStatus()).isEqualTo(429);
            assertThat(r.retryAfterSeconds()).hasValue(3);
            assertThat(r.body().get("errorCode").asInt()).isEqualTo(429001);
        }
        assertThat(dps.register("dev-f01", Optional.empty(), Optional.empty()).httpStatus()).isEqualTo(202);
        assertThat(injected("throttled")).hasSize(2).allSatisfy(e -> assertThat(e.attributes())
                .containsEntry("transport", "https").containsEntry("retryAfter", "3"));
        assertThat(rig.events(EventKind.DPS_RESPONSE, "dev-f01")).extracting(e -> e.detail("status"))
                .containsExactly("429", "429", "202");
    }

    @Test
    void throttlingAnswersOnThe429ResponseTopicWithRetryAfterOverMqtt() throws Exception {
        KeyMaterial key = enrolled("dev-f02");
        faults.throttle(1, Duration.ofSeconds(4));
        try (DpsMqttClient dps = mqtt(key)) {
            DpsHttpsClient.Reply r = dps.register("dev-f02", Optional.empty(), Optional.empty());
            assertThat(r.httpStatus()).isEqualTo(429);
            assertThat(r.retryAfterSeconds()).hasValue(4);
            assertThat(dps.register("dev-f02", Optional.empty(), Optional.empty()).httpStatus()).isEqualTo(202);
        }
        assertThat(injected("throttled")).singleElement()
                .satisfies(e -> assertThat(e.detail("transport")).isEqualTo("mqtt"));
    }

    @Test
    void serverErrorsAre500Or503WithoutRetryAfterUntilTheCountIsSpent() throws Exception {
        KeyMaterial key = enrolled("dev-f03");
        faults.serverErrors(503, 1);
        DpsHttpsClient dps = https(key);
        DpsHttpsClient.Reply r = dps.register("dev-f03", Optional.empty(), Optional.empty());
        assertThat(r.httpStatus()).isEqualTo(503);
        assertThat(r.retryAfterSeconds()).isEmpty();
        assertThat(r.body().get("errorCode").asInt()).isEqualTo(503001);
        assertThat(dps.register("dev-f03", Optional.empty(), Optional.empty()).httpStatus()).isEqualTo(202);

        faults.serverErrors(500, Faults.EVERY);
        for (int i = 0; i < 3; i++) {
            assertThat(dps.register("dev-f03", Optional.empty(), Optional.empty()).httpStatus()).isEqualTo(500);
        }
        rig.backend.resetForScenario();
        rig.backend.enrollX509Individual("dev-f03", Certificates.der(key.leaf()), Optional.empty(), "hub-a", true);
        assertThat(dps.register("dev-f03", Optional.empty(), Optional.empty()).httpStatus())
                .as("a new scenario starts without faults").isEqualTo(202);
    }

    @Test
    void delayedResponsesArriveNoSoonerThanTheDelay() throws Exception {
        KeyMaterial key = enrolled("dev-f04");
        faults.delayResponses(Duration.ofMillis(1500));
        long start = System.nanoTime();
        DpsHttpsClient.Reply r = https(key).register("dev-f04", Optional.empty(), Optional.empty());
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(r.httpStatus()).isEqualTo(202);
        assertThat(seconds).isGreaterThanOrEqualTo(1.5);
        assertThat(injected("delayed")).singleElement()
                .satisfies(e -> assertThat(e.detail("delayMs")).isEqualTo("1500"));
    }

    @Test
    void afterTheAcceptedRegisterTheHttpsConnectionIsClosedThoughKeepAliveWasAsked() throws Exception {
        KeyMaterial key = enrolled("dev-f05");
        faults.dropConnectionAfterAccept(1);
        try (SSLSocket s = socket(tls(key), endpoints.dps().getPort())) {
            String request = "PUT /" + endpoints.idScope() + "/registrations/dev-f05/register?api-version=2021-06-01"
                    + " HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 29\r\n\r\n{\"registrationId\":\"dev-f05\"}\n";
            s.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            String response = new String(readUntilClosed(s.getInputStream()), StandardCharsets.UTF_8);
            assertThat(response).startsWith("HTTP/1.1 202").containsIgnoringCase("connection: close")
                    .contains("\"status\":\"assigning\"");
        }
        assertThat(injected("connection-dropped-after-accept")).singleElement()
                .satisfies(e -> assertThat(e.subject()).isEqualTo("dev-f05"));
    }

    @Test
    void overMqttTheDroppedDeviceReconnectsAndItsPollIsAnswered() throws Exception {
        KeyMaterial key = enrolled("dev-f06");
        faults.dropConnectionAfterAccept(1);
        try (DpsMqttClient dps = mqtt(key)) {
            DpsHttpsClient.Reply accepted = dps.register("dev-f06", Optional.empty(), Optional.empty());
            assertThat(accepted.httpStatus()).isEqualTo(202);
            String op = accepted.text("operationId");
            assertThatThrownBy(() -> dps.operationStatus("dev-f06", op, Optional.empty()))
                    .isInstanceOf(IOException.class).hasMessageContaining("MQTT connection");
            DpsHttpsClient.Reply assigned = dps.operationStatus("dev-f06", op, Optional.empty());
            assertThat(assigned.httpStatus()).isEqualTo(200);
            assertThat(assigned.text("status")).isEqualTo("assigned");
        }
        assertThat(rig.events(EventKind.DPS_CONNECT, "dev-f06")).hasSize(2);
    }

    @Test
    void aFailedHandshakeIsAHandshakeFailureAlertAndTheNextHandshakeWorks() throws Exception {
        KeyMaterial key = enrolled("dev-f07");
        faults.failTlsHandshakes(1);
        assertThatThrownBy(() -> socket(tls(key), endpoints.dps().getPort()).close())
                .isInstanceOf(SSLHandshakeException.class).hasMessageContaining("handshake_failure");
        try (SSLSocket ok = socket(tls(key), endpoints.dpsMqtt().orElseThrow().getPort())) {
            assertThat(ok.getSession().getProtocol()).startsWith("TLS");
        }
        assertThat(injected("tls-handshake-failed")).singleElement()
                .satisfies(e -> assertThat(e.subject()).isEqualTo("dps"));
    }

    @Test
    void theExpiredCertificateIsRefusedByADeviceAndAcceptedOnlyByOneBlindToExpiry() throws Exception {
        KeyMaterial key = enrolled("dev-f08");
        faults.serveExpiredCertificate(true);
        assertThatThrownBy(() -> socket(tls(key), endpoints.dps().getPort()).close())
                .isInstanceOf(SSLHandshakeException.class).hasMessageContaining("validity");
        rig.timeline.await(e -> e.kind() == EventKind.TLS_FAILED, TIMEOUT).orElseThrow();
        assertThat(rig.timeline.events(e -> e.kind() == EventKind.TLS_FAILED)).singleElement()
                .satisfies(e -> assertThat(e.detail("serverCertificate")).isEqualTo("expired"));

        SSLContext blind = DeviceTls.clientContextIgnoringExpiry(key.key(), key.chain(), endpoints.trustAnchor());
        try (SSLSocket s = socket(blind, endpoints.dps().getPort())) {
            java.security.cert.X509Certificate served = (java.security.cert.X509Certificate)
                    s.getSession().getPeerCertificates()[0];
            assertThat(served.getNotAfter()).isInThePast();
            assertThat(served.getIssuerX500Principal()).isEqualTo(endpoints.trustAnchor().getSubjectX500Principal());
        }
        faults.serveExpiredCertificate(false);
        try (SSLSocket s = socket(tls(key), endpoints.dps().getPort())) {
            assertThat(((java.security.cert.X509Certificate) s.getSession().getPeerCertificates()[0]).getNotAfter())
                    .isInTheFuture();
        }
    }

    @Test
    void anUnavailableHubAnswersConnack3UntilItIsBack() throws Exception {
        KeyMaterial key = enrolled("dev-f09");
        DpsHttpsClient dps = https(key);
        String op = dps.register("dev-f09", Optional.empty(), Optional.empty()).text("operationId");
        assertThat(dps.operationStatus("dev-f09", op).text("status")).isEqualTo("assigned");
        faults.hubUnavailable("hub-a", Duration.ofSeconds(1));
        InetSocketAddress hub = endpoints.resolveHub("hub-a.localhost").orElseThrow();
        String username = "hub-a.localhost/dev-f09/?api-version=2020-09-30";
        try (DeviceMqtt first = DeviceMqtt.open(endpoints.trustAnchor(), Optional.of(key), "hub-a.localhost", hub)) {
            assertThat(first.connect("dev-f09", username)).isEqualTo(3);
        }
        long end = System.nanoTime() + TIMEOUT.toNanos();
        int code = 3;
        while (code == 3 && System.nanoTime() < end) {
            try (DeviceMqtt again = DeviceMqtt.open(endpoints.trustAnchor(), Optional.of(key), "hub-a.localhost", hub)) {
                code = again.connect("dev-f09", username);
            }
        }
        assertThat(code).as("the hub is back after its outage").isZero();
        assertThat(injected("hub-unavailable")).isNotEmpty().allSatisfy(e -> assertThat(e.attributes())
                .containsEntry("hub", "hub-a").containsEntry("returnCode", "3"));
    }

    @Test
    void registrationsBeyondTheRatePerMinuteAreThrottledWithRetryAfterUntilTheWindowMoves() throws Exception {
        faults.limitRegistrations(2);
        for (String id : List.of("dev-f10", "dev-f11")) {
            assertThat(https(enrolled(id)).register(id, Optional.empty(), Optional.empty()).httpStatus()).isEqualTo(202);
        }
        DpsHttpsClient.Reply third = https(enrolled("dev-f12")).register("dev-f12", Optional.empty(), Optional.empty());
        assertThat(third.httpStatus()).isEqualTo(429);
        assertThat(third.retryAfterSeconds().orElseThrow()).isBetween(1, 60);
        assertThat(injected("registration-rate-limited")).singleElement()
                .satisfies(e -> assertThat(e.detail("limit")).isEqualTo("2/min"));
    }

    @Test
    void theSixthStatusPollInTenSecondsIsThrottled() throws Exception {
        KeyMaterial key = enrolled("dev-f13");
        faults.limitPolling(true);
        DpsHttpsClient dps = https(key);
        String op = dps.register("dev-f13", Optional.empty(), Optional.empty()).text("operationId");
        for (int i = 0; i < 5; i++) {
            assertThat(dps.operationStatus("dev-f13", op).httpStatus()).isEqualTo(200);
        }
        DpsHttpsClient.Reply sixth = dps.operationStatus("dev-f13", op);
        assertThat(sixth.httpStatus()).isEqualTo(429);
        assertThat(sixth.retryAfterSeconds().orElseThrow()).isBetween(1, 10);
    }

    @Test
    void badFaultSettingsAreRefusedWithWhatIsAllowed() {
        assertThatThrownBy(() -> faults.throttle(1, Duration.ofSeconds(301)))
                .hasMessageContaining("whole seconds from 0 to 300");
        assertThatThrownBy(() -> faults.serverErrors(404, 1)).hasMessageContaining("500 or 503, got 404");
        assertThatThrownBy(() -> faults.hubUnavailable("hub-z", Duration.ofSeconds(1)))
                .hasMessageContaining("no hub named 'hub-z'").hasMessageContaining("hub-a");
        assertThatThrownBy(() -> faults.delayResponses(Duration.ofMinutes(5))).hasMessageContaining("0 to 60 s");
    }

    @Test
    void theRigFileFaultsSectionIsValidated(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, """
                name: bad
                backend:
                  kind: embedded
                  faults:
                    registrations-per-minute: many
                device:
                  kind: symmetric-key-simulator
                  registration-id: sk-01
                """);
        assertThatThrownBy(() -> RigFiles.read(bad)).isInstanceOf(RigException.class)
                .hasMessageContaining("registrations-per-minute").hasMessageContaining("whole number");
        Path typo = dir.resolve("typo.yaml");
        Files.writeString(typo, """
                name: typo
                backend:
                  kind: embedded
                  faults:
                    polling-limits: true
                device:
                  kind: symmetric-key-simulator
                  registration-id: sk-01
                """);
        assertThatThrownBy(() -> RigFiles.read(typo)).isInstanceOf(RigException.class)
                .hasMessageContaining("polling-limits");
    }

    private SSLSocket socket(SSLContext tls, int port) throws IOException {
        Socket plain = new Socket();
        plain.connect(new InetSocketAddress("127.0.0.1", port), (int) TIMEOUT.toMillis());
        plain.setSoTimeout((int) TIMEOUT.toMillis());
        SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(plain, "localhost", port, true);
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        p.setServerNames(List.of(new SNIHostName("localhost")));
        s.setSSLParameters(p);
        try {
            s.startHandshake();
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** Reads until the server closes; a read that times out fails the test instead of hanging. */
    private static byte[] readUntilClosed(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server kept the connection open after the 202: "
                    + out.toString(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }
}
