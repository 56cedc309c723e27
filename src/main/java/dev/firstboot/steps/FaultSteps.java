package dev.firstboot.steps;

import dev.firstboot.rig.Faults;
import dev.firstboot.suite.NotApplicableException;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.FaultJudge;
import dev.firstboot.timeline.Timeline;
import dev.firstboot.timeline.TimelineEvent;
import io.cucumber.java.en.Given;
import io.cucumber.java.en.Then;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Faults the service injects, and what a conforming device does under each, judged from the timeline only (see
 * {@link FaultJudge}). Thin: the rig's {@link Faults} injects, the judge decides.
 */
public final class FaultSteps {
    private final World world;

    public FaultSteps(World world) {
        this.world = world;
    }

    private Faults faults() {
        return world.backend().faults().orElseThrow(() -> new NotApplicableException("the backend of rig "
                + world.rig().name() + " (" + world.backend().kind() + ") cannot inject faults"));
    }

    @Given("DPS answers the next {int} request(s) with 429 and retry-after {int} second(s)")
    public void throttled(int count, int seconds) {
        faults().throttle(count, Duration.ofSeconds(seconds));
    }

    @Given("DPS answers the next request with {int}")
    public void nextRequestFails(int status) {
        faults().serverErrors(status, 1);
    }

    @Given("DPS answers the next {int} requests with {int}")
    public void nextRequestsFail(int count, int status) {
        faults().serverErrors(status, count);
    }

    @Given("DPS answers every request with {int}")
    public void everyRequestFails(int status) {
        faults().serverErrors(status, Faults.EVERY);
    }

    @Given("DPS delays every response by {int} second(s)")
    public void delayed(int seconds) {
        faults().delayResponses(Duration.ofSeconds(seconds));
    }

    @Given("DPS drops the connection after accepting the registration")
    public void dropsAfterAccept() {
        faults().dropConnectionAfterAccept(1);
    }

    @Given("the DPS TLS handshake fails")
    public void handshakeFails() {
        faults().failTlsHandshakes(Faults.EVERY);
    }

    @Given("the DPS TLS handshake fails for the next {int} connection(s)")
    public void handshakeFailsFor(int count) {
        faults().failTlsHandshakes(count);
    }

    @Given("DPS serves an expired certificate")
    public void expiredCertificate() {
        faults().serveExpiredCertificate(true);
    }

    @Given("the hub {string} is unavailable for {int} seconds")
    public void hubUnavailable(String hub, int seconds) {
        world.hubHost(hub); // a clear error for a hub the rig does not have
        faults().hubUnavailable(hub, Duration.ofSeconds(seconds));
    }

    @Given("DPS allows at most {int} registration(s) per minute")
    public void registrationLimit(int perMinute) {
        faults().limitRegistrations(perMinute);
    }

    @Given("DPS enforces its polling limit")
    public void pollingLimit() {
        faults().limitPolling(true);
    }

    @Then("the device waited at least {int} second(s) before retrying")
    public void waitedAtLeast(int seconds) {
        judge().waitedAfterThrottling(seconds).ifPresent(FaultSteps::fail);
    }

    @Then("the device retried at most {int} time(s)")
    public void retriedAtMost(int times) {
        judge().retriedAtMost(times).ifPresent(FaultSteps::fail);
    }

    @Then("the device backed off between retries")
    public void backedOff() {
        judge().backedOff().ifPresent(FaultSteps::fail);
    }

    @Then("the device gave up within {int} seconds and reported {string}")
    public void gaveUp(int seconds, String text) throws InterruptedException {
        String regId = world.registrationId();
        Timeline wire = world.wire("the device's attempts under injected faults");
        Optional<TimelineEvent> verdict = Limits.within(world, Duration.ofSeconds(seconds),
                d -> wire.await(e -> FaultJudge.verdict(regId).test(e), d), Optional::isPresent,
                "the device's verdict under injected faults");
        judge().gaveUp(verdict, seconds, text).ifPresent(FaultSteps::fail);
    }

    @Then("the device never completed a TLS handshake with an expired certificate")
    public void refusedExpired() throws InterruptedException {
        world.wire("TLS handshakes with DPS").await(FaultJudge::expiredHandshake, BootSteps.VERDICT_DEADLINE);
        judge().neverTrustedExpired().ifPresent(FaultSteps::fail);
    }

    @Then("within {int} seconds the device is connected to hub {string} as {string} after the outage")
    public void reconnected(int seconds, String hub, String deviceId) throws InterruptedException {
        String regId = world.registrationId();
        Timeline wire = world.wire("the hub's CONNACKs during its outage");
        Optional<TimelineEvent> done = Limits.within(world, Duration.ofSeconds(seconds), d -> wire.await(e ->
                (e.kind() == EventKind.HUB_CONNACK && e.subject().equals(deviceId) && e.is("hub", hub)
                && e.is("returnCode", "0")) || FaultJudge.gaveUp(regId).test(e), d), Optional::isPresent,
                deviceId + "'s connection to hub " + hub + " after the outage");
        judge().reconnectedAfterOutage(done, seconds, hub, deviceId).ifPresent(FaultSteps::fail);
    }

    @Then("DPS dropped the connection after accepting the registration")
    public void dropped() {
        List<TimelineEvent> drops = world.wire("connections DPS dropped").events(e -> e.kind() == EventKind.FAULT_INJECTED
                && e.is("fault", "connection-dropped-after-accept"));
        if (drops.isEmpty()) {
            fail("DPS never dropped a connection after accepting the registration, so the fault was not exercised; "
                    + "did the device register at all?");
        }
    }

    private FaultJudge judge() {
        return new FaultJudge(world.wire("the device's attempts under injected faults").events(), world.registrationId());
    }

    private static void fail(String message) {
        throw new AssertionError(message);
    }
}
