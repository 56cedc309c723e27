package dev.firstboot.rig;

import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;

/** For provider tests: one section of a rig file, as a provider's {@code configure} gets it. */
public final class PartConfigs {
    private PartConfigs() {
    }

    public static PartConfig backend(Path rigFile) throws Exception {
        try (Reader r = Files.newBufferedReader(rigFile)) {
            MappingNode root = (MappingNode) new Yaml().compose(r);
            return new PartConfig(rigFile, "", root).section("backend").orElseThrow();
        }
    }

    public static PartConfig device(Path rigFile) throws Exception {
        try (Reader r = Files.newBufferedReader(rigFile)) {
            MappingNode root = (MappingNode) new Yaml().compose(r);
            return new PartConfig(rigFile, "", root).section("device").orElseThrow();
        }
    }
}
