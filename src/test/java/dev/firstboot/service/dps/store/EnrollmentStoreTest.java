package dev.firstboot.service.dps.store;

import dev.firstboot.service.dps.store.EnrollmentStore.Row;
import dev.firstboot.service.dps.store.EnrollmentStore.Table;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class EnrollmentStoreTest {
    @TempDir
    Path dir;

    @Test
    void documentsRoundTripAndAreFoundByIdAndByThumbprint() {
        try (EnrollmentStore store = EnrollmentStore.inMemory()) {
            store.put(Table.ENROLLMENTS, new Row("dev-1", "x509", "AA11", "{\"registrationId\":\"dev-1\"}"));
            store.put(Table.ENROLLMENT_GROUPS, new Row("g-1", "x509", "CAFE", "{\"enrollmentGroupId\":\"g-1\"}"));

            assertThat(store.get(Table.ENROLLMENTS, "dev-1")).contains(
                    new Row("dev-1", "x509", "AA11", "{\"registrationId\":\"dev-1\"}"));
            assertThat(store.get(Table.ENROLLMENTS, "g-1")).isEmpty();
            assertThat(store.byThumbprint(Table.ENROLLMENT_GROUPS, "CAFE")).extracting(Row::id).containsExactly("g-1");

            store.put(Table.ENROLLMENTS, new Row("dev-1", "tpm", "", "{}"));
            assertThat(store.get(Table.ENROLLMENTS, "dev-1").orElseThrow().kind()).isEqualTo("tpm");
            assertThat(store.count(Table.ENROLLMENTS)).isEqualTo(1);
            assertThat(store.delete(Table.ENROLLMENTS, "dev-1")).isTrue();
            assertThat(store.delete(Table.ENROLLMENTS, "dev-1")).isFalse();
        }
    }

    @Test
    void twoInMemoryStoresShareNothing() {
        try (EnrollmentStore a = EnrollmentStore.inMemory(); EnrollmentStore b = EnrollmentStore.inMemory()) {
            a.put(Table.ENROLLMENTS, new Row("dev-1", "x509", "", "{}"));
            assertThat(b.get(Table.ENROLLMENTS, "dev-1")).isEmpty();
        }
    }

    @Test
    void aStoreInADirectoryKeepsEveryTableAcrossARestart() {
        try (EnrollmentStore store = EnrollmentStore.inDirectory(dir.resolve("data"))) {
            for (Table t : Table.values()) {
                store.put(t, new Row("id-" + t, "k", "T", "{\"t\":\"" + t + "\"}"));
            }
        }
        try (EnrollmentStore reopened = EnrollmentStore.open(Optional.of(dir.resolve("data")))) {
            for (Table t : Table.values()) {
                assertThat(reopened.get(Table.valueOf(t.name()), "id-" + t).orElseThrow().json())
                        .isEqualTo("{\"t\":\"" + t + "\"}");
            }
        }
    }

    @Test
    void queryPagesInIdOrderAfterTheLastIdSeen() {
        try (EnrollmentStore store = EnrollmentStore.inMemory()) {
            store.putAll(Table.ENROLLMENTS, List.of(new Row("c", "x509", "", "{}"), new Row("a", "x509", "", "{}"),
                    new Row("b", "x509", "", "{}")));
            assertThat(store.query(Table.ENROLLMENTS, 2, Optional.empty())).extracting(Row::id).containsExactly("a", "b");
            assertThat(store.query(Table.ENROLLMENTS, 2, Optional.of("b"))).extracting(Row::id).containsExactly("c");
        }
    }

    @Test
    void clearEmptiesEveryTable() {
        try (EnrollmentStore store = EnrollmentStore.inMemory()) {
            for (Table t : Table.values()) {
                store.put(t, new Row("x", "k", "", "{}"));
            }
            store.clear();
            for (Table t : Table.values()) {
                assertThat(store.count(t)).isZero();
            }
        }
    }
}
