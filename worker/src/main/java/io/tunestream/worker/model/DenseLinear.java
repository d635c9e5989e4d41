package io.tunestream.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.BlockList;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * {@code y = x W^T + b} with HuggingFace's layout: {@code weight} is (out, in), {@code bias} is (out).
 * Input (..., in), output (..., out).
 */
public final class DenseLinear extends ModelBlock implements Projection {

    private final Parameter weight;
    private final Parameter bias;

    public DenseLinear(NDArray weight, NDArray bias, boolean trainable) {
        if (weight.getShape().dimension() != 2
                || bias.getShape().dimension() != 1
                || weight.getShape().get(0) != bias.getShape().get(0)) {
            throw new IllegalArgumentException(
                    "a linear layer needs weight (out, in) and bias (out), got "
                            + weight.getShape()
                            + " and "
                            + bias.getShape());
        }
        this.weight = addParameter(parameter("weight", weight, trainable));
        this.bias = addParameter(parameter("bias", bias, trainable));
    }

    @Override
    protected void listChildren(BlockList children) {}

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    public long outFeatures() {
        return weight.getArray().getShape().get(0);
    }

    public long inFeatures() {
        return weight.getArray().getShape().get(1);
    }

    @Override
    public DenseLinear base() {
        return this;
    }

    @Override
    public DenseLinear merge(NDManager manager) {
        return new DenseLinear(
                NdArrays.copy(weight.getArray(), manager), NdArrays.copy(bias.getArray(), manager), false);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        return new NDList(NdArrays.linear(
                x, store.getValue(weight, x.getDevice(), training), store.getValue(bias, x.getDevice(), training)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape in = inputShapes[0];
        return new Shape[] {in.slice(0, in.dimension() - 1).add(outFeatures())};
    }
}
