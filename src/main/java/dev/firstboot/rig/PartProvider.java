package dev.firstboot.rig;

import java.util.Set;

/**
 * A kind of rig part (a device, a backend, controls), found through {@link java.util.ServiceLoader}.
 * The loader never switches over kinds: it asks each provider for its {@link #kind()} and lets it read its own fields.
 *
 * @param <T> the part it makes
 */
public interface PartProvider<T> {
    /** The {@code kind:} value in a rig file. */
    String kind();

    /** One line for {@code firstboot rigs}. */
    String description();

    /** Reads and validates the part's fields without starting anything. */
    Spec<T> configure(PartConfig config) throws RigException;

    /** A validated part, ready to start. */
    interface Spec<T> {
        /** Tags this part lets scenarios use, without the {@code @}. */
        Set<String> capabilities();

        /**
         * Capabilities this part would give but cannot on this machine, each with why and what to do (a tool that is
         * not installed, say). Scenarios needing them are reported not applicable with that reason.
         */
        default java.util.Map<String, String> unavailable() {
            return java.util.Map.of();
        }

        T start(RigContext context) throws RigException;
    }
}
