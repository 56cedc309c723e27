package dev.firstboot.rig;

/** Reset, buttons and power. Rigs without physical controls use {@link #NONE}. */
public interface Controls extends AutoCloseable {
    Controls NONE = new Controls() {
        @Override
        public String kind() {
            return "none";
        }
    };

    String kind();

    /** Whether {@link #perform} can do {@code action} (by a command, a relay, or by asking an operator). */
    default boolean supports(ControlAction action) {
        return false;
    }

    /** Does it and returns once it is done (or once the operator has been asked); recorded on the timeline. */
    default void perform(ControlAction action) throws DeviceException {
        throw new DeviceException("this rig has no control for \"" + action.label() + "\"; add a command for "
                + action.field() + " in the rig file's controls section");
    }

    @Override
    default void close() {
    }
}
