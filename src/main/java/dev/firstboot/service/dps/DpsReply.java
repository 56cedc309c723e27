package dev.firstboot.service.dps;

import java.util.Optional;

/**
 * DPS's answer to one {@link DeviceRequest}, for a transport to put on the wire.
 *
 * @param httpStatus        the HTTP status (MQTT carries it in the response topic)
 * @param dpsStatus         assigning, assigned or disabled; empty text for errors
 * @param retryAfterSeconds whole seconds to advertise; 0 means send no retry-after
 * @param operationId       the operation to poll, when there is one
 * @param json              the response body
 * @param error             the error, for error replies
 */
public record DpsReply(int httpStatus, String dpsStatus, int retryAfterSeconds, Optional<String> operationId,
                       String json, Optional<DpsError> error) {
}
