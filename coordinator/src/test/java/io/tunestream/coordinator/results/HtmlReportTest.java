package io.tunestream.coordinator.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The report page's summaries, curves and markup; SweepCommandsTest opens a real sweep's page in Chromium. */
class HtmlReportTest {

    private static HtmlReport.Run run(String id, String method, Double best, double wall, List<double[]> losses) {
        return new HtmlReport.Run(id, "SUCCEEDED", "glue-sst2", "accuracy", best, best == null ? null : 10L, best, 1000L, 100L,
                wall, 50.0, null, Map.of("method", method, "learningRate", 5e-4), List.of(), losses);
    }

    @Test
    void eachMethodIsSummarisedByHand() {
        List<HtmlReport.Run> runs = List.of(run("a", "lora", 0.80, 10, List.of()), run("b", "lora", 0.84, 30, List.of()),
                run("c", "lora", 0.82, 20, List.of()), run("d", "dora", 0.90, 40, List.of()), run("e", "dora", null, 60, List.of()));
        List<HtmlReport.MethodSummary> summaries = HtmlReport.methodSummaries(runs);
        assertEquals(List.of("dora", "lora"), summaries.stream().map(HtmlReport.MethodSummary::method).toList(), "best first");
        HtmlReport.MethodSummary lora = summaries.get(1);
        assertEquals(3, lora.runs());
        assertEquals(3, lora.scored());
        assertEquals(0.84, lora.best(), 0.0);
        assertEquals("b", lora.bestRun());
        assertEquals(0.82, lora.mean(), 1e-12);
        // sample standard deviation of 0.80, 0.84, 0.82: sqrt((0.0004 + 0.0004 + 0) / 2) = 0.02
        assertEquals(0.02, lora.sd(), 1e-12);
        assertEquals(20.0, lora.medianWallSeconds(), 0.0);
        assertEquals(1100L, lora.trainableParameters());
        HtmlReport.MethodSummary dora = summaries.get(0);
        assertEquals(2, dora.runs());
        assertEquals(1, dora.scored());
        assertNull(dora.sd(), "one score has no spread");
        assertEquals(50.0, dora.medianWallSeconds(), 0.0, "the median of 40 and 60");
    }

    @Test
    void longCurvesKeepEveryKthPointAndTheLast() {
        List<double[]> curve = new ArrayList<>();
        for (int step = 1; step <= 1000; step++) {
            curve.add(new double[] {step, 1.0 / step});
        }
        List<double[]> kept = HtmlReport.downsampled(curve);
        assertTrue(kept.size() <= HtmlReport.MAX_POINTS && kept.size() > HtmlReport.MAX_POINTS / 2, "kept " + kept.size());
        assertEquals(1.0, kept.get(0)[0]);
        assertEquals(1000.0, kept.get(kept.size() - 1)[0], "the last point stays");
        double stride = kept.get(1)[0] - kept.get(0)[0];
        for (int i = 1; i < kept.size() - 1; i++) {
            assertEquals(stride, kept.get(i)[0] - kept.get(i - 1)[0], "evenly spaced");
        }
        List<double[]> few = curve.subList(0, 50);
        assertEquals(few, HtmlReport.downsampled(few));
    }

    /** Markup in a name cannot end the page's scripts early; the page loads nothing from elsewhere. */
    @Test
    void thePageIsOneFileWhateverTheNames() throws Exception {
        String hostile = "x</script><script>alert(1)</script>";
        String page = HtmlReport.page(hostile, List.of(run(hostile, "lora", 0.8, 1, List.of(new double[] {1, 0.7}))), List.of(),
                Instant.parse("2026-12-03T12:00:00Z"));
        assertEquals(3, count(page, "</script>"), "ECharts, the data, the page's code: three scripts");
        assertFalse(page.contains("<script src") || page.contains("<link"), "a script or style from elsewhere");
        assertTrue(page.contains("<title>x&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; · Tunestream</title>"));
        Matcher data = Pattern.compile("id=\"tunestream-data\">(.*?)</script>", Pattern.DOTALL).matcher(page);
        assertTrue(data.find());
        JsonNode json = new ObjectMapper().readTree(data.group(1));
        assertEquals(hostile, json.path("runs").get(0).path("run").asText(), "the name survives as it was");
        assertEquals("80.00%", json.path("runs").get(0).path("bestText").asText());
        assertEquals("accuracy", json.path("shares").get(0).asText());
        assertEquals("2026-12-03T12:00:00Z", json.path("generated").asText());
        assertTrue(page.contains("Apache ECharts") || page.contains("echarts"), "ECharts inlined");
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
