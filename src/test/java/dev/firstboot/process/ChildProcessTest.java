package dev.firstboot.process;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Real children: a chatty one, one that ignores SIGTERM, one with a grandchild, one that outlives its deadline. */
class ChildProcessTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void aChattyChildNeverBlocksOnAFullPipeAndOnlyItsTailIsKept() throws Exception {
        AtomicInteger errorLines = new AtomicInteger();
        ChildProcess c = ChildProcess.command("sh", "-c", "seq 1 300000; seq 1 300000 >&2")
                .stdout(ChildProcess.Output.tail(100))
                .stderr(ChildProcess.Output.lines(line -> errorLines.incrementAndGet()))
                .start();
        assertThat(c.waitFor(WAIT)).as("a child printing 4 MB to two pipes finishes").isTrue();
        assertThat(c.exitCode()).isZero();
        assertThat(c.output()).hasSizeLessThanOrEqualTo(100).endsWith("299999\n300000\n");
        assertThat(errorLines).hasValue(300000);
        assertThat(c.exited().get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isZero();
    }

    @Test
    void aChildThatIgnoresSigtermIsKilledOnceTheStopDeadlinePassed() throws Exception {
        CompletableFuture<String> ready = new CompletableFuture<>();
        ChildProcess c = ChildProcess.command("sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done")
                .stdout(ChildProcess.Output.lines(ready::complete)).start();
        assertThat(ready.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("ready");

        assertThat(c.stop(Duration.ofMillis(300))).as("SIGKILL was needed").isTrue();
        assertThat(c.alive()).isFalse();
        assertThat(c.exitCode()).isEqualTo(128 + 9);
    }

    @Test
    void aChildThatHonoursSigtermEndsWithoutSigkill() throws Exception {
        CompletableFuture<String> ready = new CompletableFuture<>();
        ChildProcess c = ChildProcess.command("sh", "-c", "trap 'exit 7' TERM; echo ready; while :; do sleep 1; done")
                .stdout(ChildProcess.Output.lines(ready::complete)).start();
        ready.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

        assertThat(c.stop(WAIT)).as("SIGKILL was needed").isFalse();
        assertThat(c.exitCode()).isEqualTo(7);
    }

    @Test
    void aGrandchildDiesWithItsParent() throws Exception {
        CompletableFuture<String> pid = new CompletableFuture<>();
        ChildProcess c = ChildProcess.command("sh", "-c", "sleep 600 & echo $!; wait")
                .stdout(ChildProcess.Output.lines(pid::complete)).start();
        ProcessHandle grandchild = handle(pid.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        assertThat(grandchild.parent().map(ProcessHandle::pid)).contains(c.pid());

        c.stop(WAIT);
        assertThat(c.alive()).isFalse();
        assertThat(gone(grandchild)).as("the grandchild sleep " + grandchild.pid() + " is gone").isTrue();
    }

    @Test
    void sigtermReachesTheGrandchildTooSoItCanEndCleanly() throws Exception {
        Path said = dir.resolve("grandchild-term");
        CompletableFuture<String> ready = new CompletableFuture<>();
        ChildProcess c = grandparent(said).stdout(ChildProcess.Output.lines(ready::complete)).start();
        handle(ready.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).replace("ready ", ""));

        c.stop(WAIT);
        assertThat(said).as("the grandchild's TERM trap ran").hasContent("term");
    }

    @Test
    void aChildThatStopsItsOwnChildrenGetsSigtermAloneAndWhatItLeavesIsKilled() throws Exception {
        Path said = dir.resolve("grandchild-term");
        CompletableFuture<String> ready = new CompletableFuture<>();
        ChildProcess c = grandparent(said).stopsItsOwnChildren().stdout(ChildProcess.Output.lines(ready::complete))
                .start();
        ProcessHandle grandchild = handle(ready.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).replace("ready ", ""));

        c.stop(WAIT);
        assertThat(gone(grandchild)).isTrue();
        assertThat(said).as("no TERM reached the grandchild: the child was to stop it").doesNotExist();
    }

    /** A shell with a background grandchild that notes a SIGTERM in {@code said}; it prints "ready PID" once set. */
    private static ChildProcess.Builder grandparent(Path said) {
        return ChildProcess.command("sh", "-c", "sh -c 'trap \"echo term > " + said + "; exit 0\" TERM; "
                + "echo \"ready $$\"; while :; do sleep 0.05; done' & wait");
    }

    @Test
    void aGrandchildThatIgnoresSigtermToo() throws Exception {
        CompletableFuture<String> pid = new CompletableFuture<>();
        ChildProcess c = ChildProcess.command("sh", "-c", "trap '' TERM; sleep 600 & echo $!; wait")
                .stdout(ChildProcess.Output.lines(pid::complete)).start();
        ProcessHandle grandchild = handle(pid.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));

