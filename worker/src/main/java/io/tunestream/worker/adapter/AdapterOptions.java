package io.tunestream.worker.adapter;

import io.tunestream.schemas.InvalidFieldException;
import io.tunestream.worker.model.TargetModule;
import java.util.List;

/**
 * The options every adapter method reads; a method ignores those it has no use for.
 *
 * @param rank the method's rank r (LoRA's inner dimension, SALT's number of top singular values, ...)
 * @param alpha LoRA-style scale numerator: updates are scaled by {@code alpha / rank}
 * @param dropout dropout on the adapter's input path, in [0, 1)
 * @param targets the projections of each layer that are patched
 * @param tailMode {@code salt_edora} only: additive ({@code free}) or magnitude/direction ({@code polar})
 */
public record AdapterOptions(int rank, double alpha, double dropout, List<TargetModule> targets, TailMode tailMode) {

    public static final int DEFAULT_RANK = 8;

    public AdapterOptions {
        if (rank < 1) {
            throw new InvalidFieldException("rank", "rank must be at least 1, got " + rank);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new InvalidFieldException("alpha", "alpha must be a positive number, got " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new InvalidFieldException("dropout", "dropout must be in [0, 1), got " + dropout);
        }
        if (targets == null || targets.isEmpty()) {
            throw new InvalidFieldException("targets", "targets must name at least one module; valid targets: " + TargetModule.validIds());
        }
        targets = List.copyOf(targets);
        if (tailMode == null) {
            tailMode = TailMode.FREE;
        }
    }

    /** Rank 8, alpha 16 (twice the rank, as in the reference recipe), no dropout, query/key/value. */
    public static AdapterOptions defaults() {
        return new AdapterOptions(DEFAULT_RANK, 2.0 * DEFAULT_RANK, 0.0, TargetModule.DEFAULT, TailMode.FREE);
    }

    /** {@code alpha / rank}, the factor on LoRA-style updates. */
    public double scaling() {
        return alpha / rank;
    }

    public AdapterOptions withRank(int newRank) {
        return new AdapterOptions(newRank, alpha, dropout, targets, tailMode);
    }

    public AdapterOptions withAlpha(double newAlpha) {
        return new AdapterOptions(rank, newAlpha, dropout, targets, tailMode);
    }

    public AdapterOptions withDropout(double newDropout) {
        return new AdapterOptions(rank, alpha, newDropout, targets, tailMode);
    }

    public AdapterOptions withTargets(List<TargetModule> newTargets) {
        return new AdapterOptions(rank, alpha, dropout, newTargets, tailMode);
    }

    public AdapterOptions withTailMode(TailMode newTailMode) {
        return new AdapterOptions(rank, alpha, dropout, targets, newTailMode);
    }
}
