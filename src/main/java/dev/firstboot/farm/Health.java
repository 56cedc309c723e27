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

/**
 * A board's health check before its first scenario, as LAVA runs one before a device takes jobs: start the board's
 * rig, reach the configuration console (the IoT Workbench's help probe), and check the firmware version the
 * inventory expects. A board that fails it is offline for the run.
 */
sealed interface Health permits Health.Online, Health.Offline {
    record Online(String detail) implements Health {
    }

    record Offline(String reason) implements Health {
    }

    static Health check(FarmFiles.Board board, Path workDirectory, Duration deadline) {
        ExecutorService one = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "health-" + board.name());
            t.setDaemon(true);
            return t;
        });
        try {
            Future<Health> check = one.submit(() -> probe(board, workDirectory));
            try {
                return check.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                check.cancel(true);
                return new Offline("the health check did not finish within " + deadline.toSeconds()
                        + " s; check the board's power, cable and port");
            } catch (ExecutionException e) {
                return new Offline("the health check broke: " + e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Offline("interrupted during the health check");
            }
        } finally {
            one.shutdownNow();
        }
    }

    private static Health probe(FarmFiles.Board board, Path workDirectory) {
        Rig rig;
        try {
            rig = Rig.start(board.rig(), new Redactor(), workDirectory);
        } catch (RigException | RuntimeException e) {
            return new Offline("the board's rig could not start: " + e.getMessage());
        }
        try {
            Optional<SerialConsoleFacet> console = rig.first().device().facet(SerialConsoleFacet.class);
            if (console.isEmpty()) {
                return new Online("started (the " + rig.first().device().kind() + " device has no console to probe)");
            }
            console.get().enterConfigurationMode();
            console.get().resetIntoUserMode();
            return new Online("configuration console answered the help probe; firmware "
                    + rig.labels().getOrDefault("firmware-version", "?") + " as expected");
        } catch (DeviceException | RuntimeException e) {
            return new Offline(e.getMessage());
        } finally {
            rig.close();
        }
    }
}
