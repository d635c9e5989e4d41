package io.tunestream.worker.adapter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.tunestream.worker.TestModels;
import io.tunestream.worker.Training;
import io.tunestream.worker.checkpoint.AdapterCheckpoint;
import io.tunestream.worker.model.NdArrays;
import io.tunestream.worker.model.PretrainedModel;
import io.tunestream.worker.model.TargetModule;
import io.tunestream.worker.train.AdamW;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The behaviour every method must have, on the tiny random BERT with every projection of every layer as a target
 * (so square and rectangular projections are both covered): identity at initialisation, structural freezing,
 * merge equivalence, exact checkpoint round-trip.
 */
class AdapterPropertiesTest {

    private static final AdapterOptions ALL_TARGETS = AdapterOptions.defaults()
            .withRank(4)
            .withDropout(0.1)
            .withTargets(List.of(TargetModule.values()));
    private static final List<long[]> SEQUENCES = TestModels.randomSequences(6, 128, 11);
    private static final long[] LABELS = Training.labels(6);

    private static NDManager manager;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    static Stream<Arguments> methods() {
        return Stream.concat(
                TestModels.methodVariants(ALL_TARGETS).stream(),
                TestModels.methodVariants(AdapterOptions.defaults()).stream())
                .map(Arguments::of);
    }

    static Stream<Arguments> defaultMethods() {
        return TestModels.methodVariants(AdapterOptions.defaults()).stream().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("methods")
    void isTheIdentityAtInitialisation(String method, AdapterOptions options) {
        assertIdentityAtInitialisation(TestModels.tiny(), method, options, SEQUENCES);
    }

    /** The same on the real default model, whose logits and weights have realistic magnitudes. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("defaultMethods")
    void isTheIdentityAtInitialisationOnMiniLm(String method, AdapterOptions options) {
        assertIdentityAtInitialisation(TestModels.miniLm(), method, options, TestModels.randomSequences(4, 30522, 5));
    }

    private static void assertIdentityAtInitialisation(
            PretrainedModel pretrained, String method, AdapterOptions options, List<long[]> sequences) {
        float[] reference;
        try (AdaptedModel plain = TestModels.build(pretrained, "head_only", options, manager)) {
            reference = TestModels.logits(plain, sequences);
        }
        try (AdaptedModel model = TestModels.build(pretrained, method, options, manager)) {
            if (method.equals("edora")) {
                // EDoRA's published init draws R from normal(0, 1e-5): only nearly the identity. With R = 0 it is exact.
                model.trainableParameters().forEach((name, p) -> {
                    if (name.endsWith("edora_R")) {
                        NdArrays.assign(p.getArray(), new float[Math.toIntExact(p.getArray().size())]);
                    }
                });
            }
            float[] patched = TestModels.logits(model, sequences);
            if (method.equals("full")) {
                assertArrayEquals(reference, patched, 0f);
            }
            assertEquals(reference.length, patched.length);
            for (int i = 0; i < reference.length; i++) {
                assertEquals(reference[i], patched[i], 1e-5, method + " logit " + i);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("methods")
    void oneStepChangesEveryTrainableParameterAndNoFrozenOne(String method, AdapterOptions options) {
        try (AdaptedModel model = TestModels.build(TestModels.tiny(), method, options, manager);
                AdamW optimizer = new AdamW(model.trainableParameters(), 0.01, model.manager())) {
            Map<String, float[]> before = snapshot(model.parameters());
            Training.step(model, optimizer, SEQUENCES, LABELS, 1e-3);
            Map<String, Parameter> after = model.parameters();
            assertFalse(model.trainableParameters().isEmpty());
            for (Map.Entry<String, Parameter> entry : after.entrySet()) {
                float[] now = entry.getValue().getArray().toFloatArray();
                float[] then = before.get(entry.getKey());
                if (entry.getValue().requiresGradient()) {
                    assertFalse(Arrays.equals(then, now), method + ": trainable " + entry.getKey() + " did not change");
                } else {
                    assertArrayEquals(then, now, 0f, method + ": frozen " + entry.getKey() + " changed");
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("methods")
    void mergedWeightsGiveTheUnmergedOutputs(String method, AdapterOptions options) {
        try (AdaptedModel model = TestModels.build(TestModels.tiny(), method, options, manager);
                AdamW optimizer = new AdamW(model.trainableParameters(), 0.0, model.manager())) {
            float[] initial = TestModels.logits(model, SEQUENCES);
            for (int i = 0; i < 4; i++) {
                Training.step(model, optimizer, SEQUENCES, LABELS, 2e-2);
            }
            float[] unmerged = TestModels.logits(model, SEQUENCES);
            assertTrue(maxAbsDifference(initial, unmerged) > 1e-3, method + ": training did not move the model");
            model.mergeAdapters();
            assertTrue(model.trainableParameters().keySet().stream().allMatch(AdaptedModel::isHead) || method.equals("full"),
                    "after merging only the head (or everything, for full) remains trainable");
            float[] merged = TestModels.logits(model, SEQUENCES);
            double scale = Arrays.stream(toDoubles(unmerged)).map(Math::abs).max().orElseThrow();
            double relative = maxAbsDifference(unmerged, merged) / scale;
            assertTrue(relative <= 1e-4, method + ": merged differs from unmerged by " + relative + " relative");
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("methods")
    void checkpointRoundTripsExactly(String method, AdapterOptions options, @TempDir Path directory) throws Exception {
        Path file = directory.resolve("adapter.safetensors");
        Map<String, float[]> trained;
        try (AdaptedModel model = TestModels.build(TestModels.tiny(), method, options, manager);
                AdamW optimizer = new AdamW(model.trainableParameters(), 0.01, model.manager())) {
            Training.step(model, optimizer, SEQUENCES, LABELS, 1e-2);
            Training.step(model, optimizer, SEQUENCES, LABELS, 1e-2);
            trained = snapshot(model.trainableParameters());
            AdapterCheckpoint.save(model, file);
        }
        try (AdaptedModel fresh = AdaptedModel.build(TestModels.tiny(), TestModels.REGISTRY.get(method), options, 99, manager)) {
            Map<String, float[]> initial = snapshot(fresh.trainableParameters());
            assertFalse(equalSnapshots(initial, trained), "a fresh model differs from the trained one before loading");
            AdapterCheckpoint.load(fresh, file);
            Map<String, float[]> restored = snapshot(fresh.trainableParameters());
            assertTrue(equalSnapshots(trained, restored), method + ": restored parameters differ from the saved ones");
            // the restored parameters still train
            try (AdamW optimizer = new AdamW(fresh.trainableParameters(), 0.0, fresh.manager())) {
                Training.step(fresh, optimizer, SEQUENCES, LABELS, 1e-2);
            }
            assertFalse(equalSnapshots(restored, snapshot(fresh.trainableParameters())));
        }
    }

    private static Map<String, float[]> snapshot(Map<String, Parameter> parameters) {
        Map<String, float[]> values = new LinkedHashMap<>();
        parameters.forEach((name, p) -> values.put(name, p.getArray().toFloatArray()));
        return values;
    }

    private static boolean equalSnapshots(Map<String, float[]> a, Map<String, float[]> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        return a.entrySet().stream().allMatch(e -> Arrays.equals(e.getValue(), b.get(e.getKey())));
    }

    private static double maxAbsDifference(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
