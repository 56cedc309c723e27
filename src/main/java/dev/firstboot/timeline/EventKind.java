package dev.firstboot.timeline;

/** What happened. Attributes carry the details; {@link TimelineEvent#subject()} names what it happened to. */
public enum EventKind {
    /** A console line arrived (attribute {@code line}, masked). */
    CONSOLE_LINE,
    /** The first byte of console output after a reset or power-on. */
    CONSOLE_FIRST_BYTE,
    /** A device-reported milestone (attribute {@code milestone}). */
    DEVICE_MILESTONE,
    /** Reset, button or power action (attribute {@code action}). */
    CONTROL,
    /** The device started its first boot (reset released, power on, or simulator start). */
    BOOT_STARTED,
    /** A TLS handshake finished, seen by the side that records it (attributes {@code peer}, {@code protocol}). */
    TLS_HANDSHAKE,
    /** A TLS handshake failed (attribute {@code reason}). */
    TLS_FAILED,
    /** DPS received an MQTT CONNECT (attributes {@code transport} mqtt, {@code clientId}, {@code username}). */
    DPS_CONNECT,
    /** DPS answered an MQTT CONNECT (attributes {@code transport} mqtt, {@code returnCode}; 0 is accepted). */
    DPS_CONNACK,
    /** DPS received a device request (attributes {@code operation} register|status, {@code transport}, {@code method}, {@code path}). */
    DPS_REQUEST,
    /** DPS answered (attributes {@code operation}, {@code status} HTTP code, {@code dpsStatus}, {@code retryAfter}). */
    DPS_RESPONSE,
    /** DPS sent a TPM challenge (401 with an activation blob). */
    DPS_CHALLENGE,
    /** DPS assigned the device (attributes {@code assignedHub}, {@code deviceId}). */
    DPS_ASSIGNED,
    /** The hub received MQTT CONNECT (attributes {@code clientId}, {@code username}). */
    HUB_CONNECT,
    /** The hub answered CONNECT (attribute {@code returnCode}; 0 is accepted). */
    HUB_CONNACK,
    /** The hub received a PUBLISH (attributes {@code topic}, {@code qos}, {@code bytes}). */
    HUB_PUBLISH,
    /** A hub connection closed. */
    HUB_DISCONNECT,
    /** A fault was injected by the service (attribute {@code fault}). */
    FAULT_INJECTED,
    /** A harness-side note: scenario start, a step's action. */
    HARNESS_NOTE
}
