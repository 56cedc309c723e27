package dev.firstboot.farm;

import dev.firstboot.rig.Capabilities;
import dev.firstboot.suite.Selection;
import dev.firstboot.suite.UsageException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

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
        List<Planned> out = new ArrayList<>();
        for (Selection.Scenario s : Selection.of(tags, Optional.empty(), features).discover()) {
            out.add(new Planned(s.feature(), s.name(), s.location(), Capabilities.required(s.tags())));
        }
        return out;
    }
}
