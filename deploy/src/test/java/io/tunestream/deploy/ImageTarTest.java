package io.tunestream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The image tars that {@code mvn package} builds with Jib (deploy/images): the worker image starts
 * {@code tunestream worker} with libtorch on its classpath, the coordinator image starts {@code tunestream
 * coordinator} and carries no libtorch, and both run DJL offline on a Java runtime that is in the image.
 */
class ImageTarTest {

    private static final String MAIN_CLASS = "io.tunestream.cli.Tunestream";
    private static final String CLASSPATH_FILE = "/app/jib-classpath-file";

    private static ImageTar worker;
    private static ImageTar coordinator;

    @BeforeAll
    static void readImages() throws IOException {
        Assumptions.assumeFalse(Boolean.getBoolean("tunestream.images.skipped"), "images skipped (-Djib.skip)");
        worker = read("worker", path -> path.equals(CLASSPATH_FILE) || path.contains("/pytorch-native-"));
        coordinator = read("coordinator", path -> path.equals(CLASSPATH_FILE) || path.endsWith(".jar"));
    }

    private static ImageTar read(String image, java.util.function.Predicate<String> keep) throws IOException {
        Path tar = DeployFiles.root().resolve("images").resolve(image).resolve("target/jib-image.tar");
        assertTrue(Files.isRegularFile(tar), tar + " was not built: run `mvn package` (the images are built in the package phase)");
        return ImageTar.read(tar, keep);
    }

    @Test
    void workerImageRunsTheWorkerOffline() {
        assertRuns(worker, "worker");
    }

    @Test
    void coordinatorImageRunsTheCoordinatorOffline() {
        assertRuns(coordinator, "coordinator");
    }

    @Test
    void workerImageCarriesLibtorch() {
        List<String> jars = classpath(worker).stream().filter(p -> p.contains("/pytorch-native-")).toList();
        assertEquals(1, jars.size(), "one PyTorch native library on the worker's classpath: " + jars);
        assertTrue(worker.jarHolds(jars.get(0), name -> name.contains("libtorch")), jars.get(0) + " holds no libtorch");
    }

    /** The worker image preloads the MKL shim, as ./tunestream does, from a file the image holds. */
    @Test
    void workerImagePreloadsTheMklShimAndTcmalloc() {
        String preload = worker.environment().stream().filter(v -> v.startsWith("LD_PRELOAD=")).findFirst()
                .map(v -> v.substring("LD_PRELOAD=".length()))
                .orElseThrow(() -> new AssertionError("the worker image sets no LD_PRELOAD: " + worker.environment()));
        List<String> libraries = List.of(preload.split(":"));
        assertTrue(libraries.stream().anyMatch(library -> library.endsWith("/libtunestream-mkl.so")), "LD_PRELOAD=" + preload);
        assertTrue(libraries.stream().anyMatch(library -> library.endsWith("/libtcmalloc_minimal.so.4")), "LD_PRELOAD=" + preload);
        for (String library : libraries) {
            assertTrue(worker.files().containsKey(library), "the worker image preloads " + library + ", which it does not hold");
        }
    }

    @Test
    void coordinatorImageCarriesNoLibtorch() {
        for (String path : coordinator.files().keySet()) {
            assertFalse(path.contains("libtorch") || path.contains("pytorch-native") || path.contains("pytorch-jni"),
                    "the coordinator image holds " + path);
        }
        for (String jar : classpath(coordinator)) {
            if (jar.endsWith(".jar")) {
                assertFalse(coordinator.jarHolds(jar, name -> name.contains("libtorch") || name.contains("djl_torch")),
                        jar + " in the coordinator image holds libtorch");
            }
        }
    }

    /** The entry point is the image's java, offline, running `tunestream COMMAND` with a classpath that is all there. */
    private static void assertRuns(ImageTar image, String command) {
        List<String> entrypoint = image.entrypoint();
        assertEquals(List.of(MAIN_CLASS, command), entrypoint.subList(entrypoint.size() - 2, entrypoint.size()),
                "the entry point must run `tunestream " + command + "`: " + entrypoint);
        assertTrue(image.containerConfig().path("Cmd").isMissingNode() || image.containerConfig().path("Cmd").isNull()
                || image.containerConfig().path("Cmd").isEmpty(), "no default arguments: the orchestrator passes the flags");
        assertTrue(entrypoint.contains("-Dai.djl.offline=true"), "DJL must run offline: " + entrypoint);
        assertTrue(image.environment().contains("OPT_OUT_TRACKING=true"), "DJL's tracking must be off: " + image.environment());
        for (String setting : launcherAllocatorSettings()) {
            assertTrue(image.environment().contains(setting), "the launcher sets " + setting + ", the image does not: " + image.environment());
        }

        ImageTar.LayerFile java = image.files().get(entrypoint.get(0));
        assertTrue(java != null && (java.mode() & 0111) != 0, entrypoint.get(0) + " is not an executable in the image");
        int classpathAt = entrypoint.indexOf("-cp") + 1;
        assertEquals("@" + CLASSPATH_FILE, entrypoint.get(classpathAt));
        for (String entry : classpath(image)) {
            // Jib leaves out /app/classes and /app/resources when they are empty; every jar must be there.
            assertTrue(!entry.endsWith(".jar") || image.files().containsKey(entry), "the classpath names " + entry + ", which is not in the image");
        }
        assertTrue(classpath(image).stream().anyMatch(p -> p.endsWith("/tunestream-cli.jar")), "the command line is not on the classpath");
    }

    /** The surefire configuration trains with the launcher's allocator settings too. */
    @Test
    void testsRunWithTheLaunchersAllocatorSettings() throws Exception {
        String pom = Files.readString(DeployFiles.repositoryRoot().resolve("pom.xml"));
        List<String> settings = launcherAllocatorSettings();
        assertEquals(4, settings.size(), "the launcher's MALLOC_ settings: " + settings);
        for (String setting : settings) {
            String[] nameValue = setting.split("=", 2);
            assertTrue(pom.contains("<" + nameValue[0] + ">" + nameValue[1] + "</" + nameValue[0] + ">"),
                    "pom.xml's surefire environment lacks " + setting);
        }
    }

    /** NAME=VALUE of every {@code export MALLOC_...="${MALLOC_...:-VALUE}"} line of ./tunestream. */
    private static List<String> launcherAllocatorSettings() {
        try {
            Matcher exports = Pattern.compile("export (MALLOC_[A-Z_]+)=\"\\$\\{\\1:-([0-9]+)}\"")
                    .matcher(Files.readString(DeployFiles.repositoryRoot().resolve("tunestream")));
            List<String> settings = new ArrayList<>();
            while (exports.find()) {
                settings.add(exports.group(1) + "=" + exports.group(2));
            }
            return settings;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> classpath(ImageTar image) {
        return List.of(image.text(CLASSPATH_FILE).trim().split(":"));
    }
}
