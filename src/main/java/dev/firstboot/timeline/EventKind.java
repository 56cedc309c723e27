package dev.firstboot.timeline;

/** What happened. Each kind declares its {@link #details()}; {@link TimelineEvent#subject()} names what it happened to. */
public enum EventKind {
    /** A console line arrived (attribute {@code line}, masked). */
    CONSOLE_LINE(Details.of("line").maybe("stream", "secret")),
    /** The first byte of console output after a reset or power-on. */
    CONSOLE_FIRST_BYTE(Details.of()),
    /** A device-reported milestone (attribute {@code milestone}). */
    DEVICE_MILESTONE(Details.of("milestone").maybe("reason", "assignedHub", "deviceId", "hub",
            "transport", "attempt", "status", "waitMs", "line", "device", "by")),
    /** Reset, button or power action (attribute {@code action}). */
    CONTROL(Details.of("action").maybe("by")),
    /** The device started its first boot (reset released, power on, or simulator start). */
    BOOT_STARTED(Details.of().maybe("program")),
    /** A TLS handshake finished, seen by the side that records it (attributes {@code peer}, {@code protocol}). */
    TLS_HANDSHAKE(Details.of("peer", "protocol").maybe("serverCertificate")),
    /** A TLS handshake failed (attribute {@code reason}). */
    TLS_FAILED(Details.of("reason").maybe("serverCertificate")),
    /** DPS received an MQTT CONNECT (attributes {@code transport} mqtt, {@code clientId}, {@code username}). */
    DPS_CONNECT(Details.of("transport", "clientId", "username")),
    /** DPS answered an MQTT CONNECT (attributes {@code transport} mqtt, {@code returnCode}; 0 is accepted). */
    DPS_CONNACK(Details.of("transport", "returnCode")),
    /** DPS received a device request (attributes {@code operation} register|status, {@code transport}, {@code method}, {@code path}). */
    DPS_REQUEST(Details.of("operation", "transport", "method", "path", "apiVersion")
            .maybe("authorization", "ifMatch")),
    /** DPS answered (attributes {@code operation}, {@code status} HTTP code, {@code dpsStatus}, {@code retryAfter}). */
    DPS_RESPONSE(Details.of("operation", "status").maybe("dpsStatus", "retryAfter", "errorCode", "message",
            "reason")),
    /** DPS sent a TPM challenge (401 with an activation blob). */
    DPS_CHALLENGE(Details.of("keyName")),
    /** DPS assigned the device (attributes {@code assignedHub}, {@code deviceId}). */
    DPS_ASSIGNED(Details.of("assignedHub", "deviceId").maybe("substatus")),
    /** The hub received MQTT CONNECT (attributes {@code clientId}, {@code username}). */
    HUB_CONNECT(Details.of("hub", "clientId", "username")),
    /** The hub answered CONNECT (attribute {@code returnCode}; 0 is accepted). */
    HUB_CONNACK(Details.of("hub", "returnCode")),
    /** The hub received a PUBLISH (attributes {@code topic}, {@code qos}, {@code bytes}). */
    HUB_PUBLISH(Details.of("hub", "topic", "qos", "bytes")),
    /** A hub connection closed. */
    HUB_DISCONNECT(Details.of("hub")),
    /** A fault was injected by the service (attribute {@code fault}). */
    FAULT_INJECTED(Details.of("fault").maybe("transport", "delayMs", "status", "retryAfter", "limit",
            "hub", "returnCode", "seconds")),
    /** A harness-side note: scenario start, a step's action. */
    HARNESS_NOTE(Details.anything());

    private final Details details;

    EventKind(Details details) {
        this.details = details;
    }

    /** The details this kind carries; {@link TimelineEvent} holds every event to them. */
    public Details details() {
        return details;
    }
}
