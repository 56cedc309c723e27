package dev.firstboot.device.net;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The device side of DPS's HTTPS runtime API, as the Azure IoT C SDK speaks it: {@code PUT …/register} and
 * {@code GET …/operations/{id}}, with the C SDK's api-version and headers. X.509 devices authenticate by their TLS
 * client certificate, which lives in the {@link SSLContext}.
 */
public final class DpsHttpsClient implements DpsTransport {
    public static final String API_VERSION = "2021-06-01";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final URI endpoint;
    private final String idScope;
    private final Duration requestTimeout;

    public DpsHttpsClient(SSLContext tls, URI endpoint, String idScope, Duration requestTimeout) {
        this.http = HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(requestTimeout).build();
        this.endpoint = endpoint;
        this.idScope = idScope;
        this.requestTimeout = requestTimeout;
    }

    /** What DPS answered: the HTTP status, the JSON body (an empty object when there was none) and retry-after. */
    public record Reply(int httpStatus, JsonNode body, OptionalInt retryAfterSeconds) {
        public String text(String field) {
            JsonNode n = body.path(field);
            return n.isValueNode() ? n.asText() : "";
        }

        public String state(String field) {
            JsonNode n = body.path("registrationState").path(field);
            return n.isValueNode() ? n.asText() : "";
        }

        /** One line for a console or a failure reason: status, errorCode and message when DPS gave them. */
        public String describe() {
            StringBuilder out = new StringBuilder("HTTP ").append(httpStatus);
            if (!text("status").isEmpty()) {
                out.append(", status ").append(text("status"));
            }
            if (!text("errorCode").isEmpty()) {
                out.append(", errorCode ").append(text("errorCode"));
            }
            if (!text("message").isEmpty()) {
                out.append(", message \"").append(text("message")).append('"');
            }
            return out.toString();
        }
    }

    @Override
    public String name() {
        return "https";
    }

    /** Nothing to drop: the HTTP client's pooled connections close when idle. */
    @Override
    public void close() {
    }

    public Reply register(String registrationId) throws IOException, InterruptedException {
        return register(registrationId, Optional.empty(), Optional.empty());
    }

    /**
     * @param tpm           the {@code tpm} object ({@code endorsementKey}, {@code storageRootKey}) of a TPM device
     * @param authorization a SAS for the {@code Authorization} header
     */
    @Override
    public Reply register(String registrationId, Optional<ObjectNode> tpm, Optional<String> authorization)
            throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode().put("registrationId", registrationId);
        tpm.ifPresent(t -> body.set("tpm", t));
        HttpRequest.Builder request = base(path(registrationId, "register"))
                .PUT(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        authorization.ifPresent(a -> request.header("Authorization", a));
        return send(request.build());
    }

    public Reply operationStatus(String registrationId, String operationId) throws IOException, InterruptedException {
        return operationStatus(registrationId, operationId, Optional.empty());
    }

    @Override
    public Reply operationStatus(String registrationId, String operationId, Optional<String> authorization)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = base(path(registrationId, "operations/" + encode(operationId))).GET();
        authorization.ifPresent(a -> request.header("Authorization", a));
        return send(request.build());
    }

    /** A new {@code tpm} object for a register body. */
    public static ObjectNode tpmKeys(byte[] endorsementKey, byte[] storageRootKey) {
        java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
        return JSON.createObjectNode().put("endorsementKey", b64.encodeToString(endorsementKey))
                .put("storageRootKey", b64.encodeToString(storageRootKey));
    }

    private String path(String registrationId, String tail) {
        return "/" + encode(idScope) + "/registrations/" + encode(registrationId) + "/" + tail
                + "?api-version=" + API_VERSION;
    }

    private HttpRequest.Builder base(String pathAndQuery) {
        return HttpRequest.newBuilder(endpoint.resolve(pathAndQuery)).timeout(requestTimeout)
                .header("Accept", "application/json")
                .header("Content-Type", "application/json; charset=utf-8")
                .header("User-Agent", "prov_device_client/1.0 (firstboot DICE simulator)");
    }

    private Reply send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpTimeoutException e) {
            throw new IOException("DPS did not answer " + request.method() + " " + request.uri().getPath() + " within "
                    + requestTimeout.toSeconds() + " s", e);
        }
        JsonNode body;
        try {
            body = response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IOException("DPS answered HTTP " + response.statusCode() + " with a body that is not JSON", e);
        }
        OptionalInt retryAfter = OptionalInt.empty();
        String header = response.headers().firstValue("retry-after").orElse("");
        if (!header.isBlank()) {
            try {
                retryAfter = OptionalInt.of(Integer.parseInt(header.trim()));
            } catch (NumberFormatException ignored) {
                // The C SDK reads only whole seconds; anything else is as if the header were absent.
            }
        }
        return new Reply(response.statusCode(), body, retryAfter);
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
