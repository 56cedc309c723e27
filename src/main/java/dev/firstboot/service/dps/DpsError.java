package dev.firstboot.service.dps;

/**
 * An error DPS reports to a device.
 *
 * @param httpStatus the HTTP status
 * @param errorCode  the service's numeric code, also sent as {@code x-ms-error-code}
 * @param message    what the device is told, exactly as the real service words it
 * @param reason     why, for the timeline and the harness only; never sent to the device
 */
public record DpsError(int httpStatus, int errorCode, String message, String reason) {
    public static final int BAD_REQUEST = 400004;
    public static final int UNAUTHORIZED = 401002;
    public static final int NOT_FOUND = 404001;
    public static final int METHOD_NOT_ALLOWED = 405001;
    public static final int PAYLOAD_TOO_LARGE = 413001;

    public static DpsError badRequest(String why) {
        return new DpsError(400, BAD_REQUEST, "Bad request: " + why, why);
    }

    /** The real service says only "Unauthorized", whatever the cause; the cause goes to {@code reason}. */
    static DpsError unauthorized(String why) {
        return new DpsError(401, UNAUTHORIZED, "Unauthorized", why);
    }

    static DpsError notFound(String why) {
        return new DpsError(404, NOT_FOUND, "Not found: " + why, why);
    }

    public static DpsError methodNotAllowed(String why) {
        return new DpsError(405, METHOD_NOT_ALLOWED, "Method not allowed: " + why, why);
    }

    public static DpsError payloadTooLarge(int limit) {
        String why = "the request body is larger than " + limit + " bytes";
        return new DpsError(413, PAYLOAD_TOO_LARGE, "Payload too large: " + why, why);
    }

    public static DpsError unknownPath(String path) {
        return notFound("no device API at " + path);
    }
}
