package dev.firstboot.steps;

import dev.firstboot.rig.DeviceException;
import dev.firstboot.rig.SerialConsoleFacet;
import dev.firstboot.secret.Secret;
import dev.firstboot.suite.NotApplicableException;
import io.cucumber.java.en.Given;
import io.cucumber.java.en.Then;
import io.cucumber.java.en.When;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/** The board's serial console, as an operator types into it and reads it. */
public final class ConsoleSteps {
    static final Duration COMMAND_DEADLINE = Duration.ofSeconds(10);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final World world;
    /** The UDS typed in this scenario, for judging what the console echoed. */
    private Secret typedUds;

    public ConsoleSteps(World world) {
        this.world = world;
    }

    private SerialConsoleFacet console() {
        return world.device().facet(SerialConsoleFacet.class).orElseThrow(() -> new NotApplicableException(
                "the device of rig " + world.rig().name() + " (" + world.device().kind() + ") has no serial console"));
    }

    @Given("the board is in configuration mode")
    public void configurationMode() throws DeviceException {
        console().enterConfigurationMode();
    }

    @Given("the board's firmware is version {word} or later")
    public void firmwareAtLeast(String version) {
        String actual = world.dice().firmwareVersion();
        if (compareVersions(actual, version) < 0) {
            throw new NotApplicableException("needs firmware " + version + " or later; this board runs " + actual);
        }
    }

    static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int p = i < x.length ? Integer.parseInt(x[i]) : 0;
            int q = i < y.length ? Integer.parseInt(y[i]) : 0;
            if (p != q) {
                return Integer.compare(p, q);
            }
        }
        return 0;
    }

    @When("a fresh UDS is typed with set_dps_uds")
    public void typeFreshUds() throws DeviceException {
        typeUds(64);
    }

    @When("a UDS of {int} hex characters is typed with set_dps_uds")
    public void typeUds(int length) throws DeviceException {
        byte[] b = new byte[(length + 1) / 2];
        RANDOM.nextBytes(b);
        Secret uds = Secret.of(HexFormat.of().formatHex(b).substring(0, length));
        world.knowsUds(uds);
        typedUds = uds;
        // Quoted, as the IoT Workbench sends values; the firmware echoes every character after the space as *.
        console().sendLineWithSecret("set_dps_uds \"", uds, "\"");
    }

    @When("{int} characters that are not hex digits are typed with set_dps_uds")
    public void typeNonHex(int length) throws DeviceException {
        Secret uds = Secret.of("zq".repeat(length / 2 + 1).substring(0, length));
        world.knowsUds(uds);
        typedUds = uds;
        console().sendLineWithSecret("set_dps_uds \"", uds, "\"");
    }

    @When("the board is switched off and on again")
    public void powerCycle() throws DeviceException {
        console().powerCycle();
    }

    @Given("the board's firmware is built with registration id {string}")
    public void builtWith(String id) throws DeviceException {
        if (!console().canReflash()) {
            throw new NotApplicableException("the board of rig " + world.rig().name()
                    + " cannot be reflashed by a scenario; it runs the registration id it was built with");
        }
        world.dice().useRegistrationId(id);
        world.registrationId = id;
    }

    @Then("the console lists these commands in order:")
    public void listsCommands(List<String> names) throws DeviceException, InterruptedException {
        for (String name : names) {
            expectLine(Pattern.compile("^ - " + Pattern.quote(name) + ": "), COMMAND_DEADLINE, "the command " + name
                    + " in the list");
        }
    }

    @When("the board resets into user mode")
    public void resetIntoUserMode() throws DeviceException {
        console().resetIntoUserMode();
    }

    @When("{string} is typed on the console")
    public void typed(String line) throws DeviceException {
        console().sendLine(line);
    }

    @Then("the console echoed the UDS only as asterisks")
    public void echoedAsAsterisks() throws DeviceException, InterruptedException {
        if (typedUds == null) {
            throw new IllegalStateException("no UDS was typed in this scenario; add: When a fresh UDS is typed with set_dps_uds");
        }
        String expected = "set_dps_uds " + "*".repeat(typedUds.reveal().length() + 2);
        String echoed = expectLine(Pattern.compile("^.*set_dps_uds.*$"), COMMAND_DEADLINE, "the echo of set_dps_uds");
        if (!echoed.trim().endsWith(expected)) {
            throw new AssertionError("expected the console to echo the quoted UDS as " + (typedUds.reveal().length() + 2)
                    + " asterisks (\"" + expected + "\"), but it echoed \"" + echoed.trim() + "\"");
        }
    }

    @Then("the console prints {string}")
    public void prints(String text) throws DeviceException, InterruptedException {
        expectLine(Pattern.compile(Pattern.quote(text)), COMMAND_DEADLINE, "the console line \"" + text + "\"");
    }

    @Then("within {int} seconds the console prints {string}")
    public void printsWithin(int seconds, String text) throws DeviceException, InterruptedException {
        expectLine(Pattern.compile(Pattern.quote(text)), Duration.ofSeconds(seconds), "the console line \"" + text + "\"");
    }

    @Then("the console prints these lines in order:")
    public void printsInOrder(List<String> lines) throws DeviceException, InterruptedException {
        for (String line : lines) {
            expectLine(Pattern.compile(Pattern.quote(line)), COMMAND_DEADLINE, "the console line \"" + line + "\"");
        }
    }

    private String expectLine(Pattern pattern, Duration deadline, String what) throws DeviceException,
            InterruptedException {
        return Limits.expectLine(world, console(), pattern, deadline, what);
    }
}
