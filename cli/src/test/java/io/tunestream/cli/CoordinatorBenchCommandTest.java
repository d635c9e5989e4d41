package io.tunestream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code bench-coordinator} on a small history: a coordinator process reads it, becomes ready and reports its memory;
 * the records counted are the ones written; bad counts are refused naming them.
 */
class CoordinatorBenchCommandTest {

    @Test
    @Timeout(240)
    void aCoordinatorProcessReadsTheHistoryAndReportsItsRestartTimeAndMemory() throws Exception {
        CliRun run = CliRun.of("bench-coordinator", "--runs", "0,20", "--steps", "10", "--evaluations", "2", "--log-lines", "3",
                "--json");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode result = new ObjectMapper().readTree(run.out());
        JsonNode rows = result.get("measurements");
        assertEquals(2, rows.size(), result.toString());
        assertEquals(0, rows.get(0).get("historyRecords").asLong());
        // per run: submission, QUEUED, dispatch, RUNNING, 10 steps, 2 evaluations, 3 log lines, SUCCEEDED
        assertEquals(20 * (4 + 10 + 2 + 3 + 1), rows.get(1).get("historyRecords").asLong());
        for (JsonNode row : rows) {
            assertTrue(row.get("readySeconds").asDouble() > 0, row.toString());
            assertTrue(row.get("residentBytes").asLong() > 10L << 20, row.toString());
            assertTrue(row.get("heapAfterGcBytes").asLong() > 1L << 20, row.toString());
        }
    }

    @Test
    void refusesCountsThatDoNotIncrease() {
        CliRun run = CliRun.of("bench-coordinator", "--runs", "100,10");
        assertEquals(ErrorHandler.BAD_INPUT, run.exitCode());
        assertTrue(run.err().contains("--runs needs increasing counts of at least 0, got [100, 10]"), run.err());
    }

    @Test
    void readsTheHeapFromAScrape() {
        String scrape = String.join("\n",
                "jvm_memory_used_bytes{area=\"heap\",id=\"G1 Eden Space\"} 1000.0",
                "jvm_memory_used_bytes{area=\"nonheap\",id=\"Metaspace\"} 5.0E7",
                "jvm_memory_used_bytes{area=\"heap\",id=\"G1 Old Gen\"} 2.5E6");
        assertEquals(2_501_000, CoordinatorBenchCommand.heapUsed(scrape));
    }
}
