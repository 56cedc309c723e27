package dev.firstboot.service.dps;

import java.util.List;
import java.util.Optional;

/**
 * One device request as DPS sees it, whatever carried it (HTTPS now, MQTT later).
 *
 * @param operation      register or operation-status
 * @param idScope        the ID scope the device named
 * @param registrationId the registration id from the path or topic (already URL-decoded)
 * @param operationId    the operation polled; empty for register
 * @param apiVersion     the api-version the device sent; empty when it sent none
 * @param peerChain      the TLS client chain, leaf first, DER; empty when the device presented none
 * @param body           the request body; empty for a GET
 * @param authorization  the SAS the device sent (TPM and symmetric-key attestation); never logged
 */
public record DeviceRequest(Operation operation, String idScope, String registrationId, Optional<String> operationId,
                            Optional<String> apiVersion, List<byte[]> peerChain, byte[] body,
                            Optional<String> authorization) {
    public DeviceRequest {
        peerChain = List.copyOf(peerChain);
        body = body.clone();
    }

    /** What the device asked for; {@link #wireName()} is the {@code operation} timeline attribute. */
    public enum Operation {
        REGISTER("register"),
        STATUS("status");

        private final String wireName;

        Operation(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }
    }
}
