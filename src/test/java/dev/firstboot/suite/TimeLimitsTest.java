package dev.firstboot.suite;

import dev.firstboot.device.serial.ExpectTimeoutException;
import dev.firstboot.rig.DeviceException;
import dev.firstboot.timeline.HostLagProbe;
import dev.firstboot.timeline.StalledProbe;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Who a missed time limit is on: the device on a quiet host; nobody (inconclusive) on an overloaded one. */
class TimeLimitsTest {
    @Test
    void aLimitMissedWhileTheProbeStalledIsInconclusiveAndSaysWhatWasMissed() throws Exception {
        long from = System.nanoTime();
        try (HostLagProbe stalled = StalledProbe.overdueBy(Duration.ofMillis(600))) {
            AssertionError missed = new AssertionError("DPS did not challenge tpm-01 within 5 s");
            assertThatThrownBy(() -> TimeLimits.judged(stalled, missed, from, System.nanoTime()))
                    .isInstanceOf(InconclusiveException.class).hasCause(missed)
                    .hasMessageStartingWith("inconclusive: the host was overloaded (lag 6")
                    .hasMessageEndingWith("What was missed: DPS did not challenge tpm-01 within 5 s");
        }
    }

    @Test
    void aLimitMissedOnAQuietHostStaysTheDevicesFailure() {
        AssertionError missed = new AssertionError("DPS did not challenge tpm-01 within 5 s");
        long from = System.nanoTime();
        assertThat(TimeLimits.judged(HostLagProbe.idle(), missed, from, System.nanoTime())).isSameAs(missed);
    }

    @Test
    void aConsoleWaitThatRanOutIsJudgedByTheWindowItRanIn() throws Exception {
        DeviceException refused = new DeviceException("the board did not take the UDS: it answered \"ERROR: \"");
        long ended = System.nanoTime();
        DeviceException beforeTheStall = new DeviceException("rig bench: no line matching \"# \" within 10 s",
                new ExpectTimeoutException("no line matching \"# \" within 10 s", ended - 10_000_000_000L, ended));
        try (HostLagProbe stalled = StalledProbe.overdueBy(Duration.ofMillis(600))) {
            long from = System.nanoTime();
            DeviceException timedOut = new DeviceException("rig bench: no line matching \"# \" within 10 s",
                    new ExpectTimeoutException("no line matching \"# \" within 10 s", from, System.nanoTime()));
            assertThat(TimeLimits.judged(HostLagProbe.idle(), timedOut)).isSameAs(timedOut);
            assertThatThrownBy(() -> TimeLimits.judged(stalled, timedOut)).isInstanceOf(InconclusiveException.class)
                    .hasMessageEndingWith("What was missed: rig bench: no line matching \"# \" within 10 s");
            assertThat(TimeLimits.judged(stalled, refused)).as("a wrong answer is no missed limit, however loaded the host")
                    .isSameAs(refused);
            assertThat(TimeLimits.judged(stalled, beforeTheStall)).as("a wait that ended before the host stalled")
                    .isSameAs(beforeTheStall);
        }
    }

    @Test
    void lagUpToTheToleranceIsNoOverload() throws Exception {
        long from = System.nanoTime();
        try (HostLagProbe stalled = StalledProbe.overdueBy(Duration.ofMillis(600))) {
            assertThat(TimeLimits.overloaded(stalled, from, System.nanoTime())).isTrue();
        }
        assertThat(TimeLimits.overloaded(HostLagProbe.idle(), from, System.nanoTime())).isFalse();
        assertThat(TimeLimits.OVERLOAD).isEqualTo(Duration.ofMillis(250));
    }
}
