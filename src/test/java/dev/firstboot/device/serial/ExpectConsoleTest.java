package dev.firstboot.device.serial;

import dev.firstboot.device.pty.PtyPair;
import dev.firstboot.secret.Redactor;
import dev.firstboot.secret.Secret;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.TimelineSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The test plays the device on the device side of a real pty pair; the console opens the user side with jSerialComm,
 * as it would open a board.
 */
class ExpectConsoleTest {
    private static final Duration SHORT = Duration.ofSeconds(3);

    record Event(Origin origin, EventKind kind, String subject, Map<String, String> attributes) {
    }

    @TempDir
    Path dir;

    private PtyPair pair;
    private FileOutputStream device;
    private FileInputStream deviceIn;
    private final Redactor redactor = new Redactor();
    /** Records attributes exactly as the console gives them, so a leak by the console cannot hide behind a sink's masking. */
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private final TimelineSink sink = (origin, kind, subject, attributes) ->
            events.add(new Event(origin, kind, subject, attributes));
    private ExpectConsole console;

    @BeforeEach
    void setUp() throws IOException {
        pair = PtyPair.open(dir.resolve("device"), dir.resolve("ttyDevKit"), Duration.ofSeconds(5));
        device = new FileOutputStream(pair.deviceSide().toFile());
        deviceIn = new FileInputStream(pair.deviceSide().toFile());
        console = ExpectConsole.over(JSerialCommLink.open(pair.userSide()))
                .named("devkit").timeline(sink).redactor(redactor).start();
    }

    @AfterEach
    void tearDown() {
        console.close();
        for (AutoCloseable c : List.<AutoCloseable>of(device, deviceIn, pair)) {
            try {
                c.close();
            } catch (Exception ignored) {
                // the pair may already be gone; that is what some tests are about
            }
        }
    }

    private void print(String text) throws IOException {
        device.write(text.getBytes(StandardCharsets.UTF_8));
        device.flush();
    }

