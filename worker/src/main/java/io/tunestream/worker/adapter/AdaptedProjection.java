package io.tunestream.worker.adapter;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.BlockList;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.tunestream.worker.model.DenseLinear;
import io.tunestream.worker.model.InvertedDropout;
import io.tunestream.worker.model.ModelBlock;
import io.tunestream.worker.model.NdArrays;
import io.tunestream.worker.model.Projection;
import io.tunestream.worker.model.StepScope;

/**
 * Base of every adapter: it holds the frozen pretrained layer and adds the method's trainable parameters. The
 * base layer's {@code weight} and {@code bias} stay under their pretrained names, so a module reads as
 * {@code query.weight} (frozen) plus {@code query.lora_A} (trained). Input (..., in), output (..., out).
 */
public abstract class AdaptedProjection extends ModelBlock implements Projection {

    protected final DenseLinear base;
    private final float dropout;

    protected AdaptedProjection(DenseLinear base, double dropout) {
        this.base = base;
        this.dropout = (float) dropout;
        addParameter(base.weight());
        addParameter(base.bias());
    }

    @Override
    protected final void listChildren(BlockList children) {}

    @Override
    public final DenseLinear base() {
        return base;
    }

    /** Registers a trainable parameter of this adapter. */
    protected final Parameter trainable(String name, NDArray initial) {
        return addParameter(parameter(name, initial, true));
    }

    /** The current value of a parameter, for use in {@code forwardInternal}. */
    protected static NDArray value(ParameterStore store, Parameter parameter, NDArray input, boolean training) {
        return store.getValue(parameter, input.getDevice(), training);
    }

    /** The input of the adapter path: dropout applies there only, not to the frozen layer (as PEFT does). */
    protected final NDArray adapterInput(NDArray x, boolean training) {
        return InvertedDropout.apply(x, dropout, training);
    }

    /** {@code x W^T + b} of the frozen pretrained layer. */
    protected final NDArray frozenOutput(ParameterStore store, NDArray x, boolean training) {
        return NdArrays.linear(x, value(store, base.weight(), x, training), value(store, base.bias(), x, training));
    }

    /**
     * The dense (out, in) weight that this projection currently computes with, bias excluded. Runs inside a
     * {@link StepScope}, so parameter-only arithmetic is freed afterwards.
     */
    protected abstract NDArray effectiveWeight();

    @Override
    public final DenseLinear merge(NDManager manager) {
        try (StepScope scope = StepScope.open(manager, this)) {
            // held in the frozen weight's type, as the layer it replaces
            NDArray merged = NdArrays.cast(effectiveWeight(), base.weight().getArray().getDataType());
            return new DenseLinear(NdArrays.copy(merged, manager), NdArrays.copy(base.bias().getArray(), manager), false);
        }
    }

    @Override
    protected final NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(store, inputs.singletonOrThrow(), training));
    }

    /** The adapted projection of {@code x} (..., in) to (..., out). */
    protected abstract NDArray forward(ParameterStore store, NDArray x, boolean training);
}
