package dev.firstboot.cli;

import java.nio.file.Path;

/** Where firstboot's own folders are: {@code $FIRSTBOOT_HOME} (set by the launcher), else the current folder. */
final class Home {
    private Home() {
    }

    static Path dir() {
        String home = System.getenv("FIRSTBOOT_HOME");
        return (home == null || home.isBlank() ? Path.of("") : Path.of(home)).toAbsolutePath().normalize();
    }
}
