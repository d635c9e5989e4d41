package io.tunestream.worker.train;

import io.tunestream.worker.data.Batch;
import java.util.Locale;

/**
 * Running out of device memory during a step, as libtorch reports it, and a hook where a micro-batch's memory is
 * taken before its forward pass (docs/experiment.md, "Out of memory").
 */
public interface DeviceMemory {

    /** No limit of its own: the engine's allocator is the limit. */
    DeviceMemory ENGINE = micro -> { };

    /**
     * Called before each micro-batch's forward pass; throws as the engine does when the micro-batch cannot be held.
     * Only tests limit memory here, to recover from an exhaustion on a machine with plenty.
     */
    void reserve(Batch micro);

    /**
     * Whether {@code failure} is the engine running out of memory: CUDA's caching allocator ("CUDA out of memory. Tried
     * to allocate ...") or the CPU allocator ("DefaultCPUAllocator: can't allocate memory: ... Error code 12 (Cannot
     * allocate memory)"), both raised by DJL as an EngineException with libtorch's message.
     */
    static boolean exhausted(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (message.contains("out of memory") || message.contains("can't allocate memory")
                    || message.contains("cannot allocate memory")) {
                return true;
            }
        }
        return false;
    }
}
