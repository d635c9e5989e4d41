package io.tunestream.coordinator.sweep;

import io.tunestream.schemas.ExperimentField;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The tree-structured Parzen estimator (Bergstra, Bardenet, Bengio and Kegl, "Algorithms for Hyper-Parameter
 * Optimization", NeurIPS 2011, sec. 4), proposing the next configuration of a search space from the scores seen so
 * far. The observations are split at the {@link #GAMMA} quantile of their scores into good ones, whose density is
 * l(x), and the rest, g(x); candidates drawn from l are ranked by l(x)/g(x), which orders them as the expected
 * improvement does (sec. 4.1, eq. 6). Dimensions are modelled independently, as the paper's tree is for a space
 * without conditions: a numeric one by a mixture of truncated normals, one at each observation and one wide prior
 * (on the log scale for log-uniform fields), each as wide as the gap to its farther neighbour, within bounds
 * (sec. 4.2, as hyperopt does); a choice by its observed frequencies plus one of each value.
 *
 * <p>A proposal depends on its inputs only (the space, the observations in any order, the generator), so a
 * coordinator that rebuilds its observations from Kafka proposes what one that ran throughout would (the
 * coordinator's {@code TpeProposer} runs it).
 */
public final class Tpe {

    /**
     * The share of observations taken as good (at least one): Optuna's default below 250 observations. docs/sweeps.md
     * says how it compared with hyperopt's 0.25.
     */
    public static final double GAMMA = 0.1;
    /** Candidates drawn from l(x) per dimension: hyperopt's default. */
    public static final int CANDIDATES = 24;

    /** One finished configuration: its values of the space's fields, and its score (higher is better). */
    public record Observation(Map<ExperimentField, Object> values, double score) {}

    private Tpe() {}

    /**
     * The next configuration: every field of {@code space}, each value one its distribution can give. With fewer
     * than two observations there is nothing to model, and the draw is random.
     */
    public static Map<ExperimentField, Object> propose(Map<ExperimentField, Distribution> space, List<Observation> observed,
            SplittableRandom random) {
        List<Observation> sorted = new ArrayList<>(observed);
        // in a fixed order, whatever order they were read in: best first, ties by their values
        sorted.sort(Comparator.comparingDouble(Observation::score).reversed()
                .thenComparing(o -> o.values().toString()));
        Map<ExperimentField, Object> proposal = new LinkedHashMap<>();
        int good = Math.max(1, (int) Math.ceil(GAMMA * sorted.size()));
        for (Map.Entry<ExperimentField, Distribution> dimension : space.entrySet()) {
            Distribution distribution = dimension.getValue();
            if (sorted.size() < 2) {
                proposal.put(dimension.getKey(), distribution.sample(random));
                continue;
            }
            // an observation without the field (one of another method's runs, for a method's own field) says nothing of it
            List<Object> better = sorted.subList(0, good).stream().map(o -> o.values().get(dimension.getKey()))
                    .filter(java.util.Objects::nonNull).toList();
            List<Object> worse = sorted.subList(good, sorted.size()).stream().map(o -> o.values().get(dimension.getKey()))
                    .filter(java.util.Objects::nonNull).toList();
            proposal.put(dimension.getKey(), distribution instanceof Distribution.Choice choice
                    ? chooseCategory(choice, better, worse, random)
                    : chooseNumber(distribution, better, worse, random));
        }
        return proposal;
    }

    private static Object chooseCategory(Distribution.Choice choice, List<Object> better, List<Object> worse,
            SplittableRandom random) {
        List<Object> values = choice.values();
        double[] l = frequencies(values, better);
        double[] g = frequencies(values, worse);
        int best = -1;
        double bestRatio = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < CANDIDATES; i++) {
            int candidate = draw(l, random);
            double ratio = Math.log(l[candidate]) - Math.log(g[candidate]);
            if (ratio > bestRatio) {
                bestRatio = ratio;
                best = candidate;
            }
        }
        return values.get(best);
    }

    /** Observed frequencies with one more of each value (a uniform prior), as probabilities. */
    private static double[] frequencies(List<Object> values, List<Object> observed) {
        double[] p = new double[values.size()];
        java.util.Arrays.fill(p, 1);
        observed.forEach(v -> {
            int i = indexOf(values, v);
            if (i >= 0) {
                p[i]++;
            }
        });
        double total = java.util.Arrays.stream(p).sum();
        for (int i = 0; i < p.length; i++) {
            p[i] /= total;
        }
        return p;
    }

    /** Values compare as the field normalised them: 8 and 8.0 are one value. */
    private static int indexOf(List<Object> values, Object value) {
        for (int i = 0; i < values.size(); i++) {
            Object v = values.get(i);
            if (v.equals(value) || (v instanceof Number a && value instanceof Number b && a.doubleValue() == b.doubleValue())) {
                return i;
            }
        }
        return -1;
    }

    private static int draw(double[] p, SplittableRandom random) {
        double u = random.nextDouble();
        for (int i = 0; i < p.length; i++) {
            u -= p[i];
            if (u < 0) {
                return i;
            }
        }
        return p.length - 1;
    }

    private static Object chooseNumber(Distribution distribution, List<Object> better, List<Object> worse,
            SplittableRandom random) {
        Scale scale = Scale.of(distribution);
        Parzen l = new Parzen(scale, better.stream().map(v -> scale.toModel(((Number) v).doubleValue())).toList());
        Parzen g = new Parzen(scale, worse.stream().map(v -> scale.toModel(((Number) v).doubleValue())).toList());
        double best = Double.NaN;
        double bestRatio = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < CANDIDATES; i++) {
            double candidate = l.sample(random);
            double ratio = l.logDensity(candidate) - g.logDensity(candidate);
            if (ratio > bestRatio) {
                bestRatio = ratio;
                best = candidate;
            }
        }
        return scale.fromModel(best, distribution);
    }

    /** Where a numeric field is modelled: its bounds, on a log scale for log-uniform fields. */
    private record Scale(double low, double high, boolean log) {

        static Scale of(Distribution distribution) {
            if (distribution instanceof Distribution.Uniform u) {
                return new Scale(u.low(), u.high(), false);
            } else if (distribution instanceof Distribution.LogUniform u) {
                return new Scale(Math.log(u.low()), Math.log(u.high()), true);
            } else if (distribution instanceof Distribution.QLogUniform u) {
                return new Scale(Math.log(u.low()), Math.log(u.high()), true);
            } else if (distribution instanceof Distribution.IntUniform u) {
                // each whole number owns the unit around it
                return new Scale(u.low() - 0.5, u.high() + 0.5, false);
            }
            throw new IllegalArgumentException("not a numeric distribution: " + distribution);
        }

        double toModel(double value) {
            return log ? Math.log(value) : value;
        }

        /** A modelled point as a value of the field, rounded as its distribution rounds its own draws. */
        Object fromModel(double x, Distribution distribution) {
            double value = log ? StrictMath.exp(x) : x;
            if (distribution instanceof Distribution.IntUniform u) {
                return Math.max(u.low(), Math.min(u.high(), Math.round(value)));
            } else if (distribution instanceof Distribution.QLogUniform q) {
                return q.nearest(value);
            }
            // back from the model's scale: within the field's own bounds, which a log and an exp may miss by a bit
            double lowest = log ? StrictMath.exp(low) : low;
            double highest = log ? StrictMath.exp(high) : high;
            return Distribution.round(Math.min(highest, Math.max(lowest, value)));
        }
    }

    /**
     * A mixture of normals truncated to the scale's bounds: one at each point and a prior one at the middle as wide as
     * the range, all weighted alike; each point's width is the gap to its farther neighbour among the points and the
     * prior's centre, kept between range / min(100, n + 1) and the range.
     */
    private static final class Parzen {
        private final double low;
        private final double high;
        private final double[] centres;
        private final double[] widths;

        Parzen(Scale scale, List<Double> points) {
            this.low = scale.low();
            this.high = scale.high();
            double range = high - low;
            double prior = (low + high) / 2;
            List<Double> all = new ArrayList<>(points);
            all.add(prior);
            double[] sorted = all.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            centres = new double[all.size()];
            widths = new double[all.size()];
            double narrowest = range / Math.min(100, all.size());
            for (int i = 0; i < all.size(); i++) {
                double centre = all.get(i);
                centres[i] = centre;
                if (i == all.size() - 1) {
                    widths[i] = range;
                    continue;
                }
                int at = java.util.Arrays.binarySearch(sorted, centre);
                double left = at > 0 ? centre - sorted[at - 1] : centre - low;
                double right = at < sorted.length - 1 ? sorted[at + 1] - centre : high - centre;
                widths[i] = Math.max(narrowest, Math.min(range, Math.max(left, right)));
            }
        }

        double sample(SplittableRandom random) {
            int k = random.nextInt(centres.length);
            for (int tries = 0; tries < 100; tries++) {
                double x = centres[k] + widths[k] * gaussian(random);
                if (x >= low && x <= high) {
                    return x;
                }
            }
            return Math.min(high, Math.max(low, centres[k]));
        }

        double logDensity(double x) {
            double total = 0;
            for (int i = 0; i < centres.length; i++) {
                double mass = cdf((high - centres[i]) / widths[i]) - cdf((low - centres[i]) / widths[i]);
                double z = (x - centres[i]) / widths[i];
                total += Math.exp(-0.5 * z * z) / (widths[i] * Math.sqrt(2 * Math.PI) * Math.max(mass, 1e-12));
            }
            return Math.log(total / centres.length);
        }

        private static double gaussian(SplittableRandom random) {
            // Box-Muller, from the generator given, so that a proposal is reproducible
            double u = 1 - random.nextDouble();
            double v = random.nextDouble();
            return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
        }

        private static double cdf(double z) {
            return 0.5 * org.apache.commons.math3.special.Erf.erfc(-z / Math.sqrt(2));
        }
    }
}
