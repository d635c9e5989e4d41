package io.tunestream.worker.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDManager;
import io.tunestream.worker.TestModels;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.data.DatasetCatalog;
import io.tunestream.worker.run.Experiment;
import io.tunestream.worker.run.Lineage;
import io.tunestream.worker.run.RunDirectory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A step that runs out of device memory: the run halves its micro-batch (doubling the micro-batches per step) and goes
 * on from the same step with the same examples and schedule, exactly as a run configured with that micro-batch from
 * the start; at one example per micro-batch it gives up with {@link OutOfDeviceMemoryException}. Memory is limited
 * through {@link DeviceMemory}, which throws the exception libtorch itself threw for an allocation this machine
 * cannot make.
 */
class OutOfMemoryRecoveryTest {

    /** What libtorch raised when asked for 1 TiB on this machine's CPU allocator. */
    private static EngineException libtorchOutOfMemory;

    @BeforeAll
    static void exhaustTheAllocatorOnce() {
        libtorchOutOfMemory = TestModels.libtorchOutOfMemory();
    }

    @Test
    void theEnginesOwnOutOfMemoryErrorsAreRecognisedAndNothingElse() {
        assertTrue(DeviceMemory.exhausted(libtorchOutOfMemory), libtorchOutOfMemory.getMessage());
        assertTrue(DeviceMemory.exhausted(new EngineException("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.15 GiB"
                + " total capacity; 77.50 GiB already allocated)")), "CUDA's caching allocator");
        assertFalse(DeviceMemory.exhausted(new EngineException("shape '[8, -1]' is invalid for input of size 3")));
        assertFalse(DeviceMemory.exhausted(new IllegalStateException("loss is NaN")));
    }

    @Test
    void aStepThatRunsOutOfMemoryGoesOnWithHalfTheMicroBatchAsIfConfiguredSo(@TempDir Path temp) throws Exception {
        // batches of 8 where only 2 examples fit at a time: 8 -> 4 -> 2, before the first step (the rehearsal)
        List<String> events = new ArrayList<>();
        List<Double> recovered = train(config(8, 1), temp.resolve("recovered"), micro -> {
            if (micro.size() > 2) {
                throw libtorchOutOfMemory;
            }
        }, events);
        assertEquals(List.of("step 1: 8 -> 4", "step 1: 4 -> 2"), events);
        List<Double> planned = train(config(2, 4), temp.resolve("planned"), DeviceMemory.ENGINE, new ArrayList<>());
        assertEquals(10, recovered.size(), "the schedule of batches of 8: 2 epochs of 5 steps");
        for (int i = 0; i < planned.size(); i++) {
            assertEquals(planned.get(i), recovered.get(i), 1e-6, "loss at step " + (i + 1));
        }
    }

    @Test
    void aStepThatRunsOutOfMemoryMidRunIsRetriedFromItsFirstMicroBatch(@TempDir Path temp) throws Exception {
        // memory runs short at the fourth step's first pass only: that step is retried with 4 x 2, the rest as planned
        List<String> events = new ArrayList<>();
        int[] passes = {0};
        List<Double> recovered = train(config(4, 1), temp.resolve("mid"), micro -> {
            passes[0]++;
            // the rehearsal is pass 1, steps 1 to 3 are passes 2 to 4
            if (passes[0] == 5) {
                throw libtorchOutOfMemory;
            }
        }, events);
        assertEquals(List.of("step 4: 4 -> 2"), events);
        assertEquals(20, recovered.size(), "no step lost or repeated");
        List<Double> whole = train(config(4, 1), temp.resolve("whole"), DeviceMemory.ENGINE, new ArrayList<>());
        for (int i = 0; i < 3; i++) {
            assertEquals(whole.get(i), recovered.get(i), 0.0, "before the shortage, loss at step " + (i + 1));
        }
        // from step 4 on, dropout draws its masks for micro-batches of 2, so the losses are another draw's
        assertTrue(recovered.stream().allMatch(loss -> Double.isFinite(loss) && loss > 0), recovered.toString());
    }

    @Test
    void aStepThatDoesNotFitOneExampleAtATimeFailsAsAResourceFailure(@TempDir Path temp) {
        List<String> events = new ArrayList<>();
        OutOfDeviceMemoryException failure = assertThrows(OutOfDeviceMemoryException.class, () -> train(config(4, 1),
                temp.resolve("never"), micro -> {
                    throw libtorchOutOfMemory;
                }, events));
        assertEquals(List.of("step 1: 4 -> 2", "step 1: 2 -> 1"), events);
        assertTrue(failure.getMessage().startsWith("step 1 does not fit in device memory even one example at a time (maxLength 32"),
                failure.getMessage());
        assertTrue(failure.getMessage().contains("can't allocate memory"), failure.getMessage());
    }

    /** 40 SST-2 examples, two epochs, batches of {@code batchSize} x {@code gradAccum}, dropout on. */
    private static TrainingConfig config(int batchSize, int gradAccum) {
        return new TrainingConfig("random:tiny", "lora", 4, null, 0.1, null, null, 5e-3, batchSize, gradAccum, 2, 0, 0.2, 0.01,
                1.0, 100, 0, 32, 40, 64, 3L, null, null, null, null, null);
    }

    private static List<Double> train(TrainingConfig config, Path runPath, DeviceMemory memory, List<String> events)
            throws Exception {
        Experiment experiment = Experiment.prepare(config, TestModels.REGISTRY, TestModels.CATALOG,
                new DatasetCatalog(Optional.of(TestModels.sharedData())));
        List<Double> losses = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager();
                AdaptedModel model = experiment.buildModel(manager)) {
            new Trainer(model, experiment.config(), experiment.task(), experiment.train(), experiment.dev(),
                    RunDirectory.open(runPath, experiment.config(), Lineage.of(experiment, "cpu")), new TrainingListener() {
                        @Override
                        public void onStep(StepMetrics metrics) {
                            losses.add(metrics.loss());
                        }

                        @Override
                        public void onMicroBatch(long step, int from, int to, String reason) {
                            events.add("step " + step + ": " + from + " -> " + to);
                        }
                    }).withDeviceMemory(memory).run(() -> false);
        }
        return losses;
    }
}
