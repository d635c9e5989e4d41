package io.tunestream.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tunestream.coordinator.sweep.Distribution;
import io.tunestream.coordinator.sweep.InvalidSweepException;
import io.tunestream.coordinator.sweep.PlannedRun;
import io.tunestream.coordinator.sweep.Sweep;
import io.tunestream.coordinator.sweep.SweepPlanner;
import io.tunestream.schemas.ExperimentField;
import io.tunestream.schemas.ExperimentRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.Collectors;
import org.apache.commons.math3.distribution.UniformRealDistribution;
import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sampled search spaces and repeated seeds in sweep files (docs/sweeps.md). */
class SweepSearchTest {

    private static final String SEARCH = """
            sweep: search
            base:
              model: minilm-l6
              trainSamples: 2000
            grid:
              method: [lora, salt_edora]
            search:
              samples: 6
              seed: 7
              space:
                learningRate: {loguniform: [1.0e-5, 1.0e-2]}
                rank: {choice: [4, 8, 16]}
                dropout: {uniform: [0.0, 0.2]}
                batchSize: {int: [8, 64]}
                evalEvery: {qloguniform: [50, 500, 50]}
                tailMode: {choice: [free, polar]}
            repeats: 3
            """;

    /** Draws per goodness-of-fit test; the tests reject at 0.1%, so a correct sampler fails about once in 1,000 runs of each. */
    private static final int DRAWS = 20_000;
    private static final double LEVEL = 0.001;

    @TempDir
    Path dir;

    private List<PlannedRun> plan(String text) throws IOException {
        return SweepPlanner.plan(Sweep.read(Files.writeString(dir.resolve("sweep.yaml"), text)), Instant.EPOCH);
    }

    @Test
    void theSameFileAlwaysPlansTheSameRunsAndAnotherSeedOthers() throws IOException {
        List<PlannedRun> runs = plan(SEARCH);
        assertEquals(2 * 6 * 3, runs.size(), "2 methods x 6 samples x 3 repeats");
        List<String> ids = runs.stream().map(PlannedRun::runId).toList();
        assertEquals(ids, plan(SEARCH).stream().map(PlannedRun::runId).toList(), "planned again");
        assertEquals(ids.size(), ids.stream().distinct().count(), "run ids are unique");
        List<String> reseeded = plan(SEARCH.replace("seed: 7", "seed: 8")).stream().map(PlannedRun::runId).toList();
        assertTrue(reseeded.stream().noneMatch(ids::contains), "another search seed draws other configurations");
        // a value is read as written: 4 significant digits
        runs.forEach(run -> {
            double lr = run.request().getTraining().getLearningRate();
            assertTrue(lr >= 1e-5 && lr <= 1e-2, "learning rate out of its range: " + lr);
            assertEquals(lr, new java.math.BigDecimal(lr).round(new java.math.MathContext(4)).doubleValue(), 0, "rounded");
        });
    }

    /** salt_edora's tail mode is drawn for salt_edora's runs only; lora's requests never carry it. */
    @Test
    void aFieldOfOneMethodIsSampledOnlyForThatMethod() throws IOException {
        List<PlannedRun> runs = plan(SEARCH);
        for (PlannedRun run : runs) {
            String tail = run.request().getAdapter().getTailMode();
            if (run.request().getMethod().name().equals("lora")) {
                assertNull(tail, run.runId());
                assertTrue(!run.settings().containsKey(ExperimentField.TAIL_MODE), run.runId());
            } else {
                assertTrue(List.of("free", "polar").contains(tail), run.runId() + ": " + tail);
            }
        }
    }

    @Test
    void repeatsRunEachConfigurationWithConsecutiveSeeds() throws IOException {
        Map<String, List<Long>> seeds = new TreeMap<>();
        for (PlannedRun run : plan(SEARCH)) {
            seeds.computeIfAbsent(SweepPlanner.configuration(run.settings()), k -> new java.util.ArrayList<>())
                    .add(run.request().getSeed());
        }
        assertEquals(12, seeds.size(), "2 x 6 configurations");
        seeds.values().forEach(s -> assertEquals(List.of(42L, 43L, 44L), s, "the default seed, then the next two"));
        List<Long> fromBase = plan(SEARCH.replace("trainSamples: 2000", "trainSamples: 2000\n  seed: 7"))
                .stream().limit(3).map(r -> r.request().getSeed()).toList();
        assertEquals(List.of(7L, 8L, 9L), fromBase, "base.seed is the first seed");
    }

