package dev.firstboot.service.dps.admin;

import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where a service API request goes. The device API's paths start with an ID scope
 * ({@code /{idScope}/registrations/...}); the service API's start with one of {@link #ROOTS}, so the two share one
 * listener without ambiguity.
 */
record AdminRoute(Target target, String id, String path, Optional<String> apiVersion) {
    static final Set<String> ROOTS = Set.of("enrollments", "enrollmentGroups", "registrations", "certificates");

    enum Target {
        /** {@code /enrollments/{id}}, {@code /enrollmentGroups/{id}}, {@code /registrations/{id}} */
        DOCUMENT,
        /** {@code /enrollments/{id}/attestationmechanism} (the Java service SDK's getAttestationMechanism) */
        ATTESTATION,
        /** {@code /enrollments/query}, {@code /enrollmentGroups/query} */
        QUERY,
        /** {@code /registrations/{enrollmentGroupId}/query} */
        GROUP_REGISTRATIONS,
        /** {@code /enrollments} (bulk operations; not emulated) */
        BULK,
        /** {@code /certificates/{name}} */
        CERTIFICATE,
        /** {@code /certificates/{name}/generateVerificationCode} */
        VERIFICATION_CODE,
        /** {@code /certificates/{name}/verify} */
        VERIFY,
        /** under a service API root, but no resource we know */
        UNKNOWN
    }

    /** The collection a document route names; meaningless for certificate routes. */
    EnrollmentAdmin.Collection collection() {
        String root = path.split("/", -1)[1];
        return switch (root) {
            case "enrollmentGroups" -> EnrollmentAdmin.Collection.ENROLLMENT_GROUPS;
            case "registrations" -> EnrollmentAdmin.Collection.REGISTRATIONS;
            default -> EnrollmentAdmin.Collection.ENROLLMENTS;
        };
    }

    boolean certificates() {
        return path.startsWith("/certificates");
    }

    /** True when the request's path starts with a service API root. */
    static boolean isAdmin(String uri) {
        String path = new QueryStringDecoder(uri).rawPath();
        String[] raw = path.split("/", -1);
        return raw.length >= 2 && raw[0].isEmpty() && ROOTS.contains(raw[1]);
    }

    static AdminRoute of(String uri) {
        QueryStringDecoder query = new QueryStringDecoder(uri);
        String path = query.rawPath();
        List<String> versions = query.parameters().get("api-version");
        Optional<String> apiVersion = versions == null || versions.isEmpty() || versions.get(0).isEmpty()
                ? Optional.empty() : Optional.of(versions.get(0));
        String[] raw = path.split("/", -1);
        String root = raw[1];
        Target target = Target.UNKNOWN;
        String id = "";
        if (raw.length == 2 && root.equals("enrollments")) {
            target = Target.BULK;
        } else if (raw.length == 3 && !raw[2].isEmpty()) {
            id = decode(raw[2]);
            if (root.equals("certificates")) {
                target = Target.CERTIFICATE;
            } else if (raw[2].equals("query") && !root.equals("registrations")) {
                target = Target.QUERY;
            } else {
                target = Target.DOCUMENT;
            }
        } else if (raw.length == 4 && !raw[2].isEmpty()) {
            id = decode(raw[2]);
            String verb = raw[3];
            if (root.equals("certificates")) {
                target = verb.equals("generateVerificationCode") ? Target.VERIFICATION_CODE
                        : verb.equals("verify") ? Target.VERIFY : Target.UNKNOWN;
            } else if (root.equals("registrations")) {
                target = verb.equals("query") ? Target.GROUP_REGISTRATIONS : Target.UNKNOWN;
            } else {
                target = verb.equalsIgnoreCase("attestationmechanism") ? Target.ATTESTATION : Target.UNKNOWN;
            }
        }
        return new AdminRoute(target, id, path, apiVersion);
    }

    /** Percent-decoding of one path segment; unlike form decoding, '+' stays '+'. */
    private static String decode(String segment) {
        try {
            return QueryStringDecoder.decodeComponent(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return segment;
        }
    }
}
