package io.tunestream.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.BlockList;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.List;

/**
 * Base of every block in the model. Children are listed under their HuggingFace names (DJL's own
 * {@code addChildBlock} prefixes a counter), so that {@link NamedParameters} yields names such as
 * {@code encoder.layer.0.attention.self.query.weight}. Children are held in fields and listed on demand,
 * which lets an adapter replace a projection in place.
 */
public abstract class ModelBlock extends AbstractBlock {

    /** Lists the children in a fixed order, each under its HuggingFace name. */
    protected abstract void listChildren(BlockList children);

    @Override
    public final BlockList getChildren() {
        BlockList list = new BlockList();
        listChildren(list);
        return list;
    }

    /**
     * Always true: every parameter is created with its values (pretrained, or initialised by the adapter that owns
     * it), so DJL's shape-driven lazy initialisation never applies.
     */
    @Override
    public final boolean isInitialized() {
        return true;
    }

    /**
     * Constant arrays this block computes with besides its parameters, such as an adapter's frozen singular
     * vectors. They are not parameters (they are neither trained nor counted) but belong to the model's memory.
     */
    protected List<NDArray> buffers() {
        return List.of();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }

    /** Creates a parameter that already holds its values; trainable parameters get a gradient. */
    protected static Parameter parameter(String name, NDArray values, boolean trainable) {
        Parameter parameter =
                Parameter.builder()
                        .setName(name)
                        .setType(name.equals("bias") ? Parameter.Type.BIAS : Parameter.Type.WEIGHT)
                        .optArray(values)
                        .build();
        parameter.freeze(!trainable);
        return parameter;
    }

    /** Runs a child on one array and returns its one output. */
    protected static NDArray apply(Block block, ParameterStore store, NDArray input, boolean training) {
        return block.forward(store, new NDList(input), training).singletonOrThrow();
    }
}
