package dev.firstboot.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.firstboot.suite.ScenarioStatus;
import dev.firstboot.suite.UsageException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The failed scenarios of an earlier run (and the inconclusive ones, timed on an overloaded host), read from its
 * summary.json, and the rig it ran on.
 */
record Rerun(String runId, String rig, List<Path> failed) {
    private static final java.util.Set<String> RERUN = java.util.Set.of(ScenarioStatus.FAILED.name(),
            ScenarioStatus.INCONCLUSIVE.name());

    /**
     * @param run a run id in {@code reportRoot}, a run folder, or empty for the newest run there
     */
    static Rerun of(Path reportRoot, String run) throws UsageException {
        Path dir = run.isEmpty() ? newest(reportRoot)
                : Files.isRegularFile(reportRoot.resolve(run).resolve("summary.json")) ? reportRoot.resolve(run) : Path.of(run);
        Path summary = dir.resolve("summary.json");
        if (!Files.isRegularFile(summary)) {
            throw new UsageException("no run " + run + " in " + reportRoot + " (no " + summary + "); give a run id "
                    + "from that folder or a run folder, or leave it out for the newest run");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(summary.toFile());
        } catch (IOException e) {
            throw new UsageException("cannot read " + summary + ": " + e.getMessage());
        }
        List<Path> failed = new ArrayList<>();
        for (JsonNode s : root.path("scenarios")) {
            if (RERUN.contains(s.path("status").asText())) {
                failed.add(Path.of(s.path("location").asText()));
            }
        }
        String rig = root.path("rigFile").asText("");
        if (rig.isEmpty() || !Files.isRegularFile(Path.of(rig))) {
            rig = root.path("rig").asText("");
        }
        return new Rerun(root.path("runId").asText(dir.getFileName().toString()), rig, failed);
    }

    /** The newest single-rig run in the folder (farm runs have their own reports). */
    static Path newest(Path reportRoot) throws UsageException {
        if (!Files.isDirectory(reportRoot)) {
            throw new UsageException("no runs in " + reportRoot + " yet; run 'firstboot run' first, or give --report DIR");
        }
        try (Stream<Path> runs = Files.list(reportRoot)) {
            return runs.filter(p -> Files.isRegularFile(p.resolve("summary.json")))
                    .filter(p -> !p.getFileName().toString().startsWith("farm-"))
                    .max(Comparator.comparing((Path p) -> {
                        try {
                            return Files.getLastModifiedTime(p.resolve("summary.json"));
                        } catch (IOException e) {
                            return java.nio.file.attribute.FileTime.fromMillis(0);
                        }
                    }).thenComparing(p -> p.getFileName().toString()))
                    .orElseThrow(() -> new UsageException("no runs in " + reportRoot + " yet; run 'firstboot run' first"));
        } catch (IOException e) {
            throw new UsageException("cannot list " + reportRoot + ": " + e.getMessage());
        }
    }
}
