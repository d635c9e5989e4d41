package io.tunestream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every refusal a newcomer met (issue 22): one line naming the option typed, the value and the reason in words, no Java
 * exception names, exit 2, checked before any work is done, and nothing left behind.
 */
class UserFacingErrorsTest {

    private static final String DATA = Path.of(System.getProperty("tunestream.shared.dir", "../../shared"), "data").toString();

    /** A Java class or exception name in user-facing text: {@code java.nio.file.NoSuchFileException}, {@code IOException}. */
    private static final Pattern JAVA_INTERNALS = Pattern.compile("\\b(java|javax|org|com)\\.[a-z]+\\.|[A-Z]\\w*Exception\\b");

    @TempDir
    static Path temp;

    static Path run;

    /** A short train command; {@code overrides} are option-value pairs that replace the defaults or add to them. */
    private static List<String> train(Path out, String... overrides) {
        return CliRun.arguments("train", new String[] {"--model", "random:tiny", "--method", "lora", "--rank", "4",
            "--train-samples", "32", "--batch-size", "16", "--max-steps", "2", "--eval-every", "2", "--data-dir", DATA,
            "--out", out.toString()}, overrides);
    }

    /** Runs the command line, expecting a refusal (exit 2) with one plain line on stderr. */
    private static String refused(List<String> args) {
        CliRun result = CliRun.of(args.toArray(String[]::new));
        assertEquals(2, result.exitCode(), "exit code of " + args + "; stderr:\n" + result.err());
        String err = result.err().strip();
        assertTrue(err.startsWith("error: "), err);
        assertEquals(1, err.lines().count(), "one line:\n" + err);
        assertFalse(JAVA_INTERNALS.matcher(err).find(), "Java internals in:\n" + err);
        return err;
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @BeforeAll
    static void trainOne() {
        run = temp.resolve("run");
        CliRun trained = CliRun.of(train(run).toArray(String[]::new));
        assertEquals(0, trained.exitCode(), trained.err());
    }

    /** {@code health URL}: exit 0 on a 200 with the answer printed, 1 on a 503 or no answer, with the reason in words. */
    @Test
    void healthExitsZeroOnlyWhenTheEndpointAnswersUp() throws IOException {
        io.tunestream.schemas.Health[] answer = {io.tunestream.schemas.Health.up("idle")};
        try (io.tunestream.worker.metrics.MetricsServer server = io.tunestream.worker.metrics.MetricsServer.start(
                new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT),
                "127.0.0.1", 0).serveHealth(() -> answer[0], () -> answer[0], () -> answer[0])) {
            String url = "http://127.0.0.1:" + server.port() + "/healthz/live";
            CliRun up = CliRun.of("health", url);
            assertEquals(0, up.exitCode(), up.err());
            assertEquals("200 {\"status\":\"up\",\"detail\":\"idle\"}", up.out().strip());
            answer[0] = io.tunestream.schemas.Health.down("the heartbeat loop has not run for 40 s");
            CliRun down = CliRun.of("health", url);
            assertEquals(1, down.exitCode());
            assertTrue(down.out().startsWith("503 {\"status\":\"down\""), down.out());
        }
        String closed = "http://127.0.0.1:" + closedPort() + "/healthz/live";
        CliRun none = CliRun.of("health", closed);
        assertEquals(1, none.exitCode());
        // Java's HTTP client reports a refused connection without the socket's words
        assertEquals("no answer from " + closed + ": cannot connect", none.out().strip());
        assertEquals("error: 'ftp://x/' is not an http://HOST:PORT/PATH address", refused(List.of("health", "ftp://x/")));
    }

    @Test
    void aDeviceTheEngineDoesNotSeeIsRefusedBeforeAnyWork() {
        Path out = temp.resolve("on-a-gpu");
        List<String> args = new ArrayList<>(train(out));
        args.addAll(List.of("--device", "cuda:7"));
        String err = refused(args);
        assertTrue(err.startsWith("error: --device cuda:7: the engine sees ") && err.contains("; valid: cpu"), err);
        assertTrue(Files.notExists(out), "a refused run left " + out);
        assertEquals("error: --device tpu: not a device; valid: cpu", refused(List.of("bench", "--device", "tpu")).replaceAll(
                ", cuda:\\d+", ""));
    }

    @Test
    void outputPathsAreCheckedFirstAndRefusedWithTheReason() throws IOException {
        Path file = Files.writeString(temp.resolve("a-file"), "x");
        assertEquals("error: --out " + file.resolve("hf") + ": cannot create the directory: not a directory",
                refused(List.of("export", "--run-dir", run.toString(), "--format", "hf", "--out", file.resolve("hf").toString())));
        assertEquals("error: --out /proc/tunestream-x: cannot create the directory: no such file or directory",
                refused(List.of("export", "--run-dir", run.toString(), "--format", "hf", "--out", "/proc/tunestream-x")));
        assertEquals("error: --out " + file + ": it is a file, not a directory", refused(train(file)));

        Path fresh = temp.resolve("never-trained");
        long started = System.nanoTime();
        assertEquals("error: --json-summary /proc/summary.json: cannot write it: no such file or directory",
                refused(train(fresh, "--json-summary", "/proc/summary.json")));
        assertTrue(System.nanoTime() - started < 5_000_000_000L, "refused before preparing the model and data");
        assertTrue(Files.notExists(fresh), "a refused run left its directory behind");
        Path summary = temp.resolve("deep/new/summary.json");
        CliRun written = CliRun.of(train(temp.resolve("other"), "--json-summary", summary.toString(), "--max-steps", "1")
                .toArray(String[]::new));
        assertEquals(0, written.exitCode(), written.err());
        assertTrue(Files.isRegularFile(summary), "a summary file in folders that did not exist is written");
    }

