package dev.firstboot.service.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firstboot.pki.TestPki;
import dev.firstboot.service.dps.admin.ServiceSas;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * How the harness talks to a running {@code firstboot emulator}: HTTPS to its DPS port, trusting its CA, every request
 * signed with a SAS token from the service connection string. The connection string and the tokens are secrets: no
 * message here holds them.
 */
final class ServiceConnection {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String API_VERSION = "2021-10-01";
    /**
     * The common name of the certificate the harness presents on its own connections, so its TLS handshakes on the
     * DPS port can be told from a device's and left off the rig's timeline. It has a space: never a registration id.
     */
    static final String HARNESS_PEER = "firstboot harness";
    private static final Duration REQUEST_DEADLINE = Duration.ofSeconds(10);
    private static final Duration TOKEN_LIFETIME = Duration.ofHours(1);

    /** An answer: status and the JSON body (an empty object when there was none). */
    record Answer(int status, JsonNode body) {
        String message() {
            return body.path("message").asText("(no message)");
        }
    }

    private final URI dps;
    private final String sasHost;
    private final ServiceSas.Policy policy;
    private final SSLContext tls;
    private final HttpClient http;

    private ServiceConnection(URI dps, String sasHost, ServiceSas.Policy policy, SSLContext tls) {
        this.dps = dps;
        this.sasHost = sasHost;
        this.policy = policy;
        this.tls = tls;
        this.http = HttpClient.newBuilder().sslContext(tls).connectTimeout(REQUEST_DEADLINE).build();
    }

    /**
     * @param connectionString {@code HostName=…;SharedAccessKeyName=…;SharedAccessKey=…}
     * @throws IllegalArgumentException naming the part that is missing (never echoing the string)
     */
    static ServiceConnection of(URI dps, String connectionString, X509Certificate ca) {
        String host = null;
        String name = null;
        String key = null;
        for (String part : connectionString.trim().split(";")) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String k = part.substring(0, eq).trim();
            String v = part.substring(eq + 1).trim();
            switch (k) {
                case "HostName" -> host = v;
                case "SharedAccessKeyName" -> name = v;
                case "SharedAccessKey" -> key = v;
                default -> { }
            }
        }
        if (host == null || name == null || key == null) {
            throw new IllegalArgumentException("the service connection string must have HostName=…;"
                    + "SharedAccessKeyName=…;SharedAccessKey=… (as firstboot emulator prints it); "
                    + (host == null ? "HostName" : name == null ? "SharedAccessKeyName" : "SharedAccessKey")
                    + " is missing");
        }
        ServiceSas.Policy policy;
        try {
            policy = ServiceSas.Policy.of(name, key);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the service connection string's SharedAccessKey is not a base64 key"
                    + " of 16 bytes or more; copy it again from the emulator's service-connection-string line");
        }
        return new ServiceConnection(dps, host, policy, TestPki.clientContextTrusting(ca,
                Optional.of(TestPki.selfSigned(HARNESS_PEER))));
    }

    URI dps() {
        return dps;
    }

    String authorization() {
        return ServiceSas.token(sasHost, policy, Instant.now().plus(TOKEN_LIFETIME));
    }

    /** One request; {@code path} is absolute ({@code /firstboot/reset}, {@code /enrollments/x?api-version=…}). */
    Answer send(String method, String path, JsonNode body) {
        String shown = path.replaceAll("\\?.*", "");
        HttpRequest request = HttpRequest.newBuilder(dps.resolve(path)).timeout(REQUEST_DEADLINE)
                .header("Authorization", authorization()).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.toString())).build();
        try {
            HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            JsonNode json = r.body().length == 0 ? JSON.createObjectNode() : parse(r.body());
            return new Answer(r.statusCode(), json);
        } catch (IOException e) {
            throw new UncheckedIOException("the emulator at " + dps + " did not answer " + method + " " + shown
                    + " within " + REQUEST_DEADLINE.toSeconds() + " s (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); is firstboot emulator running"
                    + " there, and is its CA the one the rig names?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while calling the emulator at " + dps, e);
        }
    }

    /** As {@link #send}, but anything other than 2xx is an error that names the call and the emulator's message. */
    JsonNode call(String method, String path, JsonNode body) {
        Answer a = send(method, path, body);
        if (a.status() / 100 != 2) {
            String shown = path.replaceAll("\\?.*", "");
            String what = "the emulator at " + dps + " answered " + a.status() + " to " + method + " " + shown + ": "
                    + a.message();
            if (a.status() == 400 || a.status() == 404 || a.status() == 409 || a.status() == 412) {
                throw new IllegalArgumentException(what);
            }
            throw new IllegalStateException(what + (a.status() == 401 ? "; is the service connection string the"
                    + " one this emulator printed?" : ""));
        }
        return a.body();
    }

    /** A TLS socket to the DPS port with host name verification, for the event stream. */
    SSLSocket openSocket(Duration readTimeout) throws IOException {
        java.net.Socket s = new java.net.Socket();
        s.connect(new InetSocketAddress(dps.getHost(), dps.getPort()), (int) REQUEST_DEADLINE.toMillis());
        s.setSoTimeout((int) readTimeout.toMillis());
        SSLSocket tlsSocket = (SSLSocket) tls.getSocketFactory().createSocket(s, dps.getHost(), dps.getPort(), true);
        SSLParameters p = tlsSocket.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS");
        tlsSocket.setSSLParameters(p);
        tlsSocket.setSoTimeout((int) readTimeout.toMillis());
        tlsSocket.startHandshake();
        return tlsSocket;
    }

    private static JsonNode parse(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode().put("message", "(a body that is not JSON)");
        }
    }
}
