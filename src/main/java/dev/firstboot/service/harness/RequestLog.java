package dev.firstboot.service.harness;

import dev.firstboot.timeline.EventKind;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code firstboot emulator --log}: one line per request the emulator answered, from its (masked) timeline:
 * <pre>
 * dps https PUT /0ne00FB0001/registrations/dev-1/register 202 registration=dev-1
 * service https PUT /enrollments/dev-1 200
 * hub hub-a CONNECT 0 device=dev-1
 * tls dps failed: certificate_unknown
 * </pre>
 * Never a header, a body, a token or a key: the events hold none.
 */
public final class RequestLog {
    private final PrintWriter out;
    private final EventBuffer events;
    private final Map<String, EventBuffer.Event> pending = new HashMap<>();
    private long lastPrinted;

    private RequestLog(PrintWriter out, EventBuffer events) {
        this.out = out;
        this.events = events;
        this.lastPrinted = events.lastSeq();
    }

    /** Prints to {@code out} from now on; returns what stops it. */
    public static Runnable start(PrintWriter out, EventBuffer events) {
        RequestLog log = new RequestLog(out, events);
        return events.subscribe(log::catchUp);
    }

    private synchronized void catchUp() {
        for (EventBuffer.Event e : events.after(lastPrinted, Integer.MAX_VALUE)) {
            lastPrinted = e.seq();
            line(e);
        }
        out.flush();
    }

    private void line(EventBuffer.Event e) {
        Map<String, String> a = e.attributes();
        String subject = e.subject();
        switch (e.kind()) {
            case DPS_REQUEST -> {
                pending.put(subject, e);
                if (pending.size() > 10_000) {
                    pending.clear();
                }
            }
            case DPS_RESPONSE -> {
                EventBuffer.Event request = pending.remove(subject);
                Map<String, String> r = request == null ? Map.of() : request.attributes();
                boolean service = "service-api".equals(a.get("operation"));
                out.println((service ? "service " : "dps ") + r.getOrDefault("transport", "?") + " "
                        + r.getOrDefault("method", "?") + " " + r.getOrDefault("path", "?") + " "
                        + a.getOrDefault("status", "?") + (service || subject.isEmpty() ? ""
                        : " registration=" + subject));
            }
            case DPS_CONNACK -> out.println("dps mqtt CONNECT " + a.getOrDefault("returnCode", "?")
                    + (subject.isEmpty() ? "" : " client=" + subject));
            case HUB_CONNACK -> out.println("hub " + a.getOrDefault("hub", "?") + " CONNECT "
                    + a.getOrDefault("returnCode", "?") + (subject.isEmpty() ? "" : " device=" + subject));
            case TLS_FAILED -> out.println("tls " + subject + " failed: " + a.getOrDefault("reason", "?"));
            default -> {
                if (e.kind() == EventKind.HUB_PUBLISH) {
                    out.println("hub " + a.getOrDefault("hub", "?") + " PUBLISH " + a.getOrDefault("topic", "?")
                            + (subject.isEmpty() ? "" : " device=" + subject));
                }
            }
        }
    }
}
