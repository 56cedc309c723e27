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

    @Override
    default void close() {
    }
}
