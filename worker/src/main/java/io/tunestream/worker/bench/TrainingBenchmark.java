package io.tunestream.worker.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.AdapterMethod;
import io.tunestream.worker.adapter.AdapterOptions;
import io.tunestream.worker.data.Batch;
import io.tunestream.worker.data.BatchPlan;
import io.tunestream.worker.data.EncodedDataset;
import io.tunestream.worker.model.GradMode;
import io.tunestream.worker.model.NdArrays;
import io.tunestream.worker.model.Precision;
import io.tunestream.worker.model.PretrainedModel;
import io.tunestream.worker.task.Task;
import io.tunestream.worker.train.AdamW;
import io.tunestream.worker.train.DeviceMemory;
import io.tunestream.worker.train.Evaluator;
import io.tunestream.worker.train.LossScaler;
import io.tunestream.worker.train.OptimizerStep;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The measurements behind {@code tunestream bench}, all in one process so that they can be compared as ratios on a
 * shared, noisy machine: the libtorch matrix-multiply rate, training-step times per method at fixed shapes and on
 * real SST-2 batches, the padding ratio, evaluation throughput with merged and unmerged adapters, and memory growth.
 */
public final class TrainingBenchmark {

    /** Median of timed repetitions after warm-up. */
    public record Timing(double medianMillis, double p10Millis, double p90Millis) {}

    private final PretrainedModel pretrained;
    private final int warmup;
    private final int repetitions;

    public TrainingBenchmark(PretrainedModel pretrained, int warmup, int repetitions) {
        this.pretrained = pretrained;
        this.warmup = warmup;
        this.repetitions = repetitions;
    }

    /** GFLOP/s of a (1024 x 384) by (384 x 1536) float multiplication, the shape of MiniLM's feed-forward. */
    public double matmulGflops(NDManager parent) {
        try (NDManager manager = parent.newSubManager()) {
            NDArray a = manager.randomNormal(new Shape(1024, 384));
            NDArray b = manager.randomNormal(new Shape(384, 1536));
            // libtorch runs CPU operations synchronously: the product is complete when matMul returns. One product
            // takes a few milliseconds, so take many: a handful was seen to halve the median on a noisy machine.
            Timing timing = time(Math.max(200, 3 * repetitions), () -> {
                try (NDManager scope = manager.newSubManager()) {
                    scope.tempAttachAll(a, b);
                    a.matMul(b);
                }
            });
            return 2.0 * 1024 * 384 * 1536 / (timing.medianMillis() * 1e6);
        }
    }

    /**
     * One training step's time at a fixed shape with random token ids, without any dropout: the conditions of the
     * PyTorch reference benchmark ({@code shared/bench/torch_reference.py}), which has none.
     */
    public Timing fixedShapeStep(AdapterMethod method, AdapterOptions options, int batch, int length, NDManager manager) {
        return fixedShapeStep(method, options, Precision.FP32, batch, length, manager).timing();
    }

    /** A fixed-shape step's time in a precision, with the bytes its model's frozen parameters take. */
    public record PrecisionStep(Timing timing, long frozenParameterBytes) {}

