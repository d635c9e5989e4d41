package io.tunestream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MethodsCommandTest {

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void jsonListsEveryMethodWithTheReferenceCounts() throws Exception {
        CliRun run = run("methods", "--json");
        assertEquals(0, run.exitCode(), run.err());
        JsonNode rows = new ObjectMapper().readTree(run.out());
        Map<String, Long> adapters = new HashMap<>();
        for (JsonNode row : rows) {
            String name = row.get("method").asText() + (row.has("tailMode") ? ":" + row.get("tailMode").asText() : "");
            adapters.put(name, row.get("adapterParameters").asLong());
            assertEquals(148_610, row.get("headParameters").asLong(), name);
        }
        assertEquals(110_592L, adapters.get("lora"));
        assertEquals(1_440L, adapters.get("salt_edora:free"));
        assertEquals(1_440L + 18 * 384, adapters.get("salt_edora:polar"));
        assertEquals(22_565_376L, adapters.get("full"));
        assertEquals(0L, adapters.get("head_only"));
        assertEquals(8, rows.size());
    }

    @Test
    void bertBaseReferenceCountsOnARandomModel() throws Exception {
        CliRun run = run("methods", "--json", "--model", "random:bert-base");
        JsonNode rows = new ObjectMapper().readTree(run.out());
        assertEquals(442_368L, rows.get(0).get("adapterParameters").asLong());
        assertEquals(470_016L, rows.get(1).get("adapterParameters").asLong());
        assertEquals(438_336L, rows.get(2).get("adapterParameters").asLong());
        assertEquals(2_880L, rows.get(3).get("adapterParameters").asLong());
    }

    @Test
    void optionsThatDoNotFitAMethodAreExplainedInItsRow() {
        CliRun run = run("methods", "--rank", "200");
        assertEquals(0, run.exitCode());
        assertTrue(run.out().contains("salt_edora (free)  not applicable: salt_edora: rank 200 needs 2r <= min(out, in) = 384"), run.out());
    }

    @Test
    void badInputExitsTwoWithOneClearLine() {
        CliRun model = run("methods", "--model", "bogus");
        assertEquals(2, model.exitCode());
        assertTrue(model.err().startsWith("error: unknown model reference 'bogus'; valid forms:"), model.err());
        CliRun target = run("methods", "--targets", "qery");
        assertEquals(2, target.exitCode());
        assertTrue(target.err().contains("unknown target module 'qery'"), target.err());
        CliRun rank = run("methods", "--rank", "0");
        assertEquals(2, rank.exitCode());
        assertTrue(rank.err().contains("rank must be at least 1, got 0"), rank.err());
    }
}
