package io.tunestream.worker.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class EvaluationResultTest {

    @Test
    void accuracyAndMacroF1FromAConfusionMatrix() {
        // label 0: 40 right, 10 wrong; label 1: 30 right, 20 wrong
        EvaluationResult result = EvaluationResult.of(new long[][] {{40, 10}, {20, 30}}, 55.0);
        assertEquals(0.70, result.accuracy(), 1e-12);
        double f1Zero = 2 * (40.0 / 60) * (40.0 / 50) / (40.0 / 60 + 40.0 / 50);
        double f1One = 2 * (30.0 / 40) * (30.0 / 50) / (30.0 / 40 + 30.0 / 50);
        assertEquals((f1Zero + f1One) / 2, result.macroF1(), 1e-12);
        assertEquals(0.55, result.loss(), 1e-12);
        assertEquals(100, result.examples());
    }

    @Test
    void aClassNeverPredictedScoresZeroF1() {
        EvaluationResult result = EvaluationResult.of(new long[][] {{50, 0}, {50, 0}}, 0);
        assertEquals(0.5, result.accuracy(), 1e-12);
        assertEquals((2 * 0.5 * 1 / 1.5) / 2, result.macroF1(), 1e-12);
    }
}
