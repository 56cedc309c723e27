package dev.firstboot.farm;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code firstboot report merge OUT DIR...}: several hosts' farm reports as one, with each board's history across
 * them: every Allure result (board labels and per-board history ids kept, so Allure groups a board's runs of a
 * scenario), one JUnit XML with a suite per board, and boot-phase statistics over every sample. Refuses corrupt
 * inputs and conflicts (a board claimed by two hosts, one run given twice, Allure files that clash) instead of
 * guessing.
 */
public final class ReportMerge {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What was merged: the output folder, how many runs and boards, and the statistics table. */
    public record Result(Path out, int runs, int boards, int results, String timingTable) {
    }

    private ReportMerge() {
    }

    public static Result merge(Path out, List<Path> inputs, PrintWriter progress) throws MergeException {
        if (inputs.isEmpty()) {
            throw new MergeException("name at least one farm report folder to merge");
        }
        Path target = out.toAbsolutePath().normalize();
        if (Files.exists(target) && !(Files.isDirectory(target) && isEmpty(target))) {
            throw new MergeException(target + " already exists and is not an empty folder; merge into a new folder");
        }
        List<FarmReport.Read> reads = new ArrayList<>();
        Map<Path, Path> seenDirs = new LinkedHashMap<>();
        Map<String, Path> seenRuns = new LinkedHashMap<>();
        Map<String, String> boardHost = new LinkedHashMap<>();
        Map<String, Path> boardFrom = new LinkedHashMap<>();
        for (Path in : inputs) {
            Path dir = in.toAbsolutePath().normalize();
            if (dir.equals(target)) {
                throw new MergeException("the output folder " + target + " is also an input; merge into a new folder");
            }
            if (!Files.isDirectory(dir)) {
                throw new MergeException(dir + " is not a folder; pass farm report folders (reports/farm-…)");
            }
            if (seenDirs.putIfAbsent(realPath(dir), dir) != null) {
                throw new MergeException(dir + " is given twice; each report is merged once");
            }
            FarmReport.Read read = FarmReport.read(dir);
            for (String id : read.runIds()) {
                Path other = seenRuns.putIfAbsent(id, dir);
                if (other != null) {
                    throw new MergeException("run " + id + " is in both " + other + " and " + dir
                            + "; the same run would be counted twice — leave one of them out");
                }
            }
            for (FarmReport.ReportedBoard b : read.boards()) {
                String host = boardHost.putIfAbsent(b.name(), b.host());
                if (host != null && !host.equals(b.host())) {
                    throw new MergeException("board " + b.name() + " is on host '" + host + "' in " + boardFrom.get(b.name())
                            + " but on host '" + b.host() + "' in " + dir + "; board names must be unique across the "
                            + "farm's hosts — rename one in its inventory");
                }
                boardFrom.putIfAbsent(b.name(), dir);
            }
            reads.add(read);
        }
        Path allure = target.resolve("allure-results");
        Map<String, Path> copiedFrom = new LinkedHashMap<>();
        try {
            Files.createDirectories(allure);
            for (FarmReport.Read read : reads) {
                copyAllure(read.dir().resolve("allure-results"), allure, copiedFrom);
            }
        } catch (IOException e) {
            throw new MergeException("cannot write " + target + ": " + e.getMessage());
        }
        List<String> runIds = new ArrayList<>(seenRuns.keySet());
        Map<String, FarmReport.ReportedBoard> boards = new LinkedHashMap<>();
        List<ScenarioRun> runs = new ArrayList<>();
        List<String> farms = new ArrayList<>();
        for (FarmReport.Read read : reads) {
            read.boards().forEach(b -> boards.merge(b.name(), b, (a, c) -> a.online() ? c : a));
            runs.addAll(read.runs());
            if (!farms.contains(read.farm())) {
                farms.add(read.farm());
            }
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("mergedFrom", reads.stream().map(r -> r.dir().toString()).toList());
        FarmReport.writeAll(target, String.join("+", farms), runIds, new ArrayList<>(boards.values()), runs, extra);
        String table = FarmReport.timing(runs).table();
        progress.printf("Merged %d report(s): %d run(s), %d board(s), %d scenario result(s) into %s%n", reads.size(),
                runIds.size(), boards.size(), runs.size(), target);
        progress.print(table);
        progress.println("HTML report: firstboot report " + target);
        progress.flush();
        return new Result(target, runIds.size(), boards.size(), runs.size(), table);
    }

    private static void copyAllure(Path from, Path to, Map<String, Path> copiedFrom) throws IOException, MergeException {
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.equals("environment.properties") || !Files.isRegularFile(f)) {
                    continue;
                }
                if (name.endsWith("-result.json") || name.endsWith("-container.json")) {
                    try {
                        JSON.readTree(f.toFile());
                    } catch (IOException e) {
                        throw new MergeException(f + " is corrupt (not JSON); copy the report folder again from its host");
                    }
                }
                Path dest = to.resolve(name);
                if (Files.exists(dest)) {
                    if (!Arrays.equals(Files.readAllBytes(dest), Files.readAllBytes(f))) {
                        throw new MergeException(name + " is in both " + copiedFrom.get(name) + " and " + from
                                + " with different content; these reports overlap — merge the original report folders");
                    }
                    continue;
                }
                Files.copy(f, dest, StandardCopyOption.COPY_ATTRIBUTES);
                copiedFrom.put(name, from);
            }
        }
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p;
        }
    }
}
