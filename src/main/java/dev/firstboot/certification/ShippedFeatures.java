package dev.firstboot.certification;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What makes a certification run the harness's own: the feature files it ran must be byte-for-byte the ones this
 * harness version ships (their SHA-256 are built into the jar, {@code hsm-features.sha256}), and the step
 * definitions must come only from the harness itself.
 */
public final class ShippedFeatures {
    static final String MANIFEST = "/dev/firstboot/certification/hsm-features.sha256";
    static final String GLUE_PACKAGE = "dev/firstboot/steps";

    /** One feature file that ran, with its hash and the hash the harness shipped for that name (if any). */
    public record FeatureHash(String name, String sha256, String expectedSha256) {
        public boolean matches() {
            return sha256.equals(expectedSha256);
        }
    }

    /** The features that ran and why the run is not certifying, if it is not. */
    public record Verdict(List<FeatureHash> features, List<String> nonCertifyingReasons) {
        public Verdict {
            features = List.copyOf(features);
            nonCertifyingReasons = List.copyOf(nonCertifyingReasons);
        }

        public boolean certifying() {
            return nonCertifyingReasons.isEmpty();
        }
    }

    private ShippedFeatures() {
    }

    /** The shipped hashes, by file name. */
    public static Map<String, String> expected() {
        Map<String, String> out = new TreeMap<>();
        try (InputStream in = ShippedFeatures.class.getResourceAsStream(MANIFEST)) {
            if (in == null) {
                return out;
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String[] parts = line.trim().split("\\s+");
                if (parts.length == 2) {
                    out.put(parts[1], parts[0]);
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** Judges a folder of feature files against the shipped hashes, and the class path's glue. */
    public static Verdict judge(Path featureFolder) throws IOException {
        Map<String, String> expected = expected();
        List<FeatureHash> ran = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        if (expected.isEmpty()) {
            reasons.add("this harness build carries no shipped feature hashes (" + MANIFEST + ")");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(featureFolder)) {
            files = s.filter(p -> p.toString().endsWith(".feature")).sorted().toList();
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            String sha = sha256(Files.readAllBytes(f));
            FeatureHash h = new FeatureHash(name, sha, expected.getOrDefault(name, ""));
            ran.add(h);
            if (h.expectedSha256().isEmpty()) {
                reasons.add("feature " + name + " is not one the harness ships");
            } else if (!h.matches()) {
                reasons.add("feature " + name + " differs from the one the harness ships (SHA-256 " + sha
                        + ", shipped " + h.expectedSha256() + ")");
            }
        }
        for (String name : expected.keySet()) {
            if (files.stream().noneMatch(p -> p.getFileName().toString().equals(name))) {
                reasons.add("shipped feature " + name + " was not run");
            }
        }
        reasons.addAll(foreignGlue());
        return new Verdict(ran, reasons);
    }

    /** Class-path locations other than the harness's own that also hold step definitions in the glue package. */
    static List<String> foreignGlue() throws IOException {
        List<URL> roots = Collections.list(ShippedFeatures.class.getClassLoader().getResources(GLUE_PACKAGE));
        URL own = ShippedFeatures.class.getClassLoader().getResource(GLUE_PACKAGE + "/HsmSteps.class");
        String ownRoot = own == null ? "" : own.toString().replace("/HsmSteps.class", "");
        List<String> out = new ArrayList<>();
        for (URL r : roots) {
            if (!r.toString().equals(ownRoot)) {
                out.add("step definitions are also loaded from " + r + ", which is not the harness's own glue");
            }
        }
        return out;
    }

    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
