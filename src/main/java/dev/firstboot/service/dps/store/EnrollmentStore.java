package dev.firstboot.service.dps.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The DPS emulator's documents in an embedded H2 database: individual enrollments, enrollment groups, registration
 * records and CA certificates, each stored as the real service's JSON with indexed key columns (id, kind, thumbprint),
 * so every lookup the device path makes is a primary-key or index lookup. In memory for a rig; in a directory for the
 * standalone emulator, where it survives a restart. Thread-safe (one connection, calls serialised).
 */
public final class EnrollmentStore implements AutoCloseable {
    /** The tables, one per collection. */
    public enum Table {
        ENROLLMENTS("enrollment"), ENROLLMENT_GROUPS("enrollment_group"), REGISTRATIONS("registration"),
        CERTIFICATES("ca_certificate");

        final String sql;

        Table(String sql) {
            this.sql = sql;
        }
    }

    /**
     * One stored row.
     *
     * @param id         the document id (registration id, group id, certificate name)
     * @param kind       the attestation type (x509, tpm, symmetricKey) or, for certificates, verified/unverified
     * @param thumbprint the SHA-256 thumbprint (hex) that finds the row from a presented certificate; empty if none
     * @param json       the document
     */
    public record Row(String id, String kind, String thumbprint, String json) {
        /** Never the document: it may hold symmetric keys. */
        @Override
        public String toString() {
            return "Row[" + id + ", " + kind + ", document of " + json.length() + " chars]";
        }
    }

    private final Connection connection;
    private final String url;

    private EnrollmentStore(Connection connection, String url) {
        this.connection = connection;
        this.url = url;
    }

