package io.tunestream.worker.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.tunestream.worker.TestModels;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.AdapterOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The trainer rehearses its largest batch before the first step (forward and backward, nothing updated). The
 * rehearsal must leave no trace: no parameter moves, every gradient is zero, and the next real step computes
 * exactly what it computes without one.
 */
class RehearsalTest {

    private static final List<long[]> LONG_BATCH = TestModels.randomSequences(8, 64, 11);
    private static final List<long[]> BATCH = TestModels.randomSequences(4, 64, 12);
    private static final long[] LONG_LABELS = {0, 1, 1, 0, 1, 0, 0, 1};
    private static final long[] LABELS = {1, 0, 1, 0};

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"lora", "dora", "full"})
    void rehearsalChangesNothingThatFollows(String method) {
        AdapterOptions options = AdapterOptions.defaults().withRank(2).withDropout(0.1);
        try (NDManager manager = NDManager.newBaseManager();
                AdaptedModel rehearsed = TestModels.build(TestModels.tiny(), method, options, manager);
                AdaptedModel plain = TestModels.build(TestModels.tiny(), method, options, manager);
                AdamW rehearsedOptimizer = new AdamW(rehearsed.trainableParameters(), 0.01, rehearsed.manager());
                AdamW plainOptimizer = new AdamW(plain.trainableParameters(), 0.01, plain.manager())) {
            Map<String, float[]> before = values(rehearsed.trainableParameters());
            OptimizerStep.rehearse(rehearsed, rehearsedOptimizer, LONG_BATCH, LONG_LABELS);
            Map<String, float[]> after = values(rehearsed.trainableParameters());
            for (Map.Entry<String, float[]> entry : before.entrySet()) {
                assertArrayEquals(entry.getValue(), after.get(entry.getKey()), method + ": " + entry.getKey() + " moved");
            }
            for (Map.Entry<String, Parameter> entry : rehearsed.trainableParameters().entrySet()) {
                try (NDArray gradient = entry.getValue().getArray().getGradient()) {
                    assertEquals(0f, gradient.abs().max().getFloat(), method + ": gradient of " + entry.getKey() + " kept");
                }
            }

            Engine.getInstance().setRandomSeed(5);
            OptimizerStep withRehearsal = OptimizerStep.run(rehearsed, rehearsedOptimizer, BATCH, LABELS, 1e-3, 1.0);
            Engine.getInstance().setRandomSeed(5);
            OptimizerStep without = OptimizerStep.run(plain, plainOptimizer, BATCH, LABELS, 1e-3, 1.0);
            assertEquals(without.loss(), withRehearsal.loss(), 0, method + ": loss");
            assertEquals(without.gradientNorm(), withRehearsal.gradientNorm(), 1e-6 * without.gradientNorm(), method + ": gradient norm");
            assertTrue(without.gradientNorm() > 0, "the step has gradients");
            Map<String, float[]> stepped = values(rehearsed.trainableParameters());
            Map<String, float[]> reference = values(plain.trainableParameters());
            for (Map.Entry<String, float[]> entry : reference.entrySet()) {
                assertArrayEquals(entry.getValue(), stepped.get(entry.getKey()), 1e-6f, method + ": " + entry.getKey() + " after a step");
            }
        }
    }

    private static Map<String, float[]> values(Map<String, Parameter> parameters) {
        Map<String, float[]> values = new LinkedHashMap<>();
        parameters.forEach((name, parameter) -> values.put(name, parameter.getArray().toFloatArray()));
        return values;
    }
}
