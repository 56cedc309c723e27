package dev.firstboot.steps;

import dev.firstboot.report.AllureEvidence;
import dev.firstboot.report.TimelinePicture;
import dev.firstboot.suite.NotApplicableException;
import dev.firstboot.suite.NotRunException;
import dev.firstboot.suite.RunContext;
import dev.firstboot.timeline.ConsoleSecrets;
import io.cucumber.java.After;
import io.cucumber.java.Before;
import io.cucumber.java.Scenario;

import java.nio.charset.StandardCharsets;
import dev.firstboot.rig.RigException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * Before each scenario: does the rig apply, and a clean rig. After: the evidence as attachments. (Report labels are
 * added by {@link dev.firstboot.suite.AllureRigLabels}.)
 */
public final class Hooks {
    /**
     * How long a scenario waits for a lane. A run has as many lanes as threads, so one is free at once; the wait is
     * for a scenario still ending on it, and the deadline for one that never ends.
     */
    private static final Duration LEASE_DEADLINE = Duration.ofMinutes(10);
    private final World world;

    public Hooks(World world) {
        this.world = world;
    }

    @Before(order = 0)
    public void checkApplicable(Scenario scenario) {
        world.run().stopReason().ifPresent(why -> {
            throw new NotRunException(why);
        });
        world.rig().spec().notApplicable(scenario.getSourceTagNames()).ifPresent(na -> {
            throw new NotApplicableException(na.reason());
        });
    }

    /** The scenario's own lane of the rig (device, backend tenant, timeline), cleaned for it. */
    @Before(order = 1)
    public void beginScenario(Scenario scenario) throws RigException, InterruptedException {
        world.lane = world.rig().lease(scenario.getName(), LEASE_DEADLINE);
        world.run().holds(scenario.getId(), world.lane);
        world.scenarioKey = RunContext.scenarioKey(Path.of(scenario.getUri()).toString(), scenario.getLine());
        world.scenarioTags = Set.copyOf(scenario.getSourceTagNames());
    }

    /** Last of all: the lane goes back for the next scenario. */
    @After(order = 0)
    public void endScenario(Scenario scenario) {
        if (world.lane != null) {
            world.run().released(scenario.getId());
            world.rig().release(world.lane);
        }
    }

    /** For every device: a console line that carried a secret fails the scenario, wherever it was printed. */
    @After(order = 10)
    public void deviceKeptItsSecrets() {
        if (world.lane == null) {
            return;
        }
        ConsoleSecrets.leak(world.timeline().events(), world.rig().redactor()).ifPresent(why -> {
            throw new AssertionError(why);
        });
    }

    @After
    public void attachEvidence(Scenario scenario) {
        if (world.lane == null) {
            return; // not applicable or not run: there is no evidence to attach
        }
        // On the scenario itself (not on this tear-down hook): the picture first, then the same timeline as text.
        String picture = world.rig().redactor().mask(TimelinePicture.svg(world.timeline().events(), world.phases));
        AllureEvidence.pictureOnScenario(scenario.getId(), picture);
        attach(scenario, "boot timeline", "image/svg+xml", ".svg", picture);
        attach(scenario, "boot timeline (text)", "text/plain", ".txt", world.timeline().render());
        attach(scenario, "device console", "text/plain", ".txt", String.join("\n", world.device().consoleLog()) + "\n");
        world.reference.ifPresent(r -> attach(scenario, "reference certificate " + r.registrationId() + ".pem",
                "text/plain", ".txt", r.aliasCertPem()));
        if (world.registrationId != null) {
            world.backend().registration(world.registrationId).ifPresent(reg -> {
                StringBuilder pem = new StringBuilder();
                reg.presentedChains().forEach(chain -> chain.forEach(der -> pem.append(Pem.certificate(der))));
                if (!pem.isEmpty()) {
                    attach(scenario, "certificates presented to DPS.pem", "text/plain", ".txt", pem.toString());
                }
            });
        }
    }

    private void attach(Scenario scenario, String name, String type, String extension, String text) {
        String masked = world.rig().redactor().mask(text);
        AllureEvidence.onScenario(scenario.getId(), name, type, extension, masked.getBytes(StandardCharsets.UTF_8));
    }
}
