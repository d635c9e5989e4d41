package io.tunestream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code ./tunestream} hands the JVM: the heap start for training processes, the preloaded allocator, the
 * offline flag, and one clear message for a bad {@code TUNESTREAM_ALLOCATOR}. The launcher runs from a copy in a
 * directory with a built jar in place (so it builds nothing) and a {@code java} on the PATH that prints what it got;
 * some tests put a stand-in {@code ldconfig} before the system's.
 */
class LauncherTest {

    @TempDir
    Path root;

    @BeforeEach
    void copyTheLauncher() throws IOException {
        Path launcher = root.resolve("tunestream");
        Files.copy(Path.of("..", "tunestream"), launcher);
        launcher.toFile().setExecutable(true);
        Files.createDirectories(root.resolve("cli/target"));
        Files.writeString(root.resolve("cli/target/tunestream-cli.jar"), "");
        Files.writeString(root.resolve("cli/target/classpath.txt"), "deps.jar");
        Path bin = Files.createDirectories(root.resolve("bin"));
        Path java = bin.resolve("java");
        // like the JVM, it writes the class data sharing archive it is asked for as it exits
        Files.writeString(java, "#!/usr/bin/env bash\necho \"ARGS $*\"\necho \"LD_PRELOAD=${LD_PRELOAD:-}\"\n"
                + "for a in \"$@\"; do case $a in -XX:ArchiveClassesAtExit=*) echo archive > \"${a#*=}\";; esac; done\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void trainingCommandsStartWithATouchedHeapAndOthersDoNot() throws Exception {
        for (String command : List.of("train", "bench", "worker")) {
            Result result = launch(Map.of(), command, "--help");
            assertEquals(0, result.exitCode(), result.output());
            assertTrue(result.args().contains("-Xms1g -XX:+AlwaysPreTouch"), command + ": " + result.output());
            assertTrue(result.args().contains("-Dai.djl.offline=true"), result.output());
            assertTrue(result.args().endsWith("io.tunestream.cli.Tunestream " + command + " --help"), result.output());
        }
        for (String command : List.of("status", "coordinator", "demo")) {
            Result result = launch(Map.of(), command);
            assertEquals(0, result.exitCode(), result.output());
            assertTrue(result.args().endsWith("io.tunestream.cli.Tunestream " + command), result.output());
            assertFalse(result.args().contains("-Xms1g"), command + ": " + result.output());
        }
    }

    /**
     * A short command's first run after a build writes its class data sharing archive (under a name of its own, then
     * moved into place); later runs use it; a build makes it stale and the next run writes it again. Training
     * processes and TUNESTREAM_CDS=off get none.
     */
    @Test
    void shortCommandsWriteAndThenUseAClassDataSharingArchiveOfTheirOwn() throws Exception {
        Path archive = root.resolve("cli/target/cds/status.jsa");
        Result first = launch(Map.of(), "status");
        assertEquals(0, first.exitCode(), first.output());
        assertTrue(first.args().matches(".*-XX:ArchiveClassesAtExit=" + archive + "\\.\\d+ .*"), first.output());
        assertTrue(first.args().contains("-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"), first.output());
        assertTrue(Files.isRegularFile(archive), "no archive after the first run");
        assertEquals(List.of("status.jsa"), Files.list(archive.getParent()).map(p -> p.getFileName().toString()).toList());

        Result second = launch(Map.of(), "status", "--help");
        assertTrue(second.args().contains("-XX:SharedArchiveFile=" + archive + " "), second.output());
        assertFalse(second.args().contains("ArchiveClassesAtExit"), second.output());

        Files.setLastModifiedTime(root.resolve("cli/target/tunestream-cli.jar"),
                java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(archive).toMillis() + 5_000));
        Result rebuilt = launch(Map.of(), "status");
        assertTrue(rebuilt.args().contains("-XX:ArchiveClassesAtExit=" + archive + "."), "a stale archive was used: " + rebuilt.output());

        Result off = launch(Map.of("TUNESTREAM_CDS", "off"), "status");
        assertFalse(off.args().contains("Archive"), off.output());
        for (String command : List.of("train", "worker", "eval")) {
            Result heavy = launch(Map.of(), command);
            assertFalse(heavy.args().contains("Archive") || heavy.args().contains("TieredStopAtLevel"), heavy.output());
        }
    }

    @Test
    void aHeapGivenInTheOptionsReplacesTheStart() throws Exception {
        Result result = launch(Map.of("TUNESTREAM_JAVA_OPTS", "-Xmx3g"), "train");
        assertFalse(result.args().contains("-Xms1g"), result.output());
        assertTrue(result.args().contains("-Xmx3g"), result.output());
        // the JVM reads these too, and -Xms1g with a smaller -Xmx there would stop it from starting
        for (String variable : List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS")) {
            Result other = launch(Map.of(variable, "-XX:MaxHeapSize=512m"), "train");
            assertEquals(0, other.exitCode(), other.output());
            assertFalse(other.args().contains("-Xms1g"), variable + ": " + other.output());
        }
    }

