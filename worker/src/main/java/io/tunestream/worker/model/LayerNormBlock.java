package io.tunestream.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.BlockList;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * LayerNorm over the hidden (last) axis only, as BERT uses it; DJL's {@code LayerNorm} block normalises over
 * every non-batch axis by default. Input and output (..., hidden).
 */
public final class LayerNormBlock extends ModelBlock {

    private final Parameter weight;
    private final Parameter bias;
    private final float eps;

    public LayerNormBlock(WeightSource weights, String prefix, int hidden, float eps) {
        this.weight = addParameter(parameter("weight", weights.required(prefix + ".weight", hidden), false));
        this.bias = addParameter(parameter("bias", weights.required(prefix + ".bias", hidden), false));
        this.eps = eps;
    }

    @Override
    protected void listChildren(BlockList children) {}

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray gamma = store.getValue(weight, x.getDevice(), training);
        NDArray beta = store.getValue(bias, x.getDevice(), training);
        // in float32 whatever the activations' type (docs/worker.md#precision): the variance of a float16 row loses
        // most of its digits
        NDArray normalised = LayerNorm.layerNorm(NdArrays.cast(x, DataType.FLOAT32), new Shape(gamma.getShape().get(0)),
                gamma, beta, eps).singletonOrThrow();
        return new NDList(NdArrays.cast(normalised, x.getDataType()));
    }
}
