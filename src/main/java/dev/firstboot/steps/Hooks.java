package dev.firstboot.steps;

import dev.firstboot.rig.Capabilities;
import dev.firstboot.suite.NotApplicableException;
import dev.firstboot.suite.NotRunException;
import dev.firstboot.suite.RunContext;
import dev.firstboot.timeline.ConsoleSecrets;
import io.cucumber.java.After;
import io.cucumber.java.Before;
import io.cucumber.java.Scenario;
import io.qameta.allure.Allure;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

/**
 * Before each scenario: does the rig apply, and a clean rig. After: the evidence as attachments. (Report labels are
 * added by {@link dev.firstboot.suite.AllureRigLabels}.)
 */
public final class Hooks {
    private final World world;

    public Hooks(World world) {
        this.world = world;
    }

    @Before(order = 0)
    public void checkApplicable(Scenario scenario) {
        world.run().failFastStop().ifPresent(first -> {
            throw new NotRunException("--fail-fast stopped the run after \"" + first + "\" failed");
        });
        Set<String> missing = new TreeSet<>(Capabilities.required(scenario.getSourceTagNames()));
        missing.removeAll(world.rig().capabilities());
        if (!missing.isEmpty()) {
            throw new NotApplicableException(Capabilities.notApplicableReason(missing, world.rig().capabilities(),
                    world.rig().spec().unavailable(), world.rig().name()));
        }
        // A capability one part gives but another part of the rig cannot give here (a containers backend with no
        // Docker engine, say, under a device that speaks X.509) still makes the scenario not applicable.
        Set<String> blocked = new TreeSet<>(Capabilities.required(scenario.getSourceTagNames()));
        blocked.retainAll(world.rig().spec().unavailable().keySet());
        if (!blocked.isEmpty()) {
            StringBuilder reason = new StringBuilder("needs " + Capabilities.render(blocked) + ", which rig "
                    + world.rig().name() + " cannot give here");
            blocked.forEach(c -> reason.append("; @").append(c).append(" is unavailable here: ")
                    .append(world.rig().spec().unavailable().get(c)));
            throw new NotApplicableException(reason.toString());
        }
    }

    @Before(order = 1)
    public void beginScenario(Scenario scenario) {
        world.scenarioKey = RunContext.scenarioKey(Path.of(scenario.getUri()).toString(), scenario.getLine());
        world.rig().beginScenario(scenario.getName());
    }

    /** For every device: a console line that carried a secret fails the scenario, wherever it was printed. */
    @After(order = 10)
    public void deviceKeptItsSecrets() {
        if (world.scenarioKey.isEmpty()) {
            return;
        }
        ConsoleSecrets.leak(world.timeline().events()).ifPresent(why -> {
            throw new AssertionError(why);
        });
    }

    @After
    public void attachEvidence(Scenario scenario) {
        if (world.scenarioKey.isEmpty()) {
            return; // not applicable or not run: there is no evidence to attach
        }
        attach("boot timeline", world.timeline().render());
        attach("device console", String.join("\n", world.device().consoleLog()) + "\n");
        world.reference.ifPresent(r -> attach("reference certificate " + r.registrationId() + ".pem", r.aliasCertPem()));
        if (world.registrationId != null) {
            world.backend().registration(world.registrationId).ifPresent(reg -> {
                StringBuilder pem = new StringBuilder();
                reg.presentedChains().forEach(chain -> chain.forEach(der -> pem.append(Pem.certificate(der))));
                if (!pem.isEmpty()) {
                    attach("certificates presented to DPS.pem", pem.toString());
                }
            });
        }
    }

    private void attach(String name, String text) {
        String masked = world.rig().redactor().mask(text);
        Allure.addAttachment(name, "text/plain", new java.io.ByteArrayInputStream(masked.getBytes(StandardCharsets.UTF_8)), ".txt");
    }
}
