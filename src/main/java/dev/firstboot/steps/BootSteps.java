package dev.firstboot.steps;

import dev.firstboot.rig.Backend;
import dev.firstboot.rig.BootReport;
import dev.firstboot.rig.DeviceException;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Measurement;
import dev.firstboot.timeline.RetryAfterCheck;
import dev.firstboot.timeline.TimelineEvent;
import io.cucumber.java.en.Given;
import io.cucumber.java.en.Then;
import io.cucumber.java.en.When;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/** The boot itself and its registration and hub outcomes, judged from the service's side of the timeline. */
public final class BootSteps {
    /** Final DPS answers: after one of these the device will not be assigned any more. */
    private static final Set<String> FINAL = Set.of("assigned", "disabled", "failed");
    static final Duration VERDICT_DEADLINE = Duration.ofSeconds(10);
    static final Duration TELEMETRY_DEADLINE = Duration.ofSeconds(5);

    private final World world;

    public BootSteps(World world) {
        this.world = world;
    }

    @Given("DPS asks devices to retry after {int} second(s)")
    public void retryAfter(int seconds) {
        world.backend().setRetryAfter(Duration.ofSeconds(seconds));
    }

    @When("the device boots")
    public void boots() {
        try {
            world.device().boot();
        } catch (DeviceException e) {
            throw new AssertionError("the device could not start its first boot: " + e.getMessage(), e);
        }
    }

    @Then("within {int} seconds the device is assigned to hub {string} as device {string}")
    public void assignedAs(int seconds, String hub, String deviceId) throws InterruptedException {
        assigned(seconds, hub, Optional.of(deviceId));
    }

    @Then("within {int} seconds the device is assigned to hub {string}")
    public void assignedTo(int seconds, String hub) throws InterruptedException {
        assigned(seconds, hub, Optional.empty());
    }

    @Then("within {int} seconds DPS refuses the device as unauthorized")
    public void refusedUnauthorized(int seconds) throws InterruptedException {
        String regId = world.registrationId();
        Optional<TimelineEvent> answer = world.timeline().await(dpsResponse(regId)
                .and(e -> refusal(e) || FINAL.contains(e.attribute("dpsStatus"))), Duration.ofSeconds(seconds));
        if (answer.isEmpty()) {
            throw new AssertionError("expected DPS to refuse " + regId + " as unauthorized within " + seconds + " s, but "
                    + lastDpsAnswer(regId));
        }
        TimelineEvent e = answer.get();
        if (!e.attribute("status").equals("401")) {
            throw new AssertionError("expected DPS to refuse " + regId + " with HTTP 401, but it answered "
                    + describe(e) + " at " + String.format("%.3f s", e.seconds()));
        }
    }

    @Then("within {int} seconds the device's registration ends with status {string}")
    public void endsWithStatus(int seconds, String status) throws InterruptedException {
        String regId = world.registrationId();
        Optional<TimelineEvent> answer = world.timeline().await(dpsResponse(regId)
                .and(e -> FINAL.contains(e.attribute("dpsStatus")) || refusal(e)), Duration.ofSeconds(seconds));
        if (answer.isEmpty()) {
            throw new AssertionError("expected the registration of " + regId + " to end with status " + status
                    + " within " + seconds + " s, but " + lastDpsAnswer(regId));
        }
        if (!answer.get().attribute("dpsStatus").equals(status)) {
            throw new AssertionError("expected the registration of " + regId + " to end with status " + status
                    + ", but DPS answered " + describe(answer.get()));
        }
    }

    @Then("the device reports that registration failed")
    public void reportsFailed() throws InterruptedException {
        BootReport report = world.device().awaitBoot(VERDICT_DEADLINE);
        if (!(report instanceof BootReport.Failed)) {
            throw new AssertionError("expected the device to report that registration failed, but " + describe(report));
        }
    }

    @Then("the device reports that it is connected to hub {string}")
    public void reportsConnected(String hub) throws InterruptedException {
        BootReport report = world.device().awaitBoot(VERDICT_DEADLINE);
        String host = world.hubHost(hub);
        if (!(report instanceof BootReport.Connected c) || !c.assignedHubHost().equals(host)) {
            throw new AssertionError("expected the device to report that it is connected to " + host + ", but "
                    + describe(report));
        }
    }

