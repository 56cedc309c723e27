package dev.firstboot.steps;

import dev.firstboot.rig.Backend;
import dev.firstboot.rig.BootReport;
import dev.firstboot.rig.DeviceException;
import dev.firstboot.rig.ServiceWatch;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Measurement;
import dev.firstboot.timeline.RetryAfterCheck;
import dev.firstboot.timeline.Timeline;
import dev.firstboot.timeline.TimelineEvent;
import io.cucumber.java.en.Given;
import io.cucumber.java.en.Then;
import io.cucumber.java.en.When;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The boot itself and its registration and hub outcomes. Outcomes are judged from service observations that any DPS
 * and hub offer (the registration state, the hub's registry); wire evidence, where the backend records it, makes the
 * wait end sooner and the failure say more. Steps that judge wire evidence itself call {@link World#wire}.
 */
public final class BootSteps {
    /** Final DPS answers: after one of these the device will not be assigned any more. */
    private static final Set<String> FINAL = Backend.RegistrationState.FINAL;
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
        Timeline wire = world.wire("DPS's answer to the device's registration (HTTP 401)");
        Optional<TimelineEvent> answer = Limits.within(world, Duration.ofSeconds(seconds),
                d -> wire.await(dpsResponse(regId).and(e -> refusal(e) || ended(e)), d), Optional::isPresent,
                "DPS's answer to the registration of " + regId);
        if (answer.isEmpty()) {
            throw new AssertionError("expected DPS to refuse " + regId + " as unauthorized within " + seconds + " s, but "
                    + lastDpsAnswer(regId));
        }
        TimelineEvent e = answer.get();
        if (!e.is("status", "401")) {
            throw new AssertionError("expected DPS to refuse " + regId + " with HTTP 401, but it answered "
                    + describe(e) + " at " + String.format("%.3f s", e.seconds()));
        }
    }

    @Then("within {int} seconds the device's registration ends with status {string}")
    public void endsWithStatus(int seconds, String status) throws InterruptedException {
        String regId = world.registrationId();
        Optional<Backend.RegistrationState> state = awaitRegistrationEnd(regId, seconds);
        Optional<TimelineEvent> refusal = refusalOnTheWire(regId);
        if (state.filter(Backend.RegistrationState::ended).isEmpty()) {
            throw new AssertionError("expected the registration of " + regId + " to end with status " + status
                    + (refusal.isPresent() ? ", but DPS answered " + describe(refusal.get())
                    : " within " + seconds + " s, but " + lastDpsAnswer(regId)));
        }
        if (!state.get().status().equals(status)) {
            throw new AssertionError("expected the registration of " + regId + " to end with status " + status
                    + ", but DPS answered " + finalAnswer(regId, state.get()));
        }
    }

    @Then("the device reports that registration failed")
    public void reportsFailed() throws InterruptedException {
        BootReport report = bootVerdict();
        if (!(report instanceof BootReport.Failed)) {
            throw new AssertionError("expected the device to report that registration failed, but " + describe(report));
        }
    }

    @Then("the device reports that it is connected to hub {string}")
    public void reportsConnected(String hub) throws InterruptedException {
        BootReport report = bootVerdict();
        String host = world.hubHost(hub);
        if (!(report instanceof BootReport.Connected c) || !c.assignedHubHost().equals(host)) {
            throw new AssertionError("expected the device to report that it is connected to " + host + ", but "
                    + describe(report));
        }
    }

    @Then("within {int} seconds the device is connected to hub {string} as {string}")
    public void connected(int seconds, String hub, String deviceId) throws InterruptedException {
        String regId = world.registrationId();
        Predicate<TimelineEvent> answered = e -> e.kind() == EventKind.HUB_CONNACK && e.subject().equals(deviceId)
                && e.is("hub", hub);
        // the device's own word that it gave up, or (on the wire, where recorded) the hub's answer to it
        Predicate<TimelineEvent> over = gaveUp(regId).or(e -> world.recordsWire() && answered.test(e));
        Optional<Backend.HubRegistryDevice> device = Limits.within(world, Duration.ofSeconds(seconds),
                d -> ServiceWatch.until(world.timeline(), () -> world.backend().hubRegistryDevice(hub, deviceId),
                        Backend.HubRegistryDevice::everConnected, () -> world.timeline()
                                .first(over.and(e -> !(answered.test(e) && e.is("returnCode", "0")))).isPresent(), d),
                seen -> seen.filter(Backend.HubRegistryDevice::everConnected).isPresent(),
                deviceId + "'s connection to hub " + hub);
        if (device.filter(Backend.HubRegistryDevice::everConnected).isPresent()) {
            return;
        }
        Optional<TimelineEvent> ack = world.timeline().first(over);
        if (ack.isPresent() && ack.get().kind() == EventKind.DEVICE_MILESTONE) {
            throw new AssertionError("expected " + deviceId + " to connect to hub " + hub + ", but the device gave up: "
                    + ack.get().detail("reason") + "; " + lastDpsAnswer(regId));
        }
        if (ack.isPresent() && !ack.get().is("returnCode", "0")) {
            throw new AssertionError("hub " + hub + " refused " + deviceId + " with CONNACK return code "
                    + ack.get().detail("returnCode"));
        }
        if (!world.recordsWire()) {
            throw new AssertionError("expected " + deviceId + " to connect to hub " + hub + " within " + seconds
                    + " s, but hub " + hub + "'s registry " + (device.isEmpty() ? "has no device " + deviceId
                    : "shows " + deviceId + " never connected") + "; " + lastDpsAnswer(regId));
        }
        List<TimelineEvent> hubEvents = world.wireEvidence(e -> e.kind() == EventKind.HUB_CONNACK);
        throw new AssertionError("expected " + deviceId + " to connect to hub " + hub + " within " + seconds + " s, but "
                + (ack.isPresent() ? "hub " + hub + "'s registry does not record the connection the wire shows: "
                + device : hubEvents.isEmpty() ? "no hub saw a connection attempt; " + lastDpsAnswer(regId)
                : "the hubs answered only: " + hubEvents.stream().map(e -> e.subject() + " at " + e.detail("hub")
                + " → return code " + e.detail("returnCode")).toList()));
    }

    @Then("hub {string} received telemetry from {string}")
    public void telemetry(String hub, String deviceId) throws InterruptedException {
        Optional<Backend.HubDeviceState> device = Limits.within(world, TELEMETRY_DEADLINE,
                left -> ServiceWatch.until(world.timeline(), () -> world.backend().hubDevice(hub, deviceId),
                        d -> d.telemetryCount() > 0, () -> false, left),
                seen -> seen.filter(d -> d.telemetryCount() > 0).isPresent(), "telemetry from " + deviceId + " at hub " + hub);
        if (device.filter(d -> d.telemetryCount() > 0).isEmpty()) {
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
        List<TimelineEvent> connects = world.wireEvidence(e -> e.kind() == EventKind.HUB_CONNECT);
        if (!connects.isEmpty()) {
            TimelineEvent first = connects.get(0);
            throw new AssertionError("expected no hub connection, but " + first.subject() + " connected to hub "
                    + first.detail("hub") + " at " + String.format("%.3f s", first.seconds()));
        }
        String regId = world.registrationId();
        for (String hub : world.backend().hubNames()) {
            Optional<Backend.HubRegistryDevice> seen = world.backend().hubRegistryDevice(hub, regId)
                    .filter(Backend.HubRegistryDevice::everConnected);
            if (seen.isPresent()) {
                throw new AssertionError("expected no hub connection, but hub " + hub + "'s registry shows " + regId
                        + " connected (" + seen.get().connectionState() + ", last activity "
                        + seen.get().lastActivityTime().map(Object::toString).orElse("unknown") + ")");
            }
        }
        if (report instanceof BootReport.Connected c) {
            throw new AssertionError("expected no hub connection, but the device reports it is connected to "
                    + c.assignedHubHost() + " as " + c.deviceId());
        }
    }

    @Then("the device waited at least as long as DPS asked before every status poll")
    public void honouredRetryAfter() {
        String regId = world.registrationId();
        List<TimelineEvent> exchanges = world.wire("the time of each status poll after DPS's retry-after")
                .events(e -> e.subject().equals(regId)
                && (e.kind() == EventKind.DPS_REQUEST || e.kind() == EventKind.DPS_RESPONSE));
        RetryAfterCheck.Result result = RetryAfterCheck.judge(exchanges);
        result.shortestWait().ifPresent(share -> world.measured(List.of(
                Measurement.recorded("shortest poll wait / retry-after", share, "ratio"))));
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
        Optional<Backend.RegistrationState> state = awaitRegistrationEnd(regId, seconds);
        if (state.filter(Backend.RegistrationState::ended).isEmpty()) {
            Optional<TimelineEvent> refusal = refusalOnTheWire(regId);
            if (refusal.isPresent()) {
                throw new AssertionError("expected " + regId + " to be assigned to hub " + hub + ", but DPS answered "
                        + describe(refusal.get()) + "; device: " + lastConsoleLine());
            }
            Optional<TimelineEvent> gaveUp = world.timeline().first(gaveUp(regId));
            if (gaveUp.isPresent()) {
                throw new AssertionError("expected " + regId + " to be assigned to hub " + hub + ", but the device gave up: "
                        + gaveUp.get().detail("reason") + "; " + lastDpsAnswer(regId));
            }
            throw new AssertionError("expected " + regId + " to be assigned to hub " + hub + " within " + seconds
                    + " s, but " + lastDpsAnswer(regId));
        }
        Backend.RegistrationState s = state.get();
        if (!s.status().equals("assigned")) {
            throw new AssertionError("expected " + regId + " to be assigned to hub " + hub + ", but DPS answered "
                    + finalAnswer(regId, s) + "; device: " + lastConsoleLine());
        }
        if (!s.assignedHub().equals(Optional.of(host))) {
            throw new AssertionError("expected " + regId + " to be assigned to " + host + ", but DPS assigned it to "
                    + s.assignedHub().orElse("no hub"));
        }
        if (deviceId.isPresent() && !s.deviceId().equals(deviceId)) {
            throw new AssertionError("expected " + regId + " to be assigned as device " + deviceId.get()
                    + ", but DPS assigned it as " + s.deviceId().orElse("no device id"));
        }
    }

    /**
     * The registration state once it has ended (assigned, failed, disabled), or what DPS had when the deadline passed
     * or the wire showed a refusal (after which no state will come).
     */
    private Optional<Backend.RegistrationState> awaitRegistrationEnd(String regId, int seconds)
            throws InterruptedException {
        return Limits.within(world, Duration.ofSeconds(seconds),
                d -> ServiceWatch.until(world.timeline(), () -> world.backend().registrationState(regId),
                        Backend.RegistrationState::ended,
                        () -> refusalOnTheWire(regId).isPresent() || world.timeline().first(gaveUp(regId)).isPresent(), d),
                seen -> seen.filter(Backend.RegistrationState::ended).isPresent(), "the end of the registration of " + regId);
    }

    /** The device's own verdict on its boot, or none when it gave none within {@link #VERDICT_DEADLINE}. */
    private BootReport bootVerdict() throws InterruptedException {
        return Limits.within(world, VERDICT_DEADLINE, world.device()::awaitBoot, r -> !(r instanceof BootReport.NoVerdict),
                "the device's own boot verdict");
    }

    /** DPS's first refusal of the device, when the backend records wire evidence. */
    private Optional<TimelineEvent> refusalOnTheWire(String regId) {
        return world.wireEvidence(dpsResponse(regId).and(BootSteps::refusal)).stream().findFirst();
    }

    /** How DPS ended the registration: its final answer on the wire where recorded, else the registration state. */
    private String finalAnswer(String regId, Backend.RegistrationState state) {
        return world.wireEvidence(dpsResponse(regId).and(e -> e.carries("dpsStatus", state.status()))).stream()
                .findFirst().map(BootSteps::describe).orElse("registration state " + state.describe());
    }

    /** The device's own word that its boot failed; nothing after it will connect. */
    private static Predicate<TimelineEvent> gaveUp(String regId) {
        return e -> e.kind() == EventKind.DEVICE_MILESTONE && e.subject().equals(regId)
                && e.is("milestone", "failed");
    }

    /**
     * A 4xx with an error body; a TPM challenge is a 401 too, but it carries no errorCode and is not a refusal, and a
     * 429 is throttling, after which the device retries (dps.md §1.5).
     */
    private static boolean refusal(TimelineEvent response) {
        String status = response.detail("status");
        return status.startsWith("4") && !status.equals("429") && response.optionalDetail("errorCode").isPresent();
    }

    /** A DPS answer with a final registration status (assigned, failed or disabled). */
    private static boolean ended(TimelineEvent response) {
        return response.optionalDetail("dpsStatus").filter(FINAL::contains).isPresent();
    }

    private static Predicate<TimelineEvent> dpsResponse(String regId) {
        return e -> e.kind() == EventKind.DPS_RESPONSE && e.subject().equals(regId);
    }

    private String lastDpsAnswer(String regId) {
        if (!world.recordsWire()) {
            return world.backend().registrationState(regId).map(st -> "DPS's registration state for it is "
                    + st.describe()).orElse("DPS keeps no registration state for it") + "; device: " + lastConsoleLine();
        }
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
        StringBuilder out = new StringBuilder("HTTP ").append(response.detail("status"));
        response.optionalDetail("dpsStatus").ifPresent(s -> out.append(" status ").append(s));
        response.optionalDetail("errorCode").ifPresent(c -> out.append(" errorCode ").append(c));
        response.optionalDetail("message").ifPresent(m -> out.append(" \"").append(m).append('"'));
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
