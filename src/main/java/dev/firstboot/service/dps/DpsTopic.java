package dev.firstboot.service.dps;

import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * One device PUBLISH topic as DPS reads it: which operation, the {@code $rid} to echo (raw, byte for byte, since
 * clients match it as an opaque string), and the operation polled.
 *
 * @param path        the topic before its {@code ?}, for the timeline
 * @param method      PUT for register, GET for status, PUBLISH for anything else
 * @param operation   the operation, when the topic names one
 * @param rid         the {@code $rid} exactly as sent; empty text when the topic has none
 * @param operationId the {@code operationId} query value, URL-decoded
 * @param refusal     the error to answer instead of serving the request
 */
record DpsTopic(String path, String method, Optional<DeviceRequest.Operation> operation, String rid,
                Optional<String> operationId, Optional<DpsError> refusal) {
    static final String PREFIX = "$dps/registrations/";
    static final String SUBSCRIPTION = PREFIX + "res/#";
    private static final String REGISTER = PREFIX + "PUT/iotdps-register/";
    private static final String STATUS = PREFIX + "GET/iotdps-get-operationstatus/";

    String operationName() {
        return operation.map(DeviceRequest.Operation::wireName).orElse("unknown");
    }

    /** The topic DPS answers on: {@code $dps/registrations/res/{status}/?$rid={rid}[&retry-after={n}]}. */
    static String response(String rid, DpsReply reply) {
        return PREFIX + "res/" + reply.httpStatus() + "/?$rid=" + rid
                + (reply.retryAfterSeconds() > 0 ? "&retry-after=" + reply.retryAfterSeconds() : "");
    }

    static DpsTopic parse(String topic) {
        int q = topic.indexOf('?');
        String path = q < 0 ? topic : topic.substring(0, q);
        String query = q < 0 ? "" : topic.substring(q + 1);
        Optional<String> rid = Optional.empty();
        Optional<String> operationId = Optional.empty();
        for (String part : query.split("&", -1)) {
            if (part.startsWith("$rid=") && rid.isEmpty()) {
                rid = Optional.of(part.substring("$rid=".length()));
            } else if (part.startsWith("operationId=") && operationId.isEmpty()) {
                operationId = Optional.of(decode(part.substring("operationId=".length())));
            }
        }
        String ridText = rid.orElse("");
        if (path.equals(REGISTER)) {
            return new DpsTopic(path, "PUT", Optional.of(DeviceRequest.Operation.REGISTER), ridText, Optional.empty(),
                    rid.isPresent() ? Optional.empty() : Optional.of(noRid()));
        }
        if (path.equals(STATUS)) {
            Optional<DpsError> refusal = rid.isEmpty() ? Optional.of(noRid())
                    : operationId.filter(s -> !s.isEmpty()).isEmpty()
                    ? Optional.of(DpsError.badRequest("the operation status topic has no operationId"))
                    : Optional.empty();
            return new DpsTopic(path, "GET", Optional.of(DeviceRequest.Operation.STATUS), ridText, operationId,
                    refusal);
        }
        return new DpsTopic(path, "PUBLISH", Optional.empty(), ridText, Optional.empty(),
                Optional.of(rid.isPresent() ? DpsError.unknownPath(path) : noRid()));
    }

    private static DpsError noRid() {
        return DpsError.badRequest("the topic has no $rid");
    }

    private static String decode(String value) {
        try {
            return QueryStringDecoder.decodeComponent(value.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return value;
        }
    }
}
