package io.tunestream.worker.adapter.edora;

import io.tunestream.worker.adapter.AdapterContext;
import io.tunestream.worker.adapter.AdapterMethod;
import io.tunestream.worker.adapter.AdapterOptions;
import io.tunestream.worker.model.DenseLinear;
import io.tunestream.worker.model.Projection;

/**
 * EDoRA (Nasiri and Garraghan, 2025, "EDoRA: Efficient Weight-Decomposed Low-Rank Adaptation via Singular Value
 * Decomposition", arXiv 2501.12067): DoRA whose low-rank factors are frozen top-r SVD factors of W, with only an
 * r x r core R and the magnitude trained.
 */
public final class EdoraMethod implements AdapterMethod {

    @Override
    public String id() {
        return "edora";
    }

    /** Few parameters, like the hybrid. */
    @Override
    public double defaultLearningRate() {
        return 5e-3;
    }

    @Override
    public String description() {
        return "EDoRA: DoRA with frozen SVD factors B = U_r, A = diag(s_r) V_r^T and a trainable r x r core";
    }

    @Override
    public long trainableParameterCount(AdapterOptions options, long out, long in) {
        long r = options.rank();
        return r * r + out;
    }

    @Override
    public Projection patch(DenseLinear base, AdapterContext context) {
        return new EdoraLinear(base, context);
    }
}
