package dev.firstboot.steps;

import dev.firstboot.suite.NotApplicableException;
import dev.firstboot.suite.NotRunException;
import dev.firstboot.suite.RunContext;
import io.cucumber.java.After;
import io.cucumber.java.Before;
import io.cucumber.java.Scenario;
import io.qameta.allure.Allure;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

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
        world.rig().spec().notApplicable(scenario.getSourceTagNames()).ifPresent(na -> {
            throw new NotApplicableException(na.reason());
        });
    }

    @Before(order = 1)
    public void beginScenario(Scenario scenario) {
        world.scenarioKey = RunContext.scenarioKey(Path.of(scenario.getUri()).toString(), scenario.getLine());
        world.rig().beginScenario(scenario.getName());
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
