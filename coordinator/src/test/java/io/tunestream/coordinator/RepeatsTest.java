package io.tunestream.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tunestream.coordinator.results.Repeats;
import io.tunestream.coordinator.results.Repeats.Outcome;
import io.tunestream.coordinator.results.Repeats.Summary;
import io.tunestream.coordinator.results.Repeats.Verdict;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Configurations over their seeds, against values worked out by hand. Welch's t for two samples of 3 with the same
 * standard deviation s has 2(n - 1) = 4 degrees of freedom, and Student's t with 4 has the closed form
 * F(t) = 1/2 + (3/8) u (1 - t^2 / (12 (1 + t^2/4))), u = t / sqrt(1 + t^2/4); the p-values below come from it (and
 * agree with scipy's ttest_ind(equal_var=False) to 1e-12).
 */
class RepeatsTest {

    private static List<Outcome> runs(String dataset, String lr, double... scores) {
        List<Outcome> outcomes = new ArrayList<>();
        for (double score : scores) {
            outcomes.add(new Outcome(dataset, Map.of("method", "lora", "learningRate", lr), "accuracy", score));
        }
        return outcomes;
    }

    @Test
    void meansSpreadsAndVerdictsMatchTheHandWorkedExample() {
        List<Outcome> outcomes = new ArrayList<>();
        outcomes.addAll(runs("glue-sst2", "5e-4", 0.80, 0.82, 0.81));   // mean 0.81, sd 0.01: the best
        outcomes.addAll(runs("glue-sst2", "1e-3", 0.79, 0.80, 0.81));   // mean 0.80, sd 0.01: t = 1.2247, p = 0.28786
        outcomes.addAll(runs("glue-sst2", "1e-2", 0.70, 0.71, 0.72));   // mean 0.71, sd 0.01: t = 12.247, p = 0.000255
        outcomes.addAll(runs("glue-sst2", "1e-4", 0.90));               // one seed: nothing to test
        outcomes.addAll(runs("glue-stsb", "5e-4", 0.85, 0.86));         // another dataset: its own best
        assertTrue(Repeats.repeated(outcomes));
        List<Summary> summaries = Repeats.summarise(outcomes);
        assertEquals(5, summaries.size());

        Summary single = summaries.get(0);
        assertEquals("learningRate=1e-4", single.label(), "the setting that differs among the dataset's configurations");
        assertEquals(Verdict.BEST, single.verdict(), "the best mean, even of one run");
        // the best mean is one run: the others cannot be tested against it
        List<Summary> sst2 = summaries.stream().filter(s -> s.dataset().equals("glue-sst2")).toList();
        assertTrue(sst2.stream().skip(1).allMatch(s -> s.verdict() == Verdict.UNTESTED), sst2.toString());

        List<Summary> tested = Repeats.summarise(outcomes.stream().filter(o -> !o.settings().get("learningRate").equals("1e-4")
                || !o.dataset().equals("glue-sst2")).toList());
        Summary best = tested.get(0);
        assertEquals("glue-sst2", best.dataset());
        assertEquals(Verdict.BEST, best.verdict());
        assertEquals(0.81, best.mean(), 1e-12);
        assertEquals(0.01, best.sd(), 1e-12);
        assertEquals(3, best.count());
        Summary close = tested.get(1);
        assertEquals("learningRate=1e-3", close.label());
        assertEquals(0.80, close.mean(), 1e-12);
        assertEquals(0.28786413472669, close.pValue(), 1e-9);
        assertEquals(Verdict.TIED, close.verdict(), "p >= 5%: not told apart from the best");
        Summary far = tested.get(2);
        assertEquals(0.000255216749442, far.pValue(), 1e-12);
        assertEquals(Verdict.WORSE, far.verdict());
        Summary stsb = tested.get(3);
        assertEquals("glue-stsb", stsb.dataset());
        assertEquals(Verdict.BEST, stsb.verdict());
        assertEquals(0.855, stsb.mean(), 1e-12);
        assertEquals(Math.sqrt(0.00005), stsb.sd(), 1e-12);
    }

    @Test
    void withoutSpreadEqualMeansTieAndOthersDoNot() {
        List<Outcome> outcomes = new ArrayList<>(runs("d", "a", 0.5, 0.5));
        outcomes.addAll(runs("d", "b", 0.5, 0.5));
        outcomes.addAll(runs("d", "c", 0.4, 0.4));
        List<Summary> summaries = Repeats.summarise(outcomes);
        assertEquals(List.of(Verdict.BEST, Verdict.TIED, Verdict.WORSE), summaries.stream().map(Summary::verdict).toList());
        assertFalse(Repeats.repeated(runs("d", "a", 0.5)), "one run per configuration is no repeat");
    }
}
