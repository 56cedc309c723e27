package dev.firstboot.identity;

import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Byte-for-byte comparison of a presented certificate with a reference, explained field by field, so a failed
 * verdict says what the device got wrong (serial, subject, key, an extension, the signature), not just "differs".
 */
public final class CertificateComparison {
    private CertificateComparison() {
    }

    /** Empty when the two DER encodings are identical; otherwise a description of where and how they differ. */
    public static Optional<String> difference(byte[] presented, byte[] reference) {
        if (Arrays.equals(presented, reference)) {
            return Optional.empty();
        }
        int first = 0;
        while (first < presented.length && first < reference.length && presented[first] == reference[first]) {
            first++;
        }
        StringBuilder out = new StringBuilder();
        out.append("first difference at byte ").append(first).append(" (presented ").append(presented.length)
                .append(" bytes, reference ").append(reference.length).append(" bytes)");
        List<String> fields = fieldDifferences(presented, reference);
        if (!fields.isEmpty()) {
            out.append("; differing fields: ").append(String.join("; ", fields));
        }
        return Optional.of(out.toString());
    }

    static List<String> fieldDifferences(byte[] presented, byte[] reference) {
        X509Certificate p;
        X509Certificate r;
        try {
            p = parse(presented);
        } catch (CertificateException e) {
            return List.of("the presented certificate is not valid X.509 DER (" + e.getMessage() + ")");
        }
        try {
            r = parse(reference);
        } catch (CertificateException e) {
            return List.of("the reference certificate does not parse (" + e.getMessage() + ")");
        }
        HexFormat hex = HexFormat.of();
        List<String> out = new ArrayList<>();
        compare(out, "serial number", hex.formatHex(p.getSerialNumber().toByteArray()), hex.formatHex(r.getSerialNumber().toByteArray()));
        compare(out, "subject", p.getSubjectX500Principal().getName(), r.getSubjectX500Principal().getName());
        compare(out, "issuer", p.getIssuerX500Principal().getName(), r.getIssuerX500Principal().getName());
        compare(out, "validity start", p.getNotBefore().toInstant().toString(), r.getNotBefore().toInstant().toString());
        compare(out, "validity end", p.getNotAfter().toInstant().toString(), r.getNotAfter().toInstant().toString());
        compare(out, "public key", hex.formatHex(p.getPublicKey().getEncoded()), hex.formatHex(r.getPublicKey().getEncoded()));
        compare(out, "signature algorithm", p.getSigAlgOID(), r.getSigAlgOID());
        Set<String> oids = new TreeSet<>();
        addAll(oids, p.getCriticalExtensionOIDs());
        addAll(oids, p.getNonCriticalExtensionOIDs());
        addAll(oids, r.getCriticalExtensionOIDs());
        addAll(oids, r.getNonCriticalExtensionOIDs());
        for (String oid : oids) {
            byte[] pv = p.getExtensionValue(oid);
            byte[] rv = r.getExtensionValue(oid);
            if (pv == null) {
                out.add("extension " + oid + " missing from the presented certificate");
            } else if (rv == null) {
                out.add("extension " + oid + " present but not in the reference");
            } else if (!Arrays.equals(pv, rv)) {
                out.add("extension " + oid + " has a different value");
            } else if (isCritical(p, oid) != isCritical(r, oid)) {
                out.add("extension " + oid + " criticality differs");
            }
        }
        if (out.isEmpty()) {
            out.add(Arrays.equals(p.getSignature(), r.getSignature())
                    ? "same fields and signature but a different encoding"
                    : "signature (same content signed differently: a different signing key or nonce)");
        }
        return out;
    }

    private static boolean isCritical(X509Certificate c, String oid) {
        Set<String> critical = c.getCriticalExtensionOIDs();
        return critical != null && critical.contains(oid);
    }

    private static void addAll(Set<String> into, Set<String> from) {
        if (from != null) {
            into.addAll(from);
        }
    }

    private static void compare(List<String> out, String field, String presented, String reference) {
        if (!presented.equals(reference)) {
            out.add(field + ": presented " + presented + ", reference " + reference);
        }
    }

    private static X509Certificate parse(byte[] der) throws CertificateException {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    }
}
