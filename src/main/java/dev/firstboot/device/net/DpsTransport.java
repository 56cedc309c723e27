package dev.firstboot.device.net;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.Optional;

/**
 * How a device talks to DPS's runtime API: HTTPS ({@link DpsHttpsClient}) or MQTT ({@link DpsMqttClient}). Both give
 * the same {@link DpsHttpsClient.Reply}: the status (HTTP, or the one in the MQTT response topic), the JSON body and
 * retry-after. An {@link IOException} means the exchange did not complete (refused, dropped, TLS failed, no answer).
 */
public interface DpsTransport extends AutoCloseable {
    /** {@code https} or {@code mqtt}, for consoles and the timeline. */
    String name();

    DpsHttpsClient.Reply register(String registrationId, Optional<ObjectNode> tpm, Optional<String> authorization)
            throws IOException, InterruptedException;

    DpsHttpsClient.Reply operationStatus(String registrationId, String operationId, Optional<String> authorization)
            throws IOException, InterruptedException;

    /** Drops any connection the transport holds. */
    @Override
    void close();
}