    @Test
    void tcmallocFromTheLibraryCacheIsPreloadedUnlessLeftOut() throws Exception {
        // a cache listing past a pipe's 64 KiB, with tcmalloc early in it: the lookup must read to the end
        Path library = fakeLibrary();
        installFakeLdconfig("echo \"3001 libs found in cache\"\n"
                + "echo \"\tlibtcmalloc_minimal.so.4 (libc6,x86-64) => " + library + "\"\n"
                + "for i in $(seq 1 3000); do echo \"\tlibfiller$i.so.1 (libc6,x86-64) => /usr/lib/libfiller$i.so.1\"; done\n");
        Result preloaded = launch(Map.of(), "train");
        assertEquals(0, preloaded.exitCode(), preloaded.output());
        assertTrue(preloaded.preload().contains(library.toString()), preloaded.output());
        Result glibc = launch(Map.of("TUNESTREAM_ALLOCATOR", "glibc"), "train");
        assertEquals(0, glibc.exitCode(), glibc.output());
        assertFalse(glibc.preload().contains("tcmalloc"), glibc.output());
        // an allocator the user preloads already is left alone
        Result jemalloc = launch(Map.of("LD_PRELOAD", "/usr/lib/libjemalloc.so.2"), "train");
        assertFalse(jemalloc.preload().contains("tcmalloc"), jemalloc.output());
    }

    @Test
    void withoutTcmallocTheJvmStartsAndAnExplicitRequestSaysSo() throws Exception {
        installFakeLdconfig("exit 1\n");
        Result quiet = launch(Map.of(), "train");
        assertEquals(0, quiet.exitCode(), quiet.output());
        assertTrue(quiet.args().contains("io.tunestream.cli.Tunestream train"), quiet.output());
        assertFalse(quiet.preload().contains("tcmalloc"), quiet.output());
        assertFalse(quiet.output().contains("not installed"), quiet.output());
        Result asked = launch(Map.of("TUNESTREAM_ALLOCATOR", "tcmalloc"), "train");
        assertEquals(0, asked.exitCode(), asked.output());
        assertTrue(asked.output().contains("TUNESTREAM_ALLOCATOR=tcmalloc, but libtcmalloc_minimal.so.4 is not installed"),
                asked.output());
    }

    @Test
    void anUnknownAllocatorIsRefusedWithTheValidOnes() throws Exception {
        Result result = launch(Map.of("TUNESTREAM_ALLOCATOR", "jemalloc"), "train");
        assertEquals(2, result.exitCode(), result.output());
        assertTrue(result.output().contains("TUNESTREAM_ALLOCATOR='jemalloc'"), result.output());
        assertTrue(result.output().contains("valid: tcmalloc"), result.output());
        assertFalse(result.output().contains("ARGS"), "the JVM must not start: " + result.output());
    }

    private Path fakeLibrary() throws IOException {
        Path library = Files.createDirectories(root.resolve("lib")).resolve("libtcmalloc_minimal.so.4");
        Files.writeString(library, "");
        return library;
    }

    private void installFakeLdconfig(String body) throws IOException {
        Path ldconfig = root.resolve("bin/ldconfig");
        Files.writeString(ldconfig, "#!/usr/bin/env bash\n" + body);
        Files.setPosixFilePermissions(ldconfig, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private Result launch(Map<String, String> environment, String... arguments) throws Exception {
        ProcessBuilder builder = new ProcessBuilder();
        builder.command().add("bash");
        builder.command().add(root.resolve("tunestream").toString());
        builder.command().addAll(List.of(arguments));
        builder.environment().remove("TUNESTREAM_JAVA_OPTS");
        builder.environment().remove("TUNESTREAM_ALLOCATOR");
        builder.environment().remove("LD_PRELOAD");
        builder.environment().remove("JAVA_TOOL_OPTIONS");
        builder.environment().remove("JDK_JAVA_OPTIONS");
        builder.environment().put("PATH", root.resolve("bin") + ":" + System.getenv("PATH"));
        builder.environment().putAll(environment);
        Process process = builder.redirectErrorStream(true).start();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the launcher did not finish in 30 s");
        return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private record Result(int exitCode, String output) {

        String args() {
            return line("ARGS ");
        }

        String preload() {
            return line("LD_PRELOAD=");
        }

        private String line(String prefix) {
            return output.lines().filter(line -> line.startsWith(prefix)).findFirst().orElse("");
        }
    }
}
