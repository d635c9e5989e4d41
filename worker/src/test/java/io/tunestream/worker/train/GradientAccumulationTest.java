package io.tunestream.worker.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.tunestream.worker.TestModels;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.AdapterOptions;
import io.tunestream.worker.data.Batch;
import io.tunestream.worker.data.BatchPlan;
import io.tunestream.worker.model.PretrainedModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Gradient accumulation: with dropout off, three optimizer steps on batches of 32 and the same steps on four
 * micro-batches of 8 each leave the same parameters (1e-5), and report the same losses. The sequences differ in
 * length, so each micro-batch pads to its own longest.
 */
class GradientAccumulationTest {

    private static final int STEPS = 3;
    private static final int BATCH = 32;
    private static final int MICRO = 8;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"lora", "dora", "full"})
    void fourMicroBatchesOfEightStepAsOneBatchOfThirtyTwo(String method) {
        PretrainedModel tiny = TestModels.tiny().withConfig(TestModels.tiny().config().withDropout(0, 0));
        AdapterOptions options = AdapterOptions.defaults().withRank(2).withDropout(0);
        List<long[]> sequences = TestModels.randomSequences(STEPS * BATCH, 64, 21);
        long[] labels = IntStream.range(0, sequences.size()).mapToLong(i -> (i * 7 + i / 3) % 2).toArray();
        try (NDManager manager = NDManager.newBaseManager();
                AdaptedModel whole = TestModels.build(tiny, method, options, manager);
                AdaptedModel accumulated = TestModels.build(tiny, method, options, manager);
                AdamW wholeOptimizer = new AdamW(whole.trainableParameters(), 0.01, whole.manager());
                AdamW accumulatedOptimizer = new AdamW(accumulated.trainableParameters(), 0.01, accumulated.manager())) {
            Map<String, float[]> initial = values(whole.trainableParameters());
            for (int step = 0; step < STEPS; step++) {
                int[] indices = IntStream.range(step * BATCH, (step + 1) * BATCH).toArray();
                OptimizerStep one = OptimizerStep.run(whole, wholeOptimizer, batch(sequences, labels, indices), 1e-2, 1.0);
                List<Batch> micro = new ArrayList<>();
                for (int[] part : BatchPlan.micro(indices, MICRO)) {
                    micro.add(batch(sequences, labels, part));
                }
                assertEquals(BATCH / MICRO, micro.size());
                OptimizerStep four = OptimizerStep.run(accumulated, accumulatedOptimizer, micro, 1e-2, 1.0);
                assertEquals(one.loss(), four.loss(), 1e-5, method + ": loss of step " + (step + 1));
                assertEquals(one.gradientNorm(), four.gradientNorm(), 1e-5 * Math.max(1, one.gradientNorm()),
                        method + ": gradient norm of step " + (step + 1));
            }
            Map<String, float[]> expected = values(whole.trainableParameters());
            Map<String, float[]> actual = values(accumulated.trainableParameters());
            double moved = 0;
            for (Map.Entry<String, float[]> entry : expected.entrySet()) {
                float[] want = entry.getValue();
                float[] got = actual.get(entry.getKey());
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], 1e-5, method + ": " + entry.getKey() + "[" + i + "]");
                    moved = Math.max(moved, Math.abs(want[i] - initial.get(entry.getKey())[i]));
                }
            }
            assertTrue(moved > 1e-3, method + ": the steps moved the parameters (" + moved + ")");
        }
    }

    private static Batch batch(List<long[]> sequences, long[] labels, int[] indices) {
        return Batch.classification(Arrays.stream(indices).mapToObj(sequences::get).toList(),
                Arrays.stream(indices).mapToLong(i -> labels[i]).toArray());
    }

    private static Map<String, float[]> values(Map<String, Parameter> parameters) {
        Map<String, float[]> values = new LinkedHashMap<>();
        parameters.forEach((name, parameter) -> values.put(name, parameter.getArray().toFloatArray()));
        return values;
    }
}
