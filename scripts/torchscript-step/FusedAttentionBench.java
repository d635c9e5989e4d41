import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import io.tunestream.worker.model.GradMode;
import io.tunestream.worker.model.NdArrays;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Attention as the worker computes it (BertSelfAttention: scores, scale, additive mask, softmax, product with V, as
 * separate libtorch operations) against libtorch's fused {@code scaled_dot_product_attention}, reached through the
 * TorchScript module that fused_attention_module.py writes. Both run forward and backward at MiniLM's shapes
 * (batch 16, length 64, 12 heads of 32, half the batch padded), in one process, alternating: first the two results
 * and gradients are compared, then six layers' worth of each is timed.
 *
 * <p>Run by run.sh, with the worker's classpath: {@code java -cp CLASSPATH FusedAttentionBench.java MODULE.pt}.
 */
public class FusedAttentionBench {

    private static final long BATCH = 16, LENGTH = 64, HIDDEN = 384, HEADS = 12, HEAD_SIZE = 32;
    private static final int LAYERS = 6, WARMUP = 5, STEPS = 25;

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: FusedAttentionBench MODULE.pt (written by fused_attention_module.py)");
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            PtSymbolBlock fused = JniUtils.loadModule((PtNDManager) manager, Path.of(args[0]), true, new String[0], new String[0], false);
            NDArray query = manager.randomNormal(new Shape(BATCH, LENGTH, HIDDEN));
            NDArray key = manager.randomNormal(new Shape(BATCH, LENGTH, HIDDEN));
            NDArray value = manager.randomNormal(new Shape(BATCH, LENGTH, HIDDEN));
            float[] mask = new float[(int) (BATCH * LENGTH)];
            for (int b = 0; b < BATCH; b += 2) {
                Arrays.fill(mask, (int) (b * LENGTH + LENGTH - 10), (int) ((b + 1) * LENGTH), -1e9f);  // the worker's masked score
            }
            NDArray additiveMask = manager.create(mask, new Shape(BATCH, 1, 1, LENGTH));
            NDArray upstream = manager.randomNormal(new Shape(BATCH, LENGTH, HIDDEN));
            for (NDArray input : new NDArray[] {query, key, value}) {
                input.setRequiresGradient(true);
            }
            Attention separate = new Attention(manager, query, key, value, additiveMask, upstream, null);
            Attention viaKernel = new Attention(manager, query, key, value, additiveMask, upstream, fused);
            float[][] a = separate.outputAndGradients();
            float[][] b = viaKernel.outputAndGradients();
            String[] names = {"output", "query gradient", "key gradient", "value gradient"};
            for (int i = 0; i < names.length; i++) {
                double difference = 0;
                for (int j = 0; j < a[i].length; j++) {
                    difference = Math.max(difference, Math.abs(a[i][j] - b[i][j]));
                }
                System.out.printf("%s: largest difference %.2g%n", names[i], difference);
            }
            for (int round = 1; round <= 3; round++) {
                double separateMs = separate.medianMillis();
                double fusedMs = viaKernel.medianMillis();
                System.out.printf("RESULT round %d, %d layers' attention forward+backward: separate operations %.1f ms, fused %.1f ms%n",
                        round, LAYERS, separateMs, fusedMs);
            }
        }
    }

    private record Attention(NDManager manager, NDArray query, NDArray key, NDArray value, NDArray additiveMask,
            NDArray upstream, PtSymbolBlock fused) {

        /** One forward and backward pass; the gradients accumulate in query, key and value. */
        void run() {
            try (NDManager scope = manager.newSubManager(); GradMode recording = GradMode.enabled()) {
                scope.tempAttachAll(query, key, value, additiveMask, upstream);
                NDArray q = splitHeads(query);
                NDArray k = splitHeads(key);
                NDArray v = splitHeads(value);
                NDArray context;
                if (fused == null) {
                    NDArray scores = NdArrays.scale(q.matMul(k.transpose(0, 1, 3, 2)), 1 / Math.sqrt(HEAD_SIZE)).add(additiveMask);
                    context = scores.softmax(-1).matMul(v);
                } else {
                    context = IValueUtils.forward(fused, new NDList(q, k, v, additiveMask), true).singletonOrThrow();
                }
                NDArray output = context.transpose(0, 2, 1, 3).reshape(BATCH, LENGTH, HIDDEN);
                GradMode.backward(output.mul(upstream).sum());
            }
        }

        float[][] outputAndGradients() {
            for (NDArray input : new NDArray[] {query, key, value}) {
                input.getGradient().subi(input.getGradient());
            }
            float[] output;
            try (NDManager scope = manager.newSubManager(); GradMode off = GradMode.disabled()) {
                scope.tempAttachAll(query, key, value, additiveMask);
                NDArray q = splitHeads(query);
                NDArray k = splitHeads(key);
                NDArray v = splitHeads(value);
                NDArray context = fused == null
                        ? NdArrays.scale(q.matMul(k.transpose(0, 1, 3, 2)), 1 / Math.sqrt(HEAD_SIZE)).add(additiveMask).softmax(-1).matMul(v)
                        : IValueUtils.forward(fused, new NDList(q, k, v, additiveMask), false).singletonOrThrow();
                output = context.transpose(0, 2, 1, 3).reshape(BATCH, LENGTH, HIDDEN).toFloatArray();
            }
            run();
            return new float[][] {output, query.getGradient().toFloatArray(), key.getGradient().toFloatArray(),
                value.getGradient().toFloatArray()};
        }

        double medianMillis() {
            double[] millis = new double[STEPS];
            for (int i = 0; i < WARMUP + STEPS; i++) {
                long started = System.nanoTime();
                for (int layer = 0; layer < LAYERS; layer++) {
                    run();
                }
                if (i >= WARMUP) {
                    millis[i - WARMUP] = (System.nanoTime() - started) / 1e6;
                }
            }
            Arrays.sort(millis);
            return millis[STEPS / 2];
        }

        private static NDArray splitHeads(NDArray x) {
            return x.reshape(BATCH, LENGTH, HEADS, HEAD_SIZE).transpose(0, 2, 1, 3);
        }
    }
}
