package dev.firstboot.steps;

import dev.firstboot.identity.dice.DiceIdentity;
import dev.firstboot.rig.Backend;
import dev.firstboot.rig.Device;
import dev.firstboot.rig.DiceFacet;
import dev.firstboot.rig.Lane;
import dev.firstboot.rig.Rig;
import dev.firstboot.secret.Secret;
import dev.firstboot.suite.NotApplicableException;
import dev.firstboot.suite.RunContext;
import dev.firstboot.report.AllureEvidence;
import dev.firstboot.report.TimelinePicture;
import dev.firstboot.timeline.Measurement;
import dev.firstboot.timeline.Timeline;
import dev.firstboot.timeline.TimelineEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** One scenario's state, shared by the step classes (Cucumber makes a new one per scenario). */
public final class World {
    private static final String KEYS_ONLY_CN = "firstboot-derived-secrets";
    private final RunContext run = RunContext.current();
    /** The parts this scenario holds for itself, from its first hook to its last; null before (not applicable). */
    Lane lane;
    String scenarioKey = "";
    Secret uds;
    String registrationId;
    /** The scenario's tags, with their {@code @}. */
    java.util.Set<String> scenarioTags = java.util.Set.of();
    /** The reference certificate for (UDS, firmware, registration id), computed by the harness. */
    Optional<DiceIdentity> reference = Optional.empty();
    /** The phases this scenario measured, with their limits, for the timeline picture. */
    final List<TimelinePicture.MeasuredPhase> phases = new ArrayList<>();

    public RunContext run() {
        return run;
    }

    /** Records what a step measured, for the run's reports, and shows it as a table on the step. */
    public void measured(List<Measurement> measurements) {
        measurements.forEach(m -> run.addMeasurement(scenarioKey, m));
        AllureEvidence.onCurrentStep(measurements);
    }

    public Rig rig() {
        return run.rig();
    }

    /**
     * A UDS the harness gives the device is a secret, and so is what the device derives from it: its CDI, and its
     * DeviceID and alias private keys, which do not depend on the registration id. They come from the harness's own
     * computation from the inputs (the UDS and the firmware), so a device that prints its key (as PEM, base64 or hex,
     * or a part of one) fails however it came by it. A UDS the firmware cannot use (not 64 hex digits) derives nothing.
     */
    public void knowsUds(Secret uds) {
        dev.firstboot.secret.Redactor redactor = rig().redactor();
        redactor.register(uds.reveal());
        Optional<DiceFacet> dice = device().facet(DiceFacet.class);
        if (dice.isEmpty()) {
            return;
        }
        byte[] udsBytes;
        try {
            udsBytes = dev.firstboot.identity.dice.Uds.parse(uds.reveal());
        } catch (dev.firstboot.identity.IdentityException notAUds) {
            return; // the firmware refuses it too, and derives no key from it
        }
        try {
            // Any valid CN will do: it names the certificate, never a key. (The scenario may not have chosen its id
            // yet, or may be about to try one the firmware refuses.)
            DiceIdentity derived = dev.firstboot.identity.dice.DiceEngine.derive(udsBytes,
                    IdentitySteps.firmware(dice.get()), KEYS_ONLY_CN);
            redactor.register(java.util.HexFormat.of().formatHex(derived.cdi()));
            redactor.registerPrivateKey(derived.aliasKeyPem(), derived.aliasKey().getPrivate());
            redactor.registerPrivateKey(derived.deviceIdKey().getPrivate());
        } catch (java.io.IOException | dev.firstboot.identity.IdentityException e) {
            throw new IllegalStateException("cannot derive the device's secrets from the firmware image of rig "
                    + rig().name() + ": " + e.getMessage(), e);
        }
    }

    public Backend backend() {
        return lane().backend();
    }

    public Device device() {
        return lane().device();
    }

    public dev.firstboot.rig.Controls controls() {
        return lane().controls();
    }

    public Timeline timeline() {
        return lane().timeline();
    }

    private Lane lane() {
        if (lane == null) {
            throw new IllegalStateException("no rig lane is held: a step ran before the scenario's first hook");
        }
        return lane;
    }

    /**
     * The timeline, for a step that judges wire evidence ({@code what}): only emulator backends record it, so the
     * scenario must carry {@code @wire}, which makes it not applicable on a rig without it. A step reached by an
     * untagged scenario is a defect in the feature, and fails saying so, on every rig.
     */
    public Timeline wire(String what) {
        if (!scenarioTags.contains("@" + Backend.WIRE)) {
            throw new IllegalStateException("this step judges " + what + ", which is wire evidence that only an "
                    + "emulator backend records; tag the scenario @" + Backend.WIRE + " so that a rig without it "
                    + "reports it not applicable");
        }
        return timeline();
    }

    /** Wire evidence to explain a verdict made from service observations, when the rig's backend records it. */
    public java.util.List<TimelineEvent> wireEvidence(java.util.function.Predicate<TimelineEvent> filter) {
        return rig().capabilities().contains(Backend.WIRE) ? timeline().events(filter) : java.util.List.of();
    }

    public boolean recordsWire() {
        return rig().capabilities().contains(Backend.WIRE);
    }

    public DiceFacet dice() {
        return device().facet(DiceFacet.class).orElseThrow(() -> new NotApplicableException(
                "the device of rig " + rig().name() + " (" + device().kind() + ") has no DICE identity to set up"));
    }

    /** The registration id this scenario set, or the one the device will use by default. */
    public String registrationId() {
        if (registrationId == null) {
            throw new IllegalStateException("the scenario has not said which registration id the device uses; "
                    + "add a step like: And the device's registration id is \"my-device-01\"");
        }
        return registrationId;
    }

    public String hubHost(String hubName) {
        return backend().hubHost(hubName).orElseThrow(() -> new AssertionError("the feature names hub \"" + hubName
                + "\", but rig " + rig().name() + " has only " + backend().hubNames()
                + "; add it to the backend's hubs in the rig file"));
    }
}
