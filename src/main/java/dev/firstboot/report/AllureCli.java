package dev.firstboot.report;

import dev.firstboot.process.ChildProcess;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The Allure command line that the build unpacked next to the harness ({@code target/allure/allure-VERSION/}, from
 * Maven Central's {@code io.qameta.allure:allure-commandline:VERSION:zip}; environment.md §6.3). Generating a report
 * never downloads anything, so a lab without registry access works once the build is done.
 */
public final class AllureCli {
    /** Must match {@code allure.commandline.version} in the pom. */
    public static final String VERSION = "2.34.1";
    private static final Duration GENERATE_DEADLINE = Duration.ofMinutes(3);

    private final Path home;

    /** @param home the unpacked distribution, the folder holding {@code bin/allure} */
    public AllureCli(Path home) {
        this.home = home;
    }

    /** The command line the build unpacked beside the harness's classes or jar ({@code target/allure/}). */
    public static AllureCli bundled() {
        return new AllureCli(buildDirectory().resolve("allure").resolve("allure-" + VERSION));
    }

    private static Path buildDirectory() {
        try {
            // target/classes (tests, IDE) or target/firstboot.jar (the launcher): either way its parent is target/
            Path code = Path.of(AllureCli.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return code.toAbsolutePath().normalize().getParent();
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of("target").toAbsolutePath();
        }
    }

    public Path executable() {
        return home.resolve("bin").resolve("allure");
    }

    /**
     * Generates the HTML report for one run's Allure results: a folder ({@code index.html} served over HTTP) or,
     * with {@code singleFile}, one {@code index.html} that opens from {@code file://}.
     */
    public void generate(Path results, Path html, boolean singleFile) throws IOException, InterruptedException {
        Path exe = executable();
        if (!Files.isRegularFile(exe)) {
            throw new IOException("the Allure command line " + VERSION + " is not at " + home + "; the build unpacks it "
                    + "there from Maven Central. Run 'mvn -B -DskipTests package' in the firstboot folder once (it needs "
                    + "Maven Central then, and never again), and try 'firstboot report' again");
        }
        if (!Files.isExecutable(exe) && !exe.toFile().setExecutable(true)) {
            throw new IOException("cannot make " + exe + " executable; run: chmod +x " + exe);
        }
        List<String> command = new ArrayList<>(List.of(exe.toString(), "generate", results.toString(),
                "-o", html.toString(), "--clean"));
        if (singleFile) {
            command.add("--single-file");
        }
        ChildProcess.run(ChildProcess.command(command).errorsToOutput(), GENERATE_DEADLINE,
                "generating the Allure report");
    }
}
