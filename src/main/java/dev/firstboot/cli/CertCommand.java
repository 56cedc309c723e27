package dev.firstboot.cli;

import dev.firstboot.identity.IdentityException;
import dev.firstboot.identity.dice.DiceEngine;
import dev.firstboot.identity.dice.DiceIdentity;
import dev.firstboot.identity.dice.FirmwareImage;
import dev.firstboot.identity.dice.RegistrationIds;
import dev.firstboot.identity.dice.Uds;
import dev.firstboot.suite.ExitCodes;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code firstboot cert}: what Microsoft's {@code dps_cert_gen} does, without its bugs. From a DevKit firmware image,
 * its map, a UDS and a registration id it writes the alias certificate the board will present, to upload as the
 * primary certificate of an X.509 individual enrollment.
 */
@Command(name = "cert", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compute the MXChip DevKit's DICE alias certificate (what dps_cert_gen makes) and write it to "
                + "<registration id>.pem.",
                "The file is byte-identical to the tool's: one certificate, the base64 body on a single line."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the certificate was written", "2:bad usage or input; no file was written"})
final class CertCommand implements Callable<Integer> {
    /** The DevKit's flash is 1 MiB; anything far larger is not a DevKit image and is not read into memory. */
    static final long MAX_INPUT_BYTES = 64L * 1024 * 1024;

    CommandLine.Model.CommandSpec spec;

    /**
     * Picocli echoes an unknown option with its value ("Unknown option: '--udss=…'"), which would print a misspelt
     * UDS; treating unknown options as stray words routes them to {@link #stray}, reported without their text.
     */
    @CommandLine.Spec
    void spec(CommandLine.Model.CommandSpec spec) {
        this.spec = spec;
        spec.parser().unmatchedOptionsArePositionalParams(true);
    }

    @Option(names = "--bin", required = true, paramLabel = "FILE", description = "Firmware image, e.g. DPS.ino.bin")
    Path bin;

    @Option(names = "--map", required = true, paramLabel = "FILE", description = "Its linker map, e.g. DPS.ino.map")
    Path map;

    @Option(names = "--uds", required = true, paramLabel = "HEX",
            description = "Unique Device Secret: 64 hex characters (as set with set_dps_uds). Never printed.")
    String uds;

    @ArgGroup(exclusive = true, multiplicity = "1")
    IdChoice id;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = ".",
            description = "Folder for <registration id>.pem (default: the current folder; created if missing)")
    Path out;

    /** Catches stray words so picocli does not echo them back: a misplaced UDS would otherwise be printed. */
    @CommandLine.Parameters(hidden = true, arity = "0..*")
    List<String> stray = List.of();

    static final class IdChoice {
        @Option(names = "--registration-id", required = true, paramLabel = "ID",
                description = "Registration id set in the sketch: [a-z0-9-], 1 to 126 characters (64 at most for DPS)")
        String registrationId;

        @ArgGroup(exclusive = false)
        AutoId automatic;
    }

    static final class AutoId {
        @Option(names = "--mac", required = true, paramLabel = "MAC",
                description = "For the automatic id az-<mac>v<x>v<y>v<z>: the board's MAC as the DevKit prints it "
                        + "(a0b1c2d3e4f5) or with separators (a0:b1:c2:d3:e4:f5, A0-B1-…)")
        String mac;

        @Option(names = "--firmware-version", required = true, paramLabel = "X.Y.Z",
                description = "With --mac: the DevKit SDK version the board prints, e.g. 2.0.0")
        String firmwareVersion;
    }

    private static final class InputProblem extends Exception {
        InputProblem(String message) {
            super(message);
        }
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            if (stray != null && !stray.isEmpty()) {
                throw new InputProblem(stray.size() + " unexpected argument(s) or unknown option(s), not shown because "
                        + "one may be a secret. Check the option names; every value needs its option, e.g. --uds <hex>.");
            }
            byte[] udsBytes = identity(() -> Uds.parse(uds), "--uds");
            String registrationId = registrationId();
            byte[] binBytes = read(bin, "--bin firmware image");
            String mapText = new String(read(map, "--map linker map"), StandardCharsets.ISO_8859_1);
            FirmwareImage fw = identity(() -> FirmwareImage.parse(binBytes, mapText), "--map " + map + " (with --bin " + bin + ")");
            DiceIdentity identity = identity(() -> DiceEngine.derive(udsBytes, fw, registrationId), "derivation");
            if (RegistrationIds.exceedsDpsX509Limit(registrationId)) {
                err.println("firstboot cert: warning: the registration id is " + registrationId.length()
                        + " characters; DPS accepts at most 64 for X.509 enrollments (the X.509 limit for a common "
                        + "name), so it will reject this device. The certificate is written anyway.");
            }
            Path file = write(registrationId + ".pem", identity.aliasCertPem());
            spec.commandLine().getOut().println("Writing to the Alias Key Certificate file " + file
                    + " is successful.");
            spec.commandLine().getOut().flush();
            return ExitCodes.PASSED;
        } catch (InputProblem e) {
            err.println("firstboot cert: " + e.getMessage());
            err.println("Try 'firstboot cert --help'.");
            err.flush();
            return ExitCodes.USAGE;
        }
    }

    private String registrationId() throws InputProblem {
        if (id.registrationId != null) {
            identity(() -> {
                RegistrationIds.requireValidForCertificate(id.registrationId);
                return null;
            }, "--registration-id");
            return id.registrationId;
        }
        String mac;
        try {
            mac = dev.firstboot.device.devkit.MacAddress.parse(id.automatic.mac).hex();
        } catch (IllegalArgumentException e) {
            throw new InputProblem("--mac: " + e.getMessage());
        }
        String generated = identity(() -> RegistrationIds.automatic(mac, id.automatic.firmwareVersion),
                "--mac/--firmware-version");
        identity(() -> {
            RegistrationIds.requireValidForCertificate(generated);
            return null;
        }, "--mac/--firmware-version");
        return generated;
    }

    private interface IdentityStep<T> {
        T run() throws IdentityException;
    }

    private static <T> T identity(IdentityStep<T> step, String where) throws InputProblem {
        try {
            return step.run();
        } catch (IdentityException e) {
            throw new InputProblem(where + ": " + e.getMessage());
        }
    }

    private static byte[] read(Path file, String what) throws InputProblem {
        try {
            if (Files.isDirectory(file)) {
                throw new InputProblem(what + " " + file + " is a folder; give the file itself.");
            }
            if (!Files.isRegularFile(file)) {
                throw new InputProblem(what + " " + file + " does not exist (or is not a regular file).");
            }
            long size = Files.size(file);
            if (size > MAX_INPUT_BYTES) {
                throw new InputProblem(what + " " + file + " is " + size + " bytes; a DevKit image and its map are "
                        + "far smaller. Is this the right file?");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InputProblem(what + " " + file + " does not exist.");
        } catch (AccessDeniedException e) {
            throw new InputProblem(what + " " + file + " cannot be read: permission denied.");
        } catch (IOException e) {
            throw new InputProblem(what + " " + file + " cannot be read: " + e.getMessage());
        }
    }

    /** Writes next to the target and renames, so an error never leaves an empty or partial certificate file. */
    private Path write(String name, String pem) throws InputProblem {
        Path dir = out;
        Path target = dir.resolve(name);
        Path temp = null;
        try {
            Files.createDirectories(dir);
            temp = Files.createTempFile(dir, "." + name, ".tmp");
            Files.writeString(temp, pem, StandardCharsets.US_ASCII);
            try {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } catch (IOException e) {
            throw new InputProblem("cannot write " + target + " (--out " + dir + "): " + describe(e)
                    + ". Check that the folder is writable.");
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // Best effort: the temp file is hidden and the error above already tells the user what failed.
                }
            }
        }
    }

    private static String describe(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileAlreadyExistsException) {
            return "a file is in the way of the folder";
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
    }
}
