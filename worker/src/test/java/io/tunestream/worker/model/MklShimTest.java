package io.tunestream.worker.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The tests train as users do: the build compiles the MKL shim and the test JVMs preload it (pom.xml's
 * {@code mkl.preload}). Fails when the C compiler step or the wiring is lost, which would silently halve the
 * training speed on AMD CPUs.
 */
class MklShimTest {

    @Test
    void theTestJvmRunsWithTheShim() {
        assertTrue(MklShim.loaded(), "libtunestream-mkl.so is not mapped; LD_PRELOAD=" + System.getenv("LD_PRELOAD"));
        assertFalse(MklShim.degraded());
        assertTrue(MklShim.describe().contains("preloaded"), MklShim.describe());
    }
}
