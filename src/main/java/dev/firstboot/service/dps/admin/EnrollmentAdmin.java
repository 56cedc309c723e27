package dev.firstboot.service.dps.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Optional;

/**
 * The DPS enrollment service, as the real service API exposes it: documents in the real service's JSON shapes
 * (IndividualEnrollment, EnrollmentGroup, DeviceRegistrationState), with etags. The REST front, the steps and the
 * seed loader all go through this one interface, so what a feature enrolls is exactly what an SDK could enroll.
 */
public interface EnrollmentAdmin {
    /** The collections of the service API, by their path segment. */
    enum Collection {
        ENROLLMENTS("enrollments"), ENROLLMENT_GROUPS("enrollmentGroups"), REGISTRATIONS("registrations");

        private final String path;

        Collection(String path) {
            this.path = path;
        }

        public String path() {
            return path;
        }
    }

    /** The stored document, as the real service returns it (etag, createdDateTimeUtc, lastUpdatedDateTimeUtc). */
    Optional<ObjectNode> get(Collection collection, String id);

    /**
     * Creates or replaces a document (not for {@link Collection#REGISTRATIONS}, which devices create). Returns the
     * stored document. {@code ifMatch}, when present, must equal the stored etag ("*" matches any existing one).
     */
    ObjectNode put(Collection collection, String id, ObjectNode body, Optional<String> ifMatch) throws AdminError;

    /** Deletes a document; an unknown id is a 404 {@link AdminError}. */
    void delete(Collection collection, String id, Optional<String> ifMatch) throws AdminError;

    /** Up to {@code max} documents of a collection, in id order, after {@code afterId} when given. */
    List<ObjectNode> query(Collection collection, int max, Optional<String> afterId);

    /**
     * CA certificates for X.509 enrollment groups, with proof of possession as the real service does it: upload,
     * get a verification code, then present a certificate whose CN is that code, signed by the CA's key.
     */
    ObjectNode putCertificate(String name, String pem) throws AdminError;

    Optional<ObjectNode> getCertificate(String name);

    /** A fresh verification code for an uploaded, not yet verified certificate. */
    ObjectNode generateVerificationCode(String name) throws AdminError;

    /** Marks the certificate verified when {@code verificationPem} has CN = the code and is signed by the CA. */
    ObjectNode verifyCertificate(String name, String verificationPem) throws AdminError;

    void deleteCertificate(String name) throws AdminError;

    /** A refusal with the real service's HTTP status and numeric errorCode (e.g. 400 400004, 404 404201, 412 412002). */
    final class AdminError extends Exception {
        private final int httpStatus;
        private final int errorCode;

        public AdminError(int httpStatus, int errorCode, String message) {
            super(message, null, false, false);
            this.httpStatus = httpStatus;
            this.errorCode = errorCode;
        }

        public int httpStatus() {
            return httpStatus;
        }

        public int errorCode() {
            return errorCode;
        }
    }
}
