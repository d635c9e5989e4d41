package io.tunestream.worker.train;

/**
 * Dynamic loss scaling for float16 training (Micikevicius et al., 2018, "Mixed Precision Training", sec. 3.2; the
 * policy of PyTorch's {@code GradScaler}). The loss is multiplied by the scale before the backward pass, so that
 * gradients too small for float16 survive it; the optimizer divides them back. A step whose gradients overflowed
 * (an infinite or NaN norm) is skipped and halves the scale; {@value #GROWTH_INTERVAL} steps in a row without overflow
 * double it. The scale and that count are part of a checkpoint, so a resumed run scales as the uninterrupted one.
 */
public final class LossScaler {

    /** PyTorch's initial scale, 2^16. */
    public static final double INITIAL_SCALE = 65_536;
    public static final int GROWTH_INTERVAL = 2_000;

    private final boolean enabled;
    private double scale;
    private int finiteSteps;

    private LossScaler(boolean enabled, double scale, int finiteSteps) {
        this.enabled = enabled;
        this.scale = scale;
        this.finiteSteps = finiteSteps;
    }

    /** No scaling: float32 training. */
    public static LossScaler none() {
        return new LossScaler(false, 1, 0);
    }

    /** Dynamic scaling from {@code scale}, after {@code finiteSteps} steps in a row without overflow. */
    public static LossScaler dynamic(double scale, int finiteSteps) {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("a loss scale must be a positive number, got " + scale);
        }
        return new LossScaler(true, scale, finiteSteps);
    }

    public boolean enabled() {
        return enabled;
    }

    /** The factor the loss is multiplied by before the backward pass; 1 without scaling. */
    public double scale() {
        return scale;
    }

    /** Steps in a row without overflow since the scale last changed. */
    public int finiteSteps() {
        return finiteSteps;
    }

    /** After a step: adjusts the scale to whether its gradients were finite. */
    public void update(boolean finite) {
        if (!enabled) {
            return;
        }
        if (!finite) {
            scale /= 2;
            finiteSteps = 0;
        } else if (++finiteSteps == GROWTH_INTERVAL) {
            scale *= 2;
            finiteSteps = 0;
        }
    }
}
