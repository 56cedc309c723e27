package dev.firstboot.suite;

import dev.firstboot.secret.Redactor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The last guard on secrets: after a run, every file it wrote is read back and searched for every secret the run
 * registered (UDS values, keys). Masking happens where text is produced; this proves it held.
 *
 * @param secretsChecked how many secret forms were searched for
 * @param leaking        files that still contain one
 */
public record SecretScan(int secretsChecked, List<Path> leaking) {
    public SecretScan {
        leaking = List.copyOf(leaking);
    }

    public static SecretScan of(Path runDirectory, Redactor redactor) {
        List<Path> leaking = new ArrayList<>();
        try (Stream<Path> files = Files.walk(runDirectory)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                if (redactor.leaks(text)) {
                    leaking.add(f);
                }
            }
        } catch (IOException e) {
            // an unreadable report folder is reported by the writers themselves; nothing to scan
        }
        return new SecretScan(redactor.size(), leaking);
    }
}
