package dev.firstboot.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firstboot.pki.KeyMaterial;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/** A device's whole register-and-poll over HTTPS, as a test needs it: the final answer, or the refusal. */
final class Provisioning {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofSeconds(20);
    /** What the device waits between polls (the tests' DPS advertises retry-after 0). */
    private static final Duration POLL_PAUSE = Duration.ofMillis(20);

    private Provisioning() {
    }

    /** The HTTP status and body of the last answer: the refusal, or the poll that ended the operation. */
    record Outcome(int httpStatus, JsonNode body) {
        String status() {
            return body.path("status").asText();
        }

        JsonNode state() {
            return body.path("registrationState");
        }
    }

    static Outcome provision(EmbeddedRig rig, KeyMaterial key, String registrationId) throws Exception {
        return provision(rig, key, registrationId, null);
    }

    /** Registers (with {@code payloadJson} as the request's payload when given) and polls until DPS decides. */
    static Outcome provision(EmbeddedRig rig, KeyMaterial key, String registrationId, String payloadJson)
            throws Exception {
        DeviceHttps device = new DeviceHttps(rig.backend.deviceEndpoints(), Optional.of(key));
        String body = "{\"registrationId\":\"" + registrationId + "\""
                + (payloadJson == null ? "" : ",\"payload\":" + payloadJson) + "}";
        HttpResponse<String> registered = device.send("PUT", "/" + EmbeddedRig.ID_SCOPE + "/registrations/"
                + registrationId + "/register?api-version=" + DeviceHttps.API_VERSION, body);
        if (registered.statusCode() != 202) {
            return new Outcome(registered.statusCode(), JSON.readTree(registered.body()));
        }
        String operationId = JSON.readTree(registered.body()).get("operationId").asText();
        Instant deadline = Instant.now().plus(DEADLINE);
        while (true) {
            HttpResponse<String> polled = device.status(registrationId, operationId);
            JsonNode answer = JSON.readTree(polled.body());
            if (polled.statusCode() != 202) {
                return new Outcome(polled.statusCode(), answer);
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("DPS still says assigning for '" + registrationId + "' after " + DEADLINE);
            }
            LockSupport.parkNanos(POLL_PAUSE.toNanos());
        }
    }
}
