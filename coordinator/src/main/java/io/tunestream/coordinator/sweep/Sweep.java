package io.tunestream.coordinator.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tunestream.schemas.ExperimentField;
import io.tunestream.schemas.InvalidFieldException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A sweep as its file states it (docs/sweeps.md): a name, a base experiment, a grid of fields each with the values
 * to try, a search space to sample, and a number of repeats. Every configuration is the base with one combination of
 * the grid's values and, with a search, one draw from its space; each configuration runs {@code repeats} times, with
 * the seeds {@code base.seed}, {@code base.seed + 1}, ...
 *
 * <pre>
 * sweep: notebook
 * base:
 *   model: minilm-l6
 *   rank: 8
 *   trainSamples: 2000
 * grid:
 *   method: [lora, dora, salt, salt_edora]
 *   warmupRatio: [0.0, 0.06]
 * search:
 *   samples: 4
 *   space:
 *     learningRate: {loguniform: [1.0e-4, 3.0e-3]}
 * repeats: 3
 * schedule:
 *   maxConcurrent: 2
 * </pre>
 *
 * @param name the sweep's name: 1 to 64 lowercase letters, digits, '.', '_' or '-'
 * @param base field values shared by every run, checked and normalised
 * @param grid the values to try per field, checked and normalised, in file order
 * @param search the fields to sample and how many draws ({@link Search}; {@link Search#none()} for a grid alone)
 * @param repeats runs per configuration, each with its own seed
 * @param schedule how the coordinator schedules the runs ({@link Schedule}; the file's {@code schedule:} section)
 */
public record Sweep(String name, Map<ExperimentField, Object> base, Map<ExperimentField, List<Object>> grid,
        Search search, int repeats, Schedule schedule) {

    public static final int MAX_REPEATS = 100;
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> TOP_LEVEL = Set.of("sweep", "base", "grid", "search", "repeats", "schedule");

    /** A grid sweep: no sampling, each configuration once. */
    public Sweep(String name, Map<ExperimentField, Object> base, Map<ExperimentField, List<Object>> grid, Schedule schedule) {
        this(name, base, grid, Search.none(), 1, schedule);
    }

    public Sweep {
        if (name == null || !name.matches("[a-z0-9][a-z0-9._-]{0,63}")) {
            throw new InvalidSweepException("sweep: the name must be 1 to 64 lowercase letters, digits, '.', '_' or '-',"
                    + " starting with a letter or digit; got " + (name == null ? "nothing" : "'" + name + "'"));
        }
        base = Map.copyOf(base);
        grid = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(grid));
        for (ExperimentField field : grid.keySet()) {
            if (base.containsKey(field)) {
                throw new InvalidSweepException("grid." + field.fieldName() + " is also set in base; set it in one place");
            }
        }
        for (ExperimentField field : search.space().keySet()) {
            if (base.containsKey(field) || grid.containsKey(field)) {
                throw new InvalidSweepException("search.space." + field.fieldName() + " is also set in "
                        + (base.containsKey(field) ? "base" : "grid") + "; set it in one place");
            }
        }
        if (repeats < 1 || repeats > MAX_REPEATS) {
            throw new InvalidSweepException("repeats must be a whole number from 1 to " + MAX_REPEATS + ", got " + repeats);
        }
        if (repeats > 1 && (grid.containsKey(ExperimentField.SEED) || search.space().containsKey(ExperimentField.SEED))) {
            throw new InvalidSweepException("repeats chooses each run's seed (base.seed, base.seed + 1, ...); leave seed out of "
                    + (grid.containsKey(ExperimentField.SEED) ? "grid" : "search.space"));
        }
        if (!base.containsKey(ExperimentField.METHOD) && !grid.containsKey(ExperimentField.METHOD)) {
            throw new InvalidSweepException("base.method or grid.method is required");
        }
    }

    /** Reads and checks a sweep file (YAML or JSON). */
    public static Sweep read(Path file) {
        try {
            return parse(file);
        } catch (InvalidFieldException e) {
            throw new InvalidSweepException(e.getMessage());
        }
    }

    /**
     * The sweep file as JSON text: what a sweep that the coordinator goes on planning (search algorithm tpe) carries
     * in its schedule ({@link #fromDefinition}).
     */
    public static String definition(Path file) {
        return tree(file).toString();
    }

    /**
     * A sweep given as text (YAML or JSON), such as a file's content sent to the coordinator's API; {@code where} names it
     * in messages.
     */
    public static Sweep parse(String text, String where) {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (IOException e) {
            throw new InvalidSweepException(where + " is not valid YAML or JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        try {
            return parse(root, Path.of(where));
        } catch (InvalidFieldException e) {
            throw new InvalidSweepException(e.getMessage());
        }
    }

    /** The sweep a {@link #definition} describes. */
    public static Sweep fromDefinition(String json) {
        try {
            return parse(YAML.readTree(json), Path.of("schedule.definition"));
        } catch (IOException | InvalidFieldException e) {
            throw new InvalidSweepException("schedule.definition: " + e.getMessage());
        }
    }

    private static JsonNode tree(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidSweepException("sweep file " + file + " does not exist");
        }
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new InvalidSweepException(file + " is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private static Sweep parse(Path file) {
        return parse(tree(file), file);
    }

    private static Sweep parse(JsonNode root, Path file) {
        if (root == null || !root.isObject()) {
            throw new InvalidSweepException(file + " must hold a mapping with sweep, base and grid");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String key = names.next();
            if (!TOP_LEVEL.contains(key)) {
                throw new InvalidSweepException(file + ": unknown top-level field '" + key
                        + "'; valid: sweep, base, grid, search, repeats, schedule");
            }
        }
        String name = root.path("sweep").isTextual() ? root.get("sweep").asText() : null;
        Map<ExperimentField, Object> base = new LinkedHashMap<>();
        JsonNode baseNode = root.path("base");
        if (!baseNode.isMissingNode() && !baseNode.isObject()) {
            throw new InvalidSweepException("base must be a mapping of fields to values");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = baseNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            ExperimentField field = ExperimentField.named(entry.getKey(), "base");
            base.put(field, field.normalise(plain(entry.getValue()), "base"));
        }
        Map<ExperimentField, List<Object>> grid = new LinkedHashMap<>();
        JsonNode gridNode = root.path("grid");
        if (!gridNode.isMissingNode() && !gridNode.isObject()) {
            throw new InvalidSweepException("grid must be a mapping of fields to lists of values");
        }
        if (gridNode.isObject() && gridNode.isEmpty() && root.path("search").isMissingNode()) {
            // an empty grid is one run, which is what leaving it out says; written out, it is more likely a grid lost
            throw new InvalidSweepException("grid is empty: list the values of at least one field (grid: {rank: [4, 8]}),"
                    + " or leave grid out for a single run of base");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = gridNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            ExperimentField field = ExperimentField.named(entry.getKey(), "grid");
            JsonNode values = entry.getValue();
            if (!values.isArray() || values.isEmpty()) {
                throw new InvalidSweepException("grid." + field.fieldName() + " must be a non-empty list of values");
            }
            List<Object> normalised = new ArrayList<>();
            for (JsonNode value : values) {
                Object v = field.normalise(plain(value), "grid");
                if (normalised.contains(v)) {
                    throw new InvalidSweepException("grid." + field.fieldName() + " lists " + v + " twice");
                }
                normalised.add(v);
            }
            grid.put(field, normalised);
        }
        JsonNode repeats = root.path("repeats");
        if (!repeats.isMissingNode() && !repeats.isIntegralNumber()) {
            throw new InvalidSweepException("repeats must be a whole number from 1 to " + MAX_REPEATS + ", got " + repeats);
        }
        return new Sweep(name, base, grid, Search.read(root.path("search"), Sweep::plain),
                repeats.isMissingNode() ? 1 : repeats.asInt(), Schedule.read(root.path("schedule"), Sweep::plain));
    }

    private static Object plain(JsonNode node) {
        return YAML.convertValue(node, Object.class);
    }
}