    @Then("within {int} seconds the device is connected to hub {string} as {string}")
    public void connected(int seconds, String hub, String deviceId) throws InterruptedException {
        String regId = world.registrationId();
        Optional<TimelineEvent> ack = world.timeline().await(e -> (e.kind() == EventKind.HUB_CONNACK
                && e.subject().equals(deviceId) && e.attribute("hub").equals(hub)) || gaveUp(regId).test(e), Duration.ofSeconds(seconds));
        if (ack.isPresent() && ack.get().kind() == EventKind.DEVICE_MILESTONE) {
            throw new AssertionError("expected " + deviceId + " to connect to hub " + hub + ", but the device gave up: "
                    + ack.get().attribute("reason") + "; " + lastDpsAnswer(regId));
        }
        if (ack.isEmpty()) {
            List<TimelineEvent> hubEvents = world.timeline().events(e -> e.kind() == EventKind.HUB_CONNACK);
            throw new AssertionError("expected " + deviceId + " to connect to hub " + hub + " within " + seconds + " s, but "
                    + (hubEvents.isEmpty() ? "no hub saw a connection attempt; " + lastDpsAnswer(regId)
                    : "the hubs answered only: " + hubEvents.stream().map(e -> e.subject() + " at " + e.attribute("hub")
                    + " → return code " + e.attribute("returnCode")).toList()));
        }
        if (!ack.get().attribute("returnCode").equals("0")) {
            throw new AssertionError("hub " + hub + " refused " + deviceId + " with CONNACK return code "
                    + ack.get().attribute("returnCode"));
        }
        Optional<Backend.HubDeviceState> state = world.backend().hubDevice(hub, deviceId);
        if (state.isEmpty() || state.get().connectCount() < 1) {
            throw new AssertionError("the timeline shows " + deviceId + " connected, but hub " + hub
                    + "'s registry does not record the connection: " + state);
        }
    }

    @Then("hub {string} received telemetry from {string}")
    public void telemetry(String hub, String deviceId) throws InterruptedException {
        Optional<TimelineEvent> publish = world.timeline().await(e -> e.kind() == EventKind.HUB_PUBLISH
                && e.subject().equals(deviceId) && e.attribute("hub").equals(hub)
                && e.attribute("topic").startsWith("devices/" + deviceId + "/messages/events/"), TELEMETRY_DEADLINE);
        if (publish.isEmpty()) {
            throw new AssertionError("hub " + hub + " received no telemetry from " + deviceId + " within "
                    + TELEMETRY_DEADLINE.toSeconds() + " s");
        }
    }

    @Then("hub {string} received telemetry from the device")
    public void telemetryFromTheDevice(String hub) throws InterruptedException {
        // Without a device id in the enrollment, DPS makes the registration id the device id.
        telemetry(hub, world.registrationId());
    }

    @Then("the device makes no hub connection")
    public void noHubConnection() throws InterruptedException {
        BootReport report = world.device().awaitBoot(VERDICT_DEADLINE);
        List<TimelineEvent> connects = world.timeline().events(e -> e.kind() == EventKind.HUB_CONNECT);
        if (!connects.isEmpty()) {
            TimelineEvent first = connects.get(0);
            throw new AssertionError("expected no hub connection, but " + first.subject() + " connected to hub "
                    + first.attribute("hub") + " at " + String.format("%.3f s", first.seconds()));
        }
        if (report instanceof BootReport.Connected c) {
            throw new AssertionError("expected no hub connection, but the device reports it is connected to "
                    + c.assignedHubHost() + " as " + c.deviceId());
        }
    }

    @Then("the device waited at least as long as DPS asked before every status poll")
    public void honouredRetryAfter() {
        String regId = world.registrationId();
        List<TimelineEvent> exchanges = world.timeline().events(e -> e.subject().equals(regId)
                && (e.kind() == EventKind.DPS_REQUEST || e.kind() == EventKind.DPS_RESPONSE));
        RetryAfterCheck.Result result = RetryAfterCheck.judge(exchanges);
        result.shortestWait().ifPresent(share -> world.run().addMeasurement(world.scenarioKey,
                new Measurement("shortest poll wait / retry-after", share, "ratio", Double.MAX_VALUE)));
        if (result instanceof RetryAfterCheck.Result.Violated v) {
            throw new AssertionError("the device did not honour retry-after: " + v.description());
        }
        if (result instanceof RetryAfterCheck.Result.NoPoll) {
            throw new AssertionError("the device never polled DPS for the status of " + regId
                    + " after a response that asked it to wait, so retry-after was not exercised");
        }
    }

