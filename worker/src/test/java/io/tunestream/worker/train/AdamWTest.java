package io.tunestream.worker.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.tunestream.worker.model.GradMode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The optimizer against PyTorch's {@code torch.optim.AdamW} and {@code clip_grad_norm_}, written out in plain Java
 * doubles: decoupled decay on weights only, bias-corrected moments, the clipping factor on every gradient.
 */
class AdamWTest {

    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPSILON = 1e-8;
    private static final double DECAY = 0.01;

    @Test
    void matchesPyTorchWithAndWithoutClipping() {
        // large gradients (norm about 20) are clipped to 1.0 on the first steps; small ones pass unclipped later
        double[] gradientScales = {10, 10, 0.01, 0.01, 1};
        double[] learningRates = {1e-3, 5e-4, 2e-3, 1e-3, 1e-4};
        double maxNorm = 1.0;
        Random random = new Random(3);
        Map<String, double[]> weights = new LinkedHashMap<>();
        weights.put("layer.weight", values(random, 24));
        weights.put("layer.bias", values(random, 6));
        weights.put("LayerNorm.weight", values(random, 6));
        Map<String, double[]> first = new LinkedHashMap<>();
        Map<String, double[]> second = new LinkedHashMap<>();
        weights.forEach((name, w) -> {
            first.put(name, new double[w.length]);
            second.put(name, new double[w.length]);
        });

        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, Parameter> parameters = new LinkedHashMap<>();
            weights.forEach((name, w) -> parameters.put(name, parameter(manager, name, w)));
            try (AdamW optimizer = new AdamW(parameters, BETA1, BETA2, EPSILON, DECAY, manager)) {
                for (int step = 0; step < gradientScales.length; step++) {
                    Map<String, double[]> gradients = new LinkedHashMap<>();
                    for (String name : weights.keySet()) {
                        double[] g = values(random, weights.get(name).length);
                        for (int i = 0; i < g.length; i++) {
                            g[i] *= gradientScales[step];
                        }
                        gradients.put(name, g);
                        accumulate(parameters.get(name).getArray(), g);
                    }
                    double expectedNorm = referenceStep(weights, first, second, gradients, step + 1, learningRates[step], maxNorm);

                    double norm = optimizer.step(learningRates[step], maxNorm);

                    assertEquals(expectedNorm, norm, expectedNorm * 1e-5, "gradient norm at step " + (step + 1));
                    for (String name : weights.keySet()) {
                        NDArray array = parameters.get(name).getArray();
                        assertArrayEquals(floats(weights.get(name)), array.toFloatArray(), 2e-6f, name + " after step " + (step + 1));
                        try (NDArray gradient = array.getGradient()) {
                            assertArrayEquals(new float[weights.get(name).length], gradient.toFloatArray(), name + "'s gradient is cleared");
                        }
                    }
                }
                assertEquals(gradientScales.length, optimizer.steps());
            }
        }
    }

    /** One step of PyTorch's AdamW after clip_grad_norm_; updates the reference state, returns the norm before clipping. */
    private static double referenceStep(Map<String, double[]> weights, Map<String, double[]> first, Map<String, double[]> second,
            Map<String, double[]> gradients, int t, double lr, double maxNorm) {
        double squares = 0;
        for (double[] g : gradients.values()) {
            for (double v : g) {
                squares += v * v;
            }
        }
        double norm = Math.sqrt(squares);
        double clip = norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
        for (String name : weights.keySet()) {
            double[] w = weights.get(name);
            double[] m = first.get(name);
            double[] v = second.get(name);
            double[] g = gradients.get(name);
            double decay = AdamW.decays(name) ? DECAY : 0;
            for (int i = 0; i < w.length; i++) {
                double gi = g[i] * clip;
                w[i] *= 1 - lr * decay;
                m[i] = BETA1 * m[i] + (1 - BETA1) * gi;
                v[i] = BETA2 * v[i] + (1 - BETA2) * gi * gi;
                double mHat = m[i] / (1 - Math.pow(BETA1, t));
                double vHat = v[i] / (1 - Math.pow(BETA2, t));
                w[i] -= lr * mHat / (Math.sqrt(vHat) + EPSILON);
            }
        }
        return norm;
    }

    /** Adds {@code g} to the array's gradient through autograd: the gradient of sum(w * g) is g. */
    private static void accumulate(NDArray weight, double[] g) {
        try (GradMode recording = GradMode.enabled();
                NDArray direction = weight.getManager().create(floats(g));
                NDArray product = weight.mul(direction);
                NDArray loss = product.sum()) {
            GradMode.backward(loss);
        }
    }

    private static Parameter parameter(NDManager manager, String name, double[] values) {
        Parameter parameter = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT)
                .optArray(manager.create(floats(values))).build();
        parameter.getArray().setRequiresGradient(true);
        return parameter;
    }

    private static double[] values(Random random, int n) {
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian(); // float-exact, as the arrays hold them
        }
        return values;
    }

    private static float[] floats(double[] values) {
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return floats;
    }
}
