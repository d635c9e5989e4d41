package io.tunestream.worker.model;

import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's autograd switch, which is per thread. Parameter updates must run with it off (in-place changes to a
 * leaf that requires grad are refused otherwise), and evaluation should not record a graph. DJL only exposes it
 * through the PyTorch engine's JNI class, the engine this project runs on.
 */
public final class GradMode implements AutoCloseable {

    private final boolean previous;

    private GradMode(boolean enabled) {
        this.previous = JniUtils.isGradMode();
        JniUtils.setGradMode(enabled);
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
