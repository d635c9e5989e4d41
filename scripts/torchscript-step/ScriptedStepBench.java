import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import io.tunestream.worker.adapter.AdaptedModel;
import io.tunestream.worker.adapter.AdapterOptions;
import io.tunestream.worker.adapter.AdapterRegistry;
import io.tunestream.worker.model.GradMode;
import io.tunestream.worker.model.PretrainedModel;
import io.tunestream.worker.model.source.ModelCatalog;
import io.tunestream.worker.train.AdamW;
import io.tunestream.worker.train.Losses;
import io.tunestream.worker.train.OptimizerStep;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Times, in one process and alternating, one forward and backward pass at batch 16 x length 64 of (a) the worker's
 * eager LoRA model (all-MiniLM-L6-v2, r=8 on query/key/value, no dropout) and (b) export_encoder.py's TorchScript
 * encoder of the same shape, loaded into the worker's libtorch through DJL. The eager pass also runs the embeddings
 * and the pooler, which the scripted encoder leaves out, so the comparison favours the scripted graph.
 *
 * <p>Run by run.sh, with the worker's classpath: {@code java -cp CLASSPATH ScriptedStepBench.java ENCODER.pt}.
 */
public class ScriptedStepBench {

    private static final int WARMUP = 5;
    private static final int STEPS = 20;

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: ScriptedStepBench ENCODER.pt (written by export_encoder.py)");
        }
        PretrainedModel pretrained = new ModelCatalog().load("minilm-l6");
        PretrainedModel withoutDropout = pretrained.withConfig(pretrained.config().withDropout(0, 0));
        Random random = new Random(1);
        List<long[]> ids = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            ids.add(random.longs(64, 1000, 21000).toArray());
        }
        long[] labels = new long[16];
        try (NDManager manager = NDManager.newBaseManager();
                AdaptedModel eager = AdaptedModel.build(withoutDropout, AdapterRegistry.standard().get("lora"),
                        AdapterOptions.defaults().withDropout(0), 1, manager);
                AdamW optimizer = new AdamW(eager.trainableParameters(), 0.01, eager.manager())) {
            PtSymbolBlock scripted = JniUtils.loadModule(
                    (PtNDManager) manager, Path.of(args[0]), true, new String[0], new String[0], true);
            JniUtils.enableTrainingMode(scripted);
            List<NDArray> trainable = new ArrayList<>();
            for (var entry : scripted.getDirectParameters()) {
                Parameter parameter = entry.getValue();
                if (parameter.getArray().hasGradient()) {
                    trainable.add(parameter.getArray());
                }
            }
            System.out.printf("scripted encoder: %d parameters, %d trainable%n", scripted.getDirectParameters().size(), trainable.size());
            NDArray x = manager.randomNormal(new Shape(16, 64, 384));
            NDArray maskAdd = manager.zeros(new Shape(16, 1, 1, 64));
            NDArray labelArray = manager.create(labels);
            for (int round = 1; round <= 3; round++) {
                double eagerMs = median(() -> OptimizerStep.rehearse(eager, optimizer, ids, labels));
                double scriptedMs = median(() -> {
                    try (NDManager scope = manager.newSubManager(); GradMode recording = GradMode.enabled()) {
                        scope.tempAttachAll(x, maskAdd, labelArray);
                        NDArray logits = scripted.forward(new ParameterStore(scope, false), new NDList(x, maskAdd), true)
                                .singletonOrThrow();
                        GradMode.backward(Losses.crossEntropy(logits, labelArray));
                    }
                    for (NDArray parameter : trainable) {
                        JniUtils.zeroGrad((PtNDArray) parameter);
                    }
                });
                System.out.printf("RESULT round %d forward+backward: eager %.1f ms, scripted %.1f ms (scripted/eager %.2f)%n",
                        round, eagerMs, scriptedMs, scriptedMs / eagerMs);
            }
        }
    }

    private static double median(Runnable pass) {
        double[] millis = new double[STEPS];
        for (int i = 0; i < WARMUP + STEPS; i++) {
            long started = System.nanoTime();
            pass.run();
            if (i >= WARMUP) {
                millis[i - WARMUP] = (System.nanoTime() - started) / 1e6;
            }
        }
        Arrays.sort(millis);
        return millis[STEPS / 2];
    }
}
