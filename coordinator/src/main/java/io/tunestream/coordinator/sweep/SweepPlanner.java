package io.tunestream.coordinator.sweep;

import io.tunestream.schemas.AdapterMethodId;
import io.tunestream.schemas.AdapterSettings;
import io.tunestream.schemas.ExperimentField;
import io.tunestream.schemas.ExperimentRequest;
import io.tunestream.schemas.SweepSchedule;
import io.tunestream.schemas.TrainingSettings;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * Expands a {@link Sweep} into its runs: the base with every combination of the grid's values, in grid order, each with
 * its samples from the search space, each of those repeated with its seeds; every run with the options its method
 * takes.
 */
public final class SweepPlanner {

    /** Sweeps larger than this are refused: a typo in a grid should not flood the queue. */
    public static final int MAX_RUNS = 10_000;

    private SweepPlanner() {}

    /** What a submission publishes: the sweep's schedule and its runs. */
    public record Submission(SweepSchedule schedule, List<PlannedRun> runs) {}

    /**
     * A sweep ready to submit: its runs, at {@code priority} when given instead of the sweep's, and its schedule, which
     * carries the sweep's {@code definition} (its JSON) when the coordinator goes on planning it (search tpe).
     */
    public static Submission submission(Sweep sweep, String definition, Integer priority, Instant submittedAt) {
        List<PlannedRun> runs = plan(sweep, submittedAt);
        if (priority != null) {
            runs.forEach(run -> run.request().setPriority(priority));
        }
        SweepSchedule schedule = sweep.schedule().toMessage(sweep.name(), submittedAt);
        if (sweep.search().algorithm() == Search.Algorithm.TPE) {
            // the coordinator plans the rest from the results: it needs the whole sweep
            schedule.setDefinition(definition);
        }
        return new Submission(schedule, runs);
    }

    public static List<PlannedRun> plan(Sweep sweep, Instant submittedAt) {
        long combinations = sweep.grid().values().stream().mapToLong(List::size).reduce(1, Math::multiplyExact);
        long planned = combinations * sweep.search().samples() * sweep.repeats();
        if (planned > MAX_RUNS) {
            throw new InvalidSweepException(combinations + " grid combinations x " + sweep.search().samples() + " samples x "
                    + sweep.repeats() + " repeats = " + planned + " runs; a sweep may have at most " + MAX_RUNS);
        }
        List<Map<ExperimentField, Object>> settings = sampled(combinations(sweep), sweep.search());
        // an option of one method (salt_edora's tailMode) is left out of other methods' runs; combinations that then
        // coincide (lora with each tail mode) are one run
        Map<String, Map<ExperimentField, Object>> distinct = new LinkedHashMap<>();
        for (Map<ExperimentField, Object> s : settings) {
            applicable(s);
            distinct.putIfAbsent(canonical(s), s);
        }
        List<PlannedRun> runs = new ArrayList<>();
        for (Map<ExperimentField, Object> configuration : distinct.values()) {
            for (Map<ExperimentField, Object> s : repeated(configuration, sweep.repeats())) {
                runs.add(run(sweep.name(), s, submittedAt, sweep.schedule(), runs.size()));
            }
        }
        return runs;
    }

    /** The base with every combination of the grid's values, in grid order. */
    public static List<Map<ExperimentField, Object>> combinations(Sweep sweep) {
        List<Map<ExperimentField, Object>> settings = new ArrayList<>();
        settings.add(new LinkedHashMap<>(sweep.base()));
        for (Map.Entry<ExperimentField, List<Object>> axis : sweep.grid().entrySet()) {
            List<Map<ExperimentField, Object>> expanded = new ArrayList<>();
            for (Map<ExperimentField, Object> partial : settings) {
                for (Object value : axis.getValue()) {
                    Map<ExperimentField, Object> next = new LinkedHashMap<>(partial);
                    next.put(axis.getKey(), value);
                    expanded.add(next);
                }
            }
            settings = expanded;
        }
        return settings;
    }

    /**
     * One more run of {@code sweep} with {@code settings} (the base, a grid combination and values of its search
     * space, normalised): what the coordinator submits for a configuration TPE proposes.
     */
    public static PlannedRun run(Sweep sweep, Map<ExperimentField, Object> settings, Instant submittedAt, int sequence) {
        Map<ExperimentField, Object> kept = new LinkedHashMap<>(settings);
        applicable(kept);
        return run(sweep.name(), kept, submittedAt, sweep.schedule(), sequence);
    }

