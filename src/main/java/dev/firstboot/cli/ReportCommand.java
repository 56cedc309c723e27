package dev.firstboot.cli;

import dev.firstboot.report.AllureCli;
import dev.firstboot.report.ReportHistory;
import dev.firstboot.suite.ExitCodes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

@Command(name = "report", mixinStandardHelpOptions = true, subcommands = ReportMergeCommand.class,
        description = {"Turn a run's Allure results into an HTML report, offline.",
                "The Allure command line comes with the build (target/allure/); a report never downloads anything.",
                "History and trends carry over from the newest earlier report in the same reports folder."})
final class ReportCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "RUN",
            description = "Run id under reports/, or a run folder (default: the newest run).")
    String run;

    @CommandLine.Option(names = "--report", paramLabel = "DIR", description = "Folder of run reports (default: reports/).")
    Path reports;

    @CommandLine.Option(names = "--single-file",
            description = "Write one self-contained html/index.html that opens from file:// (no web server needed).")
    boolean singleFile;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        Path root = reports == null ? Home.dir().resolve("reports") : reports;
        Optional<Path> runDir = run == null ? newest(root) : Optional.of(Files.isDirectory(Path.of(run)) ? Path.of(run) : root.resolve(run));
        if (runDir.isEmpty() || !Files.isDirectory(runDir.get().resolve("allure-results"))) {
            err.println("firstboot: no run " + (run == null ? "in " + root : "'" + run + "'") + " with Allure results; "
                    + "run 'firstboot run' first, or name a run folder under " + root);
            return ExitCodes.USAGE;
        }
        Path html = runDir.get().resolve("html");
        try {
            ReportHistory.carryOver(runDir.get());
            AllureCli.bundled().generate(runDir.get().resolve("allure-results"), html, singleFile);
        } catch (IOException e) {
            err.println("firstboot: " + e.getMessage());
            return ExitCodes.RIG_ERROR;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.INTERRUPTED;
        }
        out.println("HTML report: " + html.resolve("index.html"));
        if (singleFile) {
            out.println("Open it in a browser straight from the file: " + html.resolve("index.html").toUri());
        } else {
            out.println("Open it with a web server, e.g.: (cd " + html + " && python3 -m http.server 8080)"
                    + ", or write one file that opens from file:// with --single-file");
        }
        out.flush();
        return ExitCodes.PASSED;
    }

    private static Optional<Path> newest(Path root) {
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> runs = Files.list(root)) {
            return runs.filter(p -> Files.isDirectory(p.resolve("allure-results")))
                    .max(Comparator.comparing(p -> p.getFileName().toString()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
