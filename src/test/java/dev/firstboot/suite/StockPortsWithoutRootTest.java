package dev.firstboot.suite;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A rig with {@code ports: stock} run by a user who may not bind below 1024 does not start: exit 4, and the message
 * says why and what to do. The test command runs as root, so the run is a child process as user nobody
 * ({@code setpriv}, util-linux), with the test classpath.
 */
class StockPortsWithoutRootTest {
    @TempDir
    Path dir;

    /**
     * The classpath as user nobody can read it: jars under a private home (Maven's ~/.m2) are hard-linked (or
     * copied) into the test's folder; the project's own folders are readable as they are.
     */
    private String readableClasspath() throws Exception {
        Path lib = Files.createDirectories(dir.resolve("lib"));
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String entry : classpath()) {
            Path p = Path.of(entry);
            if (Files.isDirectory(p) || !p.startsWith(System.getProperty("user.home"))) {
                entries.add(entry);
                continue;
            }
            Path linked = lib.resolve((i++) + "-" + p.getFileName());
            try {
                Files.createLink(linked, p);
            } catch (java.io.IOException | UnsupportedOperationException e) {
                Files.copy(p, linked);
            }
            entries.add(linked.toString());
        }
        Files.setPosixFilePermissions(lib, PosixFilePermissions.fromString("rwxr-xr-x"));
        return String.join(java.io.File.pathSeparator, entries);
    }

    /** This JVM's classpath entries; surefire may pass them in a manifest-only jar's Class-Path. */
    private static List<String> classpath() throws Exception {
        List<String> out = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            if (p.getFileName().toString().startsWith("surefirebooter") && Files.isRegularFile(p)) {
                try (java.util.jar.JarFile jar = new java.util.jar.JarFile(p.toFile())) {
                    for (String url : jar.getManifest().getMainAttributes().getValue("Class-Path").split(" ")) {
                        if (!url.isBlank()) {
                            out.add(Path.of(java.net.URI.create(url)).toString());
                        }
                    }
                }
            } else {
                out.add(entry);
            }
        }
        return out;
    }

    @Test
    void theRigFailsToStartWithExitFourAndSaysWhy() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path rig = dir.resolve("stock.yaml");
        Files.writeString(rig, """
                name: stock-without-root
                backend:
                  kind: embedded
                  ports: stock
                device:
                  kind: symmetric-key-simulator
                """);
        List<String> command = new ArrayList<>();
        boolean root = "0".equals(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes(),
                StandardCharsets.US_ASCII).trim());
        if (root) {
            command.addAll(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
        }
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                root ? readableClasspath() : System.getProperty("java.class.path"), "dev.firstboot.cli.Main", "run",
                "--rig", rig.toString(),
                "--report", dir.resolve("reports").toString(), "--features",
                Runs.FEATURES.resolve("symmetric-key").toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).directory(dir.toFile());
        pb.environment().put("HOME", dir.toString());
        pb.environment().put("FIRSTBOOT_HOME", Runs.PROJECT.toString());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(text).isEqualTo(ExitCodes.RIG_ERROR);
        assertThat(text).contains("could not start").contains("port 443 is below 1024 and needs root")
                .contains("remove 'ports: stock'");
    }
}
