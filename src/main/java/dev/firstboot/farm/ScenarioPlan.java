package dev.firstboot.farm;

import dev.firstboot.rig.Capabilities;
import dev.firstboot.suite.SuiteRunner;
import dev.firstboot.suite.UsageException;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.TestTag;
import org.junit.platform.engine.support.descriptor.FilePosition;
import org.junit.platform.engine.support.descriptor.FileSource;
import org.junit.platform.launcher.EngineFilter;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** The scenarios a farm run selects, found the way {@code firstboot run} finds them, each with what it needs. */
final class ScenarioPlan {
    private ScenarioPlan() {
    }

    /**
     * @param location absolute {@code file.feature:LINE}: what a board's run is given to select exactly this scenario
     * @param needs    capability tags, without {@code @}
     */
    record Planned(String feature, String name, String location, Set<String> needs) {
        boolean runsOn(Set<String> capabilities) {
            return capabilities.containsAll(needs);
        }
    }

    static List<Planned> discover(List<Path> features, Optional<String> tags) throws UsageException {
        List<DiscoverySelector> selectors = SuiteRunner.selectors(features);
        Map<String, String> config = new HashMap<>();
        config.put("cucumber.glue", "dev.firstboot.steps");
        config.put("cucumber.publish.quiet", "true");
        config.put("cucumber.junit-platform.naming-strategy", "short");
        tags.filter(t -> !t.isBlank()).ifPresent(t -> config.put("cucumber.filter.tags", t));
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectors)
                .filters(EngineFilter.includeEngines("cucumber")).configurationParameters(config).build();
        TestPlan plan;
        try {
            plan = LauncherFactory.create().discover(request);
        } catch (RuntimeException e) {
            throw new UsageException("cannot read the features: " + e.getMessage() + "; check --features and --tags");
        }
        List<Planned> out = new ArrayList<>();
        for (TestIdentifier root : plan.getRoots()) {
            for (TestIdentifier t : plan.getDescendants(root)) {
                if (!t.isTest() || t.getSource().isEmpty() || !(t.getSource().get() instanceof FileSource fs)) {
                    continue;
                }
                int line = fs.getPosition().map(FilePosition::getLine).orElse(0);
                Set<String> needs = Capabilities.required(t.getTags().stream().map(TestTag::getName).collect(Collectors.toSet()));
                out.add(new Planned(featureOf(plan, t), t.getDisplayName(),
                        fs.getFile().toPath().toAbsolutePath().normalize() + ":" + line, needs));
            }
        }
        for (Path f : features) {
            java.util.regex.Matcher line = SuiteRunner.FEATURE_LINE.matcher(f.toAbsolutePath().normalize().toString());
            if (!Files.exists(f) && line.matches()) {
                String file = Path.of(line.group(1)).toAbsolutePath().normalize().toString();
                List<String> lines = out.stream().map(Planned::location).filter(l -> l.startsWith(file + ":"))
                        .map(l -> l.substring(file.length() + 1)).toList();
                if (!lines.contains(line.group(2))) {
                    throw new UsageException("no scenario starts at line " + line.group(2) + " of " + file
                            + "; its scenarios (with these tags) start at lines " + String.join(", ", lines));
                }
            }
        }
        return out;
    }

    private static String featureOf(TestPlan plan, TestIdentifier id) {
        TestIdentifier node = id;
        Optional<TestIdentifier> parent = plan.getParent(node);
        while (parent.isPresent() && parent.get().getParentId().isPresent()) {
            node = parent.get();
            parent = plan.getParent(node);
        }
        return node == id ? "" : node.getDisplayName();
    }
}
