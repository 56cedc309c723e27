package dev.firstboot.suite;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The Allure command line, fetched once from Maven Central (the only registry our machines reach) and unpacked under
 * the firstboot folder. environment.md §6.3: the zip must be fetched with -Dtransitive=false.
 */
public final class AllureCli {
    public static final String VERSION = "2.34.1";
    private static final Duration FETCH_DEADLINE = Duration.ofMinutes(5);
    private static final Duration GENERATE_DEADLINE = Duration.ofMinutes(3);

    private final Path installRoot;

    public AllureCli(Path installRoot) {
        this.installRoot = installRoot;
    }

    public Path executable() {
        return installRoot.resolve("allure-" + VERSION).resolve("bin").resolve("allure");
    }

    /** Makes sure the Allure command line is unpacked; fetches it with Maven when it is not. */
    public Path ensureInstalled(java.io.PrintWriter out) throws IOException, InterruptedException {
        Path exe = executable();
        if (Files.isExecutable(exe)) {
            return exe;
        }
        Path zip = Path.of(System.getProperty("user.home"), ".m2", "repository", "io", "qameta", "allure",
                "allure-commandline", VERSION, "allure-commandline-" + VERSION + ".zip");
        if (!Files.isRegularFile(zip)) {
            out.println("Fetching the Allure command line " + VERSION + " from Maven Central (once)…");
            out.flush();
            run(List.of("mvn", "-B", "-q", "dependency:get",
                    "-Dartifact=io.qameta.allure:allure-commandline:" + VERSION + ":zip", "-Dtransitive=false"),
                    FETCH_DEADLINE, "fetching the Allure command line with Maven");
        }
        unzip(zip, installRoot);
        if (!exe.toFile().setExecutable(true)) {
            throw new IOException("cannot make " + exe + " executable");
        }
        return exe;
    }

    /** Generates the HTML report for one run's Allure results. */
    public void generate(Path results, Path html, java.io.PrintWriter out) throws IOException, InterruptedException {
        Path exe = ensureInstalled(out);
        run(List.of(exe.toString(), "generate", results.toString(), "-o", html.toString(), "--clean"),
                GENERATE_DEADLINE, "generating the Allure report");
    }

    private static void run(List<String> command, Duration deadline, String what) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output;
        try (InputStream in = p.getInputStream()) {
            // Drain output on this thread; the process cannot block on a full pipe and the deadline still holds.
            Thread killer = new Thread(() -> {
                try {
                    if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                        p.destroyForcibly();
                    }
                } catch (InterruptedException ignored) {
                    p.destroyForcibly();
                }
            }, "allure-deadline");
            killer.setDaemon(true);
            killer.start();
            output = in.readAllBytes();
            killer.interrupt();
        }
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            String text = new String(output, java.nio.charset.StandardCharsets.UTF_8).strip();
            throw new IOException(what + " failed (exit " + (p.isAlive() ? "timeout" : p.exitValue()) + "): "
                    + (text.length() > 2000 ? text.substring(text.length() - 2000) : text));
        }
    }

    private static void unzip(Path zip, Path into) throws IOException {
        Files.createDirectories(into);
        Path root = into.toAbsolutePath().normalize();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                Path target = root.resolve(e.getName()).normalize();
                if (!target.startsWith(root)) {
                    throw new IOException("refusing zip entry outside the target folder: " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
