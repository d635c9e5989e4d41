package io.tunestream.worker.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tunestream.worker.linalg.ThinSvd;
import io.tunestream.worker.model.DenseLinear;
import io.tunestream.worker.model.NdArrays;
import io.tunestream.worker.tensor.HostTensor;
import java.util.Random;
import java.util.function.Supplier;

/**
 * What a method needs to patch one projection: the options, the module's name, its pretrained SVD (computed once
 * per model and only if the method asks), the manager that owns the model's arrays, and a seeded generator.
 */
public final class AdapterContext {

    private final AdapterOptions options;
    private final String moduleName;
    private final Supplier<ThinSvd> svd;
    private final NDManager manager;
    private final Random random;

    public AdapterContext(AdapterOptions options, String moduleName, Supplier<ThinSvd> svd, NDManager manager, Random random) {
        this.options = options;
        this.moduleName = moduleName;
        this.svd = svd;
        this.manager = manager;
        this.random = random;
    }

    public AdapterOptions options() {
        return options;
    }

    /** The projection's HuggingFace name, such as {@code encoder.layer.0.attention.self.query}. */
    public String moduleName() {
        return moduleName;
    }

    public ThinSvd svd() {
        return svd.get();
    }

    public NDArray array(HostTensor tensor) {
        return manager.create(tensor.values(), new Shape(tensor.shape()));
    }

    public NDArray zeros(long... shape) {
        return manager.zeros(new Shape(shape));
    }

    public NDArray ones(long... shape) {
        return manager.ones(new Shape(shape));
    }

    /**
     * Kaiming-uniform with {@code a = sqrt(5)}, PyTorch's default for {@code nn.Linear} and LoRA's A: uniform on
     * {@code [-1/sqrt(fanIn), 1/sqrt(fanIn)]}, where {@code fanIn} is the second dimension.
     */
    public NDArray kaimingUniform(long rows, long fanIn) {
        double bound = 1 / Math.sqrt(fanIn);
        float[] values = new float[Math.toIntExact(rows * fanIn)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return manager.create(values, new Shape(rows, fanIn));
    }

    /** {@code ||W||_row} of a frozen layer, shape (out): the initial DoRA magnitude. Computed in double on the host. */
    public NDArray rowNorms(DenseLinear layer) {
        float[] weight = NdArrays.floats(layer.weight().getArray());
        int out = Math.toIntExact(layer.outFeatures());
        int in = Math.toIntExact(layer.inFeatures());
        float[] norms = new float[out];
        for (int row = 0; row < out; row++) {
            double sum = 0;
            for (int col = 0; col < in; col++) {
                double v = weight[row * in + col];
                sum += v * v;
            }
            norms[row] = (float) Math.sqrt(sum);
        }
        return manager.create(norms, new Shape(out));
    }

    public NDArray normal(double std, long... shape) {
        float[] values = new float[Math.toIntExact(new Shape(shape).size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        return manager.create(values, new Shape(shape));
    }
}
