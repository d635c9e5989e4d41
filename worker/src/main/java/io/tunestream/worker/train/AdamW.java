package io.tunestream.worker.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.tunestream.worker.model.GradMode;
import io.tunestream.worker.model.NdArrays;
import io.tunestream.worker.model.StepScope;
import io.tunestream.worker.tensor.HostTensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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

    /** Updates every parameter from its accumulated gradient, then clears the gradients. */
    public void step(StepScope scope, double learningRate) {
        steps++;
        List<NDArray> state = new ArrayList<>(firstMoments.values());
        state.addAll(secondMoments.values());
        scope.manager().tempAttachAll(state.toArray(NDArray[]::new));
        double correction1 = 1 - Math.pow(beta1, steps);
        double correction2 = 1 - Math.pow(beta2, steps);
        try (GradMode off = GradMode.disabled()) {
            for (Map.Entry<String, Parameter> entry : parameters.entrySet()) {
                NDArray weight = entry.getValue().getArray();
                // each getGradient() is a new handle in the model's long-lived manager: closed here, or one leaks per
                // parameter and step (the gradient itself lives on in the parameter)
                try (NDArray gradient = weight.getGradient()) {
                    NDArray m = firstMoments.get(entry.getKey());
                    NDArray v = secondMoments.get(entry.getKey());
                    m.muli(beta1).addi(gradient.mul(1 - beta1));
                    v.muli(beta2).addi(gradient.square().muli(1 - beta2));
                    if (weightDecay > 0 && decays(entry.getKey())) {
                        weight.muli(1 - learningRate * weightDecay);
                    }
                    NDArray denominator = v.div(correction2).sqrt().addi(epsilon);
                    weight.subi(m.div(denominator).muli(learningRate / correction1));
                    gradient.subi(gradient);
                }
            }
        }
    }

    /** Sets every gradient to zero without updating anything: after a pass whose gradients must not count. */
    public void clearGradients() {
        try (GradMode off = GradMode.disabled()) {
            for (Parameter parameter : parameters.values()) {
                try (NDArray gradient = parameter.getArray().getGradient()) {
                    gradient.subi(gradient);
                }
            }
        }
    }

    /**
     * Scales every gradient so that their global L2 norm is at most {@code maxNorm} (PyTorch's
     * {@code clip_grad_norm_}); returns the norm before clipping. {@code maxNorm = 0} only measures.
     */
    public double clipGradients(StepScope scope, double maxNorm) {
        try (GradMode off = GradMode.disabled()) {
            NDArray sum = null;
            for (Parameter parameter : parameters.values()) {
                try (NDArray gradient = parameter.getArray().getGradient()) {
                    NDArray squares = gradient.square().sum();
                    sum = sum == null ? squares : sum.add(squares);
                }
            }
            double norm = sum == null ? 0 : Math.sqrt(sum.getFloat());
            if (maxNorm > 0 && norm > maxNorm) {
                double factor = maxNorm / (norm + 1e-6);
                for (Parameter parameter : parameters.values()) {
                    try (NDArray gradient = parameter.getArray().getGradient()) {
                        gradient.muli(factor);
                    }
                }
            }
            return norm;
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
