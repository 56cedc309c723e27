package dev.firstboot.rig;

import dev.firstboot.secret.Redactor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A rig's lanes: one per scenario at a time, started as they are first needed, each with parts of its own. */
class RigLanesTest {
    private static final Path RIGS = Path.of("rigs").toAbsolutePath();

    @TempDir
    Path dir;

    @Test
    void eachScenarioAtOnceGetsALaneWithItsOwnDeviceBackendAndTimeline() throws Exception {
        RigSpec spec = new RigFiles(RIGS).load("embedded");
        try (Rig rig = Rig.start(spec, new Redactor(), dir, 2)) {
            Lane a = rig.lease("a", Duration.ofSeconds(5));
            Lane b = rig.lease("b", Duration.ofSeconds(5));
            assertThat(a).isNotSameAs(b);
            assertThat(a.device()).isNotSameAs(b.device());
            assertThat(a.timeline()).isNotSameAs(b.timeline());
            assertThat(a.backend().deviceEndpoints().dps()).isNotEqualTo(b.backend().deviceEndpoints().dps());
            assertThat(b.backend().faults()).isPresent();
            assertThat(a.backend().faults().orElseThrow()).isNotSameAs(b.backend().faults().orElseThrow());

            rig.release(a);
            Lane again = rig.lease("the third scenario", Duration.ofSeconds(5));
            assertThat(again).isSameAs(a);
            assertThat(again.timeline().render()).contains("the third scenario");
        }
    }

    @Test
    void aScenarioWaitsForABusyLaneAndIsToldWhenNoneComesFree() throws Exception {
        RigSpec spec = new RigFiles(RIGS).load("embedded");
        try (Rig rig = Rig.start(spec, new Redactor(), dir, 1)) {
            Lane only = rig.lease("holds it", Duration.ofSeconds(5));
            assertThatThrownBy(() -> rig.lease("waits", Duration.ofMillis(200))).isInstanceOf(RigException.class)
                    .hasMessageContaining("no lane of rig embedded came free within 0.2 s")
                    .hasMessageContaining("fewer --threads");
            Thread releaser = new Thread(() -> rig.release(only));
            releaser.start();
            assertThat(rig.lease("after", Duration.ofSeconds(10))).isSameAs(only);
            releaser.join(10_000);
        }
    }

    @Test
    void aClosedRigLeasesNoLane() throws Exception {
        Rig rig = Rig.start(new RigFiles(RIGS).load("embedded"), new Redactor(), dir, 2);
        rig.close();
        assertThatThrownBy(() -> rig.lease("late", Duration.ofSeconds(1))).isInstanceOf(RigException.class)
                .hasMessageContaining("has been closed");
    }

    @Test
    void aVirtualDevKitReflashedByOneScenarioRunsTheRigsFirmwareForTheNext() throws Exception {
        try (Rig rig = Rig.start(new RigFiles(RIGS).load("virtual-devkit"), new Redactor(), dir, 1)) {
            Lane lane = rig.lease("reflashes the board", Duration.ofSeconds(5));
            DiceFacet board = lane.device().facet(DiceFacet.class).orElseThrow();
            String automatic = board.expectedRegistrationId();
            board.useRegistrationId("a".repeat(129));
            assertThat(board.expectedRegistrationId()).isEqualTo("a".repeat(129));
            rig.release(lane);
            Lane next = rig.lease("expects the rig's firmware", Duration.ofSeconds(5));
            assertThat(next).isSameAs(lane);
            assertThat(next.device().facet(DiceFacet.class).orElseThrow().expectedRegistrationId()).isEqualTo(automatic);
        }
    }
}
