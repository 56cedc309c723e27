package dev.firstboot.cli;

import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.util.ArrayList;
import java.util.List;

/**
 * SIGTERM and SIGINT as a request to stop, so a long-running command can close what it opened and exit 0 instead of
 * the JVM's 143/130. Uses {@code sun.misc.Signal} (module jdk.unsupported), the JDK's only signal API.
 */
final class Signals {
    private Signals() {
    }

    /** A handler in place; {@link #restore()} puts the previous one back. */
    record Registration(Signal signal, SignalHandler previous) {
        void restore() {
            try {
                Signal.handle(signal, previous);
            } catch (IllegalArgumentException e) {
                // the JVM owns this signal now; nothing to restore
            }
        }
    }

    static List<Registration> onTermination(Runnable action) {
        List<Registration> out = new ArrayList<>();
        for (String name : List.of("TERM", "INT")) {
            try {
                Signal signal = new Signal(name);
                out.add(new Registration(signal, Signal.handle(signal, s -> action.run())));
            } catch (IllegalArgumentException e) {
                // signal not available here (e.g. -Xrs): the JVM's default handling stays
            }
        }
        return out;
    }
}
