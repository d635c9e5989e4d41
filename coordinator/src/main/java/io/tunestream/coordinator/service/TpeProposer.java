package io.tunestream.coordinator.service;

import io.tunestream.coordinator.results.RunRecord;
import io.tunestream.coordinator.sweep.InvalidSweepException;
import io.tunestream.coordinator.sweep.PlannedRun;
import io.tunestream.coordinator.sweep.Search;
import io.tunestream.coordinator.sweep.Sweep;
import io.tunestream.coordinator.sweep.SweepPlanner;
import io.tunestream.coordinator.sweep.Tpe;
import io.tunestream.schemas.ExperimentField;
import io.tunestream.schemas.SweepSchedule;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Goes on planning the sweeps whose search is TPE (docs/sweeps.md): for each grid combination, once fewer of its runs
 * are unfinished than the sweep allows at once ({@code maxConcurrent}, else the random start's size), by as many as
 * a configuration has seeds, the next of its
 * {@code samples} is proposed by {@link Tpe} from the best scores of its finished runs, early-stopped ones included
 * (their scores at the step they reached: low-fidelity observations, as BOHB counts them). With {@code repeats}, a
 * configuration is proposed with all its seeds at once and observed by its runs' mean once all have finished. Proposal
 * k of a combination draws from a generator seeded by the search's seed, the combination and k, and the observations come
 * from Kafka alone, so a restarted coordinator proposes what one that ran throughout would.
 */
final class TpeProposer {

    private static final Logger LOG = LoggerFactory.getLogger(TpeProposer.class);
    /** Proposals that coincide with an existing run are drawn again, this many times at most. */
    private static final int TRIES = 20;

    private final Map<String, Sweep> sweeps = new ConcurrentHashMap<>();
    /** Runs proposed and published, not yet read back: their combination waits for them. */
    private final Set<String> pending = new HashSet<>();

    /** A sweep's schedule: one that carries a TPE definition is planned on from now on; another is not. */
    void observe(SweepSchedule schedule) {
        if (schedule.getDefinition() == null) {
            sweeps.remove(schedule.getSweepId());
            return;
        }
        try {
            Sweep sweep = Sweep.fromDefinition(schedule.getDefinition());
            if (sweep.search().algorithm() == Search.Algorithm.TPE) {
                sweeps.put(schedule.getSweepId(), sweep);
            }
        } catch (InvalidSweepException e) {
            LOG.warn("sweep {}: its definition cannot be planned on ({}); no runs will be proposed", schedule.getSweepId(),
                    e.getMessage());
        }
    }

    /** The runs to submit now: at most one per grid combination of each TPE sweep. */
    synchronized List<PlannedRun> propose(CoordinatorState state, Instant now) {
        List<PlannedRun> proposals = new ArrayList<>();
        for (Sweep sweep : sweeps.values()) {
            List<RunRecord> runs = state.runs(sweep.name());
            Set<String> known = new HashSet<>();
            runs.forEach(r -> known.add(r.runId()));
            pending.removeAll(known);
            List<Map<ExperimentField, Object>> combinations = SweepPlanner.combinations(sweep);
            for (int c = 0; c < combinations.size(); c++) {
                Map<ExperimentField, Object> combination = combinations.get(c);
                List<RunRecord> members = runs.stream().filter(r -> r.request() != null && belongs(r, combination, sweep)).toList();
                // a configuration is its values of the search space; with repeats it has one run per seed
                Map<List<Object>, List<RunRecord>> configurations = new LinkedHashMap<>();
                for (RunRecord run : members) {
                    configurations.computeIfAbsent(spaceValues(run, sweep), v -> new ArrayList<>()).add(run);
                }
                if (waiting(sweep) || configurations.size() >= sweep.search().samples()) {
                    continue;
                }
                // a configuration's seeds go together: propose when there is room for all of them (at least that
                // much room whatever maxConcurrent says, or the search would never go on)
                Integer limit = sweep.schedule().maxConcurrent();
                long allowed = Math.max(sweep.repeats(), limit != null ? limit : (long) sweep.search().startup() * sweep.repeats());
                long unfinished = members.stream().filter(r -> !r.finished()).count();
                if (unfinished + sweep.repeats() > allowed) {
                    continue;
                }
                List<Tpe.Observation> observed = observations(configurations.values(), sweep);
                int k = configurations.size();
                for (int attempt = 0; attempt < TRIES; attempt++) {
                    SplittableRandom random = new SplittableRandom(sweep.search().seed() * 1_000_003L + c * 10_007L
                            + k * 101L + attempt);
                    Map<ExperimentField, Object> settings = new LinkedHashMap<>(combination);
                    Tpe.propose(sweep.search().space(), observed, random)
                            .forEach((field, value) -> settings.put(field, field.normalise(value, "search.space")));
                    List<PlannedRun> repeats = new ArrayList<>();
                    for (Map<ExperimentField, Object> seeded : SweepPlanner.repeated(settings, sweep.repeats())) {
                        repeats.add(SweepPlanner.run(sweep, seeded, now, members.size() + repeats.size()));
                    }
                    if (repeats.stream().noneMatch(run -> known.contains(run.runId()) || pending.contains(run.runId()))) {
                        LOG.info("TPE proposes {} for sweep {} (configuration {} of {} with {} results)",
                                repeats.stream().map(PlannedRun::runId).toList(), sweep.name(), k + 1, sweep.search().samples(),
                                observed.size());
                        repeats.forEach(run -> pending.add(run.runId()));
                        proposals.addAll(repeats);
                        break;
                    }
                }
            }
        }
        return proposals;
    }

    /**
     * What TPE has seen: each configuration all of whose runs have finished, scored by the mean of its runs' best
     * scores (a stopped run's at the step it reached).
     */
    private static List<Tpe.Observation> observations(Collection<List<RunRecord>> configurations, Sweep sweep) {
        List<Tpe.Observation> observed = new ArrayList<>();
        for (List<RunRecord> runs : configurations) {
            double[] scores = runs.stream().mapToDouble(RunRecord::bestScore).filter(score -> !Double.isNaN(score)).toArray();
            if (runs.size() < sweep.repeats() || !runs.stream().allMatch(RunRecord::finished) || scores.length == 0) {
                continue;
            }
            Map<ExperimentField, Object> values = new LinkedHashMap<>();
            sweep.search().space().keySet().forEach(field -> values.put(field, field.read(runs.get(0).request())));
            observed.add(new Tpe.Observation(values, Arrays.stream(scores).average().orElseThrow()));
        }
        return observed;
    }

    /** The run's values of the sweep's search space, in the space's order. */
    private static List<Object> spaceValues(RunRecord run, Sweep sweep) {
        return sweep.search().space().keySet().stream().map(field -> field.read(run.request())).toList();
    }

    /** A proposal that could not be published: it is proposed again. */
    synchronized void unsubmitted(String runId) {
        pending.remove(runId);
    }

    /** Whether a run proposed for the sweep has not been read back yet: until it is, its count is not known. */
    private boolean waiting(Sweep sweep) {
        return pending.stream().anyMatch(id -> id.startsWith(sweep.name() + "-"));
    }

    /** Whether {@code run} has the grid values of {@code combination}. */
    private static boolean belongs(RunRecord run, Map<ExperimentField, Object> combination, Sweep sweep) {
        for (ExperimentField field : sweep.grid().keySet()) {
            Object value = field.read(run.request());
            Object wanted = combination.get(field);
            if (!(Objects.equals(value, wanted) || (value instanceof Number a && wanted instanceof Number b
                    && a.doubleValue() == b.doubleValue()))) {
                return false;
            }
        }
        return true;
    }
}
