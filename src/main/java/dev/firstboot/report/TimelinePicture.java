package dev.firstboot.report;

import dev.firstboot.timeline.BootMark;
import dev.firstboot.timeline.BootPhases;
import dev.firstboot.timeline.EventKind;
import dev.firstboot.timeline.Origin;
import dev.firstboot.timeline.TimelineEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One boot's timeline as an SVG swim-lane picture: device, DPS and hub lanes with the events as marks, the boot marks
 * as dashed lines across them, and the phases as bars against their limits. Pure: it draws what it is given, and the
 * timeline it is given is already masked, so no secret can reach the picture.
 */
public final class TimelinePicture {
    /** A phase to draw, from one boot mark to another, with the limit the scenario set (if any). */
    public record MeasuredPhase(BootMark from, BootMark to, OptionalDouble limitSeconds) {
        public String label() {
            return from.label() + " → " + to.label();
        }
    }

    /** The lanes, top to bottom. */
    enum Lane {
        DEVICE("device"), DPS("DPS"), HUB("hub");

        final String title;

        Lane(String title) {
            this.title = title;
        }
    }

    static final int WIDTH = 960;
    private static final int LEFT = 220;
    private static final int RIGHT = 40;
    private static final int TOP = 46;
    private static final int LANE_HEIGHT = 34;
    private static final int PHASE_HEIGHT = 24;
    private static final String OK = "#2e7d32";
    private static final String OVER = "#c62828";

    private TimelinePicture() {
    }

