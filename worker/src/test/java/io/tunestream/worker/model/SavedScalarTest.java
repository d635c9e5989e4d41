package io.tunestream.worker.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.tunestream.worker.TestModels;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.AdapterOptions;
import io.tunestream.worker.train.Losses;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Gradients do not depend on what the garbage collector does between forward and backward. DJL's
 * {@code NDArray.mul(Number)} wraps the scalar in a tensor over a Java direct buffer and closes it right after the
 * multiplication; autograd keeps that tensor for the backward pass, so once the buffer is collected the backward
 * reads freed memory (it produced a NaN gradient at step 69 of a real run). Here the collector runs and freed
 * memory is refilled with NaN bytes before backward; the gradients must equal those of an undisturbed pass.
 */
class SavedScalarTest {

    @Test
    void gradientsSurviveGarbageCollectionBetweenForwardAndBackward() throws Exception {
        List<long[]> sequences = TestModels.randomSequences(4, 128, 2);
        long[] labels = {0, 1, 1, 0};
        try (NDManager manager = NDManager.newBaseManager();
                AdaptedModel model = TestModels.build(TestModels.tiny(), "lora", AdapterOptions.defaults().withDropout(0), manager)) {
            // give B values so that every path carries gradient
            model.trainableParameters().forEach((name, p) -> {
                if (name.endsWith("lora_B")) {
                    float[] values = new float[Math.toIntExact(p.getArray().size())];
                    java.util.Arrays.fill(values, 0.01f);
                    NdArrays.assign(p.getArray(), values);
                }
            });
            Map<String, float[]> undisturbed = gradients(model, sequences, labels, false);
            for (int attempt = 0; attempt < 3; attempt++) {
                Map<String, float[]> disturbed = gradients(model, sequences, labels, true);
                for (Map.Entry<String, float[]> entry : undisturbed.entrySet()) {
                    assertArrayEquals(entry.getValue(), disturbed.get(entry.getKey()), 1e-6f, entry.getKey());
                }
            }
        }
    }

    private static Map<String, float[]> gradients(AdaptedModel model, List<long[]> sequences, long[] labels, boolean disturb)
            throws InterruptedException {
        Map<String, float[]> gradients = new LinkedHashMap<>();
        try (StepScope scope = model.openStep()) {
            NDList inputs = TokenBatch.of(scope.manager(), sequences);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss = Losses.crossEntropy(model.logits(scope, inputs, false), scope.manager().create(labels));
                if (disturb) {
                    churnDirectMemory();
                }
                collector.backward(loss);
            }
            for (Map.Entry<String, Parameter> entry : model.trainableParameters().entrySet()) {
                NDArray gradient = entry.getValue().getArray().getGradient();
                gradients.put(entry.getKey(), gradient.toFloatArray());
                try (GradMode off = GradMode.disabled()) {
                    gradient.subi(gradient);
                }
            }
        }
        return gradients;
    }

    /** Collects garbage (freeing unreachable direct buffers) and reuses the freed memory for NaN-filled buffers. */
    private static void churnDirectMemory() throws InterruptedException {
        List<ByteBuffer> keep = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            System.gc();
            Thread.sleep(20);
            for (int i = 0; i < 2000; i++) {
                ByteBuffer buffer = ByteBuffer.allocateDirect(4);
                buffer.putFloat(0, Float.NaN);
                keep.add(buffer);
            }
        }
        keep.clear();
    }
}
