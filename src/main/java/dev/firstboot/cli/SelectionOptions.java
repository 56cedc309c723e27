package dev.firstboot.cli;

import dev.firstboot.rig.RigFiles;
import dev.firstboot.suite.Selection;
import dev.firstboot.suite.UsageException;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The rig and the options that select scenarios, shared by {@code run} and {@code list}. */
final class SelectionOptions {
    @Option(names = "--rig", paramLabel = "NAME|FILE", defaultValue = RigFiles.DEFAULT_RIG,
            description = "Rig name from rigs/ or a rig file (default: ${DEFAULT-VALUE}).")
    String rig;

    @Option(names = "--tags", paramLabel = "EXPR",
            description = "Cucumber tag expression selecting scenarios, e.g. \"@x509 and not @faults\". Checked before "
                    + "anything starts; scenarios it leaves out are no result at all.")
    String tags;

    @Option(names = "--name", paramLabel = "REGEX",
            description = "Only scenarios whose name contains a match of this regular expression (an outline's "
                    + "examples are named with their values).")
    String name;

    @Option(names = "--features", paramLabel = "PATH",
            description = "Feature file, folder, or FILE.feature:LINE for the scenario holding that line "
                    + "(repeatable; default: features/).")
    List<Path> features;

    List<Path> featurePaths() {
        return features == null || features.isEmpty() ? List.of(Home.dir().resolve("features")) : features;
    }

    Optional<String> tags() {
        return Optional.ofNullable(tags);
    }

    Optional<String> name() {
        return Optional.ofNullable(name);
    }

    Selection selection() throws UsageException {
        return Selection.of(tags(), name(), featurePaths());
    }
}
