package dev.firstboot.cli;

import dev.firstboot.suite.Runs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad selectors are found before the rig starts: a usage error with where it is, or "nothing selected" (exit 3). */
class SelectionCliTest {
    @TempDir
    Path dir;

    @Test
    void aTagSyntaxErrorExitsTwoShowingWhereBeforeTheRigStarts() throws Exception {
        CliTest.Result r = CliTest.run("run", "--tags", "@x509 and (not", "--report", dir.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err()).contains("--tags: Tag expression \"@x509 and (not\" could not be parsed")
                .contains("  @x509 and (not\n" + " ".repeat(16) + "^ expected a tag here").doesNotContain("Exception");
        assertThat(r.out()).doesNotContain("Starting the rig");
        assertThat(CliTest.run("run", "--tags", "@a @b", "--report", dir.toString()).err())
                .contains("  @a @b\n     ^ expected 'and', 'or' or ')' before this");
        assertThat(CliTest.run("run", "--tags", "(@a or @b", "--report", dir.toString()).err())
                .contains("  (@a or @b\n  ^ this '(' is never closed");
        try (var files = Files.list(dir)) {
            assertThat(files).as("no run folder: nothing started").isEmpty();
        }
    }

    @Test
    void aTagThatSelectsNothingExitsThreeWithoutStartingTheRig() {
        CliTest.Result r = CliTest.run("run", "--tags", "@nosuchtag", "--report", dir.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(3);
        assertThat(r.out()).contains("no scenario matches --tags '@nosuchtag'").contains("Result: NOTHING SELECTED")
                .doesNotContain("Starting the rig");
        assertThat(CliTest.run("run", "--tags", "x509", "--report", dir.toString()).out())
                .contains("tags start with @");
    }

    @Test
    void aLineOutsideAnyScenarioIsAUsageError() {
        Path feature = Runs.FEATURES.resolve("first-boot/x509-individual.feature");
        CliTest.Result r = CliTest.run("run", "--features", feature + ":3", "--report", dir.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("x509-individual.feature:3 is not in a scenario (it is in the feature's header "
                + "and description)").contains("its scenarios span lines 12–");
        assertThat(r.out()).doesNotContain("Starting the rig");
    }

    @Test
    void aBadNamePatternIsAUsageError() {
        CliTest.Result r = CliTest.run("run", "--name", "first (boot", "--report", dir.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--name: not a regular expression: Unclosed group");
    }
}