    private void assigned(int seconds, String hub, Optional<String> deviceId) throws InterruptedException {
        String regId = world.registrationId();
        String host = world.hubHost(hub);
        Optional<TimelineEvent> done = world.timeline().await(e -> (e.kind() == EventKind.DPS_ASSIGNED && e.subject().equals(regId))
                || (dpsResponse(regId).test(e) && (FINAL.contains(e.attribute("dpsStatus")) || refusal(e)))
                || gaveUp(regId).test(e), Duration.ofSeconds(seconds));
        if (done.isPresent() && done.get().kind() == EventKind.DEVICE_MILESTONE) {
            throw new AssertionError("expected " + regId + " to be assigned to hub " + hub + ", but the device gave up: "
                    + done.get().attribute("reason") + "; " + lastDpsAnswer(regId));
        }
        if (done.isEmpty()) {
            throw new AssertionError("expected " + regId + " to be assigned to hub " + hub + " within " + seconds
                    + " s, but " + lastDpsAnswer(regId));
        }
        TimelineEvent e = done.get();
        if (e.kind() != EventKind.DPS_ASSIGNED) {
            throw new AssertionError("expected " + regId + " to be assigned to hub " + hub + ", but DPS answered "
                    + describe(e) + "; device: " + lastConsoleLine());
        }
        if (!e.attribute("assignedHub").equals(host)) {
            throw new AssertionError("expected " + regId + " to be assigned to " + host + ", but DPS assigned it to "
                    + e.attribute("assignedHub"));
        }
        if (deviceId.isPresent() && !e.attribute("deviceId").equals(deviceId.get())) {
            throw new AssertionError("expected " + regId + " to be assigned as device " + deviceId.get()
                    + ", but DPS assigned it as " + e.attribute("deviceId"));
        }
    }

    /** The device's own word that its boot failed; nothing after it will connect. */
    private static Predicate<TimelineEvent> gaveUp(String regId) {
        return e -> e.kind() == EventKind.DEVICE_MILESTONE && e.subject().equals(regId)
                && e.attribute("milestone").equals("failed");
    }

    /**
     * A 4xx with an error body; a TPM challenge is a 401 too, but it carries no errorCode and is not a refusal, and a
     * 429 is throttling, after which the device retries (dps.md §1.5).
     */
    private static boolean refusal(TimelineEvent response) {
        return response.attribute("status").startsWith("4") && !response.attribute("status").equals("429")
                && !response.attribute("errorCode").isEmpty();
    }

    private static Predicate<TimelineEvent> dpsResponse(String regId) {
        return e -> e.kind() == EventKind.DPS_RESPONSE && e.subject().equals(regId);
    }

    private String lastDpsAnswer(String regId) {
        List<TimelineEvent> answers = world.timeline().events(dpsResponse(regId));
        if (answers.isEmpty()) {
            List<String> others = world.timeline().events(e -> e.kind() == EventKind.DPS_REQUEST).stream()
                    .map(TimelineEvent::subject).distinct().toList();
            return "DPS received no request from it at all" + (others.isEmpty() ? ""
                    : " (it received requests only for registration ids " + others + ")") + "; device: "
                    + lastConsoleLine();
        }
        TimelineEvent last = answers.get(answers.size() - 1);
        return "DPS's last answer was " + describe(last) + " at " + String.format("%.3f s", last.seconds());
    }

    private String lastConsoleLine() {
        List<String> log = world.device().consoleLog();
        return log.isEmpty() ? "(the device printed nothing)" : "\"" + log.get(log.size() - 1) + "\"";
    }

    static String describe(TimelineEvent response) {
        StringBuilder out = new StringBuilder("HTTP ").append(response.attribute("status"));
        if (!response.attribute("dpsStatus").isEmpty()) {
            out.append(" status ").append(response.attribute("dpsStatus"));
        }
        if (!response.attribute("errorCode").isEmpty()) {
            out.append(" errorCode ").append(response.attribute("errorCode"));
        }
        if (!response.attribute("message").isEmpty()) {
            out.append(" \"").append(response.attribute("message")).append('"');
        }
        return out.toString();
    }

    private static String describe(BootReport report) {
        if (report instanceof BootReport.Connected c) {
            return "it reports it is connected to " + c.assignedHubHost() + " as " + c.deviceId();
        }
        if (report instanceof BootReport.Failed f) {
            return "it reports that it failed: " + f.reason();
        }
        BootReport.NoVerdict n = (BootReport.NoVerdict) report;
        return "it gave no verdict within " + VERDICT_DEADLINE.toSeconds() + " s (waited for " + n.waitingFor() + ")";
    }
}
