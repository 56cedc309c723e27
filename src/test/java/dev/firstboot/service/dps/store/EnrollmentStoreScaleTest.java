package dev.firstboot.service.dps.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.firstboot.service.dps.admin.EnrollmentAdmin.Collection;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bulk load and lookup at scale: symmetric-key individual enrollments (real service JSON, checked by the admin) loaded
 * in batches of 10,000, then random lookups by registration id. Excluded from the default run; run with
 * {@code nice mvn -B -q test -Dtest=EnrollmentStoreScaleTest -Dgroups=slow -Dsurefire.excludedGroups=none -DargLine=-Xmx1g
 * -Dsurefire.failIfNoSpecifiedTests=false [-Dscale.counts=10000,1000000]}. Figures go to
 * target/enrollment-store-scale.txt.
 * <p>
 * "Flat" is judged on the median lookup: at the largest count it stays within {@link #FLAT_FACTOR} times the median
 * at the smallest, for each store kind measured at both. An indexed lookup grows with log n (a few times at most over
 * a hundredfold more enrollments, from cache misses); a scan grows a hundredfold.
 */
@Tag("slow")
class EnrollmentStoreScaleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 10_000;
    private static final int LOOKUPS = 20_000;
    private static final double FLAT_FACTOR = 10;

    /** One store's figures at one count. */
    private record Figures(String kind, int count, double p50Micros, String line) {
    }

    @TempDir
    Path dir;

    @Test
    void lookupsStayFlatFromTenThousandToAMillionEnrollments() throws Exception {
        int[] counts = Arrays.stream(System.getProperty("scale.counts", "10000,1000000").split(","))
                .mapToInt(Integer::parseInt).toArray();
        List<String> lines = new ArrayList<>();
        lines.add("max heap " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB");
        List<Figures> all = new ArrayList<>();
        for (int count : counts) {
            for (String kind : new String[]{"file", "memory"}) {
                if (kind.equals("memory") && count > 100_000) {
                    continue; // a million documents in an in-memory database do not fit a 1 GiB heap; see the docs
                }
                Figures f = measure(count, kind);
                all.add(f);
                lines.add(f.line());
                System.out.println(f.line());
            }
        }
        Files.createDirectories(Path.of("target"));
        Files.write(Path.of("target", "enrollment-store-scale.txt"), lines);
        int smallest = Arrays.stream(counts).min().orElseThrow();
        int largest = Arrays.stream(counts).max().orElseThrow();
        assertThat(largest).as("-Dscale.counts needs two different counts to compare").isGreaterThan(smallest);
        int compared = 0;
        for (String kind : new String[]{"file", "memory"}) {
            Optional<Figures> low = figures(all, kind, smallest);
            Optional<Figures> high = figures(all, kind, largest);
            if (low.isPresent() && high.isPresent()) {
                compared++;
                assertThat(high.get().p50Micros()).as("%s store: median lookup at %,d enrollments against %.1f us at"
                                + " %,d (at most %.0fx)", kind, largest, low.get().p50Micros(), smallest, FLAT_FACTOR)
                        .isLessThanOrEqualTo(low.get().p50Micros() * FLAT_FACTOR);
            }
        }
        assertThat(compared).as("store kinds measured at both %,d and %,d", smallest, largest).isPositive();
    }

    private static Optional<Figures> figures(List<Figures> all, String kind, int count) {
        return all.stream().filter(f -> f.kind().equals(kind) && f.count() == count).findFirst();
    }

    private Figures measure(int count, String kind) throws Exception {
        Path data = dir.resolve(kind + "-" + count);
        try (EnrollmentStore store = kind.equals("file") ? EnrollmentStore.inDirectory(data)
                : EnrollmentStore.inMemory()) {
            StoreAdmin admin = new StoreAdmin(store);
            Random random = new Random(count);
            byte[] key = new byte[32];
            long start = System.nanoTime();
            for (int from = 0; from < count; from += BATCH) {
                List<ObjectNode> batch = new ArrayList<>(BATCH);
                for (int i = from; i < Math.min(count, from + BATCH); i++) {
                    random.nextBytes(key);
                    ObjectNode doc = JSON.createObjectNode();
                    doc.put("registrationId", id(i));
                    ObjectNode a = doc.putObject("attestation").put("type", "symmetricKey");
                    a.putObject("symmetricKey").put("primaryKey", Base64.getEncoder().encodeToString(key))
                            .put("secondaryKey", Base64.getEncoder().encodeToString(key));
                    doc.putArray("iotHubs").add("hub-a.localhost");
                    doc.put("allocationPolicy", "hashed");
                    batch.add(doc);
                }
                admin.putAll(Collection.ENROLLMENTS, batch);
            }
            double loadSeconds = (System.nanoTime() - start) / 1e9;
            assertThat(store.count(EnrollmentStore.Table.ENROLLMENTS)).isEqualTo(count);
            System.gc();
            long heapAfterLoad = (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory())
                    / (1024 * 1024);

            for (int i = 0; i < 2_000; i++) { // warm-up
                admin.enrollment(id(random.nextInt(count))).orElseThrow();
            }
            long[] nanos = new long[LOOKUPS];
            for (int i = 0; i < LOOKUPS; i++) {
                String id = id(random.nextInt(count));
                long t = System.nanoTime();
                assertThat(admin.enrollment(id)).isPresent();
                nanos[i] = System.nanoTime() - t;
            }
            long t = System.nanoTime();
            assertThat(admin.enrollment("absent")).isEmpty();
            long miss = System.nanoTime() - t;
            Arrays.sort(nanos);
            double mean = Arrays.stream(nanos).average().orElse(0) / 1000;
            long diskMiB = kind.equals("file") ? dirSize(data) / (1024 * 1024) : 0;
            return new Figures(kind, count, nanos[LOOKUPS / 2] / 1000.0, String.format("%-6s %,9d enrollments: load %6.1f s (%,.0f/s), heap after load %d MiB%s;"
                            + " lookup by id mean %.1f us, p50 %.1f us, p99 %.1f us, miss %.1f us",
                    kind, count, loadSeconds, count / loadSeconds, heapAfterLoad,
                    kind.equals("file") ? ", on disk " + diskMiB + " MiB" : "", mean, nanos[LOOKUPS / 2] / 1000.0,
                    nanos[LOOKUPS * 99 / 100] / 1000.0, miss / 1000.0));
        }
    }

    private static String id(int i) {
        return String.format("device-%08d", i);
    }

    private static long dirSize(Path p) throws Exception {
        try (Stream<Path> files = Files.walk(p)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }
}
