package dev.firstboot.service.dps;

import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.TimelineSink;

import java.util.LinkedHashMap;
import java.util.Map;

/** The DPS_REQUEST / DPS_RESPONSE pair every transport records, with the same attributes. Never a body. */
final class DpsEvents {
    private DpsEvents() {
    }

    static void request(TimelineSink sink, String registrationId, String operation, String transport, String method,
                        String path, String apiVersion) {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("operation", operation);
        a.put("transport", transport);
        a.put("method", method);
        a.put("path", path);
        a.put("apiVersion", apiVersion);
        sink.record(Origin.SERVICE, EventKind.DPS_REQUEST, registrationId, a);
    }

    static void response(TimelineSink sink, String registrationId, String operation, DpsReply reply) {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("operation", operation);
        a.put("status", Integer.toString(reply.httpStatus()));
        a.put("dpsStatus", reply.dpsStatus());
        a.put("retryAfter", Integer.toString(reply.retryAfterSeconds()));
        a.put("errorCode", reply.error().map(e -> Integer.toString(e.errorCode())).orElse(""));
        a.put("message", reply.error().map(DpsError::message).orElse(""));
        a.put("reason", reply.error().map(DpsError::reason).orElse(""));
        sink.record(Origin.SERVICE, EventKind.DPS_RESPONSE, registrationId, a);
    }
}