    @Test
    void theOptionTypedIsNamedWithTheValueAsTyped() {
        assertEquals("error: --lr must be a positive number, got -1e-4", refused(train(temp.resolve("a"), "--lr", "-1e-4")));
        assertEquals("error: --max-steps must be a whole number, got 'ten'", refused(train(temp.resolve("b"), "--max-steps", "ten")));
        assertEquals("error: --tail-mode polar: tailMode is an option of salt_edora only; method 'lora' has none",
                refused(train(temp.resolve("c"), "--tail-mode", "polar")));
        assertTrue(refused(train(temp.resolve("d"), "--targets", "query,foo"))
                .startsWith("error: --targets query,foo: unknown target module 'foo'; valid targets: query, key, value"));
        assertTrue(refused(List.of("demo", "--methods", "lora,lorra"))
                .startsWith("error: --methods: unknown method 'lorra'; valid methods: lora, dora"));
        assertEquals("error: --train-samples must be at least 0, got -5", refused(List.of("demo", "--train-samples", "-5")));
        for (String name : List.of("a", "b", "c", "d")) {
            assertTrue(Files.notExists(temp.resolve(name)), "a refused run left " + name + " behind");
        }
    }

    @Test
    void resumingAnotherExperimentSaysWhichSettingDiffers() {
        String err = refused(train(run, "--seed", "9", "--lr", "0.01"));
        assertTrue(err.contains("holds another experiment: its learningRate (--lr) is 5.0E-4, not 0.01; its seed (--seed) is 42,"
                + " not 9; choose a new --out directory"), err);
    }

    @Test
    void unreadableDataIsNamedWithTheReason() throws IOException {
        byte[] binary = new byte[4096];
        new java.util.Random(7).nextBytes(binary);
        Path tsv = Files.write(temp.resolve("binary.tsv"), binary);
        assertEquals("error: cannot read " + tsv + ": not UTF-8 text (a binary file, or another encoding)",
                refused(List.of("eval", "--run-dir", run.toString(), "--data", tsv.toString())));
    }

    @Test
    @Timeout(60)
    void aFetchWithoutNetworkSaysSoAndLeavesNothing() throws IOException {
        Path target = temp.resolve("datasets");
        String url = "http://127.0.0.1:" + closedPort() + "/SST-2.zip";
        String err = refused(List.of("data", "fetch", "glue-sst2", "--data-dir", target.toString(), "--url", url));
        assertTrue(err.startsWith("error: cannot download " + url + ": cannot connect"), err);
        assertTrue(err.endsWith("copy the task's train and dev files into " + target.resolve("glue-sst2") + " instead (docs/tasks.md)"), err);
        assertTrue(Files.notExists(target), "a failed fetch left " + target);
    }

    /** With no broker, every command that reads or writes Kafka answers within 10 s, naming the address and the remedy. */
    @Test
    @Timeout(120)
    void withNoBrokerEachKafkaCommandAnswersWithinTenSecondsNamingTheAddress() throws IOException {
        String address = "127.0.0.1:" + closedPort();
        Path sweep = Files.writeString(temp.resolve("one.yaml"), "sweep: one\nbase: {method: lora, model: random:tiny}\n");
        for (List<String> command : List.of(List.of("status"), List.of("results", "one"), List.of("submit", sweep.toString()),
                List.of("cancel", "nosuchrun"), List.of("rerun", "one", "--failed"), List.of("watch", "one"),
                List.of("logs", "one-run"))) {
            List<String> args = new ArrayList<>(command);
            args.addAll(List.of("--bootstrap-servers", address));
            long started = System.nanoTime();
            String err = refused(args);
            double seconds = (System.nanoTime() - started) / 1e9;
            assertEquals("error: no Kafka broker answered at " + address + " (connection refused): start one with"
                    + " './tunestream broker', or give its address with --bootstrap-servers or TUNESTREAM_BOOTSTRAP_SERVERS",
                    err, command.toString());
            assertTrue(seconds < 10, command + " took " + seconds + " s");
        }
        // report takes a sweep or run directories: a name that is neither says so
        assertEquals("error: no Kafka broker answered at " + address + " (connection refused): start one with"
                + " './tunestream broker', or give its address with --bootstrap-servers or TUNESTREAM_BOOTSTRAP_SERVERS;"
                + " and there is no run directory named one", refused(List.of("report", "one", "--bootstrap-servers", address)));
    }
}
