package dev.firstboot.cli;

import dev.firstboot.bench.RegistrationBench;
import dev.firstboot.suite.ExitCodes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code firstboot bench}: performance measurements of the emulators. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure the emulators' performance. See 'firstboot bench registrations --help'.",
        subcommands = {BenchCommand.Registrations.class})
final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "registrations", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Registration throughput of the DPS emulator, in-process on loopback.",
                    "Enrolls the devices first (X.509: a leaf certificate per device from the run's CA; symmetric key:"
                            + " a key and SAS per device), then registers them with C concurrent clients, each on a"
                            + " fresh TLS connection: register, then poll until assigned (retry-after 0).",
                    "In the same run it measures the bare TLS handshake rate against a listener on the same Netty"
                            + " stack and TLS setup that answers nothing, and reports registration rate / handshake"
                            + " rate against the target of 0.7 (PASS or MISS).",
                    "Reports registrations per second, p50/p95/p99 latency, the CPU time of the emulator's event-loop"
                            + " threads and of the whole process (clients included), peak heap, and the rate as a"
                            + " multiple of the real DPS default quota (1,000 registrations per minute per unit)."},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:every device registered (PASS or MISS is in the output)",
                    "1:some registrations or handshakes failed or ran out of time", "2:bad usage",
                    "4:the emulator could not start"})
    static final class Registrations implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--devices", paramLabel = "N", defaultValue = "1000",
                description = "Devices to enroll and register (default ${DEFAULT-VALUE})")
        int devices;

        @Option(names = "--concurrency", paramLabel = "C", defaultValue = "8",
                description = "Concurrent clients (default ${DEFAULT-VALUE})")
        int concurrency;

        @Option(names = "--attestation", paramLabel = "KIND", defaultValue = "x509",
                description = "x509 or symmetric-key (default ${DEFAULT-VALUE})")
        String attestation;

        @Option(names = "--transport", paramLabel = "T", defaultValue = "https",
                description = "https or mqtt (default ${DEFAULT-VALUE})")
        String transport;

        @Option(names = "--warmup", paramLabel = "N", defaultValue = "200",
                description = "Extra devices registered (and handshakes made) before timing, to warm the JIT"
                        + " (default ${DEFAULT-VALUE})")
        int warmup;

        @Option(names = "--io-threads", paramLabel = "N", defaultValue = "2",
                description = "Emulator event-loop threads (default ${DEFAULT-VALUE}, as the embedded rig)")
        int ioThreads;

        @Option(names = "--deadline", paramLabel = "SECONDS", defaultValue = "600",
                description = "Longest a timed phase may run (default ${DEFAULT-VALUE})")
        int deadlineSeconds;

        @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON to FILE")
        Path json;

        @Override
        public Integer call() throws InterruptedException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            RegistrationBench.Attestation att = switch (attestation) {
                case "x509" -> RegistrationBench.Attestation.X509;
                case "symmetric-key" -> RegistrationBench.Attestation.SYMMETRIC_KEY;
                default -> null;
            };
            RegistrationBench.Transport tr = switch (transport) {
                case "https" -> RegistrationBench.Transport.HTTPS;
                case "mqtt" -> RegistrationBench.Transport.MQTT;
                default -> null;
            };
            String problem = att == null ? "--attestation: expected x509 or symmetric-key, got '" + attestation + "'"
                    : tr == null ? "--transport: expected https or mqtt, got '" + transport + "'"
                    : devices < 1 || devices > 1_000_000 ? "--devices: expected 1 to 1000000, got " + devices
                    : concurrency < 1 || concurrency > 1024 ? "--concurrency: expected 1 to 1024, got " + concurrency
                    : warmup < 0 || warmup > 100_000 ? "--warmup: expected 0 to 100000, got " + warmup
                    : ioThreads < 1 || ioThreads > 64 ? "--io-threads: expected 1 to 64, got " + ioThreads
                    : deadlineSeconds < 1 ? "--deadline: expected at least 1 second, got " + deadlineSeconds
                    : null;
            if (problem != null) {
                err.println("firstboot bench registrations: " + problem);
                err.println("Try 'firstboot bench registrations --help'.");
                return ExitCodes.USAGE;
            }
            RegistrationBench.Result result;
            try {
                result = RegistrationBench.run(new RegistrationBench.Options(devices, concurrency, att, tr, warmup,
                        ioThreads, Duration.ofSeconds(deadlineSeconds)), err);
            } catch (RegistrationBench.BenchFailure e) {
                err.println("firstboot bench registrations: " + e.getMessage());
                return ExitCodes.RIG_ERROR;
            }
            RegistrationBench.printTable(result, out);
            if (json != null) {
                try {
                    RegistrationBench.writeJson(result, json);
                    out.println("figures written to " + json);
                } catch (IOException e) {
                    err.println("firstboot bench registrations: could not write " + json + ": " + e.getMessage()
                            + "; check the folder exists and is writable");
                    return ExitCodes.USAGE;
                }
            }
            return result.complete() ? ExitCodes.PASSED : ExitCodes.FAILED;
        }
    }
}