    /** What the device received, up to and including {@code end}; read() in a loop, since ptys cannot seek. */
    private String deviceReadsUntil(char end) throws Exception {
        CompletableFuture<String> got = CompletableFuture.supplyAsync(() -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                int b;
                while ((b = deviceIn.read()) >= 0) {
                    out.write(b);
                    if (b == end) {
                        break;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toString(StandardCharsets.UTF_8);
        });
        return got.get(5, TimeUnit.SECONDS);
    }

    private static Pattern p(String regex) {
        return Pattern.compile(regex);
    }

    @Test
    void matchesLinesEndedByCrlfCrOrLfInOrderAndMovesPastThem() throws Exception {
        print("boot\r\nalpha 1\rbeta 2\ngamma 3\r\n");

        assertThat(console.expect(p("alpha (\\d)"), SHORT).groups()).containsExactly("1");
        assertThat(console.expect(p("^beta"), SHORT).line()).isEqualTo("beta 2");
        Match gamma = console.expect(p("gamma (\\d)"), SHORT);
        assertThat(gamma.group(1)).isEqualTo("3");
        assertThat(gamma.nanos()).isLessThanOrEqualTo(System.nanoTime());

        assertThatThrownBy(() -> console.expect(p("alpha"), Duration.ofMillis(200)))
                .as("alpha lies before the cursor")
                .isInstanceOf(ExpectTimeoutException.class);
        assertThat(console.log()).hasSize(4)
                .allMatch(l -> l.matches("\\[ +\\d+\\.\\d{3} s] .+"))
                .anyMatch(l -> l.endsWith("] gamma 3"));
        assertThat(events).filteredOn(e -> e.kind() == EventKind.CONSOLE_LINE)
                .extracting(e -> e.attributes().get("line"))
                .containsExactly("boot", "alpha 1", "beta 2", "gamma 3");
        assertThat(events).allMatch(e -> e.origin() == Origin.DEVICE && e.subject().equals("devkit"));

        console.clearLog();
        assertThat(console.log()).isEmpty();
    }

    @Test
    void matchesAPromptThatHasNoLineEndThenTheEchoAfterIt() throws Exception {
        print("Usage: help\r\n# ");
        Match prompt = console.expect(p("^# "), SHORT);
        assertThat(prompt.line()).isEqualTo("# ");

        console.sendLine("help");
        assertThat(deviceReadsUntil('\r')).isEqualTo("help\r");
        print("help\r\nCommands:\r\n");
        assertThat(console.expect(p("^help$"), SHORT).line()).isEqualTo("# help");
        assertThat(console.expect(p("Commands"), SHORT).line()).isEqualTo("Commands:");
    }

    @Test
    void aPromptPatternThatDependsOnWhatFollowsTimesOutWithAHint() throws Exception {
        print("\r\n# ");
        console.expect(p("#"), SHORT);
        print("\r\n# ");

        assertThatThrownBy(() -> console.expect(p("^# $"), Duration.ofMillis(300)))
                .isInstanceOf(ExpectTimeoutException.class)
                .hasMessageContaining("(unfinished line)")
                .hasMessageContaining("`^# `, not `^# $`");
    }

    @Test
    void aBoardThatFellSilentMidLineIsToldSoNotToChangeItsPattern() throws Exception {
        // The pattern's (\\S+) could take more bytes, but none come: the board stopped, the pattern is right.
        print("DevKitSDK version: 1.6");

        assertThatThrownBy(() -> console.expect(p("DevKitSDK version: (\\S+)"), Duration.ofMillis(300)))
                .isInstanceOf(ExpectTimeoutException.class)
                .hasMessageContaining("(unfinished line)")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("nothing follows"))
                .hasMessageMatching("(?s).*\nhint: the board stopped printing in the middle of a line "
                        + "\\(\"DevKitSDK version: 1\\.6\", no line end for \\d+\\.\\d s\\): did it hang or reset "
                        + "while printing\\? check what the firmware does after that point, and the board's power$");

        print("\r\nRegistration Information rec");
        assertThatThrownBy(() -> console.expect(p("Registration Information received from service: (.+)!"),
                Duration.ofMillis(300)))
                .hasMessageContaining("hint: the board stopped printing in the middle of a line "
                        + "(\"Registration Information rec\", no line end for ");
    }

