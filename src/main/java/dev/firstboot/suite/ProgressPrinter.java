package dev.firstboot.suite;

import dev.firstboot.process.ChildProcess;
import dev.firstboot.rig.Capabilities;
import dev.firstboot.rig.RigFiles;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.TimelineEvent;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What a run shows as it goes. One line per scenario as it finishes (status, feature › scenario, duration, and why
 * when it did not pass); not-applicable scenarios fold into one line per reason at the end unless
 * {@link Terminal#showSkipped()}. On a terminal, one live status line below them shows the scenario, its current
 * step, the time elapsed and the last thing that happened; CI and pipes get plain lines only.
 */
final class ProgressPrinter {
    private static final String CLEAR = "\r\u001b[K";
    private static final Path TTY = Path.of("/dev/tty");
    private final PrintWriter out;
    private final Terminal terminal;
    private final RigFiles rigFiles;
    private final List<Map.Entry<String, Capabilities.NotApplicable>> notApplicable = new ArrayList<>();
    private int total;
    private int done;
    private String scenario = "";
    private String step = "";
    private String lastEvent = "";
    private long scenarioStart;
    private long stepStart;
    private boolean liveShown;
    private Thread ticker;
    /** On a terminal, passes of one feature share a line, rewritten in place: the feature, how many, how long. */
    private String tallyFeature;
    private int tallyCount;
    private long tallyMillis;
    private boolean tallyIsLast;
    private final int width;

    ProgressPrinter(PrintWriter out, Terminal terminal, RigFiles rigFiles) {
        this.out = out;
        this.terminal = terminal;
        this.rigFiles = rigFiles;
        this.width = terminal.tty() ? terminalWidth() : Integer.MAX_VALUE;
    }

    /** Before the rig starts: the live line says so, with the time it takes. */
    synchronized void startingRig(String rig) {
        scenario = "Starting rig " + rig;
        step = "";
        scenarioStart = System.nanoTime();
        stepStart = scenarioStart;
        if (!terminal.tty()) {
            line("Starting the rig…");
        } else {
            startTicker();
        }
    }

    synchronized void planned(int applicable, int notApplicable) {
        this.total = applicable;
        scenario = "";
        line("Running " + applicable + " scenario" + (applicable == 1 ? "" : "s")
                + (notApplicable > 0 ? " (" + notApplicable + " not applicable on this rig)" : ""));
    }

    synchronized void scenarioStarted(String name) {
        scenario = name;
        step = "";
        lastEvent = "";
        scenarioStart = System.nanoTime();
        stepStart = scenarioStart;
    }

    synchronized void stepStarted(String text) {
        step = text;
        stepStart = System.nanoTime();
    }

    /**
     * An event on a scenario's timeline: the live line shows the latest; --verbose prints console lines, marked with
     * the lane ({@code lane} above 0) when scenarios run side by side.
     */
    void event(TimelineEvent e, int lane) {
        synchronized (this) {
            lastEvent = describe(e);
            if (terminal.verbose() && e.kind() == EventKind.CONSOLE_LINE) {
                line(paint("2", "  │ " + (lane > 0 ? "[lane " + lane + "] " : "") + e.detail("line")));
            }
        }
    }

    synchronized void finished(ScenarioResult r, Optional<Capabilities.NotApplicable> na) {
        if (r.status() == ScenarioStatus.NOT_APPLICABLE && na.isPresent() && !terminal.showSkipped()) {
            notApplicable.add(Map.entry(r.feature() + " › " + r.name(), na.get()));
            return;
        }
        if (r.status() != ScenarioStatus.NOT_APPLICABLE) {
            done++;
        }
        scenario = "";
        if (terminal.quiet() && r.status() != ScenarioStatus.FAILED && r.status() != ScenarioStatus.INCONCLUSIVE) {
            return;
        }
        String counter = r.status() == ScenarioStatus.NOT_APPLICABLE || total == 0 ? " ".repeat(2 * digits() + 3)
                : String.format(Locale.ROOT, "[%" + digits() + "d/%d] ", done, total);
        if (terminal.tty() && !terminal.verbose() && r.status() == ScenarioStatus.PASSED) {
            boolean same = tallyIsLast && r.feature().equals(tallyFeature);
            tallyCount = same ? tallyCount + 1 : 1;
            tallyMillis = (same ? tallyMillis : 0) + r.duration().toMillis();
            tallyFeature = r.feature();
            String text = tallyCount == 1
                    ? String.format(Locale.ROOT, "%sPASS  %s › %s (%.1f s)", counter, r.feature(), r.name(), tallyMillis / 1000.0)
                    : String.format(Locale.ROOT, "%sPASS  %s › %d scenarios (%.1f s)", counter, r.feature(), tallyCount,
                    tallyMillis / 1000.0);
            clearLive();
            if (same) {
                out.print("\u001b[1A\r\u001b[K");
            }
            String fitted = fit(text);
            out.println(counter + paint(colour(r.status()), "PASS") + fitted.substring(counter.length() + 4));
            tallyIsLast = true;
            drawLive();
            out.flush();
            return;
        }
        line(String.format(Locale.ROOT, "%s%s  %s › %s (%.1f s)", counter, paint(colour(r.status()), r.status().tag()),
                r.feature(), r.name(), r.duration().toMillis() / 1000.0));
        if (r.status() != ScenarioStatus.PASSED && !r.message().isEmpty()) {
            line("         ↳ " + r.firstLineOfMessage());
        }
    }

    /** After the last scenario: the folded not-applicable lines. */
    synchronized void end() {
        stopTicker();
        scenario = "";
        List<RunPlan.Fold> folds = RunPlan.bySolution(RunPlan.folds(notApplicable, rigFiles));
        if (!folds.isEmpty() && !terminal.quiet()) {
            out.println();
            for (RunPlan.Fold f : folds) {
                out.println(paint("33", "N/A") + "   " + f.line());
            }
            out.println("      (--show-skipped lists them one by one; 'firstboot list' shows why)");
        }
        out.flush();
    }

    /** A permanent line above the live one. */
    synchronized void line(String text) {
        clearLive();
        out.println(text);
        tallyIsLast = false;
        drawLive();
        out.flush();
    }

    private int digits() {
        return String.valueOf(Math.max(total, 1)).length();
    }

    private void startTicker() {
        if (ticker != null) {
            return;
        }
        ticker = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                synchronized (this) {
                    clearLive();
                    drawLive();
                    out.flush();
                    try {
                        wait(250);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }, "firstboot-status-line");
        ticker.setDaemon(true);
        ticker.start();
    }

    private void stopTicker() {
        if (ticker != null) {
            ticker.interrupt();
            ticker = null;
        }
        clearLive();
    }

    private void clearLive() {
        if (liveShown) {
            out.print(CLEAR);
            liveShown = false;
        }
    }

    private void drawLive() {
        if (!terminal.tty() || ticker == null || scenario.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        StringBuilder s = new StringBuilder();
        if (total > 0 && !scenario.startsWith("Starting rig")) {
            s.append(String.format(Locale.ROOT, "[%" + digits() + "d/%d] ", Math.min(done + 1, total), total));
        }
        // Most news first, as the line is cut to the terminal's width: time, step, last event, then the scenario.
        s.append(String.format(Locale.ROOT, "%.1f s", (now - scenarioStart) / 1e9));
        if (!step.isEmpty()) {
            s.append(" · ").append(step);
        }
        if (!lastEvent.isEmpty()) {
            s.append(" · last: ").append(lastEvent);
        }
        s.append(" · ").append(scenario.length() > 40 ? scenario.substring(0, 39) + "…" : scenario);
        out.print(paint("2", fit(s.toString())));
        liveShown = true;
    }

    /** A line cut to the terminal's width, so rewriting it in place never meets a wrapped line. */
    private String fit(String text) {
        return text.length() > width - 1 ? text.substring(0, Math.max(1, width - 2)) + "…" : text;
    }

    /** {@code COLUMNS}, else what {@code stty size} says of the terminal, else 80. */
    static int terminalWidth() {
        try {
            String columns = System.getenv("COLUMNS");
            if (columns != null && columns.matches("\\d+")) {
                return Math.max(40, Integer.parseInt(columns));
            }
            String size = ChildProcess.run(ChildProcess.command("stty", "size").stdin(ChildProcess.Input.from(TTY)),
                    Duration.ofSeconds(2), "asking the terminal its size").trim();
            if (size.matches("\\d+ \\d+")) {
                int cols = Integer.parseInt(size.split(" ")[1]);
                return cols > 0 ? Math.max(40, cols) : 80;
            }
        } catch (java.io.IOException | RuntimeException e) {
            // no terminal to ask: the conservative width
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 80;
    }

    private static String describe(TimelineEvent e) {
        String what = e.kind().name().toLowerCase(Locale.ROOT).replace('_', ' ');
        // any kind of event: "status" only where that kind carries it (a DPS response's HTTP status)
        String status = e.attributes().getOrDefault("status", "");
        return what + (e.subject().isEmpty() ? "" : " " + e.subject()) + (status.isEmpty() ? "" : " " + status);
    }

    private String paint(String sgr, String text) {
        return terminal.colour() ? "\u001b[" + sgr + "m" + text + "\u001b[0m" : text;
    }

    private static String colour(ScenarioStatus s) {
        return switch (s) {
            case PASSED -> "32";
            case FAILED -> "1;31";
            case INCONCLUSIVE -> "1;33";
            case NOT_APPLICABLE -> "33";
            case NOT_RUN -> "35";
        };
    }
}
