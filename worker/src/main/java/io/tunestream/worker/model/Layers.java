package io.tunestream.worker.model;

/** Builds the pretrained dense layers of the encoder from a {@link WeightSource}. */
final class Layers {

    private Layers() {}

    /** A frozen pretrained linear layer {@code prefix.weight} (out, in) and {@code prefix.bias} (out). */
    static DenseLinear dense(WeightSource weights, String prefix, int in, int out) {
        return new DenseLinear(weights.backbone(prefix + ".weight", out, in), weights.backbone(prefix + ".bias", out), false);
    }
}
