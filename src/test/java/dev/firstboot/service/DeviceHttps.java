package dev.firstboot.service;

import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import dev.firstboot.rig.DeviceEndpoints;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/** A test device talking to DPS over HTTPS the way the SDKs do, with the JDK client and hostname verification on. */
final class DeviceHttps {
    static final String API_VERSION = "2021-06-01";
    private static final Duration DEADLINE = Duration.ofSeconds(5);

    private final HttpClient client;
    private final DeviceEndpoints endpoints;

    /** Trusts only the CA the rig hands out, as a real device would. */
    DeviceHttps(DeviceEndpoints endpoints, Optional<KeyMaterial> identity) {
        this.endpoints = endpoints;
        this.client = HttpClient.newBuilder()
                .sslContext(TestPki.clientContextTrusting(endpoints.trustAnchor(), identity))
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(DEADLINE)
                .build();
    }

    HttpResponse<String> register(String registrationId) throws IOException, InterruptedException {
        return send("PUT", "/" + endpoints.idScope() + "/registrations/" + registrationId + "/register?api-version="
                + API_VERSION, "{\"registrationId\":\"" + registrationId + "\"}");
    }

    HttpResponse<String> status(String registrationId, String operationId) throws IOException, InterruptedException {
        return send("GET", "/" + endpoints.idScope() + "/registrations/" + registrationId + "/operations/"
                + operationId + "?api-version=" + API_VERSION, (byte[]) null);
    }

    HttpResponse<String> send(String method, String pathAndQuery, String body) throws IOException, InterruptedException {
        return send(method, pathAndQuery, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    HttpResponse<String> send(String method, String pathAndQuery, byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoints.dps() + pathAndQuery))
                .timeout(DEADLINE)
                .header("Accept", "application/json");
        if (body == null) {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            b.header("Content-Type", "application/json; charset=utf-8");
            b.method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }
}
