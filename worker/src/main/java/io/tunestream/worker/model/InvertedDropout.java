package io.tunestream.worker.model;

import ai.djl.ndarray.NDArray;

/**
 * Dropout (Srivastava et al., 2014) in its inverted form, as PyTorch's {@code nn.Dropout}: in training, each element
 * is kept with probability {@code 1 - rate} and scaled by {@code 1 / (1 - rate)}; otherwise the input passes through.
 *
 * <p>The mask is drawn as a float uniform sample compared with {@code rate} instead of by libtorch's dropout, whose
 * {@code bernoulli_} uses MKL's vectorised sampler on Intel CPUs only. Elsewhere it falls back to a serial loop that
 * draws a 64-bit number (two Mersenne Twister outputs) and a double per element. On this project's AMD machine
 * those masks took about a quarter of the training step's critical thread (docs/performance.md); a float uniform
 * draws one 32-bit number per element. The masks still come from the engine's generator, so reseeding it (as the
 * trainer does before every step) reproduces them.
 */
public final class InvertedDropout {

    private InvertedDropout() {}

    /** {@code x} with dropout at {@code rate} applied when {@code training}; {@code x} itself otherwise. */
    public static NDArray apply(NDArray x, float rate, boolean training) {
        if (!training || rate == 0) {
            return x;
        }
        if (!(rate > 0 && rate < 1)) {
            throw new IllegalArgumentException("dropout rate must be in [0, 1), got " + rate);
        }
        NDArray mask;
        try (NDArray uniform = x.getManager().randomUniform(0, 1, x.getShape());
                NDArray kept = uniform.gte(rate)) {
            mask = kept.toType(x.getDataType(), false).muli(1 / (1 - rate));
        }
        return x.mul(mask);
    }
}
