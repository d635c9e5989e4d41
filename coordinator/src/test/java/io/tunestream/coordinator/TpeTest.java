package io.tunestream.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tunestream.coordinator.sweep.Distribution;
import io.tunestream.coordinator.sweep.Tpe;
import io.tunestream.schemas.ExperimentField;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * TPE against random search on a known objective of the hyperparameters (no training): a smooth bowl with its best at
 * learning rate 5e-4, dropout 0.1 and rank 8, on the scales a person would search them.
 */
class TpeTest {

    private static final Map<ExperimentField, Distribution> SPACE = new LinkedHashMap<>();

    static {
        SPACE.put(ExperimentField.LEARNING_RATE, new Distribution.LogUniform(1e-5, 1e-1));
        SPACE.put(ExperimentField.DROPOUT, new Distribution.Uniform(0.0, 0.5));
        SPACE.put(ExperimentField.RANK, new Distribution.Choice(List.of(2, 4, 8, 16, 32)));
    }

    private static final int BUDGET = 40;
    private static final int STARTUP = 8;
    private static final int REPETITIONS = 100;

    /** 0 at the best; about -4 at the corners. */
    private static double objective(Map<ExperimentField, Object> values) {
        double lr = ((Number) values.get(ExperimentField.LEARNING_RATE)).doubleValue();
        double dropout = ((Number) values.get(ExperimentField.DROPOUT)).doubleValue();
        double rank = ((Number) values.get(ExperimentField.RANK)).doubleValue();
        double l = Math.log10(lr) - Math.log10(5e-4);
        double r = Math.log(rank) / Math.log(2) - 3;
        return -l * l - 8 * (dropout - 0.1) * (dropout - 0.1) - 0.3 * r * r;
    }

    private static Map<ExperimentField, Object> randomDraw(SplittableRandom random) {
        Map<ExperimentField, Object> values = new LinkedHashMap<>();
        SPACE.forEach((field, distribution) -> values.put(field, distribution.sample(random)));
        return values;
    }

    private static double randomSearch(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double best = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < BUDGET; i++) {
            best = Math.max(best, objective(randomDraw(random)));
        }
        return best;
    }

    private static double tpeSearch(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Tpe.Observation> observed = new ArrayList<>();
        for (int i = 0; i < BUDGET; i++) {
            Map<ExperimentField, Object> next = i < STARTUP ? randomDraw(random) : Tpe.propose(SPACE, observed, random);
            observed.add(new Tpe.Observation(next, objective(next)));
        }
        return observed.stream().mapToDouble(Tpe.Observation::score).max().orElseThrow();
    }

    /**
     * Over 100 searches of 40 evaluations each (8 of them random to start), TPE's best is better than random
     * search's with the same budget and seeds: on average by at least 0.06 on this objective (measured: 0.12), and in
     * at least 70 of the 100 searches (measured: 79).
     */
    @Test
    void tpeFindsBetterConfigurationsThanRandomSearchWithTheSameBudget() {
        double tpeTotal = 0;
        double randomTotal = 0;
        int tpeWins = 0;
        for (long seed = 1; seed <= REPETITIONS; seed++) {
            double tpe = tpeSearch(seed);
            double random = randomSearch(seed);
            tpeTotal += tpe;
            randomTotal += random;
            if (tpe > random) {
                tpeWins++;
            }
        }
        double tpeMean = tpeTotal / REPETITIONS;
        double randomMean = randomTotal / REPETITIONS;
        String summary = String.format(java.util.Locale.ROOT, "TPE mean best %.4f, random %.4f, TPE better in %d of %d",
                tpeMean, randomMean, tpeWins, REPETITIONS);
        System.out.println(summary);
        assertTrue(tpeMean - randomMean >= 0.06, summary);
        assertTrue(tpeWins >= 70, summary);
    }

    /** A proposal depends on what was observed, not on the order it was read in: a restarted coordinator proposes the same. */
    @Test
    void theSameObservationsInAnyOrderGiveTheSameProposal() {
        SplittableRandom history = new SplittableRandom(3);
        List<Tpe.Observation> observed = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Map<ExperimentField, Object> values = randomDraw(history);
            observed.add(new Tpe.Observation(values, objective(values)));
        }
        Map<ExperimentField, Object> throughout = Tpe.propose(SPACE, observed, new SplittableRandom(42));
        List<Tpe.Observation> reread = new ArrayList<>(observed);
        Collections.shuffle(reread, new java.util.Random(5));
        assertEquals(throughout, Tpe.propose(SPACE, reread, new SplittableRandom(42)));
        // each value is one its field takes as it is
        throughout.forEach((field, value) -> assertEquals(value, field.normalise(value, "test"), field + " proposed " + value));
        double lr = ((Number) throughout.get(ExperimentField.LEARNING_RATE)).doubleValue();
        assertTrue(lr >= 1e-5 && lr <= 1e-1, "within its bounds: " + lr);
        assertTrue(List.of(2, 4, 8, 16, 32).contains(throughout.get(ExperimentField.RANK)), "one of the choices");
    }
}
