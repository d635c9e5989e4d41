package io.tunestream.worker.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import io.tunestream.schemas.InvalidFieldException;
import io.tunestream.worker.TestModels;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.AdapterOptions;
import io.tunestream.worker.data.Batch;
import io.tunestream.worker.model.GradMode;
import io.tunestream.worker.model.Precision;
import io.tunestream.worker.model.PretrainedModel;
import io.tunestream.worker.model.StepScope;
import io.tunestream.worker.model.TokenBatch;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * fp16 mixed precision (docs/worker.md#precision): the frozen backbone held in float16, the trainable parameters and
 * the optimizer in float32, every method training close to its float32 self, and dynamic loss scaling skipping a step
 * whose gradients overflow.
 */
class MixedPrecisionTest {

    private static final List<String> METHODS = List.of("lora", "dora", "salt", "edora", "salt_edora", "head_only", "full");

    private static PretrainedModel tinyWithoutDropout() {
        return TestModels.tiny().withConfig(TestModels.tiny().config().withDropout(0, 0));
    }

    private static AdaptedModel build(PretrainedModel model, String method, Precision precision, NDManager manager) {
        return AdaptedModel.build(model, TestModels.REGISTRY.get(method), AdapterOptions.defaults().withRank(2).withDropout(0),
                precision, 7, manager);
    }

    @Test
    void fp16HoldsTheFrozenBackboneInHalfTheMemoryAndTrainsInFloat32() {
        try (NDManager manager = NDManager.newBaseManager();
                AdaptedModel single = build(TestModels.tiny(), "lora", Precision.FP32, manager);
                AdaptedModel half = build(TestModels.tiny(), "lora", Precision.FP16, manager)) {
            long expected = 0;
            for (Map.Entry<String, Parameter> entry : half.parameters().entrySet()) {
                NDArray values = entry.getValue().getArray();
                if (entry.getValue().requiresGradient()) {
                    assertEquals(DataType.FLOAT32, values.getDataType(), entry.getKey() + " is trained: float32");
                } else {
                    DataType want = entry.getKey().contains("LayerNorm") ? DataType.FLOAT32 : DataType.FLOAT16;
                    assertEquals(want, values.getDataType(), entry.getKey());
                    expected += values.size() * want.getNumOfBytes();
                }
            }
            assertEquals(expected, half.frozenParameterBytes());
            double ratio = (double) half.frozenParameterBytes() / single.frozenParameterBytes();
            assertTrue(ratio >= 0.5 && ratio < 0.52, "the frozen backbone's bytes in fp16 over fp32: " + ratio);
        }
    }

    @Test
    void aTrainedBackboneKeepsFloat32Weights() {
        try (NDManager manager = NDManager.newBaseManager();
                AdaptedModel full = build(TestModels.tiny(), "full", Precision.FP16, manager)) {
            full.parameters().forEach((name, p) -> assertEquals(DataType.FLOAT32, p.getArray().getDataType(), name));
        }
    }

    @Test
    void fp16LogitsFollowFloat32s() {
        List<long[]> sequences = TestModels.randomSequences(8, 40, 5);
        try (NDManager manager = NDManager.newBaseManager();
                AdaptedModel single = build(TestModels.tiny(), "lora", Precision.FP32, manager);
                AdaptedModel half = build(TestModels.tiny(), "lora", Precision.FP16, manager)) {
            float[] want = logits(single, sequences);
            float[] got = logits(half, sequences);
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 2e-2 * Math.max(1, Math.abs(want[i])), "logit " + i);
            }
        }
    }

    private static float[] logits(AdaptedModel model, List<long[]> sequences) {
        try (GradMode off = GradMode.disabled();
                StepScope scope = model.openStep()) {
            NDArray logits = model.logits(scope, TokenBatch.of(scope.manager(), sequences), false);
            assertEquals(DataType.FLOAT32, logits.getDataType(), "logits come out in float32");
            return logits.toFloatArray();
        }
    }

    /** Every method's fp16 steps lose what its float32 steps lose, within 2e-2, and move the trainable parameters. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"lora", "dora", "salt", "edora", "salt_edora", "head_only", "full"})
    void fp16StepsFollowFloat32Steps(String method) {
        assertTrue(METHODS.contains(method));
        PretrainedModel tiny = tinyWithoutDropout();
        List<long[]> sequences = TestModels.randomSequences(4 * 16, 48, 11);
        long[] labels = IntStream.range(0, sequences.size()).mapToLong(i -> (i * 5 + i / 4) % 2).toArray();
        try (NDManager manager = NDManager.newBaseManager();
                AdaptedModel single = build(tiny, method, Precision.FP32, manager);
                AdaptedModel half = build(tiny, method, Precision.FP16, manager);
                AdamW singleOptimizer = new AdamW(single.trainableParameters(), 0.01, single.manager());
                AdamW halfOptimizer = new AdamW(half.trainableParameters(), 0.01, half.manager())) {
            Map<String, float[]> initial = values(half.trainableParameters());
            LossScaler scaler = LossScaler.dynamic(LossScaler.INITIAL_SCALE, 0);
            for (int step = 0; step < 4; step++) {
                Batch batch = batch(sequences, labels, step * 16, 16);
                double want = OptimizerStep.accumulate(single, List.of(batch), DeviceMemory.ENGINE);
                singleOptimizer.step(1e-2, 1.0);
                double got = OptimizerStep.accumulate(half, List.of(batch), DeviceMemory.ENGINE, scaler.scale());
                double norm = halfOptimizer.step(1e-2, 1.0, scaler);
                assertTrue(Double.isFinite(norm), method + ": step " + step + " did not overflow at scale " + scaler.scale());
                scaler.update(true);
                assertEquals(want, got, 2e-2, method + ": loss of step " + (step + 1));
            }
            double moved = 0;
            for (Map.Entry<String, float[]> entry : values(half.trainableParameters()).entrySet()) {
                float[] start = initial.get(entry.getKey());
                for (int i = 0; i < start.length; i++) {
                    assertTrue(Float.isFinite(entry.getValue()[i]), method + ": " + entry.getKey() + " is finite");
                    moved = Math.max(moved, Math.abs(entry.getValue()[i] - start[i]));
                }
            }
            assertTrue(moved > 1e-3, method + ": fp16 steps moved the trainable parameters (" + moved + ")");
        }
    }

    @Test
    void aStepWhoseScaledGradientsOverflowIsSkippedAndHalvesTheScale() {
        PretrainedModel tiny = tinyWithoutDropout();
        List<long[]> sequences = TestModels.randomSequences(16, 32, 3);
        long[] labels = IntStream.range(0, 16).mapToLong(i -> i % 2).toArray();
        try (NDManager manager = NDManager.newBaseManager();
                AdaptedModel half = build(tiny, "lora", Precision.FP16, manager);
                AdamW optimizer = new AdamW(half.trainableParameters(), 0.01, half.manager())) {
            Map<String, float[]> before = values(half.trainableParameters());
            // a scale far beyond float16's range (65504): the scaled gradients overflow in the float16 backward pass
            LossScaler scaler = LossScaler.dynamic(1e12, 5);
            OptimizerStep.accumulate(half, List.of(batch(sequences, labels, 0, 16)), DeviceMemory.ENGINE, scaler.scale());
            double norm = optimizer.step(1e-2, 1.0, scaler);
            assertFalse(Double.isFinite(norm), "the gradients overflowed: " + norm);
            scaler.update(false);
            assertEquals(5e11, scaler.scale());
            assertEquals(0, scaler.finiteSteps());
            assertEquals(0, optimizer.steps(), "a skipped step is not an optimizer step");
            Map<String, float[]> after = values(half.trainableParameters());
            before.forEach((name, values) -> {
                float[] now = after.get(name);
                for (int i = 0; i < values.length; i++) {
                    assertEquals(values[i], now[i], name + " did not change");
                }
            });
            // the gradients were cleared: the next step at a sane scale updates from its own gradients only
            LossScaler sane = LossScaler.dynamic(LossScaler.INITIAL_SCALE, 0);
            OptimizerStep.accumulate(half, List.of(batch(sequences, labels, 0, 16)), DeviceMemory.ENGINE, sane.scale());
            assertTrue(Double.isFinite(optimizer.step(1e-2, 1.0, sane)));
            assertEquals(1, optimizer.steps());
        }
    }

    @Test
    void theScaleDoublesAfterTwoThousandFiniteStepsAndHalvesOnOverflow() {
        LossScaler scaler = LossScaler.dynamic(LossScaler.INITIAL_SCALE, 0);
        for (int i = 1; i < LossScaler.GROWTH_INTERVAL; i++) {
            scaler.update(true);
        }
        assertEquals(LossScaler.INITIAL_SCALE, scaler.scale());
        scaler.update(true);
        assertEquals(2 * LossScaler.INITIAL_SCALE, scaler.scale());
        assertEquals(0, scaler.finiteSteps());
        scaler.update(true);
        scaler.update(false);
        assertEquals(LossScaler.INITIAL_SCALE, scaler.scale());
        assertEquals(0, scaler.finiteSteps());
        LossScaler none = LossScaler.none();
        none.update(false);
        assertEquals(1, none.scale(), "float32 runs do not scale");
    }

    @Test
    void bf16AndUnknownPrecisionsAreRefusedNamingTheValidOnes() {
        InvalidFieldException bf16 = assertThrows(InvalidFieldException.class, () -> Precision.fromId("bf16"));
        assertEquals("precision", bf16.field());
        assertTrue(bf16.getMessage().contains("bfloat16") && bf16.getMessage().contains("fp32, fp16"), bf16.getMessage());
        InvalidFieldException unknown = assertThrows(InvalidFieldException.class, () -> Precision.fromId("fp8"));
        assertTrue(unknown.getMessage().contains("'fp8'") && unknown.getMessage().contains("fp32, fp16"), unknown.getMessage());
        assertEquals(Precision.FP16, Precision.fromId(" FP16 "));
    }

    private static Batch batch(List<long[]> sequences, long[] labels, int from, int size) {
        return Batch.classification(sequences.subList(from, from + size),
                java.util.Arrays.copyOfRange(labels, from, from + size));
    }

    private static Map<String, float[]> values(Map<String, Parameter> parameters) {
        Map<String, float[]> values = new LinkedHashMap<>();
        parameters.forEach((name, parameter) -> values.put(name, parameter.getArray().toFloatArray()));
        return values;
    }
}
