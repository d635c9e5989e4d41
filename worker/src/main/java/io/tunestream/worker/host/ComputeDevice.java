package io.tunestream.worker.host;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.util.cuda.CudaUtils;
import java.lang.management.MemoryUsage;
import java.util.Locale;
import java.util.Optional;

/**
 * Where a run's tensors live: the CPU or one GPU (docs/operations.md, "Devices"). Every tensor of a run is made by
 * managers descending from the one base manager opened on it, so choosing it here places the whole run.
 */
public record ComputeDevice(Device device) {

    /** The engine's first GPU if it sees one, else the CPU. */
    public static ComputeDevice engineDefault() {
        return new ComputeDevice(Engine.getInstance().defaultDevice());
    }

    /**
     * {@code cpu}, {@code cuda} (the first GPU) or {@code cuda:N}; null: the engine's default. Refuses a GPU the engine
     * does not see, saying which devices it does.
     */
    public static ComputeDevice parse(String spec) {
        if (spec == null) {
            return engineDefault();
        }
        String id = spec.strip().toLowerCase(Locale.ROOT);
        if (id.equals("cpu")) {
            return new ComputeDevice(Device.cpu());
        }
        int index;
        if (id.equals("cuda") || id.equals("gpu")) {
            index = 0;
        } else if (id.matches("(cuda|gpu):\\d{1,3}")) {
            index = Integer.parseInt(id.substring(id.indexOf(':') + 1));
        } else {
            throw new IllegalArgumentException("--device " + spec + ": not a device; valid: " + valid());
        }
        int gpus = Engine.getInstance().getGpuCount();
        if (index >= gpus) {
            throw new IllegalArgumentException("--device " + spec + ": the engine sees " + (gpus == 0
                    ? "no GPU (its libtorch is built for the CPU, or no NVIDIA driver is loaded)" : gpus + " GPU" + (gpus == 1 ? "" : "s"))
                    + "; valid: " + valid());
        }
        return new ComputeDevice(Device.gpu(index));
    }

    /** The devices this engine can run on, as {@code --device} takes them. */
    public static String valid() {
        StringBuilder valid = new StringBuilder("cpu");
        for (int i = 0; i < Engine.getInstance().getGpuCount(); i++) {
            valid.append(", cuda:").append(i);
        }
        return valid.toString();
    }

    /** {@code cpu} or {@code cuda:N}, as statuses, heartbeats and metrics name it. */
    public String id() {
        return device.isGpu() ? "cuda:" + device.getDeviceId() : "cpu";
    }

    /** A GPU's memory in use (all processes', as the driver counts it); empty on the CPU. */
    public Optional<Long> memoryUsed() {
        if (!device.isGpu()) {
            return Optional.empty();
        }
        MemoryUsage usage = CudaUtils.getGpuMemory(device);
        return Optional.of(usage.getUsed());
    }

    @Override
    public String toString() {
        return id();
    }
}
