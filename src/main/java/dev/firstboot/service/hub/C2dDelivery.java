package dev.firstboot.service.hub;

/** How a cloud-to-device message ended: the device acknowledged it (PUBACK), or the hub gave up on it. */
public sealed interface C2dDelivery {
    String messageId();

    /** The device sent PUBACK for the message's PUBLISH. */
    record Acknowledged(String messageId) implements C2dDelivery {
    }

    /** The hub dropped the message: the device is unknown, or the hub was reset or closed. */
    record Undelivered(String messageId, String reason) implements C2dDelivery {
    }
}