        assertThat(c.stop(Duration.ofMillis(300))).isTrue();
        assertThat(c.alive()).isFalse();
        assertThat(gone(grandchild)).isTrue();
    }

    @Test
    void inItsOwnSessionAGrandchildLeftBehindAfterTheChildExitedIsStoppedToo() throws Exception {
        CompletableFuture<String> pid = new CompletableFuture<>();
        ChildProcess c = ChildProcess.command("sh", "-c", "sleep 600 >/dev/null 2>&1 & echo $!")
                .ownSession().stdout(ChildProcess.Output.lines(pid::complete)).start();
        ProcessHandle grandchild = handle(pid.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        assertThat(c.waitFor(WAIT)).as("the child itself exits at once").isTrue();
        assertThat(grandchild.isAlive()).as("left behind, in the child's group").isTrue();

        c.close();
        assertThat(gone(grandchild)).isTrue();
    }

    @Test
    void aChildThatOutlivesItsDeadlineIsAnErrorAndIsKilled() throws Exception {
        ChildProcess c = ChildProcess.command("sleep", "600").start();
        assertThat(c.waitFor(Duration.ofMillis(100))).isFalse();
        assertThat(c.alive()).isTrue();
        c.close();
        assertThat(c.alive()).isFalse();

        ChildProcess.Builder sleeper = ChildProcess.command("sh", "-c", "echo $$; exec sleep 600");
        assertThatThrownBy(() -> ChildProcess.run(sleeper, Duration.ofSeconds(1), "sleeping"))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("sleeping failed (exit timeout within 1 s): ")
                .satisfies(e -> assertThat(ProcessHandle.of(Long.parseLong(e.getMessage().replaceAll(".*: ", "")))
                        .map(ProcessHandle::isAlive)).as("the sleeper after the deadline").isEmpty());
    }

    @Test
    void theCallerOwnsStdinAndStdoutWhileStderrIsStillDrained() throws Exception {
        // The flood on stderr comes first: undrained, it would block the child before it reads its first line.
        ChildProcess c = ChildProcess.command("sh", "-c", "seq 1 200000 >&2; while read l; do echo \"got $l\"; done")
                .stdin(ChildProcess.Input.pipe()).stdout(ChildProcess.Output.pipe())
                .stderr(ChildProcess.Output.tail(50)).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(c.stdout(), StandardCharsets.UTF_8));
        OutputStream in = c.stdin();
        in.write("ping\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
        assertThat(CompletableFuture.supplyAsync(() -> {
            try {
                return out.readLine();
            } catch (IOException e) {
                return e.toString();
            }
        }).get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("got ping");
        in.close();
        assertThat(c.waitFor(WAIT)).isTrue();
        assertThat(c.exitCode()).isZero();
        assertThat(c.output()).endsWith("200000\n");
    }

    @Test
    void theChildGetsExactlyItsEnvironmentAndFolder() throws Exception {
        String text = ChildProcess.run(ChildProcess.command("sh", "-c", "echo \"$ONLY|$HOME\"; pwd")
                .environment(Map.of("ONLY", "this", "PATH", System.getenv("PATH"))).directory(dir), WAIT, "echoing");
        assertThat(text).isEqualTo("this|\n" + dir.toRealPath() + "\n");
    }

    @Test
    void aFailingToolIsAnErrorWithTheEndOfWhatItPrinted() {
        assertThatThrownBy(() -> ChildProcess.run(ChildProcess.command("sh", "-c", "echo broken >&2; exit 3")
                .errorsToOutput(), WAIT, "breaking"))
                .isInstanceOf(IOException.class).hasMessage("breaking failed (exit 3 within 30 s): broken");
    }

    @Test
    void aLongLineIsCutWithANote() throws Exception {
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        ChildProcess c = ChildProcess.command("sh", "-c", "printf '0123456789abcdef\\r\\nshort'")
                .stdout(ChildProcess.Output.lines(10, lines::add)).start();
        assertThat(c.waitFor(WAIT)).isTrue();
        assertThat(lines).containsExactly("0123456789 …(line cut at 10 characters)", "short");
    }

    private static ProcessHandle handle(String pid) {
        return ProcessHandle.of(Long.parseLong(pid.strip()))
                .orElseThrow(() -> new AssertionError("no process " + pid));
    }

    /** Whether the process has ended (a zombie not yet reaped counts as ended), waiting at most {@link #WAIT}. */
    private static boolean gone(ProcessHandle h) {
        long end = System.nanoTime() + WAIT.toNanos();
        while (ChildProcess.running(h)) {
            if (System.nanoTime() > end) {
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
        return true;
    }
}
