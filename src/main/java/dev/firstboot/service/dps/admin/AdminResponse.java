package dev.firstboot.service.dps.admin;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;
import java.util.Optional;

/**
 * The service API's answer, for the transport to put on the wire.
 *
 * @param status    the HTTP status
 * @param body      the JSON body; empty for 204
 * @param headers   extra response headers (ETag, x-ms-continuation, x-ms-item-type, x-ms-error-code, Allow)
 * @param errorCode the service's numeric error code for errors
 */
record AdminResponse(int status, Optional<JsonNode> body, Map<String, String> headers, Optional<Integer> errorCode) {
}
