package dev.firstboot.service.dps.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Optional;

/** An {@link EnrollmentAdmin} that passes every call on; tests override the calls they want to slow or break. */
class ForwardingAdmin implements EnrollmentAdmin {
    private final EnrollmentAdmin next;

    ForwardingAdmin(EnrollmentAdmin next) {
        this.next = next;
    }

    @Override
    public Optional<ObjectNode> get(Collection collection, String id) {
        return next.get(collection, id);
    }

    @Override
    public ObjectNode put(Collection collection, String id, ObjectNode body, Optional<String> ifMatch)
            throws AdminError {
        return next.put(collection, id, body, ifMatch);
    }

    @Override
    public void delete(Collection collection, String id, Optional<String> ifMatch) throws AdminError {
        next.delete(collection, id, ifMatch);
    }

    @Override
    public List<ObjectNode> query(Collection collection, int max, Optional<String> afterId) {
        return next.query(collection, max, afterId);
    }

    @Override
    public ObjectNode putCertificate(String name, String pem) throws AdminError {
        return next.putCertificate(name, pem);
    }

    @Override
    public Optional<ObjectNode> getCertificate(String name) {
        return next.getCertificate(name);
    }

    @Override
    public ObjectNode generateVerificationCode(String name) throws AdminError {
        return next.generateVerificationCode(name);
    }

    @Override
    public ObjectNode verifyCertificate(String name, String verificationPem) throws AdminError {
        return next.verifyCertificate(name, verificationPem);
    }

    @Override
    public void deleteCertificate(String name) throws AdminError {
        next.deleteCertificate(name);
    }
}
