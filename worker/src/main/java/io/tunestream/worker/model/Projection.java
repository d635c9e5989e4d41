package io.tunestream.worker.model;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;

/**
 * A linear map {@code (..., in) -> (..., out)} inside the encoder: the plain {@link DenseLinear} of the
 * pretrained model, or an adapter that wraps one.
 */
public interface Projection extends Block {

    /** The frozen pretrained layer underneath; a plain dense layer is its own base. */
    DenseLinear base();

    /**
     * Folds everything this projection computes into one dense layer, for evaluation and export. The result is
     * frozen and independent of this projection's parameters.
     */
    DenseLinear merge(NDManager manager);
}
