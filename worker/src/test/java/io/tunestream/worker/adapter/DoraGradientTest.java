package io.tunestream.worker.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.tunestream.worker.adapter.dora.DoraMethod;
import io.tunestream.worker.model.DenseLinear;
import io.tunestream.worker.model.NamedParameters;
import io.tunestream.worker.model.NdArrays;
import io.tunestream.worker.model.Projection;
import io.tunestream.worker.model.StepScope;
import io.tunestream.worker.model.TargetModule;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * DoRA's gradient treats the row norm {@code n = ||W + s B A||_row} as a constant (DoRA paper sec. 4.3). On a 3x4
 * layer with rank 2 and loss {@code L = sum(y * G)}, the closed form with n constant is
 * {@code dL/dm_i = sum_b G_bi D_bi / n_i} (D = x V^T), {@code dL/dV = diag(m / n) G^T x},
 * {@code dL/dB = s dL/dV A^T}, {@code dL/dA = s B^T dL/dV}. Differentiating through n would add
 * {@code -(m_i / n_i^3) (sum_b G_bi D_bi) V_ij} to dL/dV; the test checks that this alternative is far off.
 */
class DoraGradientTest {

    private static final int OUT = 3;
    private static final int IN = 4;
    private static final int RANK = 2;
    private static final int BATCH = 5;
    private static final double SCALING = 1.5;

    @Test
    void gradientTreatsTheRowNormAsConstant() {
        Random random = new Random(3);
        double[][] w = randomMatrix(random, OUT, IN);
        double[][] x = randomMatrix(random, BATCH, IN);
        double[][] g = randomMatrix(random, BATCH, OUT);
        double[][] b = randomMatrix(random, OUT, RANK);
        try (NDManager manager = NDManager.newBaseManager()) {
            DenseLinear base = new DenseLinear(array(manager, w), manager.create(new float[] {0.1f, -0.2f, 0.3f}), false);
            AdapterOptions options = new AdapterOptions(RANK, SCALING * RANK, 0.0, List.of(TargetModule.QUERY), null);
            Projection dora = new DoraMethod().patch(base, new AdapterContext(options, "test", () -> null, manager, new Random(1)));
            Map<String, Parameter> parameters = NamedParameters.of(dora);
            NdArrays.assign(parameters.get("lora_B").getArray(), flatten(b));
            // a magnitude away from ||W||_row, so the two candidate gradients differ clearly
            NdArrays.assign(parameters.get("magnitude").getArray(), new float[] {0.7f, 1.9f, 1.2f});
            double[][] a = unflatten(parameters.get("lora_A").getArray().toFloatArray(), RANK, IN);
            double[] m = {0.7, 1.9, 1.2};

            try (StepScope scope = StepScope.open(manager, dora)) {
                NDArray input = array(scope.manager(), x);
                NDArray weights = array(scope.manager(), g);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray y = dora.forward(scope.store(), new NDList(input), true).singletonOrThrow();
                    collector.backward(y.mul(weights).sum());
                }
                double[][] v = add(w, scale(multiply(b, a), SCALING));
                double[] n = rowNorms(v);
                double[][] d = multiply(x, transpose(v));
                double[] gd = new double[OUT];
                for (int i = 0; i < OUT; i++) {
                    for (int s = 0; s < BATCH; s++) {
                        gd[i] += g[s][i] * d[s][i];
                    }
                }
                double[] expectedM = new double[OUT];
                double[][] dV = multiply(transpose(g), x);
                double[][] dVThroughNorm = new double[OUT][IN];
                for (int i = 0; i < OUT; i++) {
                    expectedM[i] = gd[i] / n[i];
                    for (int j = 0; j < IN; j++) {
                        dV[i][j] *= m[i] / n[i];
                        dVThroughNorm[i][j] = dV[i][j] - m[i] / (n[i] * n[i] * n[i]) * gd[i] * v[i][j];
                    }
                }
                double[][] expectedB = scale(multiply(dV, transpose(a)), SCALING);
                double[][] expectedA = scale(multiply(transpose(b), dV), SCALING);
                double[][] alternativeB = scale(multiply(dVThroughNorm, transpose(a)), SCALING);

                float[] gradM = parameters.get("magnitude").getArray().getGradient().toFloatArray();
                float[] gradB = parameters.get("lora_B").getArray().getGradient().toFloatArray();
                float[] gradA = parameters.get("lora_A").getArray().getGradient().toFloatArray();
                assertClose(expectedM, gradM, "dL/dm");
                assertClose(flattenDouble(expectedB), gradB, "dL/dB");
                assertClose(flattenDouble(expectedA), gradA, "dL/dA");
                double distance = 0;
                for (int i = 0; i < gradB.length; i++) {
                    distance = Math.max(distance, Math.abs(flattenDouble(alternativeB)[i] - gradB[i]));
                }
                assertTrue(distance > 1e-2, "the norm-differentiated gradient should differ clearly, differs by " + distance);
            }
        }
    }

    private static void assertClose(double[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-4 * Math.max(1, Math.abs(expected[i])), what + "[" + i + "]");
        }
    }

    private static double[][] randomMatrix(Random random, int rows, int columns) {
        double[][] m = new double[rows][columns];
        for (double[] row : m) {
            for (int j = 0; j < columns; j++) {
                row[j] = (float) random.nextGaussian();
            }
        }
        return m;
    }

    private static NDArray array(NDManager manager, double[][] m) {
        return manager.create(flatten(m), new Shape(m.length, m[0].length));
    }

    private static float[] flatten(double[][] m) {
        float[] out = new float[m.length * m[0].length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[0].length; j++) {
                out[i * m[0].length + j] = (float) m[i][j];
            }
        }
        return out;
    }

    private static double[] flattenDouble(double[][] m) {
        double[] out = new double[m.length * m[0].length];
        for (int i = 0; i < m.length; i++) {
            System.arraycopy(m[i], 0, out, i * m[0].length, m[0].length);
        }
        return out;
    }

    private static double[][] unflatten(float[] values, int rows, int columns) {
        double[][] m = new double[rows][columns];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < columns; j++) {
                m[i][j] = values[i * columns + j];
            }
        }
        return m;
    }

    private static double[][] multiply(double[][] p, double[][] q) {
        double[][] out = new double[p.length][q[0].length];
        for (int i = 0; i < p.length; i++) {
            for (int j = 0; j < q[0].length; j++) {
                for (int k = 0; k < q.length; k++) {
                    out[i][j] += p[i][k] * q[k][j];
                }
            }
        }
        return out;
    }

    private static double[][] transpose(double[][] m) {
        double[][] out = new double[m[0].length][m.length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[0].length; j++) {
                out[j][i] = m[i][j];
            }
        }
        return out;
    }

    private static double[][] add(double[][] p, double[][] q) {
        double[][] out = new double[p.length][p[0].length];
        for (int i = 0; i < p.length; i++) {
            for (int j = 0; j < p[0].length; j++) {
                out[i][j] = p[i][j] + q[i][j];
            }
        }
        return out;
    }

    private static double[][] scale(double[][] m, double factor) {
        double[][] out = new double[m.length][m[0].length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[0].length; j++) {
                out[i][j] = m[i][j] * factor;
            }
        }
        return out;
    }

    private static double[] rowNorms(double[][] m) {
        double[] out = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            double sum = 0;
            for (double value : m[i]) {
                sum += value * value;
            }
            out[i] = Math.sqrt(sum);
        }
        return out;
    }
}
