package dev.firstboot.suite;

import java.io.PrintWriter;
import java.util.Locale;

/** One line per scenario as it finishes: status, feature › scenario, duration, and why when it did not pass. */
final class ProgressPrinter {
    private final PrintWriter out;
    private int total;
    private int done;

    ProgressPrinter(PrintWriter out) {
        this.out = out;
    }

    synchronized void planned(int total) {
        this.total = total;
        out.println("Running " + total + " scenario" + (total == 1 ? "" : "s"));
        out.flush();
    }

    synchronized void finished(ScenarioResult r) {
        done++;
        String counter = total > 0 ? String.format(Locale.ROOT, "[%" + String.valueOf(total).length() + "d/%d] ", done, total) : "";
        out.printf(Locale.ROOT, "%s%s  %s › %s (%.1f s)%n", counter, r.status().tag(), r.feature(), r.name(),
                r.duration().toMillis() / 1000.0);
        if (r.status() != ScenarioStatus.PASSED && !r.message().isEmpty()) {
            out.println("         ↳ " + r.firstLineOfMessage());
        }
        out.flush();
    }
}
