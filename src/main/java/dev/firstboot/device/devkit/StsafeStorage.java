package dev.firstboot.device.devkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The DevKit's STSAFE-A100 secure element as the firmware uses it: eleven data zones (devkit.md §1.6) and the
 * "secure channel" switch of {@code enable_secure}. Every change is saved to {@value #STATE_FILE} in the state
 * directory (temp file, then move), and a new instance on the same directory sees it, so values survive resets,
 * power cycles and harness restarts.
 *
 * <p>Read semantics follow the SDK's own host-side test double of {@code EEPROMInterface}: a zone remembers the
 * bytes of its last write; a read returns at most that many bytes, and none if the zone was never written. (A real
 * chip returns the full requested length; with that model the firmware's "empty" and "must be 64" boot messages of
 * §1.6 could not appear, so they would be untestable.)
 */
public final class StsafeStorage {
    public static final String STATE_FILE = "stsafe.json";

    /** Defect switches: make the chip misbehave so the firmware's error paths can be seen. Not persisted. */
    public enum Fault {
        NONE,
        /** Every read fails (the firmware sees -1). */
        READ_FAILS,
        /** Every write fails (the firmware prints {@code ERROR: Failed to write EEPROM}). */
        WRITE_FAILS,
        /** Writes store different bytes than given (the firmware prints {@code ERROR: Verify failed.}). */
        WRITE_CORRUPTS,
        /** {@code enable_secure} fails on the chip. */
        SECURE_CHANNEL_FAILS
    }

    /** What {@link #enableSecureChannel} did, matching the three results the firmware prints. */
    public enum SecureChannelResult { ENABLED, ALREADY_ENABLED, FAILED }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int FORMAT = 1;

    private final Path stateFile;
    private final Map<StsafeZone, byte[]> zones = new EnumMap<>(StsafeZone.class);
    private int secureChannelLevel;
    private Fault fault = Fault.NONE;

    private StsafeStorage(Path stateFile) {
        this.stateFile = stateFile;
    }

    /** Opens the storage kept in {@code directory}, creating the directory if needed; empty if never written. */
    public static StsafeStorage open(Path directory) {
        Objects.requireNonNull(directory, "directory");
        StsafeStorage storage = new StsafeStorage(directory.resolve(STATE_FILE));
        try {
            Files.createDirectories(directory);
            if (Files.exists(storage.stateFile)) {
                storage.load(JSON.readTree(storage.stateFile.toFile()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read the DevKit storage state " + storage.stateFile
                    + ": " + e.getMessage() + ". Fix or delete the file to start with an empty secure element.", e);
        }
        return storage;
    }

    /**
     * Writes {@code data} from offset 0 of {@code zone}, replacing the zone's previous contents. Fails (returns
     * false) like the firmware's {@code EEPROMInterface::write} when the data does not fit the zone.
     */
    public synchronized boolean write(StsafeZone zone, byte[] data) {
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(data, "data");
        if (fault == Fault.WRITE_FAILS || data.length == 0 || data.length > zone.size()) {
            return false;
        }
        byte[] stored = data.clone();
        if (fault == Fault.WRITE_CORRUPTS) {
            stored[stored.length - 1] ^= 0x5a;
        }
        zones.put(zone, stored);
        save();
        return true;
    }

    /** Empties a zone, as a chip that lost its contents would; reads then return nothing. */
    public synchronized void erase(StsafeZone zone) {
        zones.remove(Objects.requireNonNull(zone, "zone"));
        save();
    }

    /**
     * Reads up to {@code length} bytes from {@code offset}; empty when the read fails (the firmware's -1), which it
     * does when the request lies outside the zone.
     */
    public synchronized Optional<byte[]> read(StsafeZone zone, int offset, int length) {
        Objects.requireNonNull(zone, "zone");
        if (fault == Fault.READ_FAILS || offset < 0 || length <= 0 || offset + length > zone.size()) {
            return Optional.empty();
        }
        byte[] stored = zones.getOrDefault(zone, new byte[0]);
        int available = Math.max(0, Math.min(length, stored.length - offset));
        return Optional.of(Arrays.copyOfRange(stored, Math.min(offset, stored.length),
                Math.min(offset, stored.length) + available));
    }

    /** Turns on the host secure channel at {@code level} (1, 2 or 3); it cannot be turned off again. */
    public synchronized SecureChannelResult enableSecureChannel(int level) {
        if (fault == Fault.SECURE_CHANNEL_FAILS) {
            return SecureChannelResult.FAILED;
        }
        if (secureChannelLevel != 0) {
            return SecureChannelResult.ALREADY_ENABLED;
        }
        secureChannelLevel = level;
        save();
        return SecureChannelResult.ENABLED;
    }

    public synchronized boolean secureChannelEnabled() {
        return secureChannelLevel != 0;
    }

    public synchronized void injectFault(Fault fault) {
        this.fault = Objects.requireNonNull(fault, "fault");
    }

    public Path stateFile() {
        return stateFile;
    }

    /** Names the zones holding data, never their contents (they hold the UDS and Wi-Fi password). */
    @Override
    public synchronized String toString() {
        StringBuilder written = new StringBuilder();
        for (Map.Entry<StsafeZone, byte[]> e : zones.entrySet()) {
            written.append(written.length() == 0 ? "" : ", ").append(e.getKey().index()).append(':')
                    .append(e.getValue().length).append(" bytes");
        }
        return "StsafeStorage[" + stateFile + ", zones {" + written + "}, secure channel "
                + (secureChannelLevel == 0 ? "off" : "level " + secureChannelLevel) + "]";
    }

    private void load(JsonNode root) throws IOException {
        if (root == null || root.path("format").asInt() != FORMAT) {
            throw new IOException("expected a JSON object with \"format\": " + FORMAT);
        }
        secureChannelLevel = root.path("secureChannelLevel").asInt(0);
        Iterator<Map.Entry<String, JsonNode>> it = root.path("zones").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            try {
                zones.put(StsafeZone.byIndex(Integer.parseInt(e.getKey())),
                        HexFormat.of().parseHex(e.getValue().asText()));
            } catch (IllegalArgumentException bad) {
                throw new IOException("zone entry \"" + e.getKey() + "\" is not a zone number with hex contents", bad);
            }
        }
    }

    private void save() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("secureChannelLevel", secureChannelLevel);
        ObjectNode zoneNode = root.putObject("zones");
        zones.forEach((zone, bytes) -> zoneNode.put(Integer.toString(zone.index()), HexFormat.of().formatHex(bytes)));
        Path temp = stateFile.resolveSibling(STATE_FILE + ".tmp");
        try {
            JSON.writerWithDefaultPrettyPrinter().writeValue(temp.toFile(), root);
            try {
                Files.move(temp, stateFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, stateFile, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not save the DevKit storage state to " + stateFile + ": "
                    + e.getMessage() + ". Check that the state directory is writable.", e);
        }
    }
}