    /**
     * As {@link #fixedShapeStep(AdapterMethod, AdapterOptions, int, int, NDManager)} in {@code precision}; fp16 steps
     * scale their loss as a run does.
     */
    public PrecisionStep fixedShapeStep(AdapterMethod method, AdapterOptions options, Precision precision, int batch,
            int length, NDManager manager) {
        PretrainedModel withoutDropout = pretrained.withConfig(pretrained.config().withDropout(0, 0));
        Random random = new Random(1);
        List<long[]> sequences = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            long[] ids = new long[length];
            for (int t = 0; t < length; t++) {
                ids[t] = 1000 + random.nextInt(20000);
            }
            sequences.add(ids);
        }
        long[] labels = new long[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = i % 2;
        }
        try (AdaptedModel model = AdaptedModel.build(withoutDropout, method, options.withDropout(0), precision, 1, manager);
                AdamW optimizer = new AdamW(model.trainableParameters(), 0.01, model.manager())) {
            LossScaler scaler = precision.scalesLoss() ? LossScaler.dynamic(LossScaler.INITIAL_SCALE, 0) : LossScaler.none();
            Batch batchOfSequences = Batch.classification(sequences, labels);
            Timing timing = time(repetitions, () -> {
                OptimizerStep.accumulate(model, List.of(batchOfSequences), DeviceMemory.ENGINE, scaler.scale());
                scaler.update(Double.isFinite(optimizer.step(1e-5, 1.0, scaler)));
            });
            return new PrecisionStep(timing, model.frozenParameterBytes());
        }
    }

    /**
     * The forward and backward time of one product of MiniLM's feed-forward shape, (1024 x 384) by (1536 x 384)^T, in
     * {@code precision}, the input needing its gradient as in training: libtorch's CPU kernels differ by type, and a
     * training step is mostly such products.
     *
     * @return median forward and backward milliseconds
     */
    public double[] linearMillis(Precision precision, NDManager parent) {
        try (NDManager manager = parent.newSubManager()) {
            NDArray weight = NdArrays.cast(manager.randomNormal(new Shape(1536, 384)), precision.activations());
            int count = Math.max(5, repetitions);
            double[] forward = new double[count];
            double[] backward = new double[count];
            for (int i = -2; i < count; i++) {
                try (NDManager scope = manager.newSubManager()) {
                    scope.tempAttachAll(weight);
                    NDArray x = NdArrays.cast(scope.randomNormal(new Shape(1024, 384)), precision.activations());
                    x.setRequiresGradient(true);
                    try (GradMode recording = GradMode.enabled()) {
                        long started = System.nanoTime();
                        NDArray y = NdArrays.linear(x, weight, null);
                        long computed = System.nanoTime();
                        GradMode.backward(y.sum());
                        long back = System.nanoTime();
                        if (i >= 0) {
                            forward[i] = (computed - started) / 1e6;
                            backward[i] = (back - computed) / 1e6;
                        }
                    }
                }
            }
            Arrays.sort(forward);
            Arrays.sort(backward);
            return new double[] {forward[count / 2], backward[count / 2]};
        }
    }

    /** Samples per second over the first {@code steps} real training batches of an epoch (after warm-up). */
    public double realBatchSamplesPerSecond(AdapterMethod method, AdapterOptions options, EncodedDataset train, int batchSize,
            int steps, NDManager manager) {
        List<int[]> plan = BatchPlan.training(train, batchSize, 42, 0);
        try (AdaptedModel model = AdaptedModel.build(pretrained, method, options, 1, manager);
                AdamW optimizer = new AdamW(model.trainableParameters(), 0.01, model.manager())) {
            for (int i = 0; i < warmup; i++) {
                runBatch(model, optimizer, train, plan.get(plan.size() - 1 - i));
            }
            long examples = 0;
            long started = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                runBatch(model, optimizer, train, plan.get(i));
                examples += plan.get(i).length;
            }
            return examples / ((System.nanoTime() - started) / 1e9);
        }
    }

    /** Dev examples per second for a LoRA model evaluated as it trains (unmerged) and after merging. */
    public double[] evaluationThroughput(AdapterMethod method, AdapterOptions options, EncodedDataset dev, NDManager manager) {
        try (AdaptedModel model = AdaptedModel.build(pretrained, method, options, 1, manager)) {
            Evaluator.evaluate(model, Task.BINARY, dev, 64);
            long started = System.nanoTime();
            Evaluator.evaluate(model, Task.BINARY, dev, 64);
            double unmerged = dev.size() / ((System.nanoTime() - started) / 1e9);
            model.mergeAdapters();
            Evaluator.evaluate(model, Task.BINARY, dev, 64);
            started = System.nanoTime();
            Evaluator.evaluate(model, Task.BINARY, dev, 64);
            double merged = dev.size() / ((System.nanoTime() - started) / 1e9);
            return new double[] {unmerged, merged};
        }
    }

    /** Resident set size after {@code firstMark} and after {@code secondMark} steps on real batches. */
    public long[] residentMemory(AdapterMethod method, AdapterOptions options, EncodedDataset train, int batchSize,
            int firstMark, int secondMark, NDManager manager) {
        List<int[]> plan = BatchPlan.training(train, batchSize, 42, 0);
        long[] marks = new long[2];
        try (AdaptedModel model = AdaptedModel.build(pretrained, method, options, 1, manager);
                AdamW optimizer = new AdamW(model.trainableParameters(), 0.01, model.manager())) {
            // as the trainer does before its first step
            int[] largest = BatchPlan.largest(train, plan);
            OptimizerStep.rehearse(model, optimizer, train.batch(largest));
            for (int step = 1; step <= secondMark; step++) {
                runBatch(model, optimizer, train, plan.get((step - 1) % plan.size()));
                if (step == firstMark) {
                    marks[0] = ProcessMemory.residentBytes();
                }
            }
            marks[1] = ProcessMemory.residentBytes();
        }
        return marks;
    }

    private void runBatch(AdaptedModel model, AdamW optimizer, EncodedDataset data, int[] batch) {
        OptimizerStep.run(model, optimizer, data.batch(batch), 1e-5, 1.0);
    }

    private Timing time(int count, Runnable action) {
        for (int i = 0; i < warmup; i++) {
            action.run();
        }
        double[] millis = new double[count];
        for (int i = 0; i < count; i++) {
            long started = System.nanoTime();
            action.run();
            millis[i] = (System.nanoTime() - started) / 1e6;
        }
        Arrays.sort(millis);
        return new Timing(millis[count / 2], millis[count / 10], millis[Math.min(count - 1, count * 9 / 10)]);
    }
}
