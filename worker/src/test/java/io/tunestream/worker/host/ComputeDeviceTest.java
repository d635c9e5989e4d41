package io.tunestream.worker.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

/** --device: what it accepts, what it refuses and why, and that a manager opened on it makes its tensors there. */
class ComputeDeviceTest {

    @Test
    void theCpuIsAlwaysThereAndItsTensorsAreMadeOnIt() {
        ComputeDevice cpu = ComputeDevice.parse("cpu");
        assertEquals("cpu", cpu.id());
        assertTrue(cpu.memoryUsed().isEmpty(), "no device memory to report on the CPU");
        try (NDManager manager = NDManager.newBaseManager(cpu.device());
                NDManager step = manager.newSubManager();
                NDArray x = step.ones(new ai.djl.ndarray.types.Shape(2, 3))) {
            assertEquals(cpu.device(), x.getDevice());
        }
    }

    @Test
    void aGpuTheEngineDoesNotSeeIsRefusedNamingTheDevicesItDoes() {
        int gpus = Engine.getInstance().getGpuCount();
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> ComputeDevice.parse("cuda:" + gpus));
        assertTrue(refused.getMessage().startsWith("--device cuda:" + gpus + ": the engine sees "), refused.getMessage());
        assertTrue(refused.getMessage().endsWith("; valid: " + ComputeDevice.valid()), refused.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> ComputeDevice.parse("tpu"));
        assertEquals("--device tpu: not a device; valid: " + ComputeDevice.valid(), unknown.getMessage());
        if (gpus == 0) {
            assertEquals("cpu", ComputeDevice.valid());
            assertEquals("cpu", ComputeDevice.parse(null).id(), "the default without a GPU");
            assertFalse(ComputeDevice.engineDefault().device().isGpu());
        } else {
            assertEquals("cuda:0", ComputeDevice.parse(null).id(), "the default with a GPU");
            assertEquals("cuda:0", ComputeDevice.parse("cuda").id());
        }
    }
}
