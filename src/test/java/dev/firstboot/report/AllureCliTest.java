package dev.firstboot.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Allure command line comes with the build; without it, the report says how to get it and downloads nothing. */
class AllureCliTest {
    @TempDir
    Path dir;

    @Test
    void theBuildUnpackedTheCommandLineBesideTheHarness() {
        assertThat(AllureCli.bundled().executable()).as("unpacked by maven-dependency-plugin in generate-resources")
                .isExecutable()
                .endsWith(Path.of("target", "allure", "allure-" + AllureCli.VERSION, "bin", "allure"));
    }

    @Test
    void aMissingCommandLineSaysToRunTheBuild() throws IOException {
        Path results = Files.createDirectories(dir.resolve("allure-results"));
        AllureCli missing = new AllureCli(dir.resolve("nowhere"));
        assertThatThrownBy(() -> missing.generate(results, dir.resolve("html"), false))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("is not at " + dir.resolve("nowhere"))
                .hasMessageContaining("mvn -B -DskipTests package");
        assertThat(dir.resolve("html")).doesNotExist();
    }
}
