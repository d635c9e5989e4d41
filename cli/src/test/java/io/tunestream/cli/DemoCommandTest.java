package io.tunestream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The one-command demo, end to end at a reduced size: broker, two workers, the notebook's four methods, results. */
class DemoCommandTest {

    @TempDir
    Path out;

    @Test
    @Timeout(300)
    void theDemoRunsTheNotebookComparisonAndPrintsTheResults() throws Exception {
        String data = Path.of(System.getProperty("tunestream.shared.dir", "../../shared"), "data").toString();
        CliRun demo = CliRun.of("demo", "--model", "random:tiny@1", "--train-samples", "64", "--eval-every", "4",
                "--max-length", "32", "--workers", "2", "--refresh", "1", "--data-dir", data, "--out", out.toString());
        assertEquals(0, demo.exitCode(), demo.err() + demo.out());
        String results = demo.out().substring(demo.out().indexOf("results, sorted by each task's primary metric"));
        for (String method : new String[] {"lora", "dora", "salt", "salt_edora"}) {
            assertTrue(results.lines().anyMatch(l -> l.contains("notebook-" + method + "-") && l.contains("SUCCEEDED")),
                    method + " missing from:\n" + results);
        }
        assertTrue(demo.out().contains("worker metrics at http://127.0.0.1:"), demo.out());
        assertTrue(demo.out().contains("[####################]"), "the live table never showed a finished run");
        assertEquals(2 + 4, Files.readAllLines(out.resolve("results.md")).size());
    }
}
