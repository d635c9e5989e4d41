package io.tunestream.worker.adapter.salt;

import io.tunestream.schemas.InvalidFieldException;
import io.tunestream.worker.adapter.AdapterContext;
import io.tunestream.worker.adapter.AdapterMethod;
import io.tunestream.worker.adapter.AdapterOptions;
import io.tunestream.worker.model.DenseLinear;
import io.tunestream.worker.model.Projection;

/**
 * SALT (Elsayed et al., 2025, "SALT: Singular Value Adaptation with Low-Rank Transformation", arXiv 2503.16055):
 * scale and shift of the top-r singular values plus a LoRA-style update of the remaining singular block.
 */
public final class SaltMethod implements AdapterMethod {

    @Override
    public String id() {
        return "salt";
    }

    /** Between LoRA's and the hybrid's: a low-rank block like LoRA plus singular-value scales. */
    @Override
    public double defaultLearningRate() {
        return 1e-3;
    }

    @Override
    public String description() {
        return "SALT: scale/shift of the top-r singular values + low-rank update of the rest of the spectrum";
    }

    @Override
    public void validate(AdapterOptions options, long out, long in) {
        long k = Math.min(out, in);
        if (options.rank() >= k) {
            throw new InvalidFieldException("rank",
                    "salt: rank " + options.rank() + " must be below min(out, in) = " + k
                            + " so that a remaining singular block exists");
        }
    }

    @Override
    public long trainableParameterCount(AdapterOptions options, long out, long in) {
        long r = options.rank();
        long k = Math.min(out, in);
        return 2 * r + 2 * r * (k - r);
    }

    @Override
    public Projection patch(DenseLinear base, AdapterContext context) {
        return new SaltLinear(base, context);
    }
}
