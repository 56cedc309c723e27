package dev.firstboot.steps;

import dev.firstboot.identity.symkey.GroupKeys;
import dev.firstboot.rig.SymmetricKeyFacet;
import dev.firstboot.suite.NotApplicableException;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.TimelineEvent;
import io.cucumber.java.en.Given;
import io.cucumber.java.en.Then;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/** Symmetric-key devices: individual keys and enrollment groups, SAS tokens signed with the key. */
public final class SymmetricKeySteps {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final World world;
    private final BootSteps boot;

    public SymmetricKeySteps(World world, BootSteps boot) {
        this.world = world;
        this.boot = boot;
    }

    private SymmetricKeyFacet device() {
        return world.device().facet(SymmetricKeyFacet.class).orElseThrow(() -> new NotApplicableException(
                "the device of rig " + world.rig().name() + " (" + world.device().kind() + ") has no symmetric key"));
    }

    /**
     * A fresh key, as the portal generates one: 32 random bytes (shown base64-encoded). It is a secret from now on:
     * masked everywhere, and a device that prints it, or a part of it, fails.
     */
    private byte[] freshKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        secret(key);
        return key;
    }

    private void secret(byte[] key) {
        world.rig().redactor().register(Base64.getEncoder().encodeToString(key));
    }

    private void individual(String hub, Optional<String> deviceId, boolean enabled) {
        world.hubHost(hub);
        byte[] key = freshKey();
        SymmetricKeyFacet device = device();
        world.registrationId = device.registrationId();
        device.provisionKey(key);
        world.backend().enrollSymmetricKeyIndividual(world.registrationId, key, deviceId, hub, enabled);
    }

    @Given("the device has a symmetric key individually enrolled for hub {string} as device {string}")
    public void enrolledAs(String hub, String deviceId) {
        individual(hub, Optional.of(deviceId), true);
    }

    @Given("the device has a symmetric key individually enrolled for hub {string}")
    public void enrolled(String hub) {
        individual(hub, Optional.empty(), true);
    }

    @Given("the device has a symmetric key individually enrolled for hub {string}, but disabled")
    public void enrolledDisabled(String hub) {
        individual(hub, Optional.empty(), false);
    }

    @Given("the device has a symmetric key that is not enrolled")
    public void notEnrolled() {
        SymmetricKeyFacet device = device();
        world.registrationId = device.registrationId();
        device.provisionKey(freshKey());
    }

    @Given("the device registers as {string} with the group key of symmetric-key enrollment group {string} for hub {string}")
    public void groupMember(String registrationId, String groupId, String hub) {
        groupMember(registrationId, groupId, hub, true);
    }

    @Given("the device registers as {string} with the group key of symmetric-key enrollment group {string} for hub {string}, but the group is disabled")
    public void disabledGroupMember(String registrationId, String groupId, String hub) {
        groupMember(registrationId, groupId, hub, false);
    }

    private void groupMember(String registrationId, String groupId, String hub, boolean enabled) {
        world.hubHost(hub);
        byte[] groupKey = freshKey();
        // The key a member derives is the harness's own computation from the group key, not the device's word.
        secret(GroupKeys.derive(groupKey, registrationId));
        SymmetricKeyFacet device = device();
        device.useRegistrationId(registrationId);
        device.provisionGroupKey(groupKey);
        world.registrationId = registrationId;
        world.backend().enrollSymmetricKeyGroup(groupId, groupKey, hub, enabled);
    }

    @Given("the device signs with a key that is not the one it was given")
    public void wrongKey() {
        device().signWithWrongKey(true);
    }

    @Then("within {int} seconds the device is assigned to hub {string} under its registration id")
    public void assignedUnderRegistrationId(int seconds, String hub) throws InterruptedException {
        boot.assignedAs(seconds, hub, world.registrationId());
    }

    @Then("DPS's refusal carries error code {int}")
    public void refusalCode(int errorCode) {
        String regId = world.registrationId();
        List<TimelineEvent> refusals = world.wire("the error code in DPS's answer").events(e -> e.kind() == EventKind.DPS_RESPONSE
                && e.subject().equals(regId) && e.detail("status").startsWith("4"));
        if (refusals.isEmpty()) {
            throw new AssertionError("DPS refused no request of " + regId);
        }
        TimelineEvent first = refusals.get(0);
        if (!first.carries("errorCode", String.valueOf(errorCode))) {
            throw new AssertionError("expected DPS to refuse " + regId + " with error code " + errorCode + ", but it "
                    + "answered " + BootSteps.describe(first));
        }
    }
}
