package dev.firstboot.steps;

import dev.firstboot.pki.KeyMaterial;
import dev.firstboot.pki.TestPki;
import dev.firstboot.rig.OwnIdentityFacet;
import dev.firstboot.rig.X509CertificateFacet;
import dev.firstboot.suite.NotApplicableException;
import io.cucumber.java.en.Given;
import io.cucumber.java.en.Then;

import java.security.cert.CertificateEncodingException;
import java.util.Optional;

/**
 * Devices with an X.509 identity the harness issues them for a scenario (CN = registration id), and devices that
 * bring their own identity declared in the rig file.
 */
public final class X509Steps {
    private final World world;
    private final BootSteps boot;
    private Optional<KeyMaterial> issued = Optional.empty();

    public X509Steps(World world, BootSteps boot) {
        this.world = world;
        this.boot = boot;
    }

    private X509CertificateFacet device() {
        return world.device().facet(X509CertificateFacet.class).orElseThrow(() -> new NotApplicableException(
                "the device of rig " + world.rig().name() + " (" + world.device().kind() + ") does not take an X.509"
                        + " certificate the harness issues"));
    }

    /** Issues the device a certificate from {@code ca} for its registration id, and gives it to the device. */
    private KeyMaterial issue(TestPki ca) {
        X509CertificateFacet device = device();
        world.registrationId = device.registrationId();
        KeyMaterial identity = ca.issueClient(world.registrationId);
        world.rig().redactor().registerPrivateKey(identity.privateKeyPem(), identity.key());
        device.provisionCertificate(identity);
        issued = Optional.of(identity);
        return identity;
    }

    private void individual(String hub, Optional<String> deviceId, boolean enabled) {
        world.hubHost(hub);
        KeyMaterial identity = issue(TestPki.create());
        world.backend().enrollX509Individual(world.registrationId, der(identity), deviceId, hub, enabled);
    }

    @Given("the device has a certificate issued for its registration id, individually enrolled for hub {string} as device {string}")
    public void enrolledAs(String hub, String deviceId) {
        individual(hub, Optional.of(deviceId), true);
    }

    @Given("the device has a certificate issued for its registration id, individually enrolled for hub {string}")
    public void enrolled(String hub) {
        individual(hub, Optional.empty(), true);
    }

    @Given("the device has a certificate issued for its registration id, individually enrolled for hub {string}, but disabled")
    public void enrolledDisabled(String hub) {
        individual(hub, Optional.empty(), false);
    }

    @Given("the device has a certificate issued for its registration id that is not enrolled")
    public void notEnrolled() {
        issue(TestPki.create());
    }

    @Given("the device registers as {string} with a certificate issued by the CA of X.509 enrollment group {string} for hub {string}")
    public void groupMember(String registrationId, String groupId, String hub) throws CertificateEncodingException {
        world.hubHost(hub);
        TestPki ca = TestPki.create();
        device().useRegistrationId(registrationId);
        issue(ca);
        world.backend().enrollX509Group(groupId, ca.caCertificate().getEncoded(), hub, true);
    }

    @Then("the certificate the device presented to DPS equals the one it was issued")
    public void presentedIssued() throws InterruptedException {
        KeyMaterial identity = issued.orElseThrow(() -> new IllegalStateException("the scenario issued the device no"
                + " certificate; add: Given the device has a certificate issued for its registration id, …"));
        IdentitySteps.presentedEquals(world, der(identity), "the certificate the harness issued it (CN "
                + world.registrationId() + ")");
    }

    @Then("within {int} seconds the device is connected to hub {string} under its registration id")
    public void connectedUnderRegistrationId(int seconds, String hub) throws InterruptedException {
        // Without a device id in the enrollment, DPS makes the registration id the device id.
        boot.connected(seconds, hub, world.registrationId());
    }

    private OwnIdentityFacet own() {
        return world.device().facet(OwnIdentityFacet.class).orElseThrow(() -> new NotApplicableException(
                "the device of rig " + world.rig().name() + " (" + world.device().kind() + ") declares no identity"
                        + " of its own in the rig file"));
    }

    @Given("the device's own identity is individually enrolled for hub {string}")
    public void ownIdentityEnrolled(String hub) {
        world.hubHost(hub);
        OwnIdentityFacet device = own();
        world.registrationId = device.registrationId();
        OwnIdentityFacet.Credential credential = device.credential();
        if (credential instanceof OwnIdentityFacet.Credential.Certificate c) {
            world.backend().enrollX509Individual(world.registrationId, c.leafDer(), Optional.empty(), hub, true);
        } else if (credential instanceof OwnIdentityFacet.Credential.SymmetricKey k) {
            world.backend().enrollSymmetricKeyIndividual(world.registrationId, k.key(), Optional.empty(), hub, true);
        }
    }

    @Given("the device's own identity is not enrolled")
    public void ownIdentityNotEnrolled() {
        world.registrationId = own().registrationId();
    }

    private static byte[] der(KeyMaterial identity) {
        try {
            return identity.leaf().getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("the issued certificate cannot be encoded: " + e.getMessage(), e);
        }
    }
}
