package io.tunestream.worker.bench;

import io.tunestream.worker.adapter.AdapterMethod;
import io.tunestream.worker.model.BertConfig;

/**
 * Floating-point operations of a BERT forward pass, for achieved-FLOP/s figures. Counts the matrix multiplications
 * (2 per multiply-add): the six projections of every layer over every computed token, plus attention's
 * {@code QK^T} and {@code PV} ({@code 4 B T^2 H} per layer). Embedding lookups, LayerNorm, softmax, GELU and the
 * head are left out (under 1% at these shapes).
 *
 * <p>A training step is counted as twice the forward when adapters sit in every layer (the backward pass computes
 * activation gradients through every layer but no weight gradients), three times for full fine-tuning (weight
 * gradients too), and once for head-only training (nothing below the head needs a gradient). Adapter FLOPs
 * (rank 8) are not counted.
 */
public final class FlopCount {

    private FlopCount() {}

    public static double forward(BertConfig c, long batch, long length) {
        double tokens = (double) batch * length;
        double h = c.hiddenSize();
        double perLayerProjections = 4 * h * h + 2 * h * c.intermediateSize();
        double projections = 2 * tokens * perLayerProjections;
        double attention = 4.0 * batch * length * length * h;
        return c.layerCount() * (projections + attention);
    }

    public static double trainingStep(BertConfig c, long batch, long length, AdapterMethod method) {
        int passes = method.trainsBackbone() ? 3 : method.patchesProjections() ? 2 : 1;
        return forward(c, batch, length) * passes;
    }
}
