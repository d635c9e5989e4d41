package io.tunestream.worker.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.tunestream.worker.TestModels;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.AdapterOptions;
import io.tunestream.worker.model.PretrainedModel;
import io.tunestream.worker.train.AdamW;
import io.tunestream.worker.train.OptimizerStep;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * On a GPU (tag {@code gpu}: excluded from the default build, run by scripts/gpu-check.sh where DJL's CUDA libtorch
 * is installed): every trainable parameter lives on the GPU, and ten optimizer steps with dropout off lose what they
 * lose on the CPU, within float rounding of a different kernel order.
 */
@Tag("gpu")
class GpuTrainingTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"lora", "dora", "full"})
    void tenStepsOnTheGpuLoseWhatTheyLoseOnTheCpu(String method) {
        assertTrue(Engine.getInstance().getGpuCount() > 0, "no GPU: run this through scripts/gpu-check.sh on a GPU machine");
        PretrainedModel tiny = TestModels.tiny().withConfig(TestModels.tiny().config().withDropout(0, 0));
        AdapterOptions options = AdapterOptions.defaults().withRank(4).withDropout(0);
        List<long[]> sequences = TestModels.randomSequences(10 * 16, 64, 5);
        long[] labels = IntStream.range(0, sequences.size()).mapToLong(i -> i % 2).toArray();
        List<Double> cpu = losses(ComputeDevice.parse("cpu"), tiny, method, options, sequences, labels);
        List<Double> gpu = losses(ComputeDevice.parse("cuda:0"), tiny, method, options, sequences, labels);
        for (int step = 0; step < cpu.size(); step++) {
            assertEquals(cpu.get(step), gpu.get(step), 1e-3 * Math.max(1, Math.abs(cpu.get(step))), method + ": loss at step " + (step + 1));
        }
    }

    private static List<Double> losses(ComputeDevice device, PretrainedModel model, String method, AdapterOptions options,
            List<long[]> sequences, long[] labels) {
        List<Double> losses = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager(device.device());
                AdaptedModel adapted = TestModels.build(model, method, options, manager);
                AdamW optimizer = new AdamW(adapted.trainableParameters(), 0.01, adapted.manager())) {
            for (Parameter parameter : adapted.trainableParameters().values()) {
                assertEquals(device.device(), parameter.getArray().getDevice(), parameter.getName());
            }
            for (int step = 0; step < 10; step++) {
                int from = step * 16;
                losses.add(OptimizerStep.run(adapted, optimizer, sequences.subList(from, from + 16),
                        java.util.Arrays.copyOfRange(labels, from, from + 16), 1e-3, 1.0).loss());
            }
            if (device.device().isGpu()) {
                assertTrue(device.memoryUsed().orElseThrow() > 0, "the driver reports memory in use");
            }
        }
        return losses;
    }
}
