package dev.firstboot.suite;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a run selects, found at discovery without starting anything: lines, tags, names and example names. */
class SelectionTest {
    static final Path X509 = Runs.FEATURES.resolve("first-boot/x509-individual.feature");
    static final Path IDS = Runs.FEATURES.resolve("devkit/registration-ids.feature");
    static final Path CONSOLE = Runs.FEATURES.resolve("devkit/configuration-console.feature");

    static List<Selection.Scenario> select(Optional<String> tags, Optional<String> name, Path... features) throws Exception {
        return Selection.of(tags, name, List.of(features)).discover();
    }

    static List<Selection.Scenario> lines(Path file, int line) throws Exception {
        return select(Optional.empty(), Optional.empty(), Path.of(file + ":" + line));
    }

    @Test
    void aLineSelectsTheScenarioHoldingIt() throws Exception {
        assertThat(lines(X509, 13)).extracting(Selection.Scenario::name)
                .containsExactly("An individually enrolled device is assigned to its hub and connects");
        assertThat(lines(X509, 18)).extracting(Selection.Scenario::name)
                .containsExactly("An individually enrolled device is assigned to its hub and connects");
        assertThat(lines(X509, 18).get(0).location()).isEqualTo(X509 + ":13");
    }

    @Test
    void anOutlineLineSelectsItsExamplesAndARowSelectsOneNamedByItsValues() throws Exception {
        assertThat(lines(IDS, 9)).hasSize(2);
        assertThat(lines(IDS, 14)).as("the Examples header").hasSize(2);
        assertThat(lines(IDS, 15)).singleElement().satisfies(s -> {
            assertThat(s.name()).isEqualTo("A registration id the firmware cannot use is refused at boot with its own "
                    + "words [registration id: Bad_Id, message: Input value for registr…]");
            assertThat(s.location()).isEqualTo(IDS + ":15");
            assertThat(s.tags()).contains("@devkit", "@serial", "@console");
        });
        assertThat(FeatureIndex.exampleName("boot with <id>", List.of("id", "why"), List.of("Bad_Id", "case")))
                .isEqualTo("boot with Bad_Id [why: case]");
    }

    @Test
    void linesOutsideScenariosAreRefusedWithWhereTheyAre() {
        assertThatThrownBy(() -> lines(CONSOLE, 12)).isInstanceOf(UsageException.class)
                .hasMessageContaining("configuration-console.feature:12 is not in a scenario (it is in the Background)");
        assertThatThrownBy(() -> lines(CONSOLE, 1)).isInstanceOf(UsageException.class)
                .hasMessageContaining("(it is in the feature's header and description)");
    }

    @Test
    void tagsAndNamesNarrowTheSelectionAndWholeFilesWinOverLines() throws Exception {
        List<Selection.Scenario> faults = select(Optional.of("@faults"), Optional.empty(), Runs.FEATURES);
        assertThat(faults).hasSizeGreaterThanOrEqualTo(8).allSatisfy(s -> assertThat(s.tags()).contains("@faults"));
        assertThat(select(Optional.of("@throttling or @budget"), Optional.empty(), Runs.FEATURES)).hasSize(2);
        assertThat(select(Optional.empty(), Optional.of("not enrolled"), Runs.FEATURES.resolve("first-boot")))
                .extracting(Selection.Scenario::name).containsExactly("A device that is not enrolled is refused and never reaches a hub");
        assertThat(select(Optional.empty(), Optional.empty(), X509, Path.of(X509 + ":13")))
                .hasSize(select(Optional.empty(), Optional.empty(), X509).size()).hasSizeGreaterThan(1);
        assertThat(select(Optional.of("@nosuchtag"), Optional.empty(), Runs.FEATURES)).isEmpty();
    }
}