    /** A private in-memory database that lives until {@link #close()}. */
    public static EnrollmentStore inMemory() {
        return open("jdbc:h2:mem:dps-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    }

    /** A database in {@code directory} (created if missing) as {@code dps.mv.db}; what it holds survives restarts. */
    public static EnrollmentStore inDirectory(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("could not create the DPS data directory " + directory + ": "
                    + e.getMessage() + "; check the path and its permissions", e);
        }
        return open("jdbc:h2:file:" + directory.toAbsolutePath().resolve("dps") + ";CACHE_SIZE=32768");
    }

    /** {@link #inDirectory} when a directory is given, else {@link #inMemory()}. */
    public static EnrollmentStore open(Optional<Path> directory) {
        return directory.map(EnrollmentStore::inDirectory).orElseGet(EnrollmentStore::inMemory);
    }

    private static EnrollmentStore open(String url) {
        try {
            Connection c = DriverManager.getConnection(url, "sa", "");
            try (Statement s = c.createStatement()) {
                for (Table t : Table.values()) {
                    s.execute("CREATE TABLE IF NOT EXISTS " + t.sql + " (id VARCHAR(256) PRIMARY KEY,"
                            + " kind VARCHAR(32) NOT NULL, thumbprint VARCHAR(128) NOT NULL, doc VARCHAR(1048576) NOT NULL)");
                    s.execute("CREATE INDEX IF NOT EXISTS " + t.sql + "_thumbprint ON " + t.sql + " (thumbprint)");
                }
            }
            return new EnrollmentStore(c, url);
        } catch (SQLException e) {
            String hint = e.getErrorCode() == 90020 ? "; is another emulator using this data directory?" : "";
            throw new IllegalStateException("could not open the DPS store " + url + ": " + e.getMessage() + hint, e);
        }
    }

    public synchronized Optional<Row> get(Table table, String id) {
        try (PreparedStatement p = connection.prepareStatement(
                "SELECT id, kind, thumbprint, doc FROM " + table.sql + " WHERE id = ?")) {
            p.setString(1, id);
            return first(p);
        } catch (SQLException e) {
            throw failure("read", table, e);
        }
    }

    /** Rows whose thumbprint column is {@code thumbprint}, by index. */
    public synchronized List<Row> byThumbprint(Table table, String thumbprint) {
        try (PreparedStatement p = connection.prepareStatement(
                "SELECT id, kind, thumbprint, doc FROM " + table.sql + " WHERE thumbprint = ? ORDER BY id")) {
            p.setString(1, thumbprint);
            return all(p);
        } catch (SQLException e) {
            throw failure("read", table, e);
        }
    }

    /** Up to {@code max} rows in id order, after {@code afterId} when given. */
    public synchronized List<Row> query(Table table, int max, Optional<String> afterId) {
        String sql = "SELECT id, kind, thumbprint, doc FROM " + table.sql
                + (afterId.isPresent() ? " WHERE id > ?" : "") + " ORDER BY id LIMIT ?";
        try (PreparedStatement p = connection.prepareStatement(sql)) {
            int i = 1;
            if (afterId.isPresent()) {
                p.setString(i++, afterId.get());
            }
            p.setInt(i, Math.max(0, max));
            return all(p);
        } catch (SQLException e) {
            throw failure("query", table, e);
        }
    }

    public synchronized void put(Table table, Row row) {
        putAll(table, List.of(row));
    }

    /**
     * Inserts or replaces rows in one transaction, in JDBC batches: the bulk-load path. {@code rows} may be produced
     * lazily, so a million documents need not sit in memory at once.
     */
    public synchronized void putAll(Table table, Iterable<Row> rows) {
        try (PreparedStatement p = connection.prepareStatement(
                "MERGE INTO " + table.sql + " (id, kind, thumbprint, doc) KEY (id) VALUES (?, ?, ?, ?)")) {
            connection.setAutoCommit(false);
            int pending = 0;
            for (Row r : rows) {
                p.setString(1, r.id());
                p.setString(2, r.kind());
                p.setString(3, r.thumbprint());
                p.setString(4, r.json());
                p.addBatch();
                if (++pending == 1000) {
                    p.executeBatch();
                    pending = 0;
                }
            }
            if (pending > 0) {
                p.executeBatch();
            }
            connection.commit();
        } catch (SQLException e) {
            rollback();
            throw failure("write", table, e);
        } finally {
            autoCommit();
        }
    }

    /** True when a row was deleted. */
    public synchronized boolean delete(Table table, String id) {
        try (PreparedStatement p = connection.prepareStatement("DELETE FROM " + table.sql + " WHERE id = ?")) {
            p.setString(1, id);
            return p.executeUpdate() > 0;
        } catch (SQLException e) {
            throw failure("delete from", table, e);
        }
    }

    public synchronized long count(Table table) {
        try (Statement s = connection.createStatement();
             ResultSet r = s.executeQuery("SELECT COUNT(*) FROM " + table.sql)) {
            r.next();
            return r.getLong(1);
        } catch (SQLException e) {
            throw failure("count", table, e);
        }
    }

    /** Empties every table. */
    public synchronized void clear() {
        try (Statement s = connection.createStatement()) {
            for (Table t : Table.values()) {
                s.execute("TRUNCATE TABLE " + t.sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not clear the DPS store: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            if (!connection.isClosed()) {
                try (Statement s = connection.createStatement()) {
                    s.execute("SHUTDOWN");
                }
                connection.close();
            }
        } catch (SQLException e) {
            // Closing is best effort: a file database H2 could not compact is still consistent.
        }
    }

    private static Optional<Row> first(PreparedStatement p) throws SQLException {
        List<Row> rows = all(p);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    private static List<Row> all(PreparedStatement p) throws SQLException {
        List<Row> rows = new ArrayList<>();
        try (ResultSet r = p.executeQuery()) {
            while (r.next()) {
                rows.add(new Row(r.getString(1), r.getString(2), r.getString(3), r.getString(4)));
            }
        }
        return rows;
    }

    private void rollback() {
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // the write failure is what the caller needs to see
        }
    }

    private void autoCommit() {
        try {
            connection.setAutoCommit(true);
        } catch (SQLException ignored) {
            // the next statement reports a broken connection
        }
    }

    private static IllegalStateException failure(String verb, Table table, SQLException e) {
        return new IllegalStateException("could not " + verb + " the DPS " + table.sql + " table: " + e.getMessage(), e);
    }
}