    @Test
    void drawsFollowTheirDistributions() {
        SplittableRandom random = new SplittableRandom(11);
        KolmogorovSmirnovTest ks = new KolmogorovSmirnovTest();

        double[] uniform = draws(new Distribution.Uniform(0.0, 0.2), random, x -> x);
        assertTrue(ks.kolmogorovSmirnovTest(new UniformRealDistribution(0.0, 0.2), uniform) > LEVEL, "uniform");

        double[] logs = draws(new Distribution.LogUniform(1e-5, 1e-2), random, Math::log10);
        assertTrue(ks.kolmogorovSmirnovTest(new UniformRealDistribution(-5, -2), logs) > LEVEL, "log-uniform: log10 is uniform");

        assertUniformCounts(draws(new Distribution.IntUniform(8, 64), random, x -> x), 8, 64, 1);
        assertUniformCounts(draws(new Distribution.Choice(List.of(4, 8, 16)), random, x -> x), 0, 0, 0);

        // q-log-uniform: each multiple of 50 takes the log-uniform mass of the values that round to it
        double[] q = draws(new Distribution.QLogUniform(50, 500, 50), random, x -> x);
        Map<Double, Long> counts = java.util.Arrays.stream(q).boxed().collect(Collectors.groupingBy(x -> x, TreeMap::new, Collectors.counting()));
        double span = Math.log(500) - Math.log(50);
        double[] expected = new double[10];
        long[] observed = new long[10];
        for (int i = 0; i < 10; i++) {
            double value = 50 * (i + 1);
            double low = Math.max(50, value - 25);
            double high = Math.min(500, value + 25);
            expected[i] = DRAWS * (Math.log(high) - Math.log(low)) / span;
            observed[i] = counts.getOrDefault(value, 0L);
        }
        assertEquals(DRAWS, java.util.Arrays.stream(observed).sum(), "every draw is a multiple of 50 in [50, 500]: " + counts);
        assertTrue(new ChiSquareTest().chiSquareTest(expected, observed) > LEVEL, "q-log-uniform: " + counts);
    }

    private static double[] draws(Distribution distribution, SplittableRandom random, DoubleUnaryOperator transform) {
        double[] values = new double[DRAWS];
        for (int i = 0; i < DRAWS; i++) {
            values[i] = transform.applyAsDouble(((Number) distribution.sample(random)).doubleValue());
        }
        return values;
    }

    /** Every value of [low, high] in steps of {@code step} (or each distinct value, for step 0) equally often. */
    private static void assertUniformCounts(double[] values, int low, int high, int step) {
        TreeMap<Double, Long> counts = java.util.Arrays.stream(values).boxed()
                .collect(Collectors.groupingBy(x -> x, TreeMap::new, Collectors.counting()));
        if (step > 0) {
            assertEquals((high - low) / step + 1, counts.size(), "values drawn: " + counts.keySet());
            assertEquals(low, counts.firstKey(), 0);
            assertEquals(high, counts.lastKey(), 0);
        }
        long[] observed = counts.values().stream().mapToLong(Long::longValue).toArray();
        double[] expected = new double[observed.length];
        java.util.Arrays.fill(expected, (double) DRAWS / observed.length);
        assertTrue(new ChiSquareTest().chiSquareTest(expected, observed) > LEVEL, "counts: " + counts);
    }

