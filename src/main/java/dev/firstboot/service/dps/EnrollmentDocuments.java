package dev.firstboot.service.dps;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Base64;
import java.util.Optional;

/**
 * The enrollment documents the steps' conveniences mean, in the real service API's JSON shapes (IndividualEnrollment,
 * EnrollmentGroup): one hub, static allocation. The one place they are built, whether they are put into the store
 * in-process ({@link DpsService}) or sent over the REST service API to a running emulator.
 */
public final class EnrollmentDocuments {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EnrollmentDocuments() {
    }

    /** An individual X.509 enrollment: the device is known by its leaf certificate, byte for byte. */
    public static ObjectNode x509Individual(String registrationId, byte[] leafCertificateDer, Optional<String> deviceId,
                                            String hubHost, boolean enabled) {
        ObjectNode doc = individual(registrationId, deviceId, hubHost, enabled);
        ObjectNode x509 = doc.putObject("attestation").put("type", "x509").putObject("x509");
        x509.putObject("clientCertificates").putObject("primary").put("certificate",
                Base64.getEncoder().encodeToString(leafCertificateDer));
        return doc;
    }

    /** An individual TPM enrollment: the device is known by its endorsement key (a marshalled TPM2B_PUBLIC). */
    public static ObjectNode tpmIndividual(String registrationId, byte[] endorsementKey, Optional<String> deviceId,
                                           String hubHost, boolean enabled) {
        ObjectNode doc = individual(registrationId, deviceId, hubHost, enabled);
        doc.putObject("attestation").put("type", "tpm").putObject("tpm").put("endorsementKey",
                Base64.getEncoder().encodeToString(endorsementKey));
        return doc;
    }

    /** An individual symmetric-key enrollment: the device signs its SAS tokens with {@code primaryKey}. */
    public static ObjectNode symmetricKeyIndividual(String registrationId, byte[] primaryKey, Optional<String> deviceId,
                                                    String hubHost, boolean enabled) {
        requireKeyLength(primaryKey, "the primary key of '" + registrationId + "'");
        ObjectNode doc = individual(registrationId, deviceId, hubHost, enabled);
        doc.putObject("attestation").put("type", "symmetricKey").putObject("symmetricKey")
                .put("primaryKey", Base64.getEncoder().encodeToString(primaryKey));
        return doc;
    }

    /** A symmetric-key enrollment group on {@code groupKey}. */
    public static ObjectNode symmetricKeyGroup(String groupId, byte[] groupKey, String hubHost, boolean enabled) {
        requireGroupId(groupId);
        requireKeyLength(groupKey, "the key of enrollment group '" + groupId + "'");
        ObjectNode doc = group(groupId, hubHost, enabled);
        doc.putObject("attestation").put("type", "symmetricKey").putObject("symmetricKey")
                .put("primaryKey", Base64.getEncoder().encodeToString(groupKey));
        return doc;
    }

    /** An X.509 enrollment group on a root or intermediate CA certificate. */
    public static ObjectNode x509Group(String groupId, byte[] caCertificateDer, String hubHost, boolean enabled) {
        requireGroupId(groupId);
        ObjectNode doc = group(groupId, hubHost, enabled);
        doc.putObject("attestation").put("type", "x509").putObject("x509").putObject("signingCertificates")
                .putObject("primary").put("certificate", Base64.getEncoder().encodeToString(caCertificateDer));
        return doc;
    }

    private static ObjectNode individual(String registrationId, Optional<String> deviceId, String hubHost,
                                         boolean enabled) {
        if (registrationId.isBlank()) {
            throw new IllegalArgumentException("an enrollment needs a registration id");
        }
        ObjectNode doc = JSON.createObjectNode();
        doc.put("registrationId", registrationId);
        deviceId.filter(d -> !d.isBlank()).ifPresent(d -> doc.put("deviceId", d));
        linkOne(doc, hubHost, enabled);
        return doc;
    }

    private static ObjectNode group(String groupId, String hubHost, boolean enabled) {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("enrollmentGroupId", groupId);
        linkOne(doc, hubHost, enabled);
        return doc;
    }

    private static void requireGroupId(String groupId) {
        if (groupId.isBlank()) {
            throw new IllegalArgumentException("an enrollment group needs a group id");
        }
    }

    /** The conveniences enroll on one hub, statically, as the steps mean it. */
    private static void linkOne(ObjectNode doc, String hubHost, boolean enabled) {
        doc.put("provisioningStatus", enabled ? "enabled" : "disabled");
        doc.put("allocationPolicy", "static");
        doc.putArray("iotHubs").add(hubHost);
    }

    /** DPS takes keys of 16 to 64 bytes, as the real service does. */
    private static void requireKeyLength(byte[] key, String what) {
        if (key.length < 16 || key.length > 64) {
            throw new IllegalArgumentException(what + " must be 16 to 64 bytes, got " + key.length);
        }
    }
}
