package io.tunestream.coordinator.schedule;

import java.util.Collection;

/** Order statistics of small samples, as the stopping rules and the results report need them. */
public final class Quantiles {

    private Quantiles() {}

    /**
     * The {@code q}-quantile of {@code values} by linear interpolation between the closest ranks (NumPy's default
     * method, which is what ASHA's published implementations use).
     *
     * @throws IllegalArgumentException when there are no values
     */
    public static double of(Collection<Double> values, double q) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("the quantile of no values is undefined");
        }
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double position = q * (sorted.length - 1);
        int below = (int) Math.floor(position);
        int above = (int) Math.ceil(position);
        return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
    }

    public static double median(Collection<Double> values) {
        return of(values, 0.5);
    }
}
