package dev.firstboot.suite;

import dev.firstboot.secret.Redactor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The last guard on secrets: after a run, every file it wrote is read back and searched for every secret the run
 * registered (UDS values, keys), whole or in part. Masking happens where text is produced; this proves it held. A
 * file it could not read proves nothing, so it fails the run as a leak does.
 *
 * @param secretsChecked how many secret forms were searched for
 * @param leaking        files that still contain one
 * @param unreadable     files or folders that could not be read, each with the reason
 */
public record SecretScan(int secretsChecked, List<Path> leaking, List<String> unreadable) {
    public SecretScan {
        leaking = List.copyOf(leaking);
        unreadable = List.copyOf(unreadable);
    }

    public static SecretScan of(Path runDirectory, Redactor redactor) {
        List<Path> leaking = new ArrayList<>();
        List<String> unreadable = new ArrayList<>();
        try {
            Files.walkFileTree(runDirectory, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    if (attributes.isOther()) {
                        return FileVisitResult.CONTINUE; // a socket or a pipe holds no report text
                    }
                    try {
                        if (redactor.leaks(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1))) {
                            leaking.add(file);
                        }
                    } catch (IOException e) {
                        unreadable.add(file + " (" + reason(e) + ")");
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    unreadable.add(file + " (" + reason(e) + ")");
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            unreadable.add(runDirectory + " (" + reason(e) + ")");
        }
        return new SecretScan(redactor.size(), leaking, unreadable);
    }

    private static String reason(IOException e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    /** Why the run's reports cannot be trusted to hold no secret, or empty when the scan read every file clean. */
    public Optional<String> problem() {
        List<String> parts = new ArrayList<>();
        if (!leaking.isEmpty()) {
            parts.add("BUG: a secret reached these report files despite masking: " + leaking
                    + ". Do not share them; please report this");
        }
        if (!unreadable.isEmpty()) {
            parts.add("the secret scan could not read " + unreadable.stream().collect(Collectors.joining(", "))
                    + ", so the reports cannot be shown to hold no secret. Check the folder's permissions and free"
                    + " space, then run again");
        }
        return parts.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", parts));
    }
}
