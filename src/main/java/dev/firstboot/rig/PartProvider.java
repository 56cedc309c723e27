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

    /**
     * Every capability tag this kind of part can give, under any configuration and on any machine, without the
     * {@code @}. A scenario tag that some part kind declares here is a capability (the scenario runs only on a rig
     * that has it); a tag that no kind declares is a label. A plug-in brings its own tags this way, and core keeps no
     * list of them. Each {@link Spec#capabilities()} and {@link Spec#unavailable()} key must be among these.
     */
    default Set<String> capabilityTags() {
        return Set.of();
    }

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

        /**
         * How many of this part can run at once on this machine, each started by its own {@link #start} for one lane
         * of scenarios in parallel ({@link Rig}): many for a simulator, one for a physical board or a fixed port. The
         * default, one, is what a part that does not say can safely promise.
         */
        default int instances() {
            return 1;
        }
    }
}