    /** Drops the fields the run's method does not take (salt_edora's tailMode from a lora run). */
    private static void applicable(Map<ExperimentField, Object> settings) {
        String method = String.valueOf(settings.get(ExperimentField.METHOD));
        settings.keySet().removeIf(field -> !field.appliesTo(method));
    }

    /**
     * Each combination with {@code search.planned()} draws from the search space (all its samples, or TPE's random
     * start), from one generator seeded with the
     * search's seed: every field of the space is drawn in file order for every sample, whether the run's method takes
     * it or not, so that which values a sample gets does not depend on which fields apply.
     */
    private static List<Map<ExperimentField, Object>> sampled(List<Map<ExperimentField, Object>> combinations, Search search) {
        if (search.space().isEmpty()) {
            return combinations;
        }
        SplittableRandom random = new SplittableRandom(search.seed());
        List<Map<ExperimentField, Object>> drawn = new ArrayList<>();
        for (Map<ExperimentField, Object> combination : combinations) {
            for (int sample = 0; sample < search.planned(); sample++) {
                Map<ExperimentField, Object> next = new LinkedHashMap<>(combination);
                search.space().forEach((field, distribution) ->
                        next.put(field, field.normalise(distribution.sample(random), "search.space")));
                drawn.add(next);
            }
        }
        return drawn;
    }

    /** The configuration {@code repeats} times, with the seeds base.seed (42 unless set), base.seed + 1, ... */
    public static List<Map<ExperimentField, Object>> repeated(Map<ExperimentField, Object> configuration, int repeats) {
        if (repeats == 1) {
            return List.of(configuration);
        }
        long first = ((Number) configuration.getOrDefault(ExperimentField.SEED,
                Long.parseLong(ExperimentField.SEED.defaultText()))).longValue();
        List<Map<ExperimentField, Object>> runs = new ArrayList<>();
        for (int i = 0; i < repeats; i++) {
            Map<ExperimentField, Object> run = new LinkedHashMap<>(configuration);
            run.put(ExperimentField.SEED, first + i);
            runs.add(run);
        }
        return runs;
    }

    /**
     * The configuration a run belongs to: its settings without the seed, as one line. Runs of one configuration are
     * repeats of it (docs/sweeps.md, Repeats).
     */
    public static String configuration(Map<ExperimentField, Object> settings) {
        Map<ExperimentField, Object> withoutSeed = new LinkedHashMap<>(settings);
        withoutSeed.remove(ExperimentField.SEED);
        return canonical(withoutSeed);
    }

    private static PlannedRun run(String sweepName, Map<ExperimentField, Object> settings, Instant submittedAt,
            Schedule schedule, int sequence) {
        String canonical = canonical(settings);
        String method = String.valueOf(settings.get(ExperimentField.METHOD));
        String runId = sweepName + "-" + method + "-" + sha256(sweepName + "\n" + canonical).substring(0, 10);
        ExperimentRequest request = ExperimentRequest.newBuilder()
                .setRunId(runId).setSweepId(sweepName)
                .setMethod(AdapterMethodId.unknown)
                .setAdapter(AdapterSettings.newBuilder().build())
                .setTraining(TrainingSettings.newBuilder().build())
                .setMaxAttempts(schedule.maxAttempts()).setKeepCheckpoints(schedule.keepCheckpoints())
                .setExports(schedule.exports()).setSequence(sequence)
                .setSubmittedAt(submittedAt).build();
        settings.forEach((field, value) -> field.apply(request, value));
        return new PlannedRun(runId, Map.copyOf(settings), request);
    }

    /**
     * The settings that make the run what it is as one line, fields sorted by name: the same settings always give the
     * same text.
     */
    static String canonical(Map<ExperimentField, Object> settings) {
        return settings.entrySet().stream().filter(e -> e.getKey().identifying())
                .sorted(Comparator.comparing(e -> e.getKey().fieldName()))
                .map(e -> e.getKey().fieldName() + "=" + e.getValue())
                .collect(Collectors.joining(";"));
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
