package dev.firstboot.service.dps;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.identity.RegistrationId;
import dev.firstboot.pki.Certificates;
import dev.firstboot.service.dps.store.StoreAdmin;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * DPS's side of X.509 attestation (dps.md §4): the leaf's CN is the registration id; an individual enrollment for the
 * leaf wins; otherwise the presented chain is walked from the first intermediate upward, each certificate matched
 * against enrollment groups by thumbprint (first match wins), and then the issuer of the topmost presented certificate
 * (a root the device did not send). The leaf must chain to the matched group's certificate, signatures and validity.
 * Called under {@link DpsService}'s lock.
 */
final class X509Attestation {
    private X509Attestation() {
    }

    static DpsService.Authenticated authenticate(DeviceRequest request, DpsService.Enrollment enrolled,
                                                 StoreAdmin admin) throws DpsService.Refused {
        String id = request.registrationId();
        if (request.peerChain().isEmpty()) {
            throw new DpsService.Refused("no TLS client certificate was presented");
        }
        List<X509Certificate> chain = new ArrayList<>();
        for (byte[] der : request.peerChain()) {
            try {
                chain.add(parse(der));
            } catch (CertificateException e) {
                throw new DpsService.Refused("certificate " + chain.size() + " of the presented chain could not be"
                        + " parsed: " + e.getMessage());
            }
        }
        byte[] leafDer = request.peerChain().get(0);
        X509Certificate leaf = chain.get(0);
        Optional<String> cn = Certificates.commonName(leaf);
        if (cn.isEmpty() || !RegistrationId.same(cn.get(), id)) {
            throw new DpsService.Refused("the client certificate's CN '" + cn.orElse("") + "' is not the registration"
                    + " id '" + id + "'");
        }
        if (enrolled != null) {
            if (enrolled.attestation() != DpsService.Attestation.X509) {
                throw new DpsService.Refused("registration id '" + id + "' is enrolled for " + enrolled.attestation()
                        + " attestation, not X.509");
            }
            byte[] secondary = der(enrolled.doc().path("attestation").path("x509").path("clientCertificates")
                    .path("secondary").path("certificate").asText(""));
            if (!Arrays.equals(enrolled.credential(), leafDer) && !Arrays.equals(secondary, leafDer)) {
                throw new DpsService.Refused("the client certificate is not the one enrolled for '" + id
                        + "' (SHA-256 " + Certificates.sha256Thumbprint(leafDer) + ", enrolled "
                        + Certificates.sha256Thumbprint(enrolled.credential()) + ")");
            }
            return new DpsService.Authenticated(enrolled, leafDer);
        }
        for (int i = 1; i < chain.size(); i++) {
            List<ObjectNode> groups = admin.groupsOnCa(request.peerChain().get(i));
            if (!groups.isEmpty()) {
                return member(id, leafDer, chain.subList(0, i + 1), groups.get(0));
            }
        }
        X509Certificate top = chain.get(chain.size() - 1);
        for (ObjectNode group : admin.groups()) {
            if (!group.path("attestation").path("type").asText().equals("x509")) {
                continue;
            }
            Optional<byte[]> caDer = admin.groupCa(group);
            if (caDer.isEmpty()) {
                continue;
            }
            X509Certificate ca;
            try {
                ca = parse(caDer.get());
            } catch (CertificateException e) {
                continue;
            }
            if (ca.getSubjectX500Principal().equals(top.getIssuerX500Principal()) && signedBy(top, ca)) {
                List<X509Certificate> path = new ArrayList<>(chain);
                path.add(ca);
                return member(id, leafDer, path, group);
            }
        }
        throw new DpsService.Refused("no individual enrollment for registration id '" + id + "' and no X.509"
                + " enrollment group on any certificate of the presented chain of " + chain.size()
                + " (or on the issuer of its last certificate)");
    }

    /** The device joins {@code group} when every certificate from the leaf to the group's verifies and is valid. */
    private static DpsService.Authenticated member(String id, byte[] leafDer, List<X509Certificate> path,
                                                   ObjectNode group) throws DpsService.Refused {
        String groupId = group.path("enrollmentGroupId").asText();
        for (int i = 0; i < path.size(); i++) {
            X509Certificate c = path.get(i);
            try {
                c.checkValidity();
            } catch (CertificateException e) {
                throw new DpsService.Refused("certificate " + i + " on the way to enrollment group '" + groupId
                        + "' is outside its validity (" + c.getNotBefore().toInstant() + " to "
                        + c.getNotAfter().toInstant() + ")");
            }
            if (i + 1 < path.size() && !signedBy(c, path.get(i + 1))) {
                throw new DpsService.Refused("certificate " + i + " of the presented chain is not signed by the next"
                        + " one, on the way to enrollment group '" + groupId + "'");
            }
        }
        DpsService.Enrollment member = new DpsService.Enrollment(id, DpsService.Attestation.X509, leafDer,
                Optional.empty(), group, DpsService.enabled(group));
        return new DpsService.Authenticated(member, leafDer, Optional.of(groupId));
    }

    private static boolean signedBy(X509Certificate cert, X509Certificate issuer) {
        try {
            cert.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    static X509Certificate parse(byte[] der) throws CertificateException {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
    }

    /** DER from a stored PEM or base64 certificate; empty when there is none. */
    static byte[] der(String text) {
        String body = text.replaceAll("-----(BEGIN|END) CERTIFICATE-----", "").replaceAll("\\s", "");
        try {
            return Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            return new byte[0];
        }
    }
}
