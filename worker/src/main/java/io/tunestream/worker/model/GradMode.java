package io.tunestream.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's autograd switch, which is per thread, and the backward pass. Parameter updates must run with it off (in-place changes to a
 * leaf that requires grad are refused otherwise), and evaluation should not record a graph. DJL only exposes it
 * through the PyTorch engine's JNI class, the engine this project runs on.
 */
public final class GradMode implements AutoCloseable {

    private final boolean previous;

    private GradMode(boolean enabled) {
        this.previous = JniUtils.isGradMode();
        JniUtils.setGradMode(enabled);
    }

    /** Turns gradient recording on on this thread until {@link #close()}: the forward pass of a training step. */
    public static GradMode enabled() {
        return new GradMode(true);
    }

    /**
     * Back-propagates {@code loss} (a scalar) into the gradients of every array that requires one, accumulating
     * as PyTorch does. This replaces DJL's {@code GradientCollector}, which allows one collector per process (a
     * static flag) and, when it opens, zeroes the gradient of every array the engine holds, another model's
     * included: two workers training in one JVM (the demo, the tests) would fail or corrupt each other. Here
     * gradients are cleared per model, by the optimizer after each update.
     */
    public static void backward(NDArray loss) {
        try (NDArray seed = loss.onesLike()) {
            JniUtils.backward((PtNDArray) loss, (PtNDArray) seed, false, false);
        }
    }

    /** Whether gradient recording is on on this thread. */
    public static boolean recording() {
        return JniUtils.isGradMode();
    }

    /** Turns gradient recording off on this thread until {@link #close()}. */
    public static GradMode disabled() {
        return new GradMode(false);
    }

    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