    /**
     * @param events the scenario's timeline
     * @param phases the phases the scenario measured; when empty, the phases between the boot marks that were seen
     */
    public static String svg(List<TimelineEvent> events, List<MeasuredPhase> phases) {
        BootPhases marks = BootPhases.of(events);
        List<MeasuredPhase> drawn = phases.isEmpty() ? consecutive(marks) : phases;
        double end = 0;
        for (TimelineEvent e : events) {
            end = Math.max(end, e.seconds());
        }
        for (MeasuredPhase p : drawn) {
            Optional<TimelineEvent> from = marks.mark(p.from());
            if (from.isPresent() && p.limitSeconds().isPresent()) {
                end = Math.max(end, from.get().seconds() + p.limitSeconds().getAsDouble());
            }
        }
        double span = niceSpan(end);
        Scale x = new Scale(span);
        int lanesBottom = TOP + Lane.values().length * LANE_HEIGHT;
        int phasesTop = lanesBottom + 56; // room for three rows of boot-mark labels
        int height = phasesTop + Math.max(1, drawn.size()) * PHASE_HEIGHT + 24;

        StringBuilder s = new StringBuilder();
        s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"").append(height)
                .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height)
                .append("\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"boot timeline\">\n");
        s.append("<title>boot timeline</title>\n");
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        s.append(text(8, 18, "boot timeline, seconds since the scenario started", "font-weight=\"bold\""));
        axis(s, x, span, TOP - 8, height - 20);
        lanes(s, events, x);
        bootMarks(s, marks, x, lanesBottom);
        s.append(text(8, phasesTop - 8, "phases (bar: measured; outline: limit)", "font-weight=\"bold\""));
        phases(s, drawn, marks, x, phasesTop);
        s.append("</svg>\n");
        return s.toString();
    }

    private static List<MeasuredPhase> consecutive(BootPhases marks) {
        List<BootMark> seen = new ArrayList<>();
        for (BootMark m : BootMark.values()) {
            marks.mark(m).ifPresent(e -> seen.add(m));
        }
        seen.sort((a, b) -> Long.compare(marks.mark(a).orElseThrow().nanos(), marks.mark(b).orElseThrow().nanos()));
        List<MeasuredPhase> out = new ArrayList<>();
        for (int i = 1; i < seen.size(); i++) {
            out.add(new MeasuredPhase(seen.get(i - 1), seen.get(i), OptionalDouble.empty()));
        }
        return out;
    }

    private static void axis(StringBuilder s, Scale x, double span, int top, int bottom) {
        double step = span / 10;
        for (int i = 0; i <= 10; i++) {
            double t = i * step;
            double px = x.at(t);
            s.append(line(px, top, px, bottom, "#eeeeee", ""));
            String tick = java.math.BigDecimal.valueOf(Math.round(t * 1000) / 1000.0).stripTrailingZeros().toPlainString();
            s.append(text(px, top - 4, tick + " s", "text-anchor=\"middle\" fill=\"#666666\" font-size=\"10\""));
        }
    }

    private static void lanes(StringBuilder s, List<TimelineEvent> events, Scale x) {
        Lane[] lanes = Lane.values();
        for (int i = 0; i < lanes.length; i++) {
            Lane here = lanes[i];
            int y = TOP + i * LANE_HEIGHT;
            s.append("<g class=\"lane\" data-lane=\"").append(lanes[i].title).append("\">\n");
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>%n",
                    LEFT, y, WIDTH - LEFT - RIGHT, LANE_HEIGHT, i % 2 == 0 ? "#f5f7fa" : "#eef1f5"));
            s.append(text(8, y + LANE_HEIGHT / 2.0 + 4, lanes[i].title, "font-weight=\"bold\""));
            for (int k = 0; k < events.size(); k++) {
                TimelineEvent e = events.get(k);
                if (lane(events, k).filter(l -> l == here).isEmpty()) {
                    continue;
                }
                double px = x.at(e.seconds());
                s.append("<line class=\"event\" x1=\"").append(fmt(px)).append("\" y1=\"").append(y + 6)
                        .append("\" x2=\"").append(fmt(px)).append("\" y2=\"").append(y + LANE_HEIGHT - 6)
                        .append("\" stroke=\"").append(colour(e)).append("\" stroke-width=\"2\"><title>")
                        .append(escape(seconds(e.seconds()) + " " + e.kind().name().toLowerCase(Locale.ROOT) + " "
                                + e.subject() + " " + e.attributes()))
                        .append("</title></line>\n");
            }
            s.append("</g>\n");
        }
    }

    private static void bootMarks(StringBuilder s, BootPhases marks, Scale x, int lanesBottom) {
        int row = 0;
        for (BootMark m : BootMark.values()) {
            Optional<TimelineEvent> e = marks.mark(m);
            if (e.isEmpty()) {
                continue;
            }
            // Marks often fall close together: their labels take turns on three rows so they stay readable.
            int y = lanesBottom + 14 + (row++ % 3) * 12;
            double px = x.at(e.get().seconds());
            s.append(line(px, TOP, px, y - 9, "#455a64", " stroke-dasharray=\"4 3\""));
            s.append(text(px + 3, y, m.label(), "class=\"mark\" fill=\"#455a64\" font-size=\"10\""));
        }
    }

    private static void phases(StringBuilder s, List<MeasuredPhase> phases, BootPhases marks, Scale x, int top) {
        if (phases.isEmpty()) {
            s.append(text(LEFT, top + 16, "no phase could be measured: the timeline has " + marks.seen(), "fill=\"#666666\""));
            return;
        }
        for (int i = 0; i < phases.size(); i++) {
            MeasuredPhase p = phases.get(i);
            int y = top + i * PHASE_HEIGHT;
            s.append("<g class=\"phase\" data-phase=\"").append(escape(p.label())).append("\">\n");
            s.append(text(8, y + 15, p.label(), ""));
            Optional<TimelineEvent> from = marks.mark(p.from());
            Optional<Double> took = marks.seconds(p.from(), p.to());
            String limit = p.limitSeconds().isPresent() ? " / limit " + seconds(p.limitSeconds().getAsDouble()) : "";
            if (from.isEmpty() || took.isEmpty()) {
                s.append(text(LEFT, y + 15, "not measured: the timeline has " + marks.seen() + limit, "fill=\"" + OVER + "\""));
                s.append("</g>\n");
                continue;
            }
            double start = from.get().seconds();
            boolean over = p.limitSeconds().isPresent() && took.get() > p.limitSeconds().getAsDouble();
            if (p.limitSeconds().isPresent()) {
                double lx = x.at(start);
                s.append(String.format(Locale.ROOT, "<rect class=\"limit\" x=\"%s\" y=\"%d\" width=\"%s\" height=\"16\" "
                                + "fill=\"#fafafa\" stroke=\"#9e9e9e\" stroke-dasharray=\"3 2\"><title>%s</title></rect>%n",
                        fmt(lx), y + 3, fmt(Math.max(1, x.at(start + p.limitSeconds().getAsDouble()) - lx)),
                        escape("limit " + seconds(p.limitSeconds().getAsDouble()))));
            }
            double bx = x.at(start);
            double bw = Math.max(2, x.at(start + took.get()) - bx);
            s.append(String.format(Locale.ROOT, "<rect class=\"measured\" x=\"%s\" y=\"%d\" width=\"%s\" height=\"10\" "
                            + "fill=\"%s\"><title>%s</title></rect>%n", fmt(bx), y + 6, fmt(bw), over ? OVER : OK,
                    escape(p.label() + " took " + seconds(took.get()) + limit)));
            s.append(text(Math.min(bx + bw + 6, WIDTH - RIGHT - 150), y + 15, seconds(took.get()) + limit
                    + (over ? " — OVER" : ""), "fill=\"" + (over ? OVER : "#212121") + "\""));
            s.append("</g>\n");
        }
    }

    /** Which lane an event belongs to; harness notes are not drawn. */
    static Optional<Lane> lane(List<TimelineEvent> events, int index) {
        TimelineEvent e = events.get(index);
        if (e.origin() == Origin.DEVICE || e.origin() == Origin.CONTROLS) {
            return Optional.of(Lane.DEVICE);
        }
        if (e.origin() != Origin.SERVICE) {
            return Optional.empty();
        }
        Optional<Lane> own = serviceLane(e);
        if (own.isPresent()) {
            return own;
        }
        // A TLS handshake belongs to whichever service the same connection spoke to next.
        for (int k = index + 1; k < events.size(); k++) {
            Optional<Lane> next = serviceLane(events.get(k));
            if (events.get(k).origin() == Origin.SERVICE && next.isPresent()) {
                return next;
            }
        }
        return Optional.of(Lane.DPS);
    }

    private static Optional<Lane> serviceLane(TimelineEvent e) {
        return switch (e.kind()) {
            case HUB_CONNECT, HUB_CONNACK, HUB_PUBLISH, HUB_DISCONNECT -> Optional.of(Lane.HUB);
            case DPS_CONNECT, DPS_CONNACK, DPS_REQUEST, DPS_RESPONSE, DPS_CHALLENGE, DPS_ASSIGNED, FAULT_INJECTED ->
                    Optional.of(Lane.DPS);
            case HARNESS_NOTE -> Optional.of(e.attributes().containsKey("hub") ? Lane.HUB : Lane.DPS);
            default -> Optional.empty();
        };
    }

    private static String colour(TimelineEvent e) {
        if (e.kind() == EventKind.TLS_FAILED || e.kind() == EventKind.FAULT_INJECTED
                || e.attributes().containsKey("refused")
                || (e.kind() == EventKind.DPS_RESPONSE && e.detail("status").startsWith("4"))
                || ((e.kind() == EventKind.HUB_CONNACK || e.kind() == EventKind.DPS_CONNACK)
                && !e.detail("returnCode").equals("0"))) {
            return OVER;
        }
        return switch (e.kind()) {
            case CONSOLE_LINE, CONSOLE_FIRST_BYTE -> "#90a4ae";
            case DEVICE_MILESTONE, BOOT_STARTED -> "#1565c0";
            case CONTROL -> "#ef6c00";
            case DPS_ASSIGNED, HUB_CONNACK -> OK;
            case TLS_HANDSHAKE -> "#00838f";
            default -> "#6a1b9a";
        };
    }

    /** The axis span: the end rounded up to 1, 2 or 5 times a power of ten, so ticks fall on round numbers. */
    static double niceSpan(double end) {
        if (end <= 0) {
            return 1;
        }
        double power = Math.pow(10, Math.floor(Math.log10(end)));
        for (double f : new double[] {1, 2, 5, 10}) {
            if (f * power >= end) {
                return f * power;
            }
        }
        return 10 * power;
    }

    private record Scale(double span) {
        double at(double seconds) {
            return LEFT + (WIDTH - LEFT - RIGHT) * Math.max(0, seconds) / span;
        }
    }

    private static String line(double x1, double y1, double x2, double y2, String stroke, String extra) {
        return "<line x1=\"" + fmt(x1) + "\" y1=\"" + fmt(y1) + "\" x2=\"" + fmt(x2) + "\" y2=\"" + fmt(y2)
                + "\" stroke=\"" + stroke + "\"" + extra + "/>\n";
    }

    private static String text(double x, double y, String text, String attributes) {
        return "<text x=\"" + fmt(x) + "\" y=\"" + fmt(y) + "\"" + (attributes.isEmpty() ? "" : " " + attributes) + ">"
                + escape(text) + "</text>\n";
    }

    static String seconds(double s) {
        return String.format(Locale.ROOT, s == Math.rint(s) ? "%.0f s" : s >= 10 ? "%.1f s" : "%.3f s", s);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                default -> {
                    if (c >= 0x20 || c == '\t') {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
