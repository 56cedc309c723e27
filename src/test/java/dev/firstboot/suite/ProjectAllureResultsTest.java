package dev.firstboot.suite;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The project's own tests write Allure results (allure-jupiter) to target/allure-results for CI, and that does not
 * touch a harness run's Allure output: the run's results hold each scenario once, and the project's results none.
 */
class ProjectAllureResultsTest {
    @TempDir
    Path dir;

    @Test
    void theProjectsOwnResultsGoToTargetAndTheHarnessRunKeepsItsOwn() throws Exception {
        Path own = Path.of(System.getProperty("allure.results.directory", "(unset)"));
        assertThat(own).as("surefire's allure.results.directory").endsWith(Path.of("target", "allure-results"));

        String scenario = "A scenario only this test runs " + System.nanoTime();
        Path feature = Files.writeString(dir.resolve("plain.feature"), """
                Feature: Needs nothing special
                  Scenario: %s
                    Given DPS asks devices to retry after 2 seconds
                """.formatted(scenario));
        Runs.Outcome outcome = Runs.run("embedded", dir.resolve("reports"), Optional.empty(), feature);

        assertThat(results(outcome.runDirectory().resolve("allure-results"))).as("the run's own Allure results")
                .hasSize(1).allSatisfy(r -> assertThat(Files.readString(r)).contains(scenario));
        if (Files.isDirectory(own)) {
            for (Path r : results(own)) {
                assertThat(Files.readString(r)).as(r.toString()).doesNotContain(scenario);
            }
        }
    }

    private static List<Path> results(Path folder) throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().endsWith("-result.json")).toList();
        }
    }
}
