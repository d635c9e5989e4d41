package io.tunestream.worker.adapter;

/**
 * Parameter counts of one configured model, reported by every run.
 *
 * @param adapter trainable parameters outside the classification head (the whole backbone for {@code full})
 * @param head trainable parameters of the head: pooler and classifier
 * @param total every parameter of the model, frozen or not, adapter included
 */
public record ParameterCounts(long adapter, long head, long total) {

    public long trainable() {
        return adapter + head;
    }

    /** Trainable share of all parameters, in [0, 1]. */
    public double trainableShare() {
        return total == 0 ? 0 : (double) trainable() / total;
    }
}
