package dev.firstboot.device.serial;

import dev.firstboot.secret.Redactor;
import dev.firstboot.secret.Secret;
import dev.firstboot.timeline.ConsoleSecrets;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.TimelineSink;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Drives a device console over a {@link SerialLink}: waits for lines with deadlines, sends commands, keeps a masked,
 * timestamped log, and records every line on the timeline.
 *
 * <p>A reader thread reads the link from {@link #start()} on. Lines end at CR, LF or CRLF. Expectations look at lines
 * from a read cursor on; each match moves the cursor past the matched line. The line still being printed (a prompt
 * such as {@code "# "} has no line end) is matched too, but only when more bytes could not change the match
 * ({@link Matcher#hitEnd()}): {@code ^# } matches the DevKit prompt, {@code ^# $} waits for whatever follows it. After
 * a prompt matched, the rest of that line (the echo of what was typed) is still there for the next expectation.
 *
 * <p>Patterns are matched against what the device printed; everything that leaves this class (log, timeline, match
 * results, error messages) is masked with the {@link Redactor}. The console owns its link and closes it.
 */
public final class ExpectConsole implements AutoCloseable {
    static final int RECENT_LINES = 10;
    static final Duration STOP_DEADLINE = Duration.ofSeconds(1);
    /** How an unfinished line that is a prompt ends: a prompt character and a space, as the DevKit's "# ". */
    private static final Pattern PROMPT_SHAPE = Pattern.compile("[#>$%] $");

    private final SerialLink link;
    private final String name;
    private final TimelineSink timeline;
    private final Redactor redactor;
    private final Duration pacing;
    private final long startNanos = System.nanoTime();
    private final Thread reader;
    private final AtomicBoolean firstByteArmed = new AtomicBoolean();
    private final Object writeLock = new Object();
    private volatile boolean closing;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // Guarded by lock.
    private final List<Line> lines = new ArrayList<>();
    private int cursor;
    private int consumedInCursorLine;
    private String partial = "";
    private long partialNanos;
    private long lastInputNanos = startNanos;
    private int logFrom;
    private String endReason;
    private int resetLine;
    private int resetOffset;
    /** The last command sent (a secret line's only up to its first space, the command), and when it was sent. */
    private String lastSent = "";
    private boolean lastSentWhole;
    private long lastSentNanos;

    private record Line(String text, long nanos) {
    }

    private ExpectConsole(Builder b) {
        this.link = b.link;
        this.name = b.name;
        this.timeline = b.timeline;
        this.redactor = b.redactor;
        this.pacing = b.pacing;
        this.reader = new Thread(this::readLoop, "console-" + name);
        this.reader.setDaemon(true);
    }

    /** Starts building a console over {@code link}. */
    public static Builder over(SerialLink link) {
        return new Builder(link);
    }

    /** Configures a console; every part has a default except the link. */
    public static final class Builder {
        private final SerialLink link;
        private String name = "console";
        private TimelineSink timeline = TimelineSink.NONE;
        private Redactor redactor = new Redactor();
        private Duration pacing = Duration.ZERO;

        private Builder(SerialLink link) {
            this.link = Objects.requireNonNull(link, "link");
        }

        /** The subject of this console's timeline events, e.g. the rig part's name. */
        public Builder named(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        public Builder timeline(TimelineSink timeline) {
            this.timeline = Objects.requireNonNull(timeline, "timeline");
            return this;
        }

        /** The run's redactor, so secrets known elsewhere are masked here and secrets sent here are masked elsewhere. */
        public Builder redactor(Redactor redactor) {
            this.redactor = Objects.requireNonNull(redactor, "redactor");
            return this;
        }

        /** A pause between sent bytes: real boards drop bytes when input comes faster than their UART loop reads. */
        public Builder pacing(Duration pacing) {
            if (pacing.isNegative()) {
                throw new IllegalArgumentException("pacing must not be negative, was " + pacing);
            }
            this.pacing = pacing;
            return this;
        }

        /** Starts the reader thread; the console is live from here. */
        public ExpectConsole start() {
            ExpectConsole console = new ExpectConsole(this);
            console.reader.start();
            return console;
        }
    }

    public String name() {
        return name;
    }

    /**
     * The rig reset or powered the board: what it printed before is history (later expectations start after it),
     * and the next byte that arrives is recorded as {@code CONSOLE_FIRST_BYTE}.
     */
    public void markReset() {
        lock.lock();
        try {
            cursor = lines.size();
            consumedInCursorLine = partial.length();
            resetLine = cursor;
            resetOffset = consumedInCursorLine;
        } finally {
            lock.unlock();
        }
        firstByteArmed.set(true);
    }

    /**
     * Waits until the device has printed nothing for {@code quiet} (counted from the console's start at the earliest),
     * for at most {@code deadline}; true when it fell quiet. A reset sent while an earlier boot's output is still
     * arriving, as from a board that booted when its port opened, would have that output taken for the new boot's.
     */
    public boolean awaitQuiet(Duration quiet, Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        lock.lock();
        try {
            while (true) {
                long now = System.nanoTime();
                long left = quiet.toNanos() - (now - lastInputNanos);
                if (left <= 0 || endReason != null) {
                    return true;
                }
                if (now >= end) {
                    return false;
                }
                changed.awaitNanos(Math.min(left, end - now));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits for the next line at or after the cursor that {@code pattern} finds a match in, and moves the cursor
     * past it.
     *
     * @throws ExpectTimeoutException  when no line matched within {@code deadline}
     * @throws ConsoleClosedException  when the link ended (at once, not at the deadline) or the console was closed
     */
    public Match expect(Pattern pattern, Duration deadline) {
        return expectAny(List.of(pattern), deadline).match();
    }

    /**
     * Waits for the next line that any of {@code patterns} matches; on the first such line, the first pattern in list
     * order that matches wins.
     */
    public AnyMatch expectAny(List<Pattern> patterns, Duration deadline) {
        if (patterns.isEmpty()) {
            throw new IllegalArgumentException("expectAny needs at least one pattern");
        }
        long end = System.nanoTime() + deadline.toNanos();
        lock.lock();
        try {
            while (true) {
                AnyMatch hit = scan(patterns);
                if (hit != null) {
                    return hit;
                }
                if (endReason != null) {
                    throw new ConsoleClosedException("the serial port closed / stopped answering (" + endReason
                            + ") while waiting for a line matching " + awaited(patterns) + " on " + where() + "; "
                            + printed()
                            + "\nhint: " + link.closedHint());
                }
                long left = end - System.nanoTime();
                if (left <= 0) {
                    throw new ExpectTimeoutException("no line matching " + awaited(patterns) + " within "
                            + human(deadline) + " on " + where() + "; " + printed()
                            + "\nhint: " + hint(patterns));
                }
                try {
                    changed.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ConsoleException("interrupted while waiting for a line matching "
                            + awaited(patterns) + " on " + where(), e);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Looks from the cursor on, the unfinished line last; moves the cursor on a hit. Holds the lock. */
    private AnyMatch scan(List<Pattern> patterns) {
        for (int i = cursor; i <= lines.size(); i++) {
            boolean unfinished = i == lines.size();
            String text = unfinished ? partial : lines.get(i).text();
            int from = i == cursor ? Math.min(consumedInCursorLine, text.length()) : 0;
            if (unfinished && from >= text.length()) {
                return null;
            }
            for (int p = 0; p < patterns.size(); p++) {
                Matcher m = patterns.get(p).matcher(text);
                m.region(from, text.length());
                if (!m.find() || (unfinished && m.hitEnd())) {
                    continue;
                }
                List<String> groups = new ArrayList<>(m.groupCount());
                for (int g = 1; g <= m.groupCount(); g++) {
                    groups.add(m.group(g) == null ? "" : redactor.mask(m.group(g)));
                }
                long nanos = unfinished ? partialNanos : lines.get(i).nanos();
                if (unfinished) {
                    cursor = i;
                    consumedInCursorLine = m.end();
                } else {
                    cursor = i + 1;
                    consumedInCursorLine = 0;
                }
                return new AnyMatch(p, patterns.get(p), new Match(redactor.mask(text), groups, nanos));
            }
        }
        return null;
    }

    /** Writes {@code text} as UTF-8, nothing appended. */
    public void send(String text) {
        write(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes {@code text} and a CR, as a terminal does when Enter is pressed. */
    public void sendLine(String text) {
        send(text + "\r");
        sent(text.strip(), true);
    }

    /**
     * Writes a secret, nothing appended. It is registered with the redactor first, so an echo is masked; the console
     * never records what it sends. The redactor ignores secrets shorter than 8 characters, so those are not masked.
     */
    public void sendSecret(Secret secret) {
        redactor.register(secret.reveal());
        write(secret.reveal().getBytes(StandardCharsets.UTF_8));
    }

    /** Writes {@code prefix}, the secret and a CR, e.g. {@code sendLineWithSecret("set_dps_uds ", uds)}. */
    public void sendLineWithSecret(String prefix, Secret secret) {
        sendLineWithSecret(prefix, secret, "");
    }

    /** Writes {@code prefix}, the secret, {@code suffix} and a CR, e.g. to put the secret in double quotes. */
    public void sendLineWithSecret(String prefix, Secret secret, String suffix) {
        redactor.register(secret.reveal());
        write((prefix + secret.reveal() + suffix + "\r").getBytes(StandardCharsets.UTF_8));
        sent(prefix.strip().split(" ", 2)[0], false);
    }

    /** Remembers a line just sent, only the part that is no secret, to recognise its echo in a timeout's hint. */
    private void sent(String echo, boolean whole) {
        lock.lock();
        try {
            lastSent = echo;
            lastSentWhole = whole;
            lastSentNanos = System.nanoTime();
        } finally {
            lock.unlock();
        }
    }

    private void write(byte[] bytes) {
        try {
            synchronized (writeLock) {
                if (closed()) {
                    throw new ConsoleClosedException("cannot send to " + where() + ": the serial port closed ("
                            + endReasonOr("the console was closed") + ")");
                }
                OutputStream out = link.output();
                try {
                    if (pacing.isZero()) {
                        out.write(bytes);
                        out.flush();
                    } else {
                        for (byte b : bytes) {
                            out.write(b);
                            out.flush();
                            pause(pacing);
                        }
                    }
                } catch (InterruptedIOException e) {
                    throw new ConsoleClosedException("the serial port stopped answering: " + where()
                            + " accepted no input within its write timeout", e);
                } catch (IOException e) {
                    throw new ConsoleClosedException("the serial port closed while sending to " + where() + ": "
                            + e.getMessage(), e);
                }
            }
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /** A pacing gap between bytes: rate limiting, not synchronisation, so a fixed pause is what is wanted. */
    private static void pause(Duration gap) {
        long end = System.nanoTime() + gap.toNanos();
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
            if (Thread.currentThread().isInterrupted()) {
                throw new ConsoleException("interrupted while sending to the console");
            }
        }
    }

    /** Every line so far (since {@link #clearLog()}), masked, each prefixed with its time since the console started. */
    public List<String> log() {
        lock.lock();
        try {
            return lines.subList(logFrom, lines.size()).stream().map(this::logLine).toList();
        } finally {
            lock.unlock();
        }
    }

    /** Forgets the log so far; the read cursor and the timeline are unaffected. */
    public void clearLog() {
        lock.lock();
        try {
            logFrom = lines.size();
        } finally {
            lock.unlock();
        }
    }

    /** True once the link ended or the console was closed; expectations then fail at once. */
    public boolean closed() {
        lock.lock();
        try {
            return endReason != null || closing;
        } finally {
            lock.unlock();
        }
    }

    /** Stops the reader thread and closes the link. */
    @Override
    public void close() {
        closing = true;
        try {
            // The reader notices `closing` within the link's read timeout; a link whose reads block for good is
            // closed under it instead.
            reader.join(STOP_DEADLINE.toMillis());
            link.close();
            reader.join(STOP_DEADLINE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // closing a link that already ended; nothing left to release
        }
        end("the console was closed");
    }

    private void readLoop() {
        LineSplitter splitter = new LineSplitter();
        byte[] buf = new byte[512];
        String reason;
        try {
            InputStream in = link.input();
            while (true) {
                if (closing) {
                    reason = "the console was closed";
                    break;
                }
                int n;
                try {
                    n = in.read(buf);
                } catch (InterruptedIOException quiet) {
                    continue;
                }
                if (n < 0) {
                    reason = closing ? "the console was closed" : "end of stream";
                    break;
                }
                if (n == 0) {
                    continue;
                }
                long now = System.nanoTime();
                if (firstByteArmed.compareAndSet(true, false)) {
                    timeline.record(Origin.DEVICE, EventKind.CONSOLE_FIRST_BYTE, name, Map.of());
                }
                publish(splitter.feed(buf, n), splitter.partial(), now);
            }
        } catch (IOException | RuntimeException e) {
            reason = closing ? "the console was closed" : e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        String rest = splitter.flush();
        publish(rest.isEmpty() ? List.of() : List.of(rest), "", System.nanoTime());
        end(reason);
    }

    /** Records lines on the timeline before waiters can see them, so a returned match is always on the timeline. */
    private void publish(List<String> done, String unfinished, long now) {
        for (String line : done) {
            timeline.record(Origin.DEVICE, EventKind.CONSOLE_LINE, name, ConsoleSecrets.line(redactor, line));
        }
        lock.lock();
        try {
            for (String line : done) {
                lines.add(new Line(line, now));
            }
            partial = unfinished;
            partialNanos = now;
            lastInputNanos = Math.max(lastInputNanos, now);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void end(String reason) {
        lock.lock();
        try {
            if (endReason == null) {
                endReason = reason;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private String endReasonOr(String fallback) {
        lock.lock();
        try {
            return endReason == null ? fallback : endReason;
        } finally {
            lock.unlock();
        }
    }

    private String logLine(Line line) {
        return String.format(Locale.ROOT, "[%8.3f s] %s", (line.nanos() - startNanos) / 1e9, redactor.mask(line.text()));
    }

    /** The last lines seen, masked, for error messages. Holds the lock. */
    private String printed() {
        if (lines.isEmpty() && partial.isEmpty()) {
            return "the console printed nothing";
        }
        StringBuilder sb = new StringBuilder("the console printed");
        int from = Math.max(0, lines.size() - RECENT_LINES);
        if (from > 0) {
            sb.append(" (last ").append(RECENT_LINES).append(" of ").append(lines.size()).append(" lines)");
        }
        sb.append(':');
        for (Line line : lines.subList(from, lines.size())) {
            sb.append("\n  ").append(logLine(line));
        }
        if (!partial.isEmpty()) {
            sb.append("\n  ").append(logLine(new Line(partial, partialNanos))).append("   (unfinished line)");
        }
        return sb.toString();
    }

    /**
     * The first line printed since the last {@link #markReset()} that {@code pattern} finds a match in, masked; the
     * cursor does not move. E.g. whether a board reset into user mode printed its configuration console's lines.
     */
    public Optional<String> printedSinceReset(Pattern pattern) {
        lock.lock();
        try {
            for (int i = resetLine; i <= lines.size(); i++) {
                String text = i == lines.size() ? partial : lines.get(i).text();
                Matcher m = pattern.matcher(text);
                m.region(i == resetLine ? Math.min(resetOffset, text.length()) : 0, text.length());
                if (m.find()) {
                    return Optional.of(redactor.mask(text));
                }
            }
            return Optional.empty();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Every line printed since the last {@link #markReset()}, masked, the unfinished one last (if any); the cursor does
     * not move. The first is what came after the reset, even when it arrived in the middle of a line.
     */
    public List<String> printedSinceReset() {
        lock.lock();
        try {
            List<String> out = new ArrayList<>();
            for (int i = resetLine; i <= lines.size(); i++) {
                String text = i == lines.size() ? partial : lines.get(i).text();
                String since = i == resetLine ? text.substring(Math.min(resetOffset, text.length())) : text;
                if (i < lines.size() || !since.isEmpty()) {
                    out.add(redactor.mask(since));
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** Holds the lock. */
    private String hint(List<Pattern> patterns) {
        if (lines.isEmpty() && partial.isEmpty()) {
            return "nothing arrived at all: is the board powered and running, the port right and the baud rate "
                    + "115200?";
        }
        if (echoedWithoutAnswer()) {
            return "the board echoed \"" + redactor.mask(lastSent) + "\" but never answered it: the harness ends each "
                    + "command with CR (\\r), as the IoT Workbench does, and a board that ends input lines only at LF "
                    + "(\\n) waits for more; check that the firmware takes CR as Enter, and that nothing between "
                    + "(a serial exporter such as ser2net, a terminal setting such as icrnl) changes the line ends";
        }
        if (!partial.isEmpty() && !atPrompt()) {
            return String.format(Locale.ROOT, "the board stopped printing in the middle of a line (\"%s\", no line "
                    + "end for %.1f s): did it hang or reset while printing? check what the firmware does after that "
                    + "point, and the board's power", redactor.mask(partial),
                    (System.nanoTime() - lastInputNanos) / 1e9);
        }
        boolean promptEnds = !partial.isEmpty() && patterns.stream().anyMatch(p -> {
            Matcher m = p.matcher(partial);
            return p.pattern().endsWith("$") && m.find() && m.hitEnd();
        });
        if (promptEnds) {
            return "the prompt matched only up to its end, so the next byte could still change the match; "
                    + "for a prompt, match what it is, not that nothing follows (`^# `, not `^# $`)";
        }
        return "check the firmware version and the command sent; raise the deadline only if the board is known to be "
                + "slow here";
    }

    /**
     * The unfinished line is a complete prompt: an expectation matched up to its end (e.g. {@code ^# } on "# "), or it
     * ends the way prompts do ("# ", "> "). Holds the lock.
     */
    private boolean atPrompt() {
        boolean consumed = cursor == lines.size() && consumedInCursorLine >= partial.length();
        return consumed || PROMPT_SHAPE.matcher(partial).find();
    }

    /** The last thing printed, after the last command was sent, is that command's echo. Holds the lock. */
    private boolean echoedWithoutAnswer() {
        if (lastSent.isEmpty()) {
            return false;
        }
        String last;
        long at;
        if (!partial.isEmpty()) {
            last = partial;
            at = partialNanos;
        } else if (!lines.isEmpty()) {
            last = lines.get(lines.size() - 1).text();
            at = lines.get(lines.size() - 1).nanos();
        } else {
            return false;
        }
        return at >= lastSentNanos && (lastSentWhole ? last.strip().endsWith(lastSent) : last.contains(lastSent));
    }

    private String awaited(List<Pattern> patterns) {
        String all = patterns.stream().map(PatternText::of).collect(Collectors.joining(", "));
        return redactor.mask(patterns.size() == 1 ? all : "any of " + all);
    }

    static String human(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        if (ms % 1000 == 0) {
            return TimeUnit.MILLISECONDS.toSeconds(ms) + " s";
        }
        return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    /** The console's name and its link, the port named once: a real board's console is named after its port. */
    private String where() {
        String link = this.link.describe();
        return link.contains(name) ? link : name + " (" + link + ")";
    }

    @Override
    public String toString() {
        return "ExpectConsole[" + where() + "]";
    }
}
