package io.tunestream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one-command demo, end to end at a reduced size: broker, two workers, the notebook's four methods, results; and
 * its output, a plain log when it goes to a file, one table redrawn in place on a terminal.
 */
class DemoCommandTest {

    private static final String DATA = Path.of(System.getProperty("tunestream.shared.dir", "../../shared"), "data").toString();
    private static final String TABLE_HEADER = "run                              state      progress";

    @TempDir
    Path out;

    private List<String> demo(Path root) {
        return List.of("demo", "--model", "random:tiny@1", "--train-samples", "64", "--eval-every", "4", "--max-length", "32",
                "--workers", "2", "--refresh", "1", "--data-dir", DATA, "--out", root.toString());
    }

    /** Not on a terminal (as here, in-process): a line per change of a run, never a table, and no log lines mixed in. */
    @Test
    @Timeout(300)
    void theDemoRunsTheNotebookComparisonAndPrintsTheResults() throws Exception {
        CliRun demo = CliRun.of(demo(out).toArray(String[]::new));
        assertEquals(0, demo.exitCode(), demo.err() + demo.out());
        String live = demo.out().substring(0, demo.out().indexOf("results, sorted by each task's primary metric"));
        String results = demo.out().substring(live.length());
        for (String method : new String[] {"lora", "dora", "salt", "salt_edora"}) {
            assertTrue(results.lines().anyMatch(l -> l.contains("notebook-" + method + "-") && l.contains("SUCCEEDED")),
                    method + " missing from:\n" + results);
            assertEquals(1, live.lines().filter(l -> l.contains("notebook-" + method + "-") && l.contains("SUCCEEDED")).count(),
                    "one line for " + method + "'s end:\n" + live);
        }
        assertFalse(live.contains(TABLE_HEADER), "a table in the log:\n" + live);
        assertFalse(demo.out().contains(" INFO ") || demo.out().contains(" WARN "), "log lines in the output:\n" + demo.out());
        assertTrue(Files.readString(out.resolve("demo.log")).contains("io.tunestream.worker.service.Worker"), "the workers' log");
        assertTrue(demo.out().contains("worker metrics at http://127.0.0.1:"), demo.out());
        List<String> md = Files.readAllLines(out.resolve("results.md"));
        assertEquals(2 + 4, md.size());
        String lora = md.stream().filter(l -> l.contains("| lora |")).findFirst().orElseThrow();
        assertTrue(lora.contains("| 5.0e-04 | 42 |"), "the learning rate and seed lora ran with: " + lora);
        List<String> reported = ReportPages.runs(out.resolve("report").resolve("index.html"));
        assertEquals(4, reported.size(), "the report page's runs: " + reported);
        assertTrue(md.stream().skip(2).allMatch(l -> reported.contains(l.split(" \\| ")[0].substring(2))), reported + "\n" + md);
    }

    /**
     * On a terminal (a pseudo-terminal made by {@code script}, around the CLI in its own JVM): one table, each
     * redraw going back up over exactly the lines of the one before, with wrapping off while it draws.
     */
    @Test
    @Timeout(300)
    void onATerminalTheTableIsRedrawnInPlace() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        StringBuilder command = new StringBuilder(String.format(Locale.ROOT,
                "exec '%s' -Dai.djl.offline=true -cp '%s' %s", java, System.getProperty("java.class.path"),
                Tunestream.class.getName()));
        demo(out.resolve("run")).forEach(arg -> command.append(" '").append(arg).append('\''));
        Path launch = Files.writeString(out.resolve("demo.sh"), command + "\n");
        Path typescript = out.resolve("terminal.out");
        ProcessBuilder builder = new ProcessBuilder("script", "-qfec", "sh " + launch, "/dev/null")
                .redirectOutput(typescript.toFile()).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE);
        builder.environment().put("OPT_OUT_TRACKING", "true");
        builder.environment().put("TERM", "xterm");
        Process process = builder.start();
        process.getOutputStream().close();
        assertTrue(process.waitFor(240, TimeUnit.SECONDS), "the demo did not end");
        String screen = Files.readString(typescript, StandardCharsets.UTF_8).replace("\r\n", "\n");
        assertEquals(0, process.exitValue(), screen);

        String live = screen.substring(0, screen.indexOf("results, sorted by each task's primary metric"));
        String[] draws = live.split(Pattern.quote(SweepProgress.Redrawn.WRAP_OFF), -1);
        assertTrue(draws.length > 3, "fewer than three tables drawn:\n" + live);
        for (int i = 1; i < draws.length; i++) {
            String drawn = draws[i].substring(0, draws[i].indexOf(SweepProgress.Redrawn.WRAP_ON));
            assertTrue(drawn.contains(TABLE_HEADER), drawn);
            String after = draws[i].substring(drawn.length() + SweepProgress.Redrawn.WRAP_ON.length());
            if (i + 1 < draws.length) {
                Matcher back = Pattern.compile("\u001b\\[(\\d+)F\u001b\\[J").matcher(after);
                assertTrue(back.matches(), "between two draws only the way back up, got: " + after.replace("\u001b", "ESC"));
                assertEquals(drawn.lines().count(), Long.parseLong(back.group(1)), "went back over another number of lines");
            }
        }
        assertFalse(live.contains(" INFO ") || live.contains(" WARN "), "log lines under the table:\n" + live);
        assertTrue(draws[draws.length - 1].lines().filter(l -> l.contains("SUCCEEDED")).count() == 4,
                "the last table shows the four runs finished:\n" + draws[draws.length - 1]);
    }
}
