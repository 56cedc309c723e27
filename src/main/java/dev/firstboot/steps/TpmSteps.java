package dev.firstboot.steps;

import dev.firstboot.identity.tpm.TpmRegistrationIds;
import dev.firstboot.rig.BootReport;
import dev.firstboot.rig.DeviceException;
import dev.firstboot.rig.TpmFacet;
import dev.firstboot.rig.TpmFaultsFacet;
import dev.firstboot.suite.NotApplicableException;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Timeline;
import dev.firstboot.timeline.TimelineEvent;
import io.cucumber.java.en.Given;
import io.cucumber.java.en.Then;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** TPM devices: enrollment by endorsement key, DPS's challenge, SAS tokens signed inside the TPM. */
public final class TpmSteps {
    private final World world;

    public TpmSteps(World world) {
        this.world = world;
    }

    private TpmFacet tpm() {
        return world.device().facet(TpmFacet.class).orElseThrow(() -> new NotApplicableException(
                "the device of rig " + world.rig().name() + " (" + world.device().kind() + ") has no TPM"));
    }

    private TpmFaultsFacet faults() {
        return world.device().facet(TpmFaultsFacet.class).orElseThrow(() -> new NotApplicableException(
                "the TPM device of rig " + world.rig().name() + " (" + world.device().kind() + ") cannot be made to"
                        + " misbehave by the harness (@tpm-faults)"));
    }

    /** The registration id the harness derives from the EK: lowercase base32 of SHA-256 over its TPM2B_PUBLIC. */
    private String referenceRegistrationId() throws DeviceException {
        return TpmRegistrationIds.fromEndorsementKey(tpm().endorsementKey());
    }

    @Given("the device's TPM endorsement key is individually enrolled for hub {string}")
    public void enrolled(String hub) throws DeviceException {
        world.registrationId = referenceRegistrationId();
        world.hubHost(hub);
        world.backend().enrollTpmIndividual(world.registrationId, tpm().endorsementKey(), Optional.empty(), hub, true);
    }

    @Given("no enrollment exists for the device's endorsement key")
    public void notEnrolled() throws DeviceException {
        world.registrationId = referenceRegistrationId();
    }

    @Given("DPS sends tampered activation blobs")
    public void tampered() {
        world.backend().tamperActivationBlobs(true);
    }

    @Given("the device's clock runs {int} hours behind")
    public void clockBehind(int hours) {
        faults().clockSkew(Duration.ofHours(-hours));
    }

    @Given("the device signs its hub SAS with a key DPS did not issue")
    public void wrongHubKey() {
        faults().signHubSasWithWrongKey(true);
    }

    @Then("within {int} seconds DPS receives the registration under the id derived from the device's endorsement key")
    public void registersUnderDerivedId(int seconds) throws Exception {
        String expected = referenceRegistrationId();
        Timeline wire = world.wire("the registration id of the device's request to DPS");
        Optional<TimelineEvent> request = Limits.within(world, Duration.ofSeconds(seconds), d -> wire.await(e -> e.kind()
                == EventKind.DPS_REQUEST && e.is("operation", "register"), d), Optional::isPresent,
                "the device's registration request");
        if (request.isEmpty()) {
            throw new AssertionError("the device sent DPS no registration request within " + seconds + " s");
        }
        if (!request.get().subject().equals(expected)) {
            throw new AssertionError("the device registered as \"" + request.get().subject() + "\", but the id derived "
                    + "from its endorsement key (base32 of SHA-256 over its TPM2B_PUBLIC) is \"" + expected + "\"");
        }
    }

    @Then("within {int} seconds DPS challenges the device")
    public void challenged(int seconds) throws InterruptedException {
        String regId = world.registrationId();
        Timeline wire = world.wire("DPS's TPM challenge");
        if (Limits.within(world, Duration.ofSeconds(seconds), d -> wire.await(e -> e.kind() == EventKind.DPS_CHALLENGE
                && e.subject().equals(regId), d), Optional::isPresent, "DPS's challenge of " + regId).isEmpty()) {
            throw new AssertionError("DPS did not challenge " + regId + " within " + seconds + " s");
        }
    }

    @Then("the device reports that TPM activation failed, after at most {int} challenges")
    public void activationFailed(int most) throws InterruptedException {
        BootReport report = Limits.within(world, Duration.ofSeconds(20), world.device()::awaitBoot,
                r -> !(r instanceof BootReport.NoVerdict), "the device's own boot verdict");
        if (!(report instanceof BootReport.Failed failed) || !failed.reason().contains("TPM activation")) {
            throw new AssertionError("expected the device to report that TPM activation failed, but: " + report);
        }
        List<TimelineEvent> challenges = world.wire("the number of DPS's TPM challenges").events(e -> e.kind() == EventKind.DPS_CHALLENGE);
        if (challenges.size() > most) {
            throw new AssertionError("the device asked for " + challenges.size() + " challenges before it gave up; "
                    + "it must stop after " + most);
        }
    }

    @Then("within {int} seconds DPS refuses the device's SAS because it has expired")
    public void sasExpired(int seconds) throws InterruptedException {
        String regId = world.registrationId();
        Timeline wire = world.wire("DPS's refusal of an expired SAS");
        Optional<TimelineEvent> refused = Limits.within(world, Duration.ofSeconds(seconds), d -> wire.await(e -> e.kind()
                == EventKind.DPS_RESPONSE && e.subject().equals(regId) && e.carries("errorCode", "401002"), d),
                Optional::isPresent, "DPS's refusal of " + regId + " with 401002");
        if (refused.isEmpty()) {
            throw new AssertionError("DPS did not refuse " + regId + " with 401002 within " + seconds + " s");
        }
        if (!refused.get().detail("reason").contains("expired")) {
            throw new AssertionError("DPS refused " + regId + ", but not for an expired SAS: "
                    + refused.get().detail("reason"));
        }
    }

    @Then("within {int} seconds hub {string} refuses the device's connection as not authorized")
    public void hubRefuses(int seconds, String hub) throws InterruptedException {
        Timeline wire = world.wire("the hub's CONNACK");
        Optional<TimelineEvent> ack = Limits.within(world, Duration.ofSeconds(seconds), d -> wire.await(e -> e.kind()
                == EventKind.HUB_CONNACK && e.is("hub", hub), d), Optional::isPresent, "a connection attempt at hub " + hub);
        if (ack.isEmpty()) {
            throw new AssertionError("no connection attempt reached hub " + hub + " within " + seconds + " s");
        }
        if (!ack.get().is("returnCode", "5")) {
            throw new AssertionError("expected hub " + hub + " to refuse the device with CONNACK 5 (not authorized), "
                    + "but it answered " + ack.get().detail("returnCode"));
        }
    }
}