    @Test
    void aBoardThatEndsInputLinesOnlyAtLfIsToldTheHarnessSendsCr() throws Exception {
        print("# ");
        console.expect(p("^# "), SHORT);
        console.sendLine("version");
        assertThat(deviceReadsUntil('\r')).isEqualTo("version\r");
        // The board echoes what it got, but takes only LF as the end of the line: the CR is not Enter to it.
        print("version");

        assertThatThrownBy(() -> console.expect(p("DevKitSDK version: (\\S+)"), Duration.ofMillis(300)))
                .isInstanceOf(ExpectTimeoutException.class)
                .hasMessageEndingWith("\nhint: the board echoed \"version\" but never answered it: the harness ends "
                        + "each command with CR (\\r), as the IoT Workbench does, and a board that ends input lines only "
                        + "at LF (\\n) waits for more; check that the firmware takes CR as Enter, and that nothing "
                        + "between (a serial exporter such as ser2net, a terminal setting such as icrnl) changes the "
                        + "line ends");

        // A secret line's echo is recognised by its command, and the hint names only the command.
        String uds = "0123456789abcdef0123456789ABCDEF";
        console.sendLineWithSecret("set_dps_uds \"", Secret.of(uds), "\"");
        deviceReadsUntil('\r');
        print("\r\n# set_dps_uds " + "*".repeat(uds.length() + 2));
        assertThatThrownBy(() -> console.expect(p("INFO: Set DPS UDS successfully\\."), Duration.ofMillis(300)))
                .hasMessageContaining("\nhint: the board echoed \"set_dps_uds\" but never answered it: the harness "
                        + "ends each command with CR (\\r)")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(uds));
    }

    @Test
    void patternsAreShownAsWrittenAndThePortOnce() throws Exception {
        assertThatThrownBy(() -> console.expect(p(Pattern.quote("Invalid UDS.")), Duration.ofMillis(200)))
                .hasMessageStartingWith("no line matching \"Invalid UDS.\" within 200 ms on devkit (");
        assertThatThrownBy(() -> console.expectAny(List.of(p("^ - " + Pattern.quote("set_dps_uds") + ": "),
                p(Pattern.quote("1.6 (beta)") + "$")), Duration.ofMillis(200)))
                .hasMessageStartingWith("no line matching any of /^ - set_dps_uds: /, /1\\.6 \\(beta\\)$/ within 200 ms")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\\E"));

        // A real board's console is named after its port, which the link's description names already.
        console.close();
        String port = pair.userSide().toString();
        console = ExpectConsole.over(JSerialCommLink.open(pair.userSide())).named(port).start();
        assertThatThrownBy(() -> console.expect(p("x"), Duration.ofMillis(200)))
                .hasMessageStartingWith("no line matching /x/ within 200 ms on " + port + " (/dev/pts/")
                .satisfies(e -> assertThat(e.getMessage().split(Pattern.quote(port), -1)).hasSize(2));
    }

    @Test
    void aTimeoutSaysWhatWasAwaitedTheDeadlineAndTheLastTenLines() throws Exception {
        StringBuilder out = new StringBuilder();
        for (int i = 1; i <= 12; i++) {
            out.append("line ").append(i).append("\r\n");
        }
        print(out.toString());
        console.expect(p("line 12"), SHORT);

        long t0 = System.nanoTime();
        assertThatThrownBy(() -> console.expect(p("INFO: Set DPS UDS successfully\\."), Duration.ofMillis(300)))
                .isInstanceOf(ExpectTimeoutException.class)
                .hasMessageStartingWith("no line matching /INFO: Set DPS UDS successfully\\./ within 300 ms on devkit")
                .hasMessageContaining("last 10 of 12 lines")
                .hasMessageContaining("] line 3\n")
                .hasMessageEndingWith("raise the deadline only if the board is known to be slow here")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("] line 2\n"))
                .hasMessageContaining("hint:");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void silenceGetsItsOwnHint() {
        assertThatThrownBy(() -> console.expect(p("anything"), Duration.ofMillis(200)))
                .isInstanceOf(ExpectTimeoutException.class)
                .hasMessageContaining("the console printed nothing")
                .hasMessageContaining("baud rate");
    }

    @Test
    void expectAnySaysWhichPatternMatched() throws Exception {
        print("WiFi connected\r\nERROR: DPS registration failed\r\n");
        AnyMatch outcome = console.expectAny(List.of(p("Registered"), p("ERROR: (.*)")), SHORT);
        assertThat(outcome.index()).isEqualTo(1);
        assertThat(outcome.match().group(1)).isEqualTo("DPS registration failed");
    }

    @Test
    void aSecretSentReachesTheDeviceButNeverTheLogNorTheTimeline() throws Exception {
        String uds = "0123456789abcdef0123456789ABCDEF";
        console.sendLineWithSecret("set_dps_uds \"", Secret.of(uds), "\"");
        assertThat(deviceReadsUntil('\r')).isEqualTo("set_dps_uds \"" + uds + "\"\r");
        console.sendSecret(Secret.of("wifi-password-42"));
        console.send("\r");
        assertThat(deviceReadsUntil('\r')).isEqualTo("wifi-password-42\r");

        // A defective device that echoes secrets in clear; the console must still keep them out of what it records.
        print("# set_dps_uds \"" + uds + "\"\r\nwifi-password-42\r\nINFO: Set DPS UDS successfully.\r\n");
        Match echo = console.expect(p("set_dps_uds \"(.*)\""), SHORT);
        assertThat(echo.line()).doesNotContain(uds).contains(Redactor.MASK);
        assertThat(echo.group(1)).isEqualTo(Redactor.MASK);
        console.expect(p("successfully"), SHORT);

        assertThat(console.log()).hasSize(3)
                .noneMatch(l -> l.contains(uds) || l.contains("wifi-password-42"))
                .anyMatch(l -> l.contains(Redactor.MASK));
        assertThat(events).extracting(e -> e.attributes().toString())
                .noneMatch(a -> a.contains(uds) || a.contains("wifi-password-42"));
        assertThatThrownBy(() -> console.expect(p(Pattern.quote(uds)), Duration.ofMillis(100)))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(uds));
    }

    @Test
    void theFirstByteAfterAResetIsRecordedOnce() throws Exception {
        print("still running\r\n");
        console.expect(p("still running"), SHORT);
        assertThat(events).noneMatch(e -> e.kind() == EventKind.CONSOLE_FIRST_BYTE);

        console.markReset();
        print("\0");
        print("boot\r\n");
        console.expect(p("boot"), SHORT);
        print("more\r\n");
        console.expect(p("more"), SHORT);

        List<EventKind> kinds = events.stream().map(Event::kind).toList();
        assertThat(kinds).containsExactly(EventKind.CONSOLE_LINE, EventKind.CONSOLE_FIRST_BYTE,
                EventKind.CONSOLE_LINE, EventKind.CONSOLE_LINE);
    }

    @Test
    void whenThePortGoesAwayAWaitingExpectFailsAtOnceAndLaterOnesToo() throws Exception {
        print("last words");
        console.expect(p("^last"), SHORT);
        CompletableFuture<Match> waiting = CompletableFuture.supplyAsync(
                () -> console.expect(p("never printed"), Duration.ofSeconds(30)));

        pair.close();

        long t0 = System.nanoTime();
        assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(ConsoleClosedException.class)
                .hasMessageContaining("the serial port closed / stopped answering")
                .hasMessageContaining("/never printed/")
                .hasMessageContaining("last words");
        assertThat(console.closed()).isTrue();
        assertThatThrownBy(() -> console.expect(p("never printed"), Duration.ofSeconds(30)))
                .isInstanceOf(ConsoleClosedException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat(console.log()).singleElement().asString().endsWith("] last words");
        assertThatThrownBy(() -> console.sendLine("help")).isInstanceOf(ConsoleClosedException.class);
    }

    @Test
    void closingTheConsoleReleasesThePortAndEndsExpectations() throws Exception {
        long t0 = System.nanoTime();
        console.close();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(ExpectConsole.STOP_DEADLINE);
        assertThat(console.closed()).isTrue();
        assertThatThrownBy(() -> console.expect(p("x"), Duration.ofSeconds(30)))
                .isInstanceOf(ConsoleClosedException.class)
                .hasMessageContaining("the console was closed");
        try (JSerialCommLink again = JSerialCommLink.open(pair.userSide())) {
            assertThat(again.describe()).contains("ttyDevKit", "/dev/pts/", "115200 8N1");
        }
    }

    @Test
    void pacedInputArrivesWhole() throws Exception {
        console.close();
        try (ExpectConsole paced = ExpectConsole.over(JSerialCommLink.open(pair.userSide()))
                .pacing(Duration.ofMillis(1)).start()) {
            long t0 = System.nanoTime();
            paced.sendLine("set_az_iothub");
            assertThat(deviceReadsUntil('\r')).isEqualTo("set_az_iothub\r");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(14));
        }
    }

    @Test
    void aBootStillPrintingWhenTheConsoleOpensIsOverBeforeTheResetMark() throws Exception {
        print("** banner **\r\nold boot line 1\r\n");
        assertThat(console.awaitQuiet(Duration.ofMillis(200), SHORT)).isTrue();
        console.markReset();
        print("new boot\r\n");
        assertThat(console.expect(Pattern.compile("boot"), SHORT).line()).isEqualTo("new boot");
    }

    @Test
    void aDeviceThatNeverFallsQuietIsWaitedForOnlyUntilTheDeadline() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        CompletableFuture<Void> chatter = CompletableFuture.runAsync(() -> {
            try {
                while (!stop.get()) {
                    print("tick\r\n");
                    Thread.onSpinWait();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            assertThat(console.awaitQuiet(Duration.ofSeconds(1), Duration.ofMillis(300))).isFalse();
        } finally {
            stop.set(true);
            chatter.get(5, TimeUnit.SECONDS);
        }
    }
}
