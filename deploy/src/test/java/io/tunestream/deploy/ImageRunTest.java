package io.tunestream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the images as a container runtime would, without one: the layers laid into a directory, the entry point
 * started there with chroot, in its own mount and PID namespaces with /proc and /dev mounted, with the image's
 * environment and nothing of the host's. So the image's own Java, C libraries and libtorch are what runs. Needs
 * root and util-linux's unshare (CI has both); skipped elsewhere.
 */
class ImageRunTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path work;

    @BeforeAll
    static void canRunContainers() throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean("tunestream.images.skipped"), "images skipped (-Djib.skip)");
        Process probe = new ProcessBuilder("unshare", "--mount", "--pid", "--fork", "true").redirectErrorStream(true).start();
        Assumptions.assumeTrue(probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0,
                "cannot make mount and PID namespaces here (needs root and unshare)");
    }

    @Test
    void workerImageTrainsWithTheLibtorchItCarries() throws Exception {
        Path data = Path.of(System.getProperty("tunestream.shared.dir", "../../shared"), "data").toAbsolutePath();
        Assumptions.assumeTrue(Files.isDirectory(data.resolve("glue-sst2")), "no SST-2 in " + data);
        Image image = Image.extract("worker", work.resolve("worker"));
        // The entry point with `train` for `worker`: the same Java, classpath and flags, and a short run on a tiny
        // random BERT that needs no broker.
        List<String> command = new ArrayList<>(image.entrypoint().subList(0, image.entrypoint().size() - 1));
        command.addAll(List.of("train", "--model", "random:tiny", "--method", "lora", "--max-steps", "2", "--train-samples", "32",
                "--batch-size", "16", "--data-dir", "/data", "--out", "/tmp/run", "--json-summary", "/tmp/summary.json"));
        Result result = image.run(command, data);
        assertEquals(0, result.exitCode(), result.output());
        // the image's java runs with the MKL shim it carries (the host's unshare, mount and chroot, which get the
        // image's environment too, cannot find it at the image's path and say so: that is not the image's doing)
        assertTrue(result.output().contains("libtunestream-mkl.so preloaded"), result.output());
        // and tcmalloc from its bundled runtime
        assertTrue(result.output().contains("allocator: tcmalloc"), result.output());
        JsonNode summary = JSON.readTree(image.root().resolve("tmp/summary.json").toFile());
        assertEquals(2, summary.path("steps").asInt(), summary.toString());
        assertTrue(summary.path("adapterParameters").asLong() > 0, summary.toString());
    }

    @Test
    void coordinatorImageStartsTheCoordinatorCommand() throws Exception {
        Image image = Image.extract("coordinator", work.resolve("coordinator"));
        List<String> command = new ArrayList<>(image.entrypoint());
        command.add("--help");
        Result result = image.run(command, null);
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("Usage: tunestream coordinator"), result.output());
    }

    record Result(int exitCode, String output) {}

    record Image(Path root, List<String> entrypoint, List<String> environment) {

        static Image extract(String name, Path root) throws IOException {
            Path tar = DeployFiles.root().resolve("images").resolve(name).resolve("target/jib-image.tar");
            ImageTar config = ImageTar.read(tar, path -> false);
            ImageTar.extract(tar, root);
            return new Image(root, config.entrypoint(), config.environment());
        }

        /** Runs {@code command} in the image; {@code data}, when given, is mounted read-only at /data. */
        Result run(List<String> command, Path data) throws Exception {
            Files.createDirectories(root.resolve("proc"));
            Files.createDirectories(root.resolve("dev"));
            Files.createDirectories(root.resolve("data"));
            String mounts = "mount --rbind /dev \"$0/dev\"" + (data == null ? "" : " && mount --bind -o ro \"$1\" \"$0/data\"");
            List<String> argv = new ArrayList<>(List.of("unshare", "--kill-child", "--mount", "--pid", "--fork",
                    "--mount-proc=" + root.resolve("proc"), "/bin/sh", "-c", mounts + " && shift && exec chroot \"$0\" \"$@\"",
                    root.toString(), data == null ? "-" : data.toString()));
            argv.addAll(command);
            ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true);
            Map<String, String> env = builder.environment();
            env.clear();
            env.put("HOME", "/root");
            for (String variable : environment) {
                int equals = variable.indexOf('=');
                env.put(variable.substring(0, equals), variable.substring(equals + 1));
            }
            Process process = builder.start();
            byte[] output = process.getInputStream().readAllBytes();
            assertTrue(process.waitFor(5, TimeUnit.MINUTES), "the image's command did not end");
            return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        }
    }
}
