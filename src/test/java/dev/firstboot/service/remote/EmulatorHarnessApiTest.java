package dev.firstboot.service.remote;

import com.fasterxml.jackson.databind.JsonNode;
import dev.firstboot.pki.TestPki;
import dev.firstboot.secret.Redactor;
import dev.firstboot.service.EmulatorStack;
import dev.firstboot.service.dps.EnrollmentDocuments;
import dev.firstboot.service.dps.admin.ServiceSas;
import dev.firstboot.service.harness.EventBuffer;
import dev.firstboot.service.harness.ServedBackend;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLSocket;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The emulator's own /firstboot paths on its DPS HTTPS port, as a harness in another process uses them: the event
 * stream (in order, masked, resumable, bounded) and the controls, all behind the service SAS; and what hostile or
 * garbled requests get: a 4xx that says what to send, never a 5xx or a hang.
 */
class EmulatorHarnessApiTest {
    private static final String KEY = "c2VjcmV0LWtleS1mb3ItdGhlLWhhcm5lc3MtdGVzdA==";
    private static EmulatorStack stack;
    private static EventBuffer events;
    private static ServiceConnection connection;
    private static String ip;

    @BeforeAll
    static void start() throws Exception {
        SecureRandom random = new SecureRandom();
        ip = "127." + (1 + random.nextInt(250)) + "." + random.nextInt(256) + "." + (2 + random.nextInt(250));
        Redactor redactor = new Redactor();
        redactor.register("a-secret-the-emulator-knows");
        events = new EventBuffer(redactor);
        ServiceSas.Policy owner = ServiceSas.Policy.of(ServiceSas.OWNER_POLICY, KEY);
        stack = EmulatorStack.start(new EmulatorStack.Settings("0ne00HARN01", ip, ip, 0, 0,
                List.of(new EmulatorStack.Hub("hub-a", ip, 0)), 1, 2,
                dev.firstboot.service.fault.FaultPlan.RateLimits.NONE, List.of(owner)), TestPki.create(), events);
        stack.serveHarnessApi(new ServedBackend(stack), events);
        connection = ServiceConnection.of(URI.create("https://" + ip + ":" + stack.dpsHttpsAddress().getPort()),
                ServiceSas.connectionString(ip, owner), stack.pki().caCertificate());
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @Test
    void theStreamDeliversEveryEventInOrderMaskedAndResumesFromASequenceNumber() throws Exception {
        long start = events.lastSeq();
        List<JsonNode> seen = new CopyOnWriteArrayList<>();
        try (EventStreamClient stream = new EventStreamClient(connection, start, seen::add)) {
            connection.call("PUT", "/enrollments/stream-dev-1?api-version=2021-10-01",
                    EnrollmentDocuments.symmetricKeyIndividual("stream-dev-1", new byte[32], Optional.empty(), ip,
                            true));
            events.record(Origin.SERVICE, EventKind.HARNESS_NOTE, "note",
                    Map.of("text", "holds a-secret-the-emulator-knows"));
            assertThat(stream.awaitDelivered(events.lastSeq(), Duration.ofSeconds(10))).isTrue();
        }
        assertThat(seen).extracting(e -> e.path("seq").asLong()).isSorted().doesNotHaveDuplicates()
                .allSatisfy(s -> assertThat(s).isGreaterThan(start));
        assertThat(seen).extracting(e -> e.path("kind").asText()).contains("DPS_REQUEST", "DPS_RESPONSE",
                "HARNESS_NOTE");
        JsonNode note = seen.stream().filter(e -> e.path("kind").asText().equals("HARNESS_NOTE")).findFirst()
                .orElseThrow();
        assertThat(note.path("attributes").path("text").asText()).isEqualTo("holds " + Redactor.MASK);
        assertThat(note.path("nanoTime").asLong()).isPositive();
        // resumed from the one before the last: exactly the last again
        List<JsonNode> resumed = new CopyOnWriteArrayList<>();
        long last = note.path("seq").asLong();
        try (EventStreamClient stream = new EventStreamClient(connection, last - 1, resumed::add)) {
            assertThat(stream.awaitDelivered(last, Duration.ofSeconds(10))).isTrue();
        }
        assertThat(resumed).extracting(e -> e.path("seq").asLong()).startsWith(last).isSorted();
    }

    @Test
    void theControlsWorkBehindTheSas() {
        JsonNode info = connection.call("GET", "/firstboot/info", null);
        assertThat(info.path("idScope").asText()).isEqualTo("0ne00HARN01");
        assertThat(info.path("hubs").get(0).path("name").asText()).isEqualTo("hub-a");
        connection.call("PUT", "/firstboot/retry-after", ServiceConnection.JSON.createObjectNode().put("seconds", 3));
        assertThat(stack.dps().retryAfterSeconds()).isEqualTo(3);
        JsonNode reset = connection.call("POST", "/firstboot/reset", null);
        assertThat(reset.path("lastSeq").asLong()).isPositive();
        assertThat(stack.dps().retryAfterSeconds()).isEqualTo(1);
        assertThat(connection.send("GET", "/firstboot/registrations/nobody", null).status()).isEqualTo(404);
    }

    @Test
    void hostileRequestsGetAClear4xxNeverA5xxOrAHang() throws Exception {
        String token = connection.authorization();
        record Case(String request, int status, String says) {
        }
        List<Case> cases = List.of(
                new Case("GET /firstboot/events HTTP/1.1\r\nHost: x\r\n\r\n", 401, "no Authorization header"),
                new Case("GET /firstboot/clock HTTP/1.1\r\nHost: x\r\nAuthorization: SharedAccessSignature"
                        + " sr=" + ip + "&sig=AAAA&se=99999999999&skn=" + ServiceSas.OWNER_POLICY + "\r\n\r\n", 401,
                        "Unauthorized"),
                new Case("GET /firstboot/events?after=abc HTTP/1.1\r\nHost: x\r\nAuthorization: " + token
                        + "\r\n\r\n", 400, "after must be a whole number"),
                new Case("GET /firstboot/events?after=-4 HTTP/1.1\r\nHost: x\r\nAuthorization: " + token
                        + "\r\n\r\n", 400, "after must be a whole number"),
                new Case("POST /firstboot/events HTTP/1.1\r\nHost: x\r\nAuthorization: " + token
                        + "\r\nContent-Length: 0\r\n\r\n", 405, "GET only"),
                new Case("GET /firstboot/nothing-here HTTP/1.1\r\nHost: x\r\nAuthorization: " + token
                        + "\r\n\r\n", 404, "the paths are"),
                new Case("DELETE /firstboot/reset HTTP/1.1\r\nHost: x\r\nAuthorization: " + token
                        + "\r\n\r\n", 405, "POST only"),
                new Case("PUT /firstboot/retry-after HTTP/1.1\r\nHost: x\r\nAuthorization: " + token
                        + "\r\nContent-Length: 7\r\n\r\n{nope!}", 400, "not JSON"),
                new Case("PUT /firstboot/retry-after HTTP/1.1\r\nHost: x\r\nAuthorization: " + token
                        + "\r\nContent-Length: 16\r\n\r\n{\"seconds\":9999}", 400, "whole seconds from 0 to 300"),
                new Case("PUT /firstboot/retry-after HTTP/1.1\r\nHost: x\r\nAuthorization: " + token
                        + "\r\nContent-Length: 17\r\n\r\n{\"seconds\":\"ten\"}", 400, "whole seconds"),
                new Case("PUT /firstboot/tamper HTTP/1.1\r\nHost: x\r\nAuthorization: " + token
                        + "\r\nContent-Length: 2\r\n\r\n[]", 400, "JSON object"),
                new Case("GET /firstboot/hubs/hub-z/devices/d HTTP/1.1\r\nHost: x\r\nAuthorization: " + token
                        + "\r\n\r\n", 404, "no hub named 'hub-z'"),
                new Case("GET /firstboot/registrations/%zz%%/x HTTP/1.1\r\nHost: x\r\nAuthorization: " + token
                        + "\r\n\r\n", 400, "percent-encoding"),
                new Case("GET /firstboot/clock?after=%zz HTTP/1.1\r\nHost: x\r\nAuthorization: " + token
                        + "\r\n\r\n", 400, "percent-encoding"),
                new Case("GET /firstboot/registrations HTTP/1.1\r\nHost: x\r\nAuthorization: " + token
                        + "\r\n\r\n", 404, "registrations/{registrationId}"));
        for (Case c : cases) {
            String answer = exchange(c.request().getBytes(StandardCharsets.UTF_8));
            assertThat(answer).as(c.request()).startsWith("HTTP/1.1 " + c.status()).contains(c.says())
                    .doesNotContain(KEY);
        }
        String garbage = exchange("\u0001\u0002 not http at all \r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(garbage).as("garbage").satisfiesAnyOf(a -> assertThat(a).isEmpty(),
                a -> assertThat(a).startsWith("HTTP/1.1 4"));
    }

    @Test
    void aClientThatDoesNotReadIsCutOff() throws Exception {
        try (SSLSocket s = connection.openSocket(Duration.ofSeconds(30))) {
            OutputStream out = s.getOutputStream();
            out.write(("GET /firstboot/events?after=" + events.lastSeq() + " HTTP/1.1\r\nHost: x\r\nAuthorization: "
                    + connection.authorization() + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String big = "x".repeat(4000);
            long end = System.nanoTime() + Duration.ofSeconds(40).toNanos();
            InputStream in = s.getInputStream();
            // Flood well past what the kernel buffers and the server's high-water mark hold, reading nothing.
            for (int i = 0; i < 5000; i++) {
                events.record(Origin.SERVICE, EventKind.HARNESS_NOTE, "flood", Map.of("text", big));
            }
            // Now drain: the stream must end (the server cut it off) before all of it arrived.
            long bytes = 0;
            byte[] buffer = new byte[65536];
            boolean ended = false;
            while (System.nanoTime() < end) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (IOException e) {
                    ended = true;
                    break;
                }
                if (n < 0) {
                    ended = true;
                    break;
                }
                bytes += n;
                if (bytes == n) {
                    // first read: hold off until the server has had its stall deadline
                    long until = System.nanoTime() + Duration.ofSeconds(16).toNanos();
                    waitUntil(until);
                }
            }
            assertThat(ended).as("the stream ended; read " + bytes).isTrue();
            assertThat(bytes).as("bytes read before the cut-off").isLessThan(5000L * 4000);
        }
    }

    /** Waits without reading until {@code nanos}, on a condition that nothing signals (a deadline, not a sync). */
    private static void waitUntil(long nanos) throws InterruptedException {
        Object never = new Object();
        synchronized (never) {
            long left;
            while ((left = nanos - System.nanoTime()) > 0) {
                never.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    private static String exchange(byte[] request) throws IOException {
        try (SSLSocket s = connection.openSocket(Duration.ofSeconds(10))) {
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder out = new StringBuilder();
            char[] buf = new char[4096];
            int contentLength = -1;
            String line;
            while ((line = in.readLine()) != null) {
                out.append(line).append('\n');
                if (line.toLowerCase().startsWith("content-length:")) {
                    contentLength = Integer.parseInt(line.substring(15).trim());
                }
                if (line.isEmpty()) {
                    break;
                }
            }
            if (contentLength > 0) {
                int read = 0;
                while (read < contentLength) {
                    int n = in.read(buf, 0, Math.min(buf.length, contentLength - read));
                    if (n < 0) {
                        break;
                    }
                    out.append(buf, 0, n);
                    read += n;
                }
            }
            return out.toString();
        }
    }
}
