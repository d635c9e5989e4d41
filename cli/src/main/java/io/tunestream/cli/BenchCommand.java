package io.tunestream.cli;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tunestream.schemas.ExperimentField;
import io.tunestream.worker.adapter.AdapterMethod;
import io.tunestream.worker.adapter.AdapterOptions;
import io.tunestream.worker.adapter.AdapterRegistry;
import io.tunestream.worker.bench.FlopCount;
import io.tunestream.worker.bench.TrainingBenchmark;
import io.tunestream.worker.data.BatchPlan;
import io.tunestream.worker.data.DatasetCatalog;
import io.tunestream.worker.data.EncodedDataset;
import io.tunestream.worker.data.LabelledData;
import io.tunestream.worker.host.ComputeDevice;
import io.tunestream.worker.host.TrainingThreads;
import io.tunestream.worker.model.BertConfig;
import io.tunestream.worker.model.MklShim;
import io.tunestream.worker.model.NativeAllocator;
import io.tunestream.worker.model.Precision;
import io.tunestream.worker.model.PretrainedModel;
import io.tunestream.worker.model.source.ModelCatalog;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tunestream bench}: the worker's training speed, measured in one process as ratios. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure every method's training step and the engine's speed, in one run.",
            "In one run: the libtorch matrix-multiply rate, before and after each method's step; each method's "
                    + "training-step time at batch 16 x length 64 without dropout (as the PyTorch reference in "
                    + "shared/bench) and its GFLOP/s as a share of the mean of the two rates around it; samples/s on real "
                    + "SST-2 batches with the training recipe's dropout; the padding ratio of an epoch; evaluation "
                    + "throughput with merged vs unmerged adapters; process RSS at two step counts."})
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", defaultValue = "minilm-l6", description = "Model reference (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--methods", split = ",", defaultValue = "lora,dora,salt,salt_edora,edora,head_only,full",
            description = "Methods to time (default: ${DEFAULT-VALUE}).")
    List<String> methods;

    @Option(names = "--repetitions", defaultValue = "10", description = "Timed steps per fixed-shape measurement (default: ${DEFAULT-VALUE}).")
    int repetitions;

    @Option(names = "--real-steps", defaultValue = "30", description = "Real SST-2 batches per method (default: ${DEFAULT-VALUE}).")
    int realSteps;

    @Option(names = "--rss-steps", defaultValue = "100,1000", split = ",",
            description = "Step counts at which to read the RSS of a LoRA run (default: ${DEFAULT-VALUE}).")
    List<Integer> rssSteps;

    @Option(names = "--precisions", split = ",", defaultValue = "fp32",
            description = "Precisions to time each method's fixed-shape step in, fp32 first (default: ${DEFAULT-VALUE});"
                    + " with fp16, each row gets fp16's step time as a ratio to fp32's and the frozen bytes of both.")
    List<String> precisions;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Directory holding glue-sst2/.")
    Path dataDirectory;

    @Option(names = "--json", description = "Print the results as JSON.")
    boolean json;

    @Mixin
    ComputeOptions compute;

    @Override
    public Integer call() throws Exception {
        if (rssSteps.size() != 2 || rssSteps.get(0) < 1 || rssSteps.get(1) <= rssSteps.get(0)) {
            throw new IllegalArgumentException("--rss-steps needs two increasing step counts, got " + rssSteps);
        }
        if (repetitions < 1) {
            throw new IllegalArgumentException("--repetitions must be at least 1, got " + repetitions);
        }
        if (realSteps < 1) {
            throw new IllegalArgumentException("--real-steps must be at least 1, got " + realSteps);
        }
        List<Precision> timedPrecisions = precisions.stream()
                .map(p -> Precision.fromId((String) ExperimentField.PRECISION.normaliseAs(p, "--precisions")))
                .distinct().toList();
        if (timedPrecisions.isEmpty() || timedPrecisions.get(0) != Precision.FP32) {
            throw new IllegalArgumentException("--precisions must start with fp32, the yardstick of the others, got " + precisions);
        }
        ComputeDevice device = compute.device();
        AdapterRegistry registry = AdapterRegistry.standard();
        List<AdapterMethod> timed = methods.stream().map(registry::get).toList();
        ModelCatalog models = new ModelCatalog();
        PretrainedModel pretrained = models.load(model);
        BertConfig config = pretrained.config();
        DatasetCatalog.DatasetFiles sst2 = new DatasetCatalog(Optional.ofNullable(dataDirectory)).resolve(DatasetCatalog.SST2);
        LabelledData data = LabelledData.read(sst2.train(), sst2.dev(), sst2.layout());
        EncodedDataset train;
        EncodedDataset dev;
        try (HuggingFaceTokenizer tokenizer = pretrained.tokenizer().orElseThrow().tokenizer(128)) {
            train = EncodedDataset.encode(data.train(), data.task().kind(), tokenizer);
            dev = EncodedDataset.encode(data.dev().get(0).examples(), data.task().kind(), tokenizer);
        }
        var err = System.err;
        err.println("engine: training on " + device + ", " + compute.applyThreads(1));
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("model", model);
        results.put("device", device.id());
        results.put("threads", ai.djl.pytorch.jni.JniUtils.getNumThreads());
        results.put("cores", TrainingThreads.cores());
        results.put("mklShim", MklShim.loaded());
        err.println(MklShim.describe());
        results.put("allocator", NativeAllocator.name());
        err.println(NativeAllocator.describe());
        TrainingBenchmark bench = new TrainingBenchmark(pretrained, 5, repetitions);
        try (NDManager manager = NDManager.newBaseManager(device.device())) {
            // one discarded measurement first: the first model built in a process pays for JIT and allocator warm-up
            bench.fixedShapeStep(registry.get("lora"), AdapterOptions.defaults(), 16, 64, manager);
            // The multiply rate is measured right before and right after each method's step, and the step's share
            // is taken against their mean: on a shared machine the rate drifts by a quarter within minutes, and one
            // measurement at the start made the share of a method timed later swing with it.
            List<Double> rates = new ArrayList<>();
            List<Map<String, Object>> rows = new ArrayList<>();
            for (AdapterMethod method : timed) {
                AdapterOptions options = AdapterOptions.defaults().withDropout(method.defaultDropout());
                double rateBefore = bench.matmulGflops(manager);
                TrainingBenchmark.PrecisionStep single = bench.fixedShapeStep(method, options, Precision.FP32, 16, 64, manager);
                TrainingBenchmark.Timing timing = single.timing();
                double rateAfter = bench.matmulGflops(manager);
                rates.add(rateBefore);
                rates.add(rateAfter);
                double rate = (rateBefore + rateAfter) / 2;
                double gflops = FlopCount.trainingStep(config, 16, 64, method) / (timing.medianMillis() * 1e6);
                double real = bench.realBatchSamplesPerSecond(method, options, train, 32, realSteps, manager);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("method", method.id());
                row.put("stepMillis", timing.medianMillis());
                row.put("stepMillisP10", timing.p10Millis());
                row.put("stepMillisP90", timing.p90Millis());
                row.put("achievedGflops", gflops);
                row.put("matmulGflopsAround", List.of(rateBefore, rateAfter));
                row.put("shareOfMatmulRate", gflops / rate);
                row.put("realBatchSamplesPerSecond", real);
                for (Precision precision : timedPrecisions.subList(1, timedPrecisions.size())) {
                    TrainingBenchmark.PrecisionStep other = bench.fixedShapeStep(method, options, precision, 16, 64, manager);
                    long singleBytes = single.frozenParameterBytes();
                    row.put(precision.id() + "StepMillis", other.timing().medianMillis());
                    row.put(precision.id() + "StepTimeVersusFp32", other.timing().medianMillis() / timing.medianMillis());
                    row.put("fp32FrozenBytes", singleBytes);
                    row.put(precision.id() + "FrozenBytes", other.frozenParameterBytes());
                    row.put(precision.id() + "FrozenBytesVersusFp32", singleBytes == 0 ? null : (double) other.frozenParameterBytes() / singleBytes);
                    err.printf(Locale.ROOT, "%-10s %s step %.0f ms = %.2f x fp32's; frozen parameters %d MiB against %d MiB%n",
                            method.id(), precision.id(), other.timing().medianMillis(),
                            other.timing().medianMillis() / timing.medianMillis(), other.frozenParameterBytes() >> 20,
                            singleBytes >> 20);
                }
                rows.add(row);
                err.printf(Locale.ROOT, "%-10s step %.0f ms (p10 %.0f, p90 %.0f), %.1f GFLOP/s = %.0f%% of the matmul rate around it"
                                + " (%.0f, %.0f GFLOP/s); real SST-2 batches %.0f samples/s%n",
                        method.id(), timing.medianMillis(), timing.p10Millis(), timing.p90Millis(), gflops, 100 * gflops / rate,
                        rateBefore, rateAfter, real);
            }
            double matmul = median(rates);
            double lowest = Collections.min(rates);
            double highest = Collections.max(rates);
            results.put("matmulGflops", matmul);
            results.put("matmulGflopsRange", List.of(lowest, highest));
            err.printf(Locale.ROOT, "matmul (1024x384 @ 384x1536): median %.1f GFLOP/s over %d measurements (%.1f to %.1f)%n",
                    matmul, rates.size(), lowest, highest);
            results.put("steps", rows);
            // the yardstick for adapters: their step against lora's at the same rank and targets
            rows.stream().filter(r -> r.get("method").equals("lora")).mapToDouble(r -> (double) r.get("stepMillis")).findFirst()
                    .ifPresent(lora -> rows.forEach(row -> row.put("stepTimeVersusLora", (double) row.get("stepMillis") / lora)));
            if (timedPrecisions.size() > 1) {
                // what the step ratios come from: one product of the feed-forward's shape, forward and backward
                Map<String, Object> kernels = new LinkedHashMap<>();
                for (Precision precision : timedPrecisions) {
                    double[] millis = bench.linearMillis(precision, manager);
                    kernels.put(precision.id(), Map.of("forwardMillis", millis[0], "backwardMillis", millis[1]));
                    err.printf(Locale.ROOT, "linear 1024x384 by 1536x384 in %s: forward %.1f ms, backward %.1f ms%n",
                            precision.id(), millis[0], millis[1]);
                }
                results.put("linearKernels", kernels);
            }
            double padding = BatchPlan.paddingRatio(train, BatchPlan.training(train, 32, 42, 0));
            results.put("paddingRatio", padding);
            err.printf(Locale.ROOT, "padding ratio over an epoch (batch 32): %.3f computed/real tokens%n", padding);
            AdapterMethod loraMethod = registry.get("lora");
            double[] evaluation = bench.evaluationThroughput(loraMethod, AdapterOptions.defaults(), dev, manager);
            results.put("evalUnmergedPerSecond", evaluation[0]);
            results.put("evalMergedPerSecond", evaluation[1]);
            err.printf(Locale.ROOT, "evaluation (lora, dev set): unmerged %.0f, merged %.0f examples/s%n", evaluation[0], evaluation[1]);
            long[] rss = bench.residentMemory(loraMethod, AdapterOptions.defaults(), train, 32, rssSteps.get(0), rssSteps.get(1), manager);
            results.put("rssAtFirstMarkBytes", rss[0]);
            results.put("rssAtSecondMarkBytes", rss[1]);
            results.put("rssMarks", rssSteps);
            results.put("rssGrowth", (double) rss[1] / rss[0] - 1);
            err.printf(Locale.ROOT, "RSS: %d MiB at step %d, %d MiB at step %d (%+.1f%%)%n", rss[0] >> 20, rssSteps.get(0),
                    rss[1] >> 20, rssSteps.get(1), 100 * ((double) rss[1] / rss[0] - 1));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(results));
        } else {
            out.println("done; --json prints every figure");
        }
        out.flush();
        return 0;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
