package io.tunestream.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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

    public WeightSource(NDManager manager, Map<String, HostTensor> pretrained, long seed) {
        this.manager = manager;
        this.pretrained = pretrained;
        this.random = new Random(seed);
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