    @Test
    void badSearchesAreRefusedNamingTheField() throws IOException {
        String space = "search:\n  samples: 4\n  space:\n    learningRate: {loguniform: [1.0e-5, 1.0e-2]}\n";
        String base = "sweep: s\nbase: {method: lora}\n";
        assertRefused(base + space.replace("samples: 4", "samples: 0"), "search.samples must be a whole number from 1 to 10000, got 0");
        assertRefused(base + space.replace("loguniform: [1.0e-5", "loguniform: [0"),
                "search.space.learningRate.loguniform must be a positive number, got 0.0");
        assertRefused(base + space.replace("learningRate: {loguniform: [1.0e-5, 1.0e-2]}", "dropout: {loguniform: [0, 0.1]}"),
                "search.space.dropout.loguniform: a log scale needs a positive low bound, got 0.0");
        assertRefused(base + space.replace("loguniform", "lognormal"), "unknown distribution 'lognormal'");
        assertRefused(base + space.replace("[1.0e-5, 1.0e-2]", "[1.0e-2, 1.0e-5]"), "the low bound 0.01 must be below the high 1.0E-5");
        assertRefused(base + space.replace("learningRate: {loguniform: [1.0e-5, 1.0e-2]}", "rank: {uniform: [1, 8]}"),
                "rank is a whole number; use {int: [LOW, HIGH]}");
        assertRefused(base + space.replace("learningRate: {loguniform: [1.0e-5, 1.0e-2]}", "rank: {int: [0, 8]}"),
                "search.space.rank.int must be at least 1, got 0");
        assertRefused(base + space.replace("learningRate: {loguniform: [1.0e-5, 1.0e-2]}", "method: {choice: [lora, vera]}"),
                "unknown method 'vera'");
        assertRefused(base + space.replace("learningRate:", "learningrate:"), "search.space: unknown field 'learningrate'");
        assertRefused("sweep: s\nbase: {method: lora, learningRate: 0.001}\n" + space, "search.space.learningRate is also set in base");
        assertRefused(base + "repeats: 3\ngrid: {seed: [1, 2]}\n", "repeats chooses each run's seed");
        assertRefused(base + "repeats: 0\n", "repeats must be a whole number from 1 to 100, got 0");
        assertRefused(base + "search: {samples: 3}\n", "search.space must map at least one field to a distribution");
        assertRefused(base + space + "  algorithm: bayes\n", "search.algorithm: unknown algorithm 'bayes'; valid: random (the default), tpe");
        assertRefused(base + space + "  startup: 2\n", "search.startup is for algorithm: tpe");
        assertRefused(base + space + "  algorithm: tpe\n  startup: 5\n", "search.startup must be a whole number from 1 to samples (4), got 5");
        assertRefused(base + "grid: {rank: [4, 8]}\nsearch:\n  samples: 5001\n  space: {dropout: {uniform: [0, 0.1]}}\n",
                "2 grid combinations x 5001 samples x 1 repeats = 10002 runs; a sweep may have at most 10000");
    }

    private void assertRefused(String text, String expected) throws IOException {
        InvalidSweepException e = assertThrows(InvalidSweepException.class, () -> plan(text));
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }

    /** The sweep files the README and docs/sweeps.md point to are valid, and plan what docs/sweeps.md says. */
    @Test
    void everyExampleSweepPlans() throws IOException {
        try (var files = Files.list(Path.of("..", "examples"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                assertTrue(!SweepPlanner.plan(Sweep.read(file), Instant.EPOCH).isEmpty(), file.toString());
            }
        }
        assertEquals(48, SweepPlanner.plan(Sweep.read(Path.of("..", "examples", "search-sweep.yaml")), Instant.EPOCH).size());
    }

    /** A TPE search is planned with its random start only: the coordinator proposes the rest (TpeSearchTest). */
    @Test
    void aTpeSearchPlansItsRandomStart() throws IOException {
        String tpe = SEARCH.replace("samples: 6", "samples: 6\n  algorithm: tpe\n  startup: 2").replace("repeats: 3\n", "");
        assertEquals(2 * 2, plan(tpe).size(), "2 methods x a random start of 2");
        assertEquals(2 * Math.min(6, 8), plan(tpe.replace("  startup: 2\n", "")).size(), "the start is 8 draws at most");
        Sweep sweep = Sweep.read(Files.writeString(dir.resolve("tpe.yaml"), tpe));
        assertEquals(sweep, Sweep.fromDefinition(Sweep.definition(dir.resolve("tpe.yaml"))), "its definition reads back");
    }

    @Test
    void aGridAloneIsPlannedAsBefore() throws IOException {
        String grid = "sweep: g\nbase: {method: lora}\ngrid: {rank: [4, 8]}\n";
        List<PlannedRun> runs = plan(grid);
        assertEquals(2, runs.size());
        ExperimentRequest first = runs.get(0).request();
        assertEquals(4, first.getAdapter().getRank());
        assertNull(first.getSeed(), "no repeats: the seed is left to the run's default");
        assertNotEquals(runs.get(0).runId(), runs.get(1).runId());
    }
}
