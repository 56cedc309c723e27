package dev.firstboot.farm;

import dev.firstboot.rig.DeviceException;
import dev.firstboot.rig.FarmFiles;
import dev.firstboot.rig.Rig;
import dev.firstboot.rig.RigException;
import dev.firstboot.rig.SerialConsoleFacet;
import dev.firstboot.secret.Redactor;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A board's health check before its first scenario, as LAVA runs one before a device takes jobs: start the board's
 * rig, reach the configuration console (the IoT Workbench's help probe), and check the firmware version the
 * inventory expects. A board that passes keeps the rig the check started for its scenarios; one that fails it is
 * offline for the run.
 */
sealed interface Health permits Health.Online, Health.Offline {
    /** @param rig the board's started rig, which the farm runs the board's scenarios on and closes at the end */
    record Online(String detail, Optional<Rig> rig) implements Health {
        Online(String detail) {
            this(detail, Optional.empty());
        }
    }

    record Offline(String reason) implements Health {
    }

    static Health check(FarmFiles.Board board, Path workDirectory, Duration deadline) {
        ExecutorService one = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "health-" + board.name());
            t.setDaemon(true);
            return t;
        });
        AtomicBoolean abandoned = new AtomicBoolean();
        try {
            Future<Health> check = one.submit(() -> probe(board, workDirectory, abandoned));
            try {
                return check.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                abandoned.set(true);
                check.cancel(true);
                return new Offline("the health check did not finish within " + deadline.toSeconds()
                        + " s; check the board's power, cable and port");
            } catch (ExecutionException e) {
                return new Offline("the health check broke: " + e.getCause());
            } catch (InterruptedException e) {
                abandoned.set(true);
                Thread.currentThread().interrupt();
                return new Offline("interrupted during the health check");
            }
        } finally {
            one.shutdownNow();
        }
    }

    private static Health probe(FarmFiles.Board board, Path workDirectory, AtomicBoolean abandoned) {
        Rig rig;
        try {
            rig = Rig.start(board.rig(), new Redactor(), workDirectory);
        } catch (RigException | RuntimeException e) {
            return new Offline("the board's rig could not start: " + e.getMessage());
        }
        Health health;
        try {
            Optional<SerialConsoleFacet> console = rig.first().device().facet(SerialConsoleFacet.class);
            if (console.isEmpty()) {
                health = new Online("started (the " + rig.first().device().kind() + " device has no console to probe)",
                        Optional.of(rig));
            } else {
                console.get().enterConfigurationMode();
                console.get().resetIntoUserMode();
                health = new Online("configuration console answered the help probe; firmware "
                        + rig.labels().getOrDefault("firmware-version", "?") + " as expected", Optional.of(rig));
            }
        } catch (DeviceException | RuntimeException e) {
            health = new Offline(e.getMessage());
        }
        // A check given up on at its deadline has no one to hand the rig to.
        if (health instanceof Offline || abandoned.get()) {
            rig.close();
        }
        return health;
    }
}
