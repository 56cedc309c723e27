package dev.firstboot.cli;

import dev.firstboot.device.tpm.Swtpm;
import dev.firstboot.device.tpm.TpmDevice;
import dev.firstboot.rig.DeviceException;
import dev.firstboot.suite.ExitCodes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.Callable;

/**
 * {@code firstboot tpm-sim}: a TPM 2.0 simulator (swtpm) with the EK and SRK a DPS device needs, for a person to
 * enroll and to point tpm2-tools or their own client at.
 */
@Command(name = "tpm-sim", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a TPM 2.0 simulator (swtpm) with the EK (0x81010001) and SRK (0x81000001) persisted.",
                "It prints the EK to enroll in DPS, the registration id derived from it, and the TCTI for tpm2-tools.",
                "It runs until its standard input ends (Ctrl-D). State is kept in --state, so the EK survives restarts."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stdin ended and the simulator was stopped", "2:bad usage",
                "4:swtpm could not be started (is it installed? apt-get install swtpm swtpm-tools)"})
final class TpmSimCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Read until it ends; stdin unless a test gives another. */
    InputStream lifetime = System.in;

    @Option(names = "--state", paramLabel = "DIR", required = true,
            description = "Folder for the TPM's state and logs (created if missing); reuse it to keep the same EK")
    Path state;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        Swtpm swtpm;
        try {
            swtpm = Swtpm.start(state, Duration.ofSeconds(10));
        } catch (IOException e) {
            err.println("firstboot tpm-sim: " + e.getMessage());
            return ExitCodes.RIG_ERROR;
        }
        try (swtpm; TpmDevice tpm = TpmDevice.connect(swtpm)) {
            byte[] ek = tpm.endorsementKey();
            tpm.storageRootKey();
            out.println("TPM 2.0 simulator (swtpm) on " + swtpm.host() + ":" + swtpm.port() + ", state in " + state);
            out.println("Registration id: " + tpm.registrationId());
            out.println("Endorsement key (TPM2B_PUBLIC, base64; enroll it in DPS): " + Base64.getEncoder().encodeToString(ek));
            out.println("tpm2-tools: export TPM2TOOLS_TCTI=\"swtpm:host=" + swtpm.host() + ",port=" + swtpm.port() + "\"");
            out.println("Running until standard input ends (Ctrl-D).");
            out.flush();
            byte[] buffer = new byte[256];
            while (lifetime.read(buffer) >= 0) {
                // input is ignored: its end is the signal to stop
            }
            out.println("TPM simulator stopped.");
            return ExitCodes.PASSED;
        } catch (DeviceException e) {
            err.println("firstboot tpm-sim: " + e.getMessage());
            return ExitCodes.RIG_ERROR;
        } catch (IOException e) {
            err.println("firstboot tpm-sim: reading standard input failed: " + e.getMessage());
            return ExitCodes.PASSED;
        }
    }
}
