package io.tunestream.worker.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.tunestream.worker.TestModels;
import io.tunestream.worker.Training;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.AdapterOptions;
import io.tunestream.worker.model.GradMode;
import io.tunestream.worker.model.StepScope;
import io.tunestream.worker.model.TokenBatch;
import io.tunestream.worker.train.AdamW;
import io.tunestream.worker.train.Losses;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class QuickStepProbe {
    static double median(Runnable r) {
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            long t0 = System.nanoTime();
            r.run();
            times.add((System.nanoTime() - t0) / 1e6);
        }
        List<Double> s = new ArrayList<>(times.subList(5, 25)); s.sort(null);
        return s.get(10);
    }
    @Test
    void probe() {
        String method = System.getProperty("probe.method", "lora");
        try (NDManager manager = NDManager.newBaseManager();
             AdaptedModel model = TestModels.build(TestModels.miniLm(), method, AdapterOptions.defaults(), manager);
             AdamW opt = new AdamW(model.trainableParameters(), 0.01, model.manager())) {
            Random r = new Random(1);
            List<long[]> seqs = new ArrayList<>();
            for (int i = 0; i < 16; i++) { long[] s = new long[64]; for (int t = 0; t < 64; t++) s[t] = 1000 + r.nextInt(20000); seqs.add(s); }
            long[] labels = Training.labels(16);
            System.out.println("PROBE eval fwd " + median(() -> {
                try (GradMode off = GradMode.disabled(); StepScope scope = model.openStep()) {
                    model.logits(scope, TokenBatch.of(scope.manager(), seqs), false).toFloatArray();
                }
            }));
            System.out.println("PROBE train fwd (no collector) " + median(() -> {
                try (StepScope scope = model.openStep()) {
                    model.logits(scope, TokenBatch.of(scope.manager(), seqs), true).toFloatArray();
                }
            }));
            System.out.println("PROBE fwd+bwd " + median(() -> {
                try (StepScope scope = model.openStep()) {
                    try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
                        NDArray loss = Losses.crossEntropy(model.logits(scope, TokenBatch.of(scope.manager(), seqs), true), scope.manager().create(labels));
                        c.backward(loss);
                    }
                }
            }));
            System.out.println("PROBE full step " + median(() -> Training.step(model, opt, seqs, labels, 1e-4)));
            NDManager m = manager;
            NDArray a = m.randomNormal(new ai.djl.ndarray.types.Shape(1024, 384));
            NDArray b = m.randomNormal(new ai.djl.ndarray.types.Shape(384, 1536));
            double mm = median(() -> { try (NDManager s = m.newSubManager()) { s.tempAttachAll(a, b); a.matMul(b).toFloatArray(); } });
            System.out.println("PROBE matmul ms " + mm + " GFLOP/s " + 2.0*1024*384*1536/mm/1e6);
        }
    }
}
