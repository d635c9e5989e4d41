package io.tunestream.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.tunestream.worker.tensor.HostTensor;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

/**
 * Hands pretrained values to the blocks as they are built, checking each shape, and initialises what the
 * checkpoint lacks (a fresh pooler or classifier) as HuggingFace does: normal(0, 0.02) weights, zero biases.
 */
public final class WeightSource {

    private static final double INIT_STD = 0.02;

    private final NDManager manager;
    private final Map<String, HostTensor> pretrained;
    private final Random random;
    private final Precision precision;
    private final boolean backboneFrozen;

    public WeightSource(NDManager manager, Map<String, HostTensor> pretrained, long seed) {
        this(manager, pretrained, seed, Precision.FP32, true);
    }

    /**
     * @param precision the arithmetic the model computes in
     * @param backboneFrozen whether the backbone stays frozen: its matrices are then held in the precision's type
     *     (float16 halves them), while a trained backbone keeps float32 weights for its optimizer
     */
    public WeightSource(NDManager manager, Map<String, HostTensor> pretrained, long seed, Precision precision,
            boolean backboneFrozen) {
        this.manager = manager;
        this.pretrained = pretrained;
        this.random = new Random(seed);
        this.precision = precision;
        this.backboneFrozen = backboneFrozen;
    }

    /** The type of the model's activations: the embeddings hand the encoder their output in it. */
    public DataType activations() {
        return precision.activations();
    }

    public NDManager manager() {
        return manager;
    }

    /** The pretrained tensor {@code name}; fails naming the tensor if it is missing or has another shape. */
    public NDArray required(String name, long... shape) {
        HostTensor tensor = pretrained.get(name);
        if (tensor == null) {
            throw new IllegalArgumentException("the model has no tensor '" + name + "' of shape " + Arrays.toString(shape));
        }
        return toArray(name, tensor, shape);
    }

    /**
     * A pretrained matrix of the backbone (a projection's weight or bias, an embedding table), held in the precision's
     * type when the backbone is frozen. LayerNorm parameters are read with {@link #required}: they stay float32.
     */
    public NDArray backbone(String name, long... shape) {
        NDArray values = required(name, shape);
        DataType type = backboneFrozen ? precision.activations() : DataType.FLOAT32;
        if (values.getDataType() == type) {
            return values;
        }
        try (values) {
            return values.toType(type, false);
        }
    }

    /** The pretrained tensor if present, otherwise a fresh one: normal(0, 0.02), or zeros for a bias. */
    public NDArray orFresh(String name, long... shape) {
        HostTensor tensor = pretrained.get(name);
        if (tensor != null) {
            return toArray(name, tensor, shape);
        }
        return name.endsWith("bias") ? manager.zeros(new Shape(shape)) : normal(INIT_STD, shape);
    }

    /** Whether the pretrained weights hold {@code name}. */
    public boolean has(String name) {
        return pretrained.containsKey(name);
    }

    /** Values drawn from normal(0, std) with this source's seeded generator. */
    public NDArray normal(double std, long... shape) {
        float[] values = new float[Math.toIntExact(new Shape(shape).size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        return manager.create(values, new Shape(shape));
    }

    private NDArray toArray(String name, HostTensor tensor, long[] shape) {
        if (!Arrays.equals(tensor.shape(), shape)) {
            throw new IllegalArgumentException(
                    "tensor '" + name + "' has shape " + Arrays.toString(tensor.shape())
                            + " but the configuration needs " + Arrays.toString(shape));
        }
        return manager.create(tensor.values(), new Shape(shape));
    }
}
