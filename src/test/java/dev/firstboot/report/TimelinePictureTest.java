package dev.firstboot.report;

import dev.firstboot.secret.Redactor;
import dev.firstboot.secret.Secret;
import dev.firstboot.timeline.BootMark;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.Timeline;
import dev.firstboot.timeline.TimelineEvent;
import org.junit.jupiter.api.Test;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

import static org.assertj.core.api.Assertions.assertThat;

/** The boot timeline as a swim-lane picture: lanes for device, DPS and hub, marks for events, bars for phases. */
class TimelinePictureTest {
    private static final Instant WALL = Instant.parse("2026-12-01T00:00:00Z");

    private static TimelineEvent at(double seconds, Origin origin, EventKind kind, Map<String, String> attributes) {
        return new TimelineEvent((long) (seconds * 1e9), WALL, origin, kind, "firstboot-dice-01", attributes);
    }

    private static List<TimelineEvent> boot() {
        List<TimelineEvent> events = new ArrayList<>();
        events.add(at(0.0, Origin.HARNESS, EventKind.HARNESS_NOTE, Map.of("scenario", "s")));
        events.add(at(0.1, Origin.DEVICE, EventKind.BOOT_STARTED, Map.of()));
        events.add(at(0.2, Origin.DEVICE, EventKind.CONSOLE_FIRST_BYTE, Map.of()));
        events.add(at(0.4, Origin.SERVICE, EventKind.TLS_HANDSHAKE, Map.of("peer", "dev", "protocol", "TLSv1.2")));
        events.add(at(0.5, Origin.SERVICE, EventKind.DPS_REQUEST, Map.of("operation", "register", "transport", "https",
                "method", "PUT", "path", "/0ne00FB0001/registrations/firstboot-dice-01/register", "apiVersion", "2021-10-01")));
        events.add(at(1.5, Origin.SERVICE, EventKind.DPS_ASSIGNED, Map.of("assignedHub", "hub-a", "deviceId", "devkit-01")));
        events.add(at(1.7, Origin.SERVICE, EventKind.TLS_HANDSHAKE, Map.of("peer", "dev", "protocol", "TLSv1.2")));
        events.add(at(1.8, Origin.SERVICE, EventKind.HUB_CONNECT, Map.of("hub", "hub-a", "clientId", "devkit-01",
                "username", "hub-a/devkit-01/?api-version=2021-04-12")));
        events.add(at(1.9, Origin.SERVICE, EventKind.HUB_CONNACK, Map.of("hub", "hub-a", "returnCode", "0")));
        return events;
    }

    @Test
    void eventsFallInTheLaneOfWhoSawThemAndATlsHandshakeInTheLaneOfTheServiceItLedTo() {
        List<TimelineEvent> events = boot();
        assertThat(TimelinePicture.lane(events, 0)).as("harness notes are not drawn").isEmpty();
        assertThat(TimelinePicture.lane(events, 1)).contains(TimelinePicture.Lane.DEVICE);
        assertThat(TimelinePicture.lane(events, 3)).contains(TimelinePicture.Lane.DPS);
        assertThat(TimelinePicture.lane(events, 5)).contains(TimelinePicture.Lane.DPS);
        assertThat(TimelinePicture.lane(events, 6)).contains(TimelinePicture.Lane.HUB);
        assertThat(TimelinePicture.lane(events, 8)).contains(TimelinePicture.Lane.HUB);
    }

    @Test
    void aPhaseWithinItsLimitIsGreenAndOneOverItIsRedAndSaysSo() throws Exception {
        String svg = TimelinePicture.svg(boot(), List.of(
                new TimelinePicture.MeasuredPhase(BootMark.BOOT, BootMark.REGISTRATION_REQUEST, OptionalDouble.of(2)),
                new TimelinePicture.MeasuredPhase(BootMark.REGISTRATION_REQUEST, BootMark.ASSIGNED, OptionalDouble.of(0.5))));
        parse(svg);
        assertThat(svg).contains("data-lane=\"device\"", "data-lane=\"DPS\"", "data-lane=\"hub\"");
        assertThat(svg).as("the axis in round seconds up to the longest limit").contains(">0.5 s</text>", ">5 s</text>")
                .doesNotContain(">0.500 s</text>", ">5.5 s</text>");
        assertThat(svg).contains("data-phase=\"boot → registration request\"").contains("0.400 s / limit 2 s")
                .contains("data-phase=\"registration request → assigned\"").contains("1 s / limit 0.500 s — OVER");
        assertThat(svg.split("class=\"measured\"")).hasSize(3);
        assertThat(svg.split("class=\"limit\"")).hasSize(3);
        assertThat(svg.split("class=\"event\"")).as("8 events drawn, the harness note not").hasSize(9);
        assertThat(svg).contains("fill=\"#2e7d32\"><title>boot → registration request took")
                .contains("fill=\"#c62828\"><title>registration request → assigned took");
    }

    @Test
    void withoutMeasuredPhasesItDrawsThePhasesBetweenTheMarksItSaw() throws Exception {
        String svg = TimelinePicture.svg(boot(), List.of());
        parse(svg);
        assertThat(svg).contains("data-phase=\"boot → first byte\"", "data-phase=\"first byte → registration request\"",
                "data-phase=\"registration request → assigned\"", "data-phase=\"assigned → hub connected\"")
                .doesNotContain("class=\"limit\"");
    }

    @Test
    void aPhaseThatCouldNotBeMeasuredSaysWhatTheTimelineHad() throws Exception {
        List<TimelineEvent> noHub = boot().subList(0, 6);
        String svg = TimelinePicture.svg(noHub, List.of(
                new TimelinePicture.MeasuredPhase(BootMark.ASSIGNED, BootMark.HUB_CONNECTED, OptionalDouble.of(2))));
        parse(svg);
        assertThat(svg).contains("not measured: the timeline has boot at 0.100 s").contains("/ limit 2 s");
    }

    @Test
    void textFromTheDeviceIsEscapedAndSecretsStayMasked() throws Exception {
        Redactor redactor = new Redactor();
        Secret uds = Secret.of("6b1f9e2d4c3a5b7e");
        redactor.register(uds.reveal());
        Timeline timeline = new Timeline(redactor);
        timeline.record(Origin.DEVICE, EventKind.CONSOLE_LINE, "board", Map.of("line",
                "<script>alert(1)</script> & UDS " + uds.reveal()));
        String svg = TimelinePicture.svg(timeline.events(), List.of());
        parse(svg);
        assertThat(svg).doesNotContain("<script>").contains("&lt;script&gt;").contains("&amp;")
                .doesNotContain("6b1f9e2d4c3a5b7e").contains("«masked»");
    }

    private static void parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }
}
