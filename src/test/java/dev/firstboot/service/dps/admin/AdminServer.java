package dev.firstboot.service.dps.admin;

import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import dev.firstboot.secret.Redactor;
import dev.firstboot.service.dps.DpsHttpsServer;
import dev.firstboot.service.dps.DpsService;
import dev.firstboot.service.dps.store.StoreAdmin;
import dev.firstboot.service.net.Limits;
import dev.firstboot.timeline.Timeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A DPS HTTPS listener serving the device API and the service API, on loopback, with its own per-run CA. The service
 * API stands in front of the real H2 store admin of the DPS it serves ({@link DpsService#admin()}), or of a wrapper
 * round it that a test uses to slow or break calls.
 */
final class AdminServer implements AutoCloseable {
    static final String ID_SCOPE = "0ne00AD0001";
    static final String HOST = "localhost";

    final TestPki pki = TestPki.create();
    final Timeline timeline = new Timeline(new Redactor());
    final ServiceSas sas = ServiceSas.withOwner(HOST);
    final EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("test-admin-accept", true),
            NioIoHandler.newFactory());
    final EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("test-admin-io", true),
            NioIoHandler.newFactory());
    final DpsService dps = new DpsService(ID_SCOPE, 1, (hub, deviceId, credential) -> hub + ".localhost", timeline);
    /** The store the service API writes to. */
    final StoreAdmin store = dps.admin();
    final ServiceApi api;
    final DpsHttpsServer server;

    AdminServer(UnaryOperator<EnrollmentAdmin> front, InetSocketAddress bind, Limits limits) throws IOException {
        KeyMaterial serverKey = pki.issueServer(List.of(HOST), List.of("127.0.0.1"));
        SSLContext tls = pki.serverContext(serverKey);
        api = ServiceApi.start(front.apply(store), sas, limits.maxInFlight());
        try {
            server = DpsHttpsServer.start(dps, Optional.of(api), limits, tls, TestPki.serverProtocols(), bind, boss,
                    workers, timeline);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    AdminServer(InetSocketAddress bind, Limits limits) throws IOException {
        this(UnaryOperator.identity(), bind, limits);
    }

    AdminServer() throws IOException {
        this(new InetSocketAddress("127.0.0.1", 0), Limits.DEFAULT);
    }

    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", server.address().getPort());
    }

    URI uri(String pathAndQuery) {
        return URI.create("https://" + HOST + ":" + server.address().getPort() + pathAndQuery);
    }

    SSLContext clientTls() {
        return pki.clientContextTrustingCa(Optional.empty());
    }

    HttpClient client() {
        return HttpClient.newBuilder().sslContext(clientTls()).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** A valid owner token, as the Node service SDK writes it. A secret. */
    String ownerToken() {
        return ServiceSas.token(HOST, sas.policy(ServiceSas.OWNER_POLICY), java.time.Instant.now().plusSeconds(3600));
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        if (api != null) {
            api.close();
        }
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        dps.close();
    }
}
