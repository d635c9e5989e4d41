package io.tunestream.worker.linalg;

import io.tunestream.worker.tensor.HostTensor;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * SVDs of one pretrained model's frozen matrices, keyed by parameter name. It lives as long as the loaded
 * pretrained weights, so the second run on the same model does not pay for the decompositions again (a
 * 768x768 SVD takes about a second on two cores).
 */
public final class SvdCache {

    private final Map<String, ThinSvd> decompositions = new ConcurrentHashMap<>();
    private final AtomicInteger computed = new AtomicInteger();

    /** The SVD of {@code name}, computed from {@code matrix} on first use. */
    public ThinSvd get(String name, Supplier<HostTensor> matrix) {
        return decompositions.computeIfAbsent(
                name,
                key -> {
                    computed.incrementAndGet();
                    return ThinSvd.of(matrix.get());
                });
    }

    /** How many decompositions this cache has computed, for tests and logs. */
    public int computedCount() {
        return computed.get();
    }
}
