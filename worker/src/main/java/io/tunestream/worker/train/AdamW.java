package io.tunestream.worker.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.tunestream.worker.model.GradMode;
import io.tunestream.worker.model.NdArrays;
import io.tunestream.worker.tensor.HostTensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (Loshchilov and Hutter, 2019, "Decoupled Weight Decay Regularization", Algorithm 2), as PyTorch's
 * {@code torch.optim.AdamW}: the decay multiplies the parameter by {@code 1 - lr * weightDecay} before the Adam
 * step. Written here rather than taken from DJL because a run's checkpoint must hold the moment estimates, which
 * DJL's optimizers keep private. No decay on biases and LayerNorm weights, as in BERT's recipe.
 */
public final class AdamW implements AutoCloseable {

    private final Map<String, Parameter> parameters;
    private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
    private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final double weightDecay;
    private final NDManager manager;
    private long steps;

    public AdamW(Map<String, Parameter> parameters, double weightDecay, NDManager parent) {
        this(parameters, 0.9, 0.999, 1e-8, weightDecay, parent);
    }

    public AdamW(Map<String, Parameter> parameters, double beta1, double beta2, double epsilon, double weightDecay, NDManager parent) {
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("weight decay must be non-negative, got " + weightDecay);
        }
        this.parameters = new LinkedHashMap<>(parameters);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.weightDecay = weightDecay;
        this.manager = parent.newSubManager();
        parameters.forEach((name, p) -> {
            firstMoments.put(name, manager.zeros(p.getArray().getShape()));
            secondMoments.put(name, manager.zeros(p.getArray().getShape()));
        });
    }

    /** Whether a parameter is decayed: not biases, not LayerNorm gains and shifts. */
    static boolean decays(String name) {
        return !name.endsWith("bias") && !name.contains("LayerNorm");
    }

    /**
     * Clips the gradients to a global L2 norm of at most {@code maxGradientNorm} (PyTorch's {@code clip_grad_norm_};
     * 0: no clipping), updates every parameter from its accumulated gradient, then clears the gradients. Returns the
     * global gradient norm before clipping.
     *
     * <p>Each parameter's update is one call into the engine (DJL's {@code adamUpdate}, which runs PyTorch's in-place
     * operations in C++), not a dozen: a LoRA step has 40 small parameters, and the per-operation cost of the JNI
     * round trip, the Java handle and its manager entry was most of the optimizer's time. The clipping factor is
     * applied inside that call, to a copy of the gradient, instead of in a pass of its own. DJL's update divides
     * by {@code sqrt(v) + eps} with the bias corrections folded into the step size; with {@code eps} scaled by
     * {@code sqrt(1 - beta2^t)} this is PyTorch's {@code m_hat / (sqrt(v_hat) + eps)} exactly.
     */
    public double step(double learningRate, double maxGradientNorm) {
        return step(learningRate, maxGradientNorm, LossScaler.none());
    }

    /**
     * As {@link #step(double, double)}, for gradients of a loss multiplied by {@code scaler}'s scale: they are divided
     * back inside the update (with the clipping factor), and the norm returned is the true one. With scaling on, a
     * step whose gradients overflowed (a norm that is not finite) updates nothing and clears the gradients; its norm
     * is returned as it is, and it is not counted in the bias corrections, as PyTorch's {@code GradScaler} skips the
     * optimizer's step.
     */
    public double step(double learningRate, double maxGradientNorm, LossScaler scaler) {
        double norm = gradientNorm() / scaler.scale();
        if (scaler.enabled() && !Double.isFinite(norm)) {
            clearGradients();
            return norm;
        }
        double clip = maxGradientNorm > 0 && norm > maxGradientNorm ? maxGradientNorm / (norm + 1e-6) : 1;
        float gradientScale = (float) (clip / scaler.scale());
        steps++;
        double correction1 = 1 - Math.pow(beta1, steps);
        double correction2 = 1 - Math.pow(beta2, steps);
        float stepSize = (float) (learningRate * Math.sqrt(correction2) / correction1);
        float scaledEpsilon = (float) (epsilon * Math.sqrt(correction2));
        try (GradMode off = GradMode.disabled()) {
            for (Map.Entry<String, Parameter> entry : parameters.entrySet()) {
                PtNDArray weight = (PtNDArray) entry.getValue().getArray();
                float decay = decays(entry.getKey()) ? (float) weightDecay : 0f;
                // each getGradient() is a new handle in the model's long-lived manager: closed here, or one leaks per
                // parameter and step (the gradient itself lives on in the parameter)
                try (PtNDArray gradient = weight.getGradient()) {
                    JniUtils.adamUpdate(weight, gradient, (PtNDArray) firstMoments.get(entry.getKey()),
                            (PtNDArray) secondMoments.get(entry.getKey()), (float) learningRate, stepSize, decay,
                            gradientScale, -1f, (float) beta1, (float) beta2, scaledEpsilon, true);
                    gradient.subi(gradient);
                }
            }
        }
        return norm;
    }

    /**
     * Sets every gradient to zero without updating anything: after a pass whose gradients must not count. Filled with
     * zeros rather than subtracted from themselves, which leaves NaN where a gradient overflowed.
     */
    public void clearGradients() {
        try (GradMode off = GradMode.disabled()) {
            for (Parameter parameter : parameters.values()) {
                JniUtils.zeroGrad((PtNDArray) parameter.getArray());
            }
        }
    }

    /** The global L2 norm of the accumulated gradients: summed in the engine, read back once. */
    private double gradientNorm() {
        NDArray squares = null;
        try (GradMode off = GradMode.disabled()) {
            for (Parameter parameter : parameters.values()) {
                try (NDArray gradient = parameter.getArray().getGradient();
                        NDArray squared = gradient.square();
                        NDArray sum = squared.sum()) {
                    if (squares == null) {
                        squares = sum.duplicate();
                    } else {
                        squares.addi(sum);
                    }
                }
            }
            return squares == null ? 0 : Math.sqrt(squares.getFloat());
        } finally {
            if (squares != null) {
                squares.close();
            }
        }
    }

    /** The moment estimates by {@code m.NAME} and {@code v.NAME}, for a checkpoint. */
    public Map<String, HostTensor> state() {
        Map<String, HostTensor> state = new LinkedHashMap<>();
        firstMoments.forEach((name, m) -> state.put("m." + name, HostTensor.of(m)));
        secondMoments.forEach((name, v) -> state.put("v." + name, HostTensor.of(v)));
        return state;
    }

    /** Restores moment estimates and the step count written by {@link #state()}. */
    public void restore(Map<String, HostTensor> state, long stepCount) {
        for (String name : parameters.keySet()) {
            HostTensor m = state.get("m." + name);
            HostTensor v = state.get("v." + name);
            if (m == null || v == null) {
                throw new IllegalArgumentException("the optimizer state has no moments for '" + name + "'");
            }
            NdArrays.assign(firstMoments.get(name), m.values());
            NdArrays.assign(secondMoments.get(name), v.values());
        }
        this.steps = stepCount;
    }

    /** Optimizer steps taken so far. */
    public long steps() {
        return steps;
    }

    @Override
    public void close() {
        manager.close();
    }
}
