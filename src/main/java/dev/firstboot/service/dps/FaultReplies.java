package dev.firstboot.service.dps;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.service.fault.FaultPlan;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** The error replies DPS sends for injected faults, in the service's own error body shape. */
final class FaultReplies {
    private static final ObjectMapper JSON = new ObjectMapper();

    private FaultReplies() {
    }

    static DpsReply of(FaultPlan.Verdict.Answer answer) {
        DpsError error = switch (answer.status()) {
            case 429 -> new DpsError(429, 429001, "Operations are being throttled for this tenant.", answer.why());
            case 503 -> new DpsError(503, 503001, "Service unavailable.", answer.why());
            default -> new DpsError(answer.status(), answer.status() * 1000 + 1, "Internal server error.",
                    answer.why());
        };
        ObjectNode body = JSON.createObjectNode();
        body.put("errorCode", error.errorCode());
        body.put("trackingId", UUID.randomUUID().toString());
        body.put("message", error.message());
        body.put("timestampUtc", Instant.now().toString());
        return new DpsReply(error.httpStatus(), "", answer.retryAfterSeconds(), Optional.empty(), body.toString(),
                Optional.of(error));
    }
}
