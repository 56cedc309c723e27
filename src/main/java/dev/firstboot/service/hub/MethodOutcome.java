package dev.firstboot.service.hub;

import java.time.Duration;

/** What a direct-method call got: the device's answer, or why there was none (as IoT Hub's 404 and 504). */
public sealed interface MethodOutcome {
    /** The device answered on {@code $iothub/methods/res/{status}/?$rid=...}; the payload as UTF-8 text. */
    record Answered(int status, String payload) implements MethodOutcome {
    }

    /** The device is not connected, has not subscribed to {@code $iothub/methods/POST/#}, or disconnected. */
    record DeviceOffline(String reason) implements MethodOutcome {
    }

    /** The device did not answer within the call's timeout. */
    record TimedOut(Duration timeout) implements MethodOutcome {
    }
}
