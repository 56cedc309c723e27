package dev.firstboot.device.devkit;

/** Where a {@link DevKitBoard} stands after its last boot. */
public sealed interface BoardState {
    record Off() implements BoardState {
    }

    /**
     * @param consoleRunning false when Wi-Fi initialisation failed: the firmware then stops silently (§1.1)
     */
    record Configuration(boolean consoleRunning) implements BoardState {
    }

    record AccessPoint() implements BoardState {
    }

    /** The DPS sketch ran up to registration; {@code plan} says whether it is registering or halted. */
    record User(BootPlan plan) implements BoardState {
        public User {
            java.util.Objects.requireNonNull(plan, "plan");
        }
    }
}
