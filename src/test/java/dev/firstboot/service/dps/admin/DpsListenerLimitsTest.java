package dev.firstboot.service.dps.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import dev.firstboot.secret.Redactor;
import dev.firstboot.service.dps.DpsMqttServer;
import dev.firstboot.service.dps.DpsService;
import dev.firstboot.service.net.Limits;
import dev.firstboot.timeline.Timeline;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One misbehaving client cannot exhaust the DPS listeners. The behaviour proven: connections beyond the cap are
 * closed on accept (at once, not after a timeout); a connection that completes no request within the idle timeout
 * is closed, whether silent or dribbling bytes (slowloris); so once the holders idle out, a well-behaved client is
 * served. Requests beyond the in-flight cap are answered 429 at once.
 */
class DpsListenerLimitsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration IDLE = Duration.ofSeconds(2);
    private static final Limits LIMITS = new Limits(3, IDLE, 2);
    private static final Duration DEADLINE = Duration.ofSeconds(15);

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    private AdminServer server(UnaryOperator<EnrollmentAdmin> front) throws IOException {
        return keep(new AdminServer(front, new InetSocketAddress("127.0.0.1", 0), LIMITS));
    }

    private AdminServer server() throws IOException {
        return server(UnaryOperator.identity());
    }

    private Socket tcp(InetSocketAddress address) throws IOException {
        Socket s = keep(new Socket());
        s.connect(address, 5000);
        return s;
    }

    /**
     * How long until the server ends a new connection. The reset can come so fast that connect itself sees it;
     * that counts as refused too.
     */
    private Optional<Duration> timeToRefuse(InetSocketAddress address, Duration deadline) throws IOException {
        Instant start = Instant.now();
        Socket s = keep(new Socket());
        try {
            s.connect(address, (int) deadline.toMillis());
        } catch (SocketTimeoutException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(Duration.between(start, Instant.now()));
        }
        return timeToClose(s, deadline);
    }

    /** How long until the server ends the connection (EOF or reset); empty if it is still open at the deadline. */
    private static Optional<Duration> timeToClose(Socket s, Duration deadline) throws IOException {
        Instant start = Instant.now();
        s.setSoTimeout((int) deadline.toMillis());
        InputStream in = s.getInputStream();
        byte[] buf = new byte[4096];
        try {
            while (in.read(buf) >= 0) {
                if (Duration.between(start, Instant.now()).compareTo(deadline) > 0) {
                    return Optional.empty();
                }
            }
        } catch (SocketTimeoutException e) {
            return Optional.empty();
        } catch (IOException e) {
            // a reset is a close too
        }
        return Optional.of(Duration.between(start, Instant.now()));
    }

    /**
     * A connection that finishes TLS and then says nothing. The handshake proves the server has accepted and counted
     * it, so the next connection is the one over the cap, whichever I/O thread gets to it first.
     */
    private Socket tlsHolder(InetSocketAddress address, javax.net.ssl.SSLContext clientTls) throws IOException {
        Socket raw = tcp(address);
        SSLSocket tls = (SSLSocket) clientTls.getSocketFactory().createSocket(raw, "localhost", address.getPort(),
                true);
        tls.setSoTimeout(5000);
        tls.startHandshake();
        return tls;
    }

    /** Writes {@code b} every 200 ms until the server closes; returns the count written so far. */
    private AtomicInteger drip(Socket socket, int b) {
        AtomicInteger dribbled = new AtomicInteger();
        ScheduledExecutorService drip = Executors.newSingleThreadScheduledExecutor();
        keep(drip::shutdownNow);
        drip.scheduleAtFixedRate(() -> {
            try {
                socket.getOutputStream().write(b);
                socket.getOutputStream().flush();
                dribbled.incrementAndGet();
            } catch (IOException e) {
                throw new RuntimeException("closed", e); // ends the schedule
            }
        }, 200, 200, TimeUnit.MILLISECONDS);
        return dribbled;
    }

    private static HttpResponse<String> get(AdminServer server, HttpClient client, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(5))
                .header("Authorization", server.ownerToken()).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void connectionsBeyondTheCapAreClosedAtOnceAndAWellBehavedClientIsServedOnceTheHoldersIdleOut()
            throws Exception {
        AdminServer server = server();
        List<Socket> holders = new ArrayList<>();
        for (int i = 0; i < LIMITS.maxConnections(); i++) {
            holders.add(tlsHolder(server.address(), server.clientTls()));
        }
        Optional<Duration> refused = timeToRefuse(server.address(), IDLE.dividedBy(2));
        assertThat(refused).as("the connection over the cap is closed well before the idle timeout").isPresent();

        Instant start = Instant.now();
        HttpClient client = server.client();
        Optional<HttpResponse<String>> served = Optional.empty();
        while (served.isEmpty() && Duration.between(start, Instant.now()).compareTo(DEADLINE) < 0) {
            try {
                served = Optional.of(get(server, client, "/enrollments/nobody?api-version=2021-10-01"));
            } catch (IOException e) {
                // still refused: the holders have not idled out yet; try again until the deadline
            }
        }
        assertThat(served).as("a well-behaved client is served within " + DEADLINE.toSeconds() + " s").isPresent();
        assertThat(served.get().statusCode()).isEqualTo(404);
        for (Socket h : holders) {
            assertThat(timeToClose(h, IDLE.multipliedBy(2))).as("a silent holder is closed after the idle timeout")
                    .isPresent();
        }
    }

    @Test
    void aSlowlorisClientIsClosedAfterTheIdleTimeoutWhileOthersAreServed() throws Exception {
        AdminServer server = server();
        Socket raw = tcp(server.address());
        SSLSocket tls = (SSLSocket) server.clientTls().getSocketFactory().createSocket(raw, AdminServer.HOST,
                server.address().getPort(), true);
        tls.setSoTimeout(5000);
        tls.startHandshake();
        tls.getOutputStream().write(("GET /enrollments/x?api-version=2021-10-01 HTTP/1.1\r\nHost: localhost\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        tls.getOutputStream().flush();
        AtomicInteger dribbled = drip(tls, 'X');

        HttpResponse<String> other = get(server, server.client(), "/enrollments/nobody?api-version=2021-10-01");
        assertThat(other.statusCode()).as("another client is served meanwhile").isEqualTo(404);

        Optional<Duration> closed = timeToClose(tls, IDLE.multipliedBy(4));
        assertThat(closed).as("the slowloris connection is closed").isPresent();
        assertThat(dribbled.get()).as("it was sending a byte every 200 ms until closed").isGreaterThanOrEqualTo(3);
    }

    @Test
    void garbageIsClosedPromptlyAndTheServerKeepsServing() throws Exception {
        AdminServer server = server();
        Socket plain = tcp(server.address());
        byte[] junk = new byte[2048];
        new java.util.Random(7).nextBytes(junk);
        plain.getOutputStream().write(junk);
        assertThat(timeToClose(plain, Duration.ofSeconds(5))).as("non-TLS garbage").isPresent();

        Socket raw = tcp(server.address());
        SSLSocket tls = (SSLSocket) server.clientTls().getSocketFactory().createSocket(raw, AdminServer.HOST,
                server.address().getPort(), true);
        tls.startHandshake();
        tls.getOutputStream().write("\u0000\u0001 NOT HTTP AT ALL\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        tls.getOutputStream().flush();
        assertThat(timeToClose(tls, Duration.ofSeconds(5))).as("garbage over TLS").isPresent();

        assertThat(get(server, server.client(), "/enrollments/nobody?api-version=2021-10-01").statusCode())
                .isEqualTo(404);
    }

    @Test
    void requestsBeyondTheInFlightCapAreAnswered429AtOnce() throws Exception {
        CountDownLatch entered = new CountDownLatch(LIMITS.maxInFlight());
        CountDownLatch release = new CountDownLatch(1);
        UnaryOperator<EnrollmentAdmin> slow = store -> new ForwardingAdmin(store) {
            @Override
            public Optional<ObjectNode> get(Collection collection, String id) {
                entered.countDown();
                try {
                    if (!release.await(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the test never released the store");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.get(collection, id);
            }
        };
        AdminServer server = server(slow);
        HttpClient client = server.client();
        List<CompletableFuture<HttpResponse<String>>> blocked = new ArrayList<>();
        for (int i = 0; i < LIMITS.maxInFlight(); i++) {
            blocked.add(client.sendAsync(HttpRequest.newBuilder(server.uri("/enrollments/slow-" + i
                            + "?api-version=2021-10-01")).header("Authorization", server.ownerToken()).GET().build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        assertThat(entered.await(DEADLINE.toSeconds(), TimeUnit.SECONDS)).as("both requests reached the store")
                .isTrue();

        Instant start = Instant.now();
        HttpResponse<String> busy = get(server, server.client(), "/enrollments/third?api-version=2021-10-01");
        assertThat(busy.statusCode()).isEqualTo(429);
        assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(2));
        assertThat(busy.headers().firstValue("retry-after")).contains("1");
        assertThat(JSON.readTree(busy.body()).get("errorCode").asInt()).isEqualTo(AdminService.TOO_MANY_REQUESTS);

        release.countDown();
        for (CompletableFuture<HttpResponse<String>> f : blocked) {
            assertThat(f.get(DEADLINE.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(404);
        }
        assertThat(get(server, client, "/enrollments/after?api-version=2021-10-01").statusCode()).isEqualTo(404);
    }

    @Test
    void theMqttListenerAlsoClosesConnectionsBeyondItsCapAndIdleOnes() throws Exception {
        TestPki pki = TestPki.create();
        KeyMaterial key = pki.issueServer(List.of("localhost"), List.of("127.0.0.1"));
        Timeline timeline = new Timeline(new Redactor());
        var boss = new io.netty.channel.MultiThreadIoEventLoopGroup(1, io.netty.channel.nio.NioIoHandler.newFactory());
        var workers = new io.netty.channel.MultiThreadIoEventLoopGroup(1,
                io.netty.channel.nio.NioIoHandler.newFactory());
        keep(() -> {
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        });
        DpsService dps = new DpsService("0ne00AD0002", 1, (hub, deviceId, credential) -> hub, timeline);
        DpsMqttServer mqtt = keep(DpsMqttServer.start(dps, new Limits(2, IDLE, 1), pki.serverContext(key),
                TestPki.serverProtocols(), new InetSocketAddress("127.0.0.1", 0), boss, workers, timeline));
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", mqtt.address().getPort());
        javax.net.ssl.SSLContext clientTls = pki.clientContextTrustingCa(Optional.empty());
        Socket a = tlsHolder(address, clientTls);
        Socket b = tlsHolder(address, clientTls);
        assertThat(timeToRefuse(address, IDLE.dividedBy(2))).as("over the cap").isPresent();
        assertThat(timeToClose(a, IDLE.multipliedBy(3))).as("silent holder idles out").isPresent();
        assertThat(timeToClose(b, IDLE.multipliedBy(3))).as("silent holder idles out").isPresent();

        Socket raw = tcp(address);
        SSLSocket tls = (SSLSocket) pki.clientContextTrustingCa(Optional.empty()).getSocketFactory()
                .createSocket(raw, "localhost", address.getPort(), true);
        tls.setSoTimeout(5000);
        tls.startHandshake();
        assertThat(tls.getSession().isValid()).as("a new client gets a TLS session once the holders are gone")
                .isTrue();

        // A CONNECT that announces 100 bytes and trickles them one by one: every byte resets a read timeout, but
        // the CONNECT is never whole within the deadline.
        byte[] start = {0x10, 100, // CONNECT, 100 bytes to follow
                0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60, // MQTT 3.1.1, clean session, keep-alive 60 s
                0, 88}; // a client id of 88 bytes, sent one at a time
        tls.getOutputStream().write(start);
        tls.getOutputStream().flush();
        AtomicInteger dribbled = drip(tls, 'a');
        assertThat(timeToClose(tls, IDLE.multipliedBy(4))).as("an MQTT slowloris is closed").isPresent();
        assertThat(dribbled.get()).as("it was sending a byte every 200 ms until closed").isGreaterThanOrEqualTo(3);

        // Keep-alive 0 ("none") does not hold a DPS session past the idle timeout (issue 15, finding 3).
        SSLSocket still = (SSLSocket) pki.clientContextTrustingCa(Optional.empty()).getSocketFactory()
                .createSocket(tcp(address), "localhost", address.getPort(), true);
        still.setSoTimeout(5000);
        still.startHandshake();
        String id = "dev-keepalive-0";
        String sas = dev.firstboot.identity.tpm.SasTokens.build("0ne00AD0002/registrations/" + id,
                dev.firstboot.identity.tpm.SasTokens.ScopeEncoding.ENCODED, new byte[32],
                Instant.now().plusSeconds(600), Optional.of("registration"));
        java.io.ByteArrayOutputStream connect = new java.io.ByteArrayOutputStream();
        for (String field : new String[]{"MQTT", null, id, "0ne00AD0002/registrations/" + id + "/api-version=2019-03-31",
                sas}) {
            if (field == null) {
                connect.writeBytes(new byte[]{4, (byte) 0xC2, 0, 0}); // 3.1.1, user+password+clean, keep-alive 0
                continue;
            }
            byte[] text = field.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            connect.writeBytes(new byte[]{(byte) (text.length >> 8), (byte) text.length});
            connect.writeBytes(text);
        }
        byte[] body = connect.toByteArray();
        still.getOutputStream().write(new byte[]{0x10, (byte) (body.length % 128 | 0x80), (byte) (body.length / 128)});
        still.getOutputStream().write(body);
        still.getOutputStream().flush();
        byte[] connack = still.getInputStream().readNBytes(4);
        assertThat(connack).as("CONNACK 0: the SAS is well-formed (its signature is judged per request)")
                .containsExactly(0x20, 2, 0, 0);
        assertThat(timeToClose(still, IDLE.multipliedBy(4))).as("a keep-alive 0 session idles out").isPresent();
    }
}
