package dev.firstboot.steps;

import dev.firstboot.identity.CertificateComparison;
import dev.firstboot.identity.IdentityException;
import dev.firstboot.identity.dice.DiceEngine;
import dev.firstboot.identity.dice.DiceIdentity;
import dev.firstboot.identity.dice.FirmwareImage;
import dev.firstboot.identity.dice.RegistrationIds;
import dev.firstboot.identity.dice.Uds;
import dev.firstboot.rig.Backend;
import dev.firstboot.rig.DeviceException;
import dev.firstboot.rig.DiceFacet;
import dev.firstboot.secret.Secret;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Timeline;
import dev.firstboot.timeline.TimelineEvent;
import io.cucumber.java.en.Given;
import io.cucumber.java.en.Then;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** The device's DICE identity, its enrollment, and the byte-for-byte judgement of the certificate it presented. */
public final class IdentitySteps {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** How long the certificate check waits for the device's first registration request. */
    static final Duration FIRST_REQUEST_DEADLINE = Duration.ofSeconds(10);

    private final World world;

    public IdentitySteps(World world) {
        this.world = world;
    }

    @Given("the device has a fresh UDS")
    public void freshUds() throws DeviceException, IOException, IdentityException {
        Secret uds = randomUds();
        world.knowsUds(uds);
        world.dice().writeUds(uds);
        world.uds = uds;
    }

    @Given("the device's registration id is {string}")
    public void registrationId(String id) throws DeviceException {
        world.dice().useRegistrationId(id);
        world.registrationId = id;
    }

    @Given("the device uses the registration id it generates from its MAC address and firmware version")
    public void automaticRegistrationId() throws DeviceException, IdentityException {
        DiceFacet dice = world.dice();
        dice.useAutomaticRegistrationId();
        // The harness's own computation from the board's MAC and version, not the device's word for it.
        world.registrationId = RegistrationIds.automatic(dice.mac(), dice.firmwareVersion());
    }

    @Given("the device keeps the registration id its firmware was built with")
    public void builtInRegistrationId() throws DeviceException {
        // The rig file declares it (a custom id, or automatic from MAC and version); the device is not asked.
        world.registrationId = world.dice().expectedRegistrationId();
    }

    @Given("the device's reference certificate is individually enrolled for hub {string} as device {string}")
    public void enrolledAs(String hub, String deviceId) throws Exception {
        enroll(hub, Optional.of(deviceId), true);
    }

    @Given("the device's reference certificate is individually enrolled for hub {string}")
    public void enrolled(String hub) throws Exception {
        enroll(hub, Optional.empty(), true);
    }

    @Given("the device's reference certificate is individually enrolled for hub {string}, but disabled")
    public void enrolledDisabled(String hub) throws Exception {
        enroll(hub, Optional.empty(), false);
    }

    @Given("no enrollment exists for the device")
    public void noEnrollment() {
        if (world.backend().registrationState(world.registrationId()).isPresent()) {
            throw new AssertionError("DPS already holds a registration for " + world.registrationId()
                    + " before the device booted; the backend did not start the scenario clean");
        }
    }

    @Given("the reference certificate of another device with another UDS is enrolled for hub {string} under the device's registration id")
    public void anotherDevicesCertificate(String hub) throws Exception {
        Secret other = randomUds();
        world.knowsUds(other);
        DiceIdentity impostor = DiceEngine.derive(Uds.parse(other.reveal()), firmware(world.dice()), world.registrationId());
        world.backend().enrollX509Individual(world.registrationId(), impostor.aliasCertDer(), Optional.empty(),
                requireHub(hub), true);
    }

    @Then("the certificate the device presented to DPS equals the reference certificate byte for byte")
    public void presentedEqualsReference() throws Exception {
        presentedEquals(world, reference().aliasCertDer(), "the reference alias certificate for its UDS, firmware and"
                + " registration id " + world.registrationId());
    }

    /** Every leaf the device presented to DPS for its registration id is {@code expected}, byte for byte. */
    static void presentedEquals(World world, byte[] expected, String what) throws InterruptedException {
        String regId = world.registrationId();
        Timeline wire = world.wire("the certificate chain the device presented to DPS");
        Optional<TimelineEvent> answered = Limits.within(world, FIRST_REQUEST_DEADLINE, d -> wire.await(e -> e.kind()
                == EventKind.DPS_RESPONSE && e.subject().equals(regId) && e.is("operation", "register"), d),
                Optional::isPresent, "DPS's answer to the registration request of " + regId);
        if (answered.isEmpty()) {
            List<String> log = world.device().consoleLog();
            throw new AssertionError("the device sent DPS no registration request for " + regId + " within "
                    + FIRST_REQUEST_DEADLINE.toSeconds() + " s, so there is no certificate to judge; its console's last line: "
                    + (log.isEmpty() ? "(nothing)" : "\"" + log.get(log.size() - 1).trim() + "\""));
        }
        List<List<byte[]>> chains = world.backend().registration(regId).map(Backend.Registration::presentedChains)
                .orElse(List.of());
        if (chains.isEmpty() || chains.get(0).isEmpty()) {
            throw new AssertionError("the device registered as " + regId + " without presenting a client certificate");
        }
        for (List<byte[]> chain : chains) {
            Optional<String> diff = CertificateComparison.difference(chain.get(0), expected);
            if (diff.isPresent()) {
                throw new AssertionError("the certificate the device presented to DPS is not " + what + ": "
                        + diff.get());
            }
        }
    }

    private void enroll(String hub, Optional<String> deviceId, boolean enabled) throws Exception {
        DiceIdentity reference = reference();
        world.backend().enrollX509Individual(world.registrationId(), reference.aliasCertDer(), deviceId, requireHub(hub),
                enabled);
    }

    /** The harness's own computation from the inputs; the device's report is never trusted for it. */
    private DiceIdentity reference() throws IOException, IdentityException {
        if (world.reference.isEmpty()) {
            if (world.uds == null) {
                throw new IllegalStateException("the scenario wrote no UDS to the device; add: Given the device has a fresh UDS");
            }
            world.reference = Optional.of(DiceEngine.derive(Uds.parse(world.uds.reveal()), firmware(world.dice()),
                    world.registrationId()));
        }
        return world.reference.get();
    }

    private String requireHub(String hub) {
        world.hubHost(hub);
        return hub;
    }

    static FirmwareImage firmware(DiceFacet dice) throws IOException, IdentityException {
        return FirmwareImage.parse(Files.readAllBytes(dice.firmwareBin()),
                Files.readString(dice.firmwareMap(), StandardCharsets.ISO_8859_1));
    }

    private static Secret randomUds() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Secret.of(HexFormat.of().formatHex(b));
    }
}
