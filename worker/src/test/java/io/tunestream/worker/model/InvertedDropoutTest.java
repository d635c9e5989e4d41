package io.tunestream.worker.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** Dropout's distribution, scaling, gradient and reproducibility from the engine's seed. */
class InvertedDropoutTest {

    private static final int ELEMENTS = 1 << 20;

    @Test
    void passesTheInputThroughOutsideTrainingOrAtRateZero() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.ones(new Shape(4, 8));
            assertSame(x, InvertedDropout.apply(x, 0.1f, false));
            assertSame(x, InvertedDropout.apply(x, 0f, true));
        }
    }

    @Test
    void dropsAtTheRateAndScalesWhatItKeeps() {
        float rate = 0.1f;
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] out = InvertedDropout.apply(manager.ones(new Shape(ELEMENTS)), rate, true).toFloatArray();
            int dropped = 0;
            for (float value : out) {
                if (value == 0) {
                    dropped++;
                } else {
                    assertEquals(1 / (1 - rate), value, 1e-6f);
                }
            }
            // binomial: standard deviation sqrt(n p (1 - p)) = 307 drops; 10 deviations cannot happen by chance
            double expected = (double) ELEMENTS * rate;
            double deviation = Math.sqrt(expected * (1 - rate));
            assertTrue(Math.abs(dropped - expected) < 10 * deviation,
                    "dropped " + dropped + " of " + ELEMENTS + ", expected about " + Math.round(expected));
        }
    }

    @Test
    void sameEngineSeedSameMask() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.ones(new Shape(64, 32));
            Engine.getInstance().setRandomSeed(7);
            float[] first = InvertedDropout.apply(x, 0.3f, true).toFloatArray();
            float[] other = InvertedDropout.apply(x, 0.3f, true).toFloatArray();
            Engine.getInstance().setRandomSeed(7);
            float[] again = InvertedDropout.apply(x, 0.3f, true).toFloatArray();
            assertArrayEquals(first, again);
            assertTrue(!java.util.Arrays.equals(first, other), "consecutive masks must differ");
        }
    }

    @Test
    void gradientIsTheScaledMask() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomNormal(new Shape(16, 16));
            x.setRequiresGradient(true);
            NDArray out;
            try (GradMode recording = GradMode.enabled()) {
                out = InvertedDropout.apply(x, 0.5f, true);
                GradMode.backward(out.sum());
            }
            float[] values = out.toFloatArray();
            float[] inputs = x.toFloatArray();
            float[] gradient = x.getGradient().toFloatArray();
            for (int i = 0; i < values.length; i++) {
                float expected = values[i] == 0 && inputs[i] != 0 ? 0 : 2;
                assertEquals(expected, gradient[i], 1e-6f, "element " + i);
            }
        }
    }

    @Test
    void refusesARateOutsideZeroToOne() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.ones(new Shape(2));
            IllegalArgumentException error =
                    assertThrows(IllegalArgumentException.class, () -> InvertedDropout.apply(x, 1f, true));
            assertEquals("dropout rate must be in [0, 1), got 1.0", error.getMessage());
        }
    }
}
