package io.tunestream.coordinator.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunestream.schemas.ExperimentField;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The sampled part of a sweep, its file's {@code search:} section: {@code samples} configurations drawn from
 * {@code space} for each combination of the grid, from a generator seeded with {@code seed}, so that the same file
 * always plans the same runs (docs/sweeps.md).
 *
 * <pre>
 * search:
 *   samples: 12
 *   seed: 7
 *   space:
 *     learningRate: {loguniform: [1.0e-5, 1.0e-2]}
 *     rank: {choice: [4, 8, 16]}
 * </pre>
 *
 * @param samples configurations drawn per grid combination (1 with no space)
 * @param seed the generator's seed: not the training seed, which is the experiment's {@code seed} field
 * @param space each sampled field's distribution, in file order
 */
public record Search(Algorithm algorithm, int samples, int startup, long seed, Map<ExperimentField, Distribution> space) {

    /** How the samples are chosen. */
    public enum Algorithm {
        /** All drawn at random when the sweep is planned. */
        RANDOM,
        /**
         * {@code startup} drawn at random when the sweep is planned; the coordinator proposes the rest one by one
         * from the results of the finished ones ({@link Tpe}).
         */
        TPE
    }

    public static final int MAX_SAMPLES = 10_000;
    /** TPE's random start when the file does not say: enough points for a first model, at most the samples. */
    public static final int DEFAULT_STARTUP = 8;
    private static final Set<String> FIELDS = Set.of("algorithm", "samples", "startup", "seed", "space");

    public Search {
        space = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(space));
    }

    /** No sampling: the grid alone. */
    public static Search none() {
        return new Search(Algorithm.RANDOM, 1, 1, 0, Map.of());
    }

    /** How many samples a sweep is planned with: all of them, or TPE's random start. */
    public int planned() {
        return algorithm == Algorithm.TPE ? startup : samples;
    }

    static Search read(JsonNode node, Function<JsonNode, Object> plain) {
        if (node.isMissingNode()) {
            return none();
        }
        if (!node.isObject()) {
            throw new InvalidSweepException("search must be a mapping with samples, seed and space");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String key = names.next();
            if (!FIELDS.contains(key)) {
                throw new InvalidSweepException("search: unknown field '" + key + "'; valid fields: algorithm, samples, startup,"
                        + " seed, space");
            }
        }
        JsonNode spaceNode = node.path("space");
        if (!spaceNode.isObject() || spaceNode.isEmpty()) {
            throw new InvalidSweepException("search.space must map at least one field to a distribution"
                    + " (search: {samples: 8, space: {learningRate: {loguniform: [1.0e-5, 1.0e-2]}}})");
        }
        Map<ExperimentField, Distribution> space = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = spaceNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            ExperimentField field = ExperimentField.named(entry.getKey(), "search.space");
            space.put(field, Distribution.read(field, entry.getValue(), plain));
        }
        JsonNode samples = node.path("samples");
        if (!samples.canConvertToInt() || !samples.isIntegralNumber() || samples.asInt() < 1 || samples.asInt() > MAX_SAMPLES) {
            throw new InvalidSweepException("search.samples must be a whole number from 1 to " + MAX_SAMPLES + ", got "
                    + (samples.isMissingNode() ? "nothing" : samples.toString()));
        }
        JsonNode seed = node.path("seed");
        if (!seed.isMissingNode() && !seed.isIntegralNumber()) {
            throw new InvalidSweepException("search.seed must be a whole number, got " + seed);
        }
        String algorithmName = node.path("algorithm").asText("random");
        Algorithm algorithm = switch (algorithmName) {
            case "random" -> Algorithm.RANDOM;
            case "tpe" -> Algorithm.TPE;
            default -> throw new InvalidSweepException("search.algorithm: unknown algorithm '" + algorithmName
                    + "'; valid: random (the default), tpe");
        };
        JsonNode startupNode = node.path("startup");
        if (!startupNode.isMissingNode() && algorithm != Algorithm.TPE) {
            throw new InvalidSweepException("search.startup is for algorithm: tpe (its random start)");
        }
        int startup = startupNode.isMissingNode() ? Math.min(samples.asInt(), DEFAULT_STARTUP) : startupNode.asInt(-1);
        if (!startupNode.isMissingNode() && (!startupNode.isIntegralNumber() || startup < 1 || startup > samples.asInt())) {
            throw new InvalidSweepException("search.startup must be a whole number from 1 to samples (" + samples.asInt()
                    + "), got " + startupNode);
        }
        return new Search(algorithm, samples.asInt(), startup, seed.isMissingNode() ? 0 : seed.asLong(), space);
    }
}
